"""Use cases of the request pipeline: submit, KTP uploaded, SDP lookup.

Every handler is safe to run twice with the same input: Cloud Tasks and storage events are
delivered at least once. Each step re-reads the request and acts only if the request is still
where that step expects it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from shared.domain.form import SubmissionForm, parse_submission, today_in_office
from shared.domain.model import (
    KTP_MAX_BYTES,
    KtpFile,
    RemissionRequest,
    Status,
)
from shared.domain.sdp import SdpQuery, SdpUnavailable
from shared.domain.tracking import new_tracking_code
from shared.ktp_inspection import inspect_ktp
from shared.logs import get_logger, log
from shared.service_layer.ports import (
    Dependencies,
    DuplicateSubmission,
    IdempotencyClaim,
    Task,
    TrackingCodeTaken,
    UploadInstruction,
)

logger = get_logger("services")

# After this many failed tries with SDP down, the request goes to an operator with an empty
# candidate list and the reason, instead of waiting on a machine that may be down for days.
SDP_ATTEMPTS_BEFORE_MANUAL = 3

_UPLOAD_NAME = re.compile(
    r"^ktp/(?P<request_id>[0-9a-f]{32})/upload-(?P<attempt>\d{1,3})\.(jpg|png|pdf)$"
)


class IdempotencyKeyReused(Exception):
    """The same idempotency key came with different data: a client bug, not a retry."""


@dataclass(frozen=True)
class Submitted:
    request: RemissionRequest
    upload: UploadInstruction | None
    created: bool


@dataclass(frozen=True)
class UploadedObject:
    """The part of a storage finalize event the pipeline uses."""

    bucket: str
    name: str
    generation: str
    size: int
    content_type: str | None


# --- submit -----------------------------------------------------------------------------------


def submit_request(payload: dict, deps: Dependencies) -> Submitted:
    now = deps.clock.now()
    form = parse_submission(payload, today_in_office(now))
    claim = IdempotencyClaim(
        key_hash=hashlib.sha256(form.idempotency_key.encode()).hexdigest(),
        payload_fingerprint=_fingerprint(form),
    )
    created = True
    for _ in range(5):
        request = _new_request(form, now)
        try:
            deps.requests.add(request, claim)
            break
        except TrackingCodeTaken:
            continue
        except DuplicateSubmission as duplicate:
            if duplicate.payload_fingerprint != claim.payload_fingerprint:
                raise IdempotencyKeyReused from None
            request = deps.requests.get(duplicate.request_id)
            created = False
            break
    else:  # pragma: no cover - five collisions in a 2^35 space means the generator is broken
        raise RuntimeError("could not draw a free tracking code")

    if created:
        log(logger, logging.INFO, "request submitted", request_id=request.request_id)
    else:
        log(logger, logging.INFO, "duplicate submission answered", request_id=request.request_id)

    upload = None
    if request.status is Status.AWAITING_UPLOAD:
        upload = deps.files.upload_instruction(
            request.ktp.object_name,
            request.ktp.content_type.value,
            KTP_MAX_BYTES,
            deps.upload_url_valid_for,
        )
    return Submitted(request, upload, created)


def _new_request(form: SubmissionForm, now) -> RemissionRequest:
    request_id = uuid.uuid4().hex
    return RemissionRequest(
        request_id=request_id,
        tracking_code=new_tracking_code(),
        requester=form.requester,
        prisoner=form.prisoner,
        information_needed=form.information_needed,
        information_other=form.information_other,
        statement=form.statement,
        language=form.language,
        ktp=KtpFile(
            object_name=upload_object_name(request_id, 1, form.ktp_content_type.extension),
            content_type=form.ktp_content_type,
            declared_size=form.ktp_size,
        ),
        created_at=now,
    )


def upload_object_name(request_id: str, attempt: int, extension: str) -> str:
    return f"ktp/{request_id}/upload-{attempt}.{extension}"


def verified_object_name(request_id: str, attempt: int, extension: str) -> str:
    return f"ktp/{request_id}/verified-{attempt}.{extension}"


def _fingerprint(form: SubmissionForm) -> str:
    data = asdict(form)
    data.pop("idempotency_key")
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# --- KTP uploaded -----------------------------------------------------------------------------


def handle_ktp_uploaded(obj: UploadedObject, deps: Dependencies) -> str:
    """Check the uploaded KTP and queue the SDP lookup. Returns what happened, for the log."""
    match = _UPLOAD_NAME.match(obj.name)
    if not match:
        log(logger, logging.INFO, "object ignored: not an upload", object_name=obj.name)
        return "ignored_not_an_upload"
    request_id = match["request_id"]
    request = deps.requests.get(request_id)
    if request is None:
        log(logger, logging.WARNING, "object ignored: no such request", object_name=obj.name)
        return "ignored_unknown_request"
    if not request.expects_object(obj.name):
        # An older attempt's late event, or a PUT after a newer upload URL was issued.
        log(logger, logging.INFO, "object ignored: stale attempt", request_id=request_id)
        return "ignored_stale_object"

    if request.status is Status.AWAITING_UPLOAD:
        outcome = _verify_upload(request, obj, deps)
        if outcome != "received":
            return outcome
    elif request.status is not Status.RECEIVED:
        # Upload objects are transient: after a decision on this attempt, a repeated event or
        # another PUT with the same URL leaves nothing unchecked behind.
        deps.files.delete(obj.name)
        log(
            logger,
            logging.INFO,
            "duplicate upload event",
            request_id=request_id,
            status=request.status.value,
        )
        return "duplicate"

    # RECEIVED: verified but the lookup not queued yet (first pass, or a crash in between).
    _queue_receipt(request_id, deps)
    _queue_lookup(request_id, request.ktp.attempt, deps)
    return "received"


def _verify_upload(request: RemissionRequest, obj: UploadedObject, deps: Dependencies) -> str:
    request_id = request.request_id
    stored = deps.files.read(obj.name, KTP_MAX_BYTES)
    if stored is None:
        log(logger, logging.WARNING, "upload event for a missing object", request_id=request_id)
        return "ignored_missing_object"

    inspection = inspect_ktp(stored.data, request.ktp.content_type.value)
    now = deps.clock.now()
    if not inspection.accepted:

        def reject(r: RemissionRequest) -> bool:
            if r.status is Status.AWAITING_UPLOAD and r.expects_object(obj.name):
                r.reject_upload(inspection.rejection_code, now)
                return True
            return False

        rejected = deps.requests.update(request_id, reject)
        if rejected:
            _queue_rejection_notice(request_id, deps)
        deps.files.delete(obj.name)
        log(
            logger,
            logging.INFO,
            "upload rejected",
            request_id=request_id,
            reason=inspection.rejection_code,
            applied=rejected,
        )
        return "rejected"

    data = inspection.sanitized if inspection.sanitized is not None else stored.data
    ext = request.ktp.content_type.extension
    verified_name = verified_object_name(request_id, request.ktp.attempt, ext)
    deps.files.write(
        verified_name, data, request.ktp.content_type.value, {"remisi-request-id": request_id}
    )

    def accept(r: RemissionRequest) -> bool:
        if r.status is Status.AWAITING_UPLOAD and r.expects_object(obj.name):
            r.accept_upload(verified_name, len(data), now)
            return True
        return False

    if not deps.requests.update(request_id, accept):
        # Another delivery of the same event got there first; it queues the lookup.
        return "duplicate"
    deps.files.delete(obj.name)
    log(logger, logging.INFO, "upload accepted", request_id=request_id, size=len(data))
    return "received"


def _queue_receipt(request_id: str, deps: Dependencies) -> None:
    from shared.domain.messages import MessageKind
    from shared.service_layer.dispatch import queue_messages

    request = deps.requests.get(request_id)
    if request is not None:
        queue_messages(deps, request, MessageKind.RECEIPT)


def _queue_rejection_notice(request_id: str, deps: Dependencies) -> None:
    from shared.domain.messages import MessageKind
    from shared.service_layer.dispatch import queue_messages

    request = deps.requests.get(request_id)
    if request is not None:
        queue_messages(deps, request, MessageKind.UPLOAD_REJECTED)


def lookup_task_name(request_id: str, attempt: int) -> str:
    # A hashed prefix spreads names across the queue's key space, as Cloud Tasks advises.
    prefix = hashlib.sha256(f"{request_id}/{attempt}".encode()).hexdigest()[:6]
    return f"lookup-{prefix}-{request_id}-{attempt}"


def _queue_lookup(request_id: str, attempt: int, deps: Dependencies) -> None:
    task_name = lookup_task_name(request_id, attempt)
    deps.tasks.enqueue(
        Task(
            queue=deps.sdp_lookup_queue,
            name=task_name,
            target="sdp_lookup",
            payload={"request_id": request_id},
        )
    )
    now = deps.clock.now()

    def mark_queued(r: RemissionRequest) -> None:
        if r.status is Status.RECEIVED:
            r.lookup_queued(task_name, now)

    deps.requests.update(request_id, mark_queued)
    log(logger, logging.INFO, "sdp lookup queued", request_id=request_id, task=task_name)


# --- SDP lookup -------------------------------------------------------------------------------


def run_sdp_lookup(request_id: str, deps: Dependencies, previous_attempts: int = 0) -> str:
    request = deps.requests.get(request_id)
    if request is None:
        log(logger, logging.WARNING, "lookup for an unknown request", request_id=request_id)
        return "ignored_unknown_request"
    # RECEIVED too: the queue may run the task before the enqueuer has marked it queued.
    if request.status not in (Status.RECEIVED, Status.SDP_LOOKUP):
        log(
            logger,
            logging.INFO,
            "duplicate lookup task",
            request_id=request_id,
            status=request.status.value,
        )
        return "duplicate"

    prisoner = request.prisoner
    query = SdpQuery(
        prisoner_name=prisoner.name,
        upt=prisoner.upt,
        birth_date=prisoner.birth_date,
        registration_number=prisoner.registration_number,
    )
    error = None
    try:
        candidates = deps.sdp.search(query, limit=5)
    except SdpUnavailable:
        if previous_attempts + 1 < SDP_ATTEMPTS_BEFORE_MANUAL:
            log(
                logger,
                logging.WARNING,
                "sdp unavailable, will retry",
                request_id=request_id,
                attempt=previous_attempts + 1,
            )
            raise
        candidates, error = [], "sdp_unavailable"

    now = deps.clock.now()

    def record(r: RemissionRequest) -> bool:
        if r.status is Status.RECEIVED:
            r.lookup_queued(lookup_task_name(request_id, r.ktp.attempt), now)
        if r.status is Status.SDP_LOOKUP:
            r.record_candidates(candidates, now, error)
            return True
        return False

    applied = deps.requests.update(request_id, record)
    log(
        logger,
        logging.INFO,
        "awaiting operator",
        request_id=request_id,
        candidates=len(candidates),
        sdp_error=error,
        applied=applied,
    )
    return "awaiting_operator" if applied else "duplicate"


# --- sweep ------------------------------------------------------------------------------------

# A request nobody finished uploading for is expired, not kept forever (UU 27/2022).
UPLOAD_ABANDONED_AFTER = timedelta(hours=24)
REJECTED_ABANDONED_AFTER = timedelta(days=7)
# A verified request whose lookup has not finished by then lost its task: queue it again.
LOOKUP_NUDGE_AFTER = timedelta(minutes=5)
# Still not through after this long: FAILED, where operators see it, instead of silence.
STUCK_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class SweepReport:
    expired: int
    requeued: int
    failed: int
    # Message tasks queued again for requests waiting on dispatch (deterministic names: a task
    # that exists or ran recently is not queued twice, and a sent message is never resent).
    messages_requeued: int = 0


def sweep(deps: Dependencies) -> SweepReport:
    """The periodic pass (Cloud Scheduler) that brings every request to a final state or makes
    it visible as stuck."""
    now = deps.clock.now()
    expired = requeued = failed = 0

    for status, after in (
        (Status.AWAITING_UPLOAD, UPLOAD_ABANDONED_AFTER),
        (Status.UPLOAD_REJECTED, REJECTED_ABANDONED_AFTER),
    ):
        for request in deps.requests.list_by_status(status, now - after):

            def expire(r: RemissionRequest, status=status) -> bool:
                if r.status is status:
                    r.expire(now)
                    return True
                return False

            if deps.requests.update(request.request_id, expire):
                deps.files.delete(request.ktp.object_name)
                expired += 1

    for status in (Status.RECEIVED, Status.SDP_LOOKUP):
        for request in deps.requests.list_by_status(status, now - LOOKUP_NUDGE_AFTER):
            if request.entered_at(status) < now - STUCK_AFTER:

                def give_up(r: RemissionRequest, status=status) -> bool:
                    if r.status is status:
                        r.fail("pipeline_stuck", now)
                        return True
                    return False

                if deps.requests.update(request.request_id, give_up):
                    failed += 1
                    log(
                        logger,
                        logging.ERROR,
                        "request stuck, marked failed",
                        request_id=request.request_id,
                        status=status.value,
                    )
                continue
            # A fresh name: the original may be spent (Cloud Tasks keeps names for a while
            # after a task ends), and the lookup is idempotent, so a spare run is harmless.
            base = lookup_task_name(request.request_id, request.ktp.attempt)
            deps.tasks.enqueue(
                Task(
                    queue=deps.sdp_lookup_queue,
                    name=f"{base}-sweep-{int(now.timestamp()) // 60}",
                    target="sdp_lookup",
                    payload={"request_id": request.request_id},
                )
            )
            requeued += 1
            log(
                logger,
                logging.WARNING,
                "lookup queued again",
                request_id=request.request_id,
                status=status.value,
            )

    messages_requeued = _requeue_messages(deps, now)
    report = SweepReport(expired, requeued, failed, messages_requeued)
    log(logger, logging.INFO, "sweep done", expired=expired, requeued=requeued, failed=failed)
    return report


# A decision (or rejection) whose message tasks were lost, e.g. the enqueue failed after the
# decision was stored: queue them again once this old.
MESSAGES_NUDGE_AFTER = timedelta(minutes=15)


def _requeue_messages(deps: Dependencies, now) -> int:
    from shared.domain.messages import MessageKind
    from shared.service_layer.dispatch import queue_messages

    kinds = {
        Status.ANSWERED: MessageKind.ANSWER,
        Status.NOT_FOUND: MessageKind.NOT_FOUND,
        Status.UPLOAD_REJECTED: MessageKind.UPLOAD_REJECTED,
    }
    queued = 0
    for status, kind in kinds.items():
        for request in deps.requests.list_by_status(status, now - MESSAGES_NUDGE_AFTER):
            queue_messages(deps, request, kind)
            queued += 1
    return queued
