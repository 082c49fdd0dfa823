"""Requests in Firestore: one document per request, plus one small document per tracking code
and per idempotency key so both stay unique without a hot document or a counter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from google.api_core.exceptions import AlreadyExists, Conflict
from google.cloud import firestore

from shared.adapters.firestore_transactions import TRANSACTION_DEADLINE, run_transaction
from shared.adapters.records import REQUESTS, from_document, to_document
from shared.domain import retention
from shared.domain.model import RemissionRequest, Status
from shared.service_layer.ports import (
    DuplicateSubmission,
    IdempotencyClaim,
    RequestNotFound,
    TrackingCodeTaken,
)

T = TypeVar("T")

TRACKING_CODES = "tracking_codes"
IDEMPOTENCY_KEYS = "idempotency_keys"


class FirestoreRequestRepository:
    def __init__(self, client: firestore.Client):
        self._db = client

    def add(self, request: RemissionRequest, claim: IdempotencyClaim) -> None:
        request_ref = self._db.collection(REQUESTS).document(request.request_id)
        code_ref = self._db.collection(TRACKING_CODES).document(request.tracking_code)
        key_ref = self._db.collection(IDEMPOTENCY_KEYS).document(claim.key_hash)
        document = to_document(request)

        # Three creates in one atomic commit: if any document exists, none is written. One
        # round trip on the common path; the reads happen only to explain a refusal.
        batch = self._db.batch()
        batch.create(request_ref, document)
        # The tracking code lives as long as its request (no TTL: the status page must find
        # an open request however old); the idempotency key only as long as a retry could come.
        batch.create(code_ref, {"request_id": request.request_id})
        batch.create(
            key_ref,
            {
                "request_id": request.request_id,
                "payload_fingerprint": claim.payload_fingerprint,
                "purge_after": request.created_at + retention.IDEMPOTENCY_KEY,
            },
        )
        try:
            batch.commit()
        except (AlreadyExists, Conflict):
            key = key_ref.get()
            if key.exists:
                raise DuplicateSubmission(
                    key.get("request_id"), key.get("payload_fingerprint")
                ) from None
            raise TrackingCodeTaken from None

    def get(self, request_id: str) -> RemissionRequest | None:
        snapshot = self._db.collection(REQUESTS).document(request_id).get()
        return from_document(snapshot.to_dict()) if snapshot.exists else None

    def get_by_tracking_code(self, tracking_code: str) -> RemissionRequest | None:
        snapshot = self._db.collection(TRACKING_CODES).document(tracking_code).get()
        if not snapshot.exists:
            return None
        return self.get(snapshot.get("request_id"))

    def update(self, request_id: str, change: Callable[[RemissionRequest], T]) -> T:
        ref = self._db.collection(REQUESTS).document(request_id)

        def update_in(transaction: firestore.Transaction) -> T:
            snapshot = ref.get(transaction=transaction)
            if not snapshot.exists:
                raise RequestNotFound(request_id)
            request = from_document(snapshot.to_dict())
            before = to_document(request)
            result = change(request)
            after = to_document(request)
            if after != before:
                transaction.set(ref, after)
            return result

        return run_transaction(self._db, update_in, deadline=TRANSACTION_DEADLINE)

    def list_by_status(
        self, status: Status, entered_before: datetime, limit: int = 100
    ) -> list[RemissionRequest]:
        query = (
            self._db.collection(REQUESTS)
            .where(filter=firestore.FieldFilter("status", "==", status.value))
            .where(filter=firestore.FieldFilter("status_entered_at", "<", entered_before))
            .order_by("status_entered_at")
            .limit(limit)
        )
        return [from_document(snapshot.to_dict()) for snapshot in query.stream()]
