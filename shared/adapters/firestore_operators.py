"""Operator accounts, sessions and the audit trail in Firestore.

One document per account, per session and per audit event: nothing is a hot document, and the
audit trail is append-only by construction (events are created, never updated or deleted by
the code; a TTL policy on `purge_after` ends them after the retention period).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TypeVar

from google.api_core.exceptions import AlreadyExists, Conflict
from google.cloud import firestore

from shared.adapters.firestore_rate_limiter import FirestoreRateLimiter
from shared.adapters.firestore_transactions import (
    TRANSACTION_DEADLINE,
    run_transaction,
)
from shared.domain import retention
from shared.domain.accounts import Operator, Role, Session
from shared.service_layer.ports import (
    AuditEvent,
    OperatorExists,
    OperatorNotFound,
)

T = TypeVar("T")

OPERATORS = "operators"
SESSIONS = "operator_sessions"
AUDIT = "audit_events"
# Sign-in failure counters (hashed keys; shared.service_layer.auth), apart from the accounts:
# counted alike whether the name exists or not.
SIGN_IN_FAILURES = "sign_in_failures"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    aware = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(*aware.timetuple()[:6], aware.microsecond, tzinfo=UTC)


def operator_document(operator: Operator) -> dict:
    return {
        "username": operator.username,
        "display_name": operator.display_name,
        "role": operator.role.value,
        "password_hash": operator.password_hash,
        "totp_secret": operator.totp_secret,
        "created_at": operator.created_at,
        "active": operator.active,
        "failed_attempts": operator.failed_attempts,
        "locked_until": operator.locked_until,
        "last_failure_at": operator.last_failure_at,
        "last_totp_step": operator.last_totp_step,
        "sessions_valid_after": operator.sessions_valid_after,
        "password_changed_at": operator.password_changed_at,
    }


def operator_value(doc: dict) -> Operator:
    return Operator(
        username=doc["username"],
        display_name=doc["display_name"],
        role=Role(doc["role"]),
        password_hash=doc["password_hash"],
        totp_secret=doc["totp_secret"],
        created_at=_utc(doc["created_at"]),
        active=doc.get("active", True),
        failed_attempts=doc.get("failed_attempts", 0),
        locked_until=_utc(doc.get("locked_until")),
        last_failure_at=_utc(doc.get("last_failure_at")),
        last_totp_step=doc.get("last_totp_step"),
        sessions_valid_after=_utc(doc.get("sessions_valid_after")),
        password_changed_at=_utc(doc.get("password_changed_at")),
    )


def session_document(session: Session) -> dict:
    return {
        "username": session.username,
        "role": session.role.value,
        "csrf_token": session.csrf_token,
        "created_at": session.created_at,
        "last_seen_at": session.last_seen_at,
        "revoked_at": session.revoked_at,
    }


def session_value(session_id: str, doc: dict) -> Session:
    return Session(
        session_id=session_id,
        username=doc["username"],
        role=Role(doc["role"]),
        csrf_token=doc["csrf_token"],
        created_at=_utc(doc["created_at"]),
        last_seen_at=_utc(doc["last_seen_at"]),
        revoked_at=_utc(doc.get("revoked_at")),
    )


def audit_document(event: AuditEvent) -> dict:
    return {
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "details": dict(event.details),
        "purge_after": event.at + retention.AUDIT,
    }


def audit_value(event_id: str, doc: dict) -> AuditEvent:
    return AuditEvent(
        at=_utc(doc["at"]),
        actor=doc["actor"],
        action=doc["action"],
        target=doc.get("target"),
        details=dict(doc.get("details") or {}),
        event_id=event_id,
    )


def new_event_id(at: datetime) -> str:
    # Time-ordered and unique without a counter.
    return f"{at.astimezone(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:10]}"


class FirestoreOperators:
    def __init__(self, client: firestore.Client):
        self._db = client
        self._failures = FirestoreRateLimiter(client, SIGN_IN_FAILURES)

    def add(self, operator: Operator) -> None:
        try:
            self._db.collection(OPERATORS).document(operator.username).create(
                operator_document(operator)
            )
        except (AlreadyExists, Conflict):
            raise OperatorExists(operator.username) from None

    def get(self, username: str) -> Operator | None:
        snapshot = self._db.collection(OPERATORS).document(username).get()
        return operator_value(snapshot.to_dict()) if snapshot.exists else None

    def update(self, username: str, change: Callable[[Operator], T]) -> T:
        ref = self._db.collection(OPERATORS).document(username)

        def update_in(transaction: firestore.Transaction) -> T:
            snapshot = ref.get(transaction=transaction)
            if not snapshot.exists:
                raise OperatorNotFound(username)
            operator = operator_value(snapshot.to_dict())
            result = change(operator)
            transaction.set(ref, operator_document(operator))
            return result

        return run_transaction(self._db, update_in, deadline=TRANSACTION_DEADLINE)

    # Sign-in failures: blind increments on their own documents (thirty parallel wrong
    # guesses are thirty writes that never contend, and every one is counted), never on the
    # account's, so an unknown name costs the same writes as a real one.
    def failures(self, keys):
        return self._failures.failures(keys)

    def count_failures(self, keys, now, purge_after, restart=(), tags=None) -> None:
        self._failures.count(keys, now, purge_after, restart, tags)

    def clear_failures(self, keys=(), tag=None) -> None:
        if keys:
            self._failures.clear(keys)
        if tag is not None:
            self._failures.clear_tagged(tag)

    def list(self) -> list[Operator]:
        return sorted(
            (operator_value(s.to_dict()) for s in self._db.collection(OPERATORS).stream()),
            key=lambda o: o.username,
        )


class FirestoreSessions:
    def __init__(self, client: firestore.Client):
        self._db = client

    def add(self, session: Session, purge_after: datetime) -> None:
        self._db.collection(SESSIONS).document(session.session_id).create(
            {**session_document(session), "purge_after": purge_after}
        )

    def get(self, session_id: str) -> Session | None:
        snapshot = self._db.collection(SESSIONS).document(session_id).get()
        return session_value(session_id, snapshot.to_dict()) if snapshot.exists else None

    def touch(self, session_id: str, at: datetime) -> None:
        self._db.collection(SESSIONS).document(session_id).update({"last_seen_at": at})

    def revoke(self, session_id: str, at: datetime) -> None:
        self._db.collection(SESSIONS).document(session_id).update({"revoked_at": at})


class FirestoreAudit:
    def __init__(self, client: firestore.Client):
        self._db = client

    def append(self, event: AuditEvent) -> None:
        self._db.collection(AUDIT).document(new_event_id(event.at)).create(audit_document(event))

    def recent(self, limit: int = 200, actions: Iterable[str] | None = None) -> list[AuditEvent]:
        query = self._db.collection(AUDIT)
        wanted = list(actions or ())
        if wanted:
            query = query.where(filter=firestore.FieldFilter("action", "in", wanted[:30]))
        query = query.order_by("at", direction=firestore.Query.DESCENDING).limit(limit)
        return [audit_value(s.id, s.to_dict()) for s in query.stream()]

    def for_target(self, target: str, limit: int = 100) -> list[AuditEvent]:
        # Equality only (single-field index); sorted here: a request has few events.
        query = (
            self._db.collection(AUDIT)
            .where(filter=firestore.FieldFilter("target", "==", target))
            .limit(limit)
        )
        return sorted((audit_value(s.id, s.to_dict()) for s in query.stream()), key=lambda e: e.at)


class FirestoreRequestArchive:
    """Reads requests by creation time for the reports (single-field index on created_at)."""

    def __init__(self, client: firestore.Client):
        self._db = client

    def created_between(self, start: datetime, end: datetime, limit: int = 20000):
        from shared.adapters.firestore_repository import REQUESTS
        from shared.adapters.records import from_document

        query = (
            self._db.collection(REQUESTS)
            .where(filter=firestore.FieldFilter("created_at", ">=", start))
            .where(filter=firestore.FieldFilter("created_at", "<", end))
            .order_by("created_at")
            .limit(limit)
        )
        return [from_document(s.to_dict()) for s in query.stream()]


class Argon2Hasher:
    """argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile)."""

    def __init__(self, **parameters):
        from argon2 import PasswordHasher

        self._hasher = PasswordHasher(**parameters)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
