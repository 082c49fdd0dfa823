"""The retention job's reads and the report aggregates in Firestore (the PrivacyStore port of
shared.service_layer.privacy). No hot document: one contribution per request (a create), one
run document per run; the work list is an equality query on `retention_pending`. Unmatched
WhatsApp messages and answered complaints are found by one range query each (single-field
indexes: nothing to deploy)."""

from __future__ import annotations

import contextlib

from google.api_core.exceptions import AlreadyExists, Conflict, NotFound
from google.cloud import firestore

from shared.adapters.firestore_complaints import COMPLAINTS, complaint_from_document
from shared.adapters.firestore_conversations import UNMATCHED
from shared.adapters.firestore_messages import MESSAGES
from shared.adapters.firestore_operators import AUDIT
from shared.adapters.firestore_repository import TRACKING_CODES
from shared.adapters.firestore_transactions import READ_TIMEOUT
from shared.adapters.records import REQUESTS, SCHEMA_VERSION, from_document
from shared.domain import aggregates, privacy_requests
from shared.domain.aggregates import Contribution

CONTRIBUTIONS = "report_contributions"
PRIVACY_REQUESTS = "privacy_requests"
RUNS = "retention_runs"
# The field the old TTL policy deleted documents by.
LEGACY_TTL_FIELD = "purge_after"


class FirestorePrivacy:
    def __init__(self, client: firestore.Client):
        self._db = client

    def pending_requests(self, limit: int):
        query = (
            self._db.collection(REQUESTS)
            .where(filter=firestore.FieldFilter("retention_pending", "==", True))
            .limit(limit)
        )
        return [from_document(s.to_dict()) for s in query.stream(timeout=60)]

    def legacy_request_ids(self, limit: int) -> list[str]:
        query = (
            self._db.collection(REQUESTS)
            .where(filter=firestore.FieldFilter("schema", "<", SCHEMA_VERSION))
            .limit(limit)
        )
        return [s.id for s in query.stream(timeout=60)]

    def forget_legacy_ttl(self, request) -> None:
        drop = {LEGACY_TTL_FIELD: firestore.DELETE_FIELD}
        with contextlib.suppress(NotFound):
            self._db.collection(TRACKING_CODES).document(request.tracking_code).update(
                drop, timeout=READ_TIMEOUT
            )
        query = self._db.collection(MESSAGES).where(
            filter=firestore.FieldFilter("request_id", "==", request.request_id)
        )
        for snapshot in query.stream(timeout=READ_TIMEOUT):
            if LEGACY_TTL_FIELD in (snapshot.to_dict() or {}):
                snapshot.reference.update(drop, timeout=READ_TIMEOUT)

    def add_contribution(self, item: Contribution) -> bool:
        ref = self._db.collection(CONTRIBUTIONS).document(item.request_id)
        try:
            ref.create(aggregates.to_document(item), timeout=READ_TIMEOUT)
        except (AlreadyExists, Conflict):
            return False
        return True

    def contributions(self, month: str) -> list[Contribution]:
        query = self._db.collection(CONTRIBUTIONS).where(
            filter=firestore.FieldFilter("month", "==", month)
        )
        return [aggregates.from_document(s.to_dict()) for s in query.stream(timeout=60)]

    def redact_audit_details(self, request_id: str, keys: tuple[str, ...]) -> int:
        query = self._db.collection(AUDIT).where(
            filter=firestore.FieldFilter("target", "==", request_id)
        )
        changed = 0
        for snapshot in query.stream(timeout=READ_TIMEOUT):
            details = (snapshot.to_dict() or {}).get("details") or {}
            present = [key for key in keys if key in details]
            if present:
                snapshot.reference.update(
                    {f"details.{key}": firestore.DELETE_FIELD for key in present},
                    timeout=READ_TIMEOUT,
                )
                changed += 1
        return changed

    def record_run(self, run: dict) -> None:
        run_id = f"{run['started_at']:%Y%m%dT%H%M%S%f}"
        self._db.collection(RUNS).document(run_id).set(run, timeout=READ_TIMEOUT)

    def delete_unmatched_before(self, cutoff, limit: int) -> int:
        query = (
            self._db.collection(UNMATCHED)
            .where(filter=firestore.FieldFilter("received_at", "<=", cutoff))
            .limit(limit)
        )
        deleted = 0
        for snapshot in query.stream(timeout=60):
            snapshot.reference.delete(timeout=READ_TIMEOUT)  # deleting twice is harmless
            deleted += 1
        return deleted

    def answered_complaints_before(self, cutoff, limit: int):
        query = (
            self._db.collection(COMPLAINTS)
            .where(filter=firestore.FieldFilter("answered_at", "<=", cutoff))
            .limit(limit)
        )
        return [complaint_from_document(s.to_dict()) for s in query.stream(timeout=60)]

    def last_runs(self, limit: int) -> list[dict]:
        query = (
            self._db.collection(RUNS)
            .order_by("started_at", direction=firestore.Query.DESCENDING)
            .limit(limit)
        )
        return [s.to_dict() for s in query.stream(timeout=READ_TIMEOUT)]

    def privacy_requests(self, limit: int):
        query = (
            self._db.collection(PRIVACY_REQUESTS)
            .order_by("created_at", direction=firestore.Query.DESCENDING)
            .limit(limit)
        )
        return [privacy_requests.from_document(s.to_dict()) for s in query.stream(timeout=60)]

    def privacy_requests_for(self, request_id: str):
        query = self._db.collection(PRIVACY_REQUESTS).where(
            filter=firestore.FieldFilter("request_id", "==", request_id)
        )
        return [privacy_requests.from_document(s.to_dict()) for s in query.stream(timeout=60)]
