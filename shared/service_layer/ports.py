"""The ports the service layer talks through, all in one module, and the one container of
them. Adapters in `shared.adapters` implement them for Google Cloud (and its emulators) and
the providers; `tests/fakes.py` implements them in memory for unit tests."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, TypeVar

from shared.domain.accounts import Operator, Session
from shared.domain.complaints import Complaint, ComplaintStatus
from shared.domain.conversations import Conversation, InboundMessage
from shared.domain.messages import Message, MessageState
from shared.domain.model import RemissionRequest, Status
from shared.domain.outbox import OutboxEntry
from shared.domain.sdp import SdpCandidate, SdpQuery
from shared.domain.skm import SurveyAnswer, SurveyInvitation
from shared.domain.sla import OfficeHours

if TYPE_CHECKING:
    from shared.domain.privacy_requests import PrivacyRequest
    from shared.ktp_inspection import KtpLimits
    from shared.service_layer.message_template_admin import CachedTemplates, TemplateStore
    from shared.service_layer.privacy import PrivacyStore

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

    def conversation(self, request_id: str) -> Conversation | None: ...

    def save_conversation(self, conversation: Conversation) -> None: ...

    def survey_invitation(self, token_hash: str) -> SurveyInvitation | None: ...

    def save_survey_invitation(self, invitation: SurveyInvitation) -> None: ...

    def save_survey_answer(self, answer: SurveyAnswer) -> None: ...

    def complaint(self, complaint_id: str) -> Complaint | None: ...

    def save_complaint(self, complaint: Complaint) -> None: ...

    def privacy_request(self, privacy_request_id: str) -> PrivacyRequest | None: ...

    def save_privacy_request(self, item: PrivacyRequest) -> None: ...

    def audit(self, event: AuditEvent) -> None:
        """Append an audit event."""

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


class Claims(Protocol):
    def claim(self, name: str, now: datetime, lease: timedelta) -> bool:
        """True for the one caller that may do the work `name` now: the first, or the first
        after the holder's lease expired. Never waits on other callers."""

    def release(self, name: str) -> None:
        """The holder gives the work back (it failed in a way the next comer may retry)."""


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

    def list_objects(self, prefix: str, limit: int) -> list[UploadedObject]:
        """Objects under `prefix` (the reconciliation of uploads whose event never came)."""


# --- malware scanner -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanVerdict:
    infected: bool
    signature: str | None = None  # the scanner's name for what it found; never personal data


class ScannerUnavailable(Exception):
    """No verdict now (the scanner down, slow, or failing): the file is neither accepted nor
    rejected, the caller raises so the event is delivered again (and the sweep reconciles)."""


class MalwareScanner(Protocol):
    def scan(self, data: bytes) -> ScanVerdict:
        """The verdict on these bytes. Raises ScannerUnavailable; never answers "clean" for a
        file it did not scan."""


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


# --- messages (dispatch) -------------------------------------------------------------------


class Failure(enum.StrEnum):
    TRANSIENT = "transient"  # timeouts, 5xx, 429, throughput: the task queue tries again
    PERMANENT = "permanent"  # invalid address, not on WhatsApp, ...: never retried


class ProviderError(Exception):
    def __init__(self, failure: Failure, code: str, retry_after: int | None = None):
        super().__init__(f"{failure.value}: {code}")
        self.failure = failure
        self.code = code  # e.g. "http_429", "wa_131026", "timeout"; never personal data
        self.retry_after = retry_after  # seconds, when the provider said


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    # Opaque ids for the provider's custom args (kept by SendGrid permanently): never names.
    message_id: str
    request_id: str


@dataclass(frozen=True)
class OutgoingWhatsApp:
    to: str  # digits only, 628...
    template: str
    language: str
    parameters: tuple[str, ...]
    message_id: str
    preview: str  # for stand-ins and logs of the stand-in only
    # An operator's free-text reply inside the customer-service window (template unused).
    text: str | None = None


class MalformedWebhook(ValueError):
    """A verified webhook body that is not what the provider sends: 400, nothing changed."""


@dataclass(frozen=True)
class StatusUpdate:
    """One delivery status from a provider's webhook, in the domain's words."""

    state: MessageState
    detail: str | None
    message_id: str | None = None  # ours, when the provider echoes it back
    provider_message_id: str | None = None
    at: datetime | None = None  # when the provider says it happened (the replay window)


class EmailNotifier(Protocol):
    def send(self, email: OutgoingEmail) -> str:
        """Hand the email to the provider; returns the provider's message id. Raises
        ProviderError."""


class WhatsAppNotifier(Protocol):
    def send(self, message: OutgoingWhatsApp) -> str:
        """Send an approved template message; returns the WhatsApp message id (wamid).
        Raises ProviderError."""


class ConversationStore(Protocol):
    """The WhatsApp threads outside a transaction (shared.adapters.firestore_conversations)."""

    def get(self, request_id: str) -> Conversation | None: ...

    def mark_read(self, request_id: str) -> None: ...

    def unread_request_ids(self, limit: int = 500) -> set[str]: ...

    def requests_for_whatsapp(self, e164: str, limit: int = 20) -> list[RemissionRequest]: ...

    def add_unmatched(self, message: InboundMessage, received_at: datetime, reason: str) -> bool:
        """Keep a message no request was found for; False when it was kept before."""

    def unmatched(self, limit: int = 200) -> list[dict]: ...


class MessageStore(Protocol):
    def update(
        self, message_id: str, change: Callable[[Message | None], tuple[Message | None, T]]
    ) -> T:
        """In one transaction: read the message (None if absent), call `change`, and store the
        message it returns (None: store nothing). Returns `change`'s second value. `change` may
        run more than once (contention) and must only touch the message."""

    def get(self, message_id: str) -> Message | None: ...

    def for_request(self, request_id: str) -> list[Message]: ...

    def find_by_provider_id(self, provider_message_id: str) -> Message | None: ...

    def in_state(self, state: MessageState, limit: int = 200) -> list[Message]:
        """Messages in one state, oldest change first (the operators' "unknown" tab)."""


# --- operators ---------------------------------------------------------------------------


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

    # Sign-in failure counters under hashed keys (shared.service_layer.auth), blind increments
    # apart from the accounts: counted alike for unknown names and real ones.
    def failures(self, keys: list[str]) -> dict[str, tuple[int, datetime | None]]: ...

    def count_failures(
        self, keys: list[str], now: datetime, purge_after: datetime, restart=(), tags=None
    ) -> None: ...

    def clear_failures(self, keys=(), tag: str | None = None) -> None: ...

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


class SurveyReads(Protocol):
    """The satisfaction survey's reads (it is written in the unit of work's transactions)."""

    def invitation(self, token_hash: str) -> SurveyInvitation | None: ...

    def answers_in(self, months: tuple[str, ...]) -> list[SurveyAnswer]: ...

    def invited_between(self, start: datetime, end: datetime) -> int:
        """Invitations made in [start, end): the requests served then."""


class ComplaintRepository(Protocol):
    """Reads of complaints (they are written in the unit of work's transactions)."""

    def get(self, complaint_id: str) -> Complaint | None: ...

    def in_status(self, status: ComplaintStatus, limit: int = 500) -> list[Complaint]:
        """Oldest first (the operators' queue)."""

    def created_between(self, start: datetime, end: datetime, limit: int = 20000) -> list:
        """Complaints that arrived in [start, end), for the monthly reports."""


class RequestArchive(Protocol):
    def created_between(
        self, start: datetime, end: datetime, limit: int = 20000
    ) -> list[RemissionRequest]:
        """Requests created in [start, end), for the monthly reports."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


# --- the container ----------------------------------------------------------------------------


@dataclass
class Dependencies:
    """Everything a use case needs, wired once per instance by `shared.bootstrap` (one
    Firestore client behind every store). A function is given only the parts it uses: the
    notifiers exist in the dispatch function alone, the session key in the operator page's."""

    # The request pipeline.
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
    # Who works on an upload or a message send now (duplicate deliveries step aside).
    claims: Claims | None = None
    # The KTP check's bounds (KTP_* settings); None: their defaults.
    ktp_limits: KtpLimits | None = None
    # Every upload is scanned before it is parsed (ktp_uploaded and the sweep's reconciliation,
    # whose rows of FUNCTION_SETTINGS require the scanner's URL in the cloud).
    malware_scanner: MalwareScanner | None = None
    office_name: str = ""

    # Messages to requesters.
    messages: MessageStore | None = None
    conversations: ConversationStore | None = None  # families' WhatsApp replies
    email: EmailNotifier | None = None
    whatsapp: WhatsAppNotifier | None = None  # None: WhatsApp not set up, click-to-chat
    site_url: str = ""  # the public site, for the status / re-upload link
    max_attempts: int = 5  # the dispatch queue's max attempts
    # A send still "sending" after this long has lost its worker: its outcome is unknown.
    send_lease: timedelta = timedelta(seconds=60)
    operator_alert_email: str | None = None
    # Admins' email templates as dispatch reads them (cached); None: the defaults.
    email_templates: CachedTemplates | None = None

    # The operator page.
    operators: OperatorRepository | None = None
    sessions: SessionStore | None = None
    audit: AuditLog | None = None
    hasher: PasswordHasher | None = None
    session_key: bytes = b""  # keys the session-id hash: a leaked session table yields no cookies
    office_hours: OfficeHours | None = None
    # Working time within which the requester is told to expect the answer (None: not told).
    answer_promise: timedelta | None = None
    issuer: str = "Layanan Informasi Remisi"
    archive: RequestArchive | None = None
    template_store: TemplateStore | None = None  # the admin page's editable email templates
    # Complaints (shared.service_layer.complaints) and the working days their answer is due in.
    complaints: ComplaintRepository | None = None
    complaint_answer_days: int = 5
    # The retention job's work list, the report aggregates, data-subject requests.
    privacy: PrivacyStore | None = None
    # The satisfaction survey (shared.service_layer.survey): the key its link tokens are made
    # with (empty: no invitations), how long a link lasts, how long after the answer it goes.
    survey: SurveyReads | None = None
    survey_key: bytes = b""
    survey_valid_for: timedelta = timedelta(days=14)
    survey_invite_delay: timedelta = timedelta(hours=1)
