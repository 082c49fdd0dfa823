"""The clock the office really keeps: working hours on working days, with Indonesia's public
holidays and cuti bersama (the `holidays` package, government category included) and the
office's own closures; one calendar for the queue, the expected-answer line and the reports.
Remission requests peak around 17 August and Idul Fitri, exactly when the office is closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from shared.adapters.indonesian_holidays import IndonesianHolidays, office_calendar
from shared.config import ConfigurationError, Settings
from shared.domain.calendar import expected_answer, expected_answer_text, parse_closures
from shared.domain.model import DecisionKind
from shared.domain.sdp import SdpCandidate
from shared.service_layer import public, review, services
from shared.service_layer.ports import UploadedObject
from tests.fakes import (
    InMemoryRateLimiter,
    ListDirectory,
    fake_dependencies,
    fake_operator_dependencies,
)
from tests.samples import form_payload, jpeg_bytes

WIB = timezone(timedelta(hours=7))
HOURS = "1-5 08:00-16:00 +07:00"
TWO_HOURS = timedelta(hours=2)


def wib(*parts) -> datetime:
    return datetime(*parts, tzinfo=WIB)


@pytest.fixture(scope="module")
def office():
    return office_calendar(HOURS)


def test_the_package_knows_the_peak_days_of_2026():
    days = IndonesianHolidays()
    assert date(2026, 8, 17).isoweekday() == 1 and days(date(2026, 8, 17))  # Monday
    # Idul Fitri 1447 H: 21-22 March, cuti bersama 20, 23 and 24; Nyepi 19, cuti bersama 18.
    for day in (18, 19, 20, 21, 22, 23, 24):
        assert days(date(2026, 3, day)), day
    assert "Cuti Bersama" in days(date(2026, 3, 23))
    assert days(date(2026, 3, 17)) is None and days(date(2026, 3, 25)) is None
    assert "Natal" in days(date(2026, 12, 24)) and days(date(2026, 12, 25))


def test_17_august_2026_monday_is_not_a_working_day(office):
    assert not office.is_working_day(date(2026, 8, 17))
    assert office.is_working_day(date(2026, 8, 18))
    # Saturday's request is answered on Tuesday, not on Independence Day.
    due = office.promised_answer(wib(2026, 8, 15, 10, 0), TWO_HOURS)
    assert due == wib(2026, 8, 18, 10, 0)
    assert expected_answer_text(due, "id") == "Selasa, 18 Agustus, sebelum pukul 10.00"
    assert expected_answer_text(due, "en") == "Tuesday, 18 August, before 10:00"


def test_an_sla_spanning_the_long_weekend_counts_only_working_hours(office):
    # Friday 15:00 -> Tuesday 09:00: one hour on Friday, one on Tuesday; Monday is 17 August.
    assert office.working_time(wib(2026, 8, 14, 15, 0), wib(2026, 8, 18, 9, 0)) == TWO_HOURS
    plain = office_calendar(HOURS).with_calendar(lambda day: None)
    assert plain.working_time(wib(2026, 8, 14, 15, 0), wib(2026, 8, 18, 9, 0)) == timedelta(
        hours=10
    )


def test_the_idul_fitri_weeks_of_2026(office):
    # Tuesday 17 March 15:30: half an hour that day, then closed from Wednesday 18 (cuti bersama
    # Nyepi) to Tuesday 24 (cuti bersama Idul Fitri); the rest on Wednesday 25 March.
    due = office.promised_answer(wib(2026, 3, 17, 15, 30), TWO_HOURS)
    assert due == wib(2026, 3, 25, 10, 0)
    assert expected_answer_text(due, "id") == "Rabu, 25 Maret, sebelum pukul 10.00"
    week = office.working_time(wib(2026, 3, 16, 0, 0), wib(2026, 3, 28, 0, 0))
    assert week == timedelta(hours=8 * 5)  # 16, 17, 25, 26, 27 March


def test_office_closures_come_from_the_setting(office):
    closed = office_calendar(HOURS, "2026-08-18, 2026-12-31")
    due = closed.promised_answer(wib(2026, 8, 15, 10, 0), TWO_HOURS)
    assert expected_answer_text(due, "id") == "Rabu, 19 Agustus, sebelum pukul 10.00"
    # One hour on 30 December; New Year's Eve closed by the office, New Year's Day, the weekend:
    # the second hour on Monday 4 January 2027 (the year named: it is not this year's).
    now = wib(2026, 12, 30, 15, 0)
    due = closed.promised_answer(now, TWO_HOURS)
    assert expected_answer_text(due, "id", now) == "Senin, 4 Januari 2027, sebelum pukul 09.00"
    with pytest.raises(ValueError):
        parse_closures("18-08-2026")
    with pytest.raises(ConfigurationError, match="OFFICE_CLOSURES"):
        Settings.from_env({**local_env("/nonexistent"), "OFFICE_CLOSURES": "besok"})


def test_the_promise_rounds_up_to_the_hour_and_stays_inside_office_hours(office):
    assert office.promised_answer(wib(2026, 8, 19, 8, 17), TWO_HOURS) == wib(2026, 8, 19, 11, 0)
    # 15:00 on Wednesday: one hour that day, one on Thursday morning.
    assert office.promised_answer(wib(2026, 8, 19, 15, 0), TWO_HOURS) == wib(2026, 8, 20, 9, 0)
    assert office.after_working_time(wib(2026, 8, 19, 20, 0), timedelta(0)) == wib(
        2026, 8, 20, 8, 0
    )


def _deps_at(now: datetime, closures: str = ""):
    core = fake_dependencies(
        sdp=ListDirectory([SdpCandidate("REG-1", "Ahmad Fauzi bin Hasan", 97.0, ("nama sama",))])
    )
    deps = fake_operator_dependencies(core, office_hours=office_calendar(HOURS, closures))
    deps.answer_promise = TWO_HOURS
    deps.clock.current = now.astimezone(UTC)
    return deps


def _awaiting(deps, today: date):
    request = services.submit_request(form_payload(today), deps).request
    generation = deps.files.put(request.ktp.object_name, jpeg_bytes())
    obj = UploadedObject("b", request.ktp.object_name, generation, 1, "image/jpeg")
    services.handle_ktp_uploaded(obj, deps)
    services.run_sdp_lookup(request.request_id, deps)
    return deps.requests.get(request.request_id)


def test_the_status_page_and_submit_carry_the_expected_answer():
    deps = _deps_at(wib(2026, 8, 15, 10, 0))
    submitted = services.submit_request(form_payload(date(2026, 8, 15)), deps).request
    line = expected_answer(
        submitted, deps.office_hours, deps.answer_promise, deps.clock.now(), "id"
    )
    assert line == "Perkiraan jawaban: Selasa, 18 Agustus, sebelum pukul 10.00"
    request = _awaiting(deps, date(2026, 8, 15))
    view = public.view_status(
        request.tracking_code, "0812 3456 7890", "1.2.3.4", deps, InMemoryRateLimiter(), "id"
    )
    assert view.expected_answer == "Perkiraan jawaban: Selasa, 18 Agustus, sebelum pukul 10.00"
    # Answered: no promise any more.
    operator = _operator(deps)
    review.decide(deps, operator, request.request_id, DecisionKind.NOT_FOUND)
    view = public.view_status(
        request.tracking_code, "0812 3456 7890", "1.2.3.4", deps, InMemoryRateLimiter(), "en"
    )
    assert view.expected_answer is None


def _operator(deps):
    from shared.domain.accounts import Role
    from shared.service_layer import auth

    return auth.create_operator(
        deps, "siti.remisi", "Siti", Role.OPERATOR_REMISI, "kata-sandi-panjang-sekali-42", "cli"
    ).operator


def test_the_queue_clock_and_the_monthly_report_skip_17_august():
    # Reaches the operator on Friday 14 August at 15:59, decided on Tuesday at 08:04: five
    # working minutes (inside the SOP's eight), not a weekend and a holiday late.
    deps = _deps_at(wib(2026, 8, 14, 15, 59))
    request = _awaiting(deps, date(2026, 8, 14))
    deps.clock.current = wib(2026, 8, 18, 8, 4).astimezone(UTC)
    assert review.operator_clock(deps, request).elapsed == timedelta(minutes=5)
    review.decide(deps, _operator(deps), request.request_id, DecisionKind.NOT_FOUND)
    report = review.month_report(deps, "2026-08")
    assert report.decided == 1 and report.step_medians["operator"] == timedelta(minutes=5)
    assert (report.within_verification, report.within_sop) == (0, 1)


def local_env(key_file) -> dict[str, str]:
    return {
        "REMISI_MODE": "local",
        "FIRESTORE_EMULATOR_HOST": "127.0.0.1:1",
        "STORAGE_EMULATOR_HOST": "http://127.0.0.1:1",
        "CLOUD_TASKS_EMULATOR_HOST": "127.0.0.1:1",
        "STORAGE_PUBLIC_URL": "http://127.0.0.1:1",
        "LOCAL_SIGNING_KEY_FILE": str(key_file),
    }


def test_every_function_that_keeps_the_clock_gets_the_same_calendar(tmp_path):
    from localdev.signing_key import ensure_local_service_account
    from shared.bootstrap import bootstrap

    key = tmp_path / "signer.json"
    ensure_local_service_account(key)
    for function in ("submit", "status", "operator", "retention"):
        env = {**local_env(key), "FUNCTION_TARGET": function, "OFFICE_CLOSURES": "2026-08-19"}
        deps = bootstrap(Settings.from_env(env), function=function, sdp=object())
        assert not deps.office_hours.is_working_day(date(2026, 8, 17)), function
        assert not deps.office_hours.is_working_day(date(2026, 8, 19)), function
        assert deps.office_hours.is_working_day(date(2026, 8, 18)), function
