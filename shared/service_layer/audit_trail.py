"""The audit trail: every use case records what it did here, and admins read and export it."""

from __future__ import annotations

from shared.domain.accounts import Operator
from shared.service_layer.ports import AuditEvent, Dependencies

# How much of the trail one page or one export holds (the trail itself is never cut).
SEARCHED_FOR_TARGET = 500
SEARCHED_RECENT = 1000
SHOWN = 300
EXPORTED = 5000


def audit(deps: Dependencies, actor: str, action: str, target=None, **details) -> None:
    deps.audit.append(
        AuditEvent(at=deps.clock.now(), actor=actor, action=action, target=target, details=details)
    )


def search(deps: Dependencies, actor: str = "", action: str = "", target: str = "") -> list:
    """Newest first; an empty filter matches everything."""
    if target:
        events = deps.audit.for_target(target, SEARCHED_FOR_TARGET)[::-1]
    else:
        events = deps.audit.recent(SEARCHED_RECENT)
    return [
        e for e in events if (not actor or e.actor == actor) and (not action or e.action == action)
    ][:SHOWN]


def export(deps: Dependencies, operator: Operator) -> list[AuditEvent]:
    """The newest events for a download; the export itself is an audit event."""
    events = deps.audit.recent(EXPORTED)
    audit(deps, operator.username, "audit_exported", rows=len(events))
    return events
