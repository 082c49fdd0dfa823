"""Server-side check of an uploaded KTP: what the bytes really are, not what the browser said.

Images are decoded fully and re-encoded without metadata, so EXIF (GPS position, phone model,
time) never stays in storage. PDFs are parsed and must open without a password.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from shared.domain.model import KTP_MAX_BYTES, KtpContentType

# A KTP photo needs no more than a phone camera's resolution; bigger is a decompression bomb.
MAX_PIXELS = 50_000_000
MIN_SIDE = 200
MAX_PDF_PAGES = 5

REJECTION_MESSAGES = {
    "empty": {"id": "Berkas KTP kosong.", "en": "The KTP file is empty."},
    "too_large": {"id": "Berkas KTP lebih dari 2 MB.", "en": "The KTP file is larger than 2 MB."},
    "wrong_type": {
        "id": "Berkas bukan JPG, PNG, atau PDF, atau isinya tidak sesuai dengan jenis berkasnya.",
        "en": "The file is not a JPG, PNG or PDF, or its content does not match its type.",
    },
    "unreadable": {
        "id": "Berkas rusak dan tidak dapat dibuka. Silakan foto ulang KTP Anda.",
        "en": "The file is damaged and cannot be opened. Please photograph your KTP again.",
    },
    "too_small": {
        "id": "Gambar terlalu kecil untuk dibaca. Foto KTP dengan lebih dekat dan jelas.",
        "en": "The image is too small to read. Photograph your KTP closer and sharper.",
    },
    "too_many_pixels": {
        "id": "Resolusi gambar terlalu besar. Kirim foto dengan ukuran lebih kecil.",
        "en": "The image resolution is too large. Send a smaller photo.",
    },
    "pdf_encrypted": {
        "id": "PDF terkunci kata sandi. Kirim PDF tanpa kata sandi atau foto KTP.",
        "en": "The PDF is password-protected. Send it without a password, or a photo.",
    },
    "pdf_too_many_pages": {
        "id": "PDF terlalu banyak halaman. Kirim halaman KTP saja.",
        "en": "The PDF has too many pages. Send only the KTP page.",
    },
    "missing": {
        "id": "Berkas KTP tidak ditemukan. Silakan unggah ulang.",
        "en": "The KTP file was not found. Please upload it again.",
    },
    # The malware scanner's verdict (shared.service_layer.services._malware_found).
    "malware": {
        "id": "Berkas KTP terdeteksi mengandung program berbahaya (malware) dan sudah dihapus. "
        "Silakan foto ulang KTP Anda dengan kamera ponsel, lalu unggah foto tersebut.",
        "en": "The KTP file was found to contain malicious software and has been deleted. "
        "Please photograph your KTP again with your phone camera and upload that photo.",
    },
}


@dataclass(frozen=True)
class Inspection:
    accepted: bool
    rejection_code: str | None = None
    content_type: KtpContentType | None = None
    # Bytes to store instead of the upload (metadata removed); None keeps the upload as it is.
    sanitized: bytes | None = None


def sniff_content_type(data: bytes) -> KtpContentType | None:
    if data.startswith(b"\xff\xd8\xff"):
        return KtpContentType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return KtpContentType.PNG
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return KtpContentType.PDF
    return None


def inspect_ktp(data: bytes, declared_content_type: str) -> Inspection:
    if not data:
        return Inspection(False, "empty")
    if len(data) > KTP_MAX_BYTES:
        return Inspection(False, "too_large")
    actual = sniff_content_type(data)
    if actual is None or actual.value != declared_content_type:
        return Inspection(False, "wrong_type")
    if actual is KtpContentType.PDF:
        return _inspect_pdf(data)
    return _inspect_image(data, actual)


def _inspect_image(data: bytes, content_type: KtpContentType) -> Inspection:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                expected_format = "JPEG" if content_type is KtpContentType.JPEG else "PNG"
                if image.format != expected_format:
                    return Inspection(False, "wrong_type")
                image.load()
                # Keep the picture the right way up once the EXIF orientation is gone.
                upright = ImageOps.exif_transpose(image)
                if min(upright.size) < MIN_SIDE:
                    return Inspection(False, "too_small")
                sanitized = _encode_without_metadata(upright, content_type)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Inspection(False, "too_many_pixels")
    except (OSError, SyntaxError, ValueError):
        return Inspection(False, "unreadable")
    if len(sanitized) > KTP_MAX_BYTES:
        return Inspection(False, "too_large")
    return Inspection(True, content_type=content_type, sanitized=sanitized)


def _encode_without_metadata(image, content_type: KtpContentType) -> bytes:
    out = io.BytesIO()
    if content_type is KtpContentType.JPEG:
        image.convert("RGB").save(out, format="JPEG", quality=88, optimize=True)
    else:
        mode = image.mode if image.mode in ("RGB", "RGBA", "L", "LA", "P") else "RGBA"
        image.convert(mode).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _inspect_pdf(data: bytes) -> Inspection:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return Inspection(False, "pdf_encrypted")
        page_count = len(reader.pages)
        if page_count == 0:
            return Inspection(False, "unreadable")
        if page_count > MAX_PDF_PAGES:
            return Inspection(False, "pdf_too_many_pages")
        reader.pages[0].mediabox  # noqa: B018 - parses the first page object
    except (PdfReadError, OSError, ValueError, KeyError, TypeError):
        return Inspection(False, "unreadable")
    return Inspection(True, content_type=KtpContentType.PDF)


def rejection_message(code: str, language: str = "id") -> str:
    texts = REJECTION_MESSAGES.get(code, REJECTION_MESSAGES["unreadable"])
    return texts.get(language, texts["id"])
