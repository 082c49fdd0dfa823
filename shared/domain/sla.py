"""SLA clocks against the SOP targets, counted in the office's working hours.

SOP "Pelayanan Informasi Remisi": the operator verifies in SDP within 3 minutes (step 3) and
answers within 5 more (steps 4/5). A request that arrives at night is not late in the morning,
nor one that arrives on 17 August or in the Idul Fitri week: the office's days off (public
holidays, cuti bersama, its own closures) come from its calendar (`closed_on`), which the queue,
the requester's expected-answer line and every report share through one OfficeHours.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone

VERIFICATION_TARGET = timedelta(minutes=3)
ANSWER_TARGET = timedelta(minutes=5)
DEFAULT_OFFICE_HOURS = "1-5 08:00-16:00 +07:00"

_SPEC = re.compile(
    r"^\s*(?P<d1>[1-7])-(?P<d2>[1-7])\s+(?P<h1>\d{2}):(?P<m1>\d{2})-(?P<h2>\d{2}):(?P<m2>\d{2})"
    r"\s+(?P<sign>[+-])(?P<oh>\d{2}):(?P<om>\d{2})\s*$"
)


@dataclass(frozen=True)
class OfficeHours:
    """ISO weekdays (1 = Monday) from `first_day` to `last_day`, `opens`–`closes` local time."""

    first_day: int
    last_day: int
    opens: time
    closes: time
    offset: timedelta
    # The day's name when the office is closed on it (holiday, cuti bersama, closure), else None.
    closed_on: Callable[[date], str | None] | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, spec: str) -> OfficeHours:
        """'1-5 08:00-16:00 +07:00': Monday to Friday, 08:00–16:00 WIB."""
        match = _SPEC.match(spec or "")
        if not match:
            raise ValueError("office hours look like '1-5 08:00-16:00 +07:00'")
        opens = time(int(match["h1"]), int(match["m1"]))
        closes = time(int(match["h2"]), int(match["m2"]))
        first, last = int(match["d1"]), int(match["d2"])
        if not (opens < closes and first <= last):
            raise ValueError("office hours must open before they close, first day before last")
        sign = 1 if match["sign"] == "+" else -1
        offset = sign * timedelta(hours=int(match["oh"]), minutes=int(match["om"]))
        return cls(first, last, opens, closes, offset)

    @property
    def tz(self) -> timezone:
        return timezone(self.offset)

    def with_calendar(self, closed_on: Callable[[date], str | None]) -> OfficeHours:
        return replace(self, closed_on=closed_on)

    def closure(self, day: date) -> str | None:
        return self.closed_on(day) if self.closed_on is not None else None

    def is_working_day(self, day: date) -> bool:
        return self.first_day <= day.isoweekday() <= self.last_day and self.closure(day) is None

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        if end <= start:
            return timedelta(0)
        local_start, local_end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = timedelta(0)
        day = local_start.date()
        while day <= local_end.date():
            if self.is_working_day(day):
                opens = datetime.combine(day, self.opens, self.tz)
                closes = datetime.combine(day, self.closes, self.tz)
                overlap = min(closes, local_end) - max(opens, local_start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def after_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant at which `amount` of working time has passed since `start`."""
        local = start.astimezone(self.tz)
        day, left = local.date(), amount
        for _ in range(3 * 366):  # a year of closures would be a misconfiguration, not a wait
            if self.is_working_day(day):
                opens = datetime.combine(day, self.opens, self.tz)
                closes = datetime.combine(day, self.closes, self.tz)
                begin = max(opens, local)
                if begin < closes:
                    if left <= closes - begin:
                        return begin + left
                    left -= closes - begin
            day += timedelta(days=1)
        raise ValueError("no working day within three years")

    def promised_answer(self, since: datetime, within: timedelta) -> datetime:
        """When the requester may expect the answer: `within` working time after `since`,
        rounded up to the full hour the page names ("sebelum pukul 10.00")."""
        due = self.after_working_time(since, within).astimezone(self.tz)
        if due.minute or due.second or due.microsecond:
            due = due.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        return due


@dataclass(frozen=True)
class SlaClock:
    elapsed: timedelta  # working time since the request reached the operator
    verification_due: timedelta = VERIFICATION_TARGET
    answer_due: timedelta = VERIFICATION_TARGET + ANSWER_TARGET

    @property
    def state(self) -> str:
        if self.elapsed > self.answer_due:
            return "breached"
        if self.elapsed > self.verification_due:
            return "late_verification"
        return "on_time"

    @property
    def label(self) -> str:
        return {
            "breached": "Melewati target SOP",
            "late_verification": "Lewat target verifikasi",
            "on_time": "Sesuai target",
        }[self.state]

    @property
    def elapsed_text(self) -> str:
        seconds = int(self.elapsed.total_seconds())
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return f"{hours} j {minutes:02d} m"
        return f"{minutes} m {seconds:02d} d"


def sla_clock(
    hours: OfficeHours, since: datetime, until: datetime | None, now: datetime
) -> SlaClock:
    return SlaClock(hours.working_time(since, until or now))


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
