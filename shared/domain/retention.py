"""How long each kind of record is kept: policy (UU 27/2022: no longer than the purpose needs),
so it lives here, not in the adapters that stamp `purge_after` on the documents (a Firestore
TTL policy deletes them; the KTP bucket's lifecycle rule deletes the files)."""

from __future__ import annotations

from datetime import timedelta

# A request and everything personal about it: its messages hold its texts and links.
REQUEST = timedelta(days=90)
MESSAGE = REQUEST
# Who did what: the office answers for its decisions longer than it keeps the requests.
AUDIT = timedelta(days=2 * 365)
# Bookkeeping of the outbox (ids and task payloads, no personal data), and of claims.
OUTBOX_ENTRY = timedelta(days=30)
CLAIM = timedelta(days=2)
