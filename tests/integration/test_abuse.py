"""Abuse on the local stack, through HTTP as the load balancer forwards (issue 11): limits that
count failures and not use, sign-in that reveals nothing and locks no one out, the honeypot
and the optional CAPTCHA."""

from __future__ import annotations

import uuid

import pytest
import requests

from shared.service_layer.public import WRONG_PAIRS_PER_CLIENT, WRONG_PAIRS_PER_CODE
from tests.integration.operator_helpers import PASSWORD, base, create_account
from tests.integration.test_pipeline import submit

pytestmark = pytest.mark.integration

WRONG = "salah-salah-salah"


def a_client() -> str:
    # An address of its own per test: the counters of one test never reach another's.
    n = uuid.uuid4().int
    return f"100.{64 + n % 64}.{n // 64 % 256}.{n // 16384 % 254 + 1}"


def forwarded(client: str) -> dict:
    # Google's load balancer appends "<client>, <balancer>".
    return {"X-Forwarded-For": f"{client}, 130.211.0.1"}


def lookup(stack, client: str, code: str, contact: str, path: str = "status", **extra):
    return requests.post(
        f"{stack.site_url}/api/{path}",
        json={"tracking_code": code, "contact": contact, **extra},
        headers=forwarded(client),
        timeout=10,
    )


def new_request(stack, **overrides) -> dict:
    answer = submit(stack, **overrides)
    assert answer.status_code == 201, answer.text
    return answer.json()


# --- rate limits: failures, not use -------------------------------------------------------------


def test_successful_lookups_never_use_up_the_budget_and_the_reupload_stays(local_stack):
    # Measured: 10 lookups in 10 minutes locked a family (or a kiosk, or a carrier-grade NAT
    # address) out, and the re-upload form went with it.
    kiosk = a_client()
    first = new_request(local_stack, whatsapp="0812 1111 2222")
    second = new_request(local_stack, whatsapp="0812 1111 3333", email="adik@example.id")
    answers = []
    for _ in range(WRONG_PAIRS_PER_CLIENT // 2 + 1):  # more than the old budget of 10
        answers.append(lookup(local_stack, kiosk, first["tracking_code"], "081211112222"))
        answers.append(lookup(local_stack, kiosk, second["tracking_code"], "adik@example.id"))
    assert {a.status_code for a in answers} == {200}
    assert answers[-1].json()["can_upload"] is True
    fresh = lookup(
        local_stack,
        kiosk,
        first["tracking_code"],
        "+62 812 1111 2222",
        path="reupload",
        ktp_content_type="image/jpeg",
        ktp_size=150_000,
    )
    assert fresh.status_code == 200 and fresh.json()["upload"]["method"] == "PUT"


def test_wrong_pairs_are_counted_per_client(local_stack):
    request = new_request(local_stack, whatsapp="0812 1111 4444")
    guesser, family = a_client(), a_client()
    for _ in range(WRONG_PAIRS_PER_CLIENT):
        assert (
            lookup(local_stack, guesser, request["tracking_code"], "0899 1234 5678").status_code
            == 404
        )
    limited = lookup(local_stack, guesser, request["tracking_code"], "081211114444")
    assert limited.status_code == 429 and "Terlalu banyak percobaan" in limited.json()["message"]
    assert 0 < int(limited.headers["Retry-After"]) <= 600
    # The family elsewhere is not touched: the code is far from its own budget.
    assert lookup(local_stack, family, request["tracking_code"], "081211114444").status_code == 200


def test_wrong_pairs_are_counted_per_tracking_code_across_clients(local_stack):
    request = new_request(local_stack, whatsapp="0812 1111 5555")
    code = request["tracking_code"]
    for n in range(WRONG_PAIRS_PER_CODE):
        assert lookup(local_stack, a_client(), code, f"0899 0000 {n:04d}").status_code == 404
    assert lookup(local_stack, a_client(), code, "081211115555").status_code == 429
    # Another code is not touched, and an unknown code is counted alike (no oracle).
    other = new_request(local_stack, whatsapp="0812 1111 6666")
    assert (
        lookup(local_stack, a_client(), other["tracking_code"], "081211116666").status_code == 200
    )


# --- sign-in -------------------------------------------------------------------------------------


def sign_in(stack, client: str, username: str, password: str, code: str = "000000"):
    return requests.post(
        f"{base(stack)}/login",
        data={"username": username, "password": password, "code": code},
        headers=forwarded(client),
        allow_redirects=False,
        timeout=20,
    )


def test_an_attackers_failures_from_one_client_do_not_keep_the_operator_out(local_stack):
    # The unit tests (tests/unit/test_auth_sign_in.py) take 50 failures and time the paths
    # with a real argon2; here the same through HTTP, shorter (each sign-in verifies a hash).
    account = create_account(local_stack, "operator_remisi", prefix="abuse")
    attacker = a_client()
    answers = [sign_in(local_stack, attacker, account.username, WRONG) for _ in range(8)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 3
    assert all("dikunci" not in a.text for a in answers)
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
    # An unknown name gets the wrong password's answer; a delay falls on it alike.
    unknown = sign_in(local_stack, a_client(), f"tidak.ada.{uuid.uuid4().hex[:6]}", WRONG)
    assert (unknown.status_code, _generic(unknown)) == (401, True) and _generic(answers[0])
    office = sign_in(local_stack, a_client(), account.username, PASSWORD, account.next_code())
    assert office.status_code == 303 and "remisi-op" in office.headers["Set-Cookie"]


def _generic(answer) -> bool:
    return "kata sandi, atau kode autentikator salah" in answer.text


# --- the honeypot ---------------------------------------------------------------------------------


def test_a_filled_honeypot_is_refused_and_creates_nothing(local_stack):
    from datetime import date

    from tests.conftest import today_wib
    from tests.samples import form_payload

    payload = form_payload(date.fromisoformat(today_wib()), website="http://spam.example")
    bot = requests.post(f"{local_stack.site_url}/api/submit", json=payload, timeout=10)
    assert bot.status_code == 400 and set(bot.json()["errors"]) == {"website"}
    assert "Muat ulang halaman" in bot.json()["errors"]["website"]["message"]
    # The same form without it is new (201, not the 200 of a replay): nothing was created.
    payload["website"] = ""
    human = requests.post(f"{local_stack.site_url}/api/submit", json=payload, timeout=10)
    assert human.status_code == 201, human.text


# --- the counters on the emulator -----------------------------------------------------------------


def test_failure_counters_count_blindly_restart_and_clear_by_tag(firestore_client):
    from datetime import UTC, datetime, timedelta

    from shared.adapters.firestore_operators import SIGN_IN_FAILURES
    from shared.adapters.firestore_rate_limiter import FirestoreRateLimiter

    # This process's first call opens its channel to the emulator (seconds on a busy machine,
    # more than the adapter's 5 s timeout); the functions' clients are warm already.
    firestore_client.collection(SIGN_IN_FAILURES).document("warm-up").get(timeout=60)
    counters = FirestoreRateLimiter(firestore_client, SIGN_IN_FAILURES)
    now = datetime.now(UTC).replace(microsecond=0)
    a, b, c = (f"test-{uuid.uuid4().hex}" for _ in range(3))
    for _ in range(3):
        counters.count([a, b], now, now + timedelta(days=1), tags={a: "tag-x"})
    counters.count([c], now, now + timedelta(days=1), tags={c: "tag-x"})
    assert counters.failures([a, b, c, "never"]) == {a: (3, now), b: (3, now), c: (1, now)}
    counters.count([a], now, now + timedelta(days=1), restart=[a])
    assert counters.failures([a])[a][0] == 1
    assert counters.clear_tagged("tag-x") == 2
    assert counters.failures([a, b, c]) == {b: (3, now)}
    counters.clear([b])
    assert counters.failures([b]) == {}
