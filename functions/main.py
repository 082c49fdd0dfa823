"""Cloud Functions entry points. Each one parses its input, calls the service layer and maps the
outcome to a response; the rules live in `shared`."""

from __future__ import annotations

import functools
import json
import logging
import os

import flask
import functions_framework
from cloudevents.http import CloudEvent

from shared import logs
from shared.config import Settings
from shared.domain.form import FormInvalid
from shared.domain.sdp import SdpUnavailable
from shared.service_layer import services

logs.configure()
logger = logs.get_logger("functions")

# Read at import, so a deployment with a missing setting fails at start, not on first use.
SETTINGS = Settings.from_env()

MAX_BODY_BYTES = 16 * 1024


@functools.cache
def dependencies():
    from shared.bootstrap import bootstrap

    return bootstrap(SETTINGS)


# Clients are made at instance start (not on the first request), and a failure to make them
# fails the start, where it is seen. The lookup function also loads the SDP index then; the
# runtime names the function being served in FUNCTION_TARGET. No threads here: the server
# forks its worker after this import, and a thread would not survive the fork.
dependencies()
if os.environ.get("FUNCTION_TARGET") == "sdp_lookup":
    dependencies().sdp.warm_up()


@functools.cache
def verify_task_caller():
    from shared.bootstrap import task_verifier

    return task_verifier(SETTINGS)


def _json(body: dict, status: int) -> flask.Response:
    response = flask.Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _problem(status: int, code: str, message: str, **extra) -> flask.Response:
    return _json({"error": code, "message": message, **extra}, status)


@functions_framework.http
def submit(request: flask.Request) -> flask.Response:
    if request.method != "POST":
        return _problem(405, "method_not_allowed", "Gunakan metode POST.")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _problem(413, "too_large", "Data formulir terlalu besar.")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _problem(400, "invalid_json", "Data formulir tidak dapat dibaca.")
    try:
        result = services.submit_request(payload, dependencies())
    except FormInvalid as invalid:
        language = payload.get("language") if payload.get("language") in ("id", "en") else "id"
        return _problem(
            400,
            "invalid_form",
            "Periksa kembali isian formulir." if language == "id" else "Please check the form.",
            errors={
                field: {"code": error.code, "message": error.text(language)}
                for field, error in invalid.errors.items()
            },
        )
    except services.IdempotencyKeyReused:
        return _problem(
            409,
            "idempotency_key_reused",
            "Formulir ini sudah dikirim dengan data lain. Muat ulang halaman lalu kirim lagi.",
        )

    request_ = result.request
    body = {
        "request_id": request_.request_id,
        "tracking_code": request_.tracking_code,
        "status": request_.status.value,
        "upload": None,
    }
    if result.upload is not None:
        body["upload"] = {
            "url": result.upload.url,
            "method": result.upload.method,
            "headers": result.upload.headers,
            "expires_at": result.upload.expires_at.isoformat(),
        }
    return _json(body, 201 if result.created else 200)


@functions_framework.cloud_event
def ktp_uploaded(event: CloudEvent) -> None:
    data = event.data or {}
    if data.get("bucket") != SETTINGS.ktp_bucket:
        logs.log(logger, logging.WARNING, "event for another bucket ignored")
        return
    obj = services.UploadedObject(
        bucket=data["bucket"],
        name=data.get("name", ""),
        generation=str(data.get("generation", "")),
        size=int(data.get("size") or 0),
        content_type=data.get("contentType"),
    )
    outcome = services.handle_ktp_uploaded(obj, dependencies())
    logs.log(logger, logging.INFO, "upload event handled", outcome=outcome, event_id=event["id"])


@functions_framework.http
def sdp_lookup(request: flask.Request) -> flask.Response:
    from shared.adapters.task_auth import TaskCallerRefused

    try:
        verify_task_caller()(request.headers)
    except TaskCallerRefused:
        return _problem(403, "forbidden", "Forbidden.")
    payload = request.get_json(silent=True) or {}
    request_id = payload.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        # A malformed task will never succeed; acknowledge it so it is not retried forever.
        logs.log(logger, logging.ERROR, "malformed lookup task dropped")
        return _json({"outcome": "malformed"}, 200)
    retries = request.headers.get("X-CloudTasks-TaskRetryCount", "0")
    try:
        outcome = services.run_sdp_lookup(
            request_id, dependencies(), previous_attempts=int(retries) if retries.isdigit() else 0
        )
    except SdpUnavailable:
        return _problem(503, "sdp_unavailable", "SDP unavailable; retry later.")
    return _json({"outcome": outcome}, 200)


# --- public status page ------------------------------------------------------------------------


@functools.cache
def rate_limiter():
    from shared.bootstrap import rate_limiter as make

    return make(SETTINGS)


def client_address(request: flask.Request) -> str:
    """The caller's IP. Behind Google's load balancer X-Forwarded-For ends with
    `<client-ip>,<load-balancer-ip>`; anything before those is what the client sent itself, so
    it is never trusted. Without the header (the local stack) the socket's peer is the client."""
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    if len(hops) >= 2:
        return hops[-2]
    if hops:
        return hops[0]
    return request.remote_addr or "unknown"


def _public_payload(request: flask.Request) -> tuple[dict | None, str, flask.Response | None]:
    if request.method != "POST":
        return None, "id", _problem(405, "method_not_allowed", "Gunakan metode POST.")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return None, "id", _problem(413, "too_large", "Data terlalu besar.")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return None, "id", _problem(400, "invalid_json", "Data tidak dapat dibaca.")
    language = payload.get("language") if payload.get("language") in ("id", "en") else "id"
    return payload, language, None


def _public_refusal(error: Exception, language: str) -> flask.Response:
    from shared.domain.form import message as form_message
    from shared.service_layer import public

    if isinstance(error, public.RateLimited):
        response = _problem(429, "rate_limited", public.message("rate_limited", language))
        response.headers["Retry-After"] = str(int(public.WINDOW.total_seconds()))
        return response
    if isinstance(error, public.InvalidQuery):
        errors = {}
        for field, code in error.errors.items():
            text = form_message(code, language) if code.startswith("ktp_") else None
            errors[field] = {"code": code, "message": text or public.message(code, language)}
        check = "Periksa kembali isian Anda." if language == "id" else "Please check your input."
        return _problem(400, "invalid_query", check, errors=errors)
    if isinstance(error, public.NotUploadable):
        text = public.message(error.code, language, **error.params)
        return _problem(409, error.code, text)
    if isinstance(error, public.TooManyAttempts):
        return _problem(409, "too_many_attempts", public.message("too_many_attempts", language))
    # NoMatch: the one answer for an unknown code and for a wrong contact.
    return _problem(404, "no_match", public.message("no_match", language))


@functions_framework.http
def status(request: flask.Request) -> flask.Response:
    from shared.service_layer import public

    payload, language, refusal = _public_payload(request)
    if refusal is not None:
        return refusal
    try:
        view = public.view_status(
            payload.get("tracking_code"),
            payload.get("contact"),
            client_address(request),
            dependencies(),
            rate_limiter(),
            language,
        )
    except (public.RateLimited, public.InvalidQuery, public.NoMatch) as error:
        return _public_refusal(error, language)
    return _json(
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
        },
        200,
    )


@functions_framework.http
def reupload(request: flask.Request) -> flask.Response:
    from shared.service_layer import public

    payload, language, refusal = _public_payload(request)
    if refusal is not None:
        return refusal
    try:
        result = public.new_upload(
            payload.get("tracking_code"),
            payload.get("contact"),
            payload.get("ktp_content_type"),
            payload.get("ktp_size"),
            client_address(request),
            dependencies(),
            rate_limiter(),
        )
    except (
        public.RateLimited,
        public.InvalidQuery,
        public.NoMatch,
        public.NotUploadable,
        public.TooManyAttempts,
    ) as error:
        return _public_refusal(error, language)
    upload = result.upload
    return _json(
        {
            "tracking_code": result.tracking_code,
            "status": result.status,
            "upload": {
                "url": upload.url,
                "method": upload.method,
                "headers": upload.headers,
                "expires_at": upload.expires_at.isoformat(),
            },
        },
        200,
    )


@functools.cache
def verify_scheduler_caller():
    from shared.bootstrap import scheduler_verifier

    return scheduler_verifier(SETTINGS)


@functions_framework.http
def sweep(request: flask.Request) -> flask.Response:
    """Cloud Scheduler, every 10 minutes: expire, requeue, or flag what is stuck."""
    from dataclasses import asdict

    from shared.adapters.task_auth import TaskCallerRefused

    try:
        verify_scheduler_caller()(request.headers)
    except TaskCallerRefused:
        return _problem(403, "forbidden", "Forbidden.")
    return _json(asdict(services.sweep(dependencies())), 200)


# --- operator review page ----------------------------------------------------------------------


@functools.cache
def operator_dependencies():
    from shared.bootstrap import operator_bootstrap

    return operator_bootstrap(SETTINGS, dependencies())


@functions_framework.http
def operator(request: flask.Request) -> flask.Response:
    """The operator page (HTML, sessions, CSRF); everything under /api/operator."""
    from shared.operator_web import app

    deps, config = operator_dependencies()
    return app.handle(request, deps, config)


# --- dispatch (WhatsApp and email) and delivery webhooks --------------------------------------


@functools.cache
def dispatch_dependencies():
    from shared.bootstrap import dispatch_bootstrap

    return dispatch_bootstrap(SETTINGS, dependencies())


@functools.cache
def verify_dispatch_caller():
    from shared.bootstrap import dispatch_task_verifier

    return dispatch_task_verifier(SETTINGS)


@functions_framework.http
def dispatch(request: flask.Request) -> flask.Response:
    """Cloud Tasks target (dispatch queue): one message on one channel, at most once."""
    from shared.adapters.task_auth import TaskCallerRefused
    from shared.service_layer import dispatch as messages

    try:
        verify_dispatch_caller()(request.headers)
    except TaskCallerRefused:
        return _problem(403, "forbidden", "Forbidden.")
    try:
        task = messages.DispatchTask.from_payload(request.get_json(silent=True) or {})
    except messages.MalformedTask:
        logs.log(logger, logging.ERROR, "malformed dispatch task dropped")
        return _json({"outcome": "malformed"}, 200)
    retries = request.headers.get("X-CloudTasks-TaskRetryCount", "0")
    try:
        outcome = messages.run_dispatch(
            task, dispatch_dependencies(), int(retries) if retries.isdigit() else 0
        )
    except messages.RetryLater as later:
        # Non-2xx: Cloud Tasks retries with the queue's back-off.
        status = 429 if later.retry_after else 503
        response = _problem(status, "retry_later", later.code)
        if later.retry_after:
            response.headers["Retry-After"] = str(later.retry_after)
        return response
    return _json({"outcome": outcome}, 200)


@functools.cache
def webhook_dependencies():
    from shared.bootstrap import webhook_bootstrap

    return webhook_bootstrap(SETTINGS, dependencies())


@functools.cache
def sendgrid_key():
    from shared.adapters.webhook_signatures import sendgrid_public_key

    return sendgrid_public_key(SETTINGS.messaging("SENDGRID_WEBHOOK_PUBLIC_KEY"))


SENDGRID_EVENTS = {
    "processed": "accepted",
    "delivered": "delivered",
    "open": "read",
    "click": "read",
    "bounce": "failed",
    "dropped": "failed",
}
MAX_WEBHOOK_BYTES = 1024 * 1024


@functions_framework.http
def sendgrid_events(request: flask.Request) -> flask.Response:
    """SendGrid's signed Event Webhook: delivery statuses of emails."""
    from shared.adapters.webhook_signatures import SignatureRefused, verify_sendgrid
    from shared.domain.messages import MessageState
    from shared.service_layer.dispatch import apply_provider_status

    if request.method != "POST":
        return _problem(405, "method_not_allowed", "POST only.")
    if (request.content_length or 0) > MAX_WEBHOOK_BYTES:
        return _problem(413, "too_large", "Too large.")
    body = request.get_data(cache=False)
    try:
        verify_sendgrid(sendgrid_key(), request.headers, body)
    except SignatureRefused:
        logs.log(logger, logging.WARNING, "sendgrid webhook refused: signature")
        return _problem(403, "forbidden", "Forbidden.")
    try:
        events = json.loads(body)
    except ValueError:
        return _problem(400, "invalid_json", "Invalid JSON.")
    applied = 0
    for event in events if isinstance(events, list) else []:
        state = SENDGRID_EVENTS.get(event.get("event")) if isinstance(event, dict) else None
        mid = event.get("remisi_message") if state else None
        if isinstance(mid, str) and mid:
            detail = event.get("event") if state != "failed" else str(event.get("type") or "")
            outcome = apply_provider_status(
                webhook_dependencies(), MessageState(state), detail or None, mid=mid
            )
            applied += outcome == "applied"
    return _json({"applied": applied}, 200)


WHATSAPP_STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


@functions_framework.http
def whatsapp_webhook(request: flask.Request) -> flask.Response:
    """WhatsApp Cloud API webhook: GET is the subscription handshake, POST carries statuses."""
    import hmac

    from shared.adapters.webhook_signatures import SignatureRefused, verify_whatsapp
    from shared.domain.messages import MessageState
    from shared.service_layer.dispatch import apply_provider_status

    if request.method == "GET":
        token = SETTINGS.messaging("WHATSAPP_VERIFY_TOKEN")
        given = request.args.get("hub.verify_token", "")
        if (
            request.args.get("hub.mode") == "subscribe"
            and token
            and hmac.compare_digest(given.encode(), token.encode())
        ):
            challenge = request.args.get("hub.challenge", "")
            if challenge.isdigit():
                return flask.Response(challenge, 200, mimetype="text/plain")
        return _problem(403, "forbidden", "Forbidden.")
    if request.method != "POST":
        return _problem(405, "method_not_allowed", "GET or POST only.")
    if (request.content_length or 0) > MAX_WEBHOOK_BYTES:
        return _problem(413, "too_large", "Too large.")
    body = request.get_data(cache=False)
    try:
        verify_whatsapp(SETTINGS.messaging("WHATSAPP_APP_SECRET"), request.headers, body)
    except SignatureRefused:
        logs.log(logger, logging.WARNING, "whatsapp webhook refused: signature")
        return _problem(403, "forbidden", "Forbidden.")
    try:
        payload = json.loads(body)
    except ValueError:
        return _problem(400, "invalid_json", "Invalid JSON.")
    applied = 0
    for entry in payload.get("entry", []) if isinstance(payload, dict) else []:
        for change in entry.get("changes", []) if isinstance(entry, dict) else []:
            value = change.get("value", {}) if isinstance(change, dict) else {}
            for status in value.get("statuses", []) if isinstance(value, dict) else []:
                state = WHATSAPP_STATUSES.get(status.get("status"))
                if not state:
                    continue
                errors = status.get("errors") or [{}]
                detail = f"wa_{errors[0].get('code')}" if state == "failed" else state
                outcome = apply_provider_status(
                    webhook_dependencies(),
                    MessageState(state),
                    detail,
                    mid=status.get("biz_opaque_callback_data") or None,
                    provider_message_id=status.get("id"),
                )
                applied += outcome == "applied"
    return _json({"applied": applied}, 200)
