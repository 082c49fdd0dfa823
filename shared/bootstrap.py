"""The one place that turns settings into wired adapters.

Called once per function instance (cold start); the entry points keep the result.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from shared.config import Settings
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


@functools.cache
def firestore_client(project: str):
    """One client per instance, shared by every adapter (one channel, one set of credentials)."""
    from google.cloud import firestore

    return firestore.Client(project=project)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def bootstrap(settings: Settings, *, sdp: SdpDirectory | None = None) -> Dependencies:
    from google.cloud import storage

    from shared.adapters.cloud_tasks_queue import CloudTasksQueue, emulator_client
    from shared.adapters.firestore_repository import FirestoreRequestRepository
    from shared.adapters.firestore_store import FirestoreStore
    from shared.adapters.firestore_transactions import READ_TIMEOUT, TRANSACTION_DEADLINE
    from shared.adapters.gcs_file_store import GcsFileStore

    client = firestore_client(settings.project)
    task_targets = {"sdp_lookup": settings.sdp_lookup_url, "dispatch": settings.dispatch_url}

    if settings.is_local:
        from google.auth.credentials import AnonymousCredentials
        from google.oauth2 import service_account

        storage_client = storage.Client(
            project=settings.project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": settings.storage_emulator_host},
        )
        files = GcsFileStore(
            storage_client,
            settings.ktp_bucket,
            signing_credentials=service_account.Credentials.from_service_account_file(
                settings.local_signing_key_file
            ),
            api_access_endpoint=settings.storage_public_url,
        )
        tasks = CloudTasksQueue(
            emulator_client(settings.tasks_emulator_host),
            settings.project,
            settings.region,
            task_targets,
        )
    else:
        import google.auth
        from google.cloud import tasks_v2

        credentials, _ = google.auth.default(
            scopes=["https://www.googleapis.com/auth/cloud-platform"]
        )
        files = GcsFileStore(
            storage.Client(project=settings.project),
            settings.ktp_bucket,
            signing_service_account=settings.signing_service_account,
            token_credentials=credentials,
        )
        tasks = CloudTasksQueue(
            tasks_v2.CloudTasksClient(),
            settings.project,
            settings.region,
            task_targets,
            oidc_service_account=settings.tasks_service_account,
        )

    if sdp is None:
        sdp = LazySdpDirectory(lambda: _sdp_directory(settings))

    return Dependencies(
        requests=FirestoreRequestRepository(client),
        files=files,
        tasks=tasks,
        sdp=sdp,
        clock=SystemClock(),
        sdp_lookup_queue=settings.sdp_lookup_queue,
        upload_url_valid_for=settings.upload_url_valid_for,
        dispatch_queue=settings.dispatch_queue,
        store=FirestoreStore(client, TRANSACTION_DEADLINE, READ_TIMEOUT),
        relay_after=settings.outbox_relay_after,
    )


def _sdp_directory(settings: Settings) -> SdpDirectory:
    from shared.sdp_directory.factory import directory_from_env

    return directory_from_env(dict(settings.sdp))


@functools.cache
def caller_verifier(settings: Settings, target: str):
    """Who may call a task or scheduler target: in the cloud only the OIDC token of its
    service account for its URL; locally the emulator's queue header or Scheduler's mark."""
    from shared.adapters.task_auth import (
        local_scheduler_verifier,
        local_task_verifier,
        oidc_task_verifier,
    )

    if target == "sweep":
        if settings.is_local:
            return local_scheduler_verifier()
        return oidc_task_verifier(settings.sweep_url, settings.scheduler_service_account)
    queue, url = {
        "sdp_lookup": (settings.sdp_lookup_queue, settings.sdp_lookup_url),
        "dispatch": (settings.dispatch_queue, settings.dispatch_url),
    }[target]
    if settings.is_local:
        return local_task_verifier(queue)
    return oidc_task_verifier(url, settings.tasks_service_account)


def rate_limiter(settings: Settings):
    """Counters for the public status and re-upload endpoints (Firestore, emulator locally)."""

    from shared.adapters.firestore_rate_limiter import FirestoreRateLimiter

    return FirestoreRateLimiter(firestore_client(settings.project))


def operator_bootstrap(settings: Settings, core: Dependencies | None = None):
    """The operator page's dependencies and web settings (accounts, sessions, audit)."""
    from urllib.parse import urlsplit

    from shared.adapters.firestore_operators import (
        Argon2Hasher,
        FirestoreAudit,
        FirestoreOperators,
        FirestoreRequestArchive,
        FirestoreSessions,
    )
    from shared.config import ConfigurationError
    from shared.domain.sla import OfficeHours
    from shared.operator_web.app import WebConfig
    from shared.service_layer.operator_ports import OperatorDependencies

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
    client = firestore_client(settings.project)
    deps = OperatorDependencies(
        core=core or bootstrap(settings),
        operators=FirestoreOperators(client),
        sessions=FirestoreSessions(client),
        audit=FirestoreAudit(client),
        hasher=Argon2Hasher(),
        session_key=settings.operator_session_key.encode(),
        office_hours=OfficeHours.parse(settings.office_hours),
        office_name=settings.office_name,
        archive=FirestoreRequestArchive(client),
        messages=_message_store(client),
        templates=_template_store(client),
        operator_alert_email=settings.messaging("OPERATOR_ALERT_EMAIL") or None,
    )
    if settings.is_local:
        parts = urlsplit(settings.storage_public_url or "")
        storage_origin = f"{parts.scheme}://{parts.netloc}"
    else:
        storage_origin = "https://storage.googleapis.com"
    return deps, WebConfig(
        cookie_secure=settings.operator_cookie_secure, storage_origin=storage_origin
    )


def dispatch_bootstrap(settings: Settings, core: Dependencies | None = None):
    """The dispatch step's notifiers and message store. WhatsApp without a phone number id is
    "not set up": its messages wait for an operator as click-to-chat links."""

    from shared.adapters.firestore_messages import FirestoreMessages
    from shared.config import ConfigurationError
    from shared.service_layer.dispatch_ports import DispatchDependencies

    get = settings.messaging
    missing = [name for name in ("SENDGRID_API_KEY", "EMAIL_FROM") if not get(name)]
    if not settings.is_local and not get("PUBLIC_SITE_URL"):
        missing.append("PUBLIC_SITE_URL")
    if get("WHATSAPP_PHONE_NUMBER_ID") and not get("WHATSAPP_TOKEN"):
        missing.append("WHATSAPP_TOKEN")
    if missing:
        raise ConfigurationError(f"dispatch needs {', '.join(missing)}")

    from shared.adapters.sendgrid_email import SendGridEmail

    email = SendGridEmail(
        get("SENDGRID_API_KEY"),
        get("EMAIL_FROM"),
        settings.office_name or "Layanan Informasi Remisi",
        get("SENDGRID_API_HOST"),
        timeout=settings.provider_timeout,
    )
    whatsapp = None
    if get("WHATSAPP_PHONE_NUMBER_ID"):
        from shared.adapters.whatsapp_cloud import WhatsAppCloud

        whatsapp = WhatsAppCloud(
            get("WHATSAPP_API_BASE"),
            get("WHATSAPP_API_VERSION"),
            get("WHATSAPP_PHONE_NUMBER_ID"),
            get("WHATSAPP_TOKEN"),
            timeout=settings.provider_timeout,
        )
    from shared.service_layer.message_template_admin import CachedTemplates

    core = core or bootstrap(settings)
    client = firestore_client(settings.project)
    return DispatchDependencies(
        core=core,
        messages=FirestoreMessages(client),
        templates=CachedTemplates(_template_store(client), core.clock, settings.template_cache_for),
        email=email,
        whatsapp=whatsapp,
        site_url=get("PUBLIC_SITE_URL"),
        office_name=settings.office_name or "Layanan Informasi Remisi",
        max_attempts=settings.dispatch_max_attempts,
        operator_alert_email=get("OPERATOR_ALERT_EMAIL") or None,
    )


def webhook_bootstrap(settings: Settings, core: Dependencies | None = None):
    """What the delivery webhooks need: the message store (no notifiers, no secrets but their
    own verification material, read by the entry points)."""

    from shared.adapters.firestore_messages import FirestoreMessages
    from shared.service_layer.dispatch_ports import DispatchDependencies

    return DispatchDependencies(
        core=core or bootstrap(settings),
        messages=FirestoreMessages(firestore_client(settings.project)),
        email=None,
        whatsapp=None,
        site_url=settings.messaging("PUBLIC_SITE_URL"),
        office_name=settings.office_name,
        max_attempts=settings.dispatch_max_attempts,
        operator_alert_email=settings.messaging("OPERATOR_ALERT_EMAIL") or None,
    )


def _message_store(client):
    from shared.adapters.firestore_messages import FirestoreMessages

    return FirestoreMessages(client)


def _template_store(client):
    from shared.adapters.firestore_templates import FirestoreTemplates

    return FirestoreTemplates(client)
