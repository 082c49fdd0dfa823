"""The edge of every HTTP function, written once.

`@endpoint(...)` checks the method, reads at most `max_body` bytes whatever the framing
(`Content-Length` or chunked), checks the caller when a verifier is given, runs the handler
within a deadline, and maps what can go wrong to JSON: a refusal to its own status, a database
that is contended or unreachable to 503 with Retry-After (the caller or the queue tries again,
and nothing was half-written), anything else to a logged JSON 500. Every answer, errors
included, leaves with the security headers (`shared.security_headers.API_HEADERS`; a page's own
CSP, as the operator page sets, is kept).
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import logging
import threading
from collections.abc import Callable

import flask
from google.api_core import exceptions as google_errors

from shared import security_headers
from shared.domain.texts import text
from shared.logs import get_logger, log
from shared.service_layer.ports import Contention

logger = get_logger("edge")

# Within Cloud Functions' own limit and a phone's patience: an answer, even "try again",
# arrives before this.
DEADLINE_SECONDS = 9.0
RETRY_AFTER_SECONDS = 5
MAX_JSON_BYTES = 16 * 1024

UNAVAILABLE = (
    Contention,
    TimeoutError,
    concurrent.futures.TimeoutError,
    google_errors.ServiceUnavailable,
    google_errors.DeadlineExceeded,
    google_errors.Aborted,
    google_errors.TooManyRequests,
    google_errors.RetryError,
)


class Refusal(Exception):
    """An answer decided before or during handling (a bad body, a refused caller)."""

    def __init__(self, response: flask.Response):
        super().__init__(response.status)
        self.response = response


def json_response(body: dict, status: int = 200) -> flask.Response:
    response = flask.Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def problem(status: int, code: str, language: str = "id", **extra) -> flask.Response:
    return json_response({"error": code, "message": text(code, language), **extra}, status)


def language_of(payload: dict | None) -> str:
    value = payload.get("language") if isinstance(payload, dict) else None
    return value if value in ("id", "en") else "id"


def read_body(http_request: flask.Request, limit: int) -> bytes:
    """At most `limit` bytes, or a 413, whatever the request claims about its length."""
    if (http_request.content_length or 0) > limit:
        raise Refusal(problem(413, "too_large"))
    data = http_request.stream.read(limit + 1)
    if len(data) > limit:
        raise Refusal(problem(413, "too_large"))
    return data


def parse_json(body: bytes) -> dict:
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise Refusal(problem(400, "invalid_json"))
    return payload


_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    # Made on first use, never at import: the server forks its workers after the import, and a
    # thread would not survive the fork.
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(16, thread_name_prefix="edge")
        return _pool


def within_deadline(call: Callable[[], flask.Response], seconds: float) -> flask.Response:
    """The answer within `seconds`: a call still waiting on a hung database goes on in the
    background (every step is idempotent, so it may finish or be tried again)."""
    return _executor().submit(call).result(timeout=seconds)


def endpoint(
    methods: tuple[str, ...] = ("POST",),
    verifier: Callable[[], Callable] | None = None,
    deadline: float | None = DEADLINE_SECONDS,
    max_body: int | None = MAX_JSON_BYTES,
):
    """Wrap a handler `(http_request, body) -> flask.Response`. `verifier` returns the caller
    check (made once per instance). `max_body=None`: the handler reads the body itself."""

    def wrap(handler: Callable[[flask.Request, bytes], flask.Response]):
        @functools.wraps(handler)
        def entry(http_request: flask.Request) -> flask.Response:
            return security_headers.apply(answer(http_request), security_headers.API_HEADERS)

        def answer(http_request: flask.Request) -> flask.Response:
            try:
                if http_request.method not in methods:
                    return problem(405, "method_not_allowed")
                if verifier is not None:
                    _verify_caller(verifier, http_request)
                # The body is read here, on the request's own thread, and never past the limit.
                body = b"" if max_body is None else read_body(http_request, max_body)
                if deadline is None:
                    return handler(http_request, body)
                return within_deadline(lambda: handler(http_request, body), deadline)
            except Refusal as refusal:
                return refusal.response
            except UNAVAILABLE as error:
                log(
                    logger,
                    logging.WARNING,
                    "unavailable",
                    function=handler.__name__,
                    error=type(error).__name__,
                )
                response = problem(503, "unavailable")
                response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
                return response
            except Exception:
                logger.exception("unhandled error in %s", handler.__name__)
                return problem(500, "internal")

        return entry

    return wrap


def _verify_caller(verifier: Callable[[], Callable], http_request: flask.Request) -> None:
    from shared.adapters.task_auth import TaskCallerRefused

    try:
        verifier()(http_request.headers)
    except TaskCallerRefused:
        raise Refusal(problem(403, "forbidden")) from None


def retry_count(http_request: flask.Request) -> int:
    value = http_request.headers.get("X-CloudTasks-TaskRetryCount", "0")
    return int(value) if value.isdigit() else 0
