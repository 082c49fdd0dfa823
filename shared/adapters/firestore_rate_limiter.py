"""Per-client counters in Firestore: one small document per hashed client and time window, so
nothing grows (a TTL on `purge_after` deletes the counters soon after their window ends).

No transaction: thirty parallel requests from one client would contend on its document and
fail. A read decides, and a server-side increment (a blind write, which never conflicts)
counts; parallel requests may overshoot the limit by the few in flight, which a rate limit can
afford."""

from __future__ import annotations

from datetime import datetime, timedelta

from google.cloud import firestore

from shared.adapters.firestore_transactions import READ_TIMEOUT

RATE_LIMITS = "rate_limits"


class FirestoreRateLimiter:
    def __init__(self, client: firestore.Client):
        self._db = client

    def hit(self, key: str, limit: int, window: timedelta, now: datetime) -> bool:
        ref = self._db.collection(RATE_LIMITS).document(key)
        snapshot = ref.get(timeout=READ_TIMEOUT)
        used = snapshot.get("count") if snapshot.exists else 0
        if used >= limit:
            return False  # no write: a client over its limit costs one read
        ref.set(
            {"count": firestore.Increment(1), "purge_after": now + 2 * window},
            merge=True,
            timeout=READ_TIMEOUT,
        )
        return True
