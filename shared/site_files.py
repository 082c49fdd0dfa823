"""Writes the site's generated data files from the code and settings:

- `static_site/form-rules.json`: `shared.domain.form.form_rules()` plus the patterns the page
  needs, so the browser checks exactly what the server checks (one source of truth; a unit test
  fails when the committed file drifts from the code);
- `static_site/office.json`: the office's name and contact from OFFICE_* settings.

A static file rather than an endpoint: the form page then needs no function call before it is
usable, the file is cached by the CDN, and a slow network pays for it once.

    python -m shared.site_files [--require-office]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from shared.domain import form
from shared.domain.tracking import ALPHABET
from shared.office import Office

SITE = Path(__file__).resolve().parents[1] / "static_site"
RULES_FILE = SITE / "form-rules.json"
OFFICE_FILE = SITE / "office.json"


def rules() -> dict:
    from shared.adapters.records import RETENTION

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--require-office", action="store_true", help="fail without OFFICE_*")
    args = parser.parse_args(argv)
    RULES_FILE.write_text(render(rules()), encoding="utf-8")
    OFFICE_FILE.write_text(
        render(Office.from_env(require=args.require_office).as_dict()), encoding="utf-8"
    )
    print(f"wrote {RULES_FILE} and {OFFICE_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
