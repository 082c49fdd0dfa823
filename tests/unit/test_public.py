"""The status page's use cases: one answer for every wrong pair, rate limits, new uploads."""

from datetime import date

import pytest

from shared.domain.model import Status
from shared.domain.tracking import new_tracking_code
from shared.service_layer import public, services
from shared.service_layer.services import UploadedObject
from tests.fakes import InMemoryRateLimiter, fake_dependencies
from tests.samples import form_payload, jpeg_bytes, pdf_bytes

TODAY = date(2026, 11, 28)


@pytest.fixture
def deps():
    return fake_dependencies()


@pytest.fixture
def limiter():
    return InMemoryRateLimiter()


def submitted(deps, **overrides):
    return services.submit_request(form_payload(TODAY, **overrides), deps).request


def upload(deps, request, data):
    name = request.ktp.object_name
    generation = deps.files.put(name, data, request.ktp.content_type.value)
    return services.handle_ktp_uploaded(
        UploadedObject("bucket", name, generation, len(data), request.ktp.content_type.value), deps
    )


def test_status_with_the_phone_in_any_written_form_or_the_email(deps, limiter):
    request = submitted(deps)
    code = request.tracking_code.replace("-", "").lower()
    for contact in (
        "0812 3456 7890",
        "+62 812-3456-7890",
        "6281234567890",
        "SITI.contoh@example.id",
    ):
        view = public.view_status(code, contact, "10.0.0.1", deps, limiter)
        assert view.tracking_code == request.tracking_code
        assert view.status == "awaiting_upload"
        assert view.title == "Formulir diterima, menunggu foto KTP"
        assert view.can_upload


def test_every_wrong_pair_gets_the_same_answer(deps, limiter):
    mine = submitted(deps)
    other = submitted(deps, whatsapp="0813 1111 2222", email="lain@example.id")
    unknown = new_tracking_code()
    for code, contact in (
        (mine.tracking_code, "0813 1111 2222"),  # someone else's phone
        (other.tracking_code, "siti.contoh@example.id"),  # someone else's email
        (unknown, "0812 3456 7890"),  # a valid code nobody has
    ):
        with pytest.raises(public.NoMatch):
            public.view_status(code, contact, "10.0.0.2", deps, limiter)


def test_malformed_input_names_the_fields_without_looking_anything_up(deps, limiter):
    with pytest.raises(public.InvalidQuery) as raised:
        public.view_status("ABC-DEF", "hello", "10.0.0.3", deps, limiter)
    assert raised.value.errors == {"tracking_code": "invalid_code", "contact": "invalid_contact"}
    assert public.message("invalid_code").startswith("Kode pelacakan tidak valid")


def test_rate_limit_per_client_and_window(deps, limiter):
    # Successful lookups are free (issue 11: they used to eat the budget); wrong pairs count.
    request = submitted(deps)
    for _ in range(3 * public.LOOKUPS_PER_WINDOW):
        public.view_status(request.tracking_code, "08123456789" + "0", "10.0.0.4", deps, limiter)
    for _ in range(public.LOOKUPS_PER_WINDOW):
        with pytest.raises(public.NoMatch):
            public.view_status(request.tracking_code, "0899 0000 0000", "10.0.0.4", deps, limiter)
    with pytest.raises(public.RateLimited):
        public.view_status(request.tracking_code, "081234567890", "10.0.0.4", deps, limiter)
    # Another client is not affected; the same client is again in the next window.
    public.view_status(request.tracking_code, "081234567890", "10.0.0.5", deps, limiter)
    deps.clock.advance(minutes=11)
    public.view_status(request.tracking_code, "081234567890", "10.0.0.4", deps, limiter)


def test_timeline_in_plain_words_in_both_languages(deps, limiter):
    request = submitted(deps)
    upload(deps, request, jpeg_bytes())
    view = public.view_status(request.tracking_code, "081234567890", "c", deps, limiter, "en")
    assert view.status == "sdp_lookup"
    assert [e.status for e in view.timeline] == ["awaiting_upload", "received", "sdp_lookup"]
    assert view.timeline[1].text == "KTP photo received"
    assert not view.can_upload
    indonesian = public.view_status(request.tracking_code, "081234567890", "c", deps, limiter)
    assert indonesian.timeline[1].text == "Foto KTP diterima"


def test_a_rejected_upload_gets_a_new_attempt_and_its_reason(deps, limiter):
    request = submitted(deps)
    assert upload(deps, request, b"MZ not a photo" * 20) == "rejected"
    view = public.view_status(request.tracking_code, "081234567890", "c", deps, limiter)
    assert view.status == "upload_rejected" and view.can_upload
    assert view.rejection.startswith("Berkas bukan JPG, PNG, atau PDF")

    again = public.new_upload(
        request.tracking_code, "081234567890", "application/pdf", 1000, "c", deps, limiter
    )
    stored = deps.requests.get(request.request_id)
    assert stored.status is Status.AWAITING_UPLOAD
    assert stored.ktp.attempt == 2
    assert stored.ktp.object_name == f"ktp/{request.request_id}/upload-2.pdf"
    assert again.upload.headers["Content-Type"] == "application/pdf"
    assert deps.files.signed[-1][0] == stored.ktp.object_name
    # The new attempt is processed as any upload, and the old object name is now stale.
    assert upload(deps, stored, pdf_bytes()) == "received"


def test_the_timeline_says_each_step_once_however_many_attempts(deps, limiter):
    request = submitted(deps)
    assert upload(deps, request, b"MZ not a photo" * 20) == "rejected"
    public.new_upload(request.tracking_code, "081234567890", "image/jpeg", 900, "c", deps, limiter)
    waiting = public.view_status(request.tracking_code, "081234567890", "c", deps, limiter)
    assert waiting.status == "awaiting_upload"
    assert waiting.title == "Menunggu foto KTP yang baru"
    assert [e.text for e in waiting.timeline] == [
        "Formulir diterima, menunggu foto KTP",
        "Foto KTP tidak dapat diterima",
        "Menunggu foto KTP yang baru",
    ]
    stored = deps.requests.get(request.request_id)
    assert upload(deps, stored, jpeg_bytes()) == "received"
    view = public.view_status(request.tracking_code, "081234567890", "c", deps, limiter, "en")
    texts = [e.text for e in view.timeline]
    assert texts[:4] == [
        "Form received, waiting for the KTP photo",
        "The KTP photo was not accepted",
        "Waiting for the new KTP photo",
        "KTP photo received",
    ]
    assert len(set(texts)) == len(texts)


def test_a_fresh_url_for_the_same_object_while_awaiting_the_first_file(deps, limiter):
    request = submitted(deps)
    again = public.new_upload(
        request.tracking_code, "081234567890", "image/jpeg", 5000, "c", deps, limiter
    )
    stored = deps.requests.get(request.request_id)
    assert stored.ktp.attempt == 1 and stored.ktp.object_name == request.ktp.object_name
    assert request.ktp.object_name in again.upload.url
    with pytest.raises(public.NotUploadable) as raised:
        public.new_upload(
            request.tracking_code, "081234567890", "application/pdf", 5000, "c", deps, limiter
        )
    assert raised.value.code == "type_mismatch"
    assert public.message(raised.value.code, **raised.value.params).startswith(
        "Permohonan ini menunggu berkas JPG"
    )


def test_no_new_upload_once_the_file_is_accepted_or_with_a_bad_file(deps, limiter):
    request = submitted(deps)
    upload(deps, request, jpeg_bytes())
    with pytest.raises(public.NotUploadable):
        public.new_upload(
            request.tracking_code, "081234567890", "image/jpeg", 5000, "c", deps, limiter
        )
    with pytest.raises(public.InvalidQuery) as raised:
        public.new_upload(
            request.tracking_code, "081234567890", "image/gif", 3_000_000, "c", deps, limiter
        )
    assert raised.value.errors == {"ktp_content_type": "ktp_type", "ktp_size": "ktp_too_large"}
    with pytest.raises(public.NoMatch):
        public.new_upload(
            request.tracking_code, "0899 0000 0000", "image/jpeg", 5, "c", deps, limiter
        )


def test_client_key_hides_the_address_and_changes_with_the_window(deps):
    now = deps.clock.now()
    key = public.client_key("status", "203.0.113.9", now)
    assert "203.0.113.9" not in key and len(key) == 64
    assert key == public.client_key("status", "203.0.113.9", now)
    assert key != public.client_key("upload", "203.0.113.9", now)
    assert key != public.client_key("status", "203.0.113.9", now + public.WINDOW)
