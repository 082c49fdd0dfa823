"""The ports the service layer talks through. Adapters in `shared.adapters` implement them for
Google Cloud (and its emulators); `tests/fakes.py` implements them in memory for unit tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from shared.domain.messages import Message
from shared.domain.model import RemissionRequest, Status
from shared.domain.outbox import OutboxEntry
from shared.domain.sdp import SdpCandidate, SdpQuery

T = TypeVar("T")


# --- request repository ----------------------------------------------------------------------


@dataclass(frozen=True)
class IdempotencyClaim:
    """A client's idempotency key (hashed: the raw key never reaches storage) and a fingerprint
    of what was submitted with it, so a reused key with different data is noticed."""

    key_hash: str
    payload_fingerprint: str


class DuplicateSubmission(Exception):
    def __init__(self, request_id: str, payload_fingerprint: str):
        super().__init__(f"idempotency key already used for request {request_id}")
        self.request_id = request_id
        self.payload_fingerprint = payload_fingerprint


class TrackingCodeTaken(Exception):
    """The freshly drawn tracking code already exists; draw another."""


class RequestNotFound(Exception):
    pass


class Contention(Exception):
    """A transaction could not commit before its deadline (many writers on one document, or
    the database unreachable). Nothing was written; the caller may try again."""


class RequestRepository(Protocol):
    def add(self, request: RemissionRequest, claim: IdempotencyClaim) -> None:
        """Store a new request, its tracking code and its idempotency claim atomically.
        Raises DuplicateSubmission or TrackingCodeTaken and then stores nothing."""

    def get(self, request_id: str) -> RemissionRequest | None: ...

    def get_by_tracking_code(self, tracking_code: str) -> RemissionRequest | None: ...

    def update(self, request_id: str, change: Callable[[RemissionRequest], T]) -> T:
        """Read, apply `change` and write back in one transaction (retried on contention, so
        `change` must only touch the request). Raises RequestNotFound."""

    def list_by_status(
        self, status: Status, entered_before: datetime, limit: int = 100
    ) -> list[RemissionRequest]: ...


# --- unit of work ---------------------------------------------------------------------------


class Transaction(Protocol):
    """What one step sees: reads inside the transaction, writes committed together."""

    def request(self, request_id: str) -> RemissionRequest | None: ...

    def save_request(self, request: RemissionRequest) -> None: ...

    def message(self, message_id: str) -> Message | None: ...

    def save_message(self, message: Message) -> None: ...

    def audit(self, event) -> None:
        """Append an audit event (shared.service_layer.operator_ports.AuditEvent)."""

    def outbox_entry(self, entry_id: str) -> OutboxEntry | None: ...

    def add_outbox(self, entry: OutboxEntry) -> bool:
        """Record a follow-up unless one of that id exists; True when recorded."""

    def save_outbox(self, entry: OutboxEntry) -> None: ...


class Store(Protocol):
    def transaction(self, step: Callable[[Transaction], T]) -> tuple[T, list[OutboxEntry]]:
        """Run `step` in one transaction (again on contention: it must only read and write
        through its argument) and return its result and the outbox entries it added. Raises
        Contention when it cannot commit in time."""

    def due_outbox(self, now: datetime, limit: int = 200) -> list[OutboxEntry]:
        """Open entries due for another round, oldest first."""

    def outbox_entry(self, entry_id: str) -> OutboxEntry | None: ...


# --- file store ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadInstruction:
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class StoredFile:
    object_name: str
    data: bytes
    content_type: str | None
    size: int
    generation: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadedObject:
    """The part of a storage finalize event (or a bucket listing) the pipeline uses."""

    bucket: str
    name: str
    generation: str
    size: int
    content_type: str | None
    updated: datetime | None = None


class FileStore(Protocol):
    def upload_instruction(
        self, object_name: str, content_type: str, max_bytes: int, valid_for: timedelta
    ) -> UploadInstruction:
        """A signed PUT for exactly this object, content type and 1..max_bytes bytes."""

    def read(self, object_name: str, max_bytes: int) -> StoredFile | None:
        """The object's bytes, or None if absent. Larger than max_bytes: only the first
        max_bytes + 1 are read, enough to know it is too large."""

    def write(
        self, object_name: str, data: bytes, content_type: str, metadata: dict[str, str]
    ) -> str:
        """Create or overwrite the object; returns its generation."""

    def delete(self, object_name: str) -> None:
        """Remove the object; absent already is fine."""

    def read_url(self, object_name: str, valid_for: timedelta) -> str:
        """A signed GET for exactly this object (the operator's KTP view)."""

    def list_objects(self, prefix: str, limit: int) -> list[UploadedObject]:
        """Objects under `prefix` (the reconciliation of uploads whose event never came)."""


# --- task queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    queue: str
    name: str  # deterministic, so the queue refuses a duplicate
    target: str  # the function's name, e.g. "sdp_lookup"
    payload: dict


class TaskQueue(Protocol):
    def enqueue(self, task: Task) -> None:
        """Queue the task; a task of the same name that already exists is not an error."""


# --- SDP directory ---------------------------------------------------------------------------


class SdpDirectory(Protocol):
    def search(self, query: SdpQuery, limit: int = 5) -> list[SdpCandidate]:
        """Ranked candidates, best first. Raises SdpUnavailable when it cannot answer now."""


# --- time ------------------------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass
class Dependencies:
    """Everything a service function needs, wired once per instance by `shared.bootstrap`."""

    requests: RequestRepository
    files: FileStore
    tasks: TaskQueue
    sdp: SdpDirectory
    clock: Clock
    sdp_lookup_queue: str
    upload_url_valid_for: timedelta
    # The queue of WhatsApp/email dispatch tasks (target "dispatch").
    dispatch_queue: str = "dispatch"
    # The unit of work's storage (one transaction per step, with its outbox entries).
    store: Store | None = None
    # An outbox entry not acknowledged this long after it was due is enqueued again.
    relay_after: timedelta = timedelta(seconds=60)
