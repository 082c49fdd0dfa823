"""Admins' email templates in Firestore: one document per (kind, language), id "<kind>.<lang>".

No TTL on this collection: it is configuration (no personal data), and an override must live
until an admin resets it, like the operator accounts.
"""

from __future__ import annotations

from google.cloud import firestore

from shared.adapters.firestore_operators import _utc
from shared.domain.messages import MessageKind
from shared.service_layer.message_template_admin import TemplateRecord, VersionConflict

TEMPLATES = "message_templates"


def template_document(record: TemplateRecord) -> dict:
    return {
        "kind": record.kind.value,
        "language": record.language,
        "subject": record.subject,
        "text": record.text,
        "updated_by": record.updated_by,
        "updated_at": record.updated_at,
        "version": record.version,
    }


def template_value(doc: dict) -> TemplateRecord:
    return TemplateRecord(
        kind=MessageKind(doc["kind"]),
        language=doc["language"],
        subject=doc.get("subject"),
        text=doc.get("text"),
        updated_by=doc["updated_by"],
        updated_at=_utc(doc["updated_at"]),
        version=int(doc["version"]),
    )


def document_id(kind: MessageKind, language: str) -> str:
    return f"{kind.value}.{language}"


class FirestoreTemplates:
    def __init__(self, client: firestore.Client):
        self.client = client
        self.collection = client.collection(TEMPLATES)

    def get(self, kind: MessageKind, language: str) -> TemplateRecord | None:
        snapshot = self.collection.document(document_id(kind, language)).get()
        return template_value(snapshot.to_dict()) if snapshot.exists else None

    def all(self) -> list[TemplateRecord]:
        return [template_value(s.to_dict()) for s in self.collection.limit(100).stream()]

    def put(self, record: TemplateRecord) -> None:
        reference = self.collection.document(document_id(record.kind, record.language))

        @firestore.transactional
        def put_in(transaction: firestore.Transaction) -> None:
            snapshot = reference.get(transaction=transaction)
            current = template_value(snapshot.to_dict()) if snapshot.exists else None
            if (current.version if current else 0) != record.version - 1:
                raise VersionConflict(current)
            transaction.set(reference, template_document(record))

        put_in(self.client.transaction())
