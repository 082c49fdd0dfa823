"""A closed request's anonymous figures, kept for the reports after its personal data is gone.

One contribution per request, stored under the request's id (created once: a job that runs
twice finds it there and writes nothing), and summed by the report. Why not one document per
month: every fold would then be a transaction on that month's document, and folds of one day's
requests contend on it (Firestore aborts contended transactions); and a counter cannot give
the report's medians. A contribution is one create, never contended, and keeps the exact step
times. A month has at most a few thousand of them, read once per report.

What a contribution holds is categories, times and flags: no name, contact, tracking code,
prisoner or text. Its id is the request's random id, which points only at the anonymous shell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shared.domain.model import DecisionKind, RemissionRequest, Status
from shared.domain.sla import ANSWER_TARGET, VERIFICATION_TARGET, OfficeHours

STEPS = ("upload", "lookup", "operator")


@dataclass(frozen=True)
class Contribution:
    request_id: str
    month: str  # YYYY-MM in the office's time zone
    day: date  # the day of submission, office time zone (the daily chart)
    outcome: str
    relationship: str
    information: tuple[str, ...]
    # Seconds per step (None: the request never went through it).
    step_seconds: tuple[tuple[str, float | None], ...]
    decided: bool
    within_verification: bool
    within_sop: bool

    def step(self, name: str) -> timedelta | None:
        value = dict(self.step_seconds).get(name)
        return None if value is None else timedelta(seconds=value)


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


def _first_entry(request: RemissionRequest, status: Status):
    for entry in request.history:
        if entry.status is status:
            return entry.at
    return None


def contribution(request: RemissionRequest, hours: OfficeHours) -> Contribution:
    """The figures the monthly report counts for this request, as they stand now."""
    local = request.created_at.astimezone(hours.tz)
    received = _first_entry(request, Status.RECEIVED)
    reached = _first_entry(request, Status.AWAITING_OPERATOR)
    final = [d for d in request.decisions if d.kind is not DecisionKind.CLEARER_KTP]
    steps: dict[str, timedelta | None] = dict.fromkeys(STEPS)
    if received:
        steps["upload"] = received - request.created_at
    if received and reached:
        steps["lookup"] = reached - received
    decided = within_verification = within_sop = False
    if reached and final:
        # The operator's clock restarts if a clearer KTP was asked for: the last arrival.
        last_reached = max(h.at for h in request.history if h.status is Status.AWAITING_OPERATOR)
        working = hours.working_time(last_reached, final[-1].at)
        steps["operator"] = working
        decided = True
        within_verification = working <= VERIFICATION_TARGET
        within_sop = working <= VERIFICATION_TARGET + ANSWER_TARGET
    return Contribution(
        request_id=request.request_id,
        month=f"{local:%Y-%m}",
        day=local.date(),
        outcome=outcome(request),
        relationship=request.requester.relationship.value,
        information=tuple(k.value for k in request.information_needed),
        step_seconds=tuple(
            (name, None if value is None else value.total_seconds())
            for name, value in steps.items()
        ),
        decided=decided,
        within_verification=within_verification,
        within_sop=within_sop,
    )


def to_document(item: Contribution) -> dict:
    return {
        "request_id": item.request_id,
        "month": item.month,
        "day": item.day.isoformat(),
        "outcome": item.outcome,
        "relationship": item.relationship,
        "information": list(item.information),
        "step_seconds": dict(item.step_seconds),
        "decided": item.decided,
        "within_verification": item.within_verification,
        "within_sop": item.within_sop,
    }


def from_document(doc: dict) -> Contribution:
    steps = doc.get("step_seconds") or {}
    return Contribution(
        request_id=doc["request_id"],
        month=doc["month"],
        day=date.fromisoformat(doc["day"]),
        outcome=doc["outcome"],
        relationship=doc["relationship"],
        information=tuple(doc.get("information") or ()),
        step_seconds=tuple((name, steps.get(name)) for name in STEPS),
        decided=bool(doc.get("decided")),
        within_verification=bool(doc.get("within_verification")),
        within_sop=bool(doc.get("within_sop")),
    )
