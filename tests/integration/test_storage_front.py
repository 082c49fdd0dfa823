"""The local storage front enforces what Cloud Storage enforces on a signed KTP upload.

Real pieces only: the PyPI storage emulator, URLs signed by google-cloud-storage's own
`generate_signed_url`, the front served over HTTP, and an HTTP receiver that parses the
finalize CloudEvents with the `cloudevents` SDK (as functions-framework does).
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from cloudevents.http import from_http
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from localdev.finalize_events import FinalizeEventDelivery
from localdev.signing_key import ensure_local_service_account, local_signing_credentials
from localdev.storage_front import CorsRule, StorageFront
from tests.integration._storage_emulator import (
    free_port,
    running_storage_emulator,
    wait_until_answers,
)

pytestmark = pytest.mark.integration

BUCKET = "remisi-ktp-local"
APP_ORIGIN = "http://127.0.0.1:8080"
TWO_MB = 2 * 1024 * 1024
LENGTH_RANGE = f"1,{TWO_MB}"
JPEG = b"\xff\xd8\xff\xe0" + b"not really a photo" * 10


class AdjustableClock:
    """The front's clock; tests move it forward instead of sleeping past an expiry."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class EventReceiver:
    """Plays `ktp_uploaded`: records CloudEvents, can be told to fail the next attempts."""

    def __init__(self) -> None:
        self.events = []  # (CloudEvent, raw headers)
        self.attempt_ids = []  # ce-id of every attempt, failed ones included
        self.failures_to_answer = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.attempt_ids.append(request.headers.get("ce-id"))
            if self.failures_to_answer > 0:
                self.failures_to_answer -= 1
                return Response("try again", 500)(environ, start_response)
            event = from_http(dict(request.headers), request.get_data())
            self.events.append((event, dict(request.headers)))
        return Response("", 204)(environ, start_response)

    def events_for(self, object_name: str):
        return [event for event, _ in self.events if event.data["name"] == object_name]

    def reset(self) -> None:
        with self._lock:
            self.events.clear()
            self.attempt_ids.clear()
            self.failures_to_answer = 0


def serve_in_thread(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def emulator_url(tmp_path_factory):
    log = tmp_path_factory.mktemp("storage-emulator") / "emulator.log"
    with running_storage_emulator(BUCKET, log) as url:
        yield url


@pytest.fixture(scope="module")
def service_account_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("signer") / "local-signer.json"
    ensure_local_service_account(path)
    return path


@pytest.fixture(scope="module")
def receiver():
    receiver = EventReceiver()
    server = serve_in_thread(receiver)
    receiver.url = f"http://127.0.0.1:{server.port}/api/ktp_uploaded"
    yield receiver
    server.shutdown()


@pytest.fixture(scope="module")
def clock():
    return AdjustableClock()


@pytest.fixture(scope="module")
def front(emulator_url, service_account_file, receiver, clock):
    app = StorageFront(
        emulator_url=emulator_url,
        service_account_info=ensure_local_service_account(service_account_file),
        cors=CorsRule(origins=(APP_ORIGIN,)),
        events=FinalizeEventDelivery(receiver.url, first_backoff_seconds=0.05),
        clock=clock,
    )
    server = serve_in_thread(app)
    app.public_url = f"http://127.0.0.1:{server.port}"
    yield app
    server.shutdown()


@pytest.fixture(autouse=True)
def _fresh_state(request):
    yield
    if "front" in request.fixturenames:
        request.getfixturevalue("front").events.join_pending(timeout=10)
        request.getfixturevalue("receiver").reset()
        request.getfixturevalue("clock").offset = timedelta()


@pytest.fixture(scope="module")
def bucket(emulator_url):
    client = storage.Client(
        project="remisi-local",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": emulator_url},
    )
    return client.bucket(BUCKET)


@pytest.fixture
def object_name() -> str:
    return f"ktp/{uuid.uuid4().hex}/ktp.jpg"


def signed_put_url(
    bucket, front, service_account_file, object_name, content_type="image/jpeg", **extra
) -> str:
    return bucket.blob(object_name).generate_signed_url(
        version="v4",
        method="PUT",
        expiration=extra.pop("expiration", timedelta(minutes=15)),
        content_type=content_type,
        headers={"x-goog-content-length-range": LENGTH_RANGE},
        credentials=extra.pop("credentials", local_signing_credentials(service_account_file)),
        api_access_endpoint=front.public_url,
    )


def browser_headers(content_type="image/jpeg", **overrides) -> dict[str, str]:
    headers = {
        "Content-Type": content_type,
        "x-goog-content-length-range": LENGTH_RANGE,
        "Origin": APP_ORIGIN,
    }
    headers.update(overrides)
    return {name: value for name, value in headers.items() if value is not None}


def error_code(response: requests.Response) -> str:
    return response.text.split("<Code>")[1].split("</Code>")[0]


@pytest.fixture
def sign(bucket, front, service_account_file):
    def sign(object_name, **extra):
        return signed_put_url(bucket, front, service_account_file, object_name, **extra)

    return sign


def test_signed_put_is_stored_and_announced_by_exactly_one_finalize_event(
    sign, front, receiver, bucket, object_name
):
    response = requests.put(sign(object_name), data=JPEG, headers=browser_headers())

    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert response.headers["x-goog-stored-content-length"] == str(len(JPEG))
    stored = bucket.get_blob(object_name)
    stored_generation = str(stored.generation)
    assert stored.content_type == "image/jpeg"
    assert stored.download_as_bytes() == JPEG

    assert front.events.join_pending(timeout=10)
    [event] = receiver.events_for(object_name)
    assert event["type"] == "google.cloud.storage.object.v1.finalized"
    assert event["specversion"] == "1.0"
    assert event["source"] == f"//storage.googleapis.com/projects/_/buckets/{BUCKET}"
    assert event["subject"] == f"objects/{object_name}"
    assert event["id"]
    data = event.data
    assert data["kind"] == "storage#object"
    assert data["bucket"] == BUCKET
    assert data["name"] == object_name
    assert data["contentType"] == "image/jpeg"
    assert data["size"] == str(len(JPEG))
    assert data["md5Hash"] == base64.b64encode(hashlib.md5(JPEG).digest()).decode()
    assert data["crc32c"]
    assert data["generation"] == stored_generation
    assert data["metageneration"] == "1"
    assert data["id"] == f"{BUCKET}/{object_name}/{data['generation']}"
    assert data["selfLink"].endswith(f"/b/{BUCKET}/o/{quote(object_name, safe='')}")
    assert event["time"] == data["updated"]
    assert data["timeCreated"]
    assert data["storageClass"] == "STANDARD"
    assert "acl" not in data


def test_exactly_two_megabytes_is_accepted(sign, front, bucket, object_name):
    body = b"\xff" * TWO_MB
    response = requests.put(sign(object_name), data=body, headers=browser_headers())

    assert response.status_code == 200, response.text
    assert bucket.get_blob(object_name).size == TWO_MB


def test_other_content_type_than_signed_is_refused(sign, front, receiver, bucket, object_name):
    response = requests.put(
        sign(object_name), data=JPEG, headers=browser_headers(content_type="application/pdf")
    )

    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"
    assert response.headers["Content-Type"].startswith("application/xml")
    # The browser must be able to read the refusal.
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert bucket.get_blob(object_name) is None
    assert front.events.join_pending(timeout=5)
    assert receiver.events_for(object_name) == []


def test_one_byte_over_two_megabytes_is_refused_and_not_stored(
    sign, front, receiver, bucket, object_name
):
    body = b"\xff" * (TWO_MB + 1)
    response = requests.put(sign(object_name), data=body, headers=browser_headers())

    assert response.status_code == 400
    assert error_code(response) == "EntityTooLarge"
    assert bucket.get_blob(object_name) is None
    assert front.events.join_pending(timeout=5)
    assert receiver.events_for(object_name) == []


def test_empty_body_is_refused(sign, bucket, object_name):
    response = requests.put(sign(object_name), data=b"", headers=browser_headers())

    assert response.status_code == 400
    assert error_code(response) == "EntityTooSmall"
    assert bucket.get_blob(object_name) is None


def test_widened_length_range_breaks_the_signature(sign, bucket, object_name):
    response = requests.put(
        sign(object_name),
        data=JPEG,
        headers=browser_headers(**{"x-goog-content-length-range": "1,999999999"}),
    )

    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"
    assert bucket.get_blob(object_name) is None


def test_dropping_a_signed_header_is_refused(sign, bucket, object_name):
    response = requests.put(
        sign(object_name),
        data=JPEG,
        headers=browser_headers(**{"x-goog-content-length-range": None}),
    )

    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"
    assert bucket.get_blob(object_name) is None


def test_expired_url_is_refused(sign, clock, bucket, object_name):
    url = sign(object_name)
    clock.offset = timedelta(minutes=15, seconds=1)

    response = requests.put(url, data=JPEG, headers=browser_headers())

    assert response.status_code == 400
    assert error_code(response) == "ExpiredToken"
    assert bucket.get_blob(object_name) is None


def test_url_is_still_valid_just_before_expiry(sign, clock, object_name):
    url = sign(object_name)
    clock.offset = timedelta(minutes=14, seconds=55)

    assert requests.put(url, data=JPEG, headers=browser_headers()).status_code == 200


def test_url_for_one_object_cannot_write_another(sign, bucket, object_name):
    other_name = f"ktp/{uuid.uuid4().hex}/ktp.jpg"
    url = sign(object_name).replace(quote(object_name, safe="/~"), quote(other_name, safe="/~"))

    response = requests.put(url, data=JPEG, headers=browser_headers())

    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"
    assert bucket.get_blob(other_name) is None
    assert bucket.get_blob(object_name) is None


def test_url_signed_by_another_key_is_refused(sign, tmp_path, bucket, object_name):
    # Same service-account e-mail, different private key: only the signature can tell.
    impostor = local_signing_credentials(tmp_path / "impostor.json")

    response = requests.put(
        sign(object_name, credentials=impostor), data=JPEG, headers=browser_headers()
    )

    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"
    assert bucket.get_blob(object_name) is None


def test_extended_expiry_breaks_the_signature(sign, bucket, object_name):
    url = sign(object_name).replace("X-Goog-Expires=900", "X-Goog-Expires=604800")

    response = requests.put(url, data=JPEG, headers=browser_headers())

    assert response.status_code == 403
    assert bucket.get_blob(object_name) is None


def test_unsigned_put_is_refused_as_anonymous(front, bucket, object_name):
    response = requests.put(
        f"{front.public_url}/{BUCKET}/{object_name}", data=JPEG, headers=browser_headers()
    )

    assert response.status_code == 401
    assert error_code(response) == "AccessDenied"
    assert bucket.get_blob(object_name) is None


def test_unsigned_reads_are_refused_and_other_methods_not_served(front, object_name):
    # Signed GETs serve the operator's short-lived KTP view; without a signature, as GCS does
    # for an anonymous caller on a private bucket: 401.
    unsigned = requests.get(f"{front.public_url}/{BUCKET}/{object_name}")
    assert unsigned.status_code == 401
    assert error_code(unsigned) == "AccessDenied"

    for method in ("DELETE", "POST"):
        response = requests.request(method, f"{front.public_url}/{BUCKET}/{object_name}")
        assert response.status_code == 405, method
        assert error_code(response) == "MethodNotAllowed"


def preflight(front, origin, request_headers="content-type,x-goog-content-length-range"):
    return requests.options(
        f"{front.public_url}/{BUCKET}/ktp/any.jpg",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": request_headers,
        },
    )


def test_preflight_from_the_app_origin_is_allowed(front):
    response = preflight(front, APP_ORIGIN)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower().split(",")
    allowed = {name.strip() for name in allowed_headers}
    assert {"content-type", "x-goog-content-length-range"} <= allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_preflight_from_another_origin_gets_no_cors_permission(front):
    response = preflight(front, "http://evil.example")

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_preflight_asking_for_an_unlisted_header_gets_no_cors_permission(front):
    response = preflight(front, APP_ORIGIN, request_headers="content-type,x-secret")

    assert "Access-Control-Allow-Origin" not in response.headers


def test_put_from_another_origin_carries_no_cors_permission(sign, object_name):
    response = requests.put(
        sign(object_name), data=JPEG, headers=browser_headers(Origin="http://evil.example")
    )

    assert "Access-Control-Allow-Origin" not in response.headers


def test_finalize_event_is_redelivered_with_the_same_id_after_a_500(
    sign, front, receiver, object_name
):
    receiver.failures_to_answer = 2

    response = requests.put(sign(object_name), data=JPEG, headers=browser_headers())

    assert response.status_code == 200
    assert front.events.join_pending(timeout=10)
    [event] = receiver.events_for(object_name)
    # Three attempts of one event: the handler can tell a redelivery by its ce-id.
    assert receiver.attempt_ids == [event["id"]] * 3


def test_delivery_to_a_dead_receiver_is_abandoned_after_its_attempts():
    delivery = FinalizeEventDelivery(
        f"http://127.0.0.1:{free_port()}/", max_attempts=3, first_backoff_seconds=0.01
    )
    delivery.deliver_in_background(
        {"bucket": BUCKET, "name": "ktp/x.jpg", "updated": "2026-01-01T00:00:00.000Z"}
    )

    assert delivery.join_pending(timeout=10)
    assert (delivery.delivered, delivery.abandoned) == (0, 1)


def test_command_line_front_serves_and_stops_on_sigterm(emulator_url, tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "localdev.storage_front",
            f"--port={port}",
            f"--emulator-url={emulator_url}",
            f"--service-account-file={tmp_path / 'signer.json'}",
            f"--allowed-origin={APP_ORIGIN}",
            "--finalize-url=http://127.0.0.1:9/unused",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/", process, timeout=20)
        response = requests.options(
            f"http://127.0.0.1:{port}/{BUCKET}/ktp/a.jpg",
            headers={"Origin": APP_ORIGIN, "Access-Control-Request-Method": "PUT"},
        )
        assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
        assert (tmp_path / "signer.json").stat().st_mode & 0o777 == 0o600
    finally:
        process.send_signal(signal.SIGTERM)
        return_code = process.wait(timeout=15)
    assert return_code == 0


@pytest.mark.parametrize(
    "awkward_name",
    ["ktp/with space+plus~tilde.jpg", "ktp/ünïcode/ktp (1).jpg", "ktp/a%2Fb=c&d.jpg"],
)
def test_object_names_are_canonicalised_as_the_signer_does(sign, bucket, awkward_name):
    name = awkward_name.replace("ktp/", f"ktp/{uuid.uuid4().hex}/", 1)

    response = requests.put(sign(name), data=JPEG, headers=browser_headers())

    assert response.status_code == 200, response.text
    assert bucket.get_blob(name).size == len(JPEG)


def test_delivery_outlasts_a_receiver_outage_with_capped_backoff():
    receiver = EventReceiver()
    receiver.failures_to_answer = 6
    server = serve_in_thread(receiver)
    try:
        delivery = FinalizeEventDelivery(
            f"http://127.0.0.1:{server.port}/",
            first_backoff_seconds=0.05,
            max_backoff_seconds=0.2,
            give_up_after_seconds=30,
        )
        started = time.monotonic()
        delivery.deliver_in_background(
            {"bucket": BUCKET, "name": "ktp/x.jpg", "updated": "2026-01-01T00:00:00.000Z"}
        )
        assert delivery.join_pending(timeout=20)
        elapsed = time.monotonic() - started
    finally:
        server.shutdown()
    # Seven attempts: pauses 0.05, 0.1, then capped at 0.2 (no 1.6 s or 3.2 s waits).
    assert (delivery.delivered, delivery.abandoned) == (1, 0)
    assert len(receiver.attempt_ids) == 7
    assert elapsed < 2.5


def test_delivery_gives_up_at_its_give_up_time_not_a_count():
    delivery = FinalizeEventDelivery(
        f"http://127.0.0.1:{free_port()}/",
        first_backoff_seconds=0.05,
        max_backoff_seconds=0.1,
        give_up_after_seconds=1.0,
    )
    started = time.monotonic()
    delivery.deliver_in_background(
        {"bucket": BUCKET, "name": "ktp/x.jpg", "updated": "2026-01-01T00:00:00.000Z"}
    )
    assert delivery.join_pending(timeout=10)
    assert (delivery.delivered, delivery.abandoned) == (0, 1)
    assert 0.8 <= time.monotonic() - started < 3


def control(front, **body) -> dict:
    url = f"{front.public_url}/_control/finalize"
    answer = requests.post(url, json=body, timeout=5) if body else requests.get(url, timeout=5)
    assert answer.status_code == 200
    return answer.json()


def test_the_control_drops_the_next_events(sign, front, receiver, bucket):
    names = [f"ktp/{uuid.uuid4().hex}/ktp.jpg" for _ in range(3)]
    before = control(front)["dropped"]
    assert control(front, drop_next=2)["drop_remaining"] == 2
    for name in names:
        assert requests.put(sign(name), data=JPEG, headers=browser_headers()).status_code == 200
    assert front.events.join_pending(timeout=10)
    # Stored all the same: only the events never come.
    assert all(bucket.get_blob(name) is not None for name in names)
    assert [len(receiver.events_for(name)) for name in names] == [0, 0, 1]
    assert control(front)["dropped"] - before == 2


def test_the_control_delivers_every_event_twice_with_one_id(sign, front, receiver, object_name):
    control(front, duplicate=True)
    try:
        response = requests.put(sign(object_name), data=JPEG, headers=browser_headers())
        assert response.status_code == 200
        assert front.events.join_pending(timeout=10)
    finally:
        assert control(front, duplicate=False)["duplicate"] is False
    first, second = receiver.events_for(object_name)
    assert first["id"] == second["id"]
