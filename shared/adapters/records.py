"""Mapping between the domain's request and the plain document stored in Firestore.

Kept apart from the domain (which knows nothing of storage) and from the Firestore adapter (so
the in-memory fake stores exactly what Firestore would).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.domain import retention
from shared.domain.model import (
    Decision,
    DecisionKind,
    HistoryEntry,
    InformationKind,
    KtpContentType,
    KtpFile,
    Prisoner,
    PrivacyMarks,
    Relationship,
    RemissionRequest,
    Requester,
    SdpResult,
    Statement,
    Status,
)
from shared.domain.outbox import EntryState, OutboxEntry, Target
from shared.domain.sdp import SdpCandidate

REQUESTS = "requests"
OUTBOX = "outbox"

# 2: no `purge_after` (the TTL deleted open requests), `retention_pending` and `privacy` marks.
SCHEMA_VERSION = 2


def to_document(request: RemissionRequest) -> dict:
    requester, prisoner, ktp = request.requester, request.prisoner, request.ktp
    return {
        "schema": SCHEMA_VERSION,
        "request_id": request.request_id,
        "tracking_code": request.tracking_code,
        "status": request.status.value,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
        "status_entered_at": request.entered_at(request.status),
        # No TTL field: an open request is never deleted silently; the retention job
        # (shared.service_layer.privacy) redacts closed ones. It looks at pending ones only.
        "retention_pending": request.privacy.redacted_at is None,
        "privacy": {
            "folded_at": request.privacy.folded_at,
            "ktp_deleted_at": request.privacy.ktp_deleted_at,
            "redacted_at": request.privacy.redacted_at,
            "overdue_flagged_at": request.privacy.overdue_flagged_at,
        },
        "language": request.language,
        "requester": {
            "name": requester.name,
            "relationship": requester.relationship.value,
            "relationship_other": requester.relationship_other,
            "address": requester.address,
            "whatsapp": requester.whatsapp,
            "email": requester.email,
        },
        "prisoner": {
            "name": prisoner.name,
            "upt": prisoner.upt,
            "birth_date": _date_text(prisoner.birth_date),
            "registration_number": prisoner.registration_number,
        },
        "information_needed": [kind.value for kind in request.information_needed],
        "information_other": request.information_other,
        "statement": {
            "accepted": request.statement.accepted,
            "signed_on": _date_text(request.statement.signed_on),
            "consent_to_processing": request.statement.consent_to_processing,
        },
        "ktp": {
            "object_name": ktp.object_name,
            "content_type": ktp.content_type.value,
            "declared_size": ktp.declared_size,
            "attempt": ktp.attempt,
            "verified_object_name": ktp.verified_object_name,
            "verified_size": ktp.verified_size,
            "verified_pages": list(ktp.verified_pages),
            "rejection_code": ktp.rejection_code,
        },
        "history": [
            {"status": e.status.value, "at": e.at, "note": e.note} for e in request.history
        ],
        "sdp": None
        if request.sdp is None
        else {
            "looked_up_at": request.sdp.looked_up_at,
            "error": request.sdp.error,
            "candidates": [_candidate_document(c) for c in request.sdp.candidates],
        },
        "lookup_task_name": request.lookup_task_name,
        "decisions": [
            {
                "kind": d.kind.value,
                "operator": d.operator,
                "at": d.at,
                "candidate_registration_number": d.candidate_registration_number,
                "answer_text": d.answer_text,
                "answer_edited": d.answer_edited,
            }
            for d in request.decisions
        ],
    }


def from_document(doc: dict) -> RemissionRequest:
    requester, prisoner, statement, ktp = (
        doc["requester"],
        doc["prisoner"],
        doc["statement"],
        doc["ktp"],
    )
    sdp = doc.get("sdp")
    return RemissionRequest(
        request_id=doc["request_id"],
        tracking_code=doc["tracking_code"],
        requester=Requester(
            name=requester["name"],
            relationship=Relationship(requester["relationship"]),
            relationship_other=requester.get("relationship_other"),
            address=requester["address"],
            whatsapp=requester["whatsapp"],
            email=requester["email"],
        ),
        prisoner=Prisoner(
            name=prisoner["name"],
            upt=prisoner.get("upt"),
            birth_date=_date_value(prisoner.get("birth_date")),
            registration_number=prisoner.get("registration_number"),
        ),
        information_needed=tuple(InformationKind(k) for k in doc["information_needed"]),
        information_other=doc.get("information_other"),
        statement=Statement(
            accepted=statement["accepted"],
            signed_on=_date_value(statement["signed_on"]),
            consent_to_processing=statement["consent_to_processing"],
        ),
        language=doc["language"],
        ktp=KtpFile(
            object_name=ktp["object_name"],
            content_type=KtpContentType(ktp["content_type"]),
            declared_size=ktp["declared_size"],
            attempt=ktp["attempt"],
            verified_object_name=ktp.get("verified_object_name"),
            verified_size=ktp.get("verified_size"),
            verified_pages=tuple(ktp.get("verified_pages") or ()),
            rejection_code=ktp.get("rejection_code"),
        ),
        created_at=_utc(doc["created_at"]),
        status=Status(doc["status"]),
        history=[
            HistoryEntry(Status(e["status"]), _utc(e["at"]), e.get("note")) for e in doc["history"]
        ],
        sdp=None
        if sdp is None
        else SdpResult(
            candidates=[_candidate_value(c) for c in sdp["candidates"]],
            looked_up_at=_utc(sdp["looked_up_at"]),
            error=sdp.get("error"),
        ),
        lookup_task_name=doc.get("lookup_task_name"),
        decisions=[
            Decision(
                kind=DecisionKind(d["kind"]),
                operator=d["operator"],
                at=_utc(d["at"]),
                candidate_registration_number=d.get("candidate_registration_number"),
                answer_text=d.get("answer_text"),
                answer_edited=bool(d.get("answer_edited")),
            )
            for d in doc.get("decisions") or []
        ],
        privacy=PrivacyMarks(
            **{k: _utc(v) if v else None for k, v in (doc.get("privacy") or {}).items()}
        ),
    )


def _candidate_document(candidate: SdpCandidate) -> dict:
    return {
        "registration_number": candidate.registration_number,
        "name": candidate.name,
        "score": float(candidate.score),
        "reasons": list(candidate.reasons),
        "upt": candidate.upt,
        "birth_date": _date_text(candidate.birth_date),
        "status": candidate.status,
        "extra": dict(candidate.extra),
    }


def _candidate_value(doc: dict) -> SdpCandidate:
    return SdpCandidate(
        registration_number=doc["registration_number"],
        name=doc["name"],
        score=doc["score"],
        reasons=tuple(doc.get("reasons") or ()),
        upt=doc.get("upt"),
        birth_date=_date_value(doc.get("birth_date")),
        status=doc.get("status"),
        extra=dict(doc.get("extra") or {}),
    )


def _date_text(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date_value(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _utc(value: datetime) -> datetime:
    # Firestore returns its own datetime subclass in UTC; the domain wants plain aware datetimes.
    aware = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(*aware.timetuple()[:6], aware.microsecond, tzinfo=UTC)


# --- outbox entries ------------------------------------------------------------------------------


def outbox_to_document(entry: OutboxEntry) -> dict:
    return {
        "entry_id": entry.entry_id,
        "target": entry.target.value,
        "payload": dict(entry.payload),
        "created_at": entry.created_at,
        "due_at": entry.due_at,
        "state": entry.state.value,
        "rounds": entry.rounds,
        "done_at": entry.done_at,
        "note": entry.note,
        "purge_after": entry.created_at + retention.OUTBOX_ENTRY,
    }


def outbox_from_document(doc: dict) -> OutboxEntry:
    return OutboxEntry(
        entry_id=doc["entry_id"],
        target=Target(doc["target"]),
        payload=dict(doc["payload"]),
        created_at=_utc(doc["created_at"]),
        due_at=_utc(doc["due_at"]),
        state=EntryState(doc["state"]),
        rounds=int(doc.get("rounds") or 0),
        done_at=_utc(doc["done_at"]) if doc.get("done_at") else None,
        note=doc.get("note"),
    )
