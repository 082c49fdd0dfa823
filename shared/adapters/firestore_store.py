"""The unit of work's storage: one Firestore transaction per step, over every document the
step changes (the request, its messages, its audit events, its outbox entries).

`FirestoreStore.transaction(step)` gives `step` a `FirestoreTransaction`: reads go through the
transaction, writes are buffered and sent together at commit, so a step reads and writes in any
order and either everything it wrote is stored or nothing is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from google.cloud import firestore

from shared.adapters.firestore_complaints import (
    COMPLAINTS,
    complaint_from_document,
    complaint_to_document,
)
from shared.adapters.firestore_messages import MESSAGES, message_from_document, message_to_document
from shared.adapters.firestore_operators import AUDIT, audit_document, new_event_id
from shared.adapters.firestore_survey import (
    ANSWERS,
    INVITATIONS,
    answer_to_document,
    invitation_from_document,
    invitation_to_document,
)
from shared.adapters.firestore_transactions import run_transaction
from shared.adapters.records import (
    OUTBOX,
    REQUESTS,
    from_document,
    outbox_from_document,
    outbox_to_document,
    to_document,
)
from shared.domain.complaints import Complaint
from shared.domain.messages import Message
from shared.domain.model import RemissionRequest
from shared.domain.outbox import OutboxEntry
from shared.domain.skm import SurveyAnswer, SurveyInvitation
from shared.service_layer.ports import AuditEvent

T = TypeVar("T")


class FirestoreTransaction:
    """One attempt of a step: transactional reads, buffered writes."""

    def __init__(self, client: firestore.Client, transaction: firestore.Transaction, timeout):
        self._db = client
        self._transaction = transaction
        self._timeout = timeout
        self._writes: list[tuple[firestore.DocumentReference, dict]] = []
        self.outbox_added: list[OutboxEntry] = []

    def _read(self, collection: str, document_id: str) -> dict | None:
        ref = self._db.collection(collection).document(document_id)
        snapshot = ref.get(transaction=self._transaction, timeout=self._timeout)
        return snapshot.to_dict() if snapshot.exists else None

    def _write(self, collection: str, document_id: str, document: dict) -> None:
        self._writes.append((self._db.collection(collection).document(document_id), document))

    # --- the documents a step may touch -----------------------------------------------------

    def request(self, request_id: str) -> RemissionRequest | None:
        document = self._read(REQUESTS, request_id)
        return from_document(document) if document else None

    def save_request(self, request: RemissionRequest) -> None:
        self._write(REQUESTS, request.request_id, to_document(request))

    def message(self, message_id: str) -> Message | None:
        document = self._read(MESSAGES, message_id)
        return message_from_document(document) if document else None

    def save_message(self, message: Message) -> None:
        self._write(MESSAGES, message.message_id, message_to_document(message))

    def conversation(self, request_id: str):
        from shared.adapters.firestore_conversations import (
            CONVERSATIONS,
            conversation_from_document,
        )

        document = self._read(CONVERSATIONS, request_id)
        return conversation_from_document(document) if document else None

    def save_conversation(self, conversation) -> None:
        from shared.adapters.firestore_conversations import (
            CONVERSATIONS,
            conversation_to_document,
        )

        document = conversation_to_document(conversation)
        self._write(CONVERSATIONS, conversation.request_id, document)

    def survey_invitation(self, token_hash: str) -> SurveyInvitation | None:
        document = self._read(INVITATIONS, token_hash)
        return invitation_from_document(document) if document else None

    def save_survey_invitation(self, invitation: SurveyInvitation) -> None:
        self._write(INVITATIONS, invitation.token_hash, invitation_to_document(invitation))

    def save_survey_answer(self, answer: SurveyAnswer) -> None:
        self._write(ANSWERS, answer.answer_id, answer_to_document(answer))

    def complaint(self, complaint_id: str) -> Complaint | None:
        document = self._read(COMPLAINTS, complaint_id)
        return complaint_from_document(document) if document else None

    def save_complaint(self, complaint: Complaint) -> None:
        self._write(COMPLAINTS, complaint.complaint_id, complaint_to_document(complaint))

    def privacy_request(self, privacy_request_id: str):
        from shared.adapters.firestore_privacy import PRIVACY_REQUESTS
        from shared.domain.privacy_requests import from_document as privacy_from_document

        document = self._read(PRIVACY_REQUESTS, privacy_request_id)
        return privacy_from_document(document) if document else None

    def save_privacy_request(self, item) -> None:
        from shared.adapters.firestore_privacy import PRIVACY_REQUESTS
        from shared.domain.privacy_requests import to_document as privacy_to_document

        self._write(PRIVACY_REQUESTS, item.privacy_request_id, privacy_to_document(item))

    def audit(self, event: AuditEvent) -> None:
        self._write(AUDIT, event.event_id or new_event_id(event.at), audit_document(event))

    def outbox_entry(self, entry_id: str) -> OutboxEntry | None:
        document = self._read(OUTBOX, entry_id)
        return outbox_from_document(document) if document else None

    def add_outbox(self, entry: OutboxEntry) -> bool:
        """Record a follow-up task; the same follow-up twice (a replayed step) is kept once."""
        if self.outbox_entry(entry.entry_id) is not None:
            return False
        self.save_outbox(entry)
        self.outbox_added.append(entry)
        return True

    def save_outbox(self, entry: OutboxEntry) -> None:
        self._write(OUTBOX, entry.entry_id, outbox_to_document(entry))

    def commit_writes(self) -> None:
        for ref, document in self._writes:
            self._transaction.set(ref, document)


class FirestoreStore:
    def __init__(self, client: firestore.Client, deadline: float, read_timeout: float):
        self._db = client
        self._deadline = deadline
        self._read_timeout = read_timeout

    def transaction(self, step: Callable[[FirestoreTransaction], T]) -> tuple[T, list[OutboxEntry]]:
        committed: list[FirestoreTransaction] = []

        def body(transaction: firestore.Transaction) -> T:
            attempt = FirestoreTransaction(self._db, transaction, self._read_timeout)
            result = step(attempt)
            attempt.commit_writes()
            committed[:] = [attempt]
            return result

        result = run_transaction(self._db, body, deadline=self._deadline)
        return result, committed[0].outbox_added

    def due_outbox(self, now, limit: int = 200) -> list[OutboxEntry]:
        query = (
            self._db.collection(OUTBOX)
            .where(filter=firestore.FieldFilter("state", "==", "open"))
            .where(filter=firestore.FieldFilter("due_at", "<=", now))
            .order_by("due_at")
            .limit(limit)
        )
        return [outbox_from_document(s.to_dict()) for s in query.stream(timeout=self._read_timeout)]

    def outbox_entry(self, entry_id: str) -> OutboxEntry | None:
        snapshot = self._db.collection(OUTBOX).document(entry_id).get(timeout=self._read_timeout)
        return outbox_from_document(snapshot.to_dict()) if snapshot.exists else None
