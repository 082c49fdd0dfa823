"""The public form: field rules, normalisation and the messages a requester reads.

One source of truth: the server applies these rules, and `form_rules()` publishes them (limits,
choices, messages in both languages) so the page can check the same things before sending.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

# Pure libraries (no I/O), imported here so that a function instance loads them at its start,
# not within the first submit's deadline.
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from shared.domain.model import (
    KTP_MAX_BYTES,
    InformationKind,
    KtpContentType,
    Prisoner,
    Relationship,
    Requester,
    Statement,
)

# Banten is on WIB all year (no daylight saving), so a fixed offset is exact.
WIB = timezone(timedelta(hours=7), "WIB")

LIMITS = {
    "requester_name": (2, 100),
    "relationship_other": (2, 60),
    "address": (10, 300),
    "email": (1, 254),
    "prisoner_name": (2, 100),
    "prisoner_upt": (2, 120),
    "prisoner_registration_number": (3, 40),
    "information_other": (5, 500),
    "idempotency_key": (16, 100),
}

MESSAGES: dict[str, dict[str, str]] = {
    "required": {"id": "Wajib diisi.", "en": "This field is required."},
    "too_short": {
        "id": "Terlalu pendek (minimal {min} karakter).",
        "en": "Too short (at least {min} characters).",
    },
    "too_long": {
        "id": "Terlalu panjang (maksimal {max} karakter).",
        "en": "Too long (at most {max} characters).",
    },
    "invalid_name": {
        "id": "Gunakan huruf, spasi, titik, koma, tanda petik atau tanda hubung saja.",
        "en": "Use letters, spaces, full stops, commas, apostrophes or hyphens only.",
    },
    "invalid_text": {
        "id": "Teks berisi karakter yang tidak diizinkan.",
        "en": "The text contains characters that are not allowed.",
    },
    "invalid_choice": {
        "id": "Pilih salah satu pilihan yang tersedia.",
        "en": "Choose one of the options.",
    },
    "choose_at_least_one": {
        "id": "Pilih minimal satu informasi yang dibutuhkan.",
        "en": "Choose at least one kind of information.",
    },
    "name_mixed_script": {
        "id": "Nama mencampur huruf Latin dengan huruf abjad lain yang mirip (misalnya Kiril atau "
        "Yunani). Tulis nama dengan huruf Latin biasa seperti di KTP.",
        "en": "The name mixes Latin letters with look-alike letters of another alphabet (such as "
        "Cyrillic or Greek). Write the name in plain Latin letters as on the KTP.",
    },
    "name_not_latin": {
        "id": "Tulis nama dengan huruf Latin seperti di KTP.",
        "en": "Write the name in Latin letters as on the KTP.",
    },
    "name_special_forms": {
        "id": "Nama memuat huruf lebar atau bentuk huruf khusus. Tulis dengan huruf biasa "
        "seperti di KTP.",
        "en": "The name contains full-width or special letter forms. Write it in ordinary "
        "letters as on the KTP.",
    },
    "invalid_phone": {
        "id": "Nomor WhatsApp tidak valid. Contoh: 0812 3456 7890 atau +62 812 3456 7890.",
        "en": "Invalid WhatsApp number. Example: 0812 3456 7890 or +62 812 3456 7890.",
    },
    "invalid_email": {
        "id": "Alamat email tidak valid. Contoh: nama@contoh.id.",
        "en": "Invalid email address. Example: name@example.id.",
    },
    "invalid_date": {
        "id": "Tanggal tidak valid (format TTTT-BB-HH).",
        "en": "Invalid date (format YYYY-MM-DD).",
    },
    "date_in_future": {
        "id": "Tanggal tidak boleh di masa depan.",
        "en": "The date cannot be in the future.",
    },
    "statement_date_not_today": {
        "id": "Tanggal pernyataan harus tanggal hari ini.",
        "en": "The statement must be dated today.",
    },
    "must_accept": {
        "id": "Anda harus menyetujui pernyataan ini untuk melanjutkan.",
        "en": "You must agree to this statement to continue.",
    },
    "ktp_type": {
        "id": "Foto KTP harus berformat JPG, PNG, atau PDF.",
        "en": "The KTP file must be a JPG, PNG or PDF.",
    },
    "ktp_too_large": {
        "id": "Berkas KTP maksimal 2 MB.",
        "en": "The KTP file may be at most 2 MB.",
    },
    "ktp_empty": {"id": "Berkas KTP kosong.", "en": "The KTP file is empty."},
    "captcha": {
        "id": "Verifikasi keamanan belum selesai atau sudah kedaluwarsa. Selesaikan verifikasi "
        "di atas tombol Kirim, lalu kirim lagi.",
        "en": "The security check is not finished or has expired. Complete the check above the "
        "Send button, then send again.",
    },
    "honeypot": {
        "id": "Formulir tidak dapat dikirim. Muat ulang halaman lalu isi kembali.",
        "en": "The form cannot be sent. Reload the page and fill it in again.",
    },
    "invalid_key": {
        "id": "Formulir tidak lengkap. Muat ulang halaman lalu coba lagi.",
        "en": "The form is incomplete. Reload the page and try again.",
    },
}

_NAME_PUNCTUATION = set(" .,'-")
# The honeypot: a field the page hides from people (and from screen readers and the tab
# order) but a form-filling bot fills. A filled one is refused before anything is checked.
HONEYPOT = "website"
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def message(code: str, language: str = "id", **params: object) -> str:
    texts = MESSAGES[code]
    return texts.get(language, texts["id"]).format(**params)


@dataclass(frozen=True)
class FieldError:
    code: str
    params: tuple[tuple[str, object], ...] = ()

    def text(self, language: str = "id") -> str:
        return message(self.code, language, **dict(self.params))


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, FieldError]):
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


@dataclass(frozen=True)
class SubmissionForm:
    requester: Requester
    prisoner: Prisoner
    information_needed: tuple[InformationKind, ...]
    information_other: str | None
    statement: Statement
    language: str
    ktp_content_type: KtpContentType
    ktp_size: int
    idempotency_key: str


# --- normalisers (shared with the page through form_rules) -------------------------------------


# The longest phone number as people type it (spaces, dashes, +62 and a stray 0 included).
_PHONE_MAX_TYPED = 30
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ().-]+$", re.ASCII)


def ascii_digits(raw: str) -> str:
    """Every decimal digit of any script written as its ASCII digit: a phone set to Arabic
    (an Indonesian working in the Gulf) types ٠٨١٢…, and NFKC maps only the full-width forms.
    Mapped, not refused: each such digit has exactly one value (Unicode's decimal property),
    and what is kept is the ASCII E.164 number, never the typed characters."""
    return "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in raw
    )


def normalize_whatsapp(raw: str) -> str | None:
    """Indonesian mobile numbers as people type them (0812…, +62 812…, 62812…, 812…) → E.164,
    checked with libphonenumber's Indonesian plan (a landline has no WhatsApp)."""
    if not isinstance(raw, str) or len(raw) > _PHONE_MAX_TYPED:
        return None
    typed = ascii_digits(unicodedata.normalize("NFKC", raw)).strip()
    # Only digits and the separators people type: libphonenumber would read letters as a
    # keypad's (0812abc… as 0812222…).
    if not _PHONE_CHARACTERS.match(typed):
        return None
    digits = re.sub(r"[ ().-]", "", typed)
    if digits.startswith("62"):
        digits = "+" + digits  # 62812…: the country code typed without its plus
    try:
        number = phonenumbers.parse(digits, "ID")
    except phonenumbers.NumberParseException:
        return None
    if (
        number.country_code != 62
        or not phonenumbers.is_valid_number_for_region(number, "ID")
        or phonenumbers.number_type(number)
        not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
    ):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # Mobile numbers are 8xx followed by 7 to 10 more digits, as the page checks too.
    return e164 if re.fullmatch(r"\+628[1-9]\d{7,10}", e164, re.ASCII) else None


def normalize_email(raw: str) -> str | None:
    """Syntax only (no DNS: a submit must not wait on, or fail with, a resolver). The domain
    is lower-cased (and IDNA-checked), the local part kept as typed."""
    email = raw.replace(" ", "")
    if not _EMAIL.match(email) or ".." in email:
        return None
    try:
        checked = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return None
    return f"{checked.local_part}@{checked.domain.lower()}"


def clean_text(raw: str) -> str:
    # NFKC: full-width letters and digits, ligatures and the like become their plain forms,
    # so what is stored, searched and compared with SDP is one spelling.
    text = unicodedata.normalize("NFKC", raw)
    return " ".join(text.split())


def name_script_problem(raw: str) -> str | None:
    """Why a name is refused for its letters, or None. KTP and SDP names are Latin: full-width
    or other compatibility forms, and Cyrillic/Greek look-alikes mixed in (a "Sіti" with a
    Cyrillic і), are refused rather than quietly stored."""
    nfc = unicodedata.normalize("NFC", raw)
    if unicodedata.normalize("NFKC", nfc) != nfc:
        return "name_special_forms"
    scripts = {_script(ch) for ch in nfc if ch.isalpha()}
    if scripts and scripts != {"LATIN"}:
        return "name_mixed_script" if "LATIN" in scripts else "name_not_latin"
    return None


def _script(ch: str) -> str:
    # The first word of a letter's Unicode name is its script (LATIN, CYRILLIC, GREEK, …).
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("C") for ch in text)


# --- the parser ----------------------------------------------------------------------------


def parse_submission(payload: dict, today: date) -> SubmissionForm:
    """Validate and normalise a submission; raises FormInvalid with one error per field."""
    errors: dict[str, FieldError] = {}
    language = payload.get("language") if payload.get("language") in ("id", "en") else "id"
    if honeypot_filled(payload):
        raise FormInvalid({HONEYPOT: FieldError("honeypot")})

    def text(field: str, *, required: bool = True, multiline: bool = False) -> str | None:
        raw = payload.get(field)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                errors[field] = FieldError("required")
            return None
        if not isinstance(raw, str):
            errors[field] = FieldError("invalid_text")
            return None
        if _has_control_characters(raw.replace("\n", " ").replace("\r", " ") if multiline else raw):
            errors[field] = FieldError("invalid_text")
            return None
        value = clean_text(raw)
        low, high = LIMITS[field]
        if len(value) < low:
            errors[field] = FieldError("too_short", (("min", low),))
        elif len(value) > high:
            errors[field] = FieldError("too_long", (("max", high),))
        return value

    def person_name(field: str) -> str | None:
        raw = payload.get(field)
        value = text(field)
        if value is None or field in errors:
            return value
        problem = name_script_problem(raw)
        if problem is not None:
            errors[field] = FieldError(problem)
        elif not _looks_like_a_name(value):
            errors[field] = FieldError("invalid_name")
        return value

    def optional_date(field: str) -> date | None:
        raw = payload.get(field)
        if raw in (None, ""):
            return None
        parsed = _parse_iso_date(raw)
        if parsed is None:
            errors[field] = FieldError("invalid_date")
        elif parsed > today:
            errors[field] = FieldError("date_in_future")
        return parsed

    requester_name = person_name("requester_name")
    relationship = _choice(payload.get("relationship"), Relationship)
    if relationship is None:
        errors["relationship"] = FieldError(
            "required" if not payload.get("relationship") else "invalid_choice"
        )
    relationship_other = text("relationship_other", required=relationship is Relationship.LAINNYA)
    if relationship is not Relationship.LAINNYA:
        relationship_other = None
        errors.pop("relationship_other", None)
    address = text("address", multiline=True)

    whatsapp = None
    raw_phone = payload.get("whatsapp")
    if not isinstance(raw_phone, str) or not raw_phone.strip():
        errors["whatsapp"] = FieldError("required")
    else:
        whatsapp = normalize_whatsapp(raw_phone)
        if whatsapp is None:
            errors["whatsapp"] = FieldError("invalid_phone")

    email = text("email")
    if email is not None and "email" not in errors:
        email = normalize_email(email)
        if email is None:
            errors["email"] = FieldError("invalid_email")

    prisoner_name = person_name("prisoner_name")
    prisoner_upt = text("prisoner_upt", required=False)
    prisoner_birth_date = optional_date("prisoner_birth_date")
    prisoner_registration = text("prisoner_registration_number", required=False)

    information = _information_needed(payload.get("information_needed"), errors)
    information_other = text(
        "information_other", required=InformationKind.OTHER in information, multiline=True
    )
    if InformationKind.OTHER not in information:
        information_other = None
        errors.pop("information_other", None)

    if payload.get("statement_accepted") is not True:
        errors["statement_accepted"] = FieldError("must_accept")
    if payload.get("consent_accepted") is not True:
        errors["consent_accepted"] = FieldError("must_accept")
    statement_date = None
    if not payload.get("statement_date"):
        errors["statement_date"] = FieldError("required")
    else:
        statement_date = _parse_iso_date(payload["statement_date"])
        if statement_date is None:
            errors["statement_date"] = FieldError("invalid_date")
        # Yesterday is forgiven: a form opened before midnight is still an honest statement.
        elif not (today - timedelta(days=1) <= statement_date <= today):
            errors["statement_date"] = FieldError("statement_date_not_today")

    content_type = _choice(payload.get("ktp_content_type"), KtpContentType)
    if content_type is None:
        errors["ktp_content_type"] = FieldError("ktp_type")
    size = payload.get("ktp_size")
    if not isinstance(size, int) or isinstance(size, bool):
        errors["ktp_size"] = FieldError("required")
    elif size < 1:
        errors["ktp_size"] = FieldError("ktp_empty")
    elif size > KTP_MAX_BYTES:
        errors["ktp_size"] = FieldError("ktp_too_large")

    key = payload.get("idempotency_key")
    if (
        not isinstance(key, str)
        or not (LIMITS["idempotency_key"][0] <= len(key) <= LIMITS["idempotency_key"][1])
        or not _IDEMPOTENCY_KEY.match(key)
    ):
        errors["idempotency_key"] = FieldError("invalid_key")

    if errors:
        raise FormInvalid(errors)

    return SubmissionForm(
        requester=Requester(
            name=requester_name,
            relationship=relationship,
            relationship_other=relationship_other,
            address=address,
            whatsapp=whatsapp,
            email=email,
        ),
        prisoner=Prisoner(
            name=prisoner_name,
            upt=prisoner_upt,
            birth_date=prisoner_birth_date,
            registration_number=prisoner_registration,
        ),
        information_needed=information,
        information_other=information_other,
        statement=Statement(accepted=True, signed_on=statement_date, consent_to_processing=True),
        language=language,
        ktp_content_type=content_type,
        ktp_size=size,
        idempotency_key=key,
    )


def honeypot_filled(payload: dict) -> bool:
    return payload.get(HONEYPOT) not in (None, "")


def today_in_office(now: datetime) -> date:
    return now.astimezone(WIB).date()


def _looks_like_a_name(value: str) -> bool:
    letters = sum(ch.isalpha() for ch in value)
    return letters >= 2 and all(ch.isalpha() or ch in _NAME_PUNCTUATION for ch in value)


def _choice(raw: object, enum_type):
    try:
        return enum_type(raw)
    except ValueError:
        return None


def _parse_iso_date(raw: object) -> date | None:
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw, re.ASCII):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _information_needed(raw: object, errors: dict[str, FieldError]) -> tuple[InformationKind, ...]:
    if not raw:
        errors["information_needed"] = FieldError("choose_at_least_one")
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        errors["information_needed"] = FieldError("invalid_choice")
        return ()
    kinds = []
    for item in raw:
        kind = _choice(item, InformationKind)
        if kind is None:
            errors["information_needed"] = FieldError("invalid_choice")
            return ()
        if kind not in kinds:
            kinds.append(kind)
    return tuple(kinds)


def form_rules() -> dict:
    """What the page needs to check the form the way the server does."""
    return {
        "limits": {field: {"min": low, "max": high} for field, (low, high) in LIMITS.items()},
        "relationships": [r.value for r in Relationship],
        "information_kinds": [k.value for k in InformationKind],
        "ktp_content_types": [t.value for t in KtpContentType],
        "ktp_max_bytes": KTP_MAX_BYTES,
        "messages": MESSAGES,
        # The page maps digits as ascii_digits() does: each script's zero, its nine follow it.
        "digit_zeros": _digit_zeros(),
        "honeypot": HONEYPOT,
    }


@functools.cache
def _digit_zeros() -> list[int]:
    return [
        cp
        for cp in range(0x80, 0x110000)
        if unicodedata.decimal(chr(cp), None) == 0
        and all(unicodedata.decimal(chr(cp + n), None) == n for n in range(10))
    ]
