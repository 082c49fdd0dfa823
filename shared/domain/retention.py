"""How long each kind of record is kept, and what the daily retention job does to a request:
policy (UU 27/2022: no longer than the purpose needs), so it lives here. The periods of a
request are settings (shared.config: KTP_DAYS_AFTER_CLOSE, KTP_MAX_DAYS,
PERSONAL_DATA_DAYS_AFTER_CLOSE, OPEN_REQUEST_ALERT_DAYS), as are those of the WhatsApp messages
no request was found for (UNMATCHED_INBOUND_DAYS) and of an answered complaint
(COMPLAINT_DAYS_AFTER_ANSWER); bookkeeping that holds nothing
personal keeps fixed TTLs (a Firestore TTL policy on `purge_after` deletes those documents).

A request document is never deleted by a TTL: an open one would vanish under the office's feet.
Instead, once closed, its anonymous figures are folded into the report aggregates, its KTP
images deleted and its personal fields (and its WhatsApp conversation's texts) redacted; it
stays as an anonymous shell so the counts stay right. An answered complaint is redacted the
same way (its category, status and times stay: the complaint report counts them) before its
own TTL deletes it. An open request that is very old is surfaced to operators, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared.domain.complaints import Complaint, ComplaintStatus
from shared.domain.conversations import Conversation
from shared.domain.model import (
    Decision,
    HistoryEntry,
    Prisoner,
    RemissionRequest,
    Requester,
)

# Who did what: the office answers for its decisions longer than it keeps the requests.
AUDIT = timedelta(days=2 * 365)
# Bookkeeping of the outbox (ids and task payloads, no personal data), and of claims.
OUTBOX_ENTRY = timedelta(days=30)
CLAIM = timedelta(days=2)
# A submit retried with the same idempotency key comes within minutes; a month is plenty.
IDEMPOTENCY_KEY = timedelta(days=30)

# What redaction leaves in a personal text field (never the old value, never None: the
# mappers and pages expect text).
REDACTED = ""


@dataclass(frozen=True)
class RetentionPolicy:
    ktp_after_close: timedelta
    ktp_max: timedelta
    personal_after_close: timedelta
    open_alert: timedelta
    unmatched_inbound: timedelta
    complaint_after_answer: timedelta

    @classmethod
    def from_days(
        cls,
        *,
        ktp_after_close: int,
        ktp_max: int,
        personal_after_close: int,
        open_alert: int,
        unmatched_inbound: int,
        complaint_after_answer: int,
    ) -> RetentionPolicy:
        return cls(
            timedelta(days=ktp_after_close),
            timedelta(days=ktp_max),
            timedelta(days=personal_after_close),
            timedelta(days=open_alert),
            timedelta(days=unmatched_inbound),
            timedelta(days=complaint_after_answer),
        )


def _default_days(name: str) -> int:
    from shared.config import default_of

    return int(default_of(name))


def default_policy() -> RetentionPolicy:
    """The settings' defaults (the privacy page states these)."""
    return RetentionPolicy.from_days(
        ktp_after_close=_default_days("KTP_DAYS_AFTER_CLOSE"),
        ktp_max=_default_days("KTP_MAX_DAYS"),
        personal_after_close=_default_days("PERSONAL_DATA_DAYS_AFTER_CLOSE"),
        open_alert=_default_days("OPEN_REQUEST_ALERT_DAYS"),
        unmatched_inbound=_default_days("UNMATCHED_INBOUND_DAYS"),
        complaint_after_answer=_default_days("COMPLAINT_DAYS_AFTER_ANSWER"),
    )


# The privacy notice's "at most N days after the request closed" (shared.site_files).
REQUEST = timedelta(days=_default_days("PERSONAL_DATA_DAYS_AFTER_CLOSE"))


def closed_at(request: RemissionRequest) -> datetime | None:
    """When the request reached its final state (None while it is open)."""
    return request.entered_at(request.status) if request.is_final else None


@dataclass(frozen=True)
class Plan:
    """What the job owes one request now. Folding always comes before a deletion."""

    fold: bool = False
    delete_ktp: bool = False
    redact: bool = False
    flag_overdue: bool = False

    @property
    def anything(self) -> bool:
        return self.fold or self.delete_ktp or self.redact or self.flag_overdue


def plan(request: RemissionRequest, now: datetime, policy: RetentionPolicy) -> Plan:
    marks = request.privacy
    closed = closed_at(request)
    ktp_left = marks.ktp_deleted_at is None
    ktp_due = ktp_left and (
        now >= request.created_at + policy.ktp_max
        or (closed is not None and now >= closed + policy.ktp_after_close)
    )
    redact_due = (
        closed is not None
        and marks.redacted_at is None
        and now >= closed + policy.personal_after_close
    )
    # Figures are final once the request is; they are taken before anything is removed.
    fold = closed is not None and marks.folded_at is None and (ktp_due or redact_due)
    overdue = (
        closed is None
        and marks.overdue_flagged_at is None
        and now >= request.created_at + policy.open_alert
    )
    return Plan(fold=fold, delete_ktp=ktp_due, redact=redact_due, flag_overdue=overdue)


def is_overdue(request: RemissionRequest, now: datetime, policy: RetentionPolicy) -> bool:
    """Open past the alert age: the operators' list of requests nobody closed."""
    return not request.is_final and now >= request.created_at + policy.open_alert


def redact(request: RemissionRequest, at: datetime) -> RemissionRequest:
    """The anonymous shell: categories (relationship, information asked), states and times
    stay for the counts; names, contacts, birth data, free texts, SDP candidates and answer
    texts go. Idempotent."""
    requester = Requester(
        name=REDACTED,
        relationship=request.requester.relationship,
        relationship_other=None,
        address=REDACTED,
        whatsapp=REDACTED,
        email=REDACTED,
    )
    decisions = [
        Decision(
            kind=d.kind,
            operator=d.operator,
            at=d.at,
            candidate_registration_number=None,
            answer_text=None,
            answer_edited=d.answer_edited,
        )
        for d in request.decisions
    ]
    shell = replace(
        request,
        requester=requester,
        prisoner=Prisoner(name=REDACTED),
        information_other=None,
        sdp=None
        if request.sdp is None
        else replace(request.sdp, candidates=[], error=request.sdp.error),
        decisions=decisions,
        history=[HistoryEntry(e.status, e.at, e.note) for e in request.history],
        privacy=replace(request.privacy, redacted_at=request.privacy.redacted_at or at),
    )
    return shell


def redact_conversation(conversation: Conversation) -> tuple[Conversation, bool]:
    """The thread without what anyone wrote: directions, times, reply numbers and modes stay
    (the counts), texts and media ids go. False: nothing personal was left (idempotent)."""
    changed = any(e.text or e.media_id for e in conversation.entries) or conversation.unread
    entries = [replace(e, text=REDACTED, media_id=None) for e in conversation.entries]
    return replace(conversation, entries=entries, unread=0), bool(changed)


def complaint_is_redacted(complaint: Complaint) -> bool:
    return complaint.name == REDACTED and complaint.text == REDACTED


def complaint_redaction_due(complaint: Complaint, now: datetime, policy: RetentionPolicy) -> bool:
    """N days after its answer (an open complaint is still being answered)."""
    return (
        complaint.status is ComplaintStatus.ANSWERED
        and complaint.answered_at is not None
        and now >= complaint.answered_at + policy.complaint_after_answer
        and not complaint_is_redacted(complaint)
    )


def redact_complaint(complaint: Complaint) -> Complaint:
    """What the complaint report counts stays (number, category, status, times, whether it
    was tied to a request, who answered); the complainant's name, contacts, texts, the code
    they typed and the fingerprint of their form go. Idempotent."""
    return replace(
        complaint,
        name=REDACTED,
        whatsapp=None,
        email=None,
        text=REDACTED,
        fingerprint=REDACTED,
        tracking_code=None,
        answer_text=None if complaint.answer_text is None else REDACTED,
    )
