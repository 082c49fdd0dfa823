"""Use cases of complaints: file one (public), see the queue, answer one (operators), and what
dispatch needs to write to the complainant.

Filing is one transaction: the complaint, its audit event, its receipt intents and their
outbox entries. Its id follows from the client's idempotency key, so a form sent twice finds
the complaint it made. A complaint that names a tracking code is verified with the code plus
the contact it gives, through the status page's own check and rate limit
(`shared.service_layer.public`). Answering is one transaction too: the complaint answered, the
audit event, the answer's intents and outbox entries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.domain.complaints import (
    CATEGORY_LABELS,
    Complaint,
    ComplaintForm,
    ComplaintStatus,
    complaint_clock,
    complaint_id_for,
    fingerprint,
    number_for,
    parse_answer,
    parse_complaint,
)
from shared.domain.messages import (
    Channel,
    Message,
    MessageKind,
)
from shared.logs import get_logger, log
from shared.service_layer import unit_of_work
from shared.service_layer.ports import AuditEvent, Dependencies, Transaction

logger = get_logger("complaints")

# Filing, per client and window: a person files one or two; more is a script. Counted like the
# status page's lookups (one counter per hashed client and window), with a wider allowance:
# many phones share one address behind carrier-grade NAT.
FILINGS_PER_WINDOW = 20
QUEUE_LIMIT = 500


class IdempotencyKeyReused(Exception):
    """The same key came with a different complaint: a client bug, not a retry."""


class TrackingCodeNotVerified(Exception):
    """The tracking code does not go with the contact given (one answer for every case)."""


class InvalidTrackingCode(Exception):
    pass


class NotFound(Exception):
    pass


class AlreadyAnswered(Exception):
    pass


@dataclass(frozen=True)
class Filed:
    complaint: Complaint
    created: bool


# --- filing ------------------------------------------------------------------------------


def file_complaint(payload: dict, client: str, deps: Dependencies, limiter) -> Filed:
    from shared.service_layer import public  # it imports the pipeline, which imports dispatch

    now = deps.clock.now()
    if not limiter.hit(
        public.client_key("complaint", client, now),
        FILINGS_PER_WINDOW,
        public.WINDOW,
        now,
    ):
        raise public.RateLimited
    form = parse_complaint(payload)
    complaint_id = complaint_id_for(form.idempotency_key)
    tracking_code, request_id = _verified_request(form, client, deps, limiter)
    print_ = fingerprint(form)

    def step(tx: Transaction) -> Filed:
        existing = tx.complaint(complaint_id)
        if existing is not None:
            if existing.fingerprint != print_:
                raise IdempotencyKeyReused
            return Filed(existing, False)
        complaint = Complaint(
            complaint_id=complaint_id,
            number=number_for(complaint_id),
            name=form.name,
            whatsapp=form.whatsapp,
            email=form.email,
            category=form.category,
            text=form.text,
            language=form.language,
            created_at=deps.clock.now(),
            fingerprint=print_,
            tracking_code=tracking_code,
            request_id=request_id,
        )
        tx.save_complaint(complaint)
        tx.audit(
            AuditEvent(
                at=complaint.created_at,
                actor="-",
                action="complaint_received",
                target=f"complaint:{complaint.number}",
                details={"category": complaint.category.value, "linked": bool(request_id)},
            )
        )
        owe_complaint_messages(tx, deps, complaint, MessageKind.COMPLAINT_RECEIPT)
        return Filed(complaint, True)

    filed = unit_of_work.run(deps, step)
    log(
        logger,
        logging.INFO,
        "complaint filed" if filed.created else "duplicate complaint answered",
        complaint_id=complaint_id,
        linked=bool(request_id),
    )
    return filed


def _verified_request(
    form: ComplaintForm, client: str, deps: Dependencies, limiter
) -> tuple[str | None, str | None]:
    """(tracking code, request id) when the code goes with a contact the complaint gives; the
    status page's check, so its rate limit counts these tries too."""
    from shared.service_layer import public

    if form.tracking_code is None:
        return None, None
    for contact in (form.whatsapp, form.email):
        if not contact:
            continue
        try:
            request = public._find("status", form.tracking_code, contact, client, deps, limiter)
        except public.NoMatch:
            continue
        except public.InvalidQuery as invalid:
            if "tracking_code" in invalid.errors:
                raise InvalidTrackingCode from None
            continue
        return request.tracking_code, request.request_id
    raise TrackingCodeNotVerified


def owe_complaint_messages(
    tx: Transaction, deps: Dependencies, complaint: Complaint, kind: MessageKind
) -> list[str]:
    """The message on each channel the complainant gave, as an intent with its dispatch task
    in the outbox (as `dispatch.owe_messages` does for requests). Replayed: nothing new."""
    from shared.service_layer.dispatch import owe_messages_about

    channels = tuple(Channel(c) for c in complaint.channels)
    return owe_messages_about(tx, deps, complaint.complaint_id, 1, kind, channels)


# --- what dispatch writes ------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None
    whatsapp: str | None


@dataclass(frozen=True)
class Addressee:
    """The complainant as dispatch addresses a requester (`request_id`, `requester`,
    `language`): the complaint's id stands where a request's would."""

    request_id: str
    requester: Contact
    language: str
    complaint: Complaint


def addressee(complaint_id: str, deps: Dependencies) -> Addressee | None:
    complaint = deps.complaints.get(complaint_id)
    if complaint is None:
        return None
    contact = Contact(complaint.name, complaint.email, complaint.whatsapp)
    return Addressee(complaint.complaint_id, contact, complaint.language, complaint)


def message_context(addressed: Addressee, kind: MessageKind, deps: Dependencies) -> dict:
    complaint = addressed.complaint
    language = "en" if complaint.language == "en" else "id"
    context = {
        "language": language,
        "complaint_number": complaint.number,
        "requester_name": complaint.name,
        "office_name": deps.office_name,
        "category": CATEGORY_LABELS[complaint.category][language],
        "answer_days": str(deps.complaint_answer_days),
    }
    if kind is MessageKind.COMPLAINT_ANSWER:
        if not complaint.answer_text:
            from shared.service_layer.dispatch import MalformedTask

            raise MalformedTask("no answer on the complaint")
        context["answer_text"] = complaint.answer_text
    return context


# --- operators -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    complaint: Complaint
    clock: object  # ComplaintClock


def queue(deps: Dependencies, status: ComplaintStatus = ComplaintStatus.RECEIVED) -> list[QueueRow]:
    """Open complaints oldest first, each with its clock (answered: the time it took)."""
    now = deps.clock.now()
    rows = [
        QueueRow(c, complaint_clock(c, deps.office_hours, deps.complaint_answer_days, now))
        for c in deps.complaints.in_status(status, QUEUE_LIMIT)
    ]
    if status is ComplaintStatus.ANSWERED:
        rows.sort(key=lambda r: r.complaint.answered_at, reverse=True)
    return rows


def view(deps: Dependencies, complaint_id: str, operator: str) -> QueueRow:
    """One complaint for an operator; the view is audited (it holds personal data)."""
    complaint = deps.complaints.get(complaint_id)
    if complaint is None:
        raise NotFound
    deps.audit.append(
        AuditEvent(
            at=deps.clock.now(),
            actor=operator,
            action="complaint_viewed",
            target=f"complaint:{complaint.number}",
        )
    )
    clock = complaint_clock(
        complaint, deps.office_hours, deps.complaint_answer_days, deps.clock.now()
    )
    return QueueRow(complaint, clock)


def answer(deps: Dependencies, complaint_id: str, operator: str, raw_text: object) -> Complaint:
    """One transaction: the complaint answered, its audit event, the answer's intents and
    outbox entries. A second answer (a double click, a colleague) changes nothing. Raises
    ValueError (the page's text) for a bad answer."""
    text = parse_answer(raw_text)

    def step(tx: Transaction) -> Complaint:
        now = deps.clock.now()
        complaint = tx.complaint(complaint_id)
        if complaint is None:
            raise NotFound
        if not complaint.answer(text, operator, now):
            raise AlreadyAnswered
        tx.save_complaint(complaint)
        clock = complaint_clock(complaint, deps.office_hours, deps.complaint_answer_days, now)
        tx.audit(
            AuditEvent(
                at=now,
                actor=operator,
                action="complaint_answered",
                target=f"complaint:{complaint.number}",
                details={"within_sla": clock.within, "channels": ",".join(complaint.channels)},
            )
        )
        owe_complaint_messages(tx, deps, complaint, MessageKind.COMPLAINT_ANSWER)
        return complaint

    complaint = unit_of_work.run(deps, step)
    log(logger, logging.INFO, "complaint answered", complaint_id=complaint_id)
    return complaint


def month_figures(deps: Dependencies, month: str):
    """The complaints that arrived in `month` (the office's time zone), counted on the queue's
    own clock. Raises ValueError for a malformed month."""
    from shared.domain.complaint_reports import complaint_month
    from shared.domain.reports import month_bounds

    start, end = month_bounds(month, deps.office_hours)
    found = deps.complaints.created_between(start, end)
    return complaint_month(
        month, found, deps.office_hours, deps.complaint_answer_days, deps.clock.now()
    )


# An operator's actions on a complaint's message: the manual WhatsApp fallback, and the three
# ways to settle a message whose outcome is unknown (as on a request's page).
MESSAGE_ACTIONS = {
    "sent": ("message_sent_manually", "mark_manually_sent"),
    "send_again": ("message_sent_again", "send_again"),
    "confirm_sent": ("message_confirmed_sent", "confirm_sent"),
    "give_up": ("message_given_up", "abandon"),
}


def settle_message(
    deps: Dependencies, operator: str, complaint_id: str, message_id: str, action: str
) -> bool:
    """One audited action on one of this complaint's messages (dispatch.operator_settles: the
    message, its audit event and, for "send again", its new task, in one transaction)."""
    from shared.service_layer import dispatch

    message = deps.messages.get(message_id)
    if action not in MESSAGE_ACTIONS or message is None or message.request_id != complaint_id:
        raise NotFound
    complaint = deps.complaints.get(complaint_id)
    if complaint is None:
        raise NotFound
    audit_action, method = MESSAGE_ACTIONS[action]
    dispatch.operator_settles(
        deps,
        message_id,
        lambda m, now: getattr(m, method)(operator, now),
        audit=lambda now: AuditEvent(
            now,
            operator,
            audit_action,
            f"complaint:{complaint.number}",
            {"message": message_id},
        ),
    )
    return True


def messages_of(deps: Dependencies, complaint_id: str) -> list[Message]:
    return deps.messages.for_request(complaint_id)
