"""The operator's work on requests: queue, detail, KTP view, answer preview, decision."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.accounts import Operator
from shared.domain.answers import check_answer, compose_answer
from shared.domain.labels import ACTION_LABELS, HISTORY_LABELS
from shared.domain.messages import Message, MessageState
from shared.domain.model import (
    KTP_MAX_BYTES,
    Decision,
    DecisionKind,
    KtpContentType,
    RemissionRequest,
    Status,
)
from shared.domain.sla import SlaClock, sla_clock
from shared.service_layer import unit_of_work
from shared.service_layer.audit_trail import audit
from shared.service_layer.dispatch import kind_for_decision, owe_messages
from shared.service_layer.ports import AuditEvent, Dependencies, Transaction

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")

# The queue's tabs, in the order an operator works them.
QUEUE_STATUSES = (
    Status.AWAITING_OPERATOR,
    Status.UPLOAD_REJECTED,
    Status.ANSWERED,
    Status.NOT_FOUND,
    Status.NOTIFIED,
    # Both channels failed (dispatch) or the pipeline got stuck: someone must act.
    Status.FAILED,
)


class NotVisible(Exception):
    """Unknown id, malformed id, or a request that never reached an operator: all 404."""


class AlreadyDecided(Exception):
    def __init__(self, decision: Decision | None, status: Status):
        super().__init__("request already decided")
        self.decision = decision
        self.status = status


@dataclass(frozen=True)
class QueueItem:
    request: RemissionRequest
    clock: SlaClock
    waiting_since: datetime


def operator_clock(deps: Dependencies, request: RemissionRequest) -> SlaClock | None:
    reached = _reached_operator_at(request)
    if reached is None:
        return None
    until = None
    if request.status is not Status.AWAITING_OPERATOR:
        decided = [d.at for d in request.decisions if d.at >= reached]
        until = decided[0] if decided else request.updated_at
    return sla_clock(deps.office_hours, reached, until, deps.clock.now())


def _reached_operator_at(request: RemissionRequest) -> datetime | None:
    return request.entered_at(Status.AWAITING_OPERATOR)


def queue(
    deps: Dependencies, status: Status, limit: int = 200, only_late: bool = False
) -> list[QueueItem]:
    """The requests in one tab, oldest first; `only_late`: those past an SLA target."""
    now = deps.clock.now()
    found = deps.requests.list_by_status(status, now + timedelta(seconds=1), limit)
    items = []
    for request in found:
        if _reached_operator_at(request) is None:
            continue  # a rejected upload the operator never saw belongs to the requester
        clock = operator_clock(deps, request)
        if only_late and clock.state == "on_time":
            continue
        items.append(QueueItem(request, clock, request.entered_at(status)))
    return items


def get_request(deps: Dependencies, request_id: str) -> RemissionRequest:
    if not REQUEST_ID.match(request_id or ""):
        raise NotVisible
    request = deps.requests.get(request_id)
    if request is None or _reached_operator_at(request) is None:
        raise NotVisible
    return request


def find_by_tracking_code(deps: Dependencies, text: str) -> RemissionRequest:
    """A requester phoning in with their code: straight to the request, if the operator may see
    it (same rules as the detail page)."""
    from shared.domain.tracking import normalize_tracking_code

    code = normalize_tracking_code(text or "")
    request = deps.requests.get_by_tracking_code(code) if code else None
    if request is None:
        raise NotVisible
    return get_request(deps, request.request_id)


@dataclass(frozen=True)
class KtpImage:
    data: bytes
    content_type: KtpContentType
    tracking_code: str


def ktp_view(deps: Dependencies, operator: Operator, request_id: str, page: int = 1) -> KtpImage:
    """One page of the verified KTP (an image: a PDF's pages were rendered at the check), for
    the operator page to serve itself: an ID card must not stay in a shared PC's browser
    cache, and only the page's own answer can say no-store (a signed storage URL cannot).
    Only this, the real view, is audited."""
    from shared.ktp_inspection import stored_image

    request = get_request(deps, request_id)
    names = request.ktp.verified_object_names
    # An older document's single stored PDF: its pages are rendered from that one object.
    legacy_pdf = len(names) == 1 and names[0].endswith(".pdf")
    name = names[0] if legacy_pdf else (names[page - 1] if 0 < page <= len(names) else None)
    stored = deps.files.read(name, KTP_MAX_BYTES) if name else None
    image = stored_image(name, stored.data, deps.ktp_limits, page) if stored else None
    if image is None:
        raise NotVisible
    audit(
        deps,
        operator.username,
        "ktp_viewed",
        target=request_id,
        attempt=request.ktp.attempt,
        page=page,
    )
    return KtpImage(image.data, image.content_type, request.tracking_code)


def composed_answer(deps: Dependencies, request: RemissionRequest, registration: str):
    candidate = request.candidate(registration or "")
    if candidate is None:
        raise NotVisible
    return candidate, compose_answer(request, candidate, deps.office_name)


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.strip().replace("\r\n", "\n").encode()).hexdigest()[:16]


def decide(
    deps: Dependencies,
    operator: Operator,
    request_id: str,
    kind: DecisionKind,
    registration: str | None = None,
    answer_text: str | None = None,
) -> Decision:
    """Records the decision in one transaction. A request already decided (by anyone) raises
    AlreadyDecided naming who decided, and nothing changes."""
    request = get_request(deps, request_id)
    now = deps.clock.now()
    edited = False
    if kind is DecisionKind.FOUND:
        _, composed = composed_answer(deps, request, registration)
        answer_text = check_answer(answer_text)
        edited = _fingerprint(answer_text) != _fingerprint(composed)
    decision = Decision(
        kind=kind,
        operator=operator.username,
        at=now,
        candidate_registration_number=registration if kind is DecisionKind.FOUND else None,
        answer_text=answer_text if kind is DecisionKind.FOUND else None,
        answer_edited=edited,
    )

    details = {"kind": kind.value}
    if kind is DecisionKind.FOUND:
        details.update(
            candidate=registration,
            edited=edited,
            answer_fingerprint=_fingerprint(answer_text),
        )

    def step(tx: Transaction):
        # The decision, its audit event, the messages it owes and their tasks: one commit.
        current = tx.request(request_id)
        if current is None:
            raise NotVisible
        if current.status is not Status.AWAITING_OPERATOR:
            return AlreadyDecided(current.last_decision, current.status)
        current.decide(decision)
        tx.save_request(current)
        tx.audit(AuditEvent(now, operator.username, f"decision_{kind.value}", request_id, details))
        owe_messages(tx, deps, current, kind_for_decision(kind))
        return None

    refused = unit_of_work.run(deps, step)
    if refused is not None:
        audit(
            deps,
            operator.username,
            "decision_refused",
            target=request_id,
            kind=kind.value,
            decided_by=refused.decision.operator if refused.decision else None,
        )
        raise refused
    return decision


def timeline(deps: Dependencies, request: RemissionRequest) -> list[tuple[datetime, str]]:
    """What happened to the request, the pipeline's steps and operators' actions, in order."""
    entries = [(h.at, HISTORY_LABELS[h.status]) for h in request.history]
    for event in deps.audit.for_target(request.request_id):
        label = ACTION_LABELS.get(event.action, event.action)
        entries.append((event.at, f"{event.actor} {label}"))
    return sorted(entries, key=lambda e: e[0])


def month_report(deps: Dependencies, month: str):
    # Live requests plus the folded figures of those the retention job has redacted.
    from shared.service_layer.privacy import month_report as with_aggregates

    return with_aggregates(deps, month)


def current_month(deps: Dependencies) -> str:
    return f"{deps.clock.now().astimezone(deps.office_hours.tz):%Y-%m}"


# --- messages (dispatch) ----------------------------------------------------------------------


def request_messages(deps: Dependencies, request: RemissionRequest) -> list:
    """Every message to the requester with its delivery state, oldest first."""
    if deps.messages is None:
        return []
    found = deps.messages.for_request(request.request_id)
    return sorted(found, key=lambda m: (m.created_at, m.channel.value))


def _own_message(deps: Dependencies, request_id: str, message_id: str):
    request = get_request(deps, request_id)
    message = deps.messages.get(message_id) if deps.messages is not None else None
    if message is None or message.request_id != request.request_id:
        raise NotVisible
    return message


def mark_message_sent(
    deps: Dependencies, operator: Operator, request_id: str, message_id: str
) -> bool:
    """The operator sent a WhatsApp message by its click-to-chat link. Raises NotVisible for a
    message that is not this request's."""
    from shared.service_layer import dispatch

    _own_message(deps, request_id, message_id)
    return dispatch.mark_manually_sent(
        deps,
        message_id,
        operator.username,
        audit=lambda now: AuditEvent(
            now, operator.username, "message_sent_manually", request_id, {"message": message_id}
        ),
    )


# What an operator may do with a message whose outcome is unknown (the provider may or may
# not have it): each is audited and lets the request settle.
UNKNOWN_MESSAGE_ACTIONS = {
    "send_again": ("message_sent_again", "send_again"),
    "confirm_sent": ("message_confirmed_sent", "confirm_sent"),
    "give_up": ("message_given_up", "abandon"),
}


def settle_unknown_message(
    deps: Dependencies, operator: Operator, request_id: str, message_id: str, action: str
) -> bool:
    from shared.service_layer import dispatch

    if action not in UNKNOWN_MESSAGE_ACTIONS:
        raise NotVisible
    _own_message(deps, request_id, message_id)
    audit_action, method = UNKNOWN_MESSAGE_ACTIONS[action]
    return dispatch.operator_settles(
        deps,
        message_id,
        lambda m, now: getattr(m, method)(operator.username, now),
        audit=lambda now: AuditEvent(
            now, operator.username, audit_action, request_id, {"message": message_id}
        ),
    )


def unknown_messages(deps: Dependencies, limit: int = 200) -> list:
    """Messages whose outcome nobody knows, oldest first: the queue tab that settles them."""
    if deps.messages is None:
        return []
    return deps.messages.in_state(MessageState.UNKNOWN, limit)


def unknown_message_queue(
    deps: Dependencies, limit: int = 200
) -> list[tuple[Message, RemissionRequest]]:
    """The unknown-outcome tab: each message with its request (a request already purged is
    left out: nothing is left to settle)."""
    rows = []
    for message in unknown_messages(deps, limit):
        request = deps.requests.get(message.request_id)
        if request is not None:
            rows.append((message, request))
    return rows
