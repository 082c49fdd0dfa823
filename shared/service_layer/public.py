"""Use cases of the public status page: look a request up, and get a new upload URL for its KTP.

Both take the tracking code plus the phone number or email given on the form. Every wrong pair
(unknown code, code of someone else, wrong contact) gets the same answer, `NoMatch`, so the
endpoint tells nothing about which codes exist.

What is limited is failures, not use: wrong pairs (and malformed queries) are counted per
client and per tracking code; a lookup that proves code + contact costs nothing and writes
nothing. A family checking two requests, an office kiosk, or the many phones behind one
carrier-grade NAT address (the norm on Indonesian mobile networks) are never limited by use,
and whoever proves code + contact keeps the re-upload form. Once a client or a code is over its
budget, every lookup of it waits for the window to end, right pairs too: otherwise the limit
would not stop guessing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shared.domain.form import normalize_whatsapp
from shared.domain.model import KTP_MAX_BYTES, KtpContentType, KtpFile, RemissionRequest, Status
from shared.domain.public_status import status_words
from shared.domain.texts import text
from shared.domain.tracking import normalize_tracking_code
from shared.ktp_inspection import rejection_message
from shared.logs import get_logger, log
from shared.service_layer.ports import Dependencies, UploadInstruction
from shared.service_layer.services import upload_object_name

logger = get_logger("public")

# Wrong pairs per client (IP) and window. The load balancer's Cloud Armor rule is the coarse
# outer limit on all traffic; this one counts across function instances and is what makes
# guessing codes pointless.
WRONG_PAIRS_PER_CLIENT = 10
# Wrong pairs per tracking code and window, from every client: guessing the contact of a known
# code from many addresses. Counted for unknown codes too (a limit only real codes reached
# would tell which codes exist), and above the per-client budget, so one client's typos never
# close a code to its family.
WRONG_PAIRS_PER_CODE = 30
WINDOW = timedelta(minutes=10)
# The name the complaint form's check and its tests read (the same budget).
LOOKUPS_PER_WINDOW = WRONG_PAIRS_PER_CLIENT
# A KTP may be uploaded again a few times; more is a client loop, not a person.
MAX_UPLOAD_ATTEMPTS = 10


def message(code: str, language: str = "id", **params: object) -> str:
    return text(code, language, **params)


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window: timedelta, now: datetime) -> bool:
        """Count one use of `key` in the current window; False once `limit` is reached."""

    def failures(self, keys: list[str]) -> dict[str, tuple[int, datetime | None]]:
        """Each key's count (and last failure); a key never counted is absent."""

    def count(self, keys: list[str], now: datetime, purge_after: datetime) -> None:
        """One more failure on each key, as blind increments."""


class InvalidQuery(Exception):
    """A malformed code or contact: says nothing about any request."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors  # field -> message code


class NoMatch(Exception):
    """Unknown code or wrong contact: one answer for both."""


class RateLimited(Exception):
    def __init__(self, retry_after: timedelta = WINDOW):
        super().__init__("rate_limited")
        self.retry_after = retry_after


class NotUploadable(Exception):
    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params


class TooManyAttempts(Exception):
    pass


@dataclass(frozen=True)
class TimelineEntry:
    status: str
    at: datetime
    text: str


@dataclass(frozen=True)
class StatusView:
    tracking_code: str
    status: str
    title: str
    next_step: str
    timeline: tuple[TimelineEntry, ...]
    can_upload: bool
    rejection: str | None
    # "Selasa, 18 Agustus, sebelum pukul 10.00" while the answer is still to come.
    expected_answer: str | None = None


@dataclass(frozen=True)
class NewUpload:
    tracking_code: str
    status: str
    upload: UploadInstruction


def client_key(scope: str, client: str, now: datetime, window: timedelta = WINDOW) -> str:
    """A document-safe key per client and window. The IP is hashed: the key is all that is
    stored, and only for the window (plus the TTL's delay)."""
    start = int(now.timestamp()) // int(window.total_seconds())
    return hashlib.sha256(f"{scope}|{client}|{start}".encode()).hexdigest()


def _parse(tracking_code: object, contact: object) -> tuple[str, str]:
    errors = {}
    code = normalize_tracking_code(tracking_code) if isinstance(tracking_code, str) else None
    if code is None:
        errors["tracking_code"] = "invalid_code"
    parsed_contact = _contact(contact)
    if parsed_contact is None:
        errors["contact"] = "invalid_contact"
    if errors:
        raise InvalidQuery(errors)
    return code, parsed_contact


def _contact(raw: object) -> str | None:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 254:
        return None
    raw = raw.strip()
    if "@" in raw:
        return raw.replace(" ", "").lower()
    return normalize_whatsapp(raw)


def _matches(request: RemissionRequest, contact: str) -> bool:
    if "@" in contact:
        return hmac.compare_digest(request.requester.email.lower().encode(), contact.encode())
    return hmac.compare_digest(request.requester.whatsapp.encode(), contact.encode())


def _find(
    scope: str, tracking_code: object, contact: object, client: str, deps, limiter
) -> RemissionRequest:
    """The request that code + contact prove. `scope` names the caller in the logs; the
    failure budgets are one for the status page, the re-upload and the complaint form."""
    now = deps.clock.now()
    code = normalize_tracking_code(tracking_code) if isinstance(tracking_code, str) else None
    keys = [client_key("lookup-failures", client, now)]
    if code is not None:
        keys.append(client_key("code-failures", code, now))
    used = limiter.failures(keys)
    over = used.get(keys[0], (0, None))[0] >= WRONG_PAIRS_PER_CLIENT or (
        len(keys) > 1 and used.get(keys[1], (0, None))[0] >= WRONG_PAIRS_PER_CODE
    )
    if over:
        log(logger, logging.INFO, "public lookup rate-limited", scope=scope)
        raise RateLimited(_window_left(now))
    try:
        code, parsed_contact = _parse(tracking_code, contact)
        request = deps.requests.get_by_tracking_code(code)
        if request is None or not _matches(request, parsed_contact):
            raise NoMatch
    except (InvalidQuery, NoMatch):
        # Malformed tries count as wrong pairs (the page checks the format before sending).
        limiter.count(keys, now, purge_after=now + 2 * WINDOW)
        raise
    return request


def _window_left(now: datetime) -> timedelta:
    seconds = int(WINDOW.total_seconds())
    return timedelta(seconds=seconds - int(now.timestamp()) % seconds)


def view_status(
    tracking_code: object,
    contact: object,
    client: str,
    deps: Dependencies,
    limiter: RateLimiter,
    language: str = "id",
) -> StatusView:
    from dataclasses import replace

    from shared.domain.calendar import expected_answer

    request = _find("status", tracking_code, contact, client, deps, limiter)
    now = deps.clock.now()
    view = status_view(request, language, now)
    promise = expected_answer(request, deps.office_hours, deps.answer_promise, now, language)
    return replace(view, expected_answer=promise)


def status_view(request: RemissionRequest, language: str, now: datetime) -> StatusView:
    timeline = []
    seen: set[Status] = set()
    for entry in request.history:
        retry = entry.status in seen
        seen.add(entry.status)
        timeline.append(
            TimelineEntry(
                entry.status.value,
                entry.at,
                status_words(entry.status, "title", language, retry=retry),
            )
        )
    # The state now is a retry when it was entered before (an upload after a rejection).
    again = [e.status for e in request.history].count(request.status) > 1
    rejection = None
    if request.status is Status.UPLOAD_REJECTED and request.ktp.rejection_code:
        rejection = rejection_message(request.ktp.rejection_code, language)
    return StatusView(
        tracking_code=request.tracking_code,
        status=request.status.value,
        title=status_words(request.status, "title", language, retry=again),
        next_step=status_words(request.status, "next", language, retry=again),
        timeline=tuple(timeline),
        can_upload=request.status in (Status.AWAITING_UPLOAD, Status.UPLOAD_REJECTED),
        rejection=rejection,
    )


def new_upload(
    tracking_code: object,
    contact: object,
    content_type: object,
    size: object,
    client: str,
    deps: Dependencies,
    limiter: RateLimiter,
) -> NewUpload:
    """A signed upload for the KTP: a new attempt (new object name) after a rejection, or a fresh
    URL for the same object while the request still waits for its first file."""
    request = _find("upload", tracking_code, contact, client, deps, limiter)
    errors = {}
    try:
        kind = KtpContentType(content_type)
    except ValueError:
        kind = None
        errors["ktp_content_type"] = "ktp_type"
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        errors["ktp_size"] = "ktp_empty"
    elif size > KTP_MAX_BYTES:
        errors["ktp_size"] = "ktp_too_large"
    if errors:
        raise InvalidQuery(errors)

    now = deps.clock.now()

    def restart(r: RemissionRequest) -> KtpFile:
        if r.status is Status.UPLOAD_REJECTED:
            if r.ktp.attempt >= MAX_UPLOAD_ATTEMPTS:
                raise TooManyAttempts
            attempt = r.ktp.attempt + 1
            r.restart_upload(
                KtpFile(
                    object_name=upload_object_name(r.request_id, attempt, kind.extension),
                    content_type=kind,
                    declared_size=size,
                    attempt=attempt,
                ),
                now,
            )
        elif r.status is not Status.AWAITING_UPLOAD:
            raise NotUploadable("not_uploadable")
        elif r.ktp.content_type is not kind:
            # Awaiting its file, the object name fixes the type; a different type would need a
            # new attempt, which only a rejection opens.
            raise NotUploadable("type_mismatch", type=r.ktp.content_type.extension.upper())
        return r.ktp

    ktp = deps.requests.update(request.request_id, restart)
    upload = deps.files.upload_instruction(
        ktp.object_name, ktp.content_type.value, KTP_MAX_BYTES, deps.upload_url_valid_for
    )
    log(
        logger,
        logging.INFO,
        "new upload url issued",
        request_id=request.request_id,
        attempt=ktp.attempt,
    )
    return NewUpload(request.tracking_code, Status.AWAITING_UPLOAD.value, upload)
