"""Messages to requesters (and operators): one per (request, kind, round, channel).

Pure Python. A message is sent at most once: its document records the intent before the
provider is called and the provider's id after; a message found with an intent but no outcome
is never sent again blindly but flagged for an operator. Delivery statuses only move forward.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import datetime


class MessageKind(enum.StrEnum):
    RECEIPT = "receipt"  # the KTP was accepted: tracking code, what happens next
    UPLOAD_REJECTED = "upload_rejected"  # please upload again, with the link
    NOT_FOUND = "not_found"  # the prisoner is not in SDP
    ANSWER = "answer"  # the operator's composed answer
    OPERATOR_FAILURE = "operator_failure"  # to operators: both channels failed
    # WhatsApp only, numbered by the conversation's replies (their `round`):
    REPLY = "reply"  # an operator's free-text reply inside the 24-hour window
    REPLY_NOTICE = "reply_notice"  # outside it: the approved template "Ada balasan ..."
    # About a complaint (shared.domain.complaints): its id stands where a request's would.
    COMPLAINT_RECEIPT = "complaint_receipt"  # the complaint number, when to expect an answer
    COMPLAINT_ANSWER = "complaint_answer"  # the operator's answer to the complaint
    # The requester asked about their personal data (shared.domain.privacy_requests).
    PRIVACY_RECEIPT = "privacy_receipt"
    SURVEY_INVITE = "survey_invite"  # after NOTIFIED: the satisfaction survey link (SKM)


class Channel(enum.StrEnum):
    EMAIL = "email"
    WHATSAPP = "whatsapp"


class MessageState(enum.StrEnum):
    QUEUED = "queued"  # owed: recorded with the step that owes it, its task in the outbox
    SENDING = "sending"  # intent recorded, provider being called (or crashed mid-call)
    RETRY_WAIT = "retry_wait"  # a transient failure; the task queue tries again
    UNKNOWN = "unknown"  # intent without an outcome: maybe sent; flagged, never resent
    ACCEPTED = "accepted"  # the provider took it (SendGrid 202, WhatsApp message id)
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"  # permanent error, or retries exhausted; flagged
    MANUAL_PENDING = "manual_pending"  # WhatsApp not configured: an operator sends the link
    MANUAL_SENT = "manual_sent"  # the operator says it went out


# Forward order of provider statuses; a webhook never moves a message to a lower rank.
PROGRESS = {
    MessageState.ACCEPTED: 1,
    MessageState.SENT: 2,
    MessageState.DELIVERED: 3,
    MessageState.READ: 4,
}
# Counted as "the provider has it" for the request's NOTIFIED step.
HANDED_OVER = frozenset(PROGRESS) | {MessageState.MANUAL_SENT}
# Counted as "this channel will not reach the requester" for the FAILED step.
GAVE_UP = frozenset({MessageState.FAILED})
# Needs a person: shown on the operator page.
NEEDS_OPERATOR = frozenset({MessageState.FAILED, MessageState.UNKNOWN, MessageState.MANUAL_PENDING})

# For the requester-facing messages, which request status the pair settles.
REQUESTER_KINDS = (
    MessageKind.RECEIPT,
    MessageKind.UPLOAD_REJECTED,
    MessageKind.NOT_FOUND,
    MessageKind.ANSWER,
)
SETTLING_KINDS = (MessageKind.ANSWER, MessageKind.NOT_FOUND)

STATE_LABELS = {
    MessageState.QUEUED: "Dalam antrean kirim",
    MessageState.SENDING: "Sedang dikirim",
    MessageState.RETRY_WAIT: "Menunggu percobaan ulang",
    MessageState.UNKNOWN: "Status tidak pasti (periksa sebelum mengirim ulang)",
    MessageState.ACCEPTED: "Diterima penyedia",
    MessageState.SENT: "Terkirim",
    MessageState.DELIVERED: "Sampai ke penerima",
    MessageState.READ: "Dibaca",
    MessageState.FAILED: "Gagal",
    MessageState.MANUAL_PENDING: "Menunggu dikirim manual oleh petugas",
    MessageState.MANUAL_SENT: "Dikirim manual oleh petugas",
}
KIND_LABELS = {
    MessageKind.RECEIPT: "Tanda terima",
    MessageKind.UPLOAD_REJECTED: "KTP ditolak / unggah ulang",
    MessageKind.NOT_FOUND: "Tidak ditemukan di SDP",
    MessageKind.ANSWER: "Jawaban",
    MessageKind.OPERATOR_FAILURE: "Pemberitahuan gagal kirim (petugas)",
    MessageKind.REPLY: "Balasan petugas (WhatsApp)",
    MessageKind.REPLY_NOTICE: "Pemberitahuan ada balasan (templat WhatsApp)",
    MessageKind.COMPLAINT_RECEIPT: "Tanda terima pengaduan",
    MessageKind.PRIVACY_RECEIPT: "Tanda terima permintaan data pribadi",
    MessageKind.COMPLAINT_ANSWER: "Jawaban pengaduan",
    MessageKind.SURVEY_INVITE: "Undangan survei kepuasan",
}
COMPLAINT_KINDS = frozenset({MessageKind.COMPLAINT_RECEIPT, MessageKind.COMPLAINT_ANSWER})
# An operator's replies in a family's WhatsApp conversation (shared.domain.conversations).
REPLY_KINDS = frozenset({MessageKind.REPLY, MessageKind.REPLY_NOTICE})
CHANNEL_LABELS = {Channel.EMAIL: "Email", Channel.WHATSAPP: "WhatsApp"}


def message_id(
    request_id: str,
    kind: MessageKind,
    round_: int,
    channel: Channel,
    about: MessageKind | None = None,
) -> str:
    """Deterministic: the same (request, kind, round, channel) is always the same document.
    `round_` is the KTP attempt the message belongs to (a request may be rejected, uploaded
    again and accepted); `about` names the failed kind of an operator notice."""
    middle = f"{kind.value}-{about.value}" if about else kind.value
    return f"{request_id}-{middle}-{round_}-{channel.value}"


def dispatch_task_name(base_message_id: str) -> str:
    # A hashed prefix spreads names across the queue's key space, as Cloud Tasks advises.
    prefix = hashlib.sha256(base_message_id.encode()).hexdigest()[:6]
    return f"dispatch-{prefix}-{base_message_id}".replace("_", "-")


@dataclass(frozen=True)
class DeliveryEvent:
    state: MessageState
    at: datetime
    detail: str | None = None  # a provider code or event name, never personal data


@dataclass
class Message:
    message_id: str
    request_id: str
    kind: MessageKind
    round: int
    channel: Channel
    state: MessageState
    created_at: datetime
    attempts: int = 0
    provider_message_id: str | None = None
    error_code: str | None = None
    # WhatsApp manual fallback: the click-to-chat link an operator opens (text prefilled).
    manual_link: str | None = None
    manual_by: str | None = None
    about: MessageKind | None = None  # operator notices: which kind failed
    events: list[DeliveryEvent] = field(default_factory=list)

    @property
    def updated_at(self) -> datetime:
        return self.events[-1].at if self.events else self.created_at

    @property
    def needs_operator(self) -> bool:
        return self.state in NEEDS_OPERATOR

    def _enter(self, state: MessageState, at: datetime, detail: str | None = None) -> None:
        self.state = state
        self.events.append(DeliveryEvent(state, at, detail))

    # --- the sender's steps ---------------------------------------------------------------

    def may_send(self) -> bool:
        return self.state in (MessageState.QUEUED, MessageState.RETRY_WAIT)

    def begin_attempt(self, at: datetime) -> None:
        if not self.may_send():
            raise ValueError(f"cannot send a message in state {self.state.value}")
        self.attempts += 1
        self._enter(MessageState.SENDING, at, f"attempt {self.attempts}")

    def outcome_unknown(self, at: datetime) -> None:
        """A delivery found the intent without an outcome: the earlier attempt may have sent."""
        if self.state is MessageState.SENDING:
            self._enter(MessageState.UNKNOWN, at, "intent_without_outcome")

    def accepted(self, provider_message_id: str, at: datetime) -> bool:
        """The provider took it. Also from UNKNOWN: the sender that was thought lost reports."""
        if self.state in PROGRESS and self.provider_message_id is None:
            # A webhook got here before the sender's record: keep the id, not the step back.
            self.provider_message_id = provider_message_id
            return True
        if self.state not in (MessageState.SENDING, MessageState.UNKNOWN):
            return False
        self.provider_message_id = provider_message_id
        self.error_code = None
        self._enter(MessageState.ACCEPTED, at)
        return True

    def transient_failure(self, code: str, at: datetime) -> None:
        if self.state is MessageState.SENDING:
            self.error_code = code
            self._enter(MessageState.RETRY_WAIT, at, code)

    def failed(self, code: str, at: datetime) -> bool:
        if self.state in (
            MessageState.QUEUED,
            MessageState.SENDING,
            MessageState.RETRY_WAIT,
            MessageState.UNKNOWN,
        ):
            self.error_code = code
            self._enter(MessageState.FAILED, at, code)
            return True
        return False

    def wait_for_operator(self, link: str, at: datetime) -> None:
        self.manual_link = link
        self._enter(MessageState.MANUAL_PENDING, at)

    def mark_manually_sent(self, operator: str, at: datetime) -> bool:
        if self.state is not MessageState.MANUAL_PENDING:
            return False
        self.manual_by = operator
        self._enter(MessageState.MANUAL_SENT, at, f"operator:{operator}")
        return True

    # --- an operator settles a message whose outcome is unknown ----------------------------

    def send_again(self, operator: str, at: datetime) -> bool:
        """The operator checked that it did not arrive: queue it once more."""
        if self.state is not MessageState.UNKNOWN:
            return False
        self._enter(MessageState.QUEUED, at, f"operator:{operator}:send_again")
        return True

    def confirm_sent(self, operator: str, at: datetime) -> bool:
        """The operator checked that it arrived (or sent it by hand)."""
        if self.state is not MessageState.UNKNOWN:
            return False
        self.manual_by = operator
        self._enter(MessageState.MANUAL_SENT, at, f"operator:{operator}:confirmed")
        return True

    def abandon(self, operator: str, at: datetime) -> bool:
        if self.state is not MessageState.UNKNOWN:
            return False
        self.error_code = "operator_gave_up"
        self._enter(MessageState.FAILED, at, f"operator:{operator}:gave_up")
        return True

    # --- provider webhooks ----------------------------------------------------------------

    def provider_status(self, state: MessageState, at: datetime, detail: str | None = None) -> bool:
        """A status from a webhook. Only forward: read stays read; a failure after delivery is
        ignored. Returns whether anything changed."""
        current = PROGRESS.get(self.state)
        if current is None:
            # SENDING/UNKNOWN: the webhook proves the provider has it (it may beat our record).
            if self.state not in (MessageState.SENDING, MessageState.UNKNOWN):
                return False
            current = 0
        if state is MessageState.FAILED:
            if current >= PROGRESS[MessageState.DELIVERED]:
                return False
            self.error_code = detail
            self._enter(MessageState.FAILED, at, detail)
            return True
        wanted = PROGRESS.get(state)
        if wanted is None or wanted <= current:
            return False
        self._enter(state, at, detail)
        return True


def settle(messages: list[Message]) -> str | None:
    """For a requester message pair: "notified" when at least one channel is handed over and
    the other is handed over or given up; "failed" when both gave up; None while undecided
    (sending, retrying, unknown or waiting for an operator)."""
    if len(messages) < 2:
        return None
    states = [m.state for m in messages]
    if all(s in GAVE_UP for s in states):
        return "failed"
    if all(s in HANDED_OVER or s in GAVE_UP for s in states):
        return "notified"
    return None
