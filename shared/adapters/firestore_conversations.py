"""WhatsApp conversations in Firestore: one document per request (`conversations/{request
id}`, the thread, its unread count and the last inbound time that opens the 24-hour window),
and `unmatched_inbound/{wamid}` for messages no request could be found for (operators see them;
nothing a family writes is dropped). Both are created once per provider id, so a repeated
webhook changes nothing."""

from __future__ import annotations

import contextlib

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.adapters.records import REQUESTS, from_document
from shared.domain.conversations import (
    Conversation,
    Direction,
    Entry,
    InboundMessage,
    ReplyMode,
)
from shared.domain.model import RemissionRequest

CONVERSATIONS = "conversations"
UNMATCHED = "unmatched_inbound"
READ_TIMEOUT = 10.0


def conversation_to_document(conversation: Conversation) -> dict:
    return {
        "request_id": conversation.request_id,
        "unread": conversation.unread,
        "last_inbound_at": conversation.last_inbound_at,
        "entries": [
            {
                "entry_id": e.entry_id,
                "direction": e.direction.value,
                "at": e.at,
                "text": e.text,
                "media_type": e.media_type,
                "media_id": e.media_id,
                "context_id": e.context_id,
                "by": e.by,
                "number": e.number,
                "mode": e.mode.value if e.mode else None,
                "sent_at": e.sent_at,
            }
            for e in conversation.entries
        ],
    }


def conversation_from_document(document: dict) -> Conversation:
    return Conversation(
        request_id=document["request_id"],
        unread=int(document.get("unread") or 0),
        last_inbound_at=document.get("last_inbound_at"),
        entries=[
            Entry(
                entry_id=e["entry_id"],
                direction=Direction(e["direction"]),
                at=e["at"],
                text=e.get("text") or "",
                media_type=e.get("media_type"),
                media_id=e.get("media_id"),
                context_id=e.get("context_id"),
                by=e.get("by"),
                number=e.get("number"),
                mode=ReplyMode(e["mode"]) if e.get("mode") else None,
                sent_at=e.get("sent_at"),
            )
            for e in document.get("entries") or []
        ],
    )


def unmatched_document(message: InboundMessage, received_at, reason: str) -> dict:
    return {
        "provider_id": message.provider_id,
        "sender": message.sender,
        "at": message.at or received_at,
        "received_at": received_at,
        "text": message.text,
        "media_type": message.media_type,
        "media_id": message.media_id,
        "context_id": message.context_id,
        "reason": reason,
    }


class FirestoreConversations:
    def __init__(self, client: firestore.Client, timeout: float = READ_TIMEOUT):
        self._db = client
        self._timeout = timeout

    def get(self, request_id: str) -> Conversation | None:
        ref = self._db.collection(CONVERSATIONS).document(request_id)
        snapshot = ref.get(timeout=self._timeout)
        return conversation_from_document(snapshot.to_dict()) if snapshot.exists else None

    def mark_read(self, request_id: str) -> None:
        ref = self._db.collection(CONVERSATIONS).document(request_id)
        with contextlib.suppress(gexc.NotFound):  # no conversation: nothing unread
            ref.update({"unread": 0}, timeout=self._timeout)

    def unread_request_ids(self, limit: int = 500) -> set[str]:
        query = (
            self._db.collection(CONVERSATIONS)
            .where(filter=firestore.FieldFilter("unread", ">", 0))
            .limit(limit)
        )
        return {s.id for s in query.stream(timeout=self._timeout)}

    def requests_for_whatsapp(self, e164: str, limit: int = 20) -> list[RemissionRequest]:
        query = (
            self._db.collection(REQUESTS)
            .where(filter=firestore.FieldFilter("requester.whatsapp", "==", e164))
            .limit(limit)
        )
        return [from_document(s.to_dict()) for s in query.stream(timeout=self._timeout)]

    def add_unmatched(self, message: InboundMessage, received_at, reason: str) -> bool:
        ref = self._db.collection(UNMATCHED).document(message.provider_id)
        try:
            ref.create(unmatched_document(message, received_at, reason), timeout=self._timeout)
        except gexc.AlreadyExists:
            return False
        return True

    def unmatched(self, limit: int = 200) -> list[dict]:
        query = (
            self._db.collection(UNMATCHED)
            .order_by("received_at", direction=firestore.Query.DESCENDING)
            .limit(limit)
        )
        return [s.to_dict() for s in query.stream(timeout=self._timeout)]
