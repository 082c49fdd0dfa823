"""Ports of the operator side: accounts, sessions, the audit trail, password hashing.

Firestore adapters in `shared.adapters.firestore_operators`; in-memory ones in tests/fakes.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from shared.domain.accounts import Operator, Session
from shared.domain.model import RemissionRequest
from shared.domain.sla import OfficeHours
from shared.service_layer.ports import Dependencies

T = TypeVar("T")


class OperatorExists(Exception):
    pass


class OperatorNotFound(Exception):
    pass


class OperatorRepository(Protocol):
    def add(self, operator: Operator) -> None:
        """Create; raises OperatorExists if the username is taken."""

    def get(self, username: str) -> Operator | None: ...

    def update(self, username: str, change: Callable[[Operator], T]) -> T:
        """Read, change, write in one transaction. Raises OperatorNotFound."""

    def record_failure(self, username: str, now: datetime) -> None:
        """Count a failed sign-in without a transaction (see Operator.record_failure)."""

    def list(self) -> list[Operator]: ...


class SessionStore(Protocol):
    def add(self, session: Session, purge_after: datetime) -> None: ...

    def get(self, session_id: str) -> Session | None: ...

    def touch(self, session_id: str, at: datetime) -> None: ...

    def revoke(self, session_id: str, at: datetime) -> None: ...


@dataclass(frozen=True)
class AuditEvent:
    at: datetime
    actor: str  # username, or "-" for an unknown one
    action: str
    target: str | None = None
    details: dict = field(default_factory=dict)
    event_id: str = ""


class AuditLog(Protocol):
    def append(self, event: AuditEvent) -> None:
        """Add one event (one document each: append-only, no hot document)."""

    def recent(self, limit: int = 200, actions: Iterable[str] | None = None) -> list[AuditEvent]:
        """Newest first."""

    def for_target(self, target: str, limit: int = 100) -> list[AuditEvent]:
        """Events about one request, oldest first."""


class RequestArchive(Protocol):
    def created_between(
        self, start: datetime, end: datetime, limit: int = 20000
    ) -> list[RemissionRequest]:
        """Requests created in [start, end), for the monthly reports."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass
class OperatorDependencies:
    core: Dependencies
    operators: OperatorRepository
    sessions: SessionStore
    audit: AuditLog
    hasher: PasswordHasher
    session_key: bytes  # keys the session-id hash: a leaked session table yields no cookies
    office_hours: OfficeHours
    office_name: str
    issuer: str = "Layanan Informasi Remisi"
    ktp_view_valid_for: timedelta = timedelta(minutes=5)
    archive: RequestArchive | None = None
    # Messages to requesters (shared.service_layer.dispatch_ports.MessageStore): delivery status
    # on the detail page and the manual WhatsApp fallback.
    messages: object | None = None
    # Admin-edited email templates (shared.service_layer.message_template_admin.TemplateStore).
    templates: object | None = None
    # Where the "both channels failed" notice goes when an operator's action settles a pair.
    operator_alert_email: str | None = None
