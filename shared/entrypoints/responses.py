"""Each function's input unpacked into a use case's arguments and its result shaped into the
answer the API documents (README "The API"). One function per entry point."""

from __future__ import annotations

import functools
import hmac
import logging

import flask
from cloudevents.http import CloudEvent

from shared.domain.form import HONEYPOT, FieldError, FormInvalid, honeypot_filled
from shared.domain.sdp import SdpUnavailable
from shared.entrypoints.http import Refusal, json_response, language_of, problem
from shared.logs import get_logger, log
from shared.service_layer import public, services
from shared.service_layer.ports import UploadedObject

logger = get_logger("functions")

MAX_WEBHOOK_BYTES = 1024 * 1024


def _upload(upload) -> dict | None:
    if upload is None:
        return None
    return {
        "url": upload.url,
        "method": upload.method,
        "headers": upload.headers,
        "expires_at": upload.expires_at.isoformat(),
    }


# --- submit and the KTP upload event ---------------------------------------------------------


def submitted(payload: dict, deps, client: str = "-", captcha=None) -> flask.Response:
    """`captcha`: the Turnstile verifier where one is configured (shared.bootstrap)."""
    language = language_of(payload)
    if honeypot_filled(payload):
        # Counted by this log line (a log-based metric); nothing is created or checked, not
        # even the CAPTCHA. A clear 400, not a fake success: the rare person whose browser
        # filled the hidden field learns to reload, instead of keeping a tracking code for a
        # request that does not exist; a bot that fills every field learns nothing it can use.
        log(logger, logging.WARNING, "submit refused: honeypot filled")
        return _form_problem({HONEYPOT: FieldError("honeypot")}, language)
    if captcha is not None:
        from shared.adapters.turnstile import CaptchaRefused, CaptchaUnavailable

        try:
            captcha.verify(payload.get("turnstile_token"), client)
        except CaptchaRefused as refused:
            log(logger, logging.INFO, "submit refused: captcha", codes=list(refused.codes))
            return _form_problem({"turnstile_token": FieldError("captcha")}, language)
        except CaptchaUnavailable:
            response = problem(503, "captcha_unavailable", language)
            response.headers["Retry-After"] = "5"
            return response
    try:
        result = services.submit_request(payload, deps)
    except FormInvalid as invalid:
        return _form_problem(invalid.errors, language)
    except services.IdempotencyKeyReused:
        return problem(409, "idempotency_key_reused", language)
    request = result.request
    body = {
        "request_id": request.request_id,
        "tracking_code": request.tracking_code,
        "status": request.status.value,
        "upload": _upload(result.upload),
        "expected_answer": _expected_answer(request, deps, language),
    }
    return json_response(body, 201 if result.created else 200)


def _expected_answer(request, deps, language: str) -> str | None:
    from shared.domain.calendar import expected_answer

    now = deps.clock.now()
    return expected_answer(request, deps.office_hours, deps.answer_promise, now, language)


def _form_problem(errors: dict, language: str) -> flask.Response:
    fields = {f: {"code": e.code, "message": e.text(language)} for f, e in errors.items()}
    return problem(400, "invalid_form", language, errors=fields)


def upload_event(event: CloudEvent, bucket: str, deps) -> str:
    """The finalize event of one object. A database that is contended or down does not make
    the event fail: the raw upload stays in the bucket, and the sweep's reconciliation checks
    it (every upload is in the bucket until its attempt settles), so the event is acknowledged
    and nothing answers 500."""
    from shared.entrypoints.http import UNAVAILABLE

    obj = uploaded_object(event, bucket)
    if obj is None:
        return "other_bucket"
    try:
        return services.handle_ktp_uploaded(obj, deps)
    except UNAVAILABLE as error:
        log(
            logger, logging.WARNING, "upload left to the reconciliation", error=type(error).__name__
        )
        return "left_for_reconciliation"


def uploaded_object(event: CloudEvent, bucket: str) -> UploadedObject | None:
    data = event.data or {}
    if data.get("bucket") != bucket:
        return None
    return UploadedObject(
        bucket=data["bucket"],
        name=data.get("name", ""),
        generation=str(data.get("generation", "")),
        size=int(data.get("size") or 0),
        content_type=data.get("contentType"),
    )


# --- tasks -------------------------------------------------------------------------------------


def looked_up(payload: dict, retries: int, deps) -> flask.Response:
    request_id = payload.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        # A malformed task will never succeed; acknowledge it so it is not retried forever.
        log(logger, logging.ERROR, "malformed lookup task dropped")
        return json_response({"outcome": "malformed"})
    try:
        outcome = services.run_sdp_lookup(
            request_id, deps, previous_attempts=retries, outbox_id=_outbox_id(payload)
        )
    except SdpUnavailable:
        return json_response({"error": "sdp_unavailable", "message": "retry later"}, 503)
    return json_response({"outcome": outcome})


def dispatched(payload: dict, retries: int, deps, task_name: str = "") -> flask.Response:
    from shared.service_layer import dispatch

    try:
        task = dispatch.DispatchTask.from_payload(payload)
    except dispatch.MalformedTask:
        log(logger, logging.ERROR, "malformed dispatch task dropped")
        return json_response({"outcome": "malformed"})
    try:
        outcome = dispatch.run_dispatch(
            task,
            deps,
            retries,
            outbox_id=_outbox_id(payload),
            delivery=f"{task_name[-200:]}-{retries}" if task_name else None,
        )
    except dispatch.RetryLater as later:
        # Non-2xx: Cloud Tasks retries with the queue's back-off.
        response = json_response(
            {"error": "retry_later", "message": later.code}, 429 if later.retry_after else 503
        )
        if later.retry_after:
            response.headers["Retry-After"] = str(later.retry_after)
        return response
    return json_response({"outcome": outcome})


def _outbox_id(payload: dict) -> str | None:
    value = payload.get("outbox_id")
    return value if isinstance(value, str) and 0 < len(value) <= 500 else None


# --- the public status page -------------------------------------------------------------------


def client_address(http_request: flask.Request) -> str:
    """The caller's IP. Behind Google's load balancer X-Forwarded-For ends with
    `<client-ip>,<load-balancer-ip>`; anything before those is what the client sent itself, so
    it is never trusted. Without the header (the local stack) the socket's peer is the client."""
    header = http_request.headers.get("X-Forwarded-For", "")
    hops = [h.strip() for h in header.split(",") if h.strip()]
    if len(hops) >= 2:
        return hops[-2]
    if hops:
        return hops[0]
    return http_request.remote_addr or "unknown"


REFUSALS = (
    public.RateLimited,
    public.InvalidQuery,
    public.NoMatch,
    public.NotUploadable,
    public.TooManyAttempts,
)


def _refusal(error: Exception, language: str) -> flask.Response:
    from shared.domain.form import message as form_message

    if isinstance(error, public.RateLimited):
        response = problem(429, "rate_limited", language)
        response.headers["Retry-After"] = str(max(1, int(error.retry_after.total_seconds())))
        return response
    if isinstance(error, public.InvalidQuery):
        errors = {}
        for field, code in error.errors.items():
            text = form_message(code, language) if code.startswith("ktp_") else None
            errors[field] = {"code": code, "message": text or public.message(code, language)}
        return problem(400, "invalid_query", language, errors=errors)
    if isinstance(error, public.NotUploadable):
        text = public.message(error.code, language, **error.params)
        return json_response({"error": error.code, "message": text}, 409)
    if isinstance(error, public.TooManyAttempts):
        return problem(409, "too_many_attempts", language)
    # NoMatch: the one answer for an unknown code and for a wrong contact.
    return problem(404, "no_match", language)


def status_view(payload: dict, client: str, deps, limiter) -> flask.Response:
    language = language_of(payload)
    try:
        view = public.view_status(
            payload.get("tracking_code"), payload.get("contact"), client, deps, limiter, language
        )
    except REFUSALS as error:
        return _refusal(error, language)
    return json_response(
        {
            "tracking_code": view.tracking_code,
            "status": view.status,
            "title": view.title,
            "next": view.next_step,
            "timeline": [
                {"status": e.status, "at": e.at.isoformat(), "text": e.text} for e in view.timeline
            ],
            "can_upload": view.can_upload,
            "rejection": view.rejection,
            "expected_answer": view.expected_answer,
        }
    )


def new_upload(payload: dict, client: str, deps, limiter) -> flask.Response:
    language = language_of(payload)
    try:
        result = public.new_upload(
            payload.get("tracking_code"),
            payload.get("contact"),
            payload.get("ktp_content_type"),
            payload.get("ktp_size"),
            client,
            deps,
            limiter,
        )
    except REFUSALS as error:
        return _refusal(error, language)
    return json_response(
        {
            "tracking_code": result.tracking_code,
            "status": result.status,
            "upload": _upload(result.upload),
        }
    )


# --- delivery webhooks ------------------------------------------------------------------------


@functools.cache
def _sendgrid_key(encoded: str):
    from shared.adapters.webhook_signatures import sendgrid_public_key

    return sendgrid_public_key(encoded)


def _verified(check, what: str) -> None:
    from shared.adapters.webhook_signatures import SignatureRefused

    try:
        check()
    except SignatureRefused:
        log(logger, logging.WARNING, f"{what} webhook refused: signature")
        raise Refusal(problem(403, "forbidden")) from None


def _statuses(parse, body: bytes, deps) -> flask.Response:
    from shared.service_layer.dispatch import apply_statuses
    from shared.service_layer.ports import MalformedWebhook

    try:
        updates = parse(body)
    except MalformedWebhook:
        return problem(400, "invalid_json")
    return json_response({"applied": apply_statuses(deps, updates)})


def sendgrid_statuses(http_request: flask.Request, body: bytes, settings, deps):
    from shared.adapters.sendgrid_email import parse_events
    from shared.adapters.webhook_signatures import verify_sendgrid

    key = _sendgrid_key(settings.messaging("SENDGRID_WEBHOOK_PUBLIC_KEY"))
    _verified(lambda: verify_sendgrid(key, http_request.headers, body), "sendgrid")
    return _statuses(parse_events, body, deps)


def whatsapp_window(settings):
    """The replay window of WhatsApp events, from its two settings (their defaults: config)."""
    from datetime import timedelta

    from shared.config import SETTINGS as KNOWN
    from shared.domain.replay_window import ReplayWindow

    def seconds(name: str) -> int:
        value = settings.messaging(name)
        if not (isinstance(value, str) and value.isdigit()):
            value = next(s.default for s in KNOWN if s.env == name)
        return int(value)

    return ReplayWindow(
        timedelta(seconds=seconds("WHATSAPP_WEBHOOK_MAX_AGE_SECONDS")),
        timedelta(seconds=seconds("WHATSAPP_WEBHOOK_MAX_AHEAD_SECONDS")),
    )


def whatsapp_statuses(http_request: flask.Request, body: bytes, settings, deps):
    """Statuses and the families' replies. A signed event outside the replay window is
    acknowledged (200: Meta would resend it forever) and counted, never applied."""
    from shared.adapters.webhook_signatures import verify_whatsapp
    from shared.adapters.whatsapp_cloud import parse_inbound, parse_statuses
    from shared.service_layer import conversations
    from shared.service_layer.dispatch import apply_statuses
    from shared.service_layer.ports import MalformedWebhook

    secret = settings.messaging("WHATSAPP_APP_SECRET")
    _verified(lambda: verify_whatsapp(secret, http_request.headers, body), "whatsapp")
    try:
        updates, inbound = parse_statuses(body), parse_inbound(body)
    except MalformedWebhook:
        return problem(400, "invalid_json")
    window, now = whatsapp_window(settings), deps.clock.now()
    inside = [u for u in updates if window.admits(u.at, now)]
    replies = [m for m in inbound if window.admits(m.at, now)]
    ignored = len(updates) - len(inside) + len(inbound) - len(replies)
    if ignored:
        log(logger, logging.WARNING, "whatsapp events outside the replay window", count=ignored)
    recorded = [conversations.record_inbound(deps, m) for m in replies]
    return json_response(
        {
            "applied": apply_statuses(deps, inside),
            "inbound": sum(outcome != "duplicate" for outcome in recorded),
            "ignored_out_of_window": ignored,
        }
    )


def whatsapp_handshake(http_request: flask.Request, settings) -> flask.Response:
    token = settings.messaging("WHATSAPP_VERIFY_TOKEN")
    given = http_request.args.get("hub.verify_token", "")
    if (
        http_request.args.get("hub.mode") == "subscribe"
        and token
        and hmac.compare_digest(given.encode(), token.encode())
    ):
        challenge = http_request.args.get("hub.challenge", "")
        if challenge.isdigit():
            return flask.Response(challenge, 200, mimetype="text/plain")
    return problem(403, "forbidden")
