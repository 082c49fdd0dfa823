"""The site's generated files match the code and settings they come from."""

import json

from shared import site_files
from shared.adapters.records import RETENTION
from shared.domain.form import MESSAGES
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
