"""Each function gets the settings its code reads and no others (shared.config.FUNCTION_SETTINGS,
which the code enforces: a function reads only its row), starts with exactly what infra gives
it, and no local-only setting reaches any function (the code refuses to start in either case).
Secrets too: a function's account may read only the secrets that fill settings of its row."""

from __future__ import annotations

import ast
import re

import pytest

from shared.bootstrap import bootstrap, caller_verifier
from shared.config import FUNCTION_SETTINGS, LOCAL_ONLY, SETTINGS, Settings
from tests.infra.test_iam import granted
from tests.infra.tf import ROOT, environment_of, functions, ref, resolve, stack
from tests.samples import fake_service_account_key

KNOWN = {s.env for s in SETTINGS}


def given(function: dict) -> dict[str, str]:
    """Every setting infra gives one function: its environment, then its secrets' ids."""
    secrets = resolve(stack(), function.get("secrets", {}))
    assert isinstance(secrets, dict), "secrets must be a literal map"
    overlap = set(environment_of(function)) & set(secrets)
    assert not overlap, f"{sorted(overlap)} both plain and secret"
    return {**environment_of(function), **{k: f"secret:{v}" for k, v in secrets.items()}}


def entry_points_in_main() -> set[str]:
    tree = ast.parse((ROOT / "functions" / "main.py").read_text())
    found = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if ast.unparse(decorator) in (
                "functions_framework.http",
                "functions_framework.cloud_event",
            ):
                found.add(node.name)
    return found


def test_main_py_has_the_known_entry_points():
    # The parser above must find them, or every test below is vacuous.
    assert {"submit", "ktp_uploaded", "sdp_lookup"} <= entry_points_in_main()


def test_every_entry_point_is_deployed_as_a_function():
    deployed = {m["entry_point"] for m in functions().values()}
    assert deployed == entry_points_in_main()


def test_each_function_gets_only_settings_its_code_reads():
    assert functions(), "no function modules found"
    for name, function in functions().items():
        extra = set(given(function)) - set(FUNCTION_SETTINGS[name])
        assert not extra, f"{name} is given {sorted(extra)}, which its code does not read"


@pytest.mark.parametrize("name", sorted(FUNCTION_SETTINGS))
def test_each_function_gets_the_required_settings_of_its_row(name):
    required = [s.env for s in SETTINGS if s.cloud_required and s.env in FUNCTION_SETTINGS[name]]
    settings = given(functions()[name])
    lacking = [s for s in required if settings.get(s) in (None, "")]
    assert not lacking, f"{name} lacks {lacking}: the code refuses to start"


def test_a_setting_infra_gives_reaches_every_function_that_reads_it():
    # Otherwise a function runs with the default where another runs with the configured
    # value (as OPERATOR_ALERT_EMAIL once reached dispatch but not the webhooks, which settle
    # messages too).
    by_function = {name: given(function) for name, function in functions().items()}
    values: dict[str, set[str]] = {}
    for settings in by_function.values():
        for setting, value in settings.items():
            values.setdefault(setting, set()).add(value)
    for setting in values:
        readers = {name for name, row in FUNCTION_SETTINGS.items() if setting in row}
        lacking = sorted(n for n in readers if setting not in by_function[n])
        assert not lacking, f"{setting} is given, but not to {lacking}, which read it"
    # One value each, but the signer: the operator page signs its KTP read URLs as itself.
    assert {k for k, v in values.items() if len(v) > 1} == {"SIGNING_SERVICE_ACCOUNT"}


def offline(value: str) -> str:
    """A Terraform value as a plausible literal: every reference becomes `x`."""
    return re.sub(r"\$\{[^}]*\}", "x", value)


@pytest.mark.parametrize("name", sorted(FUNCTION_SETTINGS))
def test_each_function_starts_with_exactly_what_infra_gives_it(name, tmp_path, monkeypatch):
    # The cold start on Cloud Functions: the settings, the container, the caller check. Clients
    # are made, never called (a key that grants nothing). A secret is a long random value.
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(fake_service_account_key(tmp_path)))
    env = {
        setting: "s" * 48 if value.startswith("secret:") else offline(value)
        for setting, value in given(functions()[name]).items()
    }
    settings = Settings.from_env({**env, "FUNCTION_TARGET": name})
    bootstrap(settings, function=name)
    if name in ("sdp_lookup", "dispatch", "sweep"):
        caller_verifier(settings, name)


def secret_readers() -> dict[str, set[tuple[str, str]]]:
    """Secret -> the (function, setting) pairs it fills, from the functions' `secrets` maps."""
    readers: dict[str, set[tuple[str, str]]] = {}
    for name, function in functions().items():
        for setting, secret in resolve(stack(), function.get("secrets", {})).items():
            readers.setdefault(secret, set()).add((name, setting))
    return readers


def test_each_secret_is_readable_exactly_by_the_functions_that_read_its_setting():
    declared = {
        f'${{google_secret_manager_secret.this["{key}"].secret_id}}'
        for key in stack().locals["secrets"]
    }
    readers = secret_readers()
    assert set(readers) == declared, "a secret nobody reads, or one that is not declared"
    for secret, pairs in readers.items():
        (setting,) = {s for _, s in pairs}  # one secret fills one setting
        wanted = {name for name, row in FUNCTION_SETTINGS.items() if setting in row}
        assert {name for name, _ in pairs} == wanted, secret
    # And IAM grants secretAccessor for exactly those (the function module's accessor, and
    # nothing project-wide).
    accessors = {(who, on) for who, role, on in granted() if role.endswith("secretAccessor")}
    assert accessors == {
        (name, f"secret:{secret}") for secret, pairs in readers.items() for name, _ in pairs
    }


def test_no_local_only_setting_reaches_a_function():
    for name, module in functions().items():
        names = set(environment_of(module)) | set(module.get("secrets", {}))
        stray = names & set(LOCAL_ONLY)
        assert not stray, f"{name} sets local-only {sorted(stray)}: cloud mode refuses to start"


def test_functions_only_get_settings_the_code_knows():
    # A typo ("KTP_BUCKT") would leave the real setting missing; a removed setting lingers.
    config = stack()
    unknown = set(config.locals["function_environment"]) - KNOWN
    assert not unknown, f"function_environment sets {sorted(unknown)}, which the code does not read"
    for name, module in functions().items():
        unknown = set(given(module)) - KNOWN
        assert not unknown, f"{name} sets {sorted(unknown)}, which shared.config does not read"


def test_every_function_runs_in_cloud_mode():
    for module in functions().values():
        assert environment_of(module)["REMISI_MODE"] == "cloud"


def test_settings_point_at_the_declared_resources():
    config = stack()
    expected = {
        "GOOGLE_CLOUD_PROJECT": "${var.project_id}",
        "REMISI_REGION": "${var.region}",
        "KTP_BUCKET": "${module.ktp_bucket.name}",
        "SDP_LOOKUP_QUEUE": "${module.sdp_lookup_queue.name}",
        "SDP_LOOKUP_URL": "${local.sdp_lookup_url}",
        "DISPATCH_QUEUE": "${module.dispatch_queue.name}",
        "DISPATCH_URL": "${local.dispatch_url}",
        "TASKS_SERVICE_ACCOUNT": '${google_service_account.this["tasks_invoker"].email}',
        # Real, imported SDP data in the cloud; the code refuses demo data there.
        "SDP_SOURCE": "gcs",
        "SDP_BUCKET": "${google_storage_bucket.sdp_snapshots.name}",
    }
    for name, module in functions().items():
        env = environment_of(module)
        for setting, value in expected.items():
            assert env.get(setting, value) == value, (name, setting)
        # Submit signs uploads (reupload as submit, whose grant the PUT uses) and the operator
        # page its KTP reads, each as itself.
        if "SIGNING_SERVICE_ACCOUNT" in env:
            signer = "operator" if name == "operator" else "submit"
            assert env["SIGNING_SERVICE_ACCOUNT"] == functions()[signer]["service_account_email"]
    assert "SDP_BUCKET" in environment_of(functions()["sdp_lookup"])
    for key in ("ktp_bucket", "sdp_lookup_queue", "dispatch_queue"):
        assert key in config.modules


def test_region_defaults_to_jakarta():
    assert stack().default("region") == "asia-southeast2"


def test_sdp_lookup_url_is_the_sdp_lookup_function_and_its_checked_audience():
    config = stack()
    sdp = functions()["sdp_lookup"]
    url = config.locals["sdp_lookup_url"]
    assert url == "https://${var.region}-${var.project_id}.cloudfunctions.net/" + sdp["name"]
    # The function module fails the apply if the deployed URL differs from this.
    assert sdp["expected_url"] == "${local.sdp_lookup_url}"


def test_ktp_trigger_watches_the_bucket_the_code_checks():
    # ktp_uploaded ignores events whose bucket differs from KTP_BUCKET.
    module = functions()["ktp_uploaded"]
    trigger = module["event_trigger"]
    assert trigger["event_type"] == "google.cloud.storage.object.v1.finalized"
    assert trigger["filters"] == {"bucket": environment_of(module)["KTP_BUCKET"]}


def test_each_function_runs_as_its_own_service_account():
    accounts = [ref(m["service_account_email"]) for m in functions().values()]
    assert len(accounts) == len(set(accounts))
    assert all(a.startswith("google_service_account.") for a in accounts)
