"""The office's calendar in words: the closure days it configures, and the expected-answer
line the confirmation and status pages show ("Perkiraan jawaban: Selasa, 18 Agustus, sebelum
pukul 10.00"), in Bahasa Indonesia or English. Pure Python: the holidays themselves come from
the `holidays` package through shared.adapters.indonesian_holidays."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
OFFICE_CLOSURE = {"id": "Kantor tutup", "en": "Office closed"}
EXPECTED_ANSWER = {"id": "Perkiraan jawaban: {when}", "en": "Expected answer: {when}"}


def parse_closures(spec: str) -> dict[date, str]:
    """OFFICE_CLOSURES: ISO dates separated by commas ('2026-08-18,2026-12-31')."""
    closures = {}
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            day = date.fromisoformat(part)
        except ValueError:
            raise ValueError(f"{part!r} is not a date like 2026-08-18") from None
        closures[day] = OFFICE_CLOSURE["id"]
    return closures


def closed_on(
    holidays: Callable[[date], str | None], closures: Mapping[date, str]
) -> Callable[[date], str | None]:
    """The office is closed on the country's days off and on its own closure days."""

    def name(day: date) -> str | None:
        return closures.get(day) or holidays(day)

    return name


def expected_answer_text(due: datetime, language: str, now: datetime | None = None) -> str:
    """'Selasa, 18 Agustus, sebelum pukul 10.00' (the year only when it is not this year's)."""
    language = "en" if language == "en" else "id"
    day = DAYS[language][due.weekday()]
    month = MONTHS[language][due.month - 1]
    year = f" {due.year}" if now is not None and now.astimezone(due.tzinfo).year != due.year else ""
    if language == "en":
        return f"{day}, {due.day} {month}{year}, before {due:%H:%M}"
    return f"{day}, {due.day} {month}{year}, sebelum pukul {due:%H.%M}"


def expected_answer(request, hours, within, now: datetime, language: str) -> str | None:
    """The line for a request still on its way to an answer, None otherwise (answered, or
    waiting for the requester's new KTP). Counted from the KTP's arrival (from now while it
    is still to be uploaded); a promise already past is made again from now, never shown late."""
    from shared.domain.model import Status

    if hours is None or within is None:
        return None
    if request.status is Status.AWAITING_UPLOAD:
        since = now
    elif request.status in (Status.RECEIVED, Status.SDP_LOOKUP, Status.AWAITING_OPERATOR):
        arrivals = [e.at for e in request.history if e.status is Status.RECEIVED]
        since = arrivals[-1] if arrivals else now
    else:
        return None
    due = hours.promised_answer(since, within)
    if due < now:
        due = hours.promised_answer(now, within)
    language = "en" if language == "en" else "id"
    return EXPECTED_ANSWER[language].format(when=expected_answer_text(due, language, now))
