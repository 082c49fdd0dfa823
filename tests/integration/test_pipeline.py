"""The request pipeline end to end on the emulators, through the same HTTP paths the browser,
Eventarc and Cloud Tasks use."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime

import pytest
import requests
from PIL import Image

from localdev.finalize_events import finalized_event_headers
from tests.conftest import today_wib, wait_for
from tests.samples import form_payload, jpeg_bytes, pdf_bytes

pytestmark = pytest.mark.integration


def submit(stack, **overrides) -> requests.Response:
    from datetime import date

    payload = form_payload(date.fromisoformat(today_wib()), **overrides)
    return requests.post(f"{stack.site_url}/api/submit", json=payload, timeout=10)


def upload(answer: dict, data: bytes) -> requests.Response:
    instruction = answer["upload"]
    return requests.request(
        instruction["method"],
        instruction["url"],
        data=data,
        headers=instruction["headers"],
        timeout=10,
    )


def document(firestore_client, request_id: str) -> dict:
    return firestore_client.collection("requests").document(request_id).get().to_dict()


def wait_for_status(firestore_client, request_id: str, *statuses: str) -> dict:
    return wait_for(
        lambda: (d := document(firestore_client, request_id)) and d["status"] in statuses and d
    )


def send_finalize_event(stack, bucket: str, name: str, generation: str = "1") -> requests.Response:
    data = {
        "bucket": bucket,
        "name": name,
        "generation": generation,
        "size": "10",
        "contentType": "image/jpeg",
        "updated": datetime.now(UTC).isoformat(),
    }
    return requests.post(
        f"{stack.site_url}/api/ktp_uploaded",
        data=json.dumps(data),
        headers=finalized_event_headers(uuid.uuid4().hex, data),
        timeout=10,
    )


def test_a_request_travels_from_submission_to_the_operator(
    local_stack, firestore_client, storage_client
):
    photo = jpeg_bytes(with_gps=True)
    answer = submit(
        local_stack, ktp_size=len(photo), prisoner_name="Budi Santoso", prisoner_upt=None
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "awaiting_upload"
    assert len(body["tracking_code"]) == 11
    upload_url = body["upload"]["url"]
    assert upload_url.startswith(local_stack.storage_public_url)
    assert f"ktp/{body['request_id']}/upload-1.jpg" in upload_url
    assert "X-Goog-Expires=900" in upload_url

    put = upload(body, photo)
    assert put.status_code == 200, put.text

    stored = wait_for_status(firestore_client, body["request_id"], "awaiting_operator")
    assert [h["status"] for h in stored["history"]] == [
        "awaiting_upload",
        "received",
        "sdp_lookup",
        "awaiting_operator",
    ]
    assert stored["sdp"]["error"] is None
    assert stored["sdp"]["candidates"], "the demo directory ranks someone"
    scores = [c["score"] for c in stored["sdp"]["candidates"]]
    assert scores == sorted(scores, reverse=True)

    bucket = storage_client.bucket(local_stack.config.bucket)
    assert bucket.get_blob(f"ktp/{body['request_id']}/upload-1.jpg") is None
    verified = bucket.get_blob(stored["ktp"]["verified_object_name"])
    image = Image.open(io.BytesIO(verified.download_as_bytes()))
    assert image.format == "JPEG" and not image.getexif(), "GPS and other EXIF removed"


def test_the_same_idempotency_key_gives_the_same_request(local_stack, firestore_client):
    key = uuid.uuid4().hex
    first = submit(local_stack, idempotency_key=key)
    again = submit(local_stack, idempotency_key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["request_id"] == first.json()["request_id"]
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    codes = (
        firestore_client.collection("tracking_codes").document(first.json()["tracking_code"]).get()
    )
    assert codes.get("request_id") == first.json()["request_id"]

    other = submit(local_stack, idempotency_key=key, prisoner_name="Orang Lain")
    assert other.status_code == 409
    assert "sudah dikirim" in other.json()["message"]


def test_invalid_forms_get_one_indonesian_message_per_field(local_stack):
    answer = submit(
        local_stack,
        email="bukan email",
        whatsapp="021-555",
        ktp_size=3_000_000,
        statement_accepted=False,
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert set(errors) == {"email", "whatsapp", "ktp_size", "statement_accepted"}
    assert errors["whatsapp"]["message"].startswith("Nomor WhatsApp tidak valid")
    assert errors["ktp_size"]["message"] == "Berkas KTP maksimal 2 MB."
    assert answer.json()["message"] == "Periksa kembali isian formulir."

    english = submit(local_stack, email="x", language="en")
    assert english.json()["errors"]["email"]["message"].startswith("Invalid email")

    garbage = requests.post(
        f"{local_stack.site_url}/api/submit",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert garbage.status_code == 400
    assert requests.get(f"{local_stack.site_url}/api/submit", timeout=10).status_code == 405


def test_a_duplicate_finalize_event_queues_no_second_task(
    local_stack, firestore_client, tasks_client
):
    queue = local_stack.queue_path
    tasks_client.pause_queue(name=queue)
    try:
        answer = submit(local_stack).json()
        assert upload(answer, jpeg_bytes()).status_code == 200
        wait_for_status(firestore_client, answer["request_id"], "sdp_lookup")

        def mine():
            return [
                t for t in tasks_client.list_tasks(parent=queue) if answer["request_id"] in t.name
            ]

        assert len(wait_for(mine)) == 1

        again = send_finalize_event(
            local_stack, local_stack.config.bucket, f"ktp/{answer['request_id']}/upload-1.jpg"
        )
        assert again.status_code == 200
        assert len(mine()) == 1
    finally:
        tasks_client.resume_queue(name=queue)
    wait_for_status(firestore_client, answer["request_id"], "awaiting_operator")


@pytest.mark.parametrize(
    ("content_type", "data", "reason"),
    [
        ("image/jpeg", b"MZ\x90\x00 not a photo at all" * 10, "wrong_type"),
        ("application/pdf", b"%PDF-1.7\n this is not really a pdf", "unreadable"),
    ],
)
def test_a_bad_file_is_rejected_with_a_readable_reason(
    local_stack, firestore_client, storage_client, content_type, data, reason
):
    answer = submit(local_stack, ktp_content_type=content_type, ktp_size=len(data)).json()
    assert upload(answer, data).status_code == 200
    stored = wait_for_status(firestore_client, answer["request_id"], "upload_rejected")
    assert stored["ktp"]["rejection_code"] == reason
    bucket = storage_client.bucket(local_stack.config.bucket)
    # The file goes right after the state is recorded (state first, so a crash in between
    # leaves a redelivery something to act on): wait for it rather than race it.
    wait_for(lambda: not list(bucket.list_blobs(prefix=f"ktp/{answer['request_id']}/")))


def test_a_pdf_ktp_is_accepted(local_stack, firestore_client):
    data = pdf_bytes()
    answer = submit(local_stack, ktp_content_type="application/pdf", ktp_size=len(data)).json()
    assert upload(answer, data).status_code == 200
    wait_for_status(firestore_client, answer["request_id"], "awaiting_operator")


def test_cloud_storage_rules_hold_at_the_upload(local_stack, firestore_client):
    answer = submit(local_stack).json()
    instruction = answer["upload"]
    other_type = {**instruction["headers"], "Content-Type": "image/png"}
    assert (
        requests.put(
            instruction["url"], data=jpeg_bytes(), headers=other_type, timeout=10
        ).status_code
        == 403
    )
    too_big = b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024)
    assert (
        requests.put(
            instruction["url"], data=too_big, headers=instruction["headers"], timeout=10
        ).status_code
        == 400
    )
    assert document(firestore_client, answer["request_id"])["status"] == "awaiting_upload"


@pytest.mark.parametrize(
    "name", ["avatars/x.jpg", f"ktp/{'d' * 32}/upload-1.jpg", "ktp/../../etc/passwd"]
)
def test_unknown_objects_are_acknowledged_and_ignored(local_stack, name):
    response = send_finalize_event(local_stack, local_stack.config.bucket, name)
    assert response.status_code == 200


def test_events_from_another_bucket_are_ignored(local_stack, firestore_client):
    answer = submit(local_stack).json()
    name = f"ktp/{answer['request_id']}/upload-1.jpg"
    assert send_finalize_event(local_stack, "someone-elses-bucket", name).status_code == 200
    assert document(firestore_client, answer["request_id"])["status"] == "awaiting_upload"


def test_the_lookup_refuses_callers_that_are_not_the_queue(local_stack):
    url = f"{local_stack.site_url}/api/sdp_lookup"
    assert requests.post(url, json={"request_id": "x" * 32}, timeout=10).status_code == 403
    wrong_queue = {"X-CloudTasks-QueueName": "projects/p/locations/l/queues/other"}
    assert (
        requests.post(
            url, json={"request_id": "x" * 32}, headers=wrong_queue, timeout=10
        ).status_code
        == 403
    )


def test_logs_are_json_lines_without_personal_data(local_stack, firestore_client):
    marker = f"Rahasia{uuid.uuid4().hex[:8].translate(str.maketrans('0123456789', 'ghijklmnop'))}"
    answer = submit(
        local_stack,
        requester_name=f"Ibu {marker}",
        prisoner_name=f"Pak {marker}",
        email=f"{marker.lower()}@example.id",
        whatsapp="0813 9876 5432",
        address=f"Jalan {marker} Nomor 1, Serang",
    ).json()
    assert upload(answer, jpeg_bytes()).status_code == 200
    wait_for_status(firestore_client, answer["request_id"], "awaiting_operator")
    log = (local_stack.config.state_dir / "logs" / "gateway.log").read_text()
    assert marker.lower() not in log.lower()
    # The number in any form it could be logged in (as typed, E.164, WhatsApp's); four digits
    # alone also turn up in timestamps.
    assert not any(form in log for form in ("9876 5432", "98765432", "+6281398765432"))
    ours = [
        json.loads(line)
        for line in log.splitlines()
        if line.startswith("{") and answer["request_id"] in line
    ]
    assert {"request submitted", "upload accepted", "awaiting operator"} <= {
        entry["message"] for entry in ours
    }
    assert all(entry["severity"] in ("INFO", "WARNING", "ERROR") for entry in ours)


def test_a_person_in_the_demo_directory_is_the_first_candidate(local_stack, firestore_client):
    """The stack's demo SDP data is the synthetic set the directory generates (seed 2026)."""
    from localdev.sdp.synthetic import generate_records

    person = list(generate_records(20, seed=2026))[3]
    first, *rest = person.name.split(" bin ")[0].split()
    written = f"{first.upper()} {' '.join(rest).lower()}"  # as a relative might type it
    answer = submit(local_stack, prisoner_name=written, prisoner_upt=person.upt).json()
    assert upload(answer, jpeg_bytes()).status_code == 200
    stored = wait_for_status(firestore_client, answer["request_id"], "awaiting_operator")
    best = stored["sdp"]["candidates"][0]
    assert best["registration_number"] == person.registration_number
    assert best["extra"]["good_match"] is True
    assert "UPT sama" in best["reasons"]
