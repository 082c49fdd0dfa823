"""Cloud Functions entry points: each unpacks its input and calls one use case. What they all
do the same way (method, body, caller, deadline, errors as JSON) is `shared.entrypoints`;
the rules live in the service layer."""

from __future__ import annotations

import functools
import logging
import os

import flask
import functions_framework
from cloudevents.http import CloudEvent

from shared import bootstrap, logs
from shared.config import Settings
from shared.entrypoints import responses
from shared.entrypoints.http import endpoint, json_response, parse_json, retry_count

logs.configure()
logger = logs.get_logger("functions")

# Read at import, so a deployment with a missing setting fails at start, not on first use.
SETTINGS = Settings.from_env()


@functools.cache
def dependencies():
    return bootstrap.bootstrap(SETTINGS, function=os.environ.get("FUNCTION_TARGET"))


# Clients are made at instance start, and a failure to make them fails the start, where it is
# seen; the lookup function also loads the SDP index then. No threads here: the server forks
# its workers after this import, and a thread would not survive the fork.
dependencies()
if os.environ.get("FUNCTION_TARGET") == "sdp_lookup":
    dependencies().sdp.warm_up()


@functools.cache
def operator_web_config():
    return bootstrap.operator_web_config(SETTINGS)


@functools.cache
def rate_limiter():
    return bootstrap.rate_limiter(SETTINGS)


def lookup_caller():
    return bootstrap.caller_verifier(SETTINGS, "sdp_lookup")


def dispatch_caller():
    return bootstrap.caller_verifier(SETTINGS, "dispatch")


def scheduler_caller():
    return bootstrap.caller_verifier(SETTINGS, "sweep")


@functions_framework.http
@endpoint()
def submit(http_request: flask.Request, body: bytes) -> flask.Response:
    return responses.submitted(
        parse_json(body), dependencies(), responses.client_address(http_request), captcha()
    )


@functools.cache
def captcha():
    """The optional Turnstile check (None: not configured)."""
    return bootstrap.captcha_verifier(SETTINGS)


@functions_framework.cloud_event
def ktp_uploaded(event: CloudEvent) -> None:
    outcome = responses.upload_event(event, SETTINGS.ktp_bucket, dependencies())
    logs.log(logger, logging.INFO, "upload event handled", outcome=outcome, event_id=event["id"])


@functions_framework.http
@endpoint(verifier=lookup_caller)
def sdp_lookup(http_request: flask.Request, body: bytes) -> flask.Response:
    return responses.looked_up(parse_json(body), retry_count(http_request), dependencies())


@functions_framework.http
@endpoint()
def status(http_request: flask.Request, body: bytes) -> flask.Response:
    return responses.status_view(
        parse_json(body), responses.client_address(http_request), dependencies(), rate_limiter()
    )


@functions_framework.http
@endpoint()
def reupload(http_request: flask.Request, body: bytes) -> flask.Response:
    return responses.new_upload(
        parse_json(body), responses.client_address(http_request), dependencies(), rate_limiter()
    )


@functions_framework.http
@endpoint()
def complaint(http_request: flask.Request, body: bytes) -> flask.Response:
    """The complaint form (pengaduan): stored with its number, its receipt owed."""
    from shared.entrypoints import complaints

    return complaints.filed(
        parse_json(body), responses.client_address(http_request), dependencies(), rate_limiter()
    )


@functions_framework.http
@endpoint(methods=("GET", "POST"))
def survey(http_request: flask.Request, body: bytes) -> flask.Response:
    """The satisfaction survey (SKM): a link's check and answers, and the published results."""
    from shared.entrypoints import survey as survey_edge

    return survey_edge.handle(http_request, body, dependencies())


@functions_framework.http
@endpoint(verifier=scheduler_caller, deadline=None)
def sweep(http_request: flask.Request, body: bytes) -> flask.Response:
    """Cloud Scheduler, every minute: the outbox relay, reconciliation, expiry, stuck requests."""
    from dataclasses import asdict

    from shared.service_layer import services

    return json_response(asdict(services.sweep(dependencies())))


@functions_framework.http
@endpoint()
def privacy_request(http_request: flask.Request, body: bytes) -> flask.Response:
    """The status page's request about one's personal data: into the admins' queue."""
    from shared.entrypoints import privacy

    return privacy.asked(
        parse_json(body), responses.client_address(http_request), dependencies(), rate_limiter()
    )


@functions_framework.http
@endpoint(verifier=lambda: bootstrap.caller_verifier(SETTINGS, "retention"), deadline=None)
def retention(http_request: flask.Request, body: bytes) -> flask.Response:
    """Cloud Scheduler, daily: fold closed requests into the report aggregates, delete KTP
    images, redact personal fields by the retention settings (shared.service_layer.privacy)."""
    from dataclasses import asdict

    from shared.service_layer import privacy

    run = privacy.run_retention(dependencies(), SETTINGS.retention_policy())
    return json_response({k: v for k, v in asdict(run).items() if k != "started_at"})


@functions_framework.http
@endpoint(methods=("GET", "POST"), deadline=None, max_body=None)
def operator(http_request: flask.Request, body: bytes) -> flask.Response:
    """The operator page (HTML, sessions, CSRF); everything under /api/operator."""
    from shared.operator_web import app

    return app.handle(http_request, dependencies(), operator_web_config())


@functions_framework.http
@endpoint(verifier=dispatch_caller)
def dispatch(http_request: flask.Request, body: bytes) -> flask.Response:
    """Cloud Tasks target (dispatch queue): one message on one channel, at most once."""
    name = http_request.headers.get("X-CloudTasks-TaskName", "")
    return responses.dispatched(parse_json(body), retry_count(http_request), dependencies(), name)


@functions_framework.http
@endpoint(max_body=responses.MAX_WEBHOOK_BYTES)
def sendgrid_events(http_request: flask.Request, body: bytes) -> flask.Response:
    """SendGrid's signed Event Webhook: delivery statuses of emails."""
    return responses.sendgrid_statuses(http_request, body, SETTINGS, dependencies())


@functions_framework.http
@endpoint(methods=("GET", "POST"), max_body=responses.MAX_WEBHOOK_BYTES)
def whatsapp_webhook(http_request: flask.Request, body: bytes) -> flask.Response:
    """WhatsApp Cloud API webhook: GET is the subscription handshake, POST carries statuses."""
    if http_request.method == "GET":
        return responses.whatsapp_handshake(http_request, SETTINGS)
    return responses.whatsapp_statuses(http_request, body, SETTINGS, dependencies())
