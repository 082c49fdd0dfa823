"""Complaints (pengaduan) about the service: the form's rules, the complaint and its clock.

UU 25/2009 (Pelayanan Publik) obliges a unit to handle complaints; SP4N-LAPOR! (Perpres
76/2013) is the national channel, this is the service's own. A complaint may name a tracking
code (then it was verified with the contact, as the status page does) or none: anyone may
complain, also about a request that was never made. Pure Python, like the rest of the domain.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain import form
from shared.domain.form import FieldError, FormInvalid, clean_text, normalize_whatsapp
from shared.domain.sla import OfficeHours
from shared.domain.tracking import ALPHABET

# The national channel every page links (Perpres 76/2013).
LAPOR_URL = "https://www.lapor.go.id"

LIMITS = {
    "name": form.LIMITS["requester_name"],
    "email": form.LIMITS["email"],
    "text": (20, 2000),
    "answer": (20, 4000),
}
NUMBER_PREFIX = "ADU"
# Kept a year: the office reports complaints per month and answers for them in its yearly
# evaluation; then the personal data in them has served its purpose (UU 27/2022).
RETENTION = timedelta(days=365)


class Category(enum.StrEnum):
    SLOW = "lambat"
    WRONG_ANSWER = "jawaban_tidak_sesuai"
    CONDUCT = "perilaku_petugas"
    FEE = "pungutan_biaya"
    PERSONAL_DATA = "data_pribadi"
    WEBSITE = "kendala_situs"
    OTHER = "lainnya"


CATEGORY_LABELS: dict[Category, dict[str, str]] = {
    Category.SLOW: {"id": "Jawaban lambat / belum diterima", "en": "Slow or no answer"},
    Category.WRONG_ANSWER: {
        "id": "Jawaban tidak sesuai / tidak lengkap",
        "en": "Wrong or incomplete answer",
    },
    Category.CONDUCT: {"id": "Perilaku petugas", "en": "Conduct of an officer"},
    Category.FEE: {
        "id": "Diminta biaya / pungutan liar",
        "en": "Asked to pay / illegal levy",
    },
    Category.PERSONAL_DATA: {"id": "Data pribadi", "en": "Personal data"},
    Category.WEBSITE: {"id": "Kendala situs / formulir", "en": "Problem with the site or form"},
    Category.OTHER: {"id": "Lainnya", "en": "Other"},
}


class ComplaintStatus(enum.StrEnum):
    RECEIVED = "received"  # in the operators' queue, its clock running
    ANSWERED = "answered"  # the answer is owed to the complainant (outbox)


MESSAGES: dict[str, dict[str, str]] = {
    "contact_needed": {
        "id": "Isi nomor WhatsApp atau email (atau keduanya) agar kami dapat menjawab.",
        "en": "Give a WhatsApp number or an email (or both) so that we can answer.",
    },
    "no_match_complaint": {
        "id": "Kode pelacakan tidak cocok dengan nomor WhatsApp/email yang Anda isi. Periksa "
        "keduanya, atau kosongkan kode pelacakan.",
        "en": "The tracking code does not match the WhatsApp number/email you gave. Check both, "
        "or leave the tracking code empty.",
    },
}


def message(code: str, language: str = "id", **params: object) -> str:
    texts = MESSAGES.get(code) or form.MESSAGES[code]
    return texts.get(language, texts["id"]).format(**params)


@dataclass(frozen=True)
class ComplaintForm:
    name: str
    whatsapp: str | None
    email: str | None
    category: Category
    text: str
    tracking_code: str | None  # as typed; verified by the service layer
    language: str
    idempotency_key: str


@dataclass
class Complaint:
    complaint_id: str
    number: str
    name: str
    whatsapp: str | None
    email: str | None
    category: Category
    text: str
    language: str
    created_at: datetime
    fingerprint: str  # of what was sent with the idempotency key
    tracking_code: str | None = None  # verified with the contact
    request_id: str | None = None
    status: ComplaintStatus = ComplaintStatus.RECEIVED
    answer_text: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels the complainant gave: only those are written to."""
        return tuple(c for c, v in (("email", self.email), ("whatsapp", self.whatsapp)) if v)

    def answer(self, text: str, operator: str, now: datetime) -> bool:
        """False when already answered (a second click, a replayed form)."""
        if self.status is ComplaintStatus.ANSWERED:
            return False
        self.status = ComplaintStatus.ANSWERED
        self.answer_text = text
        self.answered_by = operator
        self.answered_at = now
        return True


# --- the form ----------------------------------------------------------------------------


def parse_complaint(payload: dict) -> ComplaintForm:
    """The request form's rules for the same fields (name, WhatsApp, email, idempotency key),
    the complaint's own for the rest; raises FormInvalid with one error per field."""
    errors: dict[str, FieldError] = {}
    language = payload.get("language") if payload.get("language") in ("id", "en") else "id"

    def bounded(field: str, raw: object, limits: tuple[int, int], multiline: bool) -> str | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors[field] = FieldError("required")
            return None
        if not isinstance(raw, str):
            errors[field] = FieldError("invalid_text")
            return None
        flat = raw.replace("\n", " ").replace("\r", " ").replace("\t", " ") if multiline else raw
        if form._has_control_characters(flat):
            errors[field] = FieldError("invalid_text")
            return None
        value = clean_multiline(raw) if multiline else clean_text(raw)
        low, high = limits
        if len(value) < low:
            errors[field] = FieldError("too_short", (("min", low),))
        elif len(value) > high:
            errors[field] = FieldError("too_long", (("max", high),))
        return value

    # The request form's honeypot (when the form has one): a filled one is a bot.
    filled = getattr(form, "honeypot_filled", None)
    if filled is not None and filled(payload):
        raise FormInvalid({form.HONEYPOT: FieldError("honeypot")})

    name = bounded("name", payload.get("name"), LIMITS["name"], False)
    if name is not None and "name" not in errors:
        problem = form.name_script_problem(payload["name"])
        if problem is not None:
            errors["name"] = FieldError(problem)
        elif not form._looks_like_a_name(name):
            errors["name"] = FieldError("invalid_name")

    whatsapp = None
    raw_phone = payload.get("whatsapp")
    if isinstance(raw_phone, str) and raw_phone.strip():
        whatsapp = normalize_whatsapp(raw_phone)
        if whatsapp is None:
            errors["whatsapp"] = FieldError("invalid_phone")
    elif raw_phone not in (None, ""):
        errors["whatsapp"] = FieldError("invalid_phone")

    email = None
    raw_email = payload.get("email")
    if isinstance(raw_email, str) and raw_email.strip():
        email = clean_text(raw_email)
        email = form.normalize_email(email) if len(email) <= LIMITS["email"][1] else None
        if email is None:
            errors["email"] = FieldError("invalid_email")
    elif raw_email not in (None, ""):
        errors["email"] = FieldError("invalid_email")
    if not raw_phone and not raw_email:
        errors["whatsapp"] = FieldError("contact_needed")

    try:
        category = Category(payload.get("category"))
    except ValueError:
        category = None
        errors["category"] = FieldError(
            "required" if not payload.get("category") else "invalid_choice"
        )

    text = bounded("text", payload.get("text"), LIMITS["text"], True)

    tracking_code = payload.get("tracking_code")
    if tracking_code in (None, ""):
        tracking_code = None
    elif not isinstance(tracking_code, str) or len(tracking_code) > 20:
        errors["tracking_code"] = FieldError("invalid_text")

    key = payload.get("idempotency_key")
    low, high = form.LIMITS["idempotency_key"]
    if (
        not isinstance(key, str)
        or not low <= len(key) <= high
        or not form._IDEMPOTENCY_KEY.match(key)
    ):
        errors["idempotency_key"] = FieldError("invalid_key")

    if errors:
        raise FormInvalid(errors)
    return ComplaintForm(name, whatsapp, email, category, text, tracking_code, language, key)


def clean_multiline(raw: str) -> str:
    """Spaces folded within each line, paragraphs kept (a complaint is read as written)."""
    lines = [clean_text(line) for line in raw.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def parse_answer(raw: object) -> str:
    """An operator's answer: bounded, paragraphs kept. Raises ValueError with the page's text."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("Jawaban wajib diisi.")
    flat = raw.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    if form._has_control_characters(flat):
        raise ValueError("Jawaban berisi karakter yang tidak diizinkan.")
    value = clean_multiline(raw)
    low, high = LIMITS["answer"]
    if not low <= len(value) <= high:
        raise ValueError(f"Jawaban {low}–{high} karakter.")
    return value


# --- identity -----------------------------------------------------------------------------


def complaint_id_for(idempotency_key: str) -> str:
    """The complaint's id follows from the client's key: the same form sent twice (a retry on
    a bad connection) meets the complaint it already made, in the same transaction."""
    return hashlib.sha256(f"complaint|{idempotency_key}".encode()).hexdigest()[:32]


def number_for(complaint_id: str) -> str:
    """The number people quote: ADU- and nine characters of the tracking alphabet (no
    look-alikes), from the id. In 21^9 values the chance two of an office's complaints share
    one is negligible; the id, not the number, is the key."""
    value = int(complaint_id, 16)
    chars = []
    for _ in range(9):
        value, index = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[index])
    raw = "".join(chars)
    return f"{NUMBER_PREFIX}-{raw[0:3]}-{raw[3:6]}-{raw[6:9]}"


def fingerprint(complaint_form: ComplaintForm) -> str:
    data = [
        complaint_form.name,
        complaint_form.whatsapp,
        complaint_form.email,
        complaint_form.category.value,
        complaint_form.text,
        complaint_form.tracking_code,
    ]
    return hashlib.sha256(repr(data).encode()).hexdigest()


# --- the clock -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintClock:
    elapsed: timedelta  # working time since the complaint arrived
    due: timedelta  # the target in working time

    @property
    def within(self) -> bool:
        return self.elapsed <= self.due

    @property
    def label(self) -> str:
        return "Sesuai target" if self.within else "Melewati target"

    @property
    def remaining_text(self) -> str:
        left = self.due - self.elapsed
        if left < timedelta(0):
            return "lewat " + _duration(-left)
        return "sisa " + _duration(left)


def _duration(value: timedelta) -> str:
    hours = int(value.total_seconds()) // 3600
    minutes = int(value.total_seconds()) % 3600 // 60
    return f"{hours} j {minutes:02d} m"


def working_day(hours: OfficeHours) -> timedelta:
    return datetime.combine(datetime.min, hours.closes) - datetime.combine(
        datetime.min, hours.opens
    )


def complaint_clock(
    complaint: Complaint, hours: OfficeHours, working_days: int, now: datetime
) -> ComplaintClock:
    """Working time from arrival to the answer (or now), against `working_days` full office
    days. The office's calendar (hours, holidays) is the SLA module's, as for requests."""
    end = complaint.answered_at or now
    return ComplaintClock(
        hours.working_time(complaint.created_at, end), working_days * working_day(hours)
    )
