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
from shared.ktp_inspection import rejection_message
from shared.logs import get_logger, log
from shared.service_layer.dispatch_ports import (
    DispatchDependencies,
    Failure,
    OutgoingEmail,
    OutgoingWhatsApp,
    ProviderError,
)
from shared.service_layer.ports import Dependencies, Task

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


def queue_messages(
    deps: Dependencies, request: RemissionRequest, kind: MessageKind, channels=tuple(Channel)
) -> list[str]:
    """Queue the message on each channel (named tasks: queueing twice sends once)."""
    names = []
    for channel in channels:
        task = DispatchTask(request.request_id, kind, request.ktp.attempt, channel)
        name = dispatch_task_name(task.message_id)
        deps.tasks.enqueue(
            Task(queue=deps.dispatch_queue, name=name, target="dispatch", payload=task.payload())
        )
        names.append(name)
    log(logger, logging.INFO, "messages queued", request_id=request.request_id, kind=kind.value)
    return names


# --- the task ---------------------------------------------------------------------------------


def message_context(
    request: RemissionRequest, task: DispatchTask, deps: DispatchDependencies
) -> dict:
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
    return context


def _render_email(task: DispatchTask, context: dict, deps: DispatchDependencies):
    """The admin's template when there is one (validated when saved), else the default."""
    source = deps.templates.source(task.kind, context["language"]) if deps.templates else None
    if source is not None:
        try:
            return render_email(task.kind, context["language"], context, source)
        except TemplateError:
            log(logger, logging.ERROR, "stored template failed; default used", kind=task.kind.value)
    return render_email(task.kind, context["language"], context)


def run_dispatch(task: DispatchTask, deps: DispatchDependencies, retry_count: int = 0) -> str:
    """Send one message once. Returns what happened; raises RetryLater for the queue."""
    core = deps.core
    request = core.requests.get(task.request_id)
    if request is None:
        log(logger, logging.WARNING, "dispatch for an unknown request", request_id=task.request_id)
        return "ignored_unknown_request"
    if task.kind is MessageKind.OPERATOR_FAILURE and (
        task.channel is not Channel.EMAIL or not deps.operator_alert_email
    ):
        return "ignored_no_operator_address"

    context = message_context(request, task, deps)
    mid = task.message_id
    now = core.clock.now()
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
            )

    def claim(current: Message | None):
        if current is None:
            message = Message(
                message_id=mid,
                request_id=task.request_id,
                kind=task.kind,
                round=task.round,
                channel=task.channel,
                state=MessageState.SENDING,
                created_at=now,
                about=task.about,
            )
            if manual:
                message.wait_for_operator(manual_link, now)
                return message, "manual"
            message.attempts = 1
            message.events.append(DeliveryEvent(MessageState.SENDING, now, "attempt 1"))
            return message, "send"
        if current.may_send():
            current.begin_attempt(now)
            return current, "send"
        if current.state is MessageState.SENDING:
            current.outcome_unknown(now)
            return current, "unknown"
        return None, "duplicate"

    decision = deps.messages.update(mid, claim)
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
        last = retry_count + 1 >= deps.max_attempts
        now = core.clock.now()
        if error.failure is Failure.PERMANENT or last:
            code = error.code if error.failure is Failure.PERMANENT else f"gave_up:{error.code}"
            deps.messages.update(mid, lambda m: (m, m.failed(code, now)))
            log(
                logger,
                logging.ERROR,
                "message failed",
                request_id=task.request_id,
                message_id=mid,
                code=code,
            )
            settle_request(task, deps)
            return "failed"
        deps.messages.update(mid, lambda m: (m, m.transient_failure(error.code, now)))
        log(
            logger,
            logging.WARNING,
            "message will be retried",
            request_id=task.request_id,
            message_id=mid,
            code=error.code,
            attempt=retry_count + 1,
        )
        raise RetryLater(error.code, error.retry_after) from None

    now = core.clock.now()
    deps.messages.update(mid, lambda m: (m, m.accepted(provider_id, now)))
    log(logger, logging.INFO, "message accepted", request_id=task.request_id, message_id=mid)
    settle_request(task, deps)
    return "accepted"


def settle_request(task: DispatchTask, deps: DispatchDependencies) -> str | None:
    """After a message reached a final outcome: move the request on, or alert operators."""
    if task.kind is MessageKind.OPERATOR_FAILURE:
        return None
    pair = [
        deps.messages.get(message_id(task.request_id, task.kind, task.round, channel))
        for channel in Channel
    ]
    verdict = settle([m for m in pair if m is not None])
    if verdict is None:
        return None
    now = deps.core.clock.now()
    if task.kind in SETTLING_KINDS:
        reasons = ",".join(m.error_code or "" for m in pair if m.state is MessageState.FAILED)

        def move(r: RemissionRequest) -> bool:
            if r.status not in (Status.ANSWERED, Status.NOT_FOUND):
                return False
            if verdict == "notified":
                r.notified(now, note=reasons or None)
            else:
                r.fail(f"dispatch_failed:{reasons}", now)
            return True

        moved = deps.core.requests.update(task.request_id, move)
        log(
            logger,
            logging.INFO if verdict == "notified" else logging.ERROR,
            f"request {verdict}",
            request_id=task.request_id,
            applied=moved,
        )
    if verdict == "failed":
        _alert_operators(task, deps)
    return verdict


def _alert_operators(task: DispatchTask, deps: DispatchDependencies) -> None:
    if not deps.operator_alert_email:
        # The failure is on the request and its messages (operator page), nowhere else.
        return
    notice = DispatchTask(
        task.request_id, MessageKind.OPERATOR_FAILURE, task.round, Channel.EMAIL, task.kind
    )
    deps.core.tasks.enqueue(
        Task(
            queue=deps.core.dispatch_queue,
            name=dispatch_task_name(notice.message_id),
            target="dispatch",
            payload=notice.payload(),
        )
    )


# --- operators and webhooks ------------------------------------------------------------------


def mark_manually_sent(deps: DispatchDependencies, mid: str, operator: str) -> bool:
    now = deps.core.clock.now()
    changed = deps.messages.update(
        mid, lambda m: (m, m.mark_manually_sent(operator, now)) if m else (None, False)
    )
    if changed:
        message = deps.messages.get(mid)
        settle_request(
            DispatchTask(message.request_id, message.kind, message.round, message.channel), deps
        )
    return changed


def apply_provider_status(
    deps: DispatchDependencies,
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
    if mid is None or deps.messages.get(mid) is None:
        return "ignored_unknown_message"
    now = deps.core.clock.now()
    changed = deps.messages.update(mid, lambda m: (m, m.provider_status(state, now, detail)))
    if changed and state is MessageState.FAILED:
        message = deps.messages.get(mid)
        settle_request(
            DispatchTask(message.request_id, message.kind, message.round, message.channel), deps
        )
    return "applied" if changed else "ignored_not_forward"
