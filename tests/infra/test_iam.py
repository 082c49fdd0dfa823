"""Least privilege, as an explicit table: every grant infra/ makes, to whom, on what. A new or
wider grant fails here until it is added to EXPECTED on purpose."""

from __future__ import annotations

import re

import hcl2

from tests.infra.tf import all_tf_files, attr, blocks, functions, module_config, ref, resolve, stack

SESSION_KEY_SECRET = 'secret:${google_secret_manager_secret.this["session-key"].secret_id}'
SENDGRID_KEY_SECRET = 'secret:${google_secret_manager_secret.this["sendgrid-api-key"].secret_id}'
WHATSAPP_TOKEN_SECRET = 'secret:${google_secret_manager_secret.this["whatsapp-token"].secret_id}'
WHATSAPP_APP_SECRET = 'secret:${google_secret_manager_secret.this["whatsapp-app-secret"].secret_id}'
WHATSAPP_VERIFY_SECRET = (
    'secret:${google_secret_manager_secret.this["whatsapp-verify-token"].secret_id}'
)
SURVEY_KEY_SECRET = 'secret:${google_secret_manager_secret.this["survey-token-key"].secret_id}'

# (principal, role, scope). Principals are the stack's google_service_account names, plus the
# Cloud Storage service agent and allUsers.
EXPECTED = {
    # submit: writes requests; signs upload URLs as itself; the signed PUT creates as it.
    ("submit", "roles/datastore.user", "project"),
    ("submit", "roles/storage.objectCreator", "bucket:ktp"),
    ("submit", "roles/iam.serviceAccountTokenCreator", "service_account:submit"),
    # ktp_uploaded: reads/writes/deletes KTP objects, updates requests, queues lookups with an
    # OIDC token of tasks-invoker.
    ("ktp_uploaded", "roles/datastore.user", "project"),
    ("ktp_uploaded", "roles/storage.objectUser", "bucket:ktp"),
    ("ktp_uploaded", "roles/cloudtasks.enqueuer", "queue:sdp-lookup"),
    ("ktp_uploaded", "roles/iam.serviceAccountUser", "service_account:tasks_invoker"),
    # sdp_lookup: updates requests; reads SDP snapshots (the SDP import lands them there).
    ("sdp_lookup", "roles/datastore.user", "project"),
    ("sdp_lookup", "roles/storage.objectViewer", "bucket:sdp_snapshots"),
    # status: reads requests, writes its per-client rate-limit counters.
    ("status", "roles/datastore.user", "project"),
    # reupload: restarts uploads; signs upload URLs as submit (whose create grant the PUT uses).
    ("reupload", "roles/datastore.user", "project"),
    ("reupload", "roles/iam.serviceAccountTokenCreator", "service_account:submit"),
    # operator: reads/decides requests, accounts, sessions, audit; signs 5-minute KTP read URLs
    # as itself (objectViewer: a signed GET can only read); the session-key secret.
    ("operator", "roles/datastore.user", "project"),
    ("operator", "roles/storage.objectViewer", "bucket:ktp"),
    ("operator", "roles/iam.serviceAccountTokenCreator", "service_account:operator"),
    ("operator", "roles/secretmanager.secretAccessor", SESSION_KEY_SECRET),
    ("allUsers", "roles/run.invoker", "function:operator"),
    # Callers of private functions.
    ("sweep", "roles/datastore.user", "project"),
    ("sweep", "roles/storage.objectUser", "bucket:ktp"),
    ("sweep", "roles/cloudtasks.enqueuer", "queue:sdp-lookup"),
    ("sweep", "roles/iam.serviceAccountUser", "service_account:tasks_invoker"),
    ("scheduler", "roles/run.invoker", "function:sweep"),
    # retention: requests and aggregates; on the KTP bucket list + delete only (custom role).
    ("retention", "roles/datastore.user", "project"),
    ("retention", "${local.ktp_deleter_role}", "bucket:ktp"),
    ("scheduler", "roles/run.invoker", "function:retention"),
    ("tasks_invoker", "roles/run.invoker", "function:sdp-lookup"),
    ("ktp_trigger", "roles/run.invoker", "function:ktp-uploaded"),
    ("ktp_trigger", "roles/eventarc.eventReceiver", "project"),
    ("gcs_agent", "roles/pubsub.publisher", "project"),
    # Function builds.
    ("build", "roles/logging.logWriter", "project"),
    ("build", "roles/artifactregistry.writer", "project"),
    ("build", "roles/storage.objectViewer", "project if function source"),
    # Public on purpose: the form endpoint (behind the load balancer) and the static site.
    ("allUsers", "roles/run.invoker", "function:submit"),
    ("allUsers", "roles/run.invoker", "function:status"),
    ("allUsers", "roles/run.invoker", "function:reupload"),
    # complaint: writes complaints, reads requests it is tied to; queues the receipt.
    ("allUsers", "roles/run.invoker", "function:complaint"),
    ("complaint", "roles/datastore.user", "project"),
    ("complaint", "roles/cloudtasks.enqueuer", "queue:dispatch"),
    ("complaint", "roles/iam.serviceAccountUser", "service_account:tasks_invoker"),
    # privacy_request: reads requests (code + contact), writes the request about the data and
    # queues its confirmation.
    ("allUsers", "roles/run.invoker", "function:privacy-request"),
    ("privacy_request", "roles/datastore.user", "project"),
    ("privacy_request", "roles/cloudtasks.enqueuer", "queue:dispatch"),
    ("privacy_request", "roles/iam.serviceAccountUser", "service_account:tasks_invoker"),
    # survey: reads invitations and figures, writes anonymous answers. Whoever settles an
    # answer's messages (operator, dispatch, both webhooks) writes survey links with the key.
    ("allUsers", "roles/run.invoker", "function:survey"),
    ("survey", "roles/datastore.user", "project"),
    ("operator", "roles/secretmanager.secretAccessor", SURVEY_KEY_SECRET),
    ("dispatch", "roles/secretmanager.secretAccessor", SURVEY_KEY_SECRET),
    ("sendgrid_events", "roles/secretmanager.secretAccessor", SURVEY_KEY_SECRET),
    ("whatsapp_webhook", "roles/secretmanager.secretAccessor", SURVEY_KEY_SECRET),
    ("allUsers", "roles/storage.objectViewer", "bucket:site"),
    # Dispatch: queued by ktp_uploaded (receipt, rejection) and the operator page (decisions),
    # with tasks-invoker's OIDC token; dispatch and the webhooks queue operator notices.
    ("ktp_uploaded", "roles/cloudtasks.enqueuer", "queue:dispatch"),
    ("operator", "roles/cloudtasks.enqueuer", "queue:dispatch"),
    ("operator", "roles/iam.serviceAccountUser", "service_account:tasks_invoker"),
    ("dispatch", "roles/datastore.user", "project"),
    ("dispatch", "roles/cloudtasks.enqueuer", "queue:dispatch"),
    ("dispatch", "roles/iam.serviceAccountUser", "service_account:tasks_invoker"),
    ("dispatch", "roles/secretmanager.secretAccessor", SENDGRID_KEY_SECRET),
    ("dispatch", "roles/secretmanager.secretAccessor", WHATSAPP_TOKEN_SECRET),
    ("tasks_invoker", "roles/run.invoker", "function:dispatch"),
    ("sendgrid_events", "roles/datastore.user", "project"),
    ("sendgrid_events", "roles/cloudtasks.enqueuer", "queue:dispatch"),
    ("sendgrid_events", "roles/iam.serviceAccountUser", "service_account:tasks_invoker"),
    ("allUsers", "roles/run.invoker", "function:sendgrid-events"),
    ("whatsapp_webhook", "roles/datastore.user", "project"),
    ("whatsapp_webhook", "roles/cloudtasks.enqueuer", "queue:dispatch"),
    ("whatsapp_webhook", "roles/iam.serviceAccountUser", "service_account:tasks_invoker"),
    ("whatsapp_webhook", "roles/secretmanager.secretAccessor", WHATSAPP_APP_SECRET),
    ("whatsapp_webhook", "roles/secretmanager.secretAccessor", WHATSAPP_VERIFY_SECRET),
    ("allUsers", "roles/run.invoker", "function:whatsapp-webhook"),
}

# IAM resources each generic module may contain; their members come from inputs read below.
MODULE_IAM = {
    "cloud_function": {
        ("google_cloud_run_v2_service_iam_member", "public"),
        ("google_cloud_run_v2_service_iam_member", "invoker"),
        ("google_secret_manager_secret_iam_member", "accessor"),
    },
    "tasks_queue": {("google_cloud_tasks_queue_iam_member", "enqueuer")},
    "https_frontend": {("google_storage_bucket_iam_member", "site_public")},
    "ktp_bucket": set(),
    "firestore": set(),
    "monitoring": set(),
    "project_services": set(),
}

IAM_TYPE = re.compile(r"^google_.*_iam_(member|binding|policy)$|_acl$")


ACCOUNT = r'google_service_account\.this\["(\w+)"\]'
# How the tables of service_accounts.tf become grants: a change here is a change of mechanism.
TABLE_RESOURCES = {
    "google_project_iam_member": (
        '${{for g in local.grants : "${g.account} ${g.role}" => g if g.on == "project"}}',
        "project",
    ),
    "google_storage_bucket_iam_member": (
        '${{for g in local.grants : "${g.account} ${g.role} ${g.on}" => g '
        'if startswith(g.on, "bucket:")}}',
        "bucket",
    ),
    "google_service_account_iam_member": (
        '${{for g in local.grants : "${g.account} ${g.role} ${g.on}" => g '
        'if startswith(g.on, "account:")}}',
        "account",
    ),
}
TABLE_MEMBER = "serviceAccount:${google_service_account.this[each.value.account].email}"


def principal(member: str) -> str:
    if member in ("allUsers", "allAuthenticatedUsers"):
        return member
    match = re.fullmatch(r"serviceAccount:\$\{" + ACCOUNT + r"\.email\}", member)
    if match:
        return match[1]
    if "google_storage_project_service_account.gcs_agent" in member:
        return "gcs_agent"
    raise AssertionError(f"unrecognised member {member!r}: name it in this test")


def account(expression: str) -> str:
    match = re.fullmatch(ACCOUNT + r"\.(name|email|id)", ref(expression))
    assert match, expression
    return match[1]


def table_grants() -> set[tuple[str, str, str]]:
    """The rows of service_accounts.tf's `grants`, in EXPECTED's vocabulary."""
    config = stack()
    rows = set()
    for row in config.locals["grants"]:
        assert set(row) == {"account", "role", "on"}, row
        scope = row["on"].replace("account:", "service_account:")
        rows.add((row["account"], row["role"], scope))
    return rows


def granted() -> set[tuple[str, str, str]]:
    config = stack()
    grants = table_grants()
    for (type_, name), body in config.resources.items():
        if not IAM_TYPE.search(type_):
            continue
        assert type_.endswith("_iam_member"), f"{type_}.{name}: use additive _iam_member only"
        if name == "this":
            # A table resource: checked for its mechanism in the test below; its rows are above.
            assert type_ in TABLE_RESOURCES, f"{type_}.this: teach this test what it grants"
            continue
        who, role = principal(attr(body, "member")), attr(body, "role")
        if type_ == "google_project_iam_member":
            condition = blocks(body, "condition")
            scope = "project"
            if condition:
                expression = attr(condition[0], "expression")
                assert "function_source" in expression and "ktp" not in expression
                scope = "project if function source"
            grants.add((who, role, scope))
        else:
            raise AssertionError(f"{type_}.{name}: grant through the table in service_accounts.tf")

    for name, function in functions().items():
        target = "function:" + function["name"]
        for member in resolve(config, function.get("invoker_members", [])):
            grants.add((principal(member), "roles/run.invoker", target))
        if function.get("public") is True:
            grants.add(("allUsers", "roles/run.invoker", target))
        runtime = account(function["service_account_email"])
        assert runtime == name, f"{name} runs as {runtime}"
        for secret in (function.get("secrets") or {}).values():
            grants.add((runtime, "roles/secretmanager.secretAccessor", f"secret:{secret}"))
        if function.get("schedules"):
            scheduler = account(function["scheduler_service_account"])
            grants.add((scheduler, "roles/run.invoker", target))

    for module in config.modules_from("../tasks_queue").values():
        for member in attr(module, "enqueuer_members", []) or []:
            grants.add(
                (principal(member), "roles/cloudtasks.enqueuer", "queue:" + attr(module, "name"))
            )

    site = module_config("https_frontend").resource(
        "google_storage_bucket_iam_member", "site_public"
    )
    grants.add((attr(site, "member"), attr(site, "role"), "bucket:site"))
    return grants


def test_the_grant_tables_are_applied_row_by_row():
    config = stack()
    for type_, (for_each, scope) in TABLE_RESOURCES.items():
        body = config.resource(type_, "this")
        assert attr(body, "for_each") == for_each, type_
        assert attr(body, "role") == "${each.value.role}", type_
        assert attr(body, "member") == TABLE_MEMBER, type_
        target = {
            "project": ("project", "${var.project_id}"),
            "bucket": ("bucket", '${local.grant_buckets[trimprefix(each.value.on, "bucket:")]}'),
            "account": (
                "service_account_id",
                '${google_service_account.this[trimprefix(each.value.on, "account:")].name}',
            ),
        }[scope]
        assert attr(body, target[0]) == target[1], type_
    assert config.locals["grant_buckets"] == {
        "ktp": "${module.ktp_bucket.name}",
        "sdp_snapshots": "${google_storage_bucket.sdp_snapshots.name}",
    }
    accounts = set(config.locals["service_accounts"])
    keys = [(a, r, s) for a, r, s in table_grants()]
    assert len(keys) == len(config.locals["grants"]), "a row is listed twice"
    for who, _, scope in keys:
        assert who in accounts, who
        kind, _, target = scope.partition(":")
        assert kind in ("project", "bucket", "service_account"), scope
        if kind == "bucket":
            assert target in config.locals["grant_buckets"], scope
        if kind == "service_account":
            assert target in accounts, scope


def test_service_accounts_are_one_per_row():
    config = stack()
    body = config.resource("google_service_account", "this")
    assert attr(body, "for_each") == "${local.service_accounts}"
    assert attr(body, "account_id") == "${each.value.id}"
    ids = [row["id"] for row in config.locals["service_accounts"].values()]
    assert len(ids) == len(set(ids))
    # Cloud IAM: 6-30 characters, lowercase letters, digits and hyphens, starting with a letter.
    assert all(re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", i) for i in ids), ids
    # Each function runs as the account of its own key.
    assert set(functions()) <= set(config.locals["service_accounts"])


def test_moved_blocks_lead_to_addresses_that_exist():
    # moved.tf keeps environments applied before the tables from re-creating everything.
    config = stack()
    moves = hcl2.load((config.path / "moved.tf").open()).get("moved", [])
    rows = config.locals["grants"]
    keys = {
        "module.function": set(functions()),
        "google_service_account.this": set(config.locals["service_accounts"]),
        "google_project_iam_member.this": {
            f"{r['account']} {r['role']}" for r in rows if r["on"] == "project"
        },
        "google_storage_bucket_iam_member.this": {
            f"{r['account']} {r['role']} {r['on']}" for r in rows if r["on"].startswith("bucket:")
        },
        "google_service_account_iam_member.this": {
            f"{r['account']} {r['role']} {r['on']}" for r in rows if r["on"].startswith("account:")
        },
    }
    assert len(moves) > 40
    for move in moves:
        target = ref(move["to"])
        match = re.fullmatch(r'([\w.]+)\["([^"]+)"\]', target)
        assert match, target
        assert match[2] in keys[match[1]], f"moved to a key no table has: {target}"
        source = ref(move["from"])
        assert re.fullmatch(r"[\w.]+", source), source
        assert source.split(".")[-1] not in ("this", "function"), source


def test_grants_are_exactly_the_expected_table():
    grants = granted()
    assert grants - EXPECTED == set(), "grants not in the table (add them on purpose)"
    assert EXPECTED - grants == set(), "table rows no longer granted (remove them)"


def test_generic_modules_hold_only_their_known_iam_resources():
    for name, expected in MODULE_IAM.items():
        config = module_config(name)
        found = {key for key in config.resources if IAM_TYPE.search(key[0])}
        assert found == expected, name


def test_cloud_function_module_grants_only_from_its_inputs():
    config = module_config("cloud_function")
    public = config.resource("google_cloud_run_v2_service_iam_member", "public")
    assert attr(public, "count") == "${var.public ? 1 : 0}"
    assert attr(public, "member") == "allUsers"
    invoker = config.resource("google_cloud_run_v2_service_iam_member", "invoker")
    assert "var.invoker_members" in attr(invoker, "for_each")
    for body in (public, invoker):
        assert attr(body, "role") == "roles/run.invoker"
    accessor = config.resource("google_secret_manager_secret_iam_member", "accessor")
    assert attr(accessor, "for_each") == "${var.secrets}"
    assert attr(accessor, "member") == "serviceAccount:${var.service_account_email}"
    enqueuer = module_config("tasks_queue").resource(
        "google_cloud_tasks_queue_iam_member", "enqueuer"
    )
    assert attr(enqueuer, "role") == "roles/cloudtasks.enqueuer"


def test_no_basic_roles_anywhere():
    for path in all_tf_files():
        text = path.read_text()
        assert not re.search(r"roles/(owner|editor|viewer)\b", text), path


def test_every_service_account_is_used():
    config = stack()
    accounts = set(config.locals["service_accounts"])
    used = {who for who, _, _ in EXPECTED}
    assert accounts <= used, f"accounts without a purpose: {accounts - used}"


def test_each_secret_is_readable_only_by_the_function_that_uses_it():
    secrets = set(stack().locals["secrets"])
    assert secrets == {
        "sendgrid-api-key",
        "whatsapp-token",
        "whatsapp-app-secret",
        "whatsapp-verify-token",
        "session-key",
        "survey-token-key",
    }
    readers = {(g[0], g[2]) for g in granted() if g[1] == "roles/secretmanager.secretAccessor"}
    assert readers == {
        ("operator", SESSION_KEY_SECRET),
        ("dispatch", SENDGRID_KEY_SECRET),
        ("dispatch", WHATSAPP_TOKEN_SECRET),
        ("whatsapp_webhook", WHATSAPP_APP_SECRET),
        ("whatsapp_webhook", WHATSAPP_VERIFY_SECRET),
        ("operator", SURVEY_KEY_SECRET),
        ("dispatch", SURVEY_KEY_SECRET),
        ("sendgrid_events", SURVEY_KEY_SECRET),
        ("whatsapp_webhook", SURVEY_KEY_SECRET),
    }
