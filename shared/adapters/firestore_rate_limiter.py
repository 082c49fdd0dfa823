"""Failure counters in Firestore: one small document per hashed key (a client, a tracking code,
an operator name from a client), so nothing grows and nothing is a hot document; a TTL on
`purge_after` deletes each counter soon after it stops mattering.

No transaction: thirty parallel wrong guesses would contend on one document and fail. Reads
decide (all keys in one round trip), and server-side increments (blind writes, which never
conflict) count, all keys of one failure in one batch; parallel failures may overshoot a limit
by the few in flight, which a limit can afford. Only failures are written: a successful lookup
or sign-in costs reads alone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from google.cloud import firestore

from shared.adapters.firestore_transactions import READ_TIMEOUT

RATE_LIMITS = "rate_limits"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class FirestoreRateLimiter:
    def __init__(self, client: firestore.Client, collection: str = RATE_LIMITS):
        self._db = client
        self._collection = collection

    def hit(self, key: str, limit: int, window: timedelta, now: datetime) -> bool:
        """Count one use of `key` (its window is part of it); False once `limit` is reached.
        For what is limited by use, not failure (the complaint form's filings)."""
        ref = self._db.collection(self._collection).document(key)
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

    def failures(self, keys: Iterable[str]) -> dict[str, tuple[int, datetime | None]]:
        """Each key's count and last failure; a key never counted is absent."""
        refs = [self._db.collection(self._collection).document(k) for k in dict.fromkeys(keys)]
        found = {}
        for snapshot in self._db.get_all(refs, timeout=READ_TIMEOUT):
            if snapshot.exists:
                doc = snapshot.to_dict()
                found[snapshot.id] = (int(doc.get("count", 0)), _utc(doc.get("last_at")))
        return found

    def count(
        self,
        keys: Iterable[str],
        now: datetime,
        purge_after: datetime,
        restart: Iterable[str] = (),
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """One more failure on each key (blind increments, one batch); the keys in `restart`
        had only forgotten failures and start again at one. `tags` marks some documents so
        that `clear_tagged` finds them (an admin's unlock)."""
        restart = set(restart)
        batch = self._db.batch()
        for key in dict.fromkeys(keys):
            fields = {
                "count": 1 if key in restart else firestore.Increment(1),
                "last_at": now,
                "purge_after": purge_after,
            }
            if tags and key in tags:
                fields["tag"] = tags[key]
            batch.set(self._db.collection(self._collection).document(key), fields, merge=True)
        batch.commit(timeout=READ_TIMEOUT)

    def clear(self, keys: Iterable[str]) -> None:
        batch = self._db.batch()
        for key in dict.fromkeys(keys):
            batch.delete(self._db.collection(self._collection).document(key))
        batch.commit(timeout=READ_TIMEOUT)

    def clear_tagged(self, tag: str) -> int:
        query = self._db.collection(self._collection).where(
            filter=firestore.FieldFilter("tag", "==", tag)
        )
        refs = [snapshot.reference for snapshot in query.stream(timeout=READ_TIMEOUT)]
        for ref in refs:
            ref.delete(timeout=READ_TIMEOUT)
        return len(refs)
