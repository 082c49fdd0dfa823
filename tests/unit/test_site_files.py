"""The site's generated files match the code and settings they come from."""

import json
import re
from pathlib import Path

import pytest

from shared import security_headers, site_files
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


# --- the site per environment ------------------------------------------------------------------

_META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
_INLINE = re.compile(r'<script data-src="[\w-]+\.js">(.*?)</script>', re.S)


def _built(tmp_path, environment: str, turnstile_site_key: str = "") -> Path:
    out = tmp_path / environment
    site_files.build(
        out, security_headers.ENVIRONMENTS[environment], Office.from_env({}), turnstile_site_key
    )
    return out


def _policy(page: str) -> dict[str, list[str]]:
    (content,) = _META_CSP.findall(page)
    return {d.split()[0]: d.split()[1:] for d in content.split(";") if d.strip()}


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_a_deployed_build_reaches_only_its_own_origin_and_upload_host(tmp_path, environment):
    # Measured: the published CSP kept connect-src http://127.0.0.1:* (the local stack's).
    out = _built(tmp_path, environment)
    for name in site_files.PAGES:
        page = (out / name).read_text(encoding="utf-8")
        assert "127.0.0.1" not in page, name
        policy = _policy(page)
        if "connect-src" in policy:
            assert policy["connect-src"] == ["'self'", "https://storage.googleapis.com"], name
        assert security_headers.TURNSTILE_ORIGIN not in page, name
    # Every other file of the site is copied as it is.
    for source in site_files.SITE.iterdir():
        assert (out / source.name).is_file(), source.name
    assert (out / "form-rules.json").read_text() == site_files.render(site_files.rules())


def test_the_pages_talking_to_the_network_are_the_ones_with_connect_src():
    # The form and the status page upload; a page without connect-src gets none added.
    networked = {
        name
        for name in site_files.PAGES
        if "connect-src" in _policy((site_files.SITE / name).read_text(encoding="utf-8"))
    }
    assert {"index.html", "status.html"} <= networked


def test_each_built_page_lists_exactly_the_hashes_of_its_inlined_scripts(tmp_path):
    out = _built(tmp_path, "production", "0x4AAAAAAAtest")
    for name in site_files.PAGES:
        page = (out / name).read_text(encoding="utf-8")
        inlined = {site_files._sha256(code) for code in _INLINE.findall(page)}
        scripts = set(_policy(page)["script-src"]) - {security_headers.TURNSTILE_ORIGIN}
        assert inlined and scripts == inlined, name


def test_a_turnstile_site_key_opens_the_form_pages_to_cloudflares_challenge_only(tmp_path):
    out = _built(tmp_path, "production", "0x4AAAAAAAtest")
    origin = security_headers.TURNSTILE_ORIGIN
    for name in site_files.PAGES:
        policy = _policy((out / name).read_text(encoding="utf-8"))
        if "connect-src" in policy:
            assert origin in policy["script-src"] and origin in policy["connect-src"], name
            assert policy["frame-src"] == [origin], name
        else:
            assert origin not in str(policy), name
    # The form's script finds the key and the widget's script in its meta (static_site/form.js).
    form = (out / "index.html").read_text(encoding="utf-8")
    assert (
        '<meta name="turnstile-site-key" content="0x4AAAAAAAtest" '
        f'data-script="{security_headers.TURNSTILE_SCRIPT}">'
    ) in form
    assert security_headers.TURNSTILE_SCRIPT.startswith(origin + "/")
    # Building again without the key takes it away (the build is idempotent either way).
    production = security_headers.ENVIRONMENTS["production"]
    css = site_files.STYLESHEET.read_text(encoding="utf-8")
    rules = site_files.render(site_files.rules())
    again = site_files.generate_page(form, css, rules, production)
    assert origin not in again and "frame-src" not in again
    assert site_files.generate_page(again, css, rules, production) == again


def test_committed_pages_are_the_local_build():
    for name in site_files.PAGES:
        page = (site_files.SITE / name).read_text(encoding="utf-8")
        assert page == site_files.environment_policy(page, site_files.LOCAL), name
        assert "https://storage.googleapis.com" not in page, name


def test_the_committed_site_is_never_overwritten_with_another_environment():
    with pytest.raises(ValueError, match="--out"):
        site_files.build(
            site_files.SITE, security_headers.ENVIRONMENTS["production"], Office.from_env({})
        )


def test_a_build_replaces_only_an_earlier_build(tmp_path):
    (tmp_path / "notes.txt").write_text("not a site")
    with pytest.raises(ValueError, match="no earlier build"):
        site_files.build(tmp_path, security_headers.ENVIRONMENTS["production"], Office.from_env({}))
    assert (tmp_path / "notes.txt").is_file()
    out = _built(tmp_path, "production")
    (out / "gone.js").write_text("// removed from the site since")
    _built(tmp_path, "production")
    assert not (out / "gone.js").exists()


def test_every_page_of_the_site_is_built():
    # A page left out of PAGES would keep its source policy (and no inlined scripts).
    assert {p.name for p in site_files.SITE.glob("*.html")} == set(site_files.PAGES)


def test_without_a_site_key_no_page_names_turnstile_and_a_bad_key_is_refused(tmp_path):
    out = _built(tmp_path, "production")
    for name in site_files.PAGES:
        page = (out / name).read_text(encoding="utf-8")
        assert security_headers.TURNSTILE_ORIGIN not in page, name
    assert '<meta name="turnstile-site-key" content="" data-script="">' in (
        out / "index.html"
    ).read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="site key"):
        site_files.with_turnstile("", '0x4"><script>alert(1)</script>')
