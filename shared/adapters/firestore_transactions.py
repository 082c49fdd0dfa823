"""The one way this code changes Firestore documents: a transaction, retried on contention
with exponential backoff and full jitter, bounded by a deadline.

The client library's own `@transactional` retries five times, and then raises "Failed to
commit transaction in 5 attempts" — twenty workers on one document were enough to see it as a
500. Here the library keeps retrying in place; when even that fails, or a read is aborted or
times out, the worker sleeps a random time that grows, so contenders spread out, and after
`deadline` seconds `Contention` is raised,
which the entry points answer as 503 with Retry-After (the caller, or Cloud Tasks, tries again)
instead of a 500.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from google.api_core import exceptions as google_errors
from google.cloud import firestore

from shared.service_layer.ports import Contention

T = TypeVar("T")

# Bounds that keep a function's answer within ~10 s when Firestore is slow or unreachable
# (shared.entrypoints also caps the whole call): a transaction gives up after this long, a
# single read after that.
TRANSACTION_DEADLINE = 6.0
# Commits the library retries in place (same transaction id) before a pause.
IN_LINE_ATTEMPTS = 10
READ_TIMEOUT = 5.0

# Errors after which the same transaction may succeed when tried again.
RETRYABLE = (
    google_errors.Aborted,
    google_errors.Conflict,
    google_errors.DeadlineExceeded,
    google_errors.ServiceUnavailable,
    google_errors.InternalServerError,
    google_errors.TooManyRequests,
)


def run_transaction(
    client: firestore.Client,
    body: Callable[[firestore.Transaction], T],
    *,
    deadline: float,
    first_backoff: float = 0.05,
    max_backoff: float = 1.0,
) -> T:
    """Run `body(transaction)` until it commits, or raise Contention after `deadline` s.

    An aborted commit is retried by the library under the same transaction id, which keeps
    the transaction's place in line (so the oldest contender wins, none starves); anything
    else retryable starts over after a jittered, growing pause."""
    give_up_at = time.monotonic() + deadline
    backoff = first_backoff
    while True:
        transaction = client.transaction(max_attempts=IN_LINE_ATTEMPTS)
        try:
            return firestore.transactional(body)(transaction)
        except RETRYABLE as error:
            reason = type(error).__name__
        except ValueError as error:
            # The library's "Failed to commit transaction in N attempts" after aborts.
            if "Failed to commit transaction" not in str(error):
                raise
            reason = "aborted"
        pause = random.uniform(0, backoff)  # noqa: S311 - jitter, not security
        if time.monotonic() + pause >= give_up_at:
            raise Contention(reason)
        time.sleep(pause)
        backoff = min(max_backoff, backoff * 2)
