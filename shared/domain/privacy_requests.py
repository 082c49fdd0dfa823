"""A requester's request about their personal data (UU 27/2022), asked from the status page
with the tracking code and the contact, and handled by an admin on the operator page: access
(the export), correction, erasure. Pure Python."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import date, datetime

NOTE_MAX = 500


class PrivacyKind(enum.StrEnum):
    ACCESS = "akses"  # a copy of the data (the admin's export)
    CORRECTION = "koreksi"
    ERASURE = "hapus"


class PrivacyState(enum.StrEnum):
    OPEN = "baru"
    DONE = "selesai"
    REFUSED = "ditolak"


KIND_LABELS = {
    PrivacyKind.ACCESS: "Akses / salinan data",
    PrivacyKind.CORRECTION: "Perbaikan data",
    PrivacyKind.ERASURE: "Penghapusan data",
}
STATE_LABELS = {
    PrivacyState.OPEN: "Baru",
    PrivacyState.DONE: "Selesai",
    PrivacyState.REFUSED: "Ditolak",
}


class PrivacyRequestInvalid(ValueError):
    def __init__(self, field: str, code: str):
        super().__init__(f"{field}: {code}")
        self.field, self.code = field, code


@dataclass
class PrivacyRequest:
    privacy_request_id: str
    request_id: str
    tracking_code: str
    kind: PrivacyKind
    note: str | None  # the requester's words (a correction); redacted with the request
    created_at: datetime
    state: PrivacyState = PrivacyState.OPEN
    handled_by: str | None = None
    handled_at: datetime | None = None
    answer: str | None = None  # the admin's note of what was done

    @property
    def is_open(self) -> bool:
        return self.state is PrivacyState.OPEN

    def close(self, state: PrivacyState, by: str, at: datetime, answer: str | None) -> bool:
        """Done or refused, once; a second close (a double click) changes nothing."""
        if not self.is_open or state is PrivacyState.OPEN:
            return False
        self.state, self.handled_by, self.handled_at = state, by, at
        self.answer = (answer or "").strip()[:NOTE_MAX] or None
        return True


def privacy_request_id(request_id: str, kind: PrivacyKind, day: date) -> str:
    """One per request, kind and day: the same form sent twice is one request."""
    return hashlib.sha256(f"{request_id}|{kind.value}|{day.isoformat()}".encode()).hexdigest()[:32]


def parse(kind: object, note: object) -> tuple[PrivacyKind, str | None]:
    try:
        parsed = PrivacyKind(kind)
    except ValueError:
        raise PrivacyRequestInvalid("kind", "privacy_kind_invalid") from None
    text = note.strip() if isinstance(note, str) else ""
    if note is not None and not isinstance(note, str):
        raise PrivacyRequestInvalid("note", "privacy_note_invalid")
    if len(text) > NOTE_MAX:
        raise PrivacyRequestInvalid("note", "privacy_note_too_long")
    if parsed is PrivacyKind.CORRECTION and len(text) < 5:
        raise PrivacyRequestInvalid("note", "privacy_note_needed")
    return parsed, text or None


def to_document(item: PrivacyRequest) -> dict:
    return {
        "privacy_request_id": item.privacy_request_id,
        "request_id": item.request_id,
        "tracking_code": item.tracking_code,
        "kind": item.kind.value,
        "note": item.note,
        "created_at": item.created_at,
        "state": item.state.value,
        "handled_by": item.handled_by,
        "handled_at": item.handled_at,
        "answer": item.answer,
    }


def from_document(doc: dict) -> PrivacyRequest:
    return PrivacyRequest(
        privacy_request_id=doc["privacy_request_id"],
        request_id=doc["request_id"],
        tracking_code=doc["tracking_code"],
        kind=PrivacyKind(doc["kind"]),
        note=doc.get("note"),
        created_at=doc["created_at"],
        state=PrivacyState(doc["state"]),
        handled_by=doc.get("handled_by"),
        handled_at=doc.get("handled_at"),
        answer=doc.get("answer"),
    )
