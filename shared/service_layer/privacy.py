"""Privacy by schedule and the data subject's rights (UU 27/2022).

`run_retention` is the daily job (Cloud Scheduler → the `retention` function; the local stack
plays the scheduler): for every request it still owes something, in this order, each step its
own commit with its audit event —
  1. fold: the closed request's anonymous figures become its report contribution (created once,
     under the request's id: a second run writes nothing), so the reports keep the month;
  2. KTP: every object under the request's prefix deleted (closed + N days, or the hard cap);
  3. redact: personal fields of the request and of its messages removed, the texts of its
     WhatsApp conversation too, its audit details that named the prisoner dropped; the request
     stays as an anonymous shell;
  4. overdue: an open request past the alert age is flagged for operators, never deleted.
Then the WhatsApp messages no request was found for are deleted past their age, and each
answered complaint past its period is redacted with its messages' links (one commit each; the
complaint report still counts it). It also rewrites documents written before schema 2 (they
carry the old TTL field that would delete them) and records what it did in a run document and
an audit event (counts only).

`export_request` / `erase_request` are the data subject's access and erasure, from the
operator page (admin) and `python -m shared.data_subject`; both audited without the data.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Protocol

from shared.domain import aggregates, retention
from shared.domain.aggregates import Contribution
from shared.domain.complaints import Complaint
from shared.domain.messages import MessageKind
from shared.domain.model import RemissionRequest
from shared.domain.privacy_requests import (
    PrivacyRequest,
    PrivacyRequestInvalid,
    PrivacyState,
    parse,
    privacy_request_id,
)
from shared.domain.retention import RetentionPolicy
from shared.domain.tracking import normalize_tracking_code
from shared.logs import get_logger, log
from shared.service_layer import unit_of_work
from shared.service_layer.ports import AuditEvent, Dependencies, Transaction

logger = get_logger("privacy")

__all__ = ["PrivacyRequestInvalid", "PrivacyState"]

# The actor of what the schedule does by itself, in the audit trail.
SCHEDULE_ACTOR = "jadwal-retensi"
BY_SCHEDULE, BY_REQUEST = "jadwal_retensi", "permintaan_pemohon"
# Audit detail keys that can name a prisoner (the registration number of a decision).
PERSONAL_AUDIT_DETAILS = ("candidate",)
KTP_PREFIX = "ktp/{request_id}/"
MAX_KTP_OBJECTS = 100


class PrivacyStore(Protocol):
    """What the retention job and the rights need beyond the unit of work."""

    def pending_requests(self, limit: int) -> list[RemissionRequest]:
        """Requests not yet redacted (the job's work list), any order."""

    def legacy_request_ids(self, limit: int) -> list[str]:
        """Requests stored before schema 2 (they carry the old TTL field)."""

    def forget_legacy_ttl(self, request: RemissionRequest) -> None:
        """Drop the old TTL field from the request's tracking code and messages."""

    def add_contribution(self, item: Contribution) -> bool:
        """Create the request's contribution; False when it exists already (nothing written)."""

    def contributions(self, month: str) -> list[Contribution]: ...

    def redact_audit_details(self, request_id: str, keys: tuple[str, ...]) -> int:
        """Remove `keys` from the details of the request's audit events; how many changed."""

    def record_run(self, run: dict) -> None: ...

    def delete_unmatched_before(self, cutoff: datetime, limit: int) -> int:
        """Delete the unmatched WhatsApp messages received by `cutoff`; how many."""

    def answered_complaints_before(self, cutoff: datetime, limit: int) -> list[Complaint]:
        """Complaints answered by `cutoff` (redacted ones may be among them)."""

    def privacy_requests(self, limit: int) -> list[PrivacyRequest]:
        """Requests about personal data, newest first (the admin's queue)."""

    def privacy_requests_for(self, request_id: str) -> list[PrivacyRequest]: ...

    def last_runs(self, limit: int) -> list[dict]: ...


@dataclass(frozen=True)
class RetentionRun:
    started_at: datetime
    looked_at: int = 0
    migrated: int = 0
    aggregated: int = 0
    ktp_deleted: int = 0
    ktp_objects_deleted: int = 0
    redacted: int = 0
    overdue: int = 0
    conversations_redacted: int = 0
    unmatched_deleted: int = 0
    complaints_redacted: int = 0


class NotErasable(Exception):
    """The request is still open: it is decided or expires first (see the privacy page)."""


# --- the schedule ---------------------------------------------------------------------------


def run_retention(deps: Dependencies, policy: RetentionPolicy, limit: int = 5000) -> RetentionRun:
    now = deps.clock.now()
    counts = dict(looked_at=0, migrated=0, aggregated=0, ktp=0, objects=0, redacted=0, overdue=0)
    counts.update(conversations=0, complaints=0)
    for request_id in deps.privacy.legacy_request_ids(limit):
        counts["migrated"] += _migrate(deps, request_id)
    for request in deps.privacy.pending_requests(limit):
        counts["looked_at"] += 1
        todo = retention.plan(request, now, policy)
        if todo.fold:
            counts["aggregated"] += _fold(deps, request)
        if todo.delete_ktp:
            deleted = _delete_ktp(deps, request.request_id, SCHEDULE_ACTOR, BY_SCHEDULE)
            if deleted is not None:
                counts["ktp"] += 1
                counts["objects"] += deleted
        if todo.redact:
            redacted, conversation = _redact(deps, request.request_id, SCHEDULE_ACTOR, BY_SCHEDULE)
            counts["redacted"] += redacted
            counts["conversations"] += conversation
        if todo.flag_overdue:
            counts["overdue"] += _flag_overdue(deps, request.request_id)
    unmatched = deps.privacy.delete_unmatched_before(now - policy.unmatched_inbound, limit)
    for complaint in deps.privacy.answered_complaints_before(
        now - policy.complaint_after_answer, limit
    ):
        if retention.complaint_redaction_due(complaint, now, policy):
            counts["complaints"] += _redact_complaint(deps, complaint.complaint_id, policy)
    run = RetentionRun(
        started_at=now,
        looked_at=counts["looked_at"],
        migrated=counts["migrated"],
        aggregated=counts["aggregated"],
        ktp_deleted=counts["ktp"],
        ktp_objects_deleted=counts["objects"],
        redacted=counts["redacted"],
        overdue=counts["overdue"],
        conversations_redacted=counts["conversations"],
        unmatched_deleted=unmatched,
        complaints_redacted=counts["complaints"],
    )
    figures = {k: v for k, v in asdict(run).items() if k != "started_at"}
    deps.privacy.record_run({"started_at": now, "finished_at": deps.clock.now(), **figures})
    deps.audit.append(AuditEvent(now, SCHEDULE_ACTOR, "retention_run", None, figures))
    log(logger, logging.INFO, "retention done", **figures)
    return run


def _migrate(deps: Dependencies, request_id: str) -> int:
    def step(tx: Transaction) -> RemissionRequest | None:
        current = tx.request(request_id)
        if current is not None:
            tx.save_request(current)  # the whole document, in today's shape: no TTL field
        return current

    current = unit_of_work.run(deps, step)
    if current is None:
        return 0
    deps.privacy.forget_legacy_ttl(current)
    return 1


def _fold(deps: Dependencies, request: RemissionRequest) -> int:
    """Its figures into the aggregates, then the mark. Run twice: the second create finds the
    contribution and adds nothing; the mark is written again, harmlessly."""
    created = deps.privacy.add_contribution(aggregates.contribution(request, deps.office_hours))

    def mark(tx: Transaction) -> None:
        current = tx.request(request.request_id)
        if current is None or current.privacy.folded_at is not None:
            return
        current.privacy = replace(current.privacy, folded_at=deps.clock.now())
        tx.save_request(current)

    unit_of_work.run(deps, mark)
    return int(created)


def _delete_ktp(deps: Dependencies, request_id: str, actor: str, reason: str) -> int | None:
    """Every KTP object of every attempt, then the mark and its audit event. None: marked
    already (another run did it)."""
    objects = deps.files.list_objects(KTP_PREFIX.format(request_id=request_id), MAX_KTP_OBJECTS)
    for obj in objects:
        deps.files.delete(obj.name)

    def mark(tx: Transaction) -> bool:
        current = tx.request(request_id)
        if current is None or current.privacy.ktp_deleted_at is not None:
            return False
        now = deps.clock.now()
        current.privacy = replace(current.privacy, ktp_deleted_at=now)
        tx.save_request(current)
        details = {"objects": len(objects), "reason": reason}
        tx.audit(AuditEvent(now, actor, "ktp_deleted", request_id, details))
        return True

    return len(objects) if unit_of_work.run(deps, mark) else None


def _drop_links(tx: Transaction, message_ids: list[str]) -> None:
    for message_id in message_ids:
        message = tx.message(message_id)
        if message is not None and message.manual_link:
            # The click-to-chat link carries the number and the whole text (a survey
            # invitation's, the survey token).
            message.manual_link = None
            tx.save_message(message)


def _redact(deps: Dependencies, request_id: str, actor: str, reason: str) -> tuple[int, int]:
    """(request redacted now, conversation redacted now). The conversation is redacted also
    when its request was before (a second erasure finishes what an older job left)."""
    message_ids = [m.message_id for m in deps.messages.for_request(request_id)]

    def step(tx: Transaction) -> tuple[bool, bool]:
        current = tx.request(request_id)
        if current is None:
            return False, False
        now = deps.clock.now()
        conversation = tx.conversation(request_id)
        thread = False
        if conversation is not None:
            conversation, thread = retention.redact_conversation(conversation)
            if thread:
                tx.save_conversation(conversation)
        if current.privacy.redacted_at is not None:
            return False, thread
        tx.save_request(retention.redact(current, now))
        _drop_links(tx, message_ids)
        details = {"reason": reason, "messages": len(message_ids)}
        if conversation is not None:
            details["conversation_entries"] = len(conversation.entries)
        tx.audit(AuditEvent(now, actor, "request_redacted", request_id, details))
        return True, thread

    done, thread = unit_of_work.run(deps, step)
    deps.privacy.redact_audit_details(request_id, PERSONAL_AUDIT_DETAILS)
    for item in deps.privacy.privacy_requests_for(request_id):
        if item.note:

            def forget(tx: Transaction, key=item.privacy_request_id) -> None:
                current = tx.privacy_request(key)
                if current is not None and current.note:
                    current.note = None  # the requester's words may name anyone
                    tx.save_privacy_request(current)

            unit_of_work.run(deps, forget)
    return int(done), int(thread)


def _redact_complaint(deps: Dependencies, complaint_id: str, policy: RetentionPolicy) -> int:
    """The complaint's personal fields and its messages' links, with its audit event, in one
    commit; the number, category, status and times stay for the complaint report."""
    message_ids = [m.message_id for m in deps.messages.for_request(complaint_id)]

    def step(tx: Transaction) -> bool:
        current = tx.complaint(complaint_id)
        now = deps.clock.now()
        if current is None or not retention.complaint_redaction_due(current, now, policy):
            return False
        tx.save_complaint(retention.redact_complaint(current))
        _drop_links(tx, message_ids)
        details = {"reason": BY_SCHEDULE, "messages": len(message_ids)}
        target = f"complaint:{current.number}"
        tx.audit(AuditEvent(now, SCHEDULE_ACTOR, "complaint_redacted", target, details))
        return True

    return int(unit_of_work.run(deps, step))


def _flag_overdue(deps: Dependencies, request_id: str) -> int:
    def step(tx: Transaction) -> bool:
        current = tx.request(request_id)
        if current is None or current.is_final or current.privacy.overdue_flagged_at:
            return False
        now = deps.clock.now()
        current.privacy = replace(current.privacy, overdue_flagged_at=now)
        tx.save_request(current)
        details = {"status": current.status.value}
        tx.audit(AuditEvent(now, SCHEDULE_ACTOR, "request_overdue", request_id, details))
        return True

    flagged = unit_of_work.run(deps, step)
    if flagged:
        log(logger, logging.WARNING, "open request overdue", request_id=request_id)
    return int(flagged)


def overdue_requests(deps: Dependencies) -> list[RemissionRequest]:
    """Open requests the job flagged as past the alert age, oldest first (the admin page)."""
    found = [
        r
        for r in deps.privacy.pending_requests(5000)
        if r.privacy.overdue_flagged_at is not None and not r.is_final
    ]
    return sorted(found, key=lambda r: r.created_at)


def month_report(deps: Dependencies, month: str):
    """The month's report: its live requests plus the contributions of folded ones."""
    from shared.domain.reports import month_bounds, monthly_report

    start, end = month_bounds(month, deps.office_hours)
    requests = deps.archive.created_between(start, end) if deps.archive else []
    folded = deps.privacy.contributions(month) if deps.privacy is not None else []
    return monthly_report(month, requests, deps.office_hours, folded)


# --- the data subject's rights --------------------------------------------------------------


def find_request(deps: Dependencies, tracking_code: str) -> RemissionRequest | None:
    code = normalize_tracking_code(tracking_code or "")
    return deps.requests.get_by_tracking_code(code) if code else None


def personal_data(deps: Dependencies, request: RemissionRequest) -> dict:
    """Everything the office holds about the requester in this request, readable."""
    return {
        "tracking_code": request.tracking_code,
        "created_at": request.created_at.isoformat(),
        "status": request.status.value,
        "language": request.language,
        "requester": {
            "name": request.requester.name,
            "relationship": request.requester.relationship.value,
            "relationship_other": request.requester.relationship_other,
            "address": request.requester.address,
            "whatsapp": request.requester.whatsapp,
            "email": request.requester.email,
        },
        "prisoner": {
            "name": request.prisoner.name,
            "upt": request.prisoner.upt,
            "birth_date": _iso(request.prisoner.birth_date),
            "registration_number": request.prisoner.registration_number,
        },
        "information_needed": [k.value for k in request.information_needed],
        "information_other": request.information_other,
        "statement": {
            "accepted": request.statement.accepted,
            "signed_on": _iso(request.statement.signed_on),
            "consent_to_processing": request.statement.consent_to_processing,
        },
        "history": [
            {"status": e.status.value, "at": e.at.isoformat(), "note": e.note}
            for e in request.history
        ],
        "answers": [
            {"kind": d.kind.value, "at": d.at.isoformat(), "text": d.answer_text}
            for d in request.decisions
        ],
        "messages": [
            {
                "kind": m.kind.value,
                "channel": m.channel.value,
                "state": m.state.value,
                "created_at": m.created_at.isoformat(),
            }
            for m in deps.messages.for_request(request.request_id)
        ],
        "whatsapp_conversation": _conversation_of(deps, request.request_id),
        "privacy": {k: _iso(v) for k, v in asdict(request.privacy).items()},
    }


def _conversation_of(deps: Dependencies, request_id: str) -> list[dict]:
    """What the family wrote and what the office replied (who replied is the office's)."""
    conversation = deps.conversations.get(request_id) if deps.conversations else None
    if conversation is None:
        return []
    return [
        {
            "direction": e.direction.value,
            "at": e.at.isoformat(),
            "text": e.text,
            "media_type": e.media_type,
            "sent_at": _iso(e.sent_at),
        }
        for e in conversation.entries
    ]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def export_request(deps: Dependencies, request: RemissionRequest, actor: str) -> bytes:
    """A ZIP of data.json and the KTP image(s) still kept. Audited: who, which request."""
    objects = deps.files.list_objects(
        KTP_PREFIX.format(request_id=request.request_id), MAX_KTP_OBJECTS
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        data = json.dumps(personal_data(deps, request), ensure_ascii=False, indent=1)
        archive.writestr("data.json", data)
        for obj in objects:
            stored = deps.files.read(obj.name, 16 * 1024 * 1024)
            if stored is not None:
                archive.writestr(f"ktp/{obj.name.rsplit('/', 1)[-1]}", stored.data)
    deps.audit.append(
        AuditEvent(
            deps.clock.now(),
            actor,
            "data_subject_exported",
            request.request_id,
            {"files": len(objects)},
        )
    )
    return out.getvalue()


def erase_request(deps: Dependencies, request: RemissionRequest, actor: str) -> None:
    """Erasure: figures folded first, KTP deleted, personal fields, message links and the
    conversation's texts removed; the anonymous shell stays so the counts stay right. Only a
    closed request: an open one is still being answered (it is decided, or it expires, first)."""
    if not request.is_final:
        raise NotErasable(request.status.value)
    if request.privacy.folded_at is None:
        _fold(deps, request)
    _delete_ktp(deps, request.request_id, actor, BY_REQUEST)
    _redact(deps, request.request_id, actor, BY_REQUEST)
    deps.audit.append(
        AuditEvent(deps.clock.now(), actor, "data_subject_erased", request.request_id, {})
    )


# --- the requester's requests about their data (the status page) ------------------------------

# Who asked, in the audit trail: the requester proved the request with its code and contact.
REQUESTER_ACTOR = "pemohon"
QUEUE_SHOWN = 200


def ask(
    deps: Dependencies,
    limiter,
    client: str,
    tracking_code: object,
    contact: object,
    kind: object,
    note: object,
) -> tuple[PrivacyRequest, bool]:
    """The requester's request about their data, proven as the status page proves a lookup
    (the same failure budget: wrong pairs count, lookups do not). One commit: the request for
    the admins' queue, its audit event, the confirmation on both channels and their outbox
    entries. The same kind on the same day again is the same request (False: not new)."""
    from shared.service_layer import public
    from shared.service_layer.dispatch import owe_messages

    parsed, text = parse(kind, note)
    request = public._find("privacy", tracking_code, contact, client, deps, limiter)
    now = deps.clock.now()
    key = privacy_request_id(request.request_id, parsed, now.date())

    def step(tx: Transaction) -> tuple[PrivacyRequest, bool]:
        existing = tx.privacy_request(key)
        if existing is not None:
            return existing, False
        current = tx.request(request.request_id) or request
        item = PrivacyRequest(key, current.request_id, current.tracking_code, parsed, text, now)
        tx.save_privacy_request(item)
        details = {"kind": parsed.value}
        tx.audit(
            AuditEvent(
                now, REQUESTER_ACTOR, "privacy_request_received", current.request_id, details
            )
        )
        owe_messages(tx, deps, current, MessageKind.PRIVACY_RECEIPT)
        return item, True

    return unit_of_work.run(deps, step)


def privacy_queue(deps: Dependencies) -> list[PrivacyRequest]:
    """Open ones first, each group newest first."""
    found = deps.privacy.privacy_requests(QUEUE_SHOWN)
    return sorted(found, key=lambda r: (not r.is_open, -r.created_at.timestamp()))


def close_privacy_request(
    deps: Dependencies, key: str, actor: str, state: PrivacyState, answer: str | None
) -> bool:
    """The admin's answer: done (after an export or erasure, or a correction made) or refused,
    with a note of what was done; audited without the note."""

    def step(tx: Transaction) -> bool:
        item = tx.privacy_request(key)
        now = deps.clock.now()
        if item is None or not item.close(state, actor, now, answer):
            return False
        tx.save_privacy_request(item)
        details = {"kind": item.kind.value, "state": state.value}
        tx.audit(AuditEvent(now, actor, "privacy_request_closed", item.request_id, details))
        return True

    return unit_of_work.run(deps, step)
