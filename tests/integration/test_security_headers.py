"""Every answer the public can reach carries the security headers (issue 11: no HSTS anywhere, no
frame protection on the site). The walks read the tables, so a function, operator route or page
added later is covered without a line here: the gateway's FUNCTIONS, the operator router's
ROUTES, and every file of static_site/."""

from __future__ import annotations

import re
import uuid
from functools import partial

import flask
import pytest
import requests

from localdev.gateway import FUNCTIONS, SITE
from shared import security_headers
from shared.operator_web.app import ROUTES
from tests.integration.operator_helpers import PASSWORD, Account, base, sign_in

pytestmark = pytest.mark.integration

ONE_YEAR = 365 * 24 * 3600
API_CSP = security_headers.API_HEADERS["Content-Security-Policy"]
# A client address of its own (behind the gateway X-Forwarded-For's last-but-one hop counts),
# so these calls never spend another test's rate-limit budget.
CLIENT = {"X-Forwarded-For": "198.51.100.77, 127.0.0.1"}


def _hsts_ok(value: str | None) -> bool:
    if not value:
        return False
    parts = [p.strip().lower() for p in value.split(";")]
    age = next((int(p.split("=", 1)[1]) for p in parts if p.startswith("max-age=")), 0)
    return age >= ONE_YEAR and "includesubdomains" in parts


def problems_of(answer: requests.Response) -> list[str]:
    """What is missing from a function's answer (empty: all there)."""
    h = answer.headers
    found = []
    if not _hsts_ok(h.get("Strict-Transport-Security")):
        found.append(f"HSTS {h.get('Strict-Transport-Security')!r}")
    if h.get("X-Content-Type-Options") != "nosniff":
        found.append("nosniff")
    for name in ("Referrer-Policy", "Permissions-Policy"):
        if not h.get(name):
            found.append(name)
    csp = h.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in csp and not (
        "frame-ancestors 'self'" in csp and h.get("X-Frame-Options") == "SAMEORIGIN"
    ):
        found.append(f"CSP {csp!r}")
    content_type = h.get("Content-Type", "")
    if content_type.startswith("application/json") and csp != API_CSP:
        found.append(f"JSON CSP {csp!r}")
    if h.get("Cache-Control") != "no-store":
        found.append(f"Cache-Control {h.get('Cache-Control')!r}")
    return found


def _walk(calls) -> tuple[int, list]:
    seen, failures = 0, []
    for what, call in calls:
        answer = call()
        seen += 1
        if problems := problems_of(answer):
            failures.append((what, answer.status_code, problems))
    return seen, failures


# --- functions ----------------------------------------------------------------------------------


def _function_calls(stack):
    # Over every limit (16 KB JSON, 32 KB operator forms, 1 MB webhooks): 413.
    big = b"{" + b" " * (1024 * 1024 + 10) + b"}"
    options = {"headers": CLIENT, "timeout": 15, "allow_redirects": False}
    for name, kind in FUNCTIONS.items():
        if kind != "http":
            continue  # a storage event, not HTTP: nothing answers the public
        url = f"{stack.site_url}/api/{name}"
        for method, suffix, body in (
            ("GET", "", None),
            ("PUT", "", b"{}"),
            ("GET", "/not-here", None),
            ("POST", "", b"{}"),
            ("POST", "", b"\xff{"),
            ("POST", "", big),
        ):
            call = partial(requests.request, method, url + suffix, data=body, **options)
            yield f"{method} {name}{suffix} {len(body or b'')} B", call


def test_every_function_answer_carries_the_headers(local_stack):
    seen, failures = _walk(_function_calls(local_stack))
    assert not failures, failures
    assert seen == 6 * len([k for k in FUNCTIONS.values() if k == "http"])


def _endpoint_answer(handler) -> flask.Response:
    from shared.entrypoints.http import endpoint

    app = flask.Flask(__name__)
    with app.test_request_context("/", method="POST", data=b"{}"):
        return endpoint()(handler)(flask.request)


@pytest.mark.parametrize(
    ("failure", "status"),
    [("contention", 503), ("bug", 500), ("refusal", 403)],
)
def test_error_answers_of_the_edge_carry_the_headers(failure, status):
    # The answers the stack rarely gives on demand: a contended database, a bug.
    from shared.entrypoints.http import Refusal, problem
    from shared.service_layer.ports import Contention

    def handler(http_request, body):
        if failure == "contention":
            raise Contention("busy")
        if failure == "refusal":
            raise Refusal(flask.Response("no", 403, mimetype="text/plain"))
        raise RuntimeError("a bug")

    answer = _endpoint_answer(handler)
    assert answer.status_code == status
    for name, value in security_headers.API_HEADERS.items():
        assert answer.headers[name] == value, name
    assert problem(400, "invalid_json").headers["Cache-Control"] == "no-store"


# --- the operator page --------------------------------------------------------------------------


def _operator_calls(stack, http: requests.Session, label: str):
    # /logout last: it ends the session the other calls use.
    for route in sorted(ROUTES, key=lambda r: "logout" in r.example):
        path = re.sub(r"\{\w+\}|<\w+>", "tidak-ada", route.example)
        url = base(stack) + path
        if route.method == "GET":
            call = partial(http.get, url, allow_redirects=False, timeout=15)
        else:
            # Refused as cross-site before any handler runs: headers without a side effect
            # (no sign-in attempt counted, nothing changed).
            cross = {"Sec-Fetch-Site": "cross-site", **CLIENT}
            call = partial(http.post, url, data={}, headers=cross, timeout=15)
        yield f"{label} {route.method} {path}", call
    yield f"{label} GET unknown", lambda: http.get(base(stack) + "/tidak-ada", timeout=15)


def _accounts(stack, roles: tuple[str, ...]) -> list[Account]:
    # Made in this process (the CLI's subprocess costs seconds of imports on a busy machine).
    from shared.bootstrap import bootstrap
    from shared.config import Settings
    from shared.domain.accounts import Role
    from shared.service_layer import auth

    deps = bootstrap(Settings.from_env(stack.function_env()), sdp=object())
    made = []
    for role in roles:
        username = f"hdr.{uuid.uuid4().hex[:8]}"
        enrolment = auth.create_operator(deps, username, "Uji header", Role(role), PASSWORD, "test")
        made.append(Account(username, role, enrolment.totp_secret))
    return made


def test_every_operator_route_carries_the_headers_signed_in_and_not(local_stack):
    # An admin sees the accounts, reports and templates; an operator the queue and requests.
    seen, failures = _walk(_operator_calls(local_stack, requests.Session(), "anonymous"))
    for account in _accounts(local_stack, ("admin", "operator_remisi")):
        http = sign_in(local_stack, account)
        seen_in, signed_in = _walk(_operator_calls(local_stack, http, account.role))
        assert seen_in == seen
        failures += signed_in
    assert not failures, failures
    assert seen >= len(ROUTES)


# --- the static site ----------------------------------------------------------------------------


def _site_files() -> list[str]:
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*") if p.is_file())


def test_every_page_and_asset_of_the_site_carries_the_production_headers(local_stack):
    site = local_stack.site_url
    paths = ["/", "/status", *(f"/{name}" for name in _site_files())]
    failures = []
    for path in paths:
        answer = requests.get(site + path, timeout=10)
        assert answer.status_code == 200, path
        wrong = {
            name: answer.headers.get(name)
            for name, value in security_headers.SITE_HEADERS.items()
            if answer.headers.get(name) != value
        }
        # A page's own policy (hashes, hosts) is in its <meta>; the header adds framing.
        html = answer.headers["Content-Type"].startswith("text/html")
        if html and 'http-equiv="Content-Security-Policy"' not in answer.text:
            wrong["meta CSP"] = None
        if wrong:
            failures.append((path, wrong))
    assert not failures, failures
    assert len(paths) >= 8


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/tidak-ada.html"), ("POST", "/"), ("GET", "/api/tidak-ada")],
)
def test_the_sites_error_answers_carry_the_headers_too(local_stack, method, path):
    answer = requests.request(method, local_stack.site_url + path, timeout=10)
    assert answer.status_code in (404, 405)
    for name, value in security_headers.SITE_HEADERS.items():
        assert answer.headers.get(name) == value, name
