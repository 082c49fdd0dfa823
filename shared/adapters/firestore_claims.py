"""Claims: "this one worker does this one piece of work now", as a single create.

Twenty deliveries of one task, or a storage event delivered twice while the sweep reconciles
the same upload, would otherwise meet in one document's transaction, where Firestore makes
all but one wait and time out. A create either succeeds or fails at once: the first comer
works, the others step aside. A claim is a lease: once it has expired, the next comer may take
it over (the worker holding it is presumed dead), with an update conditioned on the claim not
having changed since it was read, so two takers cannot both win.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from google.api_core.exceptions import AlreadyExists, Conflict, FailedPrecondition, NotFound
from google.cloud import firestore

from shared.adapters.firestore_transactions import READ_TIMEOUT
from shared.domain import retention

CLAIMS = "claims"


class FirestoreClaims:
    def __init__(self, client: firestore.Client):
        self._db = client

    def claim(self, name: str, now: datetime, lease: timedelta) -> bool:
        ref = self._db.collection(CLAIMS).document(name)
        document = {
            "claimed_at": now,
            "expires_at": now + lease,
            "purge_after": now + retention.CLAIM,
        }
        try:
            ref.create(document, timeout=READ_TIMEOUT)
            return True
        except (AlreadyExists, Conflict):
            pass
        snapshot = ref.get(timeout=READ_TIMEOUT)
        if not snapshot.exists or snapshot.get("expires_at") > now:
            return False
        try:
            ref.update(
                document,
                option=self._db.write_option(last_update_time=snapshot.update_time),
                timeout=READ_TIMEOUT,
            )
        except (FailedPrecondition, NotFound, Conflict):
            return False  # another comer took it over first
        return True

    def release(self, name: str) -> None:
        self._db.collection(CLAIMS).document(name).delete(timeout=READ_TIMEOUT)
