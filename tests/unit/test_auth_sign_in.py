"""Sign-in that reveals nothing and cannot lock a real operator out (issue 11).

Measured before: a locked real account answered "Akun dikunci sampai pukul …" in ~9 ms, an
unknown name the generic message in ~135 ms, and anyone could lock any operator out."""

import statistics
import time
from datetime import timedelta

import pyotp
import pytest

from shared.adapters.firestore_operators import Argon2Hasher
from shared.domain.accounts import SIGN_IN_BACKOFF, Role
from shared.service_layer import auth
from tests.fakes import fake_operator_dependencies

PASSWORD = "kata-sandi-yang-panjang"
WRONG = "salah-salah-salah"


@pytest.fixture
def deps():
    return fake_operator_dependencies()


def enrol(deps, username="siti.remisi"):
    return auth.create_operator(deps, username, "Siti", Role.OPERATOR_REMISI, PASSWORD, "cli")


def attempt(deps, username, password, client, code="000000"):
    try:
        return auth.sign_in(deps, username, password, code, client=client)
    except auth.SignInRefused as refusal:
        return refusal


def right(deps, enrolment, client):
    code = pyotp.TOTP(enrolment.totp_secret).at(deps.clock.now())
    return attempt(deps, enrolment.operator.username, PASSWORD, client, code)


def test_unknown_wrong_inactive_and_delayed_cost_one_hash_verification_each():
    # A real argon2 hasher: the work is what a stopwatch sees. Ratios of medians, not
    # milliseconds, so a slow or busy machine does not make it flake.
    # Lighter parameters than production's: the dummy hash is made by the same hasher.
    deps = fake_operator_dependencies(hasher=Argon2Hasher(time_cost=2, memory_cost=16384))
    admin = enrol(deps, "admin.satu").operator
    enrol(deps)
    enrol(deps, "budi.divpas")
    auth.admin_change(deps, admin, "budi.divpas", "deactivate")
    for _ in range(6):  # the client "delayed" has earned its wait on siti.remisi
        attempt(deps, "siti.remisi", WRONG, "delayed")

    def median_ms(username, password, client):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            refusal = attempt(deps, username, password, client)
            times.append(time.perf_counter() - started)
            assert isinstance(refusal, auth.SignInRefused)
        return statistics.median(times)

    wrong = median_ms("siti.remisi", WRONG, "wrong")
    unknown = median_ms("tidak.ada", WRONG, "unknown")
    inactive = median_ms("budi.divpas", PASSWORD, "inactive")
    delayed = median_ms("siti.remisi", PASSWORD, "delayed")
    for name, other in (("unknown", unknown), ("inactive", inactive), ("delayed", delayed)):
        assert 0.5 < other / wrong < 2, f"{name} takes {other / wrong:.2f}x a wrong password"


def test_one_answer_for_unknown_inactive_and_wrong_and_one_for_a_delay(deps):
    enrolment = enrol(deps)
    enrol(deps, "budi.divpas")
    auth.admin_change(deps, enrolment.operator, "budi.divpas", "deactivate")
    answers = {
        attempt(deps, "siti.remisi", WRONG, "a").message,
        attempt(deps, "tidak.ada", WRONG, "a").message,
        attempt(deps, "budi.divpas", PASSWORD, "a").message,
        attempt(deps, "X' OR 1=1", WRONG, "a").message,
    }
    assert answers == {auth.GENERIC_REFUSAL}
    # A delay falls alike on a real and an unknown name: it tells nothing about which exists.
    for _ in range(5):
        attempt(deps, "siti.remisi", WRONG, "b")
        attempt(deps, "tidak.ada", WRONG, "c")
    real, unknown = attempt(deps, "siti.remisi", WRONG, "b"), attempt(deps, "tidak.ada", WRONG, "c")
    assert real.message == unknown.message and "Tunggu 60 detik" in real.message
    assert real.retry_after == unknown.retry_after == timedelta(minutes=1)
    assert "dikunci" not in real.message


def test_an_attackers_fifty_failures_from_one_client_do_not_stop_the_operator_elsewhere(deps):
    enrolment = enrol(deps)
    refusals = [attempt(deps, "siti.remisi", WRONG, "203.0.113.9") for _ in range(50)]
    assert all(isinstance(r, auth.SignInRefused) for r in refusals)
    assert refusals[-1].retry_after is not None  # the attacker waits
    # ... even with the right password: a guess made while waiting is not looked at.
    assert isinstance(right(deps, enrolment, "203.0.113.9"), auth.SignInRefused)

    signed = right(deps, enrolment, "198.51.100.7")  # the operator, from the office
    assert isinstance(signed, auth.SignedIn), signed
    assert deps.audit.actions().count("sign_in_delayed") >= 45


def test_one_client_trying_many_names_is_delayed_on_every_name(deps):
    enrolment = enrol(deps)
    for n in range(SIGN_IN_BACKOFF["client"].free):
        attempt(deps, f"nama.{n:03d}", WRONG, "stuffer")
    assert attempt(deps, "siti.remisi", PASSWORD, "stuffer").retry_after is not None
    assert isinstance(right(deps, enrolment, "office"), auth.SignedIn)


def test_many_clients_at_one_name_put_only_a_short_delay_on_it(deps):
    enrolment = enrol(deps)
    for n in range(40):  # a botnet: few tries each
        for _ in range(3):
            attempt(deps, "siti.remisi", WRONG, f"bot-{n}")
    waiting = right(deps, enrolment, "office")
    assert isinstance(waiting, auth.SignInRefused)
    assert waiting.retry_after <= SIGN_IN_BACKOFF["account"].cap == timedelta(seconds=30)
    deps.clock.advance(seconds=waiting.retry_after.total_seconds())
    assert isinstance(right(deps, enrolment, "office"), auth.SignedIn)


def test_an_admin_unlock_ends_every_delay_on_the_name(deps):
    enrolment = enrol(deps)
    admin = enrol(deps, "admin.satu").operator
    for client in ("a", "b"):
        for _ in range(6):
            attempt(deps, "siti.remisi", WRONG, client)
    assert right(deps, enrolment, "a").retry_after is not None
    auth.admin_change(deps, admin, "siti.remisi", "unlock")
    assert isinstance(right(deps, enrolment, "a"), auth.SignedIn)


def test_failures_are_forgotten_after_a_day_and_a_success_clears_the_clients_own(deps):
    enrolment = enrol(deps)
    for _ in range(5):
        attempt(deps, "siti.remisi", WRONG, "a")
    deps.clock.advance(hours=25)
    attempt(deps, "siti.remisi", WRONG, "a")  # one fresh failure, not the sixth
    assert isinstance(right(deps, enrolment, "a"), auth.SignedIn)
    for _ in range(4):
        attempt(deps, "siti.remisi", WRONG, "a")
    # The client's own count started again: its fifth failure is still free.
    assert attempt(deps, "siti.remisi", WRONG, "a").retry_after is None


def test_the_counters_hold_neither_names_nor_addresses(deps):
    enrol(deps)
    attempt(deps, "siti.remisi", WRONG, "203.0.113.9")
    stored = repr(deps.operators.counters)
    assert "siti" not in stored and "203.0.113" not in stored
    # No write on the account for a failure: unknown and real names cost the same writes.
    assert deps.operators.get("siti.remisi").failed_attempts == 0
