"""The KTP file on the local stack (issue 11): a PDF carrying JavaScript, an open action and an
attachment goes through the real upload, check and storage, is kept only as page images, and
reaches the operator as sandboxed images; a pixel bomb is checked within bounds and stored at
the bounded size; a PNG's ICC profile of arbitrary bytes does not reach storage."""

from __future__ import annotations

import io
import time
import zlib

import pytest
from PIL import Image

from localdev import bench_ktp
from shared.ktp_inspection import KtpLimits
from tests.integration.operator_helpers import base, create_account, sign_in
from tests.integration.test_pipeline import submit, upload, wait_for_status

pytestmark = pytest.mark.integration


def uploaded(stack, data: bytes, content_type: str) -> str:
    answer = submit(stack, ktp_content_type=content_type, ktp_size=len(data))
    if answer.status_code == 503:  # "try again" (a cold gateway when this test runs alone)
        time.sleep(int(answer.headers.get("Retry-After", "1")))
        answer = submit(stack, ktp_content_type=content_type, ktp_size=len(data))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert upload(body, data).status_code == 200
    return body["request_id"]


def stored_objects(storage_client, stack, request_id: str) -> dict[str, bytes]:
    bucket = storage_client.bucket(stack.config.bucket)
    return {b.name: b.download_as_bytes() for b in bucket.list_blobs(prefix=f"ktp/{request_id}/")}


def test_what_is_stored_and_shown_of_hostile_files(local_stack, firestore_client, storage_client):
    """One test, the uploads first: the stack checks them while the operator account is made."""
    active_pdf = bench_ktp.pdf(
        [bench_ktp.page_text("KTP"), bench_ktp.page_text("HALAMAN 2")],
        extra={
            "OpenAction": "7 0 R",
            "Names": "<< /JavaScript << /Names [(x) 7 0 R] >> >>",
            "obj1": "<< /S /JavaScript /JS (app.alert('pwned')) >>",
        },
        comment=b"%<html><script>alert(document.cookie)</script></html>\n",
    )
    junk = b"not a colour profile " * 50
    junk_icc = bench_ktp.png(400, 300, chunks=[(b"iCCP", b"junk\x00\x00" + zlib.compress(junk))])
    pdf_id = uploaded(local_stack, active_pdf, "application/pdf")
    bomb_id = uploaded(local_stack, bench_ktp.pixel_bomb_jpeg(), "image/jpeg")
    png_id = uploaded(local_stack, junk_icc, "image/png")
    http = sign_in(local_stack, create_account(local_stack, "operator_remisi", "ktp"))

    # The PDF: only its page images are kept, and the operator gets them as sandboxed images.
    doc = wait_for_status(firestore_client, pdf_id, "awaiting_operator")
    objects = stored_objects(storage_client, local_stack, pdf_id)
    pages = doc["ktp"]["verified_pages"]
    assert sorted(objects) == sorted(pages) and len(pages) == 2  # the PDF itself is gone
    for kept in objects.values():
        assert kept[:2] == b"\xff\xd8" and b"%PDF" not in kept and b"script" not in kept
    page = http.get(f"{base(local_stack)}/requests/{pdf_id}", timeout=10)
    assert 'data-pages="2"' in page.text and "<iframe" not in page.text
    for number, params in ((1, None), (2, {"page": "2"})):
        image = http.get(f"{base(local_stack)}/requests/{pdf_id}/ktp", params=params, timeout=10)
        assert image.status_code == 200 and image.content == objects[pages[number - 1]]
        assert image.headers["Content-Type"] == "image/jpeg"
        assert image.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
        assert image.headers["X-Content-Type-Options"] == "nosniff"
        assert image.headers["Cache-Control"] == "no-store"

    # The pixel bomb: checked within bounds, stored at the bounded size.
    wait_for_status(firestore_client, bomb_id, "awaiting_operator")
    (kept,) = stored_objects(storage_client, local_stack, bomb_id).values()
    assert max(Image.open(io.BytesIO(kept)).size) <= KtpLimits.of().max_side

    # The PNG's "profile" of arbitrary bytes does not reach storage.
    wait_for_status(firestore_client, png_id, "awaiting_operator")
    (kept,) = stored_objects(storage_client, local_stack, png_id).values()
    assert junk[:20] not in kept and b"iCCP" not in kept
