"""Indonesia's days off from the `holidays` package: public holidays and cuti bersama (its
government category), in Bahasa Indonesia. The package is loaded when the instance's
container is made; each year is computed when first asked for (the package expands on demand)."""

from __future__ import annotations

import functools
import threading
from datetime import date


class IndonesianHolidays:
    def __init__(self):
        self._days = None
        self._lock = threading.Lock()

    def _calendar(self):
        with self._lock:
            if self._days is None:
                import holidays

                self._days = holidays.country_holidays(
                    "ID", categories=(holidays.PUBLIC, holidays.GOVERNMENT), language="id"
                )
            return self._days

    def __call__(self, day: date) -> str | None:
        calendar = self._calendar()
        with self._lock:  # expanding a new year mutates the mapping
            return calendar.get(day)


def office_calendar(hours_spec: str, closures_spec: str = ""):
    """The one OfficeHours of an instance: its hours, Indonesia's days off, its closures."""
    from shared.domain.calendar import closed_on, parse_closures
    from shared.domain.sla import OfficeHours

    closures = parse_closures(closures_spec)
    days = shared_holidays()
    days(date.today())  # loaded with the instance, not on its first request (~0.3 s)
    return OfficeHours.parse(hours_spec).with_calendar(closed_on(days, closures))


@functools.cache
def shared_holidays() -> IndonesianHolidays:
    """One table per process: every container of the instance reads the same days."""
    return IndonesianHolidays()
