"""PDFs are never shown as uploaded (issue 11: a PDF with /JavaScript, /OpenAction and an
embedded file was stored byte for byte and shown to operators in an unsandboxed frame; a PDF
that is also HTML too). Each page is rendered server-side; only the images are stored and
served, with a sandboxing policy, as images."""

import io

import pytest
from PIL import Image

from localdev import bench_ktp
from shared.ktp_inspection import KtpLimits, inspect_ktp
from shared.service_layer import services
from shared.service_layer.services import UploadedObject
from tests.samples import encrypted_pdf_bytes, form_payload
from tests.unit.test_operator_services import TODAY, Desk, make_operator
from tests.unit.test_operator_services import deps as operator_deps  # noqa: F401

ACTIVE = (b"%PDF", b"JavaScript", b"OpenAction", b"EmbeddedFile", b"<script", b"MZ")


def images(result) -> list[Image.Image]:
    return [Image.open(io.BytesIO(page.data)) for page in result.pages]


@pytest.mark.parametrize("make", [bench_ktp.active_pdf, bench_ktp.html_pdf], ids=["js", "html"])
def test_an_active_pdf_is_kept_as_page_images_only(make):
    data = make()
    assert all(marker in data for marker in (b"%PDF", b"script" if b"html" in data else b"JS"))
    result = inspect_ktp(data, "application/pdf")
    assert result.accepted
    assert [p.content_type.value for p in result.pages] == ["image/jpeg"]
    for page in result.pages:
        assert not any(marker in page.data for marker in ACTIVE)
    (image,) = images(result)
    assert image.format == "JPEG" and max(image.size) == KtpLimits.of().max_side
    # The page was drawn: its blue box, not a blank.
    assert image.getpixel((image.width // 2, image.height // 2))[2] > 100


def test_every_page_becomes_one_image_in_order_within_the_bounds():
    result = inspect_ktp(bench_ktp.two_page_pdf(), "application/pdf")
    assert result.accepted and len(result.pages) == 2
    assert result.size == sum(len(p.data) for p in result.pages)
    largest = inspect_ktp(bench_ktp.largest_page_pdf(), "application/pdf")
    assert max(images(largest)[0].size) <= KtpLimits.of().max_side


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (bench_ktp.many_page_pdf(40), "pdf_too_many_pages"),
        (bench_ktp.huge_page_pdf(), "pdf_page_too_large"),
        (bench_ktp.image_bomb_pdf(4_500, 4_500), "too_many_pixels"),  # 81 MB to decode
        # pdfium counts the 10 x 10 image only, then decodes its 144 MP mask (190 MB peak).
        (bench_ktp.soft_mask_bomb_pdf(), "too_many_pixels"),
        (encrypted_pdf_bytes(), "pdf_encrypted"),
        (b"%PDF-1.7\n garbage", "unreadable"),
    ],
    ids=["pages", "page-size", "image-bomb", "soft-mask-bomb", "encrypted", "garbage"],
)
def test_a_pdf_past_the_bounds_is_refused_before_rendering(data, code):
    assert inspect_ktp(data, "application/pdf").rejection_code == code


def test_the_verified_copy_of_a_pdf_is_its_page_images(operator_deps):  # noqa: F811
    deps = operator_deps
    request = services.submit_request(
        form_payload(TODAY, ktp_content_type="application/pdf"), deps
    ).request
    data = bench_ktp.two_page_pdf()
    generation = deps.files.put(request.ktp.object_name, data, "application/pdf")
    upload = UploadedObject("b", request.ktp.object_name, generation, len(data), "application/pdf")
    assert services.handle_ktp_uploaded(upload, deps) == "received"
    ktp = deps.requests.get(request.request_id).ktp
    first, second = ktp.verified_object_names
    assert first == ktp.verified_object_name == f"ktp/{request.request_id}/verified-1.jpg"
    assert second == f"ktp/{request.request_id}/verified-1-p2.jpg"
    stored = {name: deps.files.objects[name] for name in ktp.verified_object_names}
    assert all(obj[0].startswith(b"\xff\xd8") and b"%PDF" not in obj[0] for obj in stored.values())
    assert ktp.verified_size == sum(len(obj[0]) for obj in stored.values())
    assert request.ktp.object_name not in deps.files.objects  # the PDF itself is gone


def ktp_request(deps, make, content_type="application/pdf"):
    request = services.submit_request(form_payload(TODAY, ktp_content_type=content_type), deps)
    request = request.request
    data = make()
    generation = deps.files.put(request.ktp.object_name, data, content_type)
    upload = UploadedObject("b", request.ktp.object_name, generation, len(data), content_type)
    services.handle_ktp_uploaded(upload, deps)
    services.run_sdp_lookup(request.request_id, deps)
    return deps.requests.get(request.request_id)


def test_the_operator_sees_each_page_as_a_sandboxed_image(operator_deps):  # noqa: F811
    deps = operator_deps
    desk = Desk(deps).sign_in(make_operator(deps))
    request = ktp_request(deps, bench_ktp.two_page_pdf)
    page = desk.call("GET", f"/requests/{request.request_id}").get_data(as_text=True)
    assert 'data-pages="2"' in page and "<iframe" not in page and "<img" not in page

    for number, query in ((1, None), (2, {"page": "2"})):
        answer = desk.call("GET", f"/requests/{request.request_id}/ktp", query=query)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "image/jpeg"
        assert (
            answer.get_data()
            == deps.files.objects[request.ktp.verified_object_names[number - 1]][0]
        )
        assert answer.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["X-Frame-Options"] == "DENY"
    for query in ({"page": "3"}, {"page": "0"}, {"page": "x"}):
        assert (
            desk.call("GET", f"/requests/{request.request_id}/ktp", query=query).status_code == 404
        )
    pages = [e.details.get("page") for e in deps.audit.events if e.action == "ktp_viewed"]
    assert pages == [1, 2]


def test_an_older_stored_pdf_is_shown_rendered_never_as_the_pdf(operator_deps):  # noqa: F811
    """A document from before this change: one verified object, the PDF as uploaded."""
    deps = operator_deps
    desk = Desk(deps).sign_in(make_operator(deps))
    request = ktp_request(deps, bench_ktp.two_page_pdf)
    legacy = f"ktp/{request.request_id}/verified-1.pdf"
    deps.files.put(legacy, bench_ktp.active_pdf(), "application/pdf")

    def to_legacy(current):
        current.ktp.verified_object_name, current.ktp.verified_pages = legacy, ()

    deps.requests.update(request.request_id, to_legacy)
    page = desk.call("GET", f"/requests/{request.request_id}").get_data(as_text=True)
    assert 'data-pages="1"' in page and "halaman pertama saja" in page
    answer = desk.call("GET", f"/requests/{request.request_id}/ktp")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/jpeg"
    assert not any(marker in answer.get_data() for marker in ACTIVE)


def nested_forms_pdf(depth: int, image: bytes | None = None) -> bytes:
    """A page drawing a form that draws a form … `depth` deep; the last draws `image`."""
    first = 5  # after the catalog, the pages, the page and its content
    forms = {}
    for level in range(depth):
        number = first + level
        last = level == depth - 1
        inner = f"/Im1 {first + depth} 0 R" if last and image else f"/X1 {number + 1} 0 R"
        content = b"q 10 0 0 10 0 0 cm /Im1 Do Q" if last and image else b"/X1 Do"
        if last and not image:
            inner, content = "", b"0 0 10 10 re f"
        forms[f"obj{level}"] = bench_ktp._stream(
            content,
            "/Type /XObject /Subtype /Form /BBox [0 0 100 100] "
            f"/Resources << /XObject << {inner} >> >> ",
        )
    if image:
        forms["objimage"] = image
    body = bench_ktp.pdf([b"/X1 Do"], extra=forms)
    return body.replace(
        b"/Resources << /Font", f"/Resources << /XObject << /X1 {first} 0 R >> /Font".encode(), 1
    )


def test_images_inside_forms_are_counted_and_nesting_is_bounded():
    bomb = bench_ktp._stream(
        bench_ktp._zlib_repeated(bytes(4_500 * 3), 4_500),
        "/Type /XObject /Subtype /Image /Width 4500 /Height 4500 /ColorSpace /DeviceRGB "
        "/BitsPerComponent 8 /Filter /FlateDecode ",
    )
    assert inspect_ktp(nested_forms_pdf(3), "application/pdf").accepted
    assert inspect_ktp(nested_forms_pdf(3, bomb), "application/pdf").rejection_code == (
        "too_many_pixels"
    )
    assert inspect_ktp(nested_forms_pdf(20), "application/pdf").rejection_code == "unreadable"


def test_a_scanned_pdf_with_its_photo_is_accepted():
    """What a phone's scanner app writes: one photo per page (here by Pillow, a JPEG image)."""
    scans = [Image.new("RGB", (1700, 2200), (200, 180, 160)) for _ in range(2)]
    out = io.BytesIO()
    scans[0].save(out, format="PDF", save_all=True, append_images=scans[1:], resolution=200)
    result = inspect_ktp(out.getvalue(), "application/pdf")
    assert result.accepted and len(result.pages) == 2
    assert images(result)[0].getpixel((100, 100))[0] > 150
