"""What the requester reads on the status page: each state of a request in plain words.

Only what the requester already knows or needs is said: no operator notes, no SDP result, no
personal data. Times follow the SOP (verification 3 minutes, answer 5 minutes) in office hours.
"""

from __future__ import annotations

from shared.domain.model import Status

# One line per state for the timeline; "next" tells what happens now and what to do, if anything.
STATUS_WORDS: dict[Status, dict[str, dict[str, str]]] = {
    Status.AWAITING_UPLOAD: {
        "title": {
            "id": "Formulir diterima, menunggu foto KTP",
            "en": "Form received, waiting for the KTP photo",
        },
        "next": {
            "id": "Unggah foto KTP Anda agar permohonan dapat diproses.",
            "en": "Upload your KTP photo so the request can be processed.",
        },
    },
    Status.UPLOAD_REJECTED: {
        "title": {"id": "Foto KTP tidak dapat diterima", "en": "The KTP photo was not accepted"},
        "next": {
            "id": "Unggah ulang foto KTP yang jelas (JPG, PNG, atau PDF, maksimal 2 MB).",
            "en": "Upload a clear KTP photo again (JPG, PNG or PDF, at most 2 MB).",
        },
    },
    Status.RECEIVED: {
        "title": {"id": "Foto KTP diterima", "en": "KTP photo received"},
        "next": {
            "id": "Data Anda sedang disiapkan untuk diperiksa petugas.",
            "en": "Your data is being prepared for the officer's check.",
        },
    },
    Status.SDP_LOOKUP: {
        "title": {
            "id": "Sedang dicocokkan dengan Sistem Database Pemasyarakatan (SDP)",
            "en": "Being matched against the corrections database (SDP)",
        },
        "next": {
            "id": "Pencocokan biasanya selesai dalam beberapa menit.",
            "en": "Matching usually takes a few minutes.",
        },
    },
    Status.AWAITING_OPERATOR: {
        "title": {
            "id": "Menunggu verifikasi petugas",
            "en": "Waiting for the officer's verification",
        },
        "next": {
            "id": "Petugas memverifikasi data di SDP (sekitar 3 menit pada jam kerja), lalu "
            "mengirim jawaban melalui WhatsApp dan email (sekitar 5 menit).",
            "en": "An officer verifies the data in SDP (about 3 minutes in office hours), then "
            "sends the answer by WhatsApp and email (about 5 minutes).",
        },
    },
    Status.ANSWERED: {
        "title": {"id": "Jawaban sudah disiapkan petugas", "en": "The officer prepared the answer"},
        "next": {
            "id": "Jawaban sedang dikirim melalui WhatsApp dan email.",
            "en": "The answer is being sent by WhatsApp and email.",
        },
    },
    Status.NOT_FOUND: {
        "title": {
            "id": "Data narapidana/anak tidak ditemukan di SDP",
            "en": "The prisoner/child was not found in SDP",
        },
        "next": {
            "id": "Pemberitahuan sedang dikirim melalui WhatsApp dan email.",
            "en": "A notice is being sent by WhatsApp and email.",
        },
    },
    Status.NOTIFIED: {
        "title": {
            "id": "Jawaban telah dikirim melalui WhatsApp dan email",
            "en": "The answer was sent by WhatsApp and email",
        },
        "next": {
            "id": "Periksa WhatsApp dan email Anda (termasuk folder spam).",
            "en": "Check your WhatsApp and email (including the spam folder).",
        },
    },
    Status.EXPIRED: {
        "title": {"id": "Permohonan kedaluwarsa", "en": "The request expired"},
        "next": {
            "id": "Foto KTP tidak diunggah tepat waktu. Silakan isi formulir baru.",
            "en": "The KTP photo was not uploaded in time. Please fill in a new form.",
        },
    },
    Status.FAILED: {
        "title": {"id": "Terjadi kendala pada sistem", "en": "A system problem occurred"},
        "next": {
            "id": "Petugas akan menangani permohonan Anda. Hubungi kantor bila perlu.",
            "en": "An officer will handle your request. Contact the office if needed.",
        },
    },
}


# Waiting for the file again after a rejection: the form is not received a second time, so the
# timeline must not repeat the first entry's words once per attempt.
AWAITING_NEW_UPLOAD: dict[str, dict[str, str]] = {
    "title": {
        "id": "Menunggu foto KTP yang baru",
        "en": "Waiting for the new KTP photo",
    },
    "next": {
        "id": "Foto KTP baru sedang diunggah; pemeriksaannya kurang dari satu menit.",
        "en": "The new KTP photo is being uploaded; checking it takes under a minute.",
    },
}


def status_words(status: Status, part: str, language: str = "id", retry: bool = False) -> str:
    """`retry`: the state is entered again after a rejection (only AWAITING_UPLOAD is)."""
    words = (
        AWAITING_NEW_UPLOAD if retry and status is Status.AWAITING_UPLOAD else STATUS_WORDS[status]
    )
    texts = words[part]
    return texts.get(language, texts["id"])
