from datetime import date, timedelta

import pytest

from shared.domain.form import FormInvalid, form_rules, normalize_whatsapp, parse_submission
from shared.domain.model import InformationKind, KtpContentType, Relationship
from tests.samples import form_payload

TODAY = date(2026, 11, 28)


def errors_of(payload) -> dict:
    with pytest.raises(FormInvalid) as caught:
        parse_submission(payload, TODAY)
    return {field: error.code for field, error in caught.value.errors.items()}


def test_a_complete_form_is_normalised():
    form = parse_submission(
        form_payload(TODAY, requester_name="  Siti   Nurhaliza ", email="Siti@Example.ID"), TODAY
    )
    assert form.requester.name == "Siti Nurhaliza"
    assert form.requester.whatsapp == "+6281234567890"
    assert form.requester.email == "Siti@example.id"
    assert form.requester.relationship is Relationship.AYAH_IBU
    assert form.information_needed == (
        InformationKind.REMISSION_HISTORY,
        InformationKind.RELEASE_DATE,
    )
    assert form.ktp_content_type is KtpContentType.JPEG


@pytest.mark.parametrize(
    "typed",
    [
        "081234567890",
        "0812-3456-7890",
        "+62 812 3456 7890",
        "62812 3456 7890",
        "+62 0812 3456 7890",
        "(0812) 3456.7890",
        "81234567890",
    ],
)
def test_phone_numbers_in_the_forms_people_type(typed):
    assert normalize_whatsapp(typed) == "+6281234567890"


@pytest.mark.parametrize(
    "typed", ["0212345678", "+1 202 555 0100", "0812", "08123456789012345", "0812abc4567", ""]
)
def test_numbers_that_are_not_indonesian_mobiles(typed):
    assert normalize_whatsapp(typed) is None


def test_an_empty_form_gets_one_error_per_required_field():
    errors = errors_of({})
    assert errors == {
        "requester_name": "required",
        "relationship": "required",
        "address": "required",
        "whatsapp": "required",
        "email": "required",
        "prisoner_name": "required",
        "information_needed": "choose_at_least_one",
        "statement_accepted": "must_accept",
        "consent_accepted": "must_accept",
        "statement_date": "required",
        "ktp_content_type": "ktp_type",
        "ktp_size": "required",
        "idempotency_key": "invalid_key",
    }


def test_messages_are_indonesian_by_default_and_english_on_request():
    with pytest.raises(FormInvalid) as caught:
        parse_submission(form_payload(TODAY, email="bukan-email"), TODAY)
    assert caught.value.errors["email"].text().startswith("Alamat email tidak valid")
    assert caught.value.errors["email"].text("en").startswith("Invalid email address")


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("requester_name", "B", "too_short"),
        ("requester_name", "x" * 101, "too_long"),
        ("requester_name", "Budi <script>", "invalid_name"),
        ("requester_name", "R2D2", "invalid_name"),
        ("relationship", "tetangga", "invalid_choice"),
        ("address", "Serang", "too_short"),
        ("address", "Jl. Raya\x00 Serang No. 1", "invalid_text"),
        ("whatsapp", "021 555 1234", "invalid_phone"),
        ("email", "a@b", "invalid_email"),
        ("email", "nama..titik@example.id", "invalid_email"),
        ("prisoner_birth_date", "28-11-1990", "invalid_date"),
        ("prisoner_birth_date", "2027-01-01", "date_in_future"),
        ("information_needed", ["riwayat_remisi", "rahasia_negara"], "invalid_choice"),
        ("information_needed", "riwayat_remisi", "invalid_choice"),
        ("statement_accepted", "true", "must_accept"),
        ("statement_date", "2026-11-20", "statement_date_not_today"),
        ("statement_date", "2026-11-29", "statement_date_not_today"),
        ("ktp_content_type", "image/gif", "ktp_type"),
        ("ktp_size", 0, "ktp_empty"),
        ("ktp_size", 2 * 1024 * 1024 + 1, "ktp_too_large"),
        ("ktp_size", True, "required"),
        ("idempotency_key", "short", "invalid_key"),
        ("idempotency_key", "a" * 20 + "/../", "invalid_key"),
    ],
)
def test_each_rule(field, value, code):
    assert errors_of(form_payload(TODAY, **{field: value})) == {field: code}


def test_other_relationship_and_other_information_need_their_text():
    errors = errors_of(form_payload(TODAY, relationship="lainnya", information_needed=["lainnya"]))
    assert errors == {"relationship_other": "required", "information_other": "required"}
    form = parse_submission(
        form_payload(
            TODAY,
            relationship="lainnya",
            relationship_other="Sepupu",
            information_needed=["lainnya"],
            information_other="Jadwal kunjungan Idul Fitri",
        ),
        TODAY,
    )
    assert form.requester.relationship_other == "Sepupu"
    assert form.information_other == "Jadwal kunjungan Idul Fitri"


def test_other_texts_are_dropped_when_their_choice_is_not_made():
    form = parse_submission(
        form_payload(TODAY, relationship_other="Sepupu", information_other="abc def"), TODAY
    )
    assert form.requester.relationship_other is None
    assert form.information_other is None


def test_a_statement_from_yesterday_is_forgiven():
    parse_submission(
        form_payload(TODAY, statement_date=(TODAY - timedelta(days=1)).isoformat()), TODAY
    )


def test_the_rules_are_published_for_the_page():
    rules = form_rules()
    assert rules["ktp_max_bytes"] == 2 * 1024 * 1024
    assert "pengacara" in rules["relationships"]
    assert rules["messages"]["required"]["id"] == "Wajib diisi."


# --- hostile text (issue 11): NFKC, ASCII digits, one script per name --------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "0812٣٤٥٦٧٨٩٠",  # Arabic-Indic digits: was stored as +62812٣٤٥٦٧٨٩٠
        "۰۸۱۲۳۴۵۶۷۸۹۰",  # Extended Arabic-Indic (Persian/Urdu keyboards)
        "０８１２－３４５６－７８９０",  # full-width digits and dash
        "+62 812 ३४५६ ७८९०",  # Devanagari
    ],
)
def test_digits_of_any_script_are_stored_as_ascii_e164(typed):
    form = parse_submission(form_payload(TODAY, whatsapp=typed), TODAY)
    assert form.requester.whatsapp == "+6281234567890"
    assert form.requester.whatsapp.isascii()


@pytest.mark.parametrize(
    "typed",
    [
        "0812abc4567",  # libphonenumber alone would read these as keypad digits
        "0812 3456 7890 ext 1",
        "0812\u200b3456\u200b7890",  # zero-width spaces
        "+60 12 345 6789",  # a Malaysian mobile: the office answers Indonesian numbers
        "0211 2345 678",  # a Jakarta landline has no WhatsApp
        "0" * 40,
        "٠٨١٢",
    ],
)
def test_phone_numbers_that_are_refused(typed):
    assert errors_of(form_payload(TODAY, whatsapp=typed)) == {"whatsapp": "invalid_phone"}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Sіti Nurhaliza", "name_mixed_script"),  # Cyrillic і
        ("Ahmad Fauzі", "name_mixed_script"),
        ("Αhmad", "name_mixed_script"),  # Greek capital alpha
        ("Ｓｉｔｉ Ｎｕｒ", "name_special_forms"),  # full-width Latin
        ("Siti ﬁtri", "name_special_forms"),  # the fi ligature
        ("Сергей Иванов", "name_not_latin"),
    ],
)
def test_look_alike_and_full_width_names_are_refused_in_indonesian(name, code):
    for field in ("requester_name", "prisoner_name"):
        with pytest.raises(FormInvalid) as caught:
            parse_submission(form_payload(TODAY, **{field: name}), TODAY)
        error = caught.value.errors[field]
        assert (error.code, set(caught.value.errors)) == (code, {field})
        assert "huruf" in error.text() and "KTP" in error.text()


def test_latin_names_with_accents_and_apostrophes_pass():
    form = parse_submission(
        form_payload(TODAY, requester_name="José Ma'ruf", prisoner_name="Nur 'Aini binti Ali"),
        TODAY,
    )
    assert (form.requester.name, form.prisoner.name) == ("José Ma'ruf", "Nur 'Aini binti Ali")


def test_free_text_is_nfkc_normalised():
    form = parse_submission(
        form_payload(TODAY, address="Ｊｌ. Raya Serang Ｎｏ. １２", prisoner_upt="Lapas Ｓerang"),
        TODAY,
    )
    assert form.requester.address == "Jl. Raya Serang No. 12"
    assert form.prisoner.upt == "Lapas Serang"


def test_dates_take_ascii_digits_only():
    errors = errors_of(form_payload(TODAY, prisoner_birth_date="١٩٩٠-٠١-٠١"))
    assert errors == {"prisoner_birth_date": "invalid_date"}


def test_emails_are_checked_for_syntax_without_any_dns_lookup(monkeypatch):
    import socket

    def no_dns(*args, **kwargs):
        raise AssertionError("the submit path must not resolve names")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(socket, "gethostbyname", no_dns)
    form = parse_submission(form_payload(TODAY, email="Siti.N@Contoh-Tidak-Ada.ID"), TODAY)
    assert form.requester.email == "Siti.N@contoh-tidak-ada.id"
    for bad in ("siti@localhost", "siti@contoh.invalid", "siti@-contoh.id", "siti@contoh.id."):
        assert errors_of(form_payload(TODAY, email=bad)) == {"email": "invalid_email"}, bad


def test_the_page_gets_each_script_s_zero_to_map_digits_as_the_server_does():
    zeros = form_rules()["digit_zeros"]
    assert 0x0660 in zeros and 0x06F0 in zeros and 0xFF10 in zeros and 0x30 not in zeros


def test_the_page_s_honeypot_is_hidden_from_people_screen_readers_and_the_tab_order():
    import re
    from pathlib import Path

    from shared.domain.form import HONEYPOT, honeypot_filled

    page = (Path(__file__).parents[2] / "static_site" / "index.html").read_text(encoding="utf-8")
    (box,) = re.findall(r'<div class="hp"[^>]*>.*?</div>', page)
    assert "hidden" in box.split(">")[0] and 'aria-hidden="true"' in box
    field = re.search(rf'<input [^>]*name="{HONEYPOT}"[^>]*>', box)[0]
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    assert "form-rules" in page and f'"honeypot": "{HONEYPOT}"' in page
    assert not honeypot_filled({HONEYPOT: ""}) and honeypot_filled({HONEYPOT: "x"})
    errors = errors_of(form_payload(TODAY, **{HONEYPOT: "http://spam.example"}))
    assert errors == {HONEYPOT: "honeypot"}  # refused before anything else is looked at
