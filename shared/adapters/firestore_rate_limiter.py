"""Per-client counters in Firestore: one small document per hashed client and time window, so no
document is hot (each client writes its own) and nothing grows: a TTL on `purge_after` deletes
the counters soon after their window ends."""

from __future__ import annotations

from datetime import datetime, timedelta

from google.cloud import firestore

RATE_LIMITS = "rate_limits"


class FirestoreRateLimiter:
    def __init__(self, client: firestore.Client):
        self._db = client

    def hit(self, key: str, limit: int, window: timedelta, now: datetime) -> bool:
        ref = self._db.collection(RATE_LIMITS).document(key)

        @firestore.transactional
        def count_in(transaction: firestore.Transaction) -> bool:
            snapshot = ref.get(transaction=transaction)
            used = snapshot.get("count") if snapshot.exists else 0
            if used >= limit:
                return False  # no write: a client over its limit costs one read
            transaction.set(ref, {"count": used + 1, "purge_after": now + 2 * window})
            return True

        return count_in(self._db.transaction())
