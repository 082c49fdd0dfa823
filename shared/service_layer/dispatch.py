"""Dispatch: every message to a requester by email and WhatsApp, at most once each.

One Cloud Task per (request, kind, round, channel), named after it, so re-queueing is harmless.
The task handler records the intent in the message's own document (a transaction) before
calling the provider and the provider's id after. A task that finds the intent without an
outcome (a crash between the call and the record, or a twin delivery still running) does not
call the provider again: the message is flagged `unknown` for an operator.

Transient provider failures are recorded and raised as RetryLater (the entry point answers
non-2xx, Cloud Tasks backs off); permanent ones, and the last attempt, end the message in
`failed`. When both channels of an answer / not-found message are with the providers the
request moves to NOTIFIED; when both failed, to FAILED, and operators get a notice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from jinja2 import TemplateError

from shared.domain.message_templates import (
    click_to_chat_link,
    render_email,
    render_whatsapp,
)
from shared.domain.messages import (
    COMPLAINT_KINDS,
    KIND_LABELS,
    SETTLING_KINDS,
    Channel,
    DeliveryEvent,
    Message,
    MessageKind,
    MessageState,
    dispatch_task_name,
    message_id,
    settle,
)
from shared.domain.model import OPERATOR_UNCLEAR_KTP, DecisionKind, RemissionRequest, Status
from shared.domain.outbox import Target
from shared.ktp_inspection import rejection_message
from shared.logs import get_logger, log
from shared.service_layer import complaints, unit_of_work
from shared.service_layer.ports import (
    Dependencies,
    Failure,
    OutgoingEmail,
    OutgoingWhatsApp,
    ProviderError,
    Transaction,
)

logger = get_logger("dispatch")

UNCLEAR_KTP_TEXT = {
    "id": "petugas memerlukan foto KTP yang lebih jelas.",
    "en": "the officer needs a clearer photo of the KTP.",
}


class RetryLater(Exception):
    """A transient failure was recorded; the task should be retried by the queue."""

    def __init__(self, code: str, retry_after: int | None = None):
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


class MalformedTask(ValueError):
    pass


@dataclass(frozen=True)
class DispatchTask:
    request_id: str
    kind: MessageKind
    round: int
    channel: Channel
    about: MessageKind | None = None

    @property
    def message_id(self) -> str:
        return message_id(self.request_id, self.kind, self.round, self.channel, self.about)

    def payload(self) -> dict:
        body = {
            "request_id": self.request_id,
            "kind": self.kind.value,
            "round": self.round,
            "channel": self.channel.value,
        }
        if self.about:
            body["about"] = self.about.value
        return body

    @classmethod
    def from_payload(cls, payload: dict) -> DispatchTask:
        try:
            request_id = payload["request_id"]
            round_ = payload["round"]
            if not (isinstance(request_id, str) and len(request_id) == 32 and request_id.isalnum()):
                raise MalformedTask("request_id")
            if not isinstance(round_, int) or not 1 <= round_ <= 1000:
                raise MalformedTask("round")
            about = payload.get("about")
            return cls(
                request_id,
                MessageKind(payload["kind"]),
                round_,
                Channel(payload["channel"]),
                MessageKind(about) if about else None,
            )
        except (KeyError, ValueError, TypeError) as error:
            raise MalformedTask(str(error)) from None


# --- triggers ---------------------------------------------------------------------------------


def kind_for_decision(decision: DecisionKind) -> MessageKind:
    return {
        DecisionKind.FOUND: MessageKind.ANSWER,
        DecisionKind.NOT_FOUND: MessageKind.NOT_FOUND,
        DecisionKind.CLEARER_KTP: MessageKind.UPLOAD_REJECTED,
    }[decision]


def owe_messages(
    tx: Transaction,
    deps: Dependencies,
    request: RemissionRequest,
    kind: MessageKind,
    channels=tuple(Channel),
    about: MessageKind | None = None,
) -> list[str]:
    """In the step's transaction: the message on each channel as an intent (QUEUED) and its
    dispatch task as an outbox entry. A replayed step finds both and adds nothing."""
    return owe_messages_about(
        tx, deps, request.request_id, request.ktp.attempt, kind, channels, about
    )


def owe_messages_about(
    tx: Transaction,
    deps: Dependencies,
    subject_id: str,
    round_: int,
    kind: MessageKind,
    channels=tuple(Channel),
    about: MessageKind | None = None,
) -> list[str]:
    """`owe_messages` for whatever a message is about: a request, or a complaint (its id
    stands where a request's would)."""
    now = deps.clock.now()
    ids = []
    for channel in channels:
        task = DispatchTask(subject_id, kind, round_, channel, about)
        if tx.message(task.message_id) is None:
            tx.save_message(
                Message(
                    message_id=task.message_id,
                    request_id=subject_id,
                    kind=kind,
                    round=task.round,
                    channel=channel,
                    state=MessageState.QUEUED,
                    created_at=now,
                    about=about,
                    events=[DeliveryEvent(MessageState.QUEUED, now)],
                )
            )
        entry_id = dispatch_task_name(task.message_id)
        unit_of_work.follow_up(tx, deps, entry_id, Target.DISPATCH, task.payload())
        ids.append(task.message_id)
    return ids


# --- the task ---------------------------------------------------------------------------------


def message_context(request: RemissionRequest, task: DispatchTask, deps: Dependencies) -> dict:
    if task.kind in COMPLAINT_KINDS:  # `request` is a complaint's Addressee
        return complaints.message_context(request, task.kind, deps)
    language = "en" if request.language == "en" else "id"
    context = {
        "language": language,
        "tracking_code": request.tracking_code,
        "requester_name": request.requester.name,
        "office_name": deps.office_name,
        "status_url": f"{deps.site_url.rstrip('/')}/status.html?kode={request.tracking_code}",
    }
    if task.kind is MessageKind.UPLOAD_REJECTED:
        code = request.ktp.rejection_code or "unreadable"
        context["reason"] = (
            UNCLEAR_KTP_TEXT[language]
            if code == OPERATOR_UNCLEAR_KTP
            else rejection_message(code, language)
        )
    elif task.kind is MessageKind.NOT_FOUND:
        context["prisoner_name"] = request.prisoner.name
    elif task.kind is MessageKind.ANSWER:
        decision = request.last_decision
        if decision is None or decision.kind is not DecisionKind.FOUND or not decision.answer_text:
            raise MalformedTask("no answer on the request")
        context["answer_text"] = decision.answer_text
    elif task.kind is MessageKind.OPERATOR_FAILURE:
        failed = [
            m
            for m in deps.messages.for_request(request.request_id)
            if m.kind is task.about and m.round == task.round
        ]
        context["failed_kind"] = KIND_LABELS.get(task.about, str(task.about))
        context["reasons"] = ", ".join(
            f"{m.channel.value}: {m.error_code or m.state.value}" for m in failed
        )
    elif task.kind is MessageKind.SURVEY_INVITE:
        from shared.service_layer import survey

        try:
            context.update(survey.invite_context(request, deps, language))
        except LookupError:
            raise MalformedTask("no survey invitation for the request") from None
    if task.kind is MessageKind.REPLY:  # the operator's text, kept in the conversation
        from shared.service_layer import conversations

        try:
            context["reply_text"] = conversations.reply_text(request.request_id, task.round, deps)
        except LookupError:
            raise MalformedTask("no such reply in the conversation") from None
    return context


def _render_email(task: DispatchTask, context: dict, deps: Dependencies):
    """The admin's template when there is one (validated when saved), else the default."""
    source = (
        deps.email_templates.source(task.kind, context["language"])
        if deps.email_templates
        else None
    )
    if source is not None:
        try:
            return render_email(task.kind, context["language"], context, source)
        except TemplateError:
            log(logger, logging.ERROR, "stored template failed; default used", kind=task.kind.value)
    return render_email(task.kind, context["language"], context)


def run_dispatch(
    task: DispatchTask,
    deps: Dependencies,
    retry_count: int = 0,
    outbox_id: str | None = None,
    delivery: str | None = None,
) -> str:
    """`delivery` names this delivery of the task (its name and retry count): copies of one
    delivery are one attempt, the first copy's."""
    """Send one message once. Returns what happened; raises RetryLater for the queue."""

    if task.kind in COMPLAINT_KINDS:
        request = complaints.addressee(task.request_id, deps)
    else:
        request = deps.requests.get(task.request_id)
    if request is None:
        log(logger, logging.WARNING, "dispatch for an unknown request", request_id=task.request_id)
        unit_of_work.acknowledge_alone(deps, outbox_id, "unknown_request")
        return "ignored_unknown_request"
    if task.kind is MessageKind.OPERATOR_FAILURE and (
        task.channel is not Channel.EMAIL or not deps.operator_alert_email
    ):
        unit_of_work.acknowledge_alone(deps, outbox_id, "no_operator_address")
        return "ignored_no_operator_address"

    context = message_context(request, task, deps)
    mid = task.message_id
    manual = task.channel is Channel.WHATSAPP and deps.whatsapp is None

    outgoing = None
    manual_link = None
    if task.channel is Channel.EMAIL:
        email = _render_email(task, context, deps)
        to = (
            deps.operator_alert_email
            if task.kind is MessageKind.OPERATOR_FAILURE
            else request.requester.email
        )
        outgoing = OutgoingEmail(
            to=to,
            subject=email.subject,
            text=email.text,
            html=email.html,
            message_id=mid,
            request_id=request.request_id,
        )
    else:
        if task.kind is MessageKind.REPLY:  # free text inside the window: no template
            from shared.domain.message_templates import RenderedWhatsApp

            whatsapp = RenderedWhatsApp("", context["language"], (), context["reply_text"])
        else:
            whatsapp = render_whatsapp(task.kind, context["language"], context)
        if manual:
            manual_link = click_to_chat_link(request.requester.whatsapp, whatsapp.preview)
        else:
            outgoing = OutgoingWhatsApp(
                to=request.requester.whatsapp.lstrip("+"),
                template=whatsapp.template,
                language=whatsapp.language,
                parameters=whatsapp.parameters,
                message_id=mid,
                preview=whatsapp.preview,
                text=context.get("reply_text"),
            )

    decision, attempts = _claim(task, deps, outbox_id, manual_link if manual else None, delivery)
    if decision != "send":
        level = logging.ERROR if decision == "unknown" else logging.INFO
        log(logger, level, f"dispatch: {decision}", request_id=task.request_id, message_id=mid)
        return decision

    notifier = deps.email if task.channel is Channel.EMAIL else deps.whatsapp
    try:
        if notifier is None:
            raise ProviderError(Failure.PERMANENT, "not_configured")
        provider_id = notifier.send(outgoing)
    except ProviderError as raised:
        error = raised
        # The queue's last try of this task: the message is failed and shown, not silent.
        last = retry_count + 1 >= deps.max_attempts
        if error.failure is Failure.PERMANENT or last:
            code = error.code if error.failure is Failure.PERMANENT else f"gave_up:{error.code}"
            _record_outcome(task, deps, outbox_id, lambda m, now: m.failed(code, now), "failed")
            log(
                logger,
                logging.ERROR,
                "message failed",
                request_id=task.request_id,
                message_id=mid,
                code=code,
            )
            return "failed"
        _record_outcome(task, deps, None, lambda m, now: m.transient_failure(error.code, now), None)
        log(
            logger,
            logging.WARNING,
            "message will be retried",
            request_id=task.request_id,
            message_id=mid,
            code=error.code,
            attempt=attempts,
        )
        raise RetryLater(error.code, error.retry_after) from None

    _record_outcome(task, deps, outbox_id, lambda m, now: m.accepted(provider_id, now), "accepted")
    log(logger, logging.INFO, "message accepted", request_id=task.request_id, message_id=mid)
    return "accepted"


def _claim(
    task: DispatchTask, deps: Dependencies, outbox_id, manual_link, delivery: str | None
) -> tuple[str, int]:
    """May this delivery call the provider? Copies of one task delivered at once step aside
    through a claim (a single create each), so they never meet in the message's transaction;
    only the claim's holder changes the message."""
    mid = task.message_id
    now = deps.clock.now()
    seen = deps.messages.get(mid)
    if seen is not None and seen.state is MessageState.SENDING:
        if seen.updated_at > now - deps.send_lease:
            return "in_progress", seen.attempts  # a twin is with the provider right now
        # The sender's lease is over: it died mid-call, and the provider may have the message.
        # Never sent blindly again; an operator settles it (queue tab "Status tidak pasti").
        if not deps.claims.claim(f"{mid}-{seen.attempts}-unknown", now, deps.send_lease):
            return "in_progress", seen.attempts
    elif seen is None or seen.may_send():
        attempt = (seen.attempts if seen else 0) + 1
        if not deps.claims.claim(f"{mid}-{delivery or attempt}", now, deps.send_lease):
            return "in_progress", attempt - 1
    elif _entry_done(deps, outbox_id):
        return "duplicate", seen.attempts  # settled and acknowledged: nothing to write

    def step(tx: Transaction) -> tuple[str, int]:
        now = deps.clock.now()
        current = tx.message(mid)
        if current is None:  # queued before intents were recorded with their step
            current = Message(
                message_id=mid,
                request_id=task.request_id,
                kind=task.kind,
                round=task.round,
                channel=task.channel,
                state=MessageState.QUEUED,
                created_at=now,
                about=task.about,
            )
        if current.may_send() and manual_link is not None:
            current.wait_for_operator(manual_link, now)
            tx.save_message(current)
            unit_of_work.acknowledge(tx, outbox_id, now, "manual")
            return "manual", current.attempts
        if current.may_send():
            current.begin_attempt(now)
            tx.save_message(current)
            return "send", current.attempts
        if current.state is MessageState.SENDING:
            if current.updated_at > now - deps.send_lease:
                return "in_progress", current.attempts
            current.outcome_unknown(now)
            tx.save_message(current)
            unit_of_work.acknowledge(tx, outbox_id, now, "unknown")
            return "unknown", current.attempts
        unit_of_work.acknowledge(tx, outbox_id, now, "duplicate")
        return "duplicate", current.attempts

    return unit_of_work.run(deps, step)


def _entry_done(deps: Dependencies, outbox_id: str | None) -> bool:
    if not outbox_id:
        return True
    entry = deps.store.outbox_entry(outbox_id)
    return entry is None or not entry.is_open


def _record_outcome(task: DispatchTask, deps: Dependencies, outbox_id, change, note):
    """The provider's answer, the entry's acknowledgement and the request's next step: one
    transaction, so a crash leaves either none of them or all."""

    def step(tx: Transaction) -> None:
        now = deps.clock.now()
        message = tx.message(task.message_id)
        if message is None:
            return
        change(message, now)
        tx.save_message(message)
        if note:
            unit_of_work.acknowledge(tx, outbox_id, now, note)
            settle_in(tx, deps, message, now)

    unit_of_work.run(deps, step)


def settle_in(tx: Transaction, deps: Dependencies, changed: Message, now) -> str | None:
    """After a message reached an outcome, in the same transaction: move the request on once
    both channels are settled, and owe operators a notice when both failed."""
    # The survey link and a privacy receipt settle nothing, and their failing is not worth an
    # operator's alert.
    if changed.kind in (
        MessageKind.OPERATOR_FAILURE,
        MessageKind.SURVEY_INVITE,
        MessageKind.PRIVACY_RECEIPT,
    ):
        return None
    pair = [
        changed
        if channel is changed.channel
        else tx.message(message_id(changed.request_id, changed.kind, changed.round, channel))
        for channel in Channel
    ]
    verdict = settle([m for m in pair if m is not None])
    if verdict is None:
        return None
    request = tx.request(changed.request_id)
    if request is None:
        return verdict
    if changed.kind in SETTLING_KINDS and request.status in (Status.ANSWERED, Status.NOT_FOUND):
        reasons = ",".join(m.error_code or "" for m in pair if m.state is MessageState.FAILED)
        if verdict == "notified":
            from shared.service_layer import survey

            request.notified(now, note=reasons or None)
            survey.invite_in(tx, deps, request, now)  # once: NOTIFIED is entered once
        else:
            request.fail(f"dispatch_failed:{reasons}", now)
        tx.save_request(request)
        log(
            logger,
            logging.INFO if verdict == "notified" else logging.ERROR,
            f"request {verdict}",
            request_id=request.request_id,
        )
    if verdict == "failed" and deps.operator_alert_email:
        owe_messages(
            tx,
            deps,
            request,
            MessageKind.OPERATOR_FAILURE,
            (Channel.EMAIL,),
            about=changed.kind,
        )
    return verdict


# --- operators and webhooks ------------------------------------------------------------------


def mark_manually_sent(deps: Dependencies, mid: str, operator: str, audit=None) -> bool:
    return operator_settles(deps, mid, lambda m, now: m.mark_manually_sent(operator, now), audit)


def operator_settles(deps: Dependencies, mid: str, change, audit=None) -> bool:
    """An operator's action on one message, its audit event and the request's next step, in
    one transaction. `audit(now)` makes the event."""

    def step(tx: Transaction) -> bool:
        now = deps.clock.now()
        message = tx.message(mid)
        if message is None or not change(message, now):
            return False
        tx.save_message(message)
        if audit is not None:
            tx.audit(audit(now))
        if message.state is MessageState.QUEUED:  # "send again": a task of its own
            request = tx.request(message.request_id)
            entry_id = f"{dispatch_task_name(mid)}-again-{message.attempts}"
            task = DispatchTask(
                message.request_id, message.kind, message.round, message.channel, message.about
            )
            unit_of_work.follow_up(tx, deps, entry_id, Target.DISPATCH, task.payload())
            return request is not None
        settle_in(tx, deps, message, now)
        return True

    return unit_of_work.run(deps, step)


def apply_provider_status(
    deps: Dependencies,
    state: MessageState,
    detail: str | None,
    *,
    mid: str | None = None,
    provider_message_id: str | None = None,
) -> str:
    """A delivery status from a verified webhook. Unknown messages are acknowledged and
    ignored (the provider would retry forever otherwise)."""
    if mid is None and provider_message_id:
        found = deps.messages.find_by_provider_id(provider_message_id)
        mid = found.message_id if found else None
    if mid is None:
        return "ignored_unknown_message"

    def step(tx: Transaction) -> str:
        now = deps.clock.now()
        message = tx.message(mid)
        if message is None:
            return "ignored_unknown_message"
        if not message.provider_status(state, now, detail):
            return "ignored_not_forward"
        tx.save_message(message)
        settle_in(tx, deps, message, now)
        return "applied"

    return unit_of_work.run(deps, step)


def apply_statuses(deps: Dependencies, updates) -> int:
    """Every status of one verified webhook delivery; returns how many changed a message."""
    applied = 0
    for update in updates:
        outcome = apply_provider_status(
            deps,
            update.state,
            update.detail,
            mid=update.message_id,
            provider_message_id=update.provider_message_id,
        )
        applied += outcome == "applied"
    return applied
