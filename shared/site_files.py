"""Writes the site's generated data files from the code and settings:

- `static_site/form-rules.json`: `shared.domain.form.form_rules()` plus the patterns the page
  needs, so the browser checks exactly what the server checks (one source of truth; a unit test
  fails when the committed file drifts from the code);
- `static_site/office.json`: the office's name and contact from OFFICE_* settings;
- the stylesheet `static_site/app.css` inlined into every page, with its hash in the page's
  CSP: on a slow 3G link each extra request costs a 2-second round trip before anything is
  drawn, so the page paints after one round trip instead of two (`make bench-pages`).

A static file rather than an endpoint: the form page then needs no function call before it is
usable, the file is cached by the CDN, and a slow network pays for it once.

    python -m shared.site_files [--require-office]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
from pathlib import Path

from shared.domain import form
from shared.domain.tracking import ALPHABET
from shared.office import Office

SITE = Path(__file__).resolve().parents[1] / "static_site"
RULES_FILE = SITE / "form-rules.json"
OFFICE_FILE = SITE / "office.json"
STYLESHEET = SITE / "app.css"
PAGES = ("index.html", "status.html", "selesai.html", "privasi.html")

_STYLE = re.compile(r'<link rel="stylesheet" href="app.css">|<style id="app-css">.*?</style>', re.S)
_STYLE_SRC = re.compile(r"style-src [^;\"]*")


def rules() -> dict:
    from shared.domain.retention import REQUEST as RETENTION

    return {
        **form.form_rules(),
        # JavaScript reads these regular expressions as they are (no Python-only syntax).
        "patterns": {
            "email": form._EMAIL.pattern,
            "mobile_national": r"^8[1-9]\d{7,10}$",
        },
        "tracking_alphabet": ALPHABET,
        "retention_days": RETENTION.days,
    }


def render(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def inline_stylesheet(page: str, css: str) -> str:
    """The page with `css` in its <style id="app-css"> and that block's hash as style-src."""
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    page = _STYLE.sub(lambda _: f'<style id="app-css">{css}</style>', page, count=1)
    return _STYLE_SRC.sub(f"style-src 'sha256-{digest}'", page, count=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--require-office", action="store_true", help="fail without OFFICE_*")
    args = parser.parse_args(argv)
    RULES_FILE.write_text(render(rules()), encoding="utf-8")
    OFFICE_FILE.write_text(
        render(Office.from_env(require=args.require_office).as_dict()), encoding="utf-8"
    )
    css = STYLESHEET.read_text(encoding="utf-8")
    for name in PAGES:
        path = SITE / name
        path.write_text(inline_stylesheet(path.read_text(encoding="utf-8"), css), encoding="utf-8")
    print(f"wrote {RULES_FILE}, {OFFICE_FILE} and the inlined stylesheet of {', '.join(PAGES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
