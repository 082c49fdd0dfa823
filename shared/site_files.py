"""Writes the site's generated data files from the code and settings:

- `static_site/form-rules.json`: `shared.domain.form.form_rules()` plus the patterns the page
  needs, so the browser checks exactly what the server checks (one source of truth; a unit test
  fails when the committed file drifts from the code);
- `static_site/office.json`: the office's name and contact from OFFICE_* settings;
- the stylesheet `static_site/app.css` inlined into every page, with its hash in the page's
  CSP: on a slow 3G link each extra request costs a 2-second round trip before anything is
  drawn, so the page paints after one round trip instead of two (`make bench-pages`);
- the page's scripts (`app.js` and its own) inlined at the end of its body, each hash in
  `script-src`, and the form rules as a JSON data block: the form is usable as soon as the
  page's bytes have arrived, not two round trips after its paint (one for the scripts, one
  for the rules they fetched).

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
# A script as written in the source page, or as inlined by an earlier run.
_SCRIPT = re.compile(
    r'<script src="(?P<src>[\w-]+\.js)"></script>'
    r'|<script data-src="(?P<done>[\w-]+\.js)">.*?</script>',
    re.S,
)
_SCRIPT_SRC = re.compile(r"script-src [^;\"]*")
_RULES = re.compile(r'<script type="application/json" id="form-rules">.*?</script>', re.S)


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


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def inline_scripts(page: str, read_script, rules_json: str) -> str:
    """The page with each script's text inlined (`read_script(name)` gives it), the rules in
    its data block (a data block is not run, so it needs no hash), and `script-src` listing
    exactly the inlined scripts' hashes."""
    hashes = []

    def inline(match: re.Match) -> str:
        name = match["src"] or match["done"]
        code = read_script(name)
        if "</script" in code.lower():
            raise ValueError(f"{name} cannot be inlined: it contains </script")
        hashes.append(_sha256(code))
        return f'<script data-src="{name}">{code}</script>'

    page = _SCRIPT.sub(inline, page)
    # "<" escaped: the JSON stays the same value and can never close the block.
    data = rules_json.strip().replace("<", "\\u003c")
    page = _RULES.sub(
        lambda _: f'<script type="application/json" id="form-rules">{data}</script>', page
    )
    if hashes:
        page = _SCRIPT_SRC.sub("script-src " + " ".join(hashes), page, count=1)
    return page


def read_site_script(name: str) -> str:
    return (SITE / name).read_text(encoding="utf-8")


def generate_page(page: str, css: str, rules_json: str) -> str:
    return inline_scripts(inline_stylesheet(page, css), read_site_script, rules_json)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--require-office", action="store_true", help="fail without OFFICE_*")
    args = parser.parse_args(argv)
    rules_json = render(rules())
    RULES_FILE.write_text(rules_json, encoding="utf-8")
    OFFICE_FILE.write_text(
        render(Office.from_env(require=args.require_office).as_dict()), encoding="utf-8"
    )
    css = STYLESHEET.read_text(encoding="utf-8")
    for name in PAGES:
        path = SITE / name
        page = generate_page(path.read_text(encoding="utf-8"), css, rules_json)
        path.write_text(page, encoding="utf-8")
    print(
        f"wrote {RULES_FILE}, {OFFICE_FILE} and the inlined stylesheet and scripts of "
        + ", ".join(PAGES)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
