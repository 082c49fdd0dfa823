"""The KTP bucket is never public and only the site's origin may PUT to it; sdp_lookup cannot be
invoked by anyone but the Cloud Tasks identity."""

from __future__ import annotations

import re

from shared.adapters.gcs_file_store import GcsFileStore
from tests.infra.tf import (
    INFRA,
    all_tf_files,
    attr,
    blocks,
    functions,
    module_config,
    resolve,
    stack,
)

PUBLIC = re.compile(r"allUsers|allAuthenticatedUsers")
# The only places a public principal may appear, and why.
PUBLIC_ALLOWED = {
    ("modules/cloud_function/main.tf", "google_cloud_run_v2_service_iam_member", "public"),
    ("modules/https_frontend/main.tf", "google_storage_bucket_iam_member", "site_public"),
}


def ktp_bucket() -> dict:
    return module_config("ktp_bucket").resource("google_storage_bucket", "this")


def test_ktp_bucket_is_private_and_uniform():
    bucket = ktp_bucket()
    assert attr(bucket, "public_access_prevention") == "enforced"
    assert attr(bucket, "uniform_bucket_level_access") is True


def test_deleted_ktp_files_are_really_gone():
    bucket = ktp_bucket()
    assert attr(blocks(bucket, "versioning")[0], "enabled") is False
    assert attr(blocks(bucket, "soft_delete_policy")[0], "retention_duration_seconds") == 0


def test_public_principals_appear_only_where_allowed():
    seen = set()
    for path in all_tf_files():
        relative = path.relative_to(INFRA).as_posix()
        text = path.read_text()
        for match in PUBLIC.finditer(text):
            header = re.findall(r'^resource "(\w+)" "(\w+)"', text[: match.start()], re.M)
            assert header, f"{relative}: public principal outside a resource"
            seen.add((relative, *header[-1]))
    assert seen <= PUBLIC_ALLOWED, seen - PUBLIC_ALLOWED
    assert seen == PUBLIC_ALLOWED  # the scan above really finds them


def test_no_iam_or_acl_on_the_ktp_bucket_grants_the_public():
    config = stack()
    for (type_, name), body in config.resources.items():
        is_bucket_access = type_.startswith("google_storage_bucket_") and "object" not in type_
        if is_bucket_access and attr(body, "bucket") == "${module.ktp_bucket.name}":
            assert type_ == "google_storage_bucket_iam_member", f"{type_}.{name}"
            assert attr(body, "member").startswith("serviceAccount:"), name
    assert not module_config("ktp_bucket").of_type("google_storage_bucket_iam_member")


def test_ktp_cors_allows_only_put_from_the_site_origin_with_the_codes_headers():
    rules = blocks(ktp_bucket(), "cors")
    assert len(rules) == 1
    rule = rules[0]
    assert attr(rule, "method") == ["PUT"]
    assert attr(rule, "origin") == ["${var.site_origin}"]
    assert attr(stack().module("ktp_bucket"), "site_origin") == "${local.site_origin}"
    assert stack().locals["site_origin"] == "https://${var.domain}"
    validation = blocks(module_config("ktp_bucket").variables["site_origin"], "validation")
    assert "^https://[a-z0-9.-]+$" in attr(validation[0], "condition")

    # The headers the browser is told to send with its PUT, from the code itself.
    class Blob:
        def generate_signed_url(self, **_):
            return "https://storage.googleapis.com/signed"

    class Bucket:
        def blob(self, name):
            return Blob()

    class Client:
        def bucket(self, name):
            return Bucket()

    store = GcsFileStore(Client(), "b", signing_credentials=object())
    instruction = store.upload_instruction(
        "ktp/x/upload-1.jpg", "image/jpeg", 2_000_000, _minutes(15)
    )
    assert instruction.method == "PUT"
    assert set(attr(rule, "response_header")) == set(instruction.headers)


def test_sdp_lookup_is_not_publicly_invokable():
    sdp = functions()["sdp_lookup"]
    assert sdp.get("public", False) is False
    assert resolve(stack(), sdp["invoker_members"]) == [
        'serviceAccount:${google_service_account.this["tasks_invoker"].email}'
    ]
    # Not routed by the load balancer either.
    backends = attr(stack().module("frontend"), "api_backends")
    assert all('function["sdp_lookup"]' not in b["service"] for b in backends.values())
    assert all('function["ktp_uploaded"]' not in b["service"] for b in backends.values())
    # Private functions take internal traffic only (Cloud Tasks and Eventarc count as internal).
    function = module_config("cloud_function").resource("google_cloudfunctions2_function", "this")
    service = blocks(function, "service_config")[0]
    assert (
        attr(service, "ingress_settings")
        == '${var.public ? "ALLOW_INTERNAL_AND_GCLB" : "ALLOW_INTERNAL_ONLY"}'
    )


def test_only_submit_is_public_and_it_is_behind_cloud_armor():
    public = {m["name"] for m in functions().values() if m.get("public", False) is True}
    # The providers' webhooks too: neither can sign in; each POST is checked by its signature.
    assert public == {
        "submit",
        "status",
        "reupload",
        "privacy-request",
        "complaint",
        "survey",
        "operator",
        "sendgrid-events",
        "whatsapp-webhook",
    }
    backends = attr(stack().module("frontend"), "api_backends")
    assert backends["/api/submit"]["service"] == '${module.function["submit"].service}'
    assert backends["/api/status"]["service"] == '${module.function["status"].service}'
    assert backends["/api/reupload"]["service"] == '${module.function["reupload"].service}'
    # Every routed function is a public one, and every public one is routed.
    routed = {re.search(r'function\["(\w+)"\]', b["service"])[1] for b in backends.values()}
    assert {key.replace("_", "-") for key in routed} == public
    limits = attr(stack().module("frontend"), "rate_limits")
    paths = {rule["path"] for rule in limits.values()}
    assert {"/api/submit", "/api/status", "/api/reupload"} <= paths
    frontend = module_config("https_frontend")
    backend = frontend.resource("google_compute_backend_service", "api")
    assert attr(backend, "security_policy") == "${google_compute_security_policy.api.id}"
    policy = frontend.resource("google_compute_security_policy", "api")
    dynamic_rule = attr(policy, "dynamic")["rule"]
    content = attr(dynamic_rule, "content")
    options = attr(content, "rate_limit_options")
    assert attr(options, "enforce_on_key") == "IP"
    assert attr(content, "action") == "throttle"


def _minutes(n):
    from datetime import timedelta

    return timedelta(minutes=n)
