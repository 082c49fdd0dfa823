"""In-memory WhatsApp conversations for unit tests (the ports in shared.service_layer.ports)."""

from __future__ import annotations

from shared.adapters.records import from_document

# --- WhatsApp conversations -----------------------------------------------------------------


def conversations_of(store) -> InMemoryConversations:
    """The store's conversations (made on first use, over the same request documents)."""
    if getattr(store, "conversations", None) is None:
        store.conversations = InMemoryConversations(store.requests)
    return store.conversations


class InMemoryConversations:
    """Stores documents, as Firestore does, so the conversation mapping is exercised too."""

    def __init__(self, requests):
        self.requests = requests
        self.documents: dict[str, dict] = {}
        self.unmatched_documents: dict[str, dict] = {}

    def get(self, request_id):
        from shared.adapters.firestore_conversations import conversation_from_document

        document = self.documents.get(request_id)
        return conversation_from_document(document) if document else None

    def mark_read(self, request_id):
        if request_id in self.documents:
            self.documents[request_id]["unread"] = 0

    def unread_request_ids(self, limit=500):
        return {rid for rid, d in self.documents.items() if d["unread"] > 0}

    def requests_for_whatsapp(self, e164, limit=20):
        return [
            from_document(d)
            for d in self.requests.documents.values()
            if d["requester"]["whatsapp"] == e164
        ][:limit]

    def add_unmatched(self, message, received_at, reason):
        from shared.adapters.firestore_conversations import unmatched_document

        if message.provider_id in self.unmatched_documents:
            return False
        document = unmatched_document(message, received_at, reason)
        self.unmatched_documents[message.provider_id] = document
        return True

    def unmatched(self, limit=200):
        found = sorted(self.unmatched_documents.values(), key=lambda d: d["received_at"])
        return list(reversed(found))[:limit]
