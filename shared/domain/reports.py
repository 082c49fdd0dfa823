"""Monthly figures an office reports: requests, outcomes, relationships, median time per step and
SLA compliance against the SOP. Aggregates only: no name, contact or id leaves this module."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from shared.domain.model import DecisionKind, RemissionRequest, Status
from shared.domain.sla import ANSWER_TARGET, VERIFICATION_TARGET, OfficeHours

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


def outcome(request: RemissionRequest) -> str:
    final = [d for d in request.decisions if d.kind is not DecisionKind.CLEARER_KTP]
    if final:
        return final[-1].kind.value
    if request.status is Status.AWAITING_OPERATOR:
        return "waiting_operator"
    if request.status is Status.EXPIRED:
        return "expired"
    if request.status is Status.FAILED:
        return "failed"
    if request.decisions:
        return "clearer_ktp"
    return "in_progress"


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


def _first_entry(request: RemissionRequest, status: Status) -> datetime | None:
    for entry in request.history:
        if entry.status is status:
            return entry.at
    return None


def monthly_report(
    month: str, requests: list[RemissionRequest], hours: OfficeHours
) -> MonthlyReport:
    start, end = month_bounds(month, hours)
    inside = [r for r in requests if start <= r.created_at < end]
    days = Counter(r.created_at.astimezone(hours.tz).date() for r in inside)
    first_day = start.date()
    by_day = []
    day = first_day
    while day < end.date():
        by_day.append((day, days.get(day, 0)))
        day += timedelta(days=1)

    steps: dict[str, list[timedelta]] = {"upload": [], "lookup": [], "operator": []}
    decided = within_verification = within_sop = 0
    for request in inside:
        received = _first_entry(request, Status.RECEIVED)
        reached = _first_entry(request, Status.AWAITING_OPERATOR)
        final = [d for d in request.decisions if d.kind is not DecisionKind.CLEARER_KTP]
        if received:
            steps["upload"].append(received - request.created_at)
        if received and reached:
            steps["lookup"].append(reached - received)
        if reached and final:
            # The operator's clock restarts if a clearer KTP was asked for: the last arrival.
            last_reached = max(
                h.at for h in request.history if h.status is Status.AWAITING_OPERATOR
            )
            working = hours.working_time(last_reached, final[-1].at)
            steps["operator"].append(working)
            decided += 1
            within_verification += working <= VERIFICATION_TARGET
            within_sop += working <= VERIFICATION_TARGET + ANSWER_TARGET

    return MonthlyReport(
        month=month,
        total=len(inside),
        by_day=by_day,
        outcomes={key: sum(outcome(r) == key for r in inside) for key in OUTCOME_LABELS},
        relationships=dict(Counter(r.requester.relationship.value for r in inside).most_common()),
        information=dict(
            Counter(k.value for r in inside for k in r.information_needed).most_common()
        ),
        step_medians={
            key: timedelta(seconds=statistics.median(v.total_seconds() for v in values))
            if values
            else None
            for key, values in steps.items()
        },
        decided=decided,
        within_verification=within_verification,
        within_sop=within_sop,
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
