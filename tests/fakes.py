"""In-memory ports for unit tests of the domain and service layer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from shared.adapters.records import from_document, to_document
from shared.domain.sdp import SdpCandidate, SdpQuery, SdpUnavailable
from shared.service_layer.ports import (
    Dependencies,
    DuplicateSubmission,
    IdempotencyClaim,
    RequestNotFound,
    StoredFile,
    Task,
    TrackingCodeTaken,
    UploadInstruction,
)


class InMemoryRequests:
    """Stores documents, not objects, so the record mapping is exercised as with Firestore."""

    def __init__(self):
        self.documents: dict[str, dict] = {}
        self.codes: dict[str, str] = {}
        self.keys: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def add(self, request, claim: IdempotencyClaim) -> None:
        with self._lock:
            if claim.key_hash in self.keys:
                raise DuplicateSubmission(*self.keys[claim.key_hash])
            if request.tracking_code in self.codes:
                raise TrackingCodeTaken
            self.documents[request.request_id] = to_document(request)
            self.codes[request.tracking_code] = request.request_id
            self.keys[claim.key_hash] = (request.request_id, claim.payload_fingerprint)

    def get(self, request_id):
        document = self.documents.get(request_id)
        return from_document(document) if document else None

    def get_by_tracking_code(self, tracking_code):
        request_id = self.codes.get(tracking_code)
        return self.get(request_id) if request_id else None

    def update(self, request_id, change):
        with self._lock:
            if request_id not in self.documents:
                raise RequestNotFound(request_id)
            request = from_document(self.documents[request_id])
            result = change(request)
            self.documents[request_id] = to_document(request)
            return result

    def list_by_status(self, status, entered_before, limit=100):
        found = [
            from_document(d)
            for d in self.documents.values()
            if d["status"] == status.value and d["status_entered_at"] < entered_before
        ]
        return sorted(found, key=lambda r: r.entered_at(r.status))[:limit]


class InMemoryFiles:
    def __init__(self):
        self.objects: dict[str, tuple[bytes, str, dict]] = {}
        self.generation = 0
        self.signed: list[tuple[str, str, int, timedelta]] = []

    def upload_instruction(self, object_name, content_type, max_bytes, valid_for):
        self.signed.append((object_name, content_type, max_bytes, valid_for))
        return UploadInstruction(
            url=f"https://storage.test/{object_name}?signed",
            method="PUT",
            headers={"Content-Type": content_type, "x-goog-content-length-range": f"1,{max_bytes}"},
            expires_at=datetime.now(UTC) + valid_for,
        )

    def put(self, object_name, data, content_type="image/jpeg", metadata=None):
        """What the browser's signed PUT does."""
        return self.write(object_name, data, content_type, metadata or {})

    def read(self, object_name, max_bytes):
        if object_name not in self.objects:
            return None
        data, content_type, metadata = self.objects[object_name]
        return StoredFile(
            object_name,
            data[: max_bytes + 1],
            content_type,
            len(data),
            str(self.generation),
            dict(metadata),
        )

    def write(self, object_name, data, content_type, metadata):
        self.generation += 1
        self.objects[object_name] = (data, content_type, dict(metadata))
        return str(self.generation)

    def delete(self, object_name):
        self.objects.pop(object_name, None)


class InMemoryTasks:
    """Refuses a second task of the same name, as Cloud Tasks does."""

    def __init__(self):
        self.tasks: list[Task] = []
        self.fail_next = False

    def enqueue(self, task: Task) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("queue unreachable")
        if any(t.queue == task.queue and t.name == task.name for t in self.tasks):
            return
        self.tasks.append(task)


class ListDirectory:
    def __init__(self, people: list[SdpCandidate] | None = None):
        self.people = people or []
        self.down = False
        self.queries: list[SdpQuery] = []

    def search(self, query: SdpQuery, limit: int = 5):
        self.queries.append(query)
        if self.down:
            raise SdpUnavailable("directory down")
        wanted = query.prisoner_name.lower().split()
        hits = [p for p in self.people if any(w in p.name.lower() for w in wanted)]
        return hits[:limit]


class FixedClock:
    def __init__(self, now: datetime | None = None):
        self.current = now or datetime(2026, 11, 28, 3, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


def fake_dependencies(**overrides) -> Dependencies:
    values = dict(
        requests=InMemoryRequests(),
        files=InMemoryFiles(),
        tasks=InMemoryTasks(),
        sdp=ListDirectory(),
        clock=FixedClock(),
        sdp_lookup_queue="sdp-lookup",
        upload_url_valid_for=timedelta(minutes=15),
    )
    values.update(overrides)
    return Dependencies(**values)


class InMemoryRateLimiter:
    """Counts per key as the Firestore limiter does (the window is part of the key)."""

    def __init__(self):
        self.counts: dict[str, int] = {}

    def hit(self, key, limit, window, now) -> bool:
        used = self.counts.get(key, 0)
        if used >= limit:
            return False
        self.counts[key] = used + 1
        return True


# --- operator side ----------------------------------------------------------------------------
