from datetime import date

import pytest

from shared.domain.form import FormInvalid
from shared.domain.model import Status
from shared.domain.sdp import SdpCandidate, SdpUnavailable
from shared.service_layer import services
from shared.service_layer.services import UploadedObject
from tests.fakes import ListDirectory, fake_dependencies
from tests.samples import form_payload, jpeg_bytes, pdf_bytes, png_bytes

TODAY = date(2026, 11, 28)  # the fake clock's day in WIB


@pytest.fixture
def deps():
    return fake_dependencies(
        sdp=ListDirectory(
            [
                SdpCandidate(
                    "REG-1", "Ahmad Fauzi bin Hasan", 97.0, ("nama sama",), upt="Lapas Serang"
                ),
                SdpCandidate("REG-2", "Ahmad Fauzan", 71.0, ("nama mirip",)),
            ]
        )
    )


def submit(deps, **overrides):
    return services.submit_request(form_payload(TODAY, **overrides), deps)


def put_and_notify(deps, request, data, content_type="image/jpeg"):
    name = request.ktp.object_name
    generation = deps.files.put(name, data, content_type)
    return services.handle_ktp_uploaded(
        UploadedObject("bucket", name, generation, len(data), content_type), deps
    )


def test_submit_stores_the_request_and_hands_out_a_bound_upload(deps):
    result = submit(deps)
    request = deps.requests.get(result.request.request_id)
    assert result.created and request.status is Status.AWAITING_UPLOAD
    assert request.ktp.object_name == f"ktp/{request.request_id}/upload-1.jpg"
    assert deps.files.signed == [
        (request.ktp.object_name, "image/jpeg", 2 * 1024 * 1024, deps.upload_url_valid_for)
    ]
    assert result.upload.headers["x-goog-content-length-range"] == "1,2097152"
    assert deps.requests.get_by_tracking_code(result.request.tracking_code).request_id == (
        request.request_id
    )


def test_the_same_idempotency_key_gives_the_same_request(deps):
    payload = form_payload(TODAY)
    first = services.submit_request(payload, deps)
    again = services.submit_request(dict(payload), deps)
    assert not again.created
    assert again.request.request_id == first.request.request_id
    assert again.request.tracking_code == first.request.tracking_code
    assert len(deps.requests.documents) == 1
    assert again.upload is not None  # a retry after a lost response can still upload


def test_a_reused_key_with_other_data_is_refused(deps):
    payload = form_payload(TODAY)
    services.submit_request(payload, deps)
    with pytest.raises(services.IdempotencyKeyReused):
        services.submit_request({**payload, "prisoner_name": "Orang Lain"}, deps)


def test_an_invalid_form_stores_nothing(deps):
    with pytest.raises(FormInvalid):
        submit(deps, email="x")
    assert deps.requests.documents == {}


def test_a_good_upload_is_cleaned_moved_and_queued_once(deps):
    request = submit(deps).request
    assert put_and_notify(deps, request, jpeg_bytes(with_gps=True)) == "received"
    stored = deps.requests.get(request.request_id)
    assert stored.status is Status.SDP_LOOKUP
    assert request.ktp.object_name not in deps.files.objects  # the URL's object is gone
    assert stored.ktp.verified_object_name in deps.files.objects
    assert [t.target for t in lookup_tasks(deps)] == ["sdp_lookup"]
    payload = lookup_tasks(deps)[0].payload
    assert payload == {"request_id": request.request_id, "outbox_id": lookup_tasks(deps)[0].name}

    # The same event again, and a second PUT through the same URL: nothing new happens,
    # and the unchecked second file is not kept.
    assert put_and_notify(deps, request, png_bytes(), "image/png") == "duplicate"
    assert len(lookup_tasks(deps)) == 1
    assert request.ktp.object_name not in deps.files.objects


def test_a_lost_enqueue_after_acceptance_is_healed_by_the_relay(deps):
    """The acceptance and the lookup it owes are one commit; the enqueue after it may fail."""
    request = submit(deps).request
    deps.tasks.fail_next = True
    assert put_and_notify(deps, request, jpeg_bytes()) == "received"
    assert deps.requests.get(request.request_id).status is Status.SDP_LOOKUP
    assert lookup_tasks(deps) == []
    owed = [e for e in deps.store.open_entries() if e.target == "sdp_lookup"]
    assert [e.entry_id for e in owed] == [services.lookup_task_name(request.request_id, 1)]
    # Eventarc redelivers the same event: nothing is owed twice, the raw object stays gone.
    outcome = services.handle_ktp_uploaded(
        UploadedObject("bucket", request.ktp.object_name, "1", 1, "image/jpeg"), deps
    )
    assert outcome == "duplicate"
    deps.clock.advance(minutes=2)
    assert services.sweep(deps).relayed >= 1
    assert [t.name for t in lookup_tasks(deps)] == [f"{owed[0].entry_id}-r1"]
    assert services.run_sdp_lookup(request.request_id, deps, outbox_id=owed[0].entry_id) == (
        "awaiting_operator"
    )
    assert deps.store.outbox_entry(owed[0].entry_id).state == "done"


@pytest.mark.parametrize(
    ("declared", "data", "reason"),
    [
        ("image/jpeg", b"not an image at all", "wrong_type"),
        ("image/jpeg", png_bytes(), "wrong_type"),
        ("application/pdf", b"%PDF-1.4 broken", "unreadable"),
    ],
)
def test_a_bad_file_is_rejected_with_a_reason_and_deleted(deps, declared, data, reason):
    ext = {"image/jpeg": "jpg", "application/pdf": "pdf"}[declared]
    request = submit(deps, ktp_content_type=declared).request
    assert request.ktp.object_name.endswith(ext)
    assert put_and_notify(deps, request, data, declared) == "rejected"
    stored = deps.requests.get(request.request_id)
    assert stored.status is Status.UPLOAD_REJECTED
    assert stored.ktp.rejection_code == reason
    assert deps.files.objects == {}
    assert lookup_tasks(deps) == []


def test_a_pdf_is_kept_as_an_image_of_its_page_never_as_uploaded(deps):
    request = submit(deps, ktp_content_type="application/pdf").request
    data = pdf_bytes()
    assert put_and_notify(deps, request, data, "application/pdf") == "received"
    stored = deps.requests.get(request.request_id)
    kept = deps.files.objects[stored.ktp.verified_object_name][0]
    assert kept.startswith(b"\xff\xd8") and b"%PDF" not in kept  # tests/unit/test_ktp_pdf.py


@pytest.mark.parametrize(
    "name",
    ["avatars/someone.jpg", "ktp/not-an-id/upload-1.jpg", f"ktp/{'b' * 32}/upload-1.jpg"],
)
def test_unknown_objects_are_ignored(deps, name):
    deps.files.put(name, jpeg_bytes())
    outcome = services.handle_ktp_uploaded(UploadedObject("bucket", name, "1", 1, None), deps)
    assert outcome.startswith("ignored")
    assert lookup_tasks(deps) == []


def test_our_own_verified_copy_does_not_trigger_anything(deps):
    request = submit(deps).request
    put_and_notify(deps, request, jpeg_bytes())
    verified = deps.requests.get(request.request_id).ktp.verified_object_name
    outcome = services.handle_ktp_uploaded(UploadedObject("bucket", verified, "2", 1, None), deps)
    assert outcome == "ignored_not_an_upload"


def test_the_lookup_stores_ranked_candidates_once(deps):
    request = submit(deps).request
    put_and_notify(deps, request, jpeg_bytes())
    assert services.run_sdp_lookup(request.request_id, deps) == "awaiting_operator"
    stored = deps.requests.get(request.request_id)
    assert stored.status is Status.AWAITING_OPERATOR
    assert [c.registration_number for c in stored.sdp.candidates] == ["REG-1", "REG-2"]
    assert deps.sdp.queries[0].upt == "Lapas Kelas IIA Serang"
    assert services.run_sdp_lookup(request.request_id, deps) == "duplicate"
    assert len(deps.sdp.queries) == 1


def test_sdp_down_is_retried_then_handed_to_an_operator(deps):
    request = submit(deps).request
    put_and_notify(deps, request, jpeg_bytes())
    deps.sdp.down = True
    for attempt in range(services.SDP_ATTEMPTS_BEFORE_MANUAL - 1):
        with pytest.raises(SdpUnavailable):
            services.run_sdp_lookup(request.request_id, deps, previous_attempts=attempt)
        assert deps.requests.get(request.request_id).status is Status.SDP_LOOKUP
    outcome = services.run_sdp_lookup(
        request.request_id, deps, previous_attempts=services.SDP_ATTEMPTS_BEFORE_MANUAL - 1
    )
    assert outcome == "awaiting_operator"
    stored = deps.requests.get(request.request_id)
    assert stored.sdp.error == "sdp_unavailable" and stored.sdp.candidates == []


def test_a_lookup_for_an_unknown_request_is_acknowledged(deps):
    assert services.run_sdp_lookup("c" * 32, deps) == "ignored_unknown_request"


def test_a_task_that_runs_before_it_is_marked_queued_still_does_its_work(deps):
    """A request accepted but never marked queued (before lookups were owed in the same
    commit) is still looked up; the lookup delivered twice does its work once."""
    request = submit(deps).request
    put_and_notify(deps, request, jpeg_bytes())

    def back_to_received(r):
        r.status = Status.RECEIVED
        r.history.pop()

    deps.requests.update(request.request_id, back_to_received)
    assert services.run_sdp_lookup(request.request_id, deps) == "awaiting_operator"
    stored = deps.requests.get(request.request_id)
    assert [e.status for e in stored.history][-2:] == [Status.SDP_LOOKUP, Status.AWAITING_OPERATOR]
    assert services.run_sdp_lookup(request.request_id, deps) == "duplicate"


def test_the_sweep_expires_abandoned_uploads_and_deletes_what_was_left(deps):
    waiting = submit(deps).request
    arrived = submit(deps).request
    rejected = submit(deps).request
    put_and_notify(deps, rejected, b"junk", "image/jpeg")
    fresh = None
    deps.clock.advance(hours=23)
    fresh = submit(deps).request
    deps.files.put(arrived.ktp.object_name, b"half")  # a PUT whose event never came
    deps.clock.advance(hours=2)

    report = services.sweep(deps)
    assert (report.expired, report.failed, report.uploads_reconciled) == (1, 0, 1)
    assert deps.requests.get(waiting.request_id).status is Status.EXPIRED
    # The file that did arrive was checked (and refused, with a message), never expired unread.
    assert deps.requests.get(arrived.request_id).status is Status.UPLOAD_REJECTED
    assert arrived.ktp.object_name not in deps.files.objects
    assert deps.requests.get(fresh.request_id).status is Status.AWAITING_UPLOAD
    # A rejected upload gets a week to try again.
    assert deps.requests.get(rejected.request_id).status is Status.UPLOAD_REJECTED
    deps.clock.advance(days=7)
    services.sweep(deps)
    assert deps.requests.get(rejected.request_id).status is Status.EXPIRED


def test_the_sweep_requeues_a_lost_lookup_then_gives_up_visibly(deps):
    request = submit(deps).request
    put_and_notify(deps, request, jpeg_bytes())
    deps.tasks.tasks.clear()  # the queue lost the task
    deps.clock.advance(seconds=30)
    assert services.sweep(deps).relayed == 0  # too early to worry

    deps.clock.advance(minutes=10)
    assert services.sweep(deps).relayed == 3  # the lookup and the receipt on both channels
    task = lookup_tasks(deps)[-1]
    assert task.payload["request_id"] == request.request_id
    assert task.name != services.lookup_task_name(request.request_id, 1)
    assert services.run_sdp_lookup(request.request_id, deps) == "awaiting_operator"

    stuck = submit(deps).request
    put_and_notify(deps, stuck, jpeg_bytes())
    deps.clock.advance(hours=3)
    report = services.sweep(deps)
    assert report.failed == 1
    failed = deps.requests.get(stuck.request_id)
    assert failed.status is Status.FAILED
    assert failed.history[-1].note == "pipeline_stuck"
    # Requests that reached the operator are left alone.
    assert deps.requests.get(request.request_id).status is Status.AWAITING_OPERATOR


def lookup_tasks(deps):
    """Lookup tasks only (uploads also queue messages: tests/unit/test_dispatch.py)."""
    return [t for t in deps.tasks.tasks if t.target == "sdp_lookup"]
