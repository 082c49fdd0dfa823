"""Every setting the code reads at start reaches every function, with the right value, and no
local-only setting reaches any function (the code refuses to start in either case)."""

from __future__ import annotations

import ast

import pytest

from shared.config import LOCAL_ONLY, SETTINGS
from tests.infra.tf import ROOT, environment_of, functions, ref, stack

CLOUD_REQUIRED = [s.env for s in SETTINGS if s.cloud_required]
KNOWN = {s.env for s in SETTINGS}


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


@pytest.mark.parametrize("setting", CLOUD_REQUIRED)
def test_every_cloud_required_setting_reaches_every_function(setting):
    assert functions(), "no function modules found"
    for name, module in functions().items():
        value = environment_of(module).get(setting)
        assert value not in (None, ""), f"{name} lacks {setting}: the code refuses to start"


def test_no_local_only_setting_reaches_a_function():
    for name, module in functions().items():
        names = set(environment_of(module)) | set(module.get("secrets", {}))
        stray = names & set(LOCAL_ONLY)
        assert not stray, f"{name} sets local-only {sorted(stray)}: cloud mode refuses to start"


def test_functions_only_get_settings_the_code_knows():
    # A typo ("KTP_BUCKT") would leave the real setting missing; a removed setting lingers.
    for name, module in functions().items():
        unknown = set(environment_of(module)) - KNOWN
        assert not unknown, f"{name} sets {sorted(unknown)}, which shared.config does not read"


def test_every_function_runs_in_cloud_mode():
    for module in functions().values():
        assert environment_of(module)["REMISI_MODE"] == "cloud"


def test_settings_point_at_the_declared_resources():
    config = stack()
    for name, module in functions().items():
        env = environment_of(module)
        assert env["GOOGLE_CLOUD_PROJECT"] == "${var.project_id}", name
        assert env["REMISI_REGION"] == "${var.region}", name
        assert env["KTP_BUCKET"] == "${module.ktp_bucket.name}", name
        assert env["SDP_LOOKUP_QUEUE"] == "${module.sdp_lookup_queue.name}", name
        assert (
            env["TASKS_SERVICE_ACCOUNT"] == '${google_service_account.this["tasks_invoker"].email}'
        )

        # Submit signs uploads and the operator page KTP reads, each as itself; every function
        # carries the setting because the code requires it.
        signer = "operator" if name == "operator" else "submit"
        assert env["SIGNING_SERVICE_ACCOUNT"] == functions()[signer]["service_account_email"]
        assert env["SDP_LOOKUP_URL"] == "${local.sdp_lookup_url}", name
        # Real, imported SDP data in the cloud; the code refuses demo data there.
        assert env["SDP_SOURCE"] == "gcs", name
        assert env["SDP_BUCKET"] == "${google_storage_bucket.sdp_snapshots.name}", name
    for key in ("ktp_bucket", "sdp_lookup_queue"):
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
