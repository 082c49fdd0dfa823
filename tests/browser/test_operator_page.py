"""The operator's journey in headless Debian Chromium: sign in with TOTP, queue, KTP, decide
found and not found, audit entries; and a request full of XSS payloads that must stay inert."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot
from tests.integration.operator_helpers import (
    PASSWORD,
    awaiting_request,
    base,
    create_account,
)

pytestmark = [pytest.mark.integration, pytest.mark.browser]

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)><svg onload=alert(3)>'


@pytest.fixture
def desk(browser, local_stack):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page, dialogs, errors
    context.close()


def sign_in(page, stack, account):
    page.goto(f"{base(stack)}/")
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", account.next_code())
    page.click("button[type=submit]")


def test_sign_in_queue_ktp_decide_and_audit(desk, local_stack, firestore_client):
    page, dialogs, errors = desk
    found_id = awaiting_request(local_stack, firestore_client)
    missing_id = awaiting_request(local_stack, firestore_client, prisoner_name="Tidak Ada Orangnya")
    remisi = create_account(local_stack, "operator_remisi", "rms")

    sign_in(page, local_stack, remisi)
    page.wait_for_url("**/queue")
    assert page.locator(f'tr[data-href$="{found_id}"]').count() == 1

    # Keyboard: j selects the first row (oldest first), Enter opens it.
    rows = page.locator("tr[data-href]")
    target = rows.nth(0).get_attribute("data-href")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{target}")

    page.goto(f"{base(local_stack)}/requests/{found_id}")
    ktp = page.locator("img.ktp")
    ktp.wait_for()
    page.wait_for_function("() => document.querySelector('img.ktp').naturalWidth > 0")
    screenshot(page, "operator-detail")

    page.keyboard.press("1")  # the first candidate → the answer preview
    page.wait_for_url(re.compile(r".*/compose\?candidate="))
    answer = page.locator("textarea[name=answer]")
    assert "Hormat kami" in answer.input_value()
    answer.fill(answer.input_value() + "\nTerima kasih.")
    page.click("#confirm-found")
    page.wait_for_url(re.compile(r".*\?ok=decided$"))
    assert "Keputusan tersimpan." in page.content()
    assert "Terima kasih." in page.locator("pre.answer").inner_text()

    page.goto(f"{base(local_stack)}/requests/{missing_id}")
    page.keyboard.press("n")  # confirm() dialog accepted by the handler
    page.wait_for_url(re.compile(r".*\?ok=decided$"))
    assert "Tidak ditemukan oleh" in page.content()
    assert dialogs == ["Tandai tidak ditemukan di SDP?"]
    assert errors == []

    admin = create_account(local_stack, "admin", "adm")
    page.click("text=Keluar")
    page.wait_for_url(re.compile(r".*/login\?ok=signed_out$"))
    sign_in(page, local_stack, admin)
    page.goto(f"{base(local_stack)}/admin/audit")
    table = page.locator("table.audit").inner_text()
    for action in ("sign_in", "ktp_viewed", "decision_found", "decision_not_found", "sign_out"):
        assert action in table, action
    assert found_id in table and missing_id in table
    screenshot(page, "operator-audit")


def test_xss_payloads_in_a_request_stay_inert(desk, local_stack, firestore_client):
    page, dialogs, errors = desk
    request_id = awaiting_request(
        local_stack,
        firestore_client,
        address=XSS,
        relationship="lainnya",
        relationship_other=XSS[:60],
        prisoner_upt=XSS,
        information_needed=["lainnya", "tanggal_bebas"],
        information_other=XSS,
    )
    remisi = create_account(local_stack, "operator_remisi", "xss")
    sign_in(page, local_stack, remisi)
    page.wait_for_url("**/queue")
    page.goto(f"{base(local_stack)}/requests/{request_id}")
    assert page.get_by_text("<script>alert(1)</script>", exact=False).count() >= 1
    candidate = page.locator("a[data-key='1']")
    if candidate.count():
        candidate.click()
        page.wait_for_url(re.compile(r".*/compose\?candidate="))
        assert "<script>alert(1)</script>" in page.locator("textarea").input_value()
    page.wait_for_timeout(300)
    assert dialogs == [] and errors == []
    assert page.evaluate("() => document.querySelectorAll('main script, main svg').length") == 0
