"""What the public reads from the API, in Bahasa Indonesia first and English: one table.

(The form's field messages live with the form rules in `shared.domain.form`, which the page
also reads; the messages to requesters are templates in `shared.domain.message_templates`.)
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # A request about one's personal data (shared.service_layer.privacy, the status page).
    "privacy_kind_invalid": {
        "id": "Pilih jenis permintaan: akses/salinan data, perbaikan data, atau penghapusan data.",
        "en": "Choose the kind of request: access/copy, correction, or erasure.",
    },
    "privacy_note_needed": {
        "id": "Tuliskan data mana yang salah dan perbaikannya (minimal 5 karakter).",
        "en": "Say which data is wrong and what it should be (at least 5 characters).",
    },
    "privacy_note_too_long": {
        "id": "Keterangan terlalu panjang (paling banyak 500 karakter).",
        "en": "The note is too long (at most 500 characters).",
    },
    "privacy_note_invalid": {
        "id": "Keterangan harus berupa teks.",
        "en": "The note must be text.",
    },
    # The status and re-upload endpoints (shared.service_layer.public).
    "no_match": {
        "id": "Kode pelacakan dan nomor WhatsApp/email tidak cocok dengan permohonan mana pun. "
        "Periksa kembali keduanya.",
        "en": "The tracking code and WhatsApp number/email do not match any request. "
        "Check both again.",
    },
    "invalid_code": {
        "id": "Kode pelacakan tidak valid. Contoh: ACE-FGH-JK3 (9 huruf/angka).",
        "en": "Invalid tracking code. Example: ACE-FGH-JK3 (9 letters/digits).",
    },
    "invalid_contact": {
        "id": "Isi nomor WhatsApp atau email yang Anda pakai di formulir.",
        "en": "Enter the WhatsApp number or email you used on the form.",
    },
    "rate_limited": {
        "id": "Terlalu banyak percobaan. Tunggu 10 menit lalu coba lagi.",
        "en": "Too many attempts. Wait 10 minutes and try again.",
    },
    "not_uploadable": {
        "id": "Permohonan ini tidak sedang menunggu foto KTP.",
        "en": "This request is not waiting for a KTP photo.",
    },
    "type_mismatch": {
        "id": "Permohonan ini menunggu berkas {type}. Pilih berkas {type}.",
        "en": "This request is waiting for a {type} file. Choose a {type} file.",
    },
    "too_many_attempts": {
        "id": "Terlalu banyak unggahan ulang. Silakan hubungi kantor.",
        "en": "Too many re-uploads. Please contact the office.",
    },
    # What every endpoint answers at the edge (shared.entrypoints).
    "method_not_allowed": {
        "id": "Metode permintaan tidak didukung.",
        "en": "Request method not supported.",
    },
    "too_large": {"id": "Data yang dikirim terlalu besar.", "en": "The data sent is too large."},
    "invalid_json": {"id": "Data tidak dapat dibaca.", "en": "The data cannot be read."},
    "invalid_form": {"id": "Periksa kembali isian formulir.", "en": "Please check the form."},
    "invalid_query": {"id": "Periksa kembali isian Anda.", "en": "Please check your input."},
    "idempotency_key_reused": {
        "id": "Formulir ini sudah dikirim dengan data lain. Muat ulang halaman lalu kirim lagi.",
        "en": "This form was already sent with other data. Reload the page and send it again.",
    },
    "captcha_unavailable": {
        "id": "Verifikasi keamanan sedang tidak dapat diperiksa. Permohonan Anda belum terkirim; "
        "coba lagi sebentar lagi.",
        "en": "The security check cannot be verified right now. Your request was not sent yet; "
        "try again shortly.",
    },
    "unavailable": {
        "id": "Layanan sedang sibuk atau terganggu. Data Anda aman; coba lagi sebentar lagi.",
        "en": "The service is busy or disrupted. Your data is safe; try again shortly.",
    },
    "internal": {
        "id": "Terjadi kesalahan pada layanan. Coba lagi nanti.",
        "en": "Something went wrong on our side. Please try again later.",
    },
    "forbidden": {"id": "Akses ditolak.", "en": "Forbidden."},
    # The satisfaction survey (shared.service_layer.survey).
    "survey_not_found": {
        "id": "Tautan survei tidak dikenal. Buka tautan lengkap dari pesan WhatsApp atau email.",
        "en": "Unknown survey link. Open the full link from the WhatsApp message or email.",
    },
    "survey_used": {
        "id": "Tautan survei ini sudah dipakai: jawaban Anda sudah tercatat. Terima kasih.",
        "en": "This survey link has been used: your answers are recorded. Thank you.",
    },
    "survey_expired": {
        "id": "Masa berlaku tautan survei ini sudah habis. Terima kasih atas perhatian Anda.",
        "en": "This survey link has expired. Thank you for your interest.",
    },
    "invalid_survey": {
        "id": "Periksa kembali jawaban survei: setiap pertanyaan wajib dijawab.",
        "en": "Please check the survey: every question needs an answer.",
    },
    "survey_recorded": {
        "id": "Terima kasih. Jawaban survei Anda sudah tercatat.",
        "en": "Thank you. Your survey answers are recorded.",
    },
    "invalid_period": {
        "id": "Periode ditulis seperti 2026-11, 2026-Q4, 2026-S2, atau 2026.",
        "en": "A period looks like 2026-11, 2026-Q4, 2026-S2 or 2026.",
    },
}


def text(code: str, language: str = "id", **params: object) -> str:
    texts = TEXTS[code]
    return texts.get(language, texts["id"]).format(**params)
