import ast
from dataclasses import fields
from datetime import date

import pytest

from shared.bootstrap import Container, bootstrap, caller_verifier
from shared.config import (
    FUNCTION_SETTINGS,
    LOCAL_ONLY,
    SETTINGS,
    ConfigurationError,
    SettingNotGiven,
    Settings,
)
from shared.domain.accounts import Role
from shared.domain.messages import Channel, MessageKind, MessageState, message_id
from shared.domain.model import DecisionKind, Status
from shared.service_layer import auth, dispatch, public, review, services
from shared.service_layer.dispatch import DispatchTask
from shared.service_layer.ports import Dependencies, Failure, ProviderError, UploadedObject
from tests.conftest import REPO
from tests.fakes import InMemoryRateLimiter, fake_dispatch_dependencies, fake_operator_dependencies
from tests.samples import fake_service_account_key, form_payload, jpeg_bytes

TODAY = date(2026, 11, 28)

CLOUD = {
    "REMISI_MODE": "cloud",
    "GOOGLE_CLOUD_PROJECT": "remisi-prod",
    "REMISI_REGION": "asia-southeast2",
    "KTP_BUCKET": "remisi-prod-ktp",
    "SDP_LOOKUP_QUEUE": "sdp-lookup",
    "SDP_LOOKUP_URL": "https://asia-southeast2-remisi-prod.cloudfunctions.net/sdp-lookup",
    "TASKS_SERVICE_ACCOUNT": "tasks@remisi-prod.iam.gserviceaccount.com",
    "SWEEP_URL": "https://asia-southeast2-remisi-prod.cloudfunctions.net/sweep",
    "RETENTION_URL": "https://asia-southeast2-remisi-prod.cloudfunctions.net/retention",
    "SCHEDULER_SERVICE_ACCOUNT": "scheduler@remisi-prod.iam.gserviceaccount.com",
    "SIGNING_SERVICE_ACCOUNT": "submit@remisi-prod.iam.gserviceaccount.com",
    "SDP_SOURCE": "gcs",
    "SDP_BUCKET": "remisi-prod-sdp",
    "DISPATCH_QUEUE": "dispatch",
    "DISPATCH_URL": "https://asia-southeast2-remisi-prod.cloudfunctions.net/dispatch",
    "MALWARE_SCANNER_URL": "https://malware-scanner-abc123-et.a.run.app",
}


def test_a_complete_cloud_configuration_loads():
    settings = Settings.from_env(CLOUD)
    assert not settings.is_local
    assert settings.upload_url_valid_for.total_seconds() == 900
    assert dict(settings.sdp) == {"SDP_SOURCE": "gcs", "SDP_BUCKET": "remisi-prod-sdp"}


def test_no_mode_is_refused_rather_than_guessed():
    with pytest.raises(ConfigurationError, match="REMISI_MODE"):
        Settings.from_env({k: v for k, v in CLOUD.items() if k != "REMISI_MODE"})


@pytest.mark.parametrize(
    "name", [s.env for s in SETTINGS if s.cloud_required and s.env != "REMISI_MODE"]
)
def test_every_missing_cloud_setting_is_named(name):
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({k: v for k, v in CLOUD.items() if k != name})


@pytest.mark.parametrize("name", LOCAL_ONLY)
def test_emulator_settings_are_refused_in_the_cloud(name):
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({**CLOUD, name: "127.0.0.1:1"})


@pytest.mark.parametrize("source", ["demo", "local", ""])
def test_the_cloud_never_answers_from_synthetic_or_local_sdp_data(source):
    with pytest.raises(ConfigurationError, match="SDP_SOURCE"):
        Settings.from_env({**CLOUD, "SDP_SOURCE": source})


def test_each_sdp_source_names_what_it_lacks():
    with pytest.raises(ConfigurationError, match="SDP_BUCKET"):
        Settings.from_env({k: v for k, v in CLOUD.items() if k != "SDP_BUCKET"})
    with pytest.raises(ConfigurationError, match="SDP_SERVICE_URL, SDP_SERVICE_CREDENTIAL"):
        Settings.from_env({**CLOUD, "SDP_SOURCE": "http"})


LOCAL = {
    "REMISI_MODE": "local",
    "FIRESTORE_EMULATOR_HOST": "127.0.0.1:8085",
    "STORAGE_EMULATOR_HOST": "http://127.0.0.1:9023",
    "CLOUD_TASKS_EMULATOR_HOST": "127.0.0.1:8123",
    "STORAGE_PUBLIC_URL": "http://127.0.0.1:9199",
    "LOCAL_SIGNING_KEY_FILE": "/tmp/key.json",
}


def test_local_mode_needs_its_emulators_and_defaults_the_rest():
    with pytest.raises(ConfigurationError, match="FIRESTORE_EMULATOR_HOST"):
        Settings.from_env({"REMISI_MODE": "local"})
    settings = Settings.from_env(LOCAL)
    assert settings.is_local and settings.ktp_bucket == "remisi-ktp-local"
    assert dict(settings.sdp) == {"SDP_SOURCE": "local"}


def test_upload_validity_is_bounded():
    with pytest.raises(ConfigurationError, match="UPLOAD_URL_MINUTES"):
        Settings.from_env({**CLOUD, "UPLOAD_URL_MINUTES": "600"})


# --- each function reads its own row -----------------------------------------------------------

# A value for every setting a function may be given in the cloud (secrets included).
CLOUD_VALUES = {
    **CLOUD,
    "OFFICE_NAME": "Kanwil Ditjenpas Banten",
    "SLA_WORKING_HOURS": "1-5 08:00-16:00 +07:00",
    "OPERATOR_SESSION_KEY": "k" * 48,
    "DISPATCH_MAX_ATTEMPTS": "10",
    "PUBLIC_SITE_URL": "https://remisi.example.go.id",
    "EMAIL_FROM": "layanan@example.go.id",
    "SENDGRID_API_KEY": "SG.x",
    "SENDGRID_WEBHOOK_PUBLIC_KEY": "MFkw",
    "WHATSAPP_PHONE_NUMBER_ID": "100000000000001",
    "WHATSAPP_TOKEN": "token",
    "WHATSAPP_APP_SECRET": "app-secret",
    "WHATSAPP_VERIFY_TOKEN": "verify-token",
    "OPERATOR_ALERT_EMAIL": "ops@example.go.id",
}


def row_env(function: str) -> dict[str, str]:
    """Exactly what a deployment of `function` carries: its row, nothing else."""
    row = FUNCTION_SETTINGS[function]
    return {
        "FUNCTION_TARGET": function,
        **{name: value for name, value in CLOUD_VALUES.items() if name in row},
    }


def entry_points() -> set[str]:
    tree = ast.parse((REPO / "functions" / "main.py").read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(ast.unparse(d).startswith("functions_framework.") for d in node.decorator_list)
    }


def test_every_entry_point_has_a_row_of_known_settings():
    assert len(entry_points()) >= 10  # the parser must find them, or this says nothing
    assert set(FUNCTION_SETTINGS) == entry_points()
    known = {s.env for s in SETTINGS}
    for function, row in FUNCTION_SETTINGS.items():
        assert len(row) == len(set(row)), f"{function} lists a setting twice"
        assert set(row) <= known, f"{function}: {sorted(set(row) - known)}"
        # The emulators are every function's in local mode and nobody's in the cloud.
        assert not set(row) & set(LOCAL_ONLY), function


@pytest.mark.parametrize("function", sorted(FUNCTION_SETTINGS))
def test_a_cloud_start_needs_only_its_rows_settings(function):
    settings = Settings.from_env({"REMISI_MODE": "cloud", **row_env(function)})
    assert settings.function == function
    assert settings.given == {"REMISI_MODE", *FUNCTION_SETTINGS[function], *LOCAL_ONLY}


@pytest.mark.parametrize(
    ("function", "name"),
    [
        (function, s.env)
        for function, row in sorted(FUNCTION_SETTINGS.items())
        for s in SETTINGS
        if s.cloud_required and s.env in row and s.env != "REMISI_MODE"
    ],
)
def test_a_cloud_start_names_what_its_row_lacks(function, name):
    env = {k: v for k, v in row_env(function).items() if k != name}
    with pytest.raises(ConfigurationError, match=f"\\({function}\\) is missing settings: .*{name}"):
        Settings.from_env(env)


def test_a_setting_outside_the_row_is_not_read_even_when_present():
    # status reads requests and nothing else: the whole cloud table around it changes nothing.
    settings = Settings.from_env({**CLOUD_VALUES, "FUNCTION_TARGET": "status"})
    assert settings.project == "remisi-prod"
    for read in (
        lambda: settings.ktp_bucket,
        lambda: settings.upload_url_valid_for,
        lambda: settings.sdp,
        lambda: settings.messaging("SENDGRID_API_KEY"),
    ):
        with pytest.raises(SettingNotGiven, match="status is not given"):
            read()
    dispatch = Settings.from_env({**CLOUD_VALUES, "FUNCTION_TARGET": "dispatch"})
    assert dispatch.messaging("SENDGRID_API_KEY") == "SG.x"
    with pytest.raises(SettingNotGiven, match="dispatch is not given OPERATOR_SESSION_KEY"):
        _ = dispatch.operator_session_key
    # Unread, so not checked: only the lookup answers from SDP data, and it refuses demo data.
    assert Settings.from_env({**CLOUD_VALUES, "FUNCTION_TARGET": "submit", "SDP_SOURCE": "demo"})
    with pytest.raises(ConfigurationError, match="SDP_SOURCE"):
        Settings.from_env({**row_env("sdp_lookup"), "REMISI_MODE": "cloud", "SDP_SOURCE": "demo"})


def test_a_function_without_a_row_does_not_start():
    with pytest.raises(ConfigurationError, match="FUNCTION_TARGET='echo' has no row"):
        Settings.from_env({**CLOUD, "FUNCTION_TARGET": "echo"})


def test_local_functions_read_their_row_and_the_emulators():
    settings = Settings.from_env({**LOCAL, "FUNCTION_TARGET": "submit"})
    assert settings.ktp_bucket == "remisi-ktp-local"
    assert settings.storage_public_url == "http://127.0.0.1:9199"
    with pytest.raises(SettingNotGiven, match="submit is not given DISPATCH_QUEUE"):
        _ = settings.dispatch_queue


def test_settings_never_show_their_values():
    settings = Settings.from_env({**CLOUD_VALUES, "FUNCTION_TARGET": "operator"})
    assert "k" * 8 not in repr(settings)


@pytest.fixture
def offline_credentials(tmp_path, monkeypatch):
    # Clients are made, never called: a key that loads but grants nothing anywhere.
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(fake_service_account_key(tmp_path)))


@pytest.mark.parametrize("function", sorted(FUNCTION_SETTINGS))
def test_each_functions_cloud_container_is_made_from_its_row_alone(function, offline_credentials):
    settings = Settings.from_env({"REMISI_MODE": "cloud", **row_env(function)})
    container = bootstrap(settings, function=function)
    # Start-up checks of the caller read the row too (main.py makes them on the first call).
    if function in ("sdp_lookup", "dispatch", "sweep"):
        assert caller_verifier(settings, function)
    for part, (who, setting) in container._refused.items():
        assert who == function and setting not in FUNCTION_SETTINGS[function], part
        with pytest.raises(SettingNotGiven, match=f"{function} is not given {setting}"):
            getattr(container, part)


def test_a_container_refuses_what_its_function_is_not_given(offline_credentials):
    status = bootstrap(
        Settings.from_env({**CLOUD_VALUES, "FUNCTION_TARGET": "status"}), function="status"
    )
    assert status.requests is not None and status.clock is not None
    for part in ("files", "tasks", "sdp", "dispatch_queue", "relay_after", "email", "session_key"):
        with pytest.raises(SettingNotGiven):
            getattr(status, part)
    submit = bootstrap(
        Settings.from_env(row_env("submit") | {"REMISI_MODE": "cloud"}), function="submit"
    )
    assert submit.files is not None and submit.upload_url_valid_for.total_seconds() == 900
    with pytest.raises(SettingNotGiven, match="submit is not given REMISI_REGION"):
        _ = submit.tasks
    dispatch = bootstrap(
        Settings.from_env(row_env("dispatch") | {"REMISI_MODE": "cloud"}), function="dispatch"
    )
    assert dispatch.email is not None and dispatch.whatsapp is not None
    assert dispatch.max_attempts == 10 and dispatch.operator_alert_email == "ops@example.go.id"
    with pytest.raises(SettingNotGiven, match="dispatch is not given SDP_LOOKUP_QUEUE"):
        _ = dispatch.sdp_lookup_queue


def test_without_a_function_every_part_is_made(offline_credentials):
    container = bootstrap(Settings.from_env(CLOUD_VALUES))
    assert container._refused == {}


# --- each function's code path, on its own settings ------------------------------------------


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """What each function's real cloud container refuses, made from its row alone."""
    key = fake_service_account_key(tmp_path_factory.mktemp("key"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
        return {
            function: bootstrap(
                Settings.from_env({"REMISI_MODE": "cloud", **row_env(function)}), function=function
            )._refused
            for function in FUNCTION_SETTINGS
        }


def test_each_step_of_a_request_runs_on_its_functions_settings_alone(refusals):
    """One request's whole life on fakes, each step run by the function that runs it in the
    cloud, through a container that refuses what that function's container refuses: a step
    that reads a part made from a setting outside its function's row fails here."""

    def run_as(function: str) -> Container:
        view = Container(**{f.name: getattr(deps, f.name) for f in fields(Dependencies)})
        view._refused = refusals[function]
        return view

    deps = fake_dispatch_dependencies(fake_operator_dependencies())
    deps.operator_alert_email = "petugas@example.go.id"
    limiter = InMemoryRateLimiter()

    def upload(data: bytes) -> str:
        request = deps.requests.get(request_id)
        name = request.ktp.object_name
        generation = deps.files.put(name, data)
        obj = UploadedObject("b", name, generation, len(data), "image/jpeg")
        return services.handle_ktp_uploaded(obj, run_as("ktp_uploaded"))

    def tasks(kind: MessageKind) -> list[DispatchTask]:
        found = [
            DispatchTask.from_payload(t.payload) for t in deps.tasks.tasks if t.target == "dispatch"
        ]
        return [t for t in found if t.kind is kind]

    def settled_by_webhooks(kind: MessageKind, attempt: int, first: Channel) -> None:
        # Both providers report the message failed; the second report owes the alert.
        for channel in sorted(Channel, key=lambda c: c is not first):
            function = "sendgrid_events" if channel is Channel.EMAIL else "whatsapp_webhook"
            mid = message_id(request_id, kind, attempt, channel)
            state = dispatch.apply_provider_status(
                run_as(function), MessageState.FAILED, "x", mid=mid
            )
            assert state == "applied", function

    submitted = services.submit_request(form_payload(TODAY), run_as("submit")).request
    request_id, code = submitted.request_id, submitted.tracking_code
    assert upload(b"not a picture") == "rejected"
    for task in tasks(MessageKind.UPLOAD_REJECTED):
        assert dispatch.run_dispatch(task, run_as("dispatch")) == "accepted"
    settled_by_webhooks(MessageKind.UPLOAD_REJECTED, 1, first=Channel.EMAIL)
    public.new_upload(code, "081234567890", "image/jpeg", 900, "c", run_as("reupload"), limiter)
    assert upload(jpeg_bytes()) == "received"
    assert public.view_status(code, "081234567890", "c", run_as("status"), limiter)
    assert services.run_sdp_lookup(request_id, run_as("sdp_lookup")) == "awaiting_operator"
    for task in tasks(MessageKind.RECEIPT):
        assert dispatch.run_dispatch(task, run_as("dispatch")) == "accepted"
    settled_by_webhooks(MessageKind.RECEIPT, 2, first=Channel.WHATSAPP)
    alerts = tasks(MessageKind.OPERATOR_FAILURE)
    assert len(alerts) == 2
    for task in alerts:
        assert dispatch.run_dispatch(task, run_as("dispatch")) == "accepted"
    assert deps.email.sent[-1].to == "petugas@example.go.id"

    # The decision: its email bounces at once, its WhatsApp send is lost in a crash; the
    # operator gives that one up, which fails the request and owes the alert.
    operator = auth.create_operator(
        run_as("operator"),
        "siti.remisi",
        "Siti",
        Role.OPERATOR_REMISI,
        "kata-sandi-panjang-1",
        actor="t",
    ).operator
    review.decide(run_as("operator"), operator, request_id, DecisionKind.NOT_FOUND)
    deps.email.script = [ProviderError(Failure.PERMANENT, "invalid_email")]
    email, whatsapp = sorted(
        tasks(MessageKind.NOT_FOUND), key=lambda t: t.channel is Channel.WHATSAPP
    )
    assert dispatch.run_dispatch(email, run_as("dispatch")) == "failed"

    def crash(message):
        raise ConnectionAbortedError  # the provider may have sent; nobody learnt

    deps.whatsapp.send = crash
    with pytest.raises(ConnectionAbortedError):
        dispatch.run_dispatch(whatsapp, run_as("dispatch"))
    deps.clock.advance(minutes=5)
    assert dispatch.run_dispatch(whatsapp, run_as("dispatch"), 1) == "unknown"
    lost = message_id(request_id, MessageKind.NOT_FOUND, 2, Channel.WHATSAPP)
    assert review.settle_unknown_message(run_as("operator"), operator, request_id, lost, "give_up")
    assert deps.requests.get(request_id).status is Status.FAILED
    assert len(tasks(MessageKind.OPERATOR_FAILURE)) == 3

    # The sweep relays what was never acknowledged and expires an abandoned request.
    abandoned = services.submit_request(
        form_payload(TODAY, idempotency_key="k" * 20), run_as("submit")
    ).request
    deps.clock.advance(hours=25)
    report = services.sweep(run_as("sweep"))
    assert report.expired == 1 and report.relayed >= 1
    assert deps.requests.get(abandoned.request_id).status is Status.EXPIRED
