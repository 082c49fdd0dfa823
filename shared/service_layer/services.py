"""Use cases of the request pipeline: submit, KTP uploaded, SDP lookup, and the sweep that
relays what is owed and reconciles what was missed.

Every handler is safe to run twice with the same input: Cloud Tasks and storage events are
delivered at least once, sometimes twice, sometimes never. Each step re-reads the request in
its transaction and acts only if the request is still where that step expects it; the
follow-ups it owes are outbox entries in that same transaction (`unit_of_work`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from shared.domain.form import SubmissionForm, parse_submission, today_in_office
from shared.domain.messages import MessageKind
from shared.domain.model import (
    KTP_MAX_BYTES,
    KtpFile,
    RemissionRequest,
    Status,
)
from shared.domain.outbox import Target
from shared.domain.sdp import SdpQuery, SdpUnavailable
from shared.domain.tracking import new_tracking_code
from shared.ktp_inspection import Inspection, inspect_ktp
from shared.logs import get_logger, log
from shared.service_layer import unit_of_work
from shared.service_layer.dispatch import owe_messages
from shared.service_layer.ports import (
    Dependencies,
    DuplicateSubmission,
    IdempotencyClaim,
    ScannerUnavailable,
    TrackingCodeTaken,
    Transaction,
    UploadedObject,
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


def verified_object_name(request_id: str, attempt: int, extension: str, page: int = 1) -> str:
    # A PDF's later pages sit beside its first: ...verified-1.jpg, verified-1-p2.jpg, ...
    suffix = "" if page == 1 else f"-p{page}"
    return f"ktp/{request_id}/verified-{attempt}{suffix}.{extension}"


def _fingerprint(form: SubmissionForm) -> str:
    data = asdict(form)
    data.pop("idempotency_key")
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# --- KTP uploaded -----------------------------------------------------------------------------


def handle_ktp_uploaded(obj: UploadedObject, deps: Dependencies) -> str:
    """Check the uploaded KTP; on acceptance owe the lookup and the receipt. Returns what
    happened, for the log. The raw upload never outlives its attempt: once the attempt is
    settled (accepted, rejected, superseded, expired), any raw object of it is deleted."""
    match = _UPLOAD_NAME.match(obj.name)
    if not match:
        log(logger, logging.INFO, "object ignored: not an upload", object_name=obj.name)
        return "ignored_not_an_upload"
    request_id = match["request_id"]
    request = deps.requests.get(request_id)
    if request is None:
        deps.files.delete(obj.name)
        log(logger, logging.WARNING, "upload for no request deleted", object_name=obj.name)
        return "ignored_unknown_request"
    if not request.expects_object(obj.name) or request.status is not Status.AWAITING_UPLOAD:
        # An older attempt's URL, a second PUT after acceptance, a replayed event, a request
        # that expired: this attempt is settled, so its raw bytes go, unread.
        deps.files.delete(obj.name)
        log(
            logger,
            logging.INFO,
            "raw upload of a settled attempt deleted",
            request_id=request_id,
            status=request.status.value,
        )
        return "duplicate" if request.expects_object(obj.name) else "ignored_stale_object"
    # A twin delivery of the event, or the sweep, may be checking this very upload: one works.
    claim = f"upload-{request_id}-{request.ktp.attempt}"
    # The lease is the relay's wait: far longer than a check takes (read, decode, write the
    # clean copy, commit), and a holder that died leaves the upload to the next comer then.
    if not deps.claims.claim(claim, deps.clock.now(), deps.relay_after):
        log(logger, logging.INFO, "upload being checked by another delivery", request_id=request_id)
        return "in_progress"
    try:
        return _verify_upload(request, obj, deps)
    except BaseException:
        # Failed here (the database, the bucket): the next delivery may try at once.
        with contextlib.suppress(Exception):
            deps.claims.release(claim)
        raise


def _verify_upload(request: RemissionRequest, obj: UploadedObject, deps: Dependencies) -> str:
    request_id = request.request_id
    stored = deps.files.read(obj.name, KTP_MAX_BYTES)
    if stored is None:
        log(logger, logging.WARNING, "upload event for a missing object", request_id=request_id)
        return "ignored_missing_object"

    inspection = _malware_found(stored.data, request_id, deps) or inspect_ktp(
        stored.data, request.ktp.content_type.value, deps.ktp_limits
    )
    if not inspection.accepted:

        def reject(tx: Transaction) -> bool:
            now = deps.clock.now()
            current = tx.request(request_id)
            if current is None or not _awaits(current, obj.name):
                return False
            current.reject_upload(inspection.rejection_code, now)
            tx.save_request(current)
            owe_messages(tx, deps, current, MessageKind.UPLOAD_REJECTED)
            return True

        rejected = unit_of_work.run(deps, reject)
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

    # Only the check's images are kept, never the upload's bytes (a PDF: one image per page).
    pages = tuple(
        verified_object_name(request_id, request.ktp.attempt, image.content_type.extension, n)
        for n, image in enumerate(inspection.pages, start=1)
    )
    for name, image in zip(pages, inspection.pages, strict=True):
        deps.files.write(
            name, image.data, image.content_type.value, {"remisi-request-id": request_id}
        )
    verified_name, size = pages[0], inspection.size

    def accept(tx: Transaction) -> bool:
        now = deps.clock.now()
        current = tx.request(request_id)
        if current is None or not _awaits(current, obj.name):
            return False
        current.accept_upload(verified_name, size, now, pages)
        task_name = lookup_task_name(request_id, current.ktp.attempt)
        current.lookup_queued(task_name, now)
        tx.save_request(current)
        unit_of_work.follow_up(tx, deps, task_name, Target.SDP_LOOKUP, {"request_id": request_id})
        owe_messages(tx, deps, current, MessageKind.RECEIPT)
        return True

    accepted = unit_of_work.run(deps, accept)
    # Either way the attempt is settled now (by this delivery or a twin): the raw bytes go.
    deps.files.delete(obj.name)
    if not accepted:
        return "duplicate"
    log(logger, logging.INFO, "upload accepted", request_id=request_id, size=size)
    return "received"


def _malware_found(data: bytes, request_id: str, deps: Dependencies) -> Inspection | None:
    """The scan comes before anything parses the bytes. No verdict (scanner down, slow) raises
    ScannerUnavailable: the event is delivered again and the sweep reconciles; an unscanned
    file is never accepted."""
    if deps.malware_scanner is None:
        return None
    verdict = deps.malware_scanner.scan(data)
    if not verdict.infected:
        return None
    log(
        logger, logging.WARNING, "malware found", request_id=request_id, signature=verdict.signature
    )
    return Inspection(False, "malware")


def _awaits(request: RemissionRequest, object_name: str) -> bool:
    return request.status is Status.AWAITING_UPLOAD and request.expects_object(object_name)


def lookup_task_name(request_id: str, attempt: int) -> str:
    # A hashed prefix spreads names across the queue's key space, as Cloud Tasks advises.
    prefix = hashlib.sha256(f"{request_id}/{attempt}".encode()).hexdigest()[:6]
    return f"lookup-{prefix}-{request_id}-{attempt}"


# --- SDP lookup -------------------------------------------------------------------------------


def run_sdp_lookup(
    request_id: str,
    deps: Dependencies,
    previous_attempts: int = 0,
    outbox_id: str | None = None,
) -> str:
    request = deps.requests.get(request_id)
    if request is None:
        log(logger, logging.WARNING, "lookup for an unknown request", request_id=request_id)
        unit_of_work.acknowledge_alone(deps, outbox_id, "unknown_request")
        return "ignored_unknown_request"
    # RECEIVED too: a request accepted before lookups were owed in the same step.
    if request.status not in (Status.RECEIVED, Status.SDP_LOOKUP):
        log(
            logger,
            logging.INFO,
            "duplicate lookup task",
            request_id=request_id,
            status=request.status.value,
        )
        unit_of_work.acknowledge_alone(deps, outbox_id, "duplicate")
        return "duplicate"
    # A twin delivery may be looking this request up right now: one does, the other steps
    # aside (the entry stays open until the one that works acknowledges it).
    claim = f"lookup-{request_id}-{request.ktp.attempt}"
    if not deps.claims.claim(claim, deps.clock.now(), deps.relay_after):
        return "in_progress"
    try:
        return _look_up(request, deps, previous_attempts, outbox_id)
    except BaseException:
        # SDP down or the database: the queue's retry (or the relay) may try again at once.
        with contextlib.suppress(Exception):
            deps.claims.release(claim)
        raise


def _look_up(request, deps: Dependencies, previous_attempts: int, outbox_id) -> str:
    request_id = request.request_id
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

    def record(tx: Transaction) -> bool:
        now = deps.clock.now()
        current = tx.request(request_id)
        unit_of_work.acknowledge(tx, outbox_id, now, "looked_up")
        if current is None:
            return False
        if current.status is Status.RECEIVED:
            current.lookup_queued(lookup_task_name(request_id, current.ktp.attempt), now)
        if current.status is not Status.SDP_LOOKUP:
            return False
        current.record_candidates(candidates, now, error)
        tx.save_request(current)
        return True

    applied = unit_of_work.run(deps, record)
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
# Still not through after this long: FAILED, where operators see it, instead of silence.
STUCK_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class SweepReport:
    expired: int
    # Outbox entries enqueued again (lookups, messages) because nobody acknowledged them.
    relayed: int
    failed: int
    # Raw uploads whose finalize event never came (or came and was lost), handled here.
    uploads_reconciled: int = 0


def sweep(deps: Dependencies) -> SweepReport:
    """The periodic pass (Cloud Scheduler, every minute): the outbox relay, the reconciliation
    of uploads, expiry, and stuck requests made visible. Idempotent like every handler."""
    now = deps.clock.now()
    relayed = unit_of_work.relay_due(deps, now)
    reconciled = _reconcile_uploads(deps, now)
    expired = _expire_abandoned(deps, now)
    failed = _fail_stuck(deps, now)
    report = SweepReport(expired, relayed, failed, reconciled)
    log(logger, logging.INFO, "sweep done", **{k: v for k, v in asdict(report).items()})
    return report


def _reconcile_uploads(deps: Dependencies, now) -> int:
    """Every raw upload in the bucket is either waiting for its event or left over: handle it
    as the event would (accepted, rejected, or deleted as a settled attempt's leftover)."""
    handled = 0
    for obj in deps.files.list_objects("ktp/", limit=1000):
        if not _UPLOAD_NAME.match(obj.name):
            continue
        # Younger than the relay's wait, its event may still be on its way.
        if obj.updated is not None and obj.updated > now - deps.relay_after:
            continue
        try:
            outcome = handle_ktp_uploaded(obj, deps)
        except ScannerUnavailable:
            outcome = "scanner_unavailable"
        handled += 1
        log(logger, logging.WARNING, "upload reconciled", object_name=obj.name, outcome=outcome)
        if outcome == "scanner_unavailable":
            # No verdict now: the uploads wait for a later round, the rest of the sweep goes
            # on. One try per round: a scanner that hangs must not eat the sweep's time.
            break
    return handled


def _expire_abandoned(deps: Dependencies, now) -> int:
    expired = 0
    for status, after in (
        (Status.AWAITING_UPLOAD, UPLOAD_ABANDONED_AFTER),
        (Status.UPLOAD_REJECTED, REJECTED_ABANDONED_AFTER),
    ):
        for request in deps.requests.list_by_status(status, now - after):
            # A file that arrived in time is processed, never expired unread.
            if status is Status.AWAITING_UPLOAD:
                stored = deps.files.read(request.ktp.object_name, KTP_MAX_BYTES)
                if stored is not None:
                    with contextlib.suppress(ScannerUnavailable):  # checked on a later round
                        handle_ktp_uploaded(_uploaded(stored), deps)
                    continue

            def expire(tx: Transaction, request_id=request.request_id, status=status) -> bool:
                current = tx.request(request_id)
                if current is None or current.status is not status:
                    return False
                current.expire(deps.clock.now())
                tx.save_request(current)
                return True

            if unit_of_work.run(deps, expire):
                deps.files.delete(request.ktp.object_name)
                expired += 1
    return expired


def _uploaded(stored) -> UploadedObject:
    return UploadedObject(
        bucket="",
        name=stored.object_name,
        generation=stored.generation,
        size=stored.size,
        content_type=stored.content_type,
    )


def _fail_stuck(deps: Dependencies, now) -> int:
    failed = 0
    for status in (Status.RECEIVED, Status.SDP_LOOKUP):
        for request in deps.requests.list_by_status(status, now - STUCK_AFTER):

            def give_up(tx: Transaction, request_id=request.request_id, status=status) -> bool:
                current = tx.request(request_id)
                if current is None or current.status is not status:
                    return False
                current.fail("pipeline_stuck", deps.clock.now())
                tx.save_request(current)
                entry = tx.outbox_entry(lookup_task_name(request_id, current.ktp.attempt))
                if entry is not None and entry.give_up(deps.clock.now(), "pipeline_stuck"):
                    tx.save_outbox(entry)
                return True

            if unit_of_work.run(deps, give_up):
                failed += 1
                log(
                    logger,
                    logging.ERROR,
                    "request stuck, marked failed",
                    request_id=request.request_id,
                    status=status.value,
                )
    return failed
