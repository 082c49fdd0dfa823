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
            # A repeated form whose file is already in: nothing left to send.
            outcome.uploaded = body.get("status") != "awaiting_upload"
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


def log_size(log_path: Path) -> int:
    try:
        return log_path.stat().st_size
    except OSError:
        return 0


def gateway_answers(log_path: Path, since: int = 0) -> Counter:
    """(function, status, copy) → answers, from the gateway's access lines (all restarts),
    written after byte `since` of its log."""
    counts = Counter()
    try:
        with open(log_path, "rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
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


# --- one run's verdict ---------------------------------------------------------------------

# Where a request with a good KTP belongs once the pipeline is through (no operator acts here).
SETTLED = "awaiting_operator"
# Its KTP arrived but the request does not show it: the file, or the request, is lost.
LOST_STATES = frozenset({"awaiting_upload", "expired", None})


@dataclass
class Verdict:
    submitted: int = 0  # requests the service accepted (distinct ids)
    completed: int = 0  # awaiting an operator, with the receipt on both channels
    lost: int = 0  # forms never accepted, KTPs never stored, or stored but not seen
    duplicated: int = 0  # a second request for one form
    stuck: int = 0  # accepted and uploaded, but in neither a settled nor a lost state
    messages_missing: int = 0  # (request, channel) receipts that never reached the stand-in
    messages_duplicated: int = 0  # receipts beyond one per (request, channel)
    raw_uploads_left: int = 0
    http_500: int = 0
    states: Counter = field(default_factory=Counter)
    gave_up: Counter = field(default_factory=Counter)
    answers_5xx: Counter = field(default_factory=Counter)
    # Why a receipt is missing: the state of its message record ("no record" when none).
    missing_because: Counter = field(default_factory=Counter)

    def line(self) -> str:
        keys = (
            "submitted",
            "completed",
            "lost",
            "duplicated",
            "stuck",
            "messages_missing",
            "messages_duplicated",
            "raw_uploads_left",
            "http_500",
        )
        return " ".join(f"{key}={getattr(self, key)}" for key in keys)


def assess(
    stack,
    outcomes: list[Outcome],
    statuses: Counter,
    firestore_client,
    storage_client,
    *,
    log_since: int = 0,
    whole_bucket: bool = True,
) -> Verdict:
    """Count what every requester of the run got, from the stack's own records. On a stack
    shared with other tests: `log_since` (the gateway log's size at the start) and
    `whole_bucket=False` count only this run's answers and objects."""
    verdict = Verdict()
    ids = {i for o in outcomes for i in o.request_ids}
    docs = request_documents(firestore_client, ids)
    receipt_states = {
        (d.get("request_id"), d.get("channel")): d.get("state")
        for d in (
            s.to_dict()
            for s in firestore_client.collection("messages")
            .select(["request_id", "channel", "kind", "state"])
            .stream()
        )
        if d.get("kind") == "receipt"
    }
    received = messages_per_recipient(outbox_messages(stack.providers_url))
    verdict.submitted = len(ids)
    for outcome in outcomes:
        verdict.duplicated += max(0, len(outcome.request_ids) - 1)
        if outcome.gave_up:
            verdict.gave_up[outcome.gave_up] += 1
        if not outcome.request_ids or not outcome.uploaded:
            verdict.lost += 1
            continue
        for request_id in outcome.request_ids:
            status = (docs.get(request_id) or {}).get("status")
            verdict.states[status] += 1
            if status in LOST_STATES:
                verdict.lost += 1
            elif status != SETTLED:
                verdict.stuck += 1
        owed = (
            ("email", outcome.contacts.email),
            ("whatsapp", outcome.contacts.whatsapp_to),
        )
        got = [received[key] for key in owed]
        verdict.messages_missing += sum(1 for n in got if n == 0)
        for (channel, _), n in zip(owed, got, strict=True):
            if n == 0:
                states = [receipt_states.get((i, channel)) for i in outcome.request_ids]
                verdict.missing_because[(channel, next(filter(None, states), "no record"))] += 1
        verdict.messages_duplicated += sum(max(0, n - 1) for n in got)
        settled = any((docs.get(i) or {}).get("status") == SETTLED for i in outcome.request_ids)
        if settled and all(n >= 1 for n in got):
            verdict.completed += 1
    # One form, one request: also across the whole project (the run's stack is its own).
    emails = {o.contacts.email for o in outcomes}
    per_email = requests_per_email(firestore_client)
    verdict.duplicated = max(
        verdict.duplicated, sum(n - 1 for email, n in per_email.items() if email in emails)
    )
    verdict.raw_uploads_left = len(
        raw_uploads(storage_client, stack.config.bucket, None if whole_bucket else ids)
    )
    answers = gateway_answers(stack.config.state_dir / "logs" / "gateway.log", log_since)
    for (function, status, copy), count in answers.items():
        if status >= 500:
            verdict.answers_5xx[(function, status, copy)] += count
    # Every 500: the functions' (clients, tasks, events, copies: the gateway's lines) and the
    # storage front's to the browser (not behind the gateway).
    verdict.http_500 = (
        sum(count for (_, status, _), count in verdict.answers_5xx.items() if status == 500)
        + statuses[("upload", 500)]
    )
    return verdict


def storage_client_for(stack):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    return storage.Client(
        project=stack.config.project,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": stack.storage_emulator_url},
    )


def open_outbox_entries(firestore_client) -> int:
    """Follow-ups still owed (the outbox entries nobody acknowledged yet)."""
    from google.cloud.firestore import FieldFilter

    query = firestore_client.collection("outbox").where(filter=FieldFilter("state", "==", "open"))
    return sum(1 for _ in query.stream())


def firestore_client_for(stack):
    import os

    from google.cloud import firestore

    os.environ["FIRESTORE_EMULATOR_HOST"] = stack.firestore_host
    return firestore.Client(project=stack.config.project)


def settle(
    stack,
    snapshot: Callable[[], object],
    max_seconds: float,
    log=print,
    owed: Callable[[], int] | None = None,
) -> int:
    """Play Cloud Scheduler until nothing changes: call the sweep (the relay), wait past
    OUTBOX_RELAY_AFTER_SECONDS, compare `snapshot()`; stop after three quiet rounds — and,
    with `owed`, only once no outbox entry is open (the relay waits longer each round, so a
    quiet spell can just be an entry between rounds) — or at `max_seconds`. Returns the number
    of sweeps."""
    deadline = time.monotonic() + max_seconds
    pause = stack.config.outbox_relay_after_seconds + 2
    last, quiet, sweeps = None, 0, 0
    while time.monotonic() < deadline and (quiet < 3 or (owed is not None and owed() > 0)):
        try:
            answer = stack.sweep(timeout=120)
            report = answer.text[:200] if answer.status_code != 200 else answer.json()
            log(f"sweep {sweeps + 1}: HTTP {answer.status_code} {report}")
        except requests.RequestException as error:
            log(f"sweep {sweeps + 1}: {type(error).__name__}")
        sweeps += 1
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        now = snapshot()
        quiet = quiet + 1 if now == last else 0
        last = now
    return sweeps
