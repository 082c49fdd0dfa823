"""Complaints in Firestore: one document per complaint (`complaints/{id}`), mapped here so the
in-memory fake stores exactly what Firestore would. Written only inside the unit of work's
transactions (`FirestoreTransaction.save_complaint`); read here for the queue and reports.
Queries filter on one field each (no composite index to deploy)."""

from __future__ import annotations

from datetime import UTC, datetime

from google.cloud import firestore

from shared.adapters.firestore_transactions import READ_TIMEOUT
from shared.domain.complaints import RETENTION, Category, Complaint, ComplaintStatus

COMPLAINTS = "complaints"


def complaint_to_document(complaint: Complaint) -> dict:
    return {
        "schema": 1,
        "complaint_id": complaint.complaint_id,
        "number": complaint.number,
        "name": complaint.name,
        "whatsapp": complaint.whatsapp,
        "email": complaint.email,
        "category": complaint.category.value,
        "text": complaint.text,
        "language": complaint.language,
        "created_at": complaint.created_at,
        "fingerprint": complaint.fingerprint,
        "tracking_code": complaint.tracking_code,
        "request_id": complaint.request_id,
        "status": complaint.status.value,
        "answer_text": complaint.answer_text,
        "answered_by": complaint.answered_by,
        "answered_at": complaint.answered_at,
        "purge_after": complaint.created_at + RETENTION,
    }


def complaint_from_document(doc: dict) -> Complaint:
    return Complaint(
        complaint_id=doc["complaint_id"],
        number=doc["number"],
        name=doc["name"],
        whatsapp=doc.get("whatsapp"),
        email=doc.get("email"),
        category=Category(doc["category"]),
        text=doc["text"],
        language=doc.get("language") or "id",
        created_at=_utc(doc["created_at"]),
        fingerprint=doc.get("fingerprint") or "",
        tracking_code=doc.get("tracking_code"),
        request_id=doc.get("request_id"),
        status=ComplaintStatus(doc["status"]),
        answer_text=doc.get("answer_text"),
        answered_by=doc.get("answered_by"),
        answered_at=_utc(doc["answered_at"]) if doc.get("answered_at") else None,
    )


def _utc(value: datetime) -> datetime:
    aware = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(*aware.timetuple()[:6], aware.microsecond, tzinfo=UTC)


class FirestoreComplaints:
    def __init__(self, client: firestore.Client):
        self._db = client

    def get(self, complaint_id: str) -> Complaint | None:
        ref = self._db.collection(COMPLAINTS).document(complaint_id)
        snapshot = ref.get(timeout=READ_TIMEOUT)
        return complaint_from_document(snapshot.to_dict()) if snapshot.exists else None

    def in_status(self, status: ComplaintStatus, limit: int = 500) -> list[Complaint]:
        query = (
            self._db.collection(COMPLAINTS)
            .where(filter=firestore.FieldFilter("status", "==", status.value))
            .limit(limit)
        )
        found = [complaint_from_document(s.to_dict()) for s in query.stream(timeout=READ_TIMEOUT)]
        return sorted(found, key=lambda c: c.created_at)

    def created_between(self, start: datetime, end: datetime, limit: int = 20000):
        query = (
            self._db.collection(COMPLAINTS)
            .where(filter=firestore.FieldFilter("created_at", ">=", start))
            .where(filter=firestore.FieldFilter("created_at", "<", end))
            .order_by("created_at")
            .limit(limit)
        )
        return [complaint_from_document(s.to_dict()) for s in query.stream(timeout=READ_TIMEOUT)]
