"""Requesters for the fault runs and the load run (`localdev.chaos`, `localdev.load`, the fault
tests): synthetic forms and KTP photos (never real people), HTTP clients that behave like the
site's page (a failed submit is sent again with the same idempotency key), and the counts made
afterwards: request states, messages per requester in the stand-ins' outbox, raw uploads left
in the bucket, 5xx answers in the gateway's access lines. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import io
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests

RAW_UPLOAD = re.compile(r"^ktp/(?P<request_id>[0-9a-f]{32})/upload-\d+\.(jpg|png|pdf)$")
ACCESS_LINE = re.compile(r"gateway-access function=(\S+) method=(\S+) status=(\d+) copy=(\d)")
# Answers a page retries (with the same idempotency key); anything else is final.
RETRYABLE = frozenset({429, 500, 502, 503, 504})


def today_wib() -> date:
    return (datetime.now(UTC) + timedelta(hours=7)).date()


@dataclass(frozen=True)
class Contacts:
    whatsapp: str  # as typed: 0812…
    email: str

    @property
    def whatsapp_to(self) -> str:
        """The number as the WhatsApp API takes it (and the stand-in records it)."""
        return "62" + self.whatsapp[1:]


def unique_contacts() -> Contacts:
    digits = f"{uuid.uuid4().int % 10**9:09d}"
    return Contacts(whatsapp=f"0812{digits}", email=f"pemohon.{digits}@example.id")


def form(today: date, contacts: Contacts, ktp_size: int, **overrides) -> dict:
    payload = {
        "requester_name": "Siti Nurhaliza",
        "relationship": "ayah_ibu",
        "address": "Jl. Raya Serang No. 12, Kota Serang, Banten",
        "whatsapp": contacts.whatsapp,
        "email": contacts.email,
        "prisoner_name": "Ahmad Fauzi bin Hasan",
        "prisoner_upt": "Lapas Kelas IIA Serang",
        "information_needed": ["riwayat_remisi", "tanggal_bebas"],
        "statement_accepted": True,
        "statement_date": today.isoformat(),
        "consent_accepted": True,
        "language": "id",
        "ktp_content_type": "image/jpeg",
        "ktp_size": ktp_size,
        "idempotency_key": uuid.uuid4().hex,
    }
    payload.update(overrides)
    return payload


def ktp_photo(width: int = 900, height: int = 570) -> bytes:
    """A JPEG with GPS in its EXIF, like a phone photo: what must never stay in the bucket."""
    from PIL import Image

    image = Image.new("RGB", (width, height), (40, 90, 160))
    for x in range(0, width, 30):
        for y in range(0, height, 30):
            image.putpixel((x, y), (250, 250, 250))
    exif = Image.Exif()
    exif[0x010F] = "ContohPhone"
    exif[0x8825] = {1: "S", 2: (6.0, 7.0, 12.5), 3: "E", 4: (106.0, 9.0, 3.2)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, exif=exif)
    return out.getvalue()


@dataclass
class Outcome:
    """One requester's run: what the client saw."""

    contacts: Contacts
    idempotency_key: str
    request_ids: set[str] = field(default_factory=set)
    uploaded: bool = False
    gave_up: str | None = None
    submit_ms: float | None = None
    uploaded_at: datetime | None = None


class Requester:
    """One phone: submits a form and PUTs its KTP, retrying as the page does."""

    def __init__(
        self,
        site_url: str,
        *,
        statuses: Counter,
        lock: threading.Lock,
        retry_for_seconds: float = 180.0,
        timeout: float = 30.0,
    ) -> None:
        self.site_url = site_url
        self.statuses = statuses  # shared: (what, status) → count; status 0 = no answer
        self.lock = lock
        self.retry_for_seconds = retry_for_seconds
        self.timeout = timeout
        self.http = requests.Session()

    def _count(self, what: str, status: int) -> None:
        with self.lock:
            self.statuses[(what, status)] += 1

    def run(self, payload: dict, photo: bytes, contacts: Contacts) -> Outcome:
        outcome = Outcome(contacts, payload["idempotency_key"])
        started = time.perf_counter()
        answer = self._send("submit", lambda: self._post_form(payload), outcome)
        if answer is None:
            return outcome
        outcome.submit_ms = (time.perf_counter() - started) * 1000
        body = answer.json()
        outcome.request_ids.add(body["request_id"])
        upload = body.get("upload")
        if not upload:
            return outcome
        put = self._send("upload", lambda: self._put(upload, photo), outcome)
        if put is not None:
            outcome.uploaded = True
            outcome.uploaded_at = datetime.now(UTC)
        return outcome

    def _post_form(self, payload: dict) -> requests.Response:
        return self.http.post(f"{self.site_url}/api/submit", json=payload, timeout=self.timeout)

    def _put(self, upload: dict, photo: bytes) -> requests.Response:
        return self.http.request(
            upload["method"],
            upload["url"],
            data=photo,
            headers=upload["headers"],
            timeout=self.timeout,
        )

    def _send(
        self, what: str, call: Callable[[], requests.Response], outcome: Outcome
    ) -> requests.Response | None:
        deadline = time.monotonic() + self.retry_for_seconds
        pause = 1.0
        while True:
            try:
                response = call()
                status = response.status_code
            except requests.RequestException:
                response, status = None, 0
                # A dropped keep-alive connection (a killed worker) is not reused.
                self.http.close()
                self.http = requests.Session()
            self._count(what, status)
            if response is not None and status < 300:
                return response
            if status and status not in RETRYABLE:
                outcome.gave_up = f"{what}: HTTP {status}"
                return None
            if time.monotonic() + pause > deadline:
                outcome.gave_up = f"{what}: {'HTTP ' + str(status) if status else 'no answer'}"
                return None
            wait = pause
            if response is not None and response.headers.get("Retry-After", "").isdigit():
                wait = max(pause, min(float(response.headers["Retry-After"]), 30.0))
            time.sleep(wait * (1 + random.random() * 0.25))  # noqa: S311 - jitter
            pause = min(pause * 2, 15.0)


# --- counting afterwards ------------------------------------------------------------------------


def outbox_messages(providers_url: str) -> list[dict]:
    answer = requests.get(f"{providers_url}/_control/messages", timeout=30)
    answer.raise_for_status()
    return answer.json()["messages"]


def messages_per_recipient(messages: Iterable[dict]) -> Counter:
    """(channel, recipient) → messages the stand-ins accepted."""
    return Counter((m["channel"], m["to"]) for m in messages)


def raw_uploads(storage_client, bucket: str, request_ids: Iterable[str] | None = None) -> list[str]:
    """Names of raw upload objects (`ktp/<id>/upload-<n>.<ext>`) still in the bucket."""
    wanted = set(request_ids) if request_ids is not None else None
    names = []
    for blob in storage_client.bucket(bucket).list_blobs(prefix="ktp/"):
        match = RAW_UPLOAD.match(blob.name)
        if match and (wanted is None or match["request_id"] in wanted):
            names.append(blob.name)
    return names


def request_documents(firestore_client, request_ids: Iterable[str]) -> dict[str, dict]:
    refs = [firestore_client.collection("requests").document(i) for i in request_ids]
    found = {}
    for start in range(0, len(refs), 300):
        for snapshot in firestore_client.get_all(refs[start : start + 300]):
            if snapshot.exists:
                found[snapshot.id] = snapshot.to_dict()
    return found


def requests_per_email(firestore_client) -> Counter:
    """Every request in the project, counted per requester email (one form = one request)."""
    counts = Counter()
    for snapshot in firestore_client.collection("requests").select(["requester"]).stream():
        counts[(snapshot.to_dict().get("requester") or {}).get("email")] += 1
    return counts


def gateway_answers(log_path: Path) -> Counter:
    """(function, status, copy) → answers, from the gateway's access lines (all restarts)."""
    counts = Counter()
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return counts
    for match in ACCESS_LINE.finditer(text):
        counts[(match[1], int(match[3]), match[4] == "1")] += 1
    return counts


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
