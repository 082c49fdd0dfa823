"""Test data: form payloads and KTP files made on the fly (no real person, no real KTP)."""

from __future__ import annotations

import io
import uuid
from datetime import date
from pathlib import Path


def form_payload(today: date, **overrides) -> dict:
    payload = {
        "requester_name": "Siti Nurhaliza",
        "relationship": "ayah_ibu",
        "address": "Jl. Raya Serang No. 12, Kota Serang, Banten",
        "whatsapp": "0812 3456 7890",
        "email": "siti.contoh@example.id",
        "prisoner_name": "Ahmad Fauzi bin Hasan",
        "prisoner_upt": "Lapas Kelas IIA Serang",
        "information_needed": ["riwayat_remisi", "tanggal_bebas"],
        "statement_accepted": True,
        "statement_date": today.isoformat(),
        "consent_accepted": True,
        "language": "id",
        "ktp_content_type": "image/jpeg",
        "ktp_size": 150_000,
        "idempotency_key": uuid.uuid4().hex,
    }
    payload.update(overrides)
    return payload


def jpeg_bytes(
    width: int = 800, height: int = 500, with_gps: bool = False, quality: int = 85
) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (width, height), (40, 90, 160))
    for x in range(0, width, 40):  # some structure so the encoder has work to do
        for y in range(0, height, 40):
            image.putpixel((x, y), (250, 250, 250))
    out = io.BytesIO()
    if with_gps:
        exif = Image.Exif()
        exif[0x010F] = "ContohPhone"  # Make
        gps = {1: "S", 2: (6.0, 7.0, 12.5), 3: "E", 4: (106.0, 9.0, 3.2)}
        exif[0x8825] = gps
        image.save(out, format="JPEG", quality=quality, exif=exif)
    else:
        image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def png_bytes(width: int = 600, height: int = 400) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("rahasia")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = jpeg_bytes()
    return data[: len(data) // 3]


def fake_service_account_key(directory: Path) -> Path:
    """A service-account key file that signs and loads but grants nothing anywhere."""
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = directory / "fake-service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "p",
                "private_key_id": "0",
                "private_key": pem,
                "client_email": "fn-submit@p.iam.gserviceaccount.com",
                "client_id": "0",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return path


# What a cloud start needs (shared/config.py refuses to start without the required ones); the
# values only have to be well formed: nothing is called.
CLOUD_ENV = {
    "FUNCTION_TARGET": "submit",
    "REMISI_MODE": "cloud",
    "GOOGLE_CLOUD_PROJECT": "p",
    "REMISI_REGION": "asia-southeast2",
    "KTP_BUCKET": "p-ktp",
    "SDP_LOOKUP_QUEUE": "sdp-lookup",
    "SDP_LOOKUP_URL": "https://asia-southeast2-p.cloudfunctions.net/sdp-lookup",
    "TASKS_SERVICE_ACCOUNT": "tasks-invoker@p.iam.gserviceaccount.com",
    "SWEEP_URL": "https://asia-southeast2-p.cloudfunctions.net/sweep",
    "RETENTION_URL": "https://asia-southeast2-p.cloudfunctions.net/retention",
    "SCHEDULER_SERVICE_ACCOUNT": "scheduler@p.iam.gserviceaccount.com",
    "SIGNING_SERVICE_ACCOUNT": "fn-submit@p.iam.gserviceaccount.com",
    "SDP_SOURCE": "gcs",
    "SDP_BUCKET": "p-sdp-snapshots",
    "DISPATCH_QUEUE": "dispatch",
    "DISPATCH_URL": "https://r-p.cloudfunctions.net/dispatch",
}
