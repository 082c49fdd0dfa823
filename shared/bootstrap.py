"""The one place that turns settings into wired adapters.

Called once per function instance (cold start); the entry points keep the result.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shared.config import ConfigurationError, SettingNotGiven, Settings
from shared.service_layer.ports import Dependencies, SdpDirectory


class LazySdpDirectory:
    """Builds the directory on first use: only the lookup function pays for loading an index,
    not every function that shares this bootstrap."""

    def __init__(self, build: Callable[[], SdpDirectory]):
        self._build = build
        self._directory: SdpDirectory | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> SdpDirectory:
        if self._directory is None:
            with self._lock:
                if self._directory is None:
                    self._directory = self._build()
        return self._directory

    def search(self, query, limit: int = 5):
        return self.warm_up().search(query, limit)


def firestore_client(settings: Settings):
    """One client per instance, shared by every adapter (one channel, one set of credentials)."""
    if settings.is_local and settings.firestore_emulator_host:
        # The library finds the emulator only through the process environment; a command run
        # with --local has it in its settings alone.
        os.environ.setdefault("FIRESTORE_EMULATOR_HOST", settings.firestore_emulator_host)
    return _firestore_client(settings.project)


@functools.cache
def _firestore_client(project: str):
    from google.cloud import firestore

    return firestore.Client(project=project)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Container(Dependencies):
    """The container of one function: reading a part made from a setting the function is not
    given (its row of shared.config.FUNCTION_SETTINGS) raises, where a code path reads it, so a
    row that lacks what its function's code reads fails in the tests instead of in the cloud."""

    def __getattribute__(self, name: str):
        refusal = object.__getattribute__(self, "__dict__").get("_refused", {}).get(name)
        if refusal is not None:
            raise SettingNotGiven(*refusal)
        return object.__getattribute__(self, name)

    def __repr__(self) -> str:
        return f"Container(refused={sorted(self._refused)})"


def bootstrap(
    settings: Settings, *, function: str | None = None, sdp: SdpDirectory | None = None
) -> Dependencies:
    """The one container of this instance. `function` is the function it serves (Cloud
    Functions' FUNCTION_TARGET): the parts only that function needs are required for it and
    built for it alone. Without one (the local gateway serving every function, a command),
    every part whose settings are present is built. A part made from a setting `settings` does
    not give is left out, and the container refuses it (see Container)."""
    from shared.adapters.firestore_claims import FirestoreClaims
    from shared.adapters.firestore_complaints import FirestoreComplaints
    from shared.adapters.firestore_conversations import FirestoreConversations
    from shared.adapters.firestore_messages import FirestoreMessages
    from shared.adapters.firestore_privacy import FirestorePrivacy
    from shared.adapters.firestore_repository import FirestoreRequestRepository
    from shared.adapters.firestore_store import FirestoreStore
    from shared.adapters.firestore_survey import FirestoreSurvey
    from shared.adapters.firestore_transactions import READ_TIMEOUT, TRANSACTION_DEADLINE
    from shared.adapters.indonesian_holidays import office_calendar

    client = firestore_client(settings)
    clock = SystemClock()
    makers = {
        "files": lambda: _file_store(settings),
        "tasks": lambda: _task_queue(settings),
        "ktp_limits": lambda: _ktp_limits(settings),
        "malware_scanner": lambda: _malware_scanner(settings),
        "sdp": lambda: sdp if sdp is not None else _lazy_sdp_directory(settings),
        "sdp_lookup_queue": lambda: settings.sdp_lookup_queue,
        "upload_url_valid_for": lambda: settings.upload_url_valid_for,
        "dispatch_queue": lambda: settings.dispatch_queue,
        "relay_after": lambda: settings.outbox_relay_after,
        "office_name": lambda: settings.office_name,
        "site_url": lambda: settings.messaging("PUBLIC_SITE_URL"),
        "max_attempts": lambda: settings.dispatch_max_attempts,
        # Longer than a provider call can take (connect and read timeouts, with margin).
        "send_lease": lambda: timedelta(seconds=2 * settings.provider_timeout + 10),
        "operator_alert_email": lambda: settings.messaging("OPERATOR_ALERT_EMAIL") or None,
        # Holidays and cuti bersama always; closures where the row gives them (see config).
        "office_hours": lambda: office_calendar(
            settings.office_hours,
            settings.office_closures if settings.gives("OFFICE_CLOSURES") else "",
        ),
        "answer_promise": lambda: settings.answer_promise,
        "session_key": lambda: settings.operator_session_key.encode(),
        "complaint_answer_days": lambda: settings.complaint_answer_days,
        "survey_key": lambda: settings.survey_token_key.encode(),
        "survey_valid_for": lambda: settings.survey_valid_for,
        "survey_invite_delay": lambda: settings.survey_invite_delay,
    }
    parts, refused = {}, {}
    for name, make in makers.items():
        try:
            parts[name] = make()
        except SettingNotGiven as error:
            refused[name] = (error.function, error.setting)
    try:
        parts.update(_notifiers(settings, function, clock))
    except SettingNotGiven as error:
        notifiers = ("email", "whatsapp", "email_templates")
        refused.update(dict.fromkeys(notifiers, (error.function, error.setting)))

    container = Container(
        requests=FirestoreRequestRepository(client),
        clock=clock,
        store=FirestoreStore(client, TRANSACTION_DEADLINE, READ_TIMEOUT),
        claims=FirestoreClaims(client),
        messages=FirestoreMessages(client),
        conversations=FirestoreConversations(client),
        complaints=FirestoreComplaints(client),
        privacy=FirestorePrivacy(client),
        survey=FirestoreSurvey(client),
        **_operator_parts(settings, function),
        **parts,
        **dict.fromkeys(refused),
    )
    container._refused = refused
    return container


def _ktp_limits(settings: Settings):
    from shared.ktp_inspection import KtpLimits

    return KtpLimits.of(settings.ktp_limits)


def _file_store(settings: Settings):
    from google.cloud import storage

    from shared.adapters.gcs_file_store import GcsFileStore

    if settings.is_local:
        from google.auth.credentials import AnonymousCredentials
        from google.oauth2 import service_account

        storage_client = storage.Client(
            project=settings.project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": settings.storage_emulator_host},
        )
        return GcsFileStore(
            storage_client,
            settings.ktp_bucket,
            signing_credentials=service_account.Credentials.from_service_account_file(
                settings.local_signing_key_file
            ),
            api_access_endpoint=settings.storage_public_url,
        )
    import google.auth

    credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    return GcsFileStore(
        storage.Client(project=settings.project),
        settings.ktp_bucket,
        signing_service_account=settings.signing_service_account,
        token_credentials=credentials,
    )


def _malware_scanner(settings: Settings):
    """The scanner service over HTTP; in the cloud each call carries this function's ID token
    for the service's URL (Cloud Run admits only its invoker)."""
    from shared.adapters.malware_scanner import HttpMalwareScanner, IdTokenAuthorization

    url = settings.malware_scanner_url
    authorization = None if settings.is_local else IdTokenAuthorization(url)
    return HttpMalwareScanner(url, settings.malware_scan_timeout, authorization)


def _task_queue(settings: Settings):
    from shared.adapters.cloud_tasks_queue import CloudTasksQueue, emulator_client

    region = settings.region
    # Only the targets this function owes tasks to (the outbox names the target).
    targets = {
        target: url()
        for target, name, url in (
            ("sdp_lookup", "SDP_LOOKUP_URL", lambda: settings.sdp_lookup_url),
            ("dispatch", "DISPATCH_URL", lambda: settings.dispatch_url),
        )
        if settings.gives(name)
    }
    if settings.is_local:
        return CloudTasksQueue(
            emulator_client(settings.tasks_emulator_host), settings.project, region, targets
        )
    from google.cloud import tasks_v2

    return CloudTasksQueue(
        tasks_v2.CloudTasksClient(),
        settings.project,
        region,
        targets,
        oidc_service_account=settings.tasks_service_account,
    )


def _lazy_sdp_directory(settings: Settings) -> LazySdpDirectory:
    values = dict(settings.sdp)
    return LazySdpDirectory(lambda: _sdp_directory(values))


def _sdp_directory(values: dict[str, str]) -> SdpDirectory:
    from shared.sdp_directory.factory import directory_from_env

    return directory_from_env(values)


@functools.cache
def caller_verifier(settings: Settings, target: str):
    """Who may call a task or scheduler target: in the cloud only the OIDC token of its
    service account for its URL; locally the emulator's queue header or Scheduler's mark."""
    from shared.adapters.task_auth import (
        local_scheduler_verifier,
        local_task_verifier,
        oidc_task_verifier,
    )

    if target in ("sweep", "retention"):
        if settings.is_local:
            return local_scheduler_verifier()
        url = settings.sweep_url if target == "sweep" else settings.retention_url
        return oidc_task_verifier(url, settings.scheduler_service_account)
    # Only the target's own settings are read: each task target is given its queue alone.
    queue, url = {
        "sdp_lookup": lambda: (settings.sdp_lookup_queue, settings.sdp_lookup_url),
        "dispatch": lambda: (settings.dispatch_queue, settings.dispatch_url),
    }[target]()
    if settings.is_local:
        return local_task_verifier(queue)
    return oidc_task_verifier(url, settings.tasks_service_account)


def rate_limiter(settings: Settings):
    """Counters for the public status and re-upload endpoints (Firestore, emulator locally)."""

    from shared.adapters.firestore_rate_limiter import FirestoreRateLimiter

    return FirestoreRateLimiter(firestore_client(settings))


def captcha_verifier(settings: Settings):
    """The form's Cloudflare Turnstile check (submit), or None where no secret is set."""
    secret = settings.messaging("TURNSTILE_SECRET_KEY")
    if not secret:
        return None
    from shared.adapters.turnstile import TurnstileVerifier

    hostnames = settings.messaging("TURNSTILE_HOSTNAMES").split(",")
    return TurnstileVerifier(
        secret,
        settings.messaging("TURNSTILE_VERIFY_URL"),
        hostnames=[h.strip() for h in hostnames if h.strip()],
    )


def operator_web_config(settings: Settings):
    """The operator page's own web settings (cookie, the origin KTP images come from)."""
    from urllib.parse import urlsplit

    from shared.operator_web.web import WebConfig

    if settings.is_local:
        parts = urlsplit(settings.storage_public_url or "")
        storage_origin = f"{parts.scheme}://{parts.netloc}"
    else:
        storage_origin = "https://storage.googleapis.com"
    return WebConfig(cookie_secure=settings.operator_cookie_secure, storage_origin=storage_origin)


def _operator_parts(settings: Settings, function: str | None) -> dict:
    from shared.adapters.firestore_operators import (
        Argon2Hasher,
        FirestoreAudit,
        FirestoreOperators,
        FirestoreRequestArchive,
        FirestoreSessions,
    )
    from shared.adapters.firestore_templates import FirestoreTemplates

    if function == "operator":
        missing = [
            name
            for name, value in (
                ("OPERATOR_SESSION_KEY", settings.operator_session_key),
                ("OFFICE_NAME", settings.office_name),
            )
            if not value
        ]
        if missing:
            raise ConfigurationError(f"the operator page needs {', '.join(missing)}")
        if not settings.is_local and len(settings.operator_session_key) < 32:
            raise ConfigurationError("OPERATOR_SESSION_KEY must be at least 32 characters")
    client = firestore_client(settings)
    return dict(
        operators=FirestoreOperators(client),
        sessions=FirestoreSessions(client),
        audit=FirestoreAudit(client),
        hasher=Argon2Hasher(),
        archive=FirestoreRequestArchive(client),
        template_store=FirestoreTemplates(client),
    )


def _notifiers(settings: Settings, function: str | None, clock) -> dict:
    """SendGrid and WhatsApp: only where their secrets are (the dispatch function). WhatsApp
    without a phone number id is "not set up": its messages wait for an operator as
    click-to-chat links."""
    get = settings.messaging
    if function != "dispatch" and not get("SENDGRID_API_KEY"):
        return {}
    missing = [name for name in ("SENDGRID_API_KEY", "EMAIL_FROM") if not get(name)]
    if not settings.office_name:
        missing.append("OFFICE_NAME")  # the sender's name and the messages' signature
    if not settings.is_local and not get("PUBLIC_SITE_URL"):
        missing.append("PUBLIC_SITE_URL")
    if get("WHATSAPP_PHONE_NUMBER_ID") and not get("WHATSAPP_TOKEN"):
        missing.append("WHATSAPP_TOKEN")
    if missing:
        raise ConfigurationError(f"dispatch needs {', '.join(missing)}")

    from shared.adapters.firestore_templates import FirestoreTemplates
    from shared.adapters.sendgrid_email import SendGridEmail
    from shared.service_layer.message_template_admin import CachedTemplates

    parts = dict(
        email=SendGridEmail(
            get("SENDGRID_API_KEY"),
            get("EMAIL_FROM"),
            settings.office_name,
            get("SENDGRID_API_HOST"),
            timeout=settings.provider_timeout,
        ),
        email_templates=CachedTemplates(
            FirestoreTemplates(firestore_client(settings)), clock, settings.template_cache_for
        ),
    )
    if get("WHATSAPP_PHONE_NUMBER_ID"):
        from shared.adapters.whatsapp_cloud import WhatsAppCloud

        parts["whatsapp"] = WhatsAppCloud(
            get("WHATSAPP_API_BASE"),
            get("WHATSAPP_API_VERSION"),
            get("WHATSAPP_PHONE_NUMBER_ID"),
            get("WHATSAPP_TOKEN"),
            timeout=settings.provider_timeout,
        )
    return parts
