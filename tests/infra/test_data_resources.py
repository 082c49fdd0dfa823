"""Queues, Firestore and buckets agree with what the code names, queries and expects."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from shared.adapters import (
    firestore_complaints,
    firestore_messages,
    firestore_operators,
    firestore_privacy,
    firestore_rate_limiter,
    firestore_repository,
)
from shared.adapters.records import to_document
from shared.config import SETTINGS, default_of
from shared.domain import retention
from shared.domain.model import KtpContentType
from shared.service_layer import services
from shared.service_layer.ports import AuditEvent
from tests.fakes import FixedClock, fake_dependencies
from tests.infra.tf import ROOT, attr, blocks, module_config, stack
from tests.samples import CLOUD_ENV, fake_service_account_key, form_payload

# Queues declared before the code that uses them exists, and which issue brings that code.
DECLARED_AHEAD = {"dispatch": "messaging: email and WhatsApp dispatch"}


def queues() -> dict[str, dict]:
    return stack().modules_from("../tasks_queue")


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)s", duration)
    assert match, f"durations are written as '<n>s', got {duration!r}"
    return float(match[1])


# --- Cloud Tasks ------------------------------------------------------------------------------


def test_queue_settings_name_declared_queues():
    names = {attr(q, "name"): key for key, q in queues().items()}
    queue_settings = [s for s in SETTINGS if s.env.endswith("_QUEUE")]
    assert queue_settings, "shared.config has no *_QUEUE setting any more?"
    for setting in queue_settings:
        # The local default is the queue id the code and its tests use everywhere.
        assert setting.local_default in names, f"no queue {setting.local_default!r} in infra"
    referenced = {s.local_default for s in queue_settings}
    for name in names:
        assert name in referenced or name in DECLARED_AHEAD, f"queue {name!r} serves nothing"


def test_sdp_lookup_setting_carries_the_sdp_lookup_queue():
    queue = queues()["sdp_lookup_queue"]
    setting = next(s for s in SETTINGS if s.env == "SDP_LOOKUP_QUEUE")
    assert attr(queue, "name") == setting.local_default == "sdp-lookup"


def test_sdp_lookup_queue_retries_until_the_code_hands_over():
    # With SDP down the code raises (503, retried) until the SDP_ATTEMPTS_BEFORE_MANUALth
    # attempt, which hands the request to an operator. Fewer attempts strand the request.
    queue = queues()["sdp_lookup_queue"]
    attempts = attr(queue, "max_attempts")
    assert attempts == -1 or attempts >= services.SDP_ATTEMPTS_BEFORE_MANUAL
    assert seconds(attr(queue, "min_backoff")) >= 1
    assert seconds(attr(queue, "max_backoff")) >= seconds(attr(queue, "min_backoff"))
    assert attr(queue, "max_doublings") >= 1
    duration = seconds(attr(queue, "max_retry_duration"))
    if duration:
        # The backoff before the hand-over attempt must fit in the retry window.
        waits = sum(
            min(seconds(attr(queue, "min_backoff")) * 2**i, seconds(attr(queue, "max_backoff")))
            for i in range(services.SDP_ATTEMPTS_BEFORE_MANUAL - 1)
        )
        assert duration > waits


def test_every_queue_has_retry_and_rate_limits():
    for key, queue in queues().items():
        for name in (
            "max_attempts",
            "min_backoff",
            "max_backoff",
            "max_doublings",
            "max_dispatches_per_second",
            "max_concurrent_dispatches",
        ):
            assert attr(queue, name) is not None, f"{key} lacks {name}"
        assert attr(queue, "max_dispatches_per_second") > 0


# --- Firestore --------------------------------------------------------------------------------


def firestore() -> dict:
    return stack().module("firestore")


def test_ttl_covers_the_bookkeeping_and_never_a_request():
    collections = {
        firestore_repository.IDEMPOTENCY_KEYS,
        firestore_rate_limiter.RATE_LIMITS,
        firestore_operators.SIGN_IN_FAILURES,
        firestore_operators.SESSIONS,
        firestore_operators.AUDIT,
        # A complaint is kept a year (shared.domain.complaints.RETENTION), then deleted.
        firestore_complaints.COMPLAINTS,
    }
    assert set(attr(firestore(), "ttl_collections")) == collections
    # A TTL on these deleted open requests 90 days after submission (issue 11): the retention
    # function redacts closed ones instead, and open ones are never deleted.
    for kept in (
        firestore_repository.REQUESTS,
        firestore_repository.TRACKING_CODES,
        firestore_messages.MESSAGES,
    ):
        assert kept not in attr(firestore(), "ttl_collections")


def test_ttl_field_is_the_one_the_code_writes_and_requests_carry_none():
    deps = fake_dependencies(clock=FixedClock())
    submitted = services.submit_request(form_payload(deps.clock.now().date()), deps)
    field = attr(firestore(), "ttl_field")
    assert field not in to_document(submitted.request)
    assert field == firestore_privacy.LEGACY_TTL_FIELD  # what the job strips from old documents
    event = firestore_operators.audit_document(AuditEvent(deps.clock.now(), "a", "b"))
    assert event[field] == deps.clock.now() + retention.AUDIT


def test_composite_index_for_list_by_status():
    indexes = attr(firestore(), "composite_indexes")
    wanted = {
        "collection": firestore_repository.REQUESTS,
        "fields": [
            {"field_path": "status", "order": "ASCENDING"},
            {"field_path": "status_entered_at", "order": "ASCENDING"},
        ],
    }
    assert wanted in indexes.values()


def test_firestore_is_native_and_regional():
    db = module_config("firestore").resource("google_firestore_database", "this")
    assert attr(db, "type") == "FIRESTORE_NATIVE"
    assert attr(db, "name") == "(default)"  # the code opens the default database
    assert attr(stack().module("firestore"), "location") == "${var.region}"


# --- buckets and retention ----------------------------------------------------------------------


def test_ktp_bucket_deletes_at_the_hard_cap_the_code_applies():
    # The lifecycle rule is the backstop of the retention job's KTP_MAX_DAYS.
    assert attr(stack().module("ktp_bucket"), "retention_days") == "${var.retention_days}"
    assert stack().default("retention_days") == int(default_of("KTP_MAX_DAYS"))


def test_upload_lifecycle_rule_names_the_codes_upload_objects():
    config = module_config("ktp_bucket")
    bucket = config.resource("google_storage_bucket", "this")
    rules = [
        (attr(r, "action")["type"], attr(r, "condition")) for r in blocks(bucket, "lifecycle_rule")
    ]
    deletes = [condition for action, condition in rules if action == "Delete"]
    everything = [c for c in deletes if set(c) - {"__start_line__", "__end_line__"} == {"age"}]
    assert [attr(c, "age") for c in everything] == ["${var.retention_days}"]

    upload_rule = next(c for c in deletes if "matches_suffix" in c)
    assert attr(upload_rule, "age") == "${var.upload_retention_days}"
    assert config.default("upload_retention_days") == 1
    prefix = attr(upload_rule, "matches_prefix")
    suffixes = config.locals["upload_suffixes"]
    assert '"/upload-${attempt}.${ext}"' in suffixes
    name = services.upload_object_name("0" * 32, 7, "jpg")
    assert any(name.startswith(p) for p in prefix) and name.endswith("/upload-7.jpg")
    verified = services.verified_object_name("0" * 32, 7, "jpg")
    assert not verified.endswith("/upload-7.jpg")
    assert set(config.default("upload_extensions")) == {ct.extension for ct in KtpContentType}


def test_bucket_names_are_distinct_and_project_scoped():
    config = stack()
    names = [
        attr(config.module("ktp_bucket"), "name"),
        attr(config.module("frontend"), "site_bucket_name"),
        attr(config.resource("google_storage_bucket", "function_source"), "name"),
    ]
    assert all(n.startswith("${var.project_id}-") for n in names)
    assert len(set(names)) == len(names)
    sdp = attr(config.resource("google_storage_bucket", "sdp_snapshots"), "name")
    assert "${var.project_id}-sdp-snapshots" in sdp


# --- function source package ----------------------------------------------------------------------


def test_function_source_has_main_at_root_next_to_shared_and_requirements():
    archive = stack().data[("archive_file", "function_source")]
    sources = {attr(s, "filename"): attr(s, "content") for s in blocks(archive, "source")}
    assert sources["main.py"] == '${file("${local.repo_root}/functions/main.py")}'
    assert sources["requirements.txt"] == '${file("${local.repo_root}/requirements.txt")}'
    dynamic = attr(archive, "dynamic")["source"]
    content = attr(dynamic, "content")
    assert attr(content, "filename") == "shared/${source.value}"
    assert stack().locals["repo_root"] == '${abspath("${path.module}/../../..")}'
    assert (ROOT / "functions" / "main.py").is_file()
    assert (ROOT / "shared" / "__init__.py").is_file()


def test_runtime_requirements_exist_and_serve_functions_framework():
    requirements = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^functions-framework==", requirements, re.M)


def packaged_files() -> dict[str, Path]:
    """The archive's files, by the same rule as storage.tf's `shared_files` local."""
    rule = stack().locals["shared_files"]
    for exclusion in ('"__pycache__"', '".pyc"'):
        assert exclusion in rule, "storage.tf's shared_files rule changed: update this test"
    files = {
        "main.py": ROOT / "functions" / "main.py",
        "requirements.txt": ROOT / "requirements.txt",
    }
    for path in sorted((ROOT / "shared").rglob("*")):
        relative = path.relative_to(ROOT / "shared").as_posix()
        if path.is_file() and not ("__pycache__" in relative or relative.endswith(".pyc")):
            files[f"shared/{relative}"] = path
    return files


def test_packaged_source_starts_in_cloud_mode_without_the_local_stack(tmp_path):
    for name, path in packaged_files().items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    env = {
        "PATH": os.environ.get("PATH", ""),
        # main.py makes its clients at import; an offline, never-used key lets them be made.
        "GOOGLE_APPLICATION_CREDENTIALS": str(fake_service_account_key(tmp_path.parent)),
        **CLOUD_ENV,
    }
    # Import what the cloud path imports, from the archive's layout only (not the repo).
    code = (
        "import sys; sys.path[:0] = ['.']; import main, shared.bootstrap; "
        "import shared.adapters.cloud_tasks_queue, shared.adapters.firestore_repository, "
        "shared.adapters.gcs_file_store, shared.adapters.task_auth, "
        "shared.sdp_directory.directory, shared.adapters.sendgrid_email, "
        "shared.adapters.whatsapp_cloud, shared.adapters.firestore_messages; "
        "assert main.__file__.startswith(sys.argv[1]), main.__file__; "
        "assert 'localdev' not in sys.modules"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_retention_function_may_list_and_delete_ktp_objects_and_nothing_more():
    role = stack().resource("google_project_iam_custom_role", "ktp_deleter")
    assert sorted(attr(role, "permissions")) == ["storage.objects.delete", "storage.objects.list"]
    rows = [r for r in stack().locals["grants"] if r["account"] == "retention"]
    assert {(r["role"], r["on"]) for r in rows} == {
        ("roles/datastore.user", "project"),
        ("${local.ktp_deleter_role}", "bucket:ktp"),
    }
    assert stack().locals["ktp_deleter_role"].endswith("/roles/" + attr(role, "role_id"))
