"""Monthly figures an office reports: requests, outcomes, relationships, median time per step and
SLA compliance against the SOP. Aggregates only: no name, contact or id leaves this module."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from shared.domain.aggregates import STEPS, Contribution, contribution
from shared.domain.model import RemissionRequest
from shared.domain.sla import OfficeHours

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

OUTCOME_LABELS = {
    "found": "Ditemukan (dijawab)",
    "not_found": "Tidak ditemukan",
    "clearer_ktp": "Diminta KTP lebih jelas",
    "waiting_operator": "Menunggu operator",
    "in_progress": "Dalam proses (unggah/SDP)",
    "expired": "Kedaluwarsa",
    "failed": "Gagal",
}
STEP_LABELS = {
    "upload": "Formulir → KTP diterima",
    "lookup": "KTP diterima → sampai di operator",
    "operator": "Operator: sampai → keputusan (jam kerja)",
}


def month_bounds(month: str, hours: OfficeHours) -> tuple[datetime, datetime]:
    """The month in the office's time zone, as [start, end) instants."""
    match = MONTH.match(month or "")
    if not match:
        raise ValueError("month looks like 2026-11")
    year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=hours.tz)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=hours.tz)
    return start, end


@dataclass
class MonthlyReport:
    month: str
    total: int
    by_day: list[tuple[date, int]]
    outcomes: dict[str, int]
    relationships: dict[str, int]
    information: dict[str, int]
    step_medians: dict[str, timedelta | None]
    decided: int
    within_verification: int
    within_sop: int
    notes: list[str] = field(default_factory=list)

    def percent(self, part: int) -> float | None:
        return round(100.0 * part / self.decided, 1) if self.decided else None


def monthly_report(
    month: str,
    requests: list[RemissionRequest],
    hours: OfficeHours,
    folded: list[Contribution] = (),
) -> MonthlyReport:
    """The month's figures from its live requests and the contributions of those already
    folded (shared.domain.aggregates): each request counts once, by its id, its folded figures
    first (its live document may be a redacted shell, or gone)."""
    start, end = month_bounds(month, hours)
    kept = {c.request_id: c for c in folded if c.month == month}
    live = [
        contribution(r, hours)
        for r in requests
        if start <= r.created_at < end and r.request_id not in kept
    ]
    inside = [*kept.values(), *live]
    days = Counter(c.day for c in inside)
    by_day = []
    day = start.date()
    while day < end.date():
        by_day.append((day, days.get(day, 0)))
        day += timedelta(days=1)

    steps = {name: [v for c in inside if (v := c.step(name)) is not None] for name in STEPS}
    return MonthlyReport(
        month=month,
        total=len(inside),
        by_day=by_day,
        outcomes={key: sum(c.outcome == key for c in inside) for key in OUTCOME_LABELS},
        relationships=dict(Counter(c.relationship for c in inside).most_common()),
        information=dict(Counter(k for c in inside for k in c.information).most_common()),
        step_medians={
            key: timedelta(seconds=statistics.median(v.total_seconds() for v in values))
            if values
            else None
            for key, values in steps.items()
        },
        decided=sum(c.decided for c in inside),
        within_verification=sum(c.within_verification for c in inside),
        within_sop=sum(c.within_sop for c in inside),
    )


def duration_text(value: timedelta | None) -> str:
    if value is None:
        return "-"
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} j {minutes} m"
    return f"{minutes} m {seconds} d"
