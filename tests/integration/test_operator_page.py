"""The operator page through HTTP on the local stack: the journey, the role matrix, CSRF,
session expiry and revocation, lockout, IDOR and XSS payloads."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
import requests

from shared.operator_web.app import ROUTES
from tests.integration.operator_helpers import (
    PASSWORD,
    audit_actions,
    awaiting_request,
    base,
    composed_answer,
    create_account,
    csrf_of,
    sign_in,
)

pytestmark = pytest.mark.integration

ROLES = ("operator_divpas", "operator_remisi", "admin")


@pytest.fixture(scope="module")
def accounts(local_stack):
    return {role: create_account(local_stack, role) for role in ROLES}


@pytest.fixture(scope="module")
def sessions(local_stack, accounts):
    return {role: sign_in(local_stack, account) for role, account in accounts.items()}


@pytest.fixture(scope="module")
def request_id(local_stack, firestore_client):
    return awaiting_request(local_stack, firestore_client)


def test_an_operator_takes_a_request_from_the_queue_to_a_recorded_decision(
    local_stack, firestore_client, sessions, accounts
):
    request_id = awaiting_request(local_stack, firestore_client)
    http = sessions["operator_remisi"]
    queue = http.get(f"{base(local_stack)}/queue", timeout=10)
    assert queue.status_code == 200 and request_id in queue.text
    assert "default-src 'none'" in queue.headers["Content-Security-Policy"]
    assert queue.headers["Cache-Control"] == "no-store"

    detail = http.get(f"{base(local_stack)}/requests/{request_id}", timeout=10)
    assert detail.status_code == 200 and "Kandidat SDP" in detail.text
    assert detail.headers["Cache-Control"] == "no-store"
    # The page only offers the KTP; fetching it is the view, audited once, never cached.
    ktp = http.get(f"{base(local_stack)}/requests/{request_id}/ktp", allow_redirects=False)
    assert ktp.status_code == 200 and ktp.content[:2] == b"\xff\xd8"
    assert ktp.headers["Cache-Control"] == "no-store"
    assert ktp.headers["Content-Type"] == "image/jpeg"

    doc = firestore_client.collection("requests").document(request_id).get().to_dict()
    registration = doc["sdp"]["candidates"][0]["registration_number"]
    compose, answer = composed_answer(http, local_stack, request_id, registration)
    assert compose.status_code == 200
    csrf = csrf_of(http, local_stack)
    decided = http.post(
        f"{base(local_stack)}/requests/{request_id}/decide",
        data={
            "csrf": csrf,
            "kind": "found",
            "candidate": registration,
            "answer": answer + "\nSalam.",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert decided.status_code == 303, decided.text
    stored = firestore_client.collection("requests").document(request_id).get().to_dict()
    assert stored["status"] == "answered"
    assert stored["decisions"][-1]["operator"] == accounts["operator_remisi"].username
    assert stored["decisions"][-1]["answer_text"].endswith("Salam.")
    assert stored["decisions"][-1]["answer_edited"] is True

    # A second operator (or the same one twice) cannot decide again, and sees who decided.
    divpas = sessions["operator_divpas"]
    again = divpas.post(
        f"{base(local_stack)}/requests/{request_id}/decide",
        data={"csrf": csrf_of(divpas, local_stack), "kind": "clearer_ktp"},
        timeout=10,
    )
    assert again.status_code == 409
    assert f"sudah diputuskan oleh {accounts['operator_remisi'].username}" in again.text

    actions = audit_actions(firestore_client, request_id)
    assert {"ktp_viewed", "decision_found", "decision_refused"} <= set(actions)
    assert actions.count("ktp_viewed") == 1  # two openings of the page, one view of the KTP
    audit = sessions["admin"].get(f"{base(local_stack)}/admin/audit", timeout=10)
    rows = audit.text[audit.text.index("<tbody>") :]
    assert audit.status_code == 200 and "<td>Keputusan: ditemukan</td>" in rows
    assert f"permohonan {stored['tracking_code']}" in rows and request_id not in rows
    exported = sessions["admin"].get(f"{base(local_stack)}/admin/audit.csv", timeout=10)
    assert exported.headers["Content-Type"].startswith("text/csv") and request_id in exported.text


def _call(http, stack, route, request_id, csrf):
    path = route.example.replace("{id}", request_id)
    url = base(stack) + path
    if route.method == "GET":
        return http.get(url, allow_redirects=False, timeout=10)
    # Harmless bodies: an allowed role gets a validation answer, never a change.
    return http.post(url, data={"csrf": csrf, "kind": "bogus", "action": "bogus"}, timeout=10)


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_checks_the_role_server_side(local_stack, sessions, request_id, role):
    from shared.domain.accounts import Role, allowed

    http = sessions[role]
    csrf = csrf_of(http, local_stack)
    checked = 0
    for route in ROUTES:
        if route.permission is None or route.example == "/logout":
            continue
        answer = _call(http, local_stack, route, request_id, csrf)
        expected_allowed = allowed(Role(role), route.permission)
        if route.example == "/requests/{id}/decide" and role == "operator_divpas":
            expected_allowed = True  # may ask for a clearer KTP; "bogus" gets a 400
        if expected_allowed:
            assert answer.status_code in (200, 303, 400, 404), (
                role,
                route.example,
                answer.status_code,
            )
        else:
            assert answer.status_code == 403, (role, route.example, answer.status_code)
        checked += 1
    assert checked >= 12


def test_without_a_session_nothing_is_served(local_stack, request_id):
    for route in ROUTES:
        if route.permission is None:
            continue
        answer = _call(requests.Session(), local_stack, route, request_id, "x")
        if route.method == "GET":
            assert answer.status_code == 303 and answer.headers["Location"].endswith("/login")
        else:
            assert answer.status_code == 401


def test_state_changes_need_the_sessions_csrf_token(
    local_stack, sessions, request_id, firestore_client
):
    http = sessions["operator_remisi"]
    url = f"{base(local_stack)}/requests/{request_id}/decide"
    for data in ({"kind": "not_found"}, {"kind": "not_found", "csrf": "forged"}):
        assert http.post(url, data=data, timeout=10).status_code == 403
    cross = http.post(
        url,
        data={"kind": "not_found", "csrf": csrf_of(http, local_stack)},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        timeout=10,
    )
    assert cross.status_code == 403
    doc = firestore_client.collection("requests").document(request_id).get().to_dict()
    assert doc["status"] == "awaiting_operator"


def test_sessions_expire_when_idle_and_end_on_sign_out(local_stack, firestore_client):
    account = create_account(local_stack, "operator_divpas")
    http = sign_in(local_stack, account)
    assert http.get(f"{base(local_stack)}/queue", allow_redirects=False).status_code == 200
    cookie = http.cookies.get("remisi-op")
    assert cookie and "HttpOnly" in _set_cookie_of(local_stack, account)
    session_id = hmac.new(
        b"local-operator-session-key-not-secret", cookie.encode(), hashlib.sha256
    ).hexdigest()
    ref = firestore_client.collection("operator_sessions").document(session_id)
    ref.update({"last_seen_at": datetime.now(UTC) - timedelta(minutes=31)})
    assert http.get(f"{base(local_stack)}/queue", allow_redirects=False).status_code == 303

    http = sign_in(local_stack, account)
    csrf = csrf_of(http, local_stack)
    stolen = dict(http.cookies)
    assert http.post(f"{base(local_stack)}/logout", data={"csrf": csrf}).status_code == 200
    replay = requests.get(f"{base(local_stack)}/queue", cookies=stolen, allow_redirects=False)
    assert replay.status_code == 303


def _set_cookie_of(stack, account) -> str:
    answer = requests.post(
        f"{base(stack)}/login",
        data={"username": account.username, "password": PASSWORD, "code": account.next_code()},
        allow_redirects=False,
        timeout=20,
    )
    header = answer.headers["Set-Cookie"]
    assert "SameSite=Strict" in header and "Path=/" in header
    return header


def test_repeated_failures_delay_that_client_only(local_stack, firestore_client):
    # Progressive delays per name and client replaced the hard lock (tests/integration/
    # test_abuse.py: another client still signs in).
    account = create_account(local_stack, "operator_remisi")
    attacker = {"X-Forwarded-For": "203.0.113.77, 127.0.0.1"}
    for _ in range(5):
        answer = requests.post(
            f"{base(local_stack)}/login",
            data={"username": account.username, "password": "salah-salah-salah", "code": "000000"},
            headers=attacker,
            timeout=20,
        )
        assert answer.status_code == 401
    waiting = requests.post(
        f"{base(local_stack)}/login",
        data={"username": account.username, "password": PASSWORD, "code": account.next_code()},
        headers=attacker,
        timeout=20,
    )
    assert waiting.status_code == 429 and "Terlalu banyak percobaan" in waiting.text
    assert 0 < int(waiting.headers["Retry-After"]) <= 60
    doc = firestore_client.collection("operators").document(account.username).get().to_dict()
    # Failures are blind increments on their own hashed counters, never on the account.
    assert doc["failed_attempts"] == 0 and "dikunci" not in waiting.text


def test_unknown_and_out_of_context_ids_get_404(local_stack, sessions):
    from tests.integration.test_pipeline import submit

    fresh = submit(local_stack).json()["request_id"]  # still awaiting its upload
    http = sessions["operator_remisi"]
    for request_id in (fresh, "f" * 32, "..%2F..%2Fetc", "1' or '1'='1"):
        for suffix in ("", "/ktp", "/compose?candidate=x"):
            answer = http.get(
                f"{base(local_stack)}/requests/{request_id}{suffix}", allow_redirects=False
            )
            assert answer.status_code == 404, (request_id, suffix)


XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_xss_payloads_in_every_free_text_field_are_escaped(local_stack, firestore_client, sessions):
    request_id = awaiting_request(
        local_stack,
        firestore_client,
        requester_name="O'Brien Siti",
        address=XSS,
        relationship="lainnya",
        relationship_other=XSS[:60],
        prisoner_upt=XSS,
        information_needed=["lainnya"],
        information_other=XSS,
    )
    page = sessions["operator_remisi"].get(f"{base(local_stack)}/requests/{request_id}").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "O&#39;Brien Siti" in page


def test_the_monthly_report_page_and_its_exports(local_stack, sessions, request_id):
    import io
    from datetime import UTC, datetime, timedelta

    from openpyxl import load_workbook

    month = f"{datetime.now(UTC) + timedelta(hours=7):%Y-%m}"
    http = sessions["operator_remisi"]
    page = http.get(f"{base(local_stack)}/reports", params={"month": month}, timeout=20)
    assert page.status_code == 200 and "<svg" in page.text and "Permohonan per hari" in page.text
    assert http.get(f"{base(local_stack)}/reports?month=2026-13").status_code == 400
    xlsx = sessions["admin"].get(f"{base(local_stack)}/reports.xlsx", params={"month": month})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values[("ringkasan", "jumlah permohonan")] >= 1
    csv_text = http.get(f"{base(local_stack)}/reports.csv", params={"month": month}).text
    assert csv_text.startswith("bagian,butir,nilai")


def test_an_admin_creates_and_resets_an_account_on_the_page(local_stack, sessions):
    import re
    import uuid

    from tests.integration.operator_helpers import Account

    admin = sessions["admin"]
    csrf = csrf_of(admin, local_stack, "/admin/accounts")
    username = f"baru.{uuid.uuid4().hex[:6]}"
    created = admin.post(
        f"{base(local_stack)}/admin/accounts",
        data={
            "csrf": csrf,
            "username": username,
            "display_name": "<b>Operator</b> Baru",
            "role": "operator_divpas",
            "password": PASSWORD,
        },
        timeout=20,
    )
    assert created.status_code == 200 and "<svg" in created.text
    assert "&lt;b&gt;Operator&lt;/b&gt; Baru" in created.text
    secret = re.search(r"<code>([A-Z2-7]+)</code>", created.text)[1]
    newcomer = Account(username, "operator_divpas", secret)
    assert sign_in(local_stack, newcomer).get(f"{base(local_stack)}/queue").status_code == 200

    reset = admin.post(
        f"{base(local_stack)}/admin/accounts/{username}/reset",
        data={"csrf": csrf, "password": "sandi-awal-yang-baru-1"},
        timeout=20,
    )
    assert reset.status_code == 200
    fresh = Account(
        username, "operator_divpas", re.search(r"<code>([A-Z2-7]+)</code>", reset.text)[1]
    )
    assert sign_in(local_stack, fresh, password="sandi-awal-yang-baru-1")


def test_a_tracking_code_opens_the_request(local_stack, sessions, request_id, firestore_client):
    doc = firestore_client.collection("requests").document(request_id).get().to_dict()
    http = sessions["operator_divpas"]
    found = http.get(
        f"{base(local_stack)}/queue", params={"code": doc["tracking_code"]}, allow_redirects=False
    )
    assert found.status_code == 303 and found.headers["Location"].endswith(request_id)
    missing = http.get(f"{base(local_stack)}/queue", params={"code": "AAAA-AAAA-A"})
    assert missing.status_code == 404


def test_an_admin_edits_the_receipt_email_with_a_preview_and_the_next_receipt_uses_it(
    local_stack, sessions, firestore_client
):
    import re
    import time

    from tests.conftest import wait_for
    from tests.integration.test_dispatch import outbox, unique_contacts

    page_path = "/admin/templates/receipt/id"
    url = base(local_stack) + page_path
    for role in ("operator_divpas", "operator_remisi"):
        assert sessions[role].get(url, timeout=10).status_code == 403
        refused = sessions[role].post(url, data={"action": "save"}, timeout=10)
        assert refused.status_code == 403
    admin = sessions["admin"]
    listing = admin.get(f"{base(local_stack)}/admin/templates", timeout=10)
    assert listing.status_code == 200 and "disetujui Meta" in listing.text
    page = admin.get(url, timeout=10)
    assert "<code>requester_name</code>" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    version = re.search(r'name="version" value="(\d+)"', page.text)[1]
    form = {"csrf": csrf, "version": version, "subject": "Uji {{ tracking_code }}"}

    for text, says in (("{{ undefined_var }}", "undefined_var"), ("{{ ''.__class__ }}", "sandbox")):
        answer = admin.post(url, data={**form, "text": text, "action": "save"}, timeout=10)
        assert answer.status_code == 400 and says in answer.text
    preview = admin.post(
        url,
        data={**form, "text": "Halo {{ requester_name }} <script>x</script>", "action": "preview"},
        timeout=10,
    )
    assert preview.status_code == 200 and "Halo Siti Rahmawati &lt;script&gt;" in preview.text
    without_token = admin.post(
        url, data={**form, "csrf": "x", "text": "T", "action": "save"}, timeout=10
    )
    assert without_token.status_code == 403

    text = "Halo {{ requester_name }}, kode Anda {{ tracking_code }}. <b>Templat uji</b>"
    saved = admin.post(
        url, data={**form, "text": text, "action": "save"}, allow_redirects=False, timeout=10
    )
    assert saved.status_code == 303, saved.text
    try:
        time.sleep(1.2)  # the stack's dispatch caches templates for 1 s (60 s in the cloud)
        contacts = unique_contacts()
        request_id = awaiting_request(local_stack, firestore_client, **contacts)
        code = (
            firestore_client.collection("requests").document(request_id).get().get("tracking_code")
        )
        wait_for(lambda: outbox(local_stack, to=contacts["email"]), timeout=30)
        email = outbox(local_stack, to=contacts["email"])[0]
        assert email["subject"] == f"Uji {code}", email
        assert f"kode Anda {code}. <b>Templat uji</b>" in email["text"]
        assert "template_saved" in audit_actions(firestore_client, "template:receipt:id")
    finally:
        current = admin.get(url, timeout=10).text
        reset = admin.post(
            url,
            data={
                "csrf": csrf,
                "version": re.search(r'name="version" value="(\d+)"', current)[1],
                "action": "reset",
            },
            allow_redirects=False,
            timeout=10,
        )
        assert reset.status_code == 303
    assert "template_reset" in audit_actions(firestore_client, "template:receipt:id")
