"""The adapters against the emulators: what the fakes promise, the real ones must do."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import requests

from localdev.signing_key import local_signing_credentials
from shared.adapters.cloud_tasks_queue import CloudTasksQueue
from shared.adapters.firestore_repository import FirestoreRequestRepository
from shared.adapters.gcs_file_store import GcsFileStore
from shared.domain.form import parse_submission
from shared.domain.model import KtpContentType, KtpFile, RemissionRequest, Status
from shared.domain.sdp import SdpCandidate
from shared.domain.tracking import new_tracking_code
from shared.service_layer.ports import (
    DuplicateSubmission,
    IdempotencyClaim,
    RequestNotFound,
    Task,
    TrackingCodeTaken,
)
from tests.conftest import wait_for
from tests.samples import form_payload, jpeg_bytes

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def new_request(created_at: datetime = T0, code: str | None = None) -> RemissionRequest:
    form = parse_submission(form_payload(date(2026, 11, 28)), date(2026, 11, 28))
    request_id = uuid.uuid4().hex
    return RemissionRequest(
        request_id=request_id,
        tracking_code=code or new_tracking_code(),
        requester=form.requester,
        prisoner=form.prisoner,
        information_needed=form.information_needed,
        information_other=None,
        statement=form.statement,
        language="id",
        ktp=KtpFile(f"ktp/{request_id}/upload-1.jpg", KtpContentType.JPEG, 1000),
        created_at=created_at,
    )


def claim(key: str | None = None) -> IdempotencyClaim:
    return IdempotencyClaim(key or uuid.uuid4().hex, "fingerprint")


# --- Firestore ------------------------------------------------------------------------------


def test_a_request_round_trips_through_firestore(isolated_firestore):
    repo = FirestoreRequestRepository(isolated_firestore)
    request = new_request()
    repo.add(request, claim())
    loaded = repo.get(request.request_id)
    assert loaded == request
    assert repo.get_by_tracking_code(request.tracking_code) == request
    assert repo.get("f" * 32) is None
    assert repo.get_by_tracking_code("AAA-AAA-AAA") is None


def test_the_idempotency_key_and_the_tracking_code_are_unique_and_nothing_half_written(
    isolated_firestore,
):
    repo = FirestoreRequestRepository(isolated_firestore)
    first = new_request()
    repo.add(first, claim("key-1"))

    again = new_request()
    with pytest.raises(DuplicateSubmission) as duplicate:
        repo.add(again, claim("key-1"))
    assert duplicate.value.request_id == first.request_id
    assert repo.get(again.request_id) is None
    assert repo.get_by_tracking_code(again.tracking_code) is None

    same_code = new_request(code=first.tracking_code)
    with pytest.raises(TrackingCodeTaken):
        repo.add(same_code, claim("key-2"))
    assert repo.get(same_code.request_id) is None
    # key-2 was not claimed by the failed attempt: it can still be used.
    repo.add(new_request(), claim("key-2"))


def test_concurrent_submissions_with_one_key_make_one_request(isolated_firestore):
    repo = FirestoreRequestRepository(isolated_firestore)
    outcomes: list[str] = []

    def attempt():
        try:
            repo.add(new_request(), claim("same-key"))
            outcomes.append("created")
        except DuplicateSubmission:
            outcomes.append("duplicate")

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["duplicate"] * 5


def test_updates_are_transactional_and_no_change_is_lost(isolated_firestore):
    repo = FirestoreRequestRepository(isolated_firestore)
    request = new_request()
    repo.add(request, claim())
    repo.update(request.request_id, lambda r: r.accept_upload("v", 10, T0))
    repo.update(request.request_id, lambda r: r.lookup_queued("task", T0))

    # Two deliveries of the same lookup result race; exactly one applies it.
    def record(r):
        if r.status is Status.SDP_LOOKUP:
            r.record_candidates([SdpCandidate("REG", "Nama", 90.0, ("nama sama",))], T0)
            return True
        return False

    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(repo.update(request.request_id, record)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, True]
    stored = repo.get(request.request_id)
    assert stored.status is Status.AWAITING_OPERATOR
    assert [e.status for e in stored.history].count(Status.AWAITING_OPERATOR) == 1
    assert stored.sdp.candidates[0].reasons == ("nama sama",)

    with pytest.raises(RequestNotFound):
        repo.update("0" * 32, lambda r: None)


def test_requests_are_listed_by_state_and_age(isolated_firestore):
    repo = FirestoreRequestRepository(isolated_firestore)
    old, newer, too_new = (new_request(T0 + timedelta(minutes=m)) for m in (0, 10, 60))
    for request in (old, newer, too_new):
        repo.add(request, claim())
    repo.update(newer.request_id, lambda r: r.reject_upload("wrong_type", T0))
    found = repo.list_by_status(Status.AWAITING_UPLOAD, T0 + timedelta(minutes=30))
    assert [r.request_id for r in found] == [old.request_id]


# --- Cloud Storage --------------------------------------------------------------------------


@pytest.fixture
def file_store(local_stack, storage_client):
    return GcsFileStore(
        storage_client,
        local_stack.config.bucket,
        signing_credentials=local_signing_credentials(local_stack.signing_key_file),
        api_access_endpoint=local_stack.storage_public_url,
    )


def test_files_are_written_read_and_deleted(file_store):
    name = f"test/{uuid.uuid4().hex}.jpg"
    data = jpeg_bytes()
    generation = file_store.write(name, data, "image/jpeg", {"purpose": "test"})
    stored = file_store.read(name, 2 * 1024 * 1024)
    assert stored.data == data and stored.size == len(data)
    assert stored.generation == generation and stored.generation != "None"
    assert stored.content_type == "image/jpeg"
    assert stored.metadata == {"purpose": "test"}
    file_store.delete(name)
    file_store.delete(name)  # already gone is fine
    assert file_store.read(name, 10) is None


def test_reading_stops_just_past_the_limit(file_store):
    name = f"test/{uuid.uuid4().hex}.bin"
    file_store.write(name, b"x" * 5000, "application/octet-stream", {})
    stored = file_store.read(name, 1000)
    assert stored.size == 5000
    assert len(stored.data) == 1001  # enough to know it is too large


def test_a_signed_upload_lands_only_as_signed(file_store):
    name = f"test/{uuid.uuid4().hex}.jpg"
    instruction = file_store.upload_instruction(name, "image/jpeg", 2048, timedelta(minutes=15))
    assert instruction.headers == {
        "Content-Type": "image/jpeg",
        "x-goog-content-length-range": "1,2048",
    }
    assert instruction.expires_at - datetime.now(UTC) <= timedelta(minutes=15)
    too_big = requests.put(
        instruction.url, data=b"x" * 2049, headers=instruction.headers, timeout=10
    )
    assert too_big.status_code == 400
    assert file_store.read(name, 4096) is None
    ok = requests.put(instruction.url, data=b"y" * 100, headers=instruction.headers, timeout=10)
    assert ok.status_code == 200
    assert file_store.read(name, 4096).data == b"y" * 100


# --- Cloud Tasks ----------------------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.received.append(
            (self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(body))
        )
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_tasks_reach_their_target_with_their_payload(local_stack, tasks_client):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        queue = CloudTasksQueue(
            tasks_client,
            local_stack.config.project,
            local_stack.config.region,
            {"sdp_lookup": f"http://127.0.0.1:{server.server_port}/lookup"},
        )
        name = f"test-{uuid.uuid4().hex}"
        queue.enqueue(
            Task(local_stack.config.sdp_lookup_queue, name, "sdp_lookup", {"request_id": "abc"})
        )
        path, headers, body = wait_for(lambda: Recorder.received and Recorder.received[0])
        assert path == "/lookup"
        assert body == {"request_id": "abc"}
        assert headers["x-cloudtasks-taskname"] == name
        assert headers["x-cloudtasks-queuename"].endswith("/queues/sdp-lookup")
    finally:
        server.shutdown()
