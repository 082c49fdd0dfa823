"""The optional CAPTCHA (Cloudflare Turnstile), verified server-side against the local stand-in
of siteverify (localdev/provider_standin.py), and the form's honeypot, at the submit entry."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import requests
from werkzeug.serving import make_server

from localdev.provider_standin import StandIn, ensure_sendgrid_key
from shared.adapters.turnstile import CaptchaRefused, CaptchaUnavailable, TurnstileVerifier
from shared.entrypoints import responses
from tests.fakes import fake_dependencies
from tests.samples import form_payload

SECRET = "stand-in-turnstile-secret"
SITE = "remisi.example.id"


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    key = tmp_path_factory.mktemp("standin") / "sendgrid.pem"
    ensure_sendgrid_key(key)
    app = StandIn(key, "app-secret", "http://127.0.0.1:9", turnstile_secret=SECRET)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def token(standin, **kind) -> str:
    _, url = standin
    answer = requests.post(f"{url}/_control/turnstile/token", json={"hostname": SITE, **kind})
    return answer.json()["token"]


def verifier(standin, secret=SECRET, timeout=2.0) -> TurnstileVerifier:
    _, url = standin
    return TurnstileVerifier(
        secret, f"{url}/turnstile/v0/siteverify", hostnames=[SITE], timeout=timeout
    )


def test_a_solved_challenge_passes_once(standin):
    check, solved = verifier(standin), token(standin)
    check.verify(solved, "198.51.100.7")
    assert standin[0].turnstile.calls[-1] == {"remoteip": "198.51.100.7", "token": solved}
    with pytest.raises(CaptchaRefused) as again:
        check.verify(solved, "198.51.100.7")
    assert again.value.codes == ("timeout-or-duplicate",)


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ({"outcome": "reject"}, "invalid-input-response"),
        ({"hostname": "phishing.example.com"}, "hostname-mismatch"),
        ({"action": "login"}, "action-mismatch"),
    ],
)
def test_refused_tokens(standin, kind, code):
    with pytest.raises(CaptchaRefused) as refused:
        verifier(standin).verify(token(standin, **kind))
    assert refused.value.codes == (code,)


def test_tokens_that_are_not_asked_about(standin):
    calls = len(standin[0].turnstile.calls)
    for bad in (None, "", 12345, "x" * 2049):
        with pytest.raises(CaptchaRefused):
            verifier(standin).verify(bad)
    assert len(standin[0].turnstile.calls) == calls  # nothing sent
    with pytest.raises(CaptchaRefused, match="invalid-input-response"):
        verifier(standin).verify("never-issued")


def test_a_slow_or_broken_siteverify_or_our_wrong_secret_is_unavailable_not_refused(standin):
    started = time.monotonic()
    with pytest.raises(CaptchaUnavailable):
        verifier(standin, timeout=0.3).verify(token(standin, outcome="timeout", delay=1.5))
    assert time.monotonic() - started < 1.2  # the submit's deadline is kept
    with pytest.raises(CaptchaUnavailable):
        verifier(standin).verify(token(standin, outcome="error"))
    with pytest.raises(CaptchaUnavailable):
        verifier(standin, secret="not-our-secret").verify(token(standin))
    with pytest.raises(CaptchaUnavailable):
        TurnstileVerifier(SECRET, "http://127.0.0.1:9/siteverify", timeout=0.5).verify("t")


# --- at the submit entry point ------------------------------------------------------------------

TODAY = date(2026, 11, 28)


@pytest.fixture
def deps():
    return fake_dependencies()  # its clock: 2026-11-28 10:00 WIB


def test_submit_needs_a_solved_challenge_when_configured(standin, deps):
    check = verifier(standin)
    missing = responses.submitted(form_payload(TODAY), deps, "198.51.100.7", check)
    assert missing.status_code == 400
    error = missing.get_json()["errors"]["turnstile_token"]
    assert error["code"] == "captcha" and "Selesaikan verifikasi" in error["message"]
    assert deps.requests.documents == {}

    solved = form_payload(TODAY, turnstile_token=token(standin))
    assert responses.submitted(solved, deps, "198.51.100.7", check).status_code == 201

    down = form_payload(TODAY, turnstile_token=token(standin, outcome="error"))
    answer = responses.submitted(down, deps, "198.51.100.7", check)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert "coba lagi" in answer.get_json()["message"]
    assert len(deps.requests.documents) == 1
    # Without a verifier (the default) no token is asked for.
    assert responses.submitted(form_payload(TODAY), deps).status_code == 201


def test_a_filled_honeypot_creates_nothing_and_asks_nobody(standin, deps):
    calls = len(standin[0].turnstile.calls)
    bot = form_payload(TODAY, website="https://spam.example", turnstile_token=token(standin))
    answer = responses.submitted(bot, deps, "203.0.113.5", verifier(standin))
    assert answer.status_code == 400
    assert answer.get_json()["errors"] == {
        "website": {
            "code": "honeypot",
            "message": "Formulir tidak dapat dikirim. Muat ulang halaman lalu isi kembali.",
        }
    }
    assert deps.requests.documents == {} and len(standin[0].turnstile.calls) == calls
    # An empty honeypot, as the page always sends it, is no obstacle.
    assert responses.submitted(form_payload(TODAY, website=""), deps).status_code == 201


def test_the_verifier_is_made_only_where_a_secret_is_set():
    from shared import bootstrap
    from shared.config import Settings

    local = {"REMISI_MODE": "local", "FIRESTORE_EMULATOR_HOST": "x", "STORAGE_EMULATOR_HOST": "x"}
    local |= {"CLOUD_TASKS_EMULATOR_HOST": "x", "STORAGE_PUBLIC_URL": "x"}
    local |= {"LOCAL_SIGNING_KEY_FILE": "x"}
    assert bootstrap.captcha_verifier(Settings.from_env(local)) is None
    configured = Settings.from_env(
        {**local, "TURNSTILE_SECRET_KEY": "s", "TURNSTILE_HOSTNAMES": "a.id, b.id"}
    )
    made = bootstrap.captcha_verifier(configured)
    assert made._hostnames == {"a.id", "b.id"} and made._url.startswith("https://challenges")
