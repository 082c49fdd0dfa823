"""The site's generated files match the code and settings they come from."""

import json

from shared import site_files
from shared.domain.form import MESSAGES
from shared.domain.retention import REQUEST as RETENTION
from shared.office import Office, OfficeNotConfigured


def test_committed_form_rules_match_the_code():
    # Fails when form.py changes without `python -m shared.site_files`.
    committed = site_files.RULES_FILE.read_text(encoding="utf-8")
    assert committed == site_files.render(site_files.rules())
    assert json.loads(committed)["messages"] == MESSAGES


def test_privacy_notice_states_the_retention_the_code_applies():
    text = (site_files.SITE / "privasi.html").read_text(encoding="utf-8")
    assert f"paling lambat {RETENTION.days} hari" in text
    assert f"at most {RETENTION.days} days" in (site_files.SITE / "app.js").read_text()


def test_office_comes_from_settings_and_a_deployment_must_set_it():
    office = Office.from_env({"OFFICE_NAME": "Kanwil Ditjenpas Jawa Barat"})
    assert office.name == "Kanwil Ditjenpas Jawa Barat"
    assert Office.from_env({}).name == "Kanwil Ditjenpas Banten"
    try:
        Office.from_env({"OFFICE_NAME": "X"}, require=True)
    except OfficeNotConfigured as refused:
        assert "OFFICE_EMAIL" in str(refused)
    else:
        raise AssertionError("a deployment without office contact must be refused")


def test_every_page_carries_the_current_stylesheet_and_its_hash():
    # Fails when app.css changes without `python -m shared.site_files`.
    css = site_files.STYLESHEET.read_text(encoding="utf-8")
    for name in site_files.PAGES:
        page = (site_files.SITE / name).read_text(encoding="utf-8")
        assert page == site_files.inline_stylesheet(page, css), name
        assert f'<style id="app-css">{css}</style>' in page, name
        assert 'href="app.css"' not in page, name
