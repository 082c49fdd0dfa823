"""The operator's journey in headless Debian Chromium: sign in with TOTP, queue, KTP, decide
found and not found, audit entries; and a request full of XSS payloads that must stay inert."""

from __future__ import annotations

import re

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from tests.browser.conftest import screenshot
from tests.integration.operator_helpers import (
    PASSWORD,
    awaiting_request,
    base,
    create_account,
)

pytestmark = [pytest.mark.integration, pytest.mark.browser]

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)><svg onload=alert(3)>'


# The operator page is used on the office's desktop PCs: a common 1366×768 screen.
DESK = {"width": 1366, "height": 768}

# Text nodes under `selector` whose words are split over two lines ("Pil/ih"), and elements
# that must stay on one line (headers, buttons) but take more.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
          .map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""
WRAPPED = """(selector) => [...document.querySelectorAll(selector)].filter(element => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
    .map(r => Math.round(r.top)));
  return lines.size > 1;
}).map(element => element.textContent.trim())"""
# Pairs of labels in an SVG chart whose boxes intersect, and labels outside the chart.
CHART_CLASHES = """(title) => {
  const svg = [...document.querySelectorAll("svg.chart")]
    .find(s => s.querySelector("title").textContent === title);
  const frame = svg.getBoundingClientRect();
  const labels = [...svg.querySelectorAll(":scope > text")]
    .map(t => [t.textContent, t.getBoundingClientRect()]);
  const clashes = [];
  labels.forEach(([a, r], i) => {
    if (r.left < frame.left || r.right > frame.right) clashes.push([a, "outside"]);
    labels.slice(i + 1).forEach(([b, q]) => {
      if (r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom)
        clashes.push([a, b]);
    });
  });
  return clashes;
}"""


@pytest.fixture
def desk(browser, local_stack):
    context = browser.new_context(viewport=DESK, device_scale_factor=1)
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


def ktp_views(firestore_client, request_id) -> int:
    # The event is written before the page answers: read it at once, no waiting.
    events = firestore_client.collection("audit_events")
    matching = events.where(filter=FieldFilter("target", "==", request_id)).stream()
    return [d.to_dict()["action"] for d in matching].count("ktp_viewed")


def test_sign_in_queue_ktp_decide_and_audit(desk, local_stack, firestore_client):
    page, dialogs, errors = desk
    found_id = awaiting_request(local_stack, firestore_client)
    missing_id = awaiting_request(local_stack, firestore_client, prisoner_name="Tidak Ada Orangnya")
    remisi = create_account(local_stack, "operator_remisi", "rms")

    page.goto(f"{base(local_stack)}/login")
    screenshot(page, "operator-login")
    sign_in(page, local_stack, remisi)
    page.wait_for_url("**/queue")
    assert page.locator(f'tr[data-href$="{found_id}"]').count() == 1
    screenshot(page, "operator-queue")

    # Keyboard: j selects the first row (oldest first), Enter opens it.
    rows = page.locator("tr[data-href]")
    target = rows.nth(0).get_attribute("data-href")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{target}")

    # Opening a request is not viewing the KTP: only the real view is audited.
    page.goto(f"{base(local_stack)}/requests/{found_id}")
    page.reload()
    assert page.locator("img.ktp").count() == 0
    assert ktp_views(firestore_client, found_id) == 0
    # At the desk's 1366×768 no header, button or name of the candidates breaks mid-word.
    assert page.evaluate(WRAPPED, "table.candidates th, table.candidates .button") == []
    assert page.evaluate(BROKEN_WORDS, "table.candidates") == []
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('img.ktp').naturalWidth > 0")
    assert ktp_views(firestore_client, found_id) == 1
    screenshot(page, "operator-detail")

    # From the candidate to the confirmed decision without the mouse or a run of Tabs.
    page.keyboard.press("1")  # the first candidate → the answer preview
    page.wait_for_url(re.compile(r".*/compose\?candidate="))
    answer = page.locator("textarea[name=answer]")
    assert "Hormat kami" in answer.input_value()
    assert page.evaluate("() => document.activeElement.name") == "answer"
    screenshot(page, "operator-compose")
    page.keyboard.press("Control+End")
    page.keyboard.type("\nTerima kasih.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r".*\?ok=decided$"))
    assert "Keputusan tersimpan." in page.content()
    assert "Terima kasih." in page.locator("pre.answer").inner_text()

    page.goto(f"{base(local_stack)}/requests/{missing_id}")
    page.keyboard.press("n")  # confirm() dialog accepted by the handler
    page.wait_for_url(re.compile(r".*\?ok=decided$"))
    assert "Tidak ditemukan oleh" in page.content()
    assert dialogs == ["Tandai tidak ditemukan di SDP?"]

    page.goto(f"{base(local_stack)}/reports")
    assert page.evaluate(CHART_CLASHES, "Hasil permohonan") == []
    screenshot(page, "operator-reports")
    page.goto(f"{base(local_stack)}/messages/unknown")
    screenshot(page, "operator-unknown-messages")
    page.goto(f"{base(local_stack)}/account")
    screenshot(page, "operator-account")
    assert errors == []

    admin = create_account(local_stack, "admin", "adm")
    page.click("text=Keluar")
    page.wait_for_url(re.compile(r".*/login\?ok=signed_out$"))
    sign_in(page, local_stack, admin)
    page.goto(f"{base(local_stack)}/admin/audit")
    table = page.locator("table.audit tbody").inner_text()
    # Labels and tracking codes, not the trail's codes and internal ids.
    for code in ("sign_in", "ktp_viewed", "decision_found", "decision_not_found", "sign_out"):
        assert code not in table, code
    for label in ("Masuk", "Melihat KTP", "Keputusan: ditemukan", "Keputusan: tidak ditemukan"):
        assert label in table, label
    codes = {
        request_id: firestore_client.collection("requests")
        .document(request_id)
        .get()
        .to_dict()["tracking_code"]
        for request_id in (found_id, missing_id)
    }
    for request_id, code in codes.items():
        assert request_id not in table and f"permohonan {code}" in table
    assert page.evaluate(BROKEN_WORDS, "table.audit td:not(.free), table.audit th") == []
    screenshot(page, "operator-audit")
    page.goto(f"{base(local_stack)}/admin/accounts")
    screenshot(page, "operator-accounts")
    page.goto(f"{base(local_stack)}/admin/templates")
    screenshot(page, "operator-templates")
    page.goto(f"{base(local_stack)}/admin/templates/receipt/id")
    screenshot(page, "operator-template-edit")
    assert errors == []


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
