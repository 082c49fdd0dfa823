"""The satisfaction survey answered on a 360x640 phone: the link from the message, the nine
elements and the profile by touch and keyboard, the errors in Indonesian, the thanks, the link
spent; nothing requested from any other origin; the published results page."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from shared.domain import skm
from tests.browser.conftest import axe_violations, screenshot

pytestmark = pytest.mark.integration


def invitation(firestore_client) -> str:
    """A fresh link, as the notified step stores it (only the token's hash)."""
    token = secrets.token_urlsafe(32)
    hashed = hashlib.sha256(token.encode()).hexdigest()
    now = datetime.now(UTC)
    firestore_client.collection("survey_invitations").document(hashed).set(
        {
            "token_hash": hashed,
            "service": skm.SERVICE,
            "created_at": now,
            "expires_at": now + timedelta(days=14),
            "used": False,
        }
    )
    return token


def test_a_requester_answers_the_survey_on_a_phone(page, site, firestore_client):
    origins = set()
    page.on("request", lambda r: origins.add(urlsplit(r.url).netloc))
    token = invitation(firestore_client)
    page.goto(f"{site}survei.html#t={token}")
    page.wait_for_selector("#survey:not([hidden])")
    assert "#t=" not in page.url  # out of the address bar at once
    assert page.locator("#expires").inner_text().strip() != "—"
    assert page.locator("fieldset.q legend").count() == 9
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Sent empty: one error per question, in Indonesian, the summary focused.
    page.click("#send")
    assert page.locator("#summary").is_visible()
    assert "13 isian" in page.inner_text("#summary-title")
    assert page.evaluate("document.activeElement.id") == "summary"
    assert page.get_attribute("#u1", "aria-invalid") == "true"

    # The keyboard answers the first element: Tab into the group, arrows move the choice.
    page.focus("input[name=u1][value='1']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.is_checked("input[name=u1][value='4']")
    assert page.locator("#u1-err").is_hidden()  # answering clears the question's error
    # Touch for the rest.
    for code, value in zip(skm.ELEMENT_CODES[1:], (3, 4, 4, 3, 3, 4, 3, 3), strict=True):
        page.locator(f"input[name={code}][value='{value}']").tap()
    for name, value in (
        ("age_band", "35-44"),
        ("sex", "p"),
        ("education", "sma"),
        ("occupation", "swasta"),
    ):
        page.locator(f"input[name={name}][value='{value}']").tap()
    # English for a requester who asks: the regulation's elements in translation, and back.
    page.click("#survey-lang")
    assert page.inner_text("#u1 legend") == "1. Requirements"
    assert page.evaluate("document.documentElement.lang") == "en"
    page.click("#survey-lang")
    assert page.inner_text("#u1 legend") == "1. Persyaratan"
    page.fill("#suggestion", "Jawaban WhatsApp cepat dan jelas.")
    assert "33 / 1000" in page.inner_text("#suggestion-count")
    serious = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    page.click("#send")
    page.wait_for_selector("#done:not([hidden])")
    assert "tercatat" in page.inner_text("#done")
    assert page.locator("#survey").is_hidden()
    screenshot(page, "survei-terima-kasih")

    # The same link again, opened afresh from the message: spent, said plainly.
    page.goto("about:blank")
    page.goto(f"{site}survei.html#t={token}")
    page.wait_for_selector("#closed:not([hidden])")
    assert "sudah dipakai" in page.inner_text("#closed")

    # The published results count the answer (this month's, in this year).
    page.goto(f"{site}hasil-survei.html")
    page.wait_for_selector("#result:not([hidden])")
    assert "IKM" in page.inner_text("#r-ikm")
    assert page.locator("#chart svg rect").count() == 9
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert origins == {urlsplit(site).netloc}, origins
