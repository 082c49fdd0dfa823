"""The headers production's load balancer adds to the site are the ones the code defines
(shared/security_headers.py, which the local gateway serves), and infra uploads a site built
for its environment, never the committed local build (issue 11: no HSTS, no frame protection,
a published CSP with 127.0.0.1)."""

from __future__ import annotations

from shared import security_headers, site_files
from tests.infra.tf import attr, blocks, module_config, stack


def test_the_load_balancer_adds_exactly_the_site_headers_of_the_code():
    given = attr(stack().module("frontend"), "site_response_headers")
    assert given == security_headers.SITE_HEADERS
    bucket = module_config("https_frontend").resource("google_compute_backend_bucket", "site")
    assert attr(bucket, "custom_response_headers") == (
        '${[for name, value in var.site_response_headers : "${name}: ${value}"]}'
    )


def test_the_site_headers_forbid_framing_and_pin_https():
    headers = security_headers.SITE_HEADERS
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "127.0.0.1" not in str(headers)
    age = int(headers["Strict-Transport-Security"].split(";")[0].removeprefix("max-age="))
    assert age >= 365 * 24 * 3600 and "includeSubDomains" in headers["Strict-Transport-Security"]


def test_infra_uploads_the_environments_build_and_refuses_the_local_one():
    assert attr(stack().module("frontend"), "site_dir") == "${path.root}/.build/site"
    checks = blocks(module_config("https_frontend").variables["site_dir"], "validation")
    conditions = [attr(check, "condition") for check in checks]
    assert any("fileexists" in c and "index.html" in c for c in conditions), conditions
    assert any("127.0.0.1" in c and "index.html" in c for c in conditions), conditions
    # The marker the validation looks for is what tells the two builds apart.
    local = (site_files.SITE / "index.html").read_text(encoding="utf-8")
    assert "127.0.0.1" in local
