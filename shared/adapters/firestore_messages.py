"""Messages in Firestore: one document per (request, kind, round, channel), keyed by its
deterministic id, so the intent/outcome record is a single-document transaction and no
document is shared by many writers (no hot documents). No TTL: a message lives as long as its
request, and the retention job redacts it with the request (shared.service_layer.privacy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from google.cloud import firestore

from shared.adapters.firestore_transactions import TRANSACTION_DEADLINE, run_transaction
from shared.domain.messages import Channel, DeliveryEvent, Message, MessageKind, MessageState

T = TypeVar("T")

MESSAGES = "messages"


def message_to_document(message: Message) -> dict:
    return {
        "message_id": message.message_id,
        "request_id": message.request_id,
        "kind": message.kind.value,
        "round": message.round,
        "channel": message.channel.value,
        "state": message.state.value,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
        "attempts": message.attempts,
        "provider_message_id": message.provider_message_id,
        "error_code": message.error_code,
        "manual_link": message.manual_link,
        "manual_by": message.manual_by,
        "about": message.about.value if message.about else None,
        "needs_operator": message.needs_operator,
        "events": [
            {"state": e.state.value, "at": e.at, "detail": e.detail} for e in message.events
        ],
    }


def message_from_document(document: dict) -> Message:
    return Message(
        message_id=document["message_id"],
        request_id=document["request_id"],
        kind=MessageKind(document["kind"]),
        round=int(document["round"]),
        channel=Channel(document["channel"]),
        state=MessageState(document["state"]),
        created_at=document["created_at"],
        attempts=int(document.get("attempts") or 0),
        provider_message_id=document.get("provider_message_id"),
        error_code=document.get("error_code"),
        manual_link=document.get("manual_link"),
        manual_by=document.get("manual_by"),
        about=MessageKind(document["about"]) if document.get("about") else None,
        events=[
            DeliveryEvent(MessageState(e["state"]), e["at"], e.get("detail"))
            for e in document.get("events", [])
        ],
    )


class FirestoreMessages:
    def __init__(self, client: firestore.Client):
        self._db = client

    def update(self, message_id: str, change: Callable[[Message | None], tuple]) -> T:
        ref = self._db.collection(MESSAGES).document(message_id)

        def update_in(transaction: firestore.Transaction):
            snapshot = ref.get(transaction=transaction)
            current = message_from_document(snapshot.to_dict()) if snapshot.exists else None
            message, result = change(current)
            if message is not None:
                transaction.set(ref, message_to_document(message))
            return result

        return run_transaction(self._db, update_in, deadline=TRANSACTION_DEADLINE)

    def get(self, message_id: str) -> Message | None:
        snapshot = self._db.collection(MESSAGES).document(message_id).get()
        return message_from_document(snapshot.to_dict()) if snapshot.exists else None

    def for_request(self, request_id: str) -> list[Message]:
        query = self._db.collection(MESSAGES).where(
            filter=firestore.FieldFilter("request_id", "==", request_id)
        )
        found = [message_from_document(s.to_dict()) for s in query.stream()]
        return sorted(found, key=lambda m: (m.created_at, m.message_id))

    def find_by_provider_id(self, provider_message_id: str) -> Message | None:
        query = (
            self._db.collection(MESSAGES)
            .where(filter=firestore.FieldFilter("provider_message_id", "==", provider_message_id))
            .limit(1)
        )
        for snapshot in query.stream():
            return message_from_document(snapshot.to_dict())
        return None

    def in_state(self, state: MessageState, limit: int = 200) -> list[Message]:
        query = (
            self._db.collection(MESSAGES)
            .where(filter=firestore.FieldFilter("state", "==", state.value))
            .limit(limit)
        )
        found = [message_from_document(s.to_dict()) for s in query.stream()]
        return sorted(found, key=lambda m: m.updated_at)
