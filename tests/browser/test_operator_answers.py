"""An operator at the desk in headless Debian Chromium (issue 13): a complaint in the Pengaduan
queue with its SLA clock, answered from its page and sent on the complainant's channels, and
counted in the month's report; a family's WhatsApp reply (attacker text, shown as text) marked
in the queue and answered in free text inside the 24-hour window; the report's way to the
satisfaction survey's report (SKM/IKM) of the same month. One Operator Remisi signs in once
for the module: each TOTP code signs in once, so a second sign-in would wait for the next."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from shared.domain.complaints import CATEGORY_LABELS, Category
from shared.domain.message_templates import WHATSAPP_TEMPLATES
from shared.domain.messages import KIND_LABELS, STATE_LABELS, MessageKind, MessageState
from tests.browser.conftest import screenshot
from tests.browser.test_operator_page import DESK, sign_in
from tests.conftest import wait_for
from tests.integration.operator_helpers import awaiting_request, base, create_account
from tests.integration.test_consistency import fresh_client
from tests.integration.test_message_kinds import contacts
from tests.integration.test_whatsapp_replies import inbound, new_number, outbox

pytestmark = [pytest.mark.integration, pytest.mark.browser]

COMPLAINT = "Sudah lewat tiga hari kerja dan jawaban permohonan saya belum datang. Mohon dibantu."
ANSWER = "Mohon maaf atas keterlambatan; jawaban permohonan Anda kami kirim ulang hari ini."
HOSTILE = "<script>alert(1)</script> Kapan bebasnya, Pak?"
REPLY = "Baik, Bu. Data sedang kami periksa di SDP; jawabannya menyusul hari ini."
PROVIDER_TOOK = {
    STATE_LABELS[s]
    for s in (MessageState.ACCEPTED, MessageState.SENT, MessageState.DELIVERED, MessageState.READ)
}
# The rows of the report's complaint table (complaint_report.html), by item.
COMPLAINT_FIGURES = """() => {
  const heading = [...document.querySelectorAll("main h2")]
    .find(h => h.textContent.trim() === "Pengaduan");
  return Object.fromEntries([...heading.nextElementSibling.querySelectorAll("tbody tr")]
    .map(tr => [...tr.cells].map(td => td.textContent.trim()))
    .map(([section, item, value]) => [`${section}/${item}`, parseInt(value, 10)]));
}"""


@pytest.fixture(scope="module")
def desk(browser, local_stack):
    """A signed-in Operator Remisi (queue, complaints, reports) at a 1366×768 desk."""
    context = browser.new_context(viewport=DESK, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(20_000)
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, local_stack, create_account(local_stack, "operator_remisi", "jwb"))
    page.wait_for_url("**/queue")
    yield page, dialogs, errors
    context.close()


def file_complaint(stack, fields: dict) -> str:
    """Filed as the public form sends it, from an address of its own (the filing limit is per
    client and other tests file complaints too)."""
    body = {
        "name": "Siti Rahmawati",
        "category": Category.SLOW.value,
        "text": COMPLAINT,
        "idempotency_key": f"uji-{uuid.uuid4().hex}",
        **fields,
    }
    headers = {"X-Forwarded-For": f"{fresh_client()}, 130.211.0.1"}
    for _ in range(4):  # a 503 (cold instance) is sent again with the same key, as the API says
        answer = requests.post(
            f"{stack.site_url}/api/complaint", json=body, headers=headers, timeout=15
        )
        if answer.status_code != 503:
            break
    assert answer.status_code == 201, answer.text
    return answer.json()["complaint_number"]


def answer_states(page) -> list[tuple[str, str]]:
    """(channel, state) of the answer's messages in the complaint page's table."""
    rows = page.locator("main table tbody tr", has_text=KIND_LABELS[MessageKind.COMPLAINT_ANSWER])
    return [tuple(row.locator("td").all_inner_texts()[1:3]) for row in rows.all()]


def reloaded_answer_states(page) -> list[tuple[str, str]] | None:
    """The states once both channels' answers left for the provider, else None."""
    page.reload()
    states = answer_states(page)
    done = len(states) == 2 and all(state in PROVIDER_TOOK for _, state in states)
    return states if done else None


def test_a_complaint_is_answered_from_its_page_and_counted(desk, local_stack):
    page, dialogs, errors = desk
    page.goto(f"{base(local_stack)}/reports")
    before = page.evaluate(COMPLAINT_FIGURES)

    fields, email, wa = contacts()
    number = file_complaint(local_stack, fields)
    page.click("header nav >> text=Pengaduan")
    page.wait_for_url("**/complaints")
    row = page.locator("table.queue tbody tr").filter(has=page.locator("a", has_text=number))
    link = row.locator("a", has_text=number)
    assert row.count() == 1
    # Its own clock in working time, just started: on target with most of the days left.
    clock = row.locator("td").last.inner_text()
    assert re.fullmatch(r"Sesuai target \(sisa \d+ j \d\d m\)", clock), clock
    assert "sla-on_time" in row.get_attribute("class")
    screenshot(page, "operator-complaints")

    link.click()
    page.wait_for_url(re.compile(r".*/complaints/[0-9a-f]{32}$"))
    assert page.locator("pre.answer").inner_text() == COMPLAINT
    assert "Belum dijawab" in page.locator("h1").inner_text()
    page.fill("#answer", ANSWER)
    page.click("button:has-text('Kirim jawaban')")
    page.wait_for_url(re.compile(r".*\?ok=answered$"))
    assert page.locator("h1 .status").inner_text() == "Dijawab"
    notice = page.locator("p.notice").inner_text()
    assert "dikirim lewat" in notice and "whatsapp" in notice and "email" in notice
    assert page.locator("section.decided pre.answer").inner_text() == ANSWER
    assert page.locator("form.decide").count() == 0  # answered once, no second form
    screenshot(page, "operator-complaint-answered")

    # The answer reaches the complainant on both channels given.
    answer_template = WHATSAPP_TEMPLATES[MessageKind.COMPLAINT_ANSWER].name
    wait_for(lambda: outbox(local_stack, to=wa, template=answer_template), timeout=30)
    mail = wait_for(
        lambda: [m for m in outbox(local_stack, to=email) if ANSWER in (m.get("text") or "")],
        timeout=30,
    )
    assert number in mail[0]["subject"]
    # ... and the page says so, per channel, once the provider took it.
    states = wait_for(lambda: reloaded_answer_states(page), timeout=15)
    assert sorted(channel for channel, _ in states) == ["Email", "WhatsApp"], states
    page.click("header nav >> text=Pengaduan")
    page.click('nav.tabs >> text="Dijawab"')
    page.wait_for_url("**/complaints?status=answered")
    assert page.locator("table.queue a", has_text=number).count() == 1

    # The month's figures took it in: one more received, answered, answered on time.
    page.click("header nav >> text=Laporan")
    page.wait_for_url("**/reports")
    after = page.evaluate(COMPLAINT_FIGURES)
    slow = f"pengaduan per kategori/{CATEGORY_LABELS[Category.SLOW]['id']}"
    within = next(k for k in after if re.fullmatch(r"pengaduan/Dijawab dalam \d+ hari kerja", k))
    for item in ("pengaduan/Diterima", "pengaduan/Dijawab", within, slow):
        assert after[item] == before[item] + 1, (item, before, after)
    assert after["pengaduan/Belum dijawab"] == before["pengaduan/Belum dijawab"]
    assert dialogs == [] and errors == []


def test_a_family_reply_is_marked_shown_as_text_and_answered(desk, local_stack, firestore_client):
    page, dialogs, errors = desk
    local, wa = new_number()
    request_id = awaiting_request(local_stack, firestore_client, whatsapp=local)
    receipt = wait_for(
        lambda: outbox(local_stack, to=wa, template="remisi_tanda_terima"), timeout=30
    )
    sent = inbound(local_stack, **{"from": wa, "text": HOSTILE, "context_id": receipt[0]["id"]})
    assert sent["webhook_status"] == 200 and sent["webhook"]["inbound"] == 1

    page.click("header nav >> text=Antrean")
    page.wait_for_url(re.compile(r".*/queue$"))
    row = page.locator(f'tr[data-href$="/requests/{request_id}"]')
    assert row.locator(".badge").inner_text() == "Balasan baru"
    row.locator("a").first.click()
    page.wait_for_url(f"**/requests/{request_id}")
    thread = page.locator("section.conversation")
    # The family's text, markup and all, as text: no element made of it, no dialog.
    assert thread.locator("li.theirs p.text").inner_text() == HOSTILE
    assert page.evaluate("() => document.querySelectorAll('main script').length") == 0
    assert "Jendela 24 jam terbuka" in thread.inner_text()
    screenshot(page, "operator-whatsapp-thread")

    thread.locator("textarea[name=text]").fill(REPLY)
    thread.locator("button:has-text('Kirim balasan')").click()
    page.wait_for_url(re.compile(f".*/requests/{request_id}#percakapan$"))
    assert page.locator("section.conversation li.ours", has_text=REPLY).count() == 1
    # Inside the window the text itself goes, not a template.
    delivered = wait_for(lambda: outbox(local_stack, to=wa, text=REPLY), timeout=30)
    assert delivered[0]["template"] is None

    page.goto(f"{base(local_stack)}/queue")  # seen: the marker is gone
    row = page.locator(f'tr[data-href$="/requests/{request_id}"]')
    assert row.count() == 1 and row.locator(".badge").count() == 0
    page.wait_for_timeout(200)  # a script the text might have become would have run by now
    assert dialogs == [] and errors == []


def test_the_report_leads_to_the_survey_report_of_its_month(desk, local_stack):
    page, dialogs, errors = desk
    page.goto(f"{base(local_stack)}/reports?month=2026-11")
    link = page.locator("main a", has_text="Survei Kepuasan Masyarakat")
    assert link.get_attribute("href").endswith("/survey?periode=2026-11")
    link.click()
    page.wait_for_url("**/survey?periode=2026-11")
    assert page.locator("h1").inner_text().startswith("Survei Kepuasan Masyarakat")
    assert page.locator("input[name=periode]").input_value() == "2026-11"
    # The regulation's nine elements, each with its NRR, whether or not anyone answered yet.
    assert page.locator("svg.chart rect").count() == 9
    assert re.search(r"IKM \d|Belum ada responden", page.locator("main").inner_text())
    screenshot(page, "operator-survey-from-reports")
    assert dialogs == [] and errors == []
