"""Families' WhatsApp replies and the operators' answers to them.

The webhook records each inbound message against its request (the message they replied to
names it; else the request whose WhatsApp number wrote), once per WhatsApp message id, in one
transaction with the replies it releases; a message no request is found for is kept in the
unmatched list for operators. An operator's reply is one transaction: the conversation entry,
its message intent and dispatch task (the outbox, like every other message) and the audit
event. Inside the 24-hour window it is the free text; outside it the approved template
REPLY_NOTICE goes, and the text follows as soon as the family writes again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from shared.domain.conversations import (
    MEDIA_LABELS,
    Conversation,
    Direction,
    Entry,
    InboundMessage,
    ReplyMode,
    whatsapp_e164,
)
from shared.domain.messages import (
    KIND_LABELS,
    REPLY_KINDS,
    Channel,
    DeliveryEvent,
    Message,
    MessageKind,
    MessageState,
    dispatch_task_name,
)
from shared.domain.model import RemissionRequest, Status
from shared.domain.outbox import Target
from shared.logs import get_logger, log
from shared.service_layer import unit_of_work
from shared.service_layer.ports import AuditEvent, Dependencies, Transaction

logger = get_logger("conversations")

# Requests still open prefer a reply over closed ones with the same number.
_FINAL = (Status.NOTIFIED, Status.EXPIRED, Status.FAILED)


# --- inbound ----------------------------------------------------------------------------------


def record_inbound(deps: Dependencies, message: InboundMessage) -> str:
    """'recorded', 'duplicate' or 'unmatched' (kept for operators)."""
    now = deps.clock.now()
    request_id, reason = _match(deps, message)
    if request_id is None:
        kept = deps.conversations.add_unmatched(message, now, reason)
        log(logger, logging.INFO, "whatsapp inbound unmatched", reason=reason)
        return "unmatched" if kept else "duplicate"

    def step(tx: Transaction) -> str:
        now = deps.clock.now()
        conversation = tx.conversation(request_id) or Conversation(request_id)
        if conversation.has(message.provider_id):
            return "duplicate"
        if conversation.full:
            return "full"
        conversation.add_inbound(message, now)
        # Replies that waited for the window go out now, as free text.
        if conversation.window_open(now):
            for entry in conversation.waiting_replies():
                conversation.release(entry, now)
                _owe(tx, deps, request_id, MessageKind.REPLY, entry.number, now)
        tx.save_conversation(conversation)
        return "recorded"

    outcome = unit_of_work.run(deps, step)
    if outcome == "full":
        kept = deps.conversations.add_unmatched(message, now, "conversation_full")
        return "unmatched" if kept else "duplicate"
    log(logger, logging.INFO, f"whatsapp inbound {outcome}", request_id=request_id)
    return outcome


def _match(deps: Dependencies, message: InboundMessage) -> tuple[str | None, str]:
    e164 = whatsapp_e164(message.sender)
    if e164 is None:
        return None, "bad_sender"
    if message.context_id and deps.messages is not None:
        replied_to = deps.messages.find_by_provider_id(message.context_id)
        if replied_to is not None:
            request = deps.requests.get(replied_to.request_id)
            if request is not None and request.requester.whatsapp == e164:
                return request.request_id, "context"
    candidates = deps.conversations.requests_for_whatsapp(e164)
    if not candidates:
        return None, "no_request"
    chosen = max(candidates, key=lambda r: (r.status not in _FINAL, r.created_at))
    return chosen.request_id, "number"


# --- operators --------------------------------------------------------------------------------


def reply(deps: Dependencies, operator, request_id: str, text: str) -> Entry:
    """Raises ReplyInvalid (empty, too long) or LookupError (no such request)."""

    def step(tx: Transaction) -> Entry:
        now = deps.clock.now()
        if tx.request(request_id) is None:
            raise LookupError(request_id)
        conversation = tx.conversation(request_id) or Conversation(request_id)
        entry = conversation.add_reply(text, operator.username, now)
        kind = MessageKind.REPLY if entry.mode is ReplyMode.FREE_TEXT else MessageKind.REPLY_NOTICE
        _owe(tx, deps, request_id, kind, entry.number, now)
        tx.save_conversation(conversation)
        details = {"reply": entry.number, "mode": entry.mode.value}
        tx.audit(AuditEvent(now, operator.username, "whatsapp_reply", request_id, details))
        return entry

    return unit_of_work.run(deps, step)


def _owe(tx: Transaction, deps, request_id: str, kind: MessageKind, number: int, now) -> None:
    from shared.service_layer.dispatch import DispatchTask

    task = DispatchTask(request_id, kind, number, Channel.WHATSAPP)
    if tx.message(task.message_id) is None:
        tx.save_message(
            Message(
                message_id=task.message_id,
                request_id=request_id,
                kind=kind,
                round=number,
                channel=Channel.WHATSAPP,
                state=MessageState.QUEUED,
                created_at=now,
                events=[DeliveryEvent(MessageState.QUEUED, now)],
            )
        )
    unit_of_work.follow_up(
        tx, deps, dispatch_task_name(task.message_id), Target.DISPATCH, task.payload()
    )


def reply_text(request_id: str, number: int, deps: Dependencies) -> str:
    """The text of reply `number` (dispatch reads it). LookupError when there is none."""
    conversation = deps.conversations.get(request_id) if deps.conversations else None
    entry = conversation.reply(number) if conversation else None
    if entry is None:
        raise LookupError(number)
    return entry.text


def mark_read(deps: Dependencies, request_id: str) -> None:
    if deps.conversations is not None:
        deps.conversations.mark_read(request_id)


def unread_request_ids(deps: Dependencies) -> set[str]:
    return deps.conversations.unread_request_ids() if deps.conversations else set()


def unmatched(deps: Dependencies, limit: int = 200) -> list[dict]:
    return deps.conversations.unmatched(limit) if deps.conversations else []


# --- the thread as the request page shows it ----------------------------------------------------


@dataclass(frozen=True)
class ThreadLine:
    at: datetime
    inbound: bool
    who: str
    text: str
    note: str = ""  # media, the template that went, the message's state


@dataclass(frozen=True)
class Thread:
    lines: list[ThreadLine]
    unread: int
    window_open: bool
    window_closes_at: datetime | None


def thread(deps: Dependencies, request: RemissionRequest) -> Thread:
    """Their messages and ours on WhatsApp, oldest first: the templates the service sent (by
    kind), the operators' replies (their text) and the family's messages."""
    now = deps.clock.now()
    conversation = (
        deps.conversations.get(request.request_id) if deps.conversations else None
    ) or Conversation(request.request_id)
    sent = [
        m
        for m in (deps.messages.for_request(request.request_id) if deps.messages else [])
        if m.channel is Channel.WHATSAPP
    ]
    # Each message's delivery state is in the request page's message table; the thread says
    # what went and how.
    lines = [
        ThreadLine(m.created_at, False, "Layanan", KIND_LABELS.get(m.kind, m.kind.value), "Templat")
        for m in sent
        if m.kind not in REPLY_KINDS
    ]
    for e in conversation.entries:
        if e.direction is Direction.INBOUND:
            note = MEDIA_LABELS.get(e.media_type, e.media_type or "")
            if e.media_id:
                note += f" (id {e.media_id}, tidak diunduh)"
            lines.append(ThreadLine(e.at, True, "Pemohon", e.text, note))
        elif e.mode is ReplyMode.FREE_TEXT or e.sent_at is not None:
            lines.append(
                ThreadLine(e.at, False, e.by or "Petugas", e.text, "Teks (jendela 24 jam)")
            )
        else:
            note = "Di luar jendela 24 jam: templat pemberitahuan dikirim; teks ini menyusul "
            note += "begitu pemohon membalas"
            lines.append(ThreadLine(e.at, False, e.by or "Petugas", e.text, note))
    lines.sort(key=lambda line: line.at)
    return Thread(
        lines, conversation.unread, conversation.window_open(now), conversation.window_closes_at()
    )
