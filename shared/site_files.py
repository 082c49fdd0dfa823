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

The site is built per environment (`shared.security_headers.ENVIRONMENTS`): each page's
`<meta>` CSP lets it reach only this origin and that environment's upload host. The committed
`static_site/` is the local build (uploads to the local stack's storage front on 127.0.0.1);
a deployment builds a copy elsewhere, which infra uploads (infra/modules/remisi/frontend.tf):

    python -m shared.site_files [--require-office]
    python -m shared.site_files --environment production --require-office \
        --out infra/environments/production/.build/site

With a Cloudflare Turnstile site key (`--turnstile-site-key`, or TURNSTILE_SITE_KEY) the form
pages may also load, frame and call https://challenges.cloudflare.com.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from shared import security_headers, service_standard
from shared.domain import form
from shared.domain.tracking import ALPHABET
from shared.office import Office

SITE = Path(__file__).resolve().parents[1] / "static_site"
RULES_FILE = SITE / "form-rules.json"
OFFICE_FILE = SITE / "office.json"
STYLESHEET = SITE / "app.css"
PAGES = (
    "index.html",
    "status.html",
    "selesai.html",
    "privasi.html",
    "survei.html",
    "hasil-survei.html",
    "pengaduan.html",
    "standar-pelayanan.html",  # written by shared.service_standard from the configuration
)

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
_POLICY = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(">)')
# Where the form's script finds the Turnstile widget (static_site/form.js): empty, no CAPTCHA.
_TURNSTILE_META = re.compile(
    r'<meta name="turnstile-site-key" content="[^"]*" data-script="[^"]*">'
)
_SITE_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")
LOCAL = security_headers.ENVIRONMENTS["local"]


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


def environment_policy(
    page: str, environment: security_headers.SiteEnvironment, turnstile: bool = False
) -> str:
    """The page with its `<meta>` CSP made for `environment` (`security_headers.page_policy`)."""
    if len(_POLICY.findall(page)) != 1:
        raise ValueError("a page needs exactly one <meta> Content-Security-Policy")
    return _POLICY.sub(
        lambda m: m[1] + security_headers.page_policy(m[2], environment, turnstile) + m[3], page
    )


def with_turnstile(page: str, site_key: str) -> str:
    """The page's Turnstile meta with `site_key` and the widget's script ("" for both: none)."""
    if site_key and not _SITE_KEY.fullmatch(site_key):
        raise ValueError("a Turnstile site key is letters, digits, _ and - only")
    script = security_headers.TURNSTILE_SCRIPT if site_key else ""
    meta = f'<meta name="turnstile-site-key" content="{site_key}" data-script="{script}">'
    return _TURNSTILE_META.sub(lambda _: meta, page)


def generate_page(
    page: str,
    css: str,
    rules_json: str,
    environment: security_headers.SiteEnvironment = LOCAL,
    turnstile_site_key: str = "",
) -> str:
    page = inline_scripts(inline_stylesheet(page, css), read_site_script, rules_json)
    page = with_turnstile(page, turnstile_site_key)
    return environment_policy(page, environment, bool(turnstile_site_key))


def build(
    out: Path,
    environment: security_headers.SiteEnvironment,
    office: Office,
    turnstile_site_key: str = "",
) -> None:
    """The site for `environment` in `out` (the committed static_site/ itself for local)."""
    if out.resolve() != SITE.resolve():
        # A fresh copy, so a file removed from the site is not uploaded again; only an earlier
        # build (or nothing) is ever replaced.
        if out.exists() and any(out.iterdir()):
            if not (out / "index.html").is_file():
                raise ValueError(f"{out} is not empty and holds no earlier build of the site")
            shutil.rmtree(out)
        shutil.copytree(SITE, out)
    elif environment is not LOCAL:
        raise ValueError("static_site/ is the local build: give --out for another environment")
    rules_json = render(rules())
    (out / RULES_FILE.name).write_text(rules_json, encoding="utf-8")
    (out / OFFICE_FILE.name).write_text(render(office.as_dict()), encoding="utf-8")
    css = STYLESHEET.read_text(encoding="utf-8")
    for name in PAGES:
        if name == service_standard.PAGE:
            source = service_standard.page(office)
        else:
            source = (SITE / name).read_text(encoding="utf-8")
        page = generate_page(source, css, rules_json, environment, turnstile_site_key)
        (out / name).write_text(page, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--require-office", action="store_true", help="fail without OFFICE_*")
    parser.add_argument(
        "--environment", choices=sorted(security_headers.ENVIRONMENTS), default="local"
    )
    parser.add_argument("--out", type=Path, default=SITE, help="default: static_site/ (local)")
    parser.add_argument("--turnstile-site-key", default=os.environ.get("TURNSTILE_SITE_KEY", ""))
    args = parser.parse_args(argv)
    environment = security_headers.ENVIRONMENTS[args.environment]
    try:
        build(
            args.out,
            environment,
            Office.from_env(require=args.require_office),
            args.turnstile_site_key,
        )
    except ValueError as refused:
        parser.error(str(refused))
    print(
        f"wrote the {environment.name} site to {args.out}: form rules, office, and the inlined "
        "stylesheet, scripts and policy of " + ", ".join(PAGES)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
