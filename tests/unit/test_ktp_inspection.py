import io

from PIL import Image

from shared.ktp_inspection import inspect_ktp, rejection_message, sniff_content_type
from tests.samples import encrypted_pdf_bytes, jpeg_bytes, pdf_bytes, png_bytes, truncated_jpeg


def test_a_photo_is_accepted_and_its_gps_position_removed():
    original = jpeg_bytes(with_gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)
    result = inspect_ktp(original, "image/jpeg")
    assert result.accepted
    cleaned = Image.open(io.BytesIO(result.sanitized))
    assert cleaned.format == "JPEG"
    assert not cleaned.getexif()
    assert cleaned.size == (800, 500)


def test_png_and_pdf_are_accepted():
    assert inspect_ktp(png_bytes(), "image/png").accepted
    result = inspect_ktp(pdf_bytes(), "application/pdf")
    # A PDF is kept as an image of each page, never as the PDF (tests/unit/test_ktp_pdf.py).
    assert result.accepted and [p.content_type.value for p in result.pages] == ["image/jpeg"]


def test_the_bytes_decide_not_the_declared_type():
    assert inspect_ktp(png_bytes(), "image/jpeg").rejection_code == "wrong_type"
    assert inspect_ktp(b"MZ\x90\x00 this is an exe", "image/jpeg").rejection_code == "wrong_type"
    assert inspect_ktp(b"<html><script>", "application/pdf").rejection_code == "wrong_type"
    assert sniff_content_type(b"GIF89a") is None


def test_damaged_empty_large_and_locked_files_are_refused_with_a_reason():
    assert inspect_ktp(truncated_jpeg(), "image/jpeg").rejection_code == "unreadable"
    assert inspect_ktp(b"", "image/jpeg").rejection_code == "empty"
    assert (
        inspect_ktp(b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024), "image/jpeg").rejection_code
        == "too_large"
    )
    assert inspect_ktp(encrypted_pdf_bytes(), "application/pdf").rejection_code == "pdf_encrypted"
    assert inspect_ktp(pdf_bytes(pages=9), "application/pdf").rejection_code == "pdf_too_many_pages"
    assert inspect_ktp(b"%PDF-1.7\n garbage", "application/pdf").rejection_code == "unreadable"
    assert inspect_ktp(jpeg_bytes(width=120, height=80), "image/jpeg").rejection_code == "too_small"


def test_a_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")
    assert len(out.getvalue()) < 2 * 1024 * 1024
    assert inspect_ktp(out.getvalue(), "image/png").rejection_code == "too_many_pixels"


def test_every_reason_reads_in_both_languages():
    assert rejection_message("pdf_encrypted").startswith("PDF terkunci")
    assert rejection_message("pdf_encrypted", "en").startswith("The PDF is password")
