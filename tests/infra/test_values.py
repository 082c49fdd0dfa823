"""Values the provider's schema types only as strings and numbers, checked against what Google
accepts and what the code relies on: the Cloud Functions runtime, the Cloud Tasks queues and the
Cloud Scheduler job the code's settings point at, IAM role names, and the tables' own fields (a
misspelt field in a row would otherwise be silently ignored)."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from shared.config import SETTINGS
from tests.infra.tf import (
    INFRA,
    ROOT,
    all_tf_files,
    attr,
    blocks,
    environment_of,
    functions,
    module_config,
    resolve,
    stack,
)

REFERENCE = INFRA / "reference"


def reference_lines(name: str) -> list[str]:
    lines = (REFERENCE / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# --- the tables' fields -----------------------------------------------------------------------


def test_function_rows_name_only_inputs_the_module_call_passes():
    call = stack().module("function")
    passed = {
        m[1]
        for value in call.values()
        if isinstance(value, str)
        for m in [re.fullmatch(r"\$\{try\(each\.value\.(\w+), null\)\}", value)]
        if m
    }
    variables = set(module_config("cloud_function").variables)
    assert passed and passed <= variables, passed - variables
    # Fields the call reads itself, e.g. the names picked out of a map (tf.instances).
    consumed = {
        m[1]
        for value in call.values()
        if isinstance(value, str)
        for m in re.finditer(r"each\.value\.(\w+)", value)
    }
    for key, row in stack().locals["functions"].items():
        unknown = set(row) - passed - consumed
        assert not unknown, f"functions.tf row {key}: {sorted(unknown)} reach no module input"


def test_service_account_rows_have_exactly_their_fields():
    for key, row in stack().locals["service_accounts"].items():
        assert set(row) == {"id", "about"}, key


# --- the Cloud Functions runtime ----------------------------------------------------------------


def runtimes() -> dict[str, tuple[date, date]]:
    table = {}
    for line in reference_lines("function-runtimes.txt"):
        runtime, deprecation, decommission = line.split()
        table[runtime] = (date.fromisoformat(deprecation), date.fromisoformat(decommission))
    return table


def deployed_runtime() -> str:
    function = module_config("cloud_function").resource("google_cloudfunctions2_function", "this")
    return attr(blocks(function, "build_config")[0], "runtime")


def check_runtime(runtime: str, python: str, today: date) -> list[str]:
    table = runtimes()
    if runtime not in table:
        return [f"{runtime!r} is not a Cloud Functions Python runtime (infra/reference)"]
    problems = []
    if runtime != "python" + python.replace(".", ""):
        problems.append(f"{runtime} is not the project's Python {python} (pyproject.toml)")
    if today >= table[runtime][1]:
        problems.append(f"{runtime} was decommissioned on {table[runtime][1]}: move on")
    return problems


def project_python() -> str:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    match = re.fullmatch(r">=(3\.\d+),<3\.\d+", pyproject["project"]["requires-python"])
    assert match, "requires-python names one minor version: the one deployed"
    return match[1]


def test_functions_run_the_projects_python_on_a_live_runtime():
    assert check_runtime(deployed_runtime(), project_python(), date.today()) == []


def test_the_runtime_check_refuses_typos_other_pythons_and_dead_runtimes():
    assert check_runtime("python3.11", "3.11", date(2026, 12, 1))[0].startswith("'python3.11'")
    assert "not the project's Python" in check_runtime("python312", "3.11", date(2026, 12, 1))[0]
    assert "decommissioned" in check_runtime("python310", "3.10", date(2027, 4, 4))[0]
    assert check_runtime("python311", "3.11", date(2026, 12, 1)) == []


# --- IAM roles ----------------------------------------------------------------------------------

# Predefined roles; a custom role (projects/<id>/roles/<name>) is checked for its permissions.
ROLE = re.compile(r"(?<![\w}/])roles/[A-Za-z0-9_.]+")


def predefined_roles() -> set[str]:
    roles = set(reference_lines("iam-predefined-roles.txt"))
    for role in roles:
        assert re.fullmatch(r"roles/[a-z]+(\.[a-z]+)?\.[a-zA-Z]+", role), role
    return roles


def roles_used() -> dict[str, set[str]]:
    used = {}
    for path in all_tf_files():
        for role in ROLE.findall(path.read_text()):
            used.setdefault(role, set()).add(path.relative_to(INFRA).as_posix())
    return used


def test_every_role_infra_grants_is_a_predefined_role():
    used = roles_used()
    # The scan really sees the table in service_accounts.tf and the modules' own roles.
    assert {"roles/datastore.user", "roles/run.invoker", "roles/cloudtasks.enqueuer"} <= set(used)
    unknown = {role: files for role, files in used.items() if role not in predefined_roles()}
    assert not unknown, f"not in infra/reference/iam-predefined-roles.txt: {unknown}"


def test_a_misspelt_role_is_not_predefined():
    roles = predefined_roles()
    assert "roles/storage.objectCreator" in roles
    for typo in ("roles/storage.objectCreater", "roles/storage.objectWriter", "roles/owner"):
        assert typo not in roles


def test_no_account_may_act_as_any_service_account_project_wide():
    # checkov's CKV_GCP_41/49 cannot see through the grant table; this is the same rule.
    for row in stack().locals["grants"]:
        if row["on"] == "project":
            assert not row["role"].startswith("roles/iam.serviceAccount"), row


# --- Cloud Tasks --------------------------------------------------------------------------------

# Cloud Tasks API limits (cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues).
MAX_DISPATCHES_PER_SECOND = 500
MAX_CONCURRENT_DISPATCHES = 5000
# The code sets no dispatch deadline on its tasks, so Cloud Tasks' default of 10 minutes holds:
# a target that may run longer is retried while it still works.
DEFAULT_DISPATCH_DEADLINE_SECONDS = 600


def queues() -> dict[str, dict]:
    return {attr(q, "name"): q for q in stack().modules_from("../tasks_queue").values()}


def duration(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d{1,9})?)s", value)
    assert match, f"Cloud Tasks durations are '<seconds>s', got {value!r}"
    return float(match[1])


@pytest.mark.parametrize("name", sorted(queues()))
def test_queue_values_are_ones_cloud_tasks_accepts(name):
    queue = queues()[name]
    assert re.fullmatch(r"[A-Za-z0-9-]{1,100}", name)
    attempts = attr(queue, "max_attempts")
    assert attempts == -1 or attempts >= 1
    assert 0 < duration(attr(queue, "min_backoff")) <= duration(attr(queue, "max_backoff"))
    assert duration(attr(queue, "max_retry_duration", "0s")) >= 0
    assert attr(queue, "max_doublings") >= 0
    assert 0 < attr(queue, "max_dispatches_per_second") <= MAX_DISPATCHES_PER_SECOND
    assert 1 <= attr(queue, "max_concurrent_dispatches") <= MAX_CONCURRENT_DISPATCHES


def task_targets() -> dict[str, tuple[dict, dict]]:
    """Queue name -> (queue, the function its tasks are sent to), through the code's settings:
    <X>_QUEUE names the queue and <X>_URL the target, whose expected_url is that URL."""
    config = stack()
    env = resolve(config, "${local.function_environment}")
    by_url = {f.get("expected_url"): f for f in functions().values() if f.get("expected_url")}
    targets = {}
    for setting in SETTINGS:
        if not setting.env.endswith("_QUEUE"):
            continue
        url = env[setting.env.removesuffix("_QUEUE") + "_URL"]
        targets[setting.local_default] = (queues()[setting.local_default], by_url[url])
    return targets


def test_every_queue_the_code_names_sends_to_a_function_only_tasks_may_call():
    targets = task_targets()
    assert set(targets) == set(queues())
    env = resolve(stack(), "${local.function_environment}")
    for name, (_, function) in targets.items():
        # The token Cloud Tasks attaches is TASKS_SERVICE_ACCOUNT's; the target accepts only it.
        invoker = "serviceAccount:" + env["TASKS_SERVICE_ACCOUNT"]
        assert resolve(stack(), function["invoker_members"]) == [invoker], name
        assert function.get("public", False) is False, name
        assert function.get("timeout_seconds", 60) <= DEFAULT_DISPATCH_DEADLINE_SECONDS, name


def test_dispatch_gives_up_on_the_queues_last_attempt():
    queue, function = task_targets()["dispatch"]
    # DISPATCH_MAX_ATTEMPTS tells the code which attempt is the last: the queue's.
    assert environment_of(function)["DISPATCH_MAX_ATTEMPTS"] == str(attr(queue, "max_attempts"))


# --- Cloud Scheduler ----------------------------------------------------------------------------

CRON_FIELDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def cron_problems(expression: str) -> list[str]:
    """Cloud Scheduler takes unix-cron: five fields of numbers, ranges, lists and steps."""
    fields = expression.split()
    if len(fields) != 5:
        return [f"{expression!r}: five fields expected"]
    problems = []
    for text, (low, high) in zip(fields, CRON_FIELDS, strict=True):
        for part in text.split(","):
            match = re.fullmatch(r"(\*|(\d+)(?:-(\d+))?)(?:/(\d+))?", part)
            bounds = [int(n) for n in (match[2], match[3]) if n] if match else []
            if not match or any(not low <= n <= high for n in bounds) or match[4] == "0":
                problems.append(f"{expression!r}: {part!r} is not in {low}-{high}")
    return problems


def scheduled() -> list[tuple[str, dict, dict]]:
    return [
        (name, function, job)
        for name, function in functions().items()
        for job in (function.get("schedules") or {}).values()
    ]


def test_schedules_are_valid_unix_cron_in_a_real_time_zone_with_a_json_body():
    assert scheduled(), "no Cloud Scheduler job found"
    for name, _, job in scheduled():
        assert cron_problems(job["schedule"]) == [], name
        ZoneInfo(job["time_zone"])  # raises for a zone Cloud Scheduler would refuse too
        json.loads(job["body"])


def test_the_cron_check_refuses_what_cloud_scheduler_refuses():
    assert cron_problems("*/10 * * * *") == []
    assert cron_problems("0 8-16 * * 1-5") == []
    assert cron_problems("*/10 * * *")
    assert cron_problems("60 * * * *")
    assert cron_problems("0 24 * * *")
    assert cron_problems("*/0 * * * *")
    assert cron_problems("0 */30 * * *") == []
    assert cron_problems("every 10 minutes please")


def test_scheduler_calls_the_sweep_url_with_the_account_the_code_accepts():
    env = resolve(stack(), "${local.function_environment}")
    for name, function, _ in scheduled():
        # The job's OIDC audience and target are the module's predicted URL: its *_URL setting.
        url = {"sweep": "SWEEP_URL", "retention": "RETENTION_URL"}[name]
        assert function["expected_url"] == env[url] == f"${{local.{name}_url}}", name
        assert function["scheduler_service_account"] == env["SCHEDULER_SERVICE_ACCOUNT"], name
        # Cloud Scheduler's HTTP attempt deadline is 15 s to 30 min; the module sets it to the
        # function's timeout.
        assert 15 <= function.get("timeout_seconds", 60) <= 1800, name
    job = module_config("cloud_function").resource("google_cloud_scheduler_job", "this")
    target = blocks(job, "http_target")[0]
    assert attr(target, "http_method") == "POST"
    assert attr(target, "uri") == attr(blocks(target, "oidc_token")[0], "audience")
    assert attr(target, "headers") == {"Content-Type": "application/json"}
    assert attr(job, "attempt_deadline") == "${var.timeout_seconds}s"
    assert 0 <= attr(blocks(job, "retry_config")[0], "retry_count") <= 5
