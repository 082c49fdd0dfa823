"""Page-load benchmark (`make bench-pages`): the public pages in Debian's Chromium at a phone's
viewport under DevTools' network presets, from a cold cache.

Figures per page and profile: first contentful paint, DOMContentLoaded (the scripts have
run), "usable" (a submit first gets the page's own checks: tests/browser/conftest.py
USABLE_PROBE; pages with a form only), the load event, and bytes transferred. The last line is
machine-readable: slow3g_form_usable_ms=… slow3g_form_dcl_ms=… slow3g_form_fcp_ms=… form_bytes=…
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from localdev.stack import LocalStack, StackConfig
from tests.browser.conftest import ARGS, CHROMIUM, USABLE_PROBE

# Chrome DevTools' presets (throughput in bytes/s, latency in ms per request).
PROFILES = {
    "slow3g": {"latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000},
    "fast3g": {"latency": 563, "downloadThroughput": 180_000, "uploadThroughput": 84_375},
}
PAGES = {"form": "", "status": "status.html", "privacy": "privasi.html"}
HAS_FORM = {"form", "status"}


def measure(browser, url: str, profile: dict, has_form: bool) -> dict:
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True)
    page = context.new_page()
    if has_form:
        page.add_init_script(USABLE_PROBE)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {"offline": False, **profile})
    page.goto(url, wait_until="load", timeout=60_000)
    if has_form:
        page.wait_for_function("() => window.formUsableAt", timeout=60_000)
    timing = page.evaluate(
        """() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const fcp = performance.getEntriesByName('first-contentful-paint')[0];
            const bytes = [nav, ...performance.getEntriesByType('resource')]
                .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0);
            return {fcp: fcp ? fcp.startTime : -1, dcl: nav.domContentLoadedEventEnd,
                    usable: window.formUsableAt || -1, load: nav.loadEventEnd, bytes};
        }"""
    )
    context.close()
    return {key: round(value) for key, value in timing.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per page and profile (median)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as state:
        stack = LocalStack(StackConfig.on_free_ports(Path(state), demo_sdp_records=100))
        stack.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=ARGS
                )
                results = {}
                print(
                    f"{'page':10}{'profile':9}{'FCP ms':>9}{'DCL ms':>9}{'usable':>9}"
                    f"{'load ms':>9}{'bytes':>9}"
                )
                for profile_name, profile in PROFILES.items():
                    for page_name, path in PAGES.items():
                        runs = [
                            measure(
                                browser, f"{stack.site_url}/{path}", profile, page_name in HAS_FORM
                            )
                            for _ in range(args.runs)
                        ]
                        median = {k: sorted(r[k] for r in runs)[len(runs) // 2] for k in runs[0]}
                        results[(page_name, profile_name)] = median
                        print(
                            f"{page_name:10}{profile_name:9}{median['fcp']:>9}"
                            f"{median['dcl']:>9}{median['usable']:>9}{median['load']:>9}"
                            f"{median['bytes']:>9}"
                        )
                browser.close()
        finally:
            stack.stop()
    form = results[("form", "slow3g")]
    print(
        f"slow3g_form_usable_ms={form['usable']} slow3g_form_dcl_ms={form['dcl']} "
        f"slow3g_form_fcp_ms={form['fcp']} "
        f"form_bytes={form['bytes']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
