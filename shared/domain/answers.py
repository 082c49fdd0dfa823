"""The answer to a requester, composed from the chosen SDP record for exactly what was asked.

The sentences are the reviewed templates (Bahasa Indonesia); only values from the SDP record
are put into them. The operator sees the result as a preview and may edit it before confirming;
whether it was edited is recorded. Sending is the dispatch step's job.
"""

from __future__ import annotations

from datetime import date

from shared.domain import calendar
from shared.domain.model import InformationKind, RemissionRequest
from shared.domain.sdp import SdpCandidate

# An operator must replace this before confirming (e.g. the free-text question).
PLACEHOLDER = "[[ISI OLEH PETUGAS]]"
MAX_ANSWER_CHARS = 4000

MONTHS = calendar.MONTHS["id"]

REMISSION_KINDS = {
    "RU": "Remisi Umum",
    "RK": "Remisi Khusus",
    "DASAWARSA": "Remisi Dasawarsa",
    "TAMBAHAN": "Remisi Tambahan",
    "KEMANUSIAAN": "Remisi Kemanusiaan",
    "PMP": "Pengurangan Masa Pidana",
}

PROGRAMS = {
    "PB": "Pembebasan Bersyarat",
    "CB": "Cuti Bersyarat",
    "CMB": "Cuti Menjelang Bebas",
}

TEMPLATES = {
    "greeting": "Yth. Bapak/Ibu {requester},\n\nMenjawab permohonan informasi remisi "
    "(kode {tracking_code}) atas nama {name} (No. Reg. {registration_number}, {upt}), "
    "berikut informasi dari Sistem Database Pemasyarakatan (SDP):",
    "history_header": "Riwayat remisi:",
    "history_line": "- {year}: {kind}{holiday} {stage}, {amount}{decree}",
    "history_none": "Riwayat remisi: belum ada remisi yang tercatat.",
    "history_total": "Total remisi yang telah diterima: {total}.",
    "release": "Perkiraan tanggal bebas (ekspirasi setelah remisi): {date}.",
    "release_unknown": "Perkiraan tanggal bebas: belum tercatat di SDP.",
    "conditional": "Tanggal 2/3 masa pidana: {two_thirds}. Program integrasi: {program}; "
    "status: {status}.",
    "conditional_none": "Tanggal 2/3 masa pidana: {two_thirds}. Belum ada usulan program "
    "integrasi (PB/CB/CMB) yang tercatat.",
    "decree": "Status SK remisi terakhir: {decree}.",
    "decree_none": "Belum ada nomor SK remisi yang tercatat.",
    "other": "Pertanyaan lain ({question}): " + PLACEHOLDER,
    "closing": "Informasi ini bersifat pemberitahuan dan dapat berubah sesuai ketentuan. "
    "Layanan ini tidak dipungut biaya.\n\nHormat kami,\n{office}",
}


def indonesian_date(text: str | None) -> str | None:
    if not text:
        return None
    value = date.fromisoformat(text)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def compose_answer(request: RemissionRequest, candidate: SdpCandidate, office: str) -> str:
    record = dict(candidate.extra.get("record") or {})
    t = TEMPLATES
    parts = [
        t["greeting"].format(
            requester=request.requester.name,
            tracking_code=request.tracking_code,
            name=record.get("nama") or candidate.name,
            registration_number=candidate.registration_number,
            upt=record.get("upt") or candidate.upt or "-",
        )
    ]
    history = list(record.get("riwayat_remisi") or [])
    for kind in request.information_needed:
        if kind is InformationKind.REMISSION_HISTORY:
            if not history:
                parts.append(t["history_none"])
                continue
            lines = [t["history_header"]]
            for entry in history:
                lines.append(
                    t["history_line"].format(
                        year=entry.get("tahun"),
                        kind=REMISSION_KINDS.get(entry.get("jenis"), entry.get("jenis")),
                        holiday=f" ({entry['hari_raya']})" if entry.get("hari_raya") else "",
                        stage=entry.get("tahap") or "I",
                        amount=entry.get("besaran"),
                        decree=f", SK {entry['nomor_sk']}" if entry.get("nomor_sk") else "",
                    )
                )
            if record.get("total_remisi"):
                lines.append(t["history_total"].format(total=record["total_remisi"]))
            parts.append("\n".join(lines))
        elif kind is InformationKind.RELEASE_DATE:
            released = indonesian_date(record.get("tanggal_ekspirasi_setelah_remisi"))
            parts.append(t["release"].format(date=released) if released else t["release_unknown"])
        elif kind is InformationKind.CONDITIONAL_RELEASE:
            two_thirds = indonesian_date(record.get("tanggal_dua_pertiga")) or "belum tercatat"
            program = record.get("program_integrasi")
            if program:
                parts.append(
                    t["conditional"].format(
                        two_thirds=two_thirds,
                        program=PROGRAMS.get(program, program),
                        status=record.get("status_integrasi") or "belum tercatat",
                    )
                )
            else:
                parts.append(t["conditional_none"].format(two_thirds=two_thirds))
        elif kind is InformationKind.DECREE_STATUS:
            decrees = [e for e in history if e.get("nomor_sk")]
            if decrees:
                last = decrees[-1]
                kind_name = REMISSION_KINDS.get(last.get("jenis"), last.get("jenis"))
                parts.append(
                    t["decree"].format(
                        decree=f"{kind_name} {last.get('tahun')}, SK {last['nomor_sk']}"
                    )
                )
            else:
                parts.append(t["decree_none"])
        elif kind is InformationKind.OTHER:
            parts.append(t["other"].format(question=request.information_other or "-"))
    parts.append(t["closing"].format(office=office))
    return "\n\n".join(parts)


class AnswerInvalid(ValueError):
    pass


def check_answer(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise AnswerInvalid("Jawaban tidak boleh kosong.")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerInvalid(f"Jawaban maksimal {MAX_ANSWER_CHARS} karakter.")
    if PLACEHOLDER in text:
        raise AnswerInvalid(f"Ganti {PLACEHOLDER} dengan jawaban sebelum mengonfirmasi.")
    return text
