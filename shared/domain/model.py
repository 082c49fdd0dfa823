"""A request for remission information and its life cycle.

Pure Python: no cloud client is imported here, so the rules can be tested in milliseconds and
the adapters can change without touching them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.domain.sdp import SdpCandidate


class Status(enum.StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    UPLOAD_REJECTED = "upload_rejected"
    RECEIVED = "received"
    SDP_LOOKUP = "sdp_lookup"
    AWAITING_OPERATOR = "awaiting_operator"
    ANSWERED = "answered"
    NOT_FOUND = "not_found"
    NOTIFIED = "notified"
    EXPIRED = "expired"
    FAILED = "failed"


# The only moves a request may make. Everything else is a bug or a replayed event and is refused.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.AWAITING_UPLOAD: frozenset({Status.RECEIVED, Status.UPLOAD_REJECTED, Status.EXPIRED}),
    Status.UPLOAD_REJECTED: frozenset({Status.AWAITING_UPLOAD, Status.EXPIRED}),
    Status.RECEIVED: frozenset({Status.SDP_LOOKUP, Status.FAILED}),
    Status.SDP_LOOKUP: frozenset({Status.AWAITING_OPERATOR, Status.FAILED}),
    # The operator may also ask for a clearer KTP, which sends the request back to upload.
    Status.AWAITING_OPERATOR: frozenset(
        {Status.ANSWERED, Status.NOT_FOUND, Status.UPLOAD_REJECTED}
    ),
    Status.ANSWERED: frozenset({Status.NOTIFIED, Status.FAILED}),
    Status.NOT_FOUND: frozenset({Status.NOTIFIED, Status.FAILED}),
    Status.NOTIFIED: frozenset(),
    Status.EXPIRED: frozenset(),
    Status.FAILED: frozenset(),
}

FINAL_STATUSES = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)


class Relationship(enum.StrEnum):
    AYAH_IBU = "ayah_ibu"
    SUAMI_ISTRI = "suami_istri"
    ANAK = "anak"
    KAKAK_ADIK = "kakak_adik"
    PAMAN_BIBI = "paman_bibi"
    KAKEK_NENEK = "kakek_nenek"
    PENGACARA = "pengacara"
    LAINNYA = "lainnya"


class InformationKind(enum.StrEnum):
    REMISSION_HISTORY = "riwayat_remisi"
    RELEASE_DATE = "tanggal_bebas"
    CONDITIONAL_RELEASE = "pembebasan_bersyarat"
    DECREE_STATUS = "status_sk"
    OTHER = "lainnya"


class KtpContentType(enum.StrEnum):
    JPEG = "image/jpeg"
    PNG = "image/png"
    PDF = "application/pdf"

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}[self.value]


KTP_MAX_BYTES = 2 * 1024 * 1024


class IllegalTransition(Exception):
    def __init__(self, current: Status, wanted: Status):
        super().__init__(f"illegal transition {current.value} -> {wanted.value}")
        self.current = current
        self.wanted = wanted


@dataclass(frozen=True)
class Requester:
    name: str
    relationship: Relationship
    relationship_other: str | None
    address: str
    whatsapp: str  # E.164, +628...
    email: str


@dataclass(frozen=True)
class Prisoner:
    name: str
    upt: str | None = None
    birth_date: date | None = None
    registration_number: str | None = None


@dataclass(frozen=True)
class Statement:
    accepted: bool
    signed_on: date
    consent_to_processing: bool


@dataclass
class KtpFile:
    """The KTP object the requester is expected to upload (one per attempt)."""

    object_name: str
    content_type: KtpContentType
    declared_size: int
    attempt: int = 1
    # The checked copy, under a name no upload URL grants, so a late PUT cannot replace it.
    # Always an image (a PDF is kept as one image per page); its first page, for a PDF.
    verified_object_name: str | None = None
    verified_size: int | None = None  # of every page together
    rejection_code: str | None = None
    # Every page's image, in order, when there is more than one (older documents: none).
    verified_pages: tuple[str, ...] = ()

    @property
    def verified_object_names(self) -> tuple[str, ...]:
        """Every stored image of the checked copy, first page first."""
        if self.verified_pages:
            return self.verified_pages
        return (self.verified_object_name,) if self.verified_object_name else ()


@dataclass(frozen=True)
class HistoryEntry:
    status: Status
    at: datetime
    note: str | None = None


@dataclass
class SdpResult:
    candidates: list[SdpCandidate]
    looked_up_at: datetime
    error: str | None = None


class DecisionKind(enum.StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    CLEARER_KTP = "clearer_ktp"


# The rejection code an operator's "need a clearer KTP" leaves on the request.
OPERATOR_UNCLEAR_KTP = "operator_unclear_ktp"


@dataclass(frozen=True)
class Decision:
    """An operator's decision on a request; the answer text waits here for the dispatch step."""

    kind: DecisionKind
    operator: str  # username
    at: datetime
    candidate_registration_number: str | None = None
    answer_text: str | None = None
    answer_edited: bool = False


@dataclass
class PrivacyMarks:
    """What the retention schedule (shared.domain.retention) has done to a request, when."""

    folded_at: datetime | None = None  # its anonymous figures are in the report aggregates
    ktp_deleted_at: datetime | None = None
    redacted_at: datetime | None = None  # personal fields gone: an anonymous shell
    overdue_flagged_at: datetime | None = None  # open past the alert age, shown to operators


@dataclass
class RemissionRequest:
    request_id: str
    tracking_code: str
    requester: Requester
    prisoner: Prisoner
    information_needed: tuple[InformationKind, ...]
    information_other: str | None
    statement: Statement
    language: str
    ktp: KtpFile
    created_at: datetime
    status: Status = Status.AWAITING_UPLOAD
    history: list[HistoryEntry] = field(default_factory=list)
    sdp: SdpResult | None = None
    lookup_task_name: str | None = None
    decisions: list[Decision] = field(default_factory=list)
    privacy: PrivacyMarks = field(default_factory=PrivacyMarks)

    def __post_init__(self) -> None:
        if not self.history:
            self.history.append(HistoryEntry(self.status, self.created_at))

    @property
    def updated_at(self) -> datetime:
        return self.history[-1].at

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def entered_at(self, status: Status) -> datetime | None:
        """When the request last entered `status` (the per-step clock)."""
        for entry in reversed(self.history):
            if entry.status is status:
                return entry.at
        return None

    def can_move_to(self, status: Status) -> bool:
        return status in TRANSITIONS[self.status]

    def _move_to(self, status: Status, at: datetime, note: str | None = None) -> None:
        if not self.can_move_to(status):
            raise IllegalTransition(self.status, status)
        self.status = status
        self.history.append(HistoryEntry(status, at, note))

    # --- upload ---------------------------------------------------------------------------

    def expects_object(self, object_name: str) -> bool:
        return self.ktp.object_name == object_name

    def accept_upload(
        self, verified_object_name: str, size: int, at: datetime, pages: tuple[str, ...] = ()
    ) -> None:
        self._move_to(Status.RECEIVED, at)
        self.ktp.verified_object_name = verified_object_name
        self.ktp.verified_size = size
        self.ktp.rejection_code = None
        self.ktp.verified_pages = pages if len(pages) > 1 else ()

    def reject_upload(self, reason_code: str, at: datetime) -> None:
        self._move_to(Status.UPLOAD_REJECTED, at, note=reason_code)
        self.ktp.rejection_code = reason_code

    def restart_upload(self, ktp: KtpFile, at: datetime) -> None:
        """A new attempt after a rejection: a new object name, so late events for the old one
        are recognisably stale."""
        if ktp.attempt <= self.ktp.attempt:
            raise ValueError("a new upload attempt must have a higher attempt number")
        self._move_to(Status.AWAITING_UPLOAD, at)
        self.ktp = ktp

    def expire(self, at: datetime) -> None:
        self._move_to(Status.EXPIRED, at)

    # --- SDP lookup -----------------------------------------------------------------------

    def lookup_queued(self, task_name: str, at: datetime) -> None:
        self._move_to(Status.SDP_LOOKUP, at)
        self.lookup_task_name = task_name

    def record_candidates(
        self, candidates: list[SdpCandidate], at: datetime, error: str | None = None
    ) -> None:
        self._move_to(Status.AWAITING_OPERATOR, at, note=error)
        self.sdp = SdpResult(list(candidates), at, error)

    def fail(self, reason: str, at: datetime) -> None:
        self._move_to(Status.FAILED, at, note=reason)

    def notified(self, at: datetime, note: str | None = None) -> None:
        """The decision's messages are with the providers (dispatch)."""
        self._move_to(Status.NOTIFIED, at, note=note)

    # --- operator decision ----------------------------------------------------------------

    @property
    def last_decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None

    def decide(self, decision: Decision) -> None:
        """Only from AWAITING_OPERATOR: a second decision on the same round is refused."""
        if decision.kind is DecisionKind.FOUND:
            if not decision.candidate_registration_number or not decision.answer_text:
                raise ValueError("a found decision names a candidate and carries the answer")
            if self.candidate(decision.candidate_registration_number) is None:
                raise ValueError("the chosen candidate is not among this request's candidates")
            self._move_to(Status.ANSWERED, decision.at, note=f"operator:{decision.operator}")
        elif decision.kind is DecisionKind.NOT_FOUND:
            self._move_to(Status.NOT_FOUND, decision.at, note=f"operator:{decision.operator}")
        else:
            self._move_to(Status.UPLOAD_REJECTED, decision.at, note=OPERATOR_UNCLEAR_KTP)
            self.ktp.rejection_code = OPERATOR_UNCLEAR_KTP
        self.decisions.append(decision)

    def candidate(self, registration_number: str) -> SdpCandidate | None:
        for candidate in self.sdp.candidates if self.sdp else []:
            if candidate.registration_number == registration_number:
                return candidate
        return None
