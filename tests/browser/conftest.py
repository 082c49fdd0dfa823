"""Headless Debian Chromium (never a downloaded browser) at a cheap phone's viewport, against the
session's local stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 640}

# An init script for a page with a form: submits it every 50 ms from the moment it exists and
# notes (window.formUsableAt, ms since navigation) when the page's own checks first answer by
# showing their error summary: the form is usable then. Default submission is prevented so a
# submit before the scripts run cannot navigate away.
USABLE_PROBE = """
window.addEventListener('submit', e => e.preventDefault(), true);
const probe = setInterval(() => {
  const form = document.querySelector('main form'), summary = document.getElementById('summary');
  if (summary && !summary.hidden) {
    window.formUsableAt = performance.now(); clearInterval(probe); return;
  }
  if (form && summary) form.requestSubmit();
}, 50);
"""


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium missing: `make setup` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, local_stack):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def site(local_stack) -> str:
    return local_stack.site_url + "/"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail("axe-core missing: `make setup` runs npm ci in tests/browser")
    # Evaluated through the DevTools protocol: the pages' CSP forbids inline script tags.
    page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


def transferred_bytes(page) -> dict[str, int]:
    """What the page cost over the network, per resource (navigation included)."""
    entries = page.evaluate(
        """() => performance.getEntriesByType('navigation')
            .concat(performance.getEntriesByType('resource'))
            .map(e => [e.name, e.transferSize || e.encodedBodySize || 0])"""
    )
    return {name: size for name, size in entries}
