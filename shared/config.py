"""Settings from environment variables, in one of two explicit modes.

`REMISI_MODE=local` runs against the emulators with a locally generated signing key;
`REMISI_MODE=cloud` runs on Google Cloud. There is no default: a deployment that forgot the
mode, or a cloud deployment missing a setting, fails at start with the names that are missing,
instead of quietly falling back to local behaviour.

Each function reads only its row of `FUNCTION_SETTINGS` (Cloud Functions names it in
FUNCTION_TARGET; the local gateway does the same): a cloud start needs that row's required
settings and no others, and reading any other setting raises `SettingNotGiven`, so a code path
that needs a setting its row lacks fails in the tests, not quietly in the cloud. Without
FUNCTION_TARGET (commands, tests) every setting is read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

LOCAL = "local"
CLOUD = "cloud"


class ConfigurationError(RuntimeError):
    pass


class SettingNotGiven(ConfigurationError):
    """A function read a setting outside its row of FUNCTION_SETTINGS."""

    def __init__(self, function: str | None, setting: str):
        self.function, self.setting = function, setting
        super().__init__(
            f"{function} is not given {setting}: add it to the {function} row of "
            "shared.config.FUNCTION_SETTINGS (infra/ then gives it; tests/infra checks)"
        )


@dataclass(frozen=True)
class Setting:
    env: str
    doc: str
    # Needed for a cloud start of each function whose row lists it (of every function, without
    # FUNCTION_TARGET); others (secrets, providers) are checked where their part is made.
    cloud_required: bool = True
    local_default: str | None = None
    # The one default of an optional setting, in both modes (None: no default).
    default: str | None = None


# Every variable the code reads, in one table: infra/ is checked against it.
SETTINGS: tuple[Setting, ...] = (
    Setting("REMISI_MODE", "local or cloud"),
    Setting("GOOGLE_CLOUD_PROJECT", "project id", local_default="remisi-local"),
    Setting("REMISI_REGION", "region of the queues and functions", local_default="asia-southeast2"),
    Setting("KTP_BUCKET", "private bucket for KTP uploads", local_default="remisi-ktp-local"),
    Setting("SDP_LOOKUP_QUEUE", "Cloud Tasks queue id for SDP lookups", local_default="sdp-lookup"),
    Setting(
        "SDP_LOOKUP_URL",
        "URL the SDP lookup tasks are sent to (the sdp_lookup function)",
        local_default="http://127.0.0.1:8080/api/sdp_lookup",
    ),
    Setting(
        "TASKS_SERVICE_ACCOUNT",
        "service account whose OIDC token Cloud Tasks attaches; sdp_lookup accepts only it",
        local_default="",
    ),
    Setting(
        "SWEEP_URL",
        "URL Cloud Scheduler calls for the periodic sweep (the sweep function; OIDC audience)",
        local_default="http://127.0.0.1:8080/api/sweep",
    ),
    Setting(
        "SCHEDULER_SERVICE_ACCOUNT",
        "service account whose OIDC token Cloud Scheduler attaches; sweep accepts only it",
        local_default="",
    ),
    Setting(
        "SIGNING_SERVICE_ACCOUNT",
        "service account that signs upload URLs through IAM signBlob",
        local_default="",
    ),
    Setting(
        "SDP_SOURCE",
        "where SDP lookups go: gcs (imported snapshots) or http (an SDP web service); "
        "locally also local (snapshots on disk, where the stack puts its synthetic demo set)",
        local_default="local",
    ),
    Setting(
        "SDP_BUCKET", "bucket of imported SDP snapshots (SDP_SOURCE=gcs)", cloud_required=False
    ),
    Setting("SDP_SERVICE_URL", "SDP web service base URL (SDP_SOURCE=http)", cloud_required=False),
    Setting(
        "SDP_SERVICE_CREDENTIAL",
        "SDP web service credential (SDP_SOURCE=http; a secret)",
        cloud_required=False,
    ),
    Setting(
        "SDP_RELOAD_SECONDS",
        "how often an instance looks for a newer SDP snapshot",
        cloud_required=False,
    ),
    Setting(
        "UPLOAD_URL_MINUTES",
        "validity of a signed upload URL",
        cloud_required=False,
        default="15",
    ),
    # Every upload is scanned by ClamAV (infra/malware_scanner) before anything parses it.
    Setting(
        "MALWARE_SCANNER_URL",
        "the malware scanner service (Cloud Run; its invoker's ID token is sent for this URL)",
        local_default="http://127.0.0.1:9311",
    ),
    Setting(
        "MALWARE_SCAN_TIMEOUT_SECONDS",
        "read timeout of one scan: longer, and the upload is retried, never accepted",
        cloud_required=False,
        default="30",
    ),
    # Local mode only: the emulators and the local signing key.
    Setting("FIRESTORE_EMULATOR_HOST", "Firestore emulator host:port", cloud_required=False),
    Setting("STORAGE_EMULATOR_HOST", "storage emulator URL", cloud_required=False),
    Setting("CLOUD_TASKS_EMULATOR_HOST", "Cloud Tasks emulator host:port", cloud_required=False),
    Setting(
        "STORAGE_PUBLIC_URL",
        "origin the browser uploads to (the local storage front)",
        cloud_required=False,
    ),
    Setting(
        "LOCAL_SIGNING_KEY_FILE",
        "service-account JSON generated by the local stack",
        cloud_required=False,
    ),
    Setting("SDP_LOCAL_DIR", "snapshots on disk (SDP_SOURCE=local)", cloud_required=False),
    # Operator review page.
    Setting(
        "OFFICE_NAME",
        "office name (shared.office; it also signs operators' answers)",
        cloud_required=False,
        local_default="Kanwil Ditjenpas Banten",
    ),
    Setting(
        "SLA_WORKING_HOURS",
        "working hours the operator SLA clock counts: ISO weekdays, hours, UTC offset",
        cloud_required=False,
        local_default="1-5 08:00-16:00 +07:00",
    ),
    Setting(
        "OFFICE_CLOSURES",
        "days the office is closed beyond Indonesia's holidays and cuti bersama, ISO dates "
        "separated by commas (2026-08-18,2026-12-31); the SLA clocks skip them",
        cloud_required=False,
    ),
    Setting(
        "ANSWER_PROMISE_WORKING_MINUTES",
        "working time within which the confirmation and status pages promise the answer "
        "(the SOP's 8 minutes, plus the queue a holiday surge brings)",
        cloud_required=False,
        default="120",
    ),
    # The optional CAPTCHA on the form (Cloudflare Turnstile, checked by submit); the page's
    # widget takes its public site key at the site build (TURNSTILE_SITE_KEY, shared.site_files).
    Setting(
        "TURNSTILE_SECRET_KEY",
        "Cloudflare Turnstile secret key (submit; a secret); empty: no CAPTCHA",
        cloud_required=False,
    ),
    Setting(
        "TURNSTILE_VERIFY_URL",
        "Turnstile's siteverify URL (the local stand-in locally)",
        cloud_required=False,
        default="https://challenges.cloudflare.com/turnstile/v0/siteverify",
    ),
    Setting(
        "TURNSTILE_HOSTNAMES",
        "hostnames a Turnstile token must have been solved on, separated by commas (the "
        "public site's); empty: not checked",
        cloud_required=False,
    ),
    Setting(
        "OPERATOR_SESSION_KEY",
        "key of the operator session-id hash (a secret; the operator function needs it)",
        cloud_required=False,
        local_default="local-operator-session-key-not-secret",
    ),
    Setting(
        "OPERATOR_COOKIE_INSECURE",
        "1 drops the cookie's Secure flag for the plain-HTTP local stack",
        cloud_required=False,
        local_default="1",
    ),
    # The satisfaction survey (SKM): whoever settles a message may owe its invitation.
    Setting(
        "SURVEY_TOKEN_KEY",
        "key the survey links' tokens are made with (a secret; only the tokens' hashes are "
        "stored, so the link can be written again for a resend but never read from the data)",
        cloud_required=False,
        local_default="local-survey-token-key-not-secret",
    ),
    Setting(
        "SURVEY_VALID_DAYS",
        "days a survey link can be used after the request was answered",
        cloud_required=False,
        default="14",
    ),
    Setting(
        "SURVEY_INVITE_DELAY_MINUTES",
        "minutes after the answer that the survey link is sent (the family reads the answer "
        "first; WhatsApp also throttles messages sent back to back to one person)",
        cloud_required=False,
        default="60",
    ),
    # Dispatch (WhatsApp and email). Enqueuers (ktp_uploaded, operator) need the queue and URL.
    Setting(
        "DISPATCH_QUEUE", "Cloud Tasks queue id for message dispatch", local_default="dispatch"
    ),
    Setting(
        "DISPATCH_URL",
        "URL the dispatch tasks are sent to (the dispatch function; OIDC audience)",
        local_default="http://127.0.0.1:8080/api/dispatch",
    ),
    Setting(
        "DISPATCH_MAX_ATTEMPTS",
        "the dispatch queue's max attempts: on the last one a failing message is flagged",
        cloud_required=False,
        default="5",
    ),
    Setting(
        "PUBLIC_SITE_URL",
        "the public site's origin, for the status / re-upload link in messages (dispatch)",
        cloud_required=False,
        local_default="http://127.0.0.1:8080",
    ),
    Setting("EMAIL_FROM", "sender address of emails (dispatch)", cloud_required=False),
    Setting("SENDGRID_API_KEY", "SendGrid API key (dispatch; a secret)", cloud_required=False),
    Setting(
        "SENDGRID_API_HOST",
        "SendGrid API base URL (the local stand-in locally)",
        cloud_required=False,
        default="https://api.sendgrid.com",
    ),
    Setting(
        "SENDGRID_WEBHOOK_PUBLIC_KEY",
        "SendGrid Event Webhook verification key, base64 DER (sendgrid_events)",
        cloud_required=False,
    ),
    Setting(
        "WHATSAPP_PHONE_NUMBER_ID",
        "WhatsApp Business phone number id; empty: the operator sends click-to-chat links",
        cloud_required=False,
    ),
    Setting(
        "WHATSAPP_TOKEN",
        "WhatsApp Cloud API access token (dispatch; a secret)",
        cloud_required=False,
    ),
    Setting(
        "WHATSAPP_API_BASE",
        "Graph API base URL (the local stand-in locally)",
        cloud_required=False,
        default="https://graph.facebook.com",
    ),
    Setting("WHATSAPP_API_VERSION", "Graph API version", cloud_required=False, default="v23.0"),
    Setting(
        "WHATSAPP_APP_SECRET",
        "WhatsApp app secret: X-Hub-Signature-256 of webhooks (whatsapp_webhook; a secret)",
        cloud_required=False,
    ),
    Setting(
        "WHATSAPP_VERIFY_TOKEN",
        "token of the webhook subscription handshake (whatsapp_webhook; a secret)",
        cloud_required=False,
    ),
    Setting(
        "WHATSAPP_WEBHOOK_MAX_AGE_SECONDS",
        "a signed WhatsApp status or inbound message older than this is ignored (replays)",
        cloud_required=False,
        default="604800",
    ),
    Setting(
        "WHATSAPP_WEBHOOK_MAX_AHEAD_SECONDS",
        "a signed WhatsApp event dated further ahead than this is ignored (clock skew allowance)",
        cloud_required=False,
        default="300",
    ),
    Setting(
        "PROVIDER_TIMEOUT_SECONDS",
        "read timeout of SendGrid and WhatsApp calls (dispatch)",
        cloud_required=False,
        default="15",
    ),
    Setting(
        "TEMPLATE_CACHE_SECONDS",
        "how long dispatch keeps admins' email templates before reading them again",
        cloud_required=False,
        default="60",
    ),
    Setting(
        "OPERATOR_ALERT_EMAIL",
        "address that gets a notice when a message fails on both channels (optional)",
        cloud_required=False,
    ),
    # Privacy by schedule (UU 27/2022): what the daily retention job keeps and for how long.
    Setting(
        "RETENTION_URL",
        "URL Cloud Scheduler calls for the daily retention job (the retention function; OIDC "
        "audience)",
        local_default="http://127.0.0.1:8080/api/retention",
    ),
    Setting(
        "KTP_DAYS_AFTER_CLOSE",
        "days a KTP image is kept after its request closed (notified, expired, failed)",
        cloud_required=False,
        default="30",
    ),
    Setting(
        "KTP_MAX_DAYS",
        "days after submission by which every KTP image is gone, open request or not (the KTP "
        "bucket's lifecycle rule deletes at the same age)",
        cloud_required=False,
        default="90",
    ),
    Setting(
        "PERSONAL_DATA_DAYS_AFTER_CLOSE",
        "days the personal fields of a closed request are kept before they are redacted",
        cloud_required=False,
        default="90",
    ),
    Setting(
        "OPEN_REQUEST_ALERT_DAYS",
        "an open request older than this is shown to operators as overdue (never deleted)",
        cloud_required=False,
        default="30",
    ),
    Setting(
        "UNMATCHED_INBOUND_DAYS",
        "days a WhatsApp message no request was found for (its text and number) is kept",
        cloud_required=False,
        default="30",
    ),
    Setting(
        "COMPLAINT_DAYS_AFTER_ANSWER",
        "days the personal fields of an answered complaint are kept before they are redacted "
        "(its document's one-year TTL deletes it later)",
        cloud_required=False,
        default="90",
    ),
    Setting(
        "COMPLAINT_ANSWER_WORKING_DAYS",
        "working days (office hours and calendar of the SLA clock) a complaint's answer is due in",
        cloud_required=False,
        default="5",
    ),
    # The outbox relay (the sweep) and the reconciliation it does.
    Setting(
        "OUTBOX_RELAY_AFTER_SECONDS",
        "an outbox entry not acknowledged this long after it was due is enqueued again",
        cloud_required=False,
        default="60",
    ),
    # The KTP check's bounds (shared.ktp_inspection.KtpLimits): nothing is decoded past them.
    Setting(
        "KTP_MAX_PIXELS",
        "an image (or a PDF page's images) with more pixels by its header is refused unread",
        cloud_required=False,
        default="50000000",
    ),
    Setting(
        "KTP_MAX_DECODE_MB",
        "memory one decoded image or rendered page may take, estimated from its header",
        cloud_required=False,
        default="64",
    ),
    Setting(
        "KTP_MAX_SIDE",
        "long side in pixels of the stored KTP image and of each rendered PDF page (a JPEG is "
        "decoded at 1/2, 1/4 or 1/8 to fit: a 12 MP photo is stored at 1000 x 750)",
        cloud_required=False,
        default="1600",
    ),
    Setting(
        "KTP_PDF_MAX_PAGES",
        "a PDF KTP with more pages is refused",
        cloud_required=False,
        default="5",
    ),
)
KTP_CHECK_SETTINGS = ("KTP_MAX_PIXELS", "KTP_MAX_DECODE_MB", "KTP_MAX_SIDE", "KTP_PDF_MAX_PAGES")

# Dispatch settings handed as they are to shared.bootstrap (read only where used).
MESSAGING_SETTINGS = (
    "DISPATCH_MAX_ATTEMPTS",
    "PUBLIC_SITE_URL",
    "EMAIL_FROM",
    "SENDGRID_API_KEY",
    "SENDGRID_API_HOST",
    "SENDGRID_WEBHOOK_PUBLIC_KEY",
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_TOKEN",
    "WHATSAPP_API_BASE",
    "WHATSAPP_API_VERSION",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_WEBHOOK_MAX_AGE_SECONDS",
    "WHATSAPP_WEBHOOK_MAX_AHEAD_SECONDS",
    "OPERATOR_ALERT_EMAIL",
    "PROVIDER_TIMEOUT_SECONDS",
    "TEMPLATE_CACHE_SECONDS",
    # Not dispatch's, but read the same way (optional strings): the submit function's CAPTCHA.
    "TURNSTILE_SECRET_KEY",
    "TURNSTILE_VERIFY_URL",
    "TURNSTILE_HOSTNAMES",
)

# Which further settings each SDP source needs.
SDP_SOURCE_NEEDS = {
    "gcs": ("SDP_BUCKET",),
    "http": ("SDP_SERVICE_URL", "SDP_SERVICE_CREDENTIAL"),
    "local": (),
}
CLOUD_SDP_SOURCES = ("gcs", "http")
SDP_DIRECTORY_SETTINGS = (
    "SDP_SOURCE",
    "SDP_BUCKET",
    "SDP_SERVICE_URL",
    "SDP_SERVICE_CREDENTIAL",
    "SDP_RELOAD_SECONDS",
    "SDP_LOCAL_DIR",
)

LOCAL_ONLY = (
    "FIRESTORE_EMULATOR_HOST",
    "STORAGE_EMULATOR_HOST",
    "CLOUD_TASKS_EMULATOR_HOST",
    "STORAGE_PUBLIC_URL",
    "LOCAL_SIGNING_KEY_FILE",
    "SDP_LOCAL_DIR",
    "OPERATOR_COOKIE_INSECURE",
)
LOCAL_REQUIRED = LOCAL_ONLY[:5]

# --- who reads what ---------------------------------------------------------------------------
# Groups of settings that parts of the container (shared.bootstrap) are made from.

# Every function: the mode, and the project its Firestore client works in.
_FIRESTORE = ("REMISI_MODE", "GOOGLE_CLOUD_PROJECT")
# The KTP bucket's file store, made with the account that signs its URLs (only submit, reupload
# and the operator page sign, and only they may sign as that account).
_KTP_FILES = ("KTP_BUCKET", "SIGNING_SERVICE_ACCOUNT")
# The KTP check's bounds: the check itself, and the operator page rendering an older stored PDF.
_KTP_CHECK = KTP_CHECK_SETTINGS
_UPLOAD_URLS = ("UPLOAD_URL_MINUTES",)
# Checking an upload (the event, and the sweep's reconciliation) starts with the scanner.
_SCANNER = ("MALWARE_SCANNER_URL", "MALWARE_SCAN_TIMEOUT_SECONDS")
# Owing tasks: the outbox's wait, the queues' region, the OIDC identity every task carries.
_TASKS = ("OUTBOX_RELAY_AFTER_SECONDS", "REMISI_REGION", "TASKS_SERVICE_ACCOUNT")
# A queue and its target's URL (the task's URL and the target's OIDC audience).
_LOOKUP_QUEUE = ("SDP_LOOKUP_QUEUE", "SDP_LOOKUP_URL")
_DISPATCH_QUEUE = ("DISPATCH_QUEUE", "DISPATCH_URL")
# Settling a message: both channels failed -> a notice to this address, if set.
# A request's answer settled -> its survey invitation, owed in the same transaction.
_SURVEY_INVITES = ("SURVEY_TOKEN_KEY", "SURVEY_VALID_DAYS", "SURVEY_INVITE_DELAY_MINUTES")
_SETTLING = _TASKS + _DISPATCH_QUEUE + ("OPERATOR_ALERT_EMAIL",) + _SURVEY_INVITES
# The office's calendar: its hours and closure days (Indonesia's holidays need no setting).
_CALENDAR = ("SLA_WORKING_HOURS", "OFFICE_CLOSURES")
# The requester's expected-answer line (submit and the status page).
_PROMISE = (*_CALENDAR, "ANSWER_PROMISE_WORKING_MINUTES")
_RETENTION = (
    "KTP_DAYS_AFTER_CLOSE",
    "KTP_MAX_DAYS",
    "PERSONAL_DATA_DAYS_AFTER_CLOSE",
    "OPEN_REQUEST_ALERT_DAYS",
    "UNMATCHED_INBOUND_DAYS",
    "COMPLAINT_DAYS_AFTER_ANSWER",
)
_SDP = (
    "SDP_SOURCE",
    "SDP_BUCKET",
    "SDP_SERVICE_URL",
    "SDP_SERVICE_CREDENTIAL",
    "SDP_RELOAD_SECONDS",
)

# One row per entry point of functions/main.py: the settings its code path reads. Local-only
# settings (the emulators) are read by every function in local mode and refused in the cloud.
FUNCTION_SETTINGS: dict[str, tuple[str, ...]] = {
    # Files a complaint (verified like status when it names a tracking code), owes its receipt.
    "complaint": _FIRESTORE + _TASKS + _DISPATCH_QUEUE + ("COMPLAINT_ANSWER_WORKING_DAYS",),
    # The optional CAPTCHA (Turnstile) is checked by submit alone.
    "submit": _FIRESTORE
    + _KTP_FILES
    + _UPLOAD_URLS
    + _PROMISE
    + ("TURNSTILE_SECRET_KEY", "TURNSTILE_VERIFY_URL", "TURNSTILE_HOSTNAMES"),
    "ktp_uploaded": _FIRESTORE
    + _KTP_FILES
    + _TASKS
    + _LOOKUP_QUEUE
    + _DISPATCH_QUEUE
    + _SCANNER
    + _KTP_CHECK,
    # Checks that the caller is the lookup queue's task; owes nothing. Its claim's lease (twin
    # deliveries step aside) is the outbox's wait.
    "sdp_lookup": _FIRESTORE
    + _SDP
    + _LOOKUP_QUEUE
    + ("TASKS_SERVICE_ACCOUNT", "OUTBOX_RELAY_AFTER_SECONDS"),
    "status": _FIRESTORE + _PROMISE,
    "reupload": _FIRESTORE + _KTP_FILES + _UPLOAD_URLS,
    # The survey page (a link's token -> its form; the answers) and the published results.
    "survey": (*_FIRESTORE, "OFFICE_NAME"),
    # Relays both queues, reconciles uploads as ktp_uploaded would; accepts only the scheduler.
    "sweep": _FIRESTORE
    + _KTP_FILES
    + _TASKS
    + _LOOKUP_QUEUE
    + _DISPATCH_QUEUE
    + _SCANNER
    + _KTP_CHECK
    + ("SWEEP_URL", "SCHEDULER_SERVICE_ACCOUNT"),
    "operator": _FIRESTORE
    + _KTP_FILES
    + _KTP_CHECK
    + _SETTLING
    + ("OFFICE_NAME", "SLA_WORKING_HOURS", "OFFICE_CLOSURES", "OPERATOR_SESSION_KEY")
    + ("COMPLAINT_ANSWER_WORKING_DAYS",),
    "dispatch": _FIRESTORE
    + _SETTLING
    + (
        "DISPATCH_MAX_ATTEMPTS",
        "OFFICE_NAME",
        "PUBLIC_SITE_URL",
        "EMAIL_FROM",
        "SENDGRID_API_KEY",
        "SENDGRID_API_HOST",
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_TOKEN",
        "WHATSAPP_API_BASE",
        "WHATSAPP_API_VERSION",
        "PROVIDER_TIMEOUT_SECONDS",
        "TEMPLATE_CACHE_SECONDS",
        "COMPLAINT_ANSWER_WORKING_DAYS",  # the complaint receipt says when to expect the answer
    ),
    "sendgrid_events": _FIRESTORE + _SETTLING + ("SENDGRID_WEBHOOK_PUBLIC_KEY",),
    "whatsapp_webhook": _FIRESTORE
    + _SETTLING
    + (
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
        "WHATSAPP_WEBHOOK_MAX_AGE_SECONDS",
        "WHATSAPP_WEBHOOK_MAX_AHEAD_SECONDS",
    ),
    # A requester's request about their data (the status page's check; owes a confirmation).
    "privacy_request": _FIRESTORE + _TASKS + _DISPATCH_QUEUE,
    # Daily: folds closed requests into the report figures, deletes KTP images, redacts
    # personal fields; accepts only the scheduler. Working hours: the SLA figures it keeps.
    "retention": _FIRESTORE
    + _KTP_FILES
    + _RETENTION
    + ("SLA_WORKING_HOURS", "OFFICE_CLOSURES", "RETENTION_URL", "SCHEDULER_SERVICE_ACCOUNT"),
}

# The Settings field each setting is read into (the others are in `sdp` or `messaging`).
_FIELDS = {
    "project": "GOOGLE_CLOUD_PROJECT",
    "region": "REMISI_REGION",
    "ktp_bucket": "KTP_BUCKET",
    "sdp_lookup_queue": "SDP_LOOKUP_QUEUE",
    "sdp_lookup_url": "SDP_LOOKUP_URL",
    "tasks_service_account": "TASKS_SERVICE_ACCOUNT",
    "sweep_url": "SWEEP_URL",
    "scheduler_service_account": "SCHEDULER_SERVICE_ACCOUNT",
    "signing_service_account": "SIGNING_SERVICE_ACCOUNT",
    "upload_url_valid_for": "UPLOAD_URL_MINUTES",
    "sdp": "SDP_SOURCE",
    "office_name": "OFFICE_NAME",
    "office_hours": "SLA_WORKING_HOURS",
    "office_closures": "OFFICE_CLOSURES",
    "answer_promise": "ANSWER_PROMISE_WORKING_MINUTES",
    "operator_session_key": "OPERATOR_SESSION_KEY",
    "dispatch_queue": "DISPATCH_QUEUE",
    "dispatch_url": "DISPATCH_URL",
    "outbox_relay_after": "OUTBOX_RELAY_AFTER_SECONDS",
    "dispatch_max_attempts": "DISPATCH_MAX_ATTEMPTS",
    "provider_timeout": "PROVIDER_TIMEOUT_SECONDS",
    "template_cache_for": "TEMPLATE_CACHE_SECONDS",
    "malware_scanner_url": "MALWARE_SCANNER_URL",
    "malware_scan_timeout": "MALWARE_SCAN_TIMEOUT_SECONDS",
    "complaint_answer_days": "COMPLAINT_ANSWER_WORKING_DAYS",
    "retention_url": "RETENTION_URL",
    "ktp_days_after_close": "KTP_DAYS_AFTER_CLOSE",
    "ktp_max_days": "KTP_MAX_DAYS",
    "personal_data_days_after_close": "PERSONAL_DATA_DAYS_AFTER_CLOSE",
    "open_request_alert_days": "OPEN_REQUEST_ALERT_DAYS",
    "unmatched_inbound_days": "UNMATCHED_INBOUND_DAYS",
    "complaint_days_after_answer": "COMPLAINT_DAYS_AFTER_ANSWER",
    "ktp_limits": "KTP_MAX_PIXELS",
    "survey_token_key": "SURVEY_TOKEN_KEY",
    "survey_valid_for": "SURVEY_VALID_DAYS",
    "survey_invite_delay": "SURVEY_INVITE_DELAY_MINUTES",
}


def settings_of(function: str | None) -> frozenset[str]:
    """What one function reads: its row, the mode, and (local mode only) the emulators.
    None: every setting (commands, tests, an instance serving every function)."""
    if function is None:
        return frozenset(s.env for s in SETTINGS)
    if function not in FUNCTION_SETTINGS:
        raise ConfigurationError(
            f"FUNCTION_TARGET={function!r} has no row in shared.config.FUNCTION_SETTINGS"
        )
    return frozenset(("REMISI_MODE", *FUNCTION_SETTINGS[function], *LOCAL_ONLY))


# Identity, not field-by-field equality: a field outside the function's row may not be read.
@dataclass(frozen=True, eq=False, repr=False)
class Settings:
    mode: str
    # The function this instance serves (FUNCTION_TARGET) and the settings it may read.
    function: str | None = None
    given: frozenset[str] = frozenset(s.env for s in SETTINGS)
    project: str = ""
    region: str = ""
    ktp_bucket: str = ""
    sdp_lookup_queue: str = ""
    sdp_lookup_url: str = ""
    tasks_service_account: str = ""
    sweep_url: str = ""
    scheduler_service_account: str = ""
    signing_service_account: str = ""
    upload_url_valid_for: timedelta = timedelta(minutes=15)
    firestore_emulator_host: str | None = None
    storage_emulator_host: str | None = None
    tasks_emulator_host: str | None = None
    storage_public_url: str | None = None
    local_signing_key_file: str | None = None
    # The SDP_* values, handed as they are to shared.sdp_directory.factory.
    sdp: tuple[tuple[str, str], ...] = ()
    # The KTP_CHECK_SETTINGS values, handed as they are to shared.ktp_inspection.KtpLimits.
    ktp_limits: tuple[tuple[str, str], ...] = ()
    office_name: str = ""
    office_hours: str = "1-5 08:00-16:00 +07:00"
    office_closures: str = ""
    answer_promise: timedelta = timedelta(minutes=120)
    operator_session_key: str = ""
    # Only the plain-HTTP local stack may drop Secure (cloud mode refuses the setting).
    operator_cookie_secure: bool = True
    dispatch_queue: str = "dispatch"
    dispatch_url: str = ""
    outbox_relay_after: timedelta = timedelta(seconds=60)
    dispatch_max_attempts: int = 5
    provider_timeout: float = 15.0
    template_cache_for: timedelta = timedelta(seconds=60)
    malware_scanner_url: str = ""
    malware_scan_timeout: float = 0.0  # its one default is in SETTINGS
    complaint_answer_days: int = 0  # its one default is in SETTINGS
    # The retention periods in days (their one default is in SETTINGS).
    retention_url: str = ""
    ktp_days_after_close: int = 0
    ktp_max_days: int = 0
    personal_data_days_after_close: int = 0
    open_request_alert_days: int = 0
    unmatched_inbound_days: int = 0
    complaint_days_after_answer: int = 0
    survey_token_key: str = ""
    survey_valid_for: timedelta = timedelta(days=14)
    survey_invite_delay: timedelta = timedelta(minutes=60)
    # The MESSAGING_SETTINGS values that are set (see messaging()).
    messaging_values: tuple[tuple[str, str], ...] = ()

    def __getattribute__(self, name: str):
        setting = _FIELDS.get(name)
        if setting is not None and setting not in object.__getattribute__(self, "given"):
            raise SettingNotGiven(object.__getattribute__(self, "function"), setting)
        return object.__getattribute__(self, name)

    def __repr__(self) -> str:  # never the values: some are secrets
        return f"Settings(mode={self.mode!r}, function={self.function!r})"

    def gives(self, name: str) -> bool:
        """Whether this function reads setting `name` (its row of FUNCTION_SETTINGS)."""
        return name in self.given

    def messaging(self, name: str, default: str = "") -> str:
        if name not in self.given:
            raise SettingNotGiven(self.function, name)
        return dict(self.messaging_values).get(name) or default

    def retention_policy(self):
        """The retention periods as the domain's policy (the retention job's row)."""
        from shared.domain.retention import RetentionPolicy

        return RetentionPolicy.from_days(
            ktp_after_close=self.ktp_days_after_close,
            ktp_max=self.ktp_max_days,
            personal_after_close=self.personal_data_days_after_close,
            open_alert=self.open_request_alert_days,
            unmatched_inbound=self.unmatched_inbound_days,
            complaint_after_answer=self.complaint_days_after_answer,
        )

    @property
    def is_local(self) -> bool:
        return self.mode == LOCAL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        mode = env.get("REMISI_MODE", "")
        if mode not in (LOCAL, CLOUD):
            raise ConfigurationError(
                f"REMISI_MODE must be '{LOCAL}' or '{CLOUD}', got {mode or 'nothing'!r}"
            )
        function = env.get("FUNCTION_TARGET") or None
        given = settings_of(function)

        # Only the function's own settings are read: one it is not given stays unread even
        # where the environment has it, as in the cloud, where infra/ sets only its row.
        values: dict[str, str] = {}
        missing = []
        for setting in SETTINGS:
            if setting.env not in given:
                continue
            value = env.get(setting.env, "")
            if not value and mode == LOCAL and setting.local_default is not None:
                value = setting.local_default
            if not value and setting.default is not None:
                value = setting.default
            if not value and (
                (mode == CLOUD and setting.cloud_required)
                or (mode == LOCAL and setting.env in LOCAL_REQUIRED)
            ):
                missing.append(setting.env)
            values[setting.env] = value
        if missing:
            who = f" ({function})" if function else ""
            raise ConfigurationError(f"{mode} mode{who} is missing settings: {', '.join(missing)}")
        if mode == CLOUD:
            stray = [name for name in LOCAL_ONLY if env.get(name)]
            if stray:
                raise ConfigurationError(
                    f"cloud mode refuses local-only settings: {', '.join(stray)}"
                )

        if "SDP_SOURCE" in values:
            _check_sdp_source(mode, values)
        for name, low, top in (
            ("OUTBOX_RELAY_AFTER_SECONDS", 1, 3600),
            ("DISPATCH_MAX_ATTEMPTS", 1, 100),
            ("TEMPLATE_CACHE_SECONDS", 0, 3600),
            ("PROVIDER_TIMEOUT_SECONDS", 0, 120),
            ("UPLOAD_URL_MINUTES", 1, 60),
            ("MALWARE_SCAN_TIMEOUT_SECONDS", 1, 120),
            ("COMPLAINT_ANSWER_WORKING_DAYS", 1, 60),
            ("KTP_DAYS_AFTER_CLOSE", 0, 3650),
            ("KTP_MAX_DAYS", 1, 3650),
            ("PERSONAL_DATA_DAYS_AFTER_CLOSE", 0, 3650),
            ("OPEN_REQUEST_ALERT_DAYS", 1, 3650),
            ("UNMATCHED_INBOUND_DAYS", 0, 3650),
            ("COMPLAINT_DAYS_AFTER_ANSWER", 0, 364),
            ("KTP_MAX_PIXELS", 1_000_000, 200_000_000),
            ("KTP_MAX_DECODE_MB", 16, 1024),
            ("KTP_MAX_SIDE", 800, 8000),
            ("KTP_PDF_MAX_PAGES", 1, 50),
            ("SURVEY_VALID_DAYS", 1, 90),
            ("SURVEY_INVITE_DELAY_MINUTES", 0, 10080),
            ("ANSWER_PROMISE_WORKING_MINUTES", 1, 5 * 8 * 60),
            ("WHATSAPP_WEBHOOK_MAX_AGE_SECONDS", 60, 30 * 86400),
            ("WHATSAPP_WEBHOOK_MAX_AHEAD_SECONDS", 0, 3600),
        ):
            if name in values and not (values[name].isdigit() and low <= int(values[name]) <= top):
                raise ConfigurationError(f"{name} must be a whole number from {low} to {top}")

        read = {
            "OFFICE_NAME": str,
            "SLA_WORKING_HOURS": _office_hours,
            "OFFICE_CLOSURES": _office_closures,
            "ANSWER_PROMISE_WORKING_MINUTES": lambda v: timedelta(minutes=int(v)),
            "OPERATOR_SESSION_KEY": str,
            "UPLOAD_URL_MINUTES": lambda v: timedelta(minutes=int(v)),
            "OUTBOX_RELAY_AFTER_SECONDS": lambda v: timedelta(seconds=int(v)),
            "DISPATCH_MAX_ATTEMPTS": int,
            "PROVIDER_TIMEOUT_SECONDS": float,
            "MALWARE_SCAN_TIMEOUT_SECONDS": float,
            "TEMPLATE_CACHE_SECONDS": lambda v: timedelta(seconds=int(v)),
            "COMPLAINT_ANSWER_WORKING_DAYS": int,
            **dict.fromkeys(_RETENTION, int),
            "SURVEY_VALID_DAYS": lambda v: timedelta(days=int(v)),
            "SURVEY_INVITE_DELAY_MINUTES": lambda v: timedelta(minutes=int(v)),
        }
        fields = {
            field: read.get(name, str)(values[name])
            for field, name in _FIELDS.items()
            if name in values and field not in ("sdp", "ktp_limits")
        }
        return cls(
            mode=mode,
            function=function,
            given=given,
            firestore_emulator_host=values["FIRESTORE_EMULATOR_HOST"] or None,
            storage_emulator_host=values["STORAGE_EMULATOR_HOST"] or None,
            tasks_emulator_host=values["CLOUD_TASKS_EMULATOR_HOST"] or None,
            storage_public_url=values["STORAGE_PUBLIC_URL"] or None,
            local_signing_key_file=values["LOCAL_SIGNING_KEY_FILE"] or None,
            sdp=tuple((n, values[n]) for n in SDP_DIRECTORY_SETTINGS if values.get(n)),
            ktp_limits=tuple((n, values[n]) for n in KTP_CHECK_SETTINGS if n in values),
            operator_cookie_secure=values["OPERATOR_COOKIE_INSECURE"] != "1",
            messaging_values=tuple((n, values[n]) for n in MESSAGING_SETTINGS if values.get(n)),
            **fields,
        )


def _check_sdp_source(mode: str, values: dict[str, str]) -> None:
    sdp_source = values["SDP_SOURCE"]
    allowed_sources = CLOUD_SDP_SOURCES if mode == CLOUD else tuple(SDP_SOURCE_NEEDS)
    if sdp_source not in allowed_sources:
        # Never synthetic or on-disk data in the cloud: that would answer families with
        # invented prisoners.
        raise ConfigurationError(
            f"SDP_SOURCE must be one of {', '.join(allowed_sources)} in {mode} mode"
        )
    missing = [name for name in SDP_SOURCE_NEEDS[sdp_source] if not values[name]]
    if missing:
        raise ConfigurationError(
            f"SDP_SOURCE={sdp_source} is missing settings: {', '.join(missing)}"
        )


def _office_closures(spec: str) -> str:
    from shared.domain.calendar import parse_closures

    try:
        parse_closures(spec)
    except ValueError as error:
        raise ConfigurationError(f"OFFICE_CLOSURES: {error}") from None
    return spec


def _office_hours(spec: str) -> str:
    from shared.domain.sla import DEFAULT_OFFICE_HOURS, OfficeHours

    spec = spec or DEFAULT_OFFICE_HOURS
    try:
        OfficeHours.parse(spec)
    except ValueError as error:
        raise ConfigurationError(f"SLA_WORKING_HOURS: {error}") from None
    return spec


def default_of(name: str) -> str:
    """The one default of an optional setting (the privacy page and the tests quote it)."""
    setting = next(s for s in SETTINGS if s.env == name)
    if setting.default is None:
        raise KeyError(f"{name} has no default")
    return setting.default
