"""Filing a complaint from a 360×640 phone: errors next to the fields, a refused tracking code,
then the complaint number; the page without serious accessibility violations, the service
standard one tap away, and no request to any other host."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
from google.cloud.firestore import FieldFilter

from shared.domain.tracking import new_tracking_code
from tests.browser.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]

TEXT = "Sudah lewat tiga hari kerja dan jawaban permohonan saya belum datang. Mohon dibantu."


def test_a_complaint_filed_from_a_phone(page, site, firestore_client):
    hosts = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page.goto(site)
    page.click("footer a[href='pengaduan.html']")
    page.wait_for_url("**/pengaduan.html")
    assert page.locator("a[href='https://www.lapor.go.id']").count() == 2

    page.click("#send")  # empty: the page's own checks, each next to its field
    assert page.locator("#summary").is_visible()
    assert page.text_content("#whatsapp-err").startswith("Isi nomor WhatsApp atau email")
    assert page.text_content("#category-err") == "Wajib diisi."

    digits = f"{uuid.uuid4().int % 10**9:09d}"
    page.fill("#name", "Siti Rahmawati")
    page.fill("#whatsapp", f"0813 {digits}")
    page.check("input[value='lambat']")
    page.fill("#text", TEXT)
    page.fill("#tracking_code", new_tracking_code())  # well formed, nobody's: the server refuses
    page.click("#send")
    page.wait_for_selector("#tracking_code-err:not([hidden])")
    assert "tidak cocok" in page.text_content("#tracking_code-err")
    assert page.get_attribute("#tracking_code", "aria-invalid") == "true"

    page.fill("#tracking_code", "")
    page.click("#send")
    page.wait_for_selector("#done:not([hidden])")
    number = page.text_content("#complaint-number")
    assert number.startswith("ADU-") and "hari kerja lewat WhatsApp" in page.text_content("#done")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "20-complaint-filed")
    stored = (
        firestore_client.collection("complaints")
        .where(filter=FieldFilter("number", "==", number))
        .get()
    )
    assert len(stored) == 1 and stored[0].get("whatsapp") == f"+62813{digits}"
    assert [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")] == []

    page.click("footer a[href='standar-pelayanan.html']")
    assert "Maklumat pelayanan" in page.text_content("main")
    screenshot(page, "21-service-standard")
    assert hosts == {urlsplit(site).netloc}, hosts
