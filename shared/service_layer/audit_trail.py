"""The audit trail: every use case records what it did here, and admins read and export it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shared.domain.accounts import ROLE_LABELS, Operator, Role
from shared.domain.labels import (
    AUDIT_ACTION_LABELS,
    AUDIT_DETAIL_LABELS,
    DECISION_LABELS,
    LANGUAGE_LABELS,
)
from shared.domain.messages import CHANNEL_LABELS, KIND_LABELS, MessageKind
from shared.domain.model import DecisionKind
from shared.domain.tracking import normalize_tracking_code
from shared.service_layer.ports import AuditEvent, Dependencies

# How much of the trail one page or one export holds (the trail itself is never cut).
SEARCHED_FOR_TARGET = 500
SEARCHED_RECENT = 1000
SHOWN = 300
EXPORTED = 5000

_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def audit(deps: Dependencies, actor: str, action: str, target=None, **details) -> None:
    deps.audit.append(
        AuditEvent(at=deps.clock.now(), actor=actor, action=action, target=target, details=details)
    )


def search(deps: Dependencies, actor: str = "", action: str = "", target: str = "") -> list:
    """Newest first; an empty filter matches everything. The target may be a tracking code."""
    if target:
        code = normalize_tracking_code(target)
        request = deps.requests.get_by_tracking_code(code) if code else None
        if request is not None:
            target = request.request_id
        events = deps.audit.for_target(target, SEARCHED_FOR_TARGET)[::-1]
    else:
        events = deps.audit.recent(SEARCHED_RECENT)
    return [
        e for e in events if (not actor or e.actor == actor) and (not action or e.action == action)
    ][:SHOWN]


@dataclass(frozen=True)
class AuditRow:
    """An event as the audit page reads it: labels, tracking codes, no internal ids."""

    at: datetime
    actor: str
    action: str
    target: str
    details: tuple[tuple[str, str], ...]


def readable(deps: Dependencies, events: list[AuditEvent]) -> list[AuditRow]:
    codes: dict[str, str] = {}  # request id -> tracking code, one read per request shown

    def request_text(request_id: str) -> str:
        if request_id not in codes:
            request = deps.requests.get(request_id)
            codes[request_id] = (
                f"permohonan {request.tracking_code}" if request else "permohonan (sudah dihapus)"
            )
        return codes[request_id]

    def target_text(target: str | None) -> str:
        if not target:
            return ""
        if _REQUEST_ID.match(target):
            return request_text(target)
        kind, _, rest = target.partition(":")
        if kind == "operator":
            return f"akun {rest}"
        if kind == "complaint":
            return f"pengaduan {rest}"
        if kind == "template":
            message_kind, _, language = rest.partition(":")
            return f"templat {_value('kind', message_kind)} ({_value('language', language)})"
        return target

    def detail_text(key: str, value) -> str:
        if key == "message" and isinstance(value, str):
            message = deps.messages.get(value)
            if message is not None:
                return f"{KIND_LABELS[message.kind]} lewat {CHANNEL_LABELS[message.channel]}"
        return _value(key, value)

    return [
        AuditRow(
            at=e.at,
            actor=e.actor,
            action=AUDIT_ACTION_LABELS.get(e.action, e.action),
            target=target_text(e.target),
            details=tuple(
                (AUDIT_DETAIL_LABELS.get(key, key), detail_text(key, value))
                for key, value in sorted(e.details.items())
                if value is not None
            ),
        )
        for e in events
    ]


def _value(key: str, value) -> str:
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    text = str(value)
    if key == "kind" and text in {k.value for k in DecisionKind}:
        return DECISION_LABELS[DecisionKind(text)].lower()
    if key == "kind" and text in {k.value for k in MessageKind}:
        return KIND_LABELS[MessageKind(text)]
    if key == "role" and text in {r.value for r in Role}:
        return ROLE_LABELS[Role(text)]
    if key == "reason":
        return {"password": "kata sandi salah", "totp": "kode TOTP salah"}.get(text, text)
    if key == "language":
        return LANGUAGE_LABELS.get(text, text)
    return text


def export(deps: Dependencies, operator: Operator) -> list[AuditEvent]:
    """The newest events for a download; the export itself is an audit event."""
    events = deps.audit.recent(EXPORTED)
    audit(deps, operator.username, "audit_exported", rows=len(events))
    return events
