"""Local stand-in for Eventarc: `google.cloud.storage.object.v1.finalized` CloudEvents.

The storage emulator emits no events, so the storage front hands every stored object to
`FinalizeEventDelivery`, which POSTs a CloudEvent in binary HTTP mode to the `ktp_uploaded`
function, as Eventarc would. Delivery is at-least-once: a failed attempt (connection error or
any non-2xx answer) is retried with exponential backoff up to a cap, until the event is
delivered or its give-up time has passed (Eventarc keeps trying for 24 hours, so an event
outlasts a restart of the function), and every attempt of one event carries the same `ce-id`,
which is what lets the handler recognise a duplicate.

Faults for the tests and the chaos run (local only): `drop_next(n)` makes the next n events
never come (an event lost between Cloud Storage and the function), and `duplicate` delivers
every event twice, at once, with the same `ce-id` (at-least-once taken literally).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from urllib.parse import quote

import requests

logger = logging.getLogger(__name__)

EVENT_TYPE = "google.cloud.storage.object.v1.finalized"

# Fields of the object resource that Cloud Storage puts in the event's data
# (google.events.cloud.storage.v1.StorageObjectData); the emulator adds others, such as acl.
EVENT_DATA_FIELDS = (
    "kind",
    "id",
    "selfLink",
    "name",
    "bucket",
    "generation",
    "metageneration",
    "contentType",
    "contentEncoding",
    "contentDisposition",
    "cacheControl",
    "timeCreated",
    "updated",
    "storageClass",
    "timeStorageClassUpdated",
    "size",
    "md5Hash",
    "mediaLink",
    "crc32c",
    "etag",
    "metadata",
)

# Printable ASCII minus space, '"' and '%': what the CloudEvents HTTP binding lets through
# unencoded in a ce-* header value.
_HEADER_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"%')


def event_data(object_resource: Mapping) -> dict:
    return {
        key: object_resource[key]
        for key in EVENT_DATA_FIELDS
        if object_resource.get(key) is not None
    }


def finalized_event_headers(event_id: str, data: Mapping) -> dict[str, str]:
    return {
        "ce-id": event_id,
        "ce-specversion": "1.0",
        "ce-source": f"//storage.googleapis.com/projects/_/buckets/{data['bucket']}",
        "ce-type": EVENT_TYPE,
        "ce-subject": quote(f"objects/{data['name']}", safe=_HEADER_SAFE),
        "ce-time": data["updated"],
        "Content-Type": "application/json",
    }


class FinalizeEventDelivery:
    """Delivers finalize events in background threads; `join_pending` waits for them."""

    def __init__(
        self,
        target_url: str,
        *,
        max_attempts: int | None = None,
        first_backoff_seconds: float = 0.25,
        max_backoff_seconds: float = 30.0,
        give_up_after_seconds: float = 24 * 3600.0,
        request_timeout_seconds: float = 30.0,
        duplicate: bool = False,
    ) -> None:
        self.target_url = target_url
        # None: no count limit, only the give-up time (Eventarc's behaviour).
        self.max_attempts = max_attempts
        self.first_backoff_seconds = first_backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.give_up_after_seconds = give_up_after_seconds
        self.request_timeout_seconds = request_timeout_seconds
        self.duplicate = duplicate
        self.delivered = 0
        self.abandoned = 0
        self.dropped = 0
        self._drop_remaining = 0
        self._pending = 0
        self._condition = threading.Condition()

    def drop_next(self, count: int) -> None:
        with self._condition:
            self._drop_remaining = max(0, int(count))

    def stats(self) -> dict:
        with self._condition:
            return {
                "delivered": self.delivered,
                "abandoned": self.abandoned,
                "dropped": self.dropped,
                "pending": self._pending,
                "drop_remaining": self._drop_remaining,
                "duplicate": self.duplicate,
                "max_backoff_seconds": self.max_backoff_seconds,
                "give_up_after_seconds": self.give_up_after_seconds,
            }

    def deliver_in_background(self, object_resource: Mapping) -> str:
        """Schedule one event for the stored object (twice when duplicating); return its ce-id."""
        event_id = uuid.uuid4().hex
        data = event_data(object_resource)
        with self._condition:
            if self._drop_remaining > 0:
                self._drop_remaining -= 1
                self.dropped += 1
                logger.warning("finalize event %s dropped (fault control)", event_id)
                return event_id
            copies = 2 if self.duplicate else 1
            self._pending += copies
        for copy in range(copies):
            threading.Thread(
                target=self._deliver,
                args=(event_id, data),
                name=f"finalize-{event_id[:8]}-{copy}",
                daemon=True,
            ).start()
        return event_id

    def join_pending(self, timeout: float) -> bool:
        """Wait until every scheduled event is delivered or abandoned; False on timeout."""
        with self._condition:
            return self._condition.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _deliver(self, event_id: str, data: dict) -> None:
        delivered = False
        try:
            delivered = self._deliver_with_retries(event_id, data)
        finally:
            with self._condition:
                self._pending -= 1
                if delivered:
                    self.delivered += 1
                else:
                    self.abandoned += 1
                self._condition.notify_all()

    def _deliver_with_retries(self, event_id: str, data: dict) -> bool:
        headers = finalized_event_headers(event_id, data)
        backoff = self.first_backoff_seconds
        give_up_at = time.monotonic() + self.give_up_after_seconds
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(headers, data)
            if outcome is None:
                logger.info("finalize event %s delivered (attempt %d)", event_id, attempt)
                return True
            logger.warning("finalize event %s attempt %d failed: %s", event_id, attempt, outcome)
            out_of_attempts = self.max_attempts is not None and attempt >= self.max_attempts
            if out_of_attempts or time.monotonic() + backoff > give_up_at:
                break
            time.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff_seconds)
        logger.error("finalize event %s abandoned after %d attempts", event_id, attempt)
        return False

    def _attempt(self, headers: dict[str, str], data: dict) -> str | None:
        """POST once; None on success, else a short reason for the log."""
        try:
            response = requests.post(
                self.target_url,
                json=data,
                headers=headers,
                timeout=self.request_timeout_seconds,
            )
        except requests.RequestException as error:
            return type(error).__name__
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"
