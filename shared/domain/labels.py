"""What operators read for the request's values, in Bahasa Indonesia: one table per value set.

The operator page, its reports and the request's timeline all read these, so a status or a
relationship is called the same everywhere. (Message kinds, channels and states are labelled
beside their enums in `messages.py`, roles in `accounts.py`, report rows in `reports.py`.)
"""

from __future__ import annotations

from shared.domain.model import DecisionKind, InformationKind, Relationship, Status

# The statuses an operator works with (the queue's tabs and the request's heading).
STATUS_LABELS = {
    Status.AWAITING_OPERATOR: "Menunggu operator",
    Status.UPLOAD_REJECTED: "Menunggu KTP ulang",
    Status.ANSWERED: "Ditemukan (jawaban siap dikirim)",
    Status.NOT_FOUND: "Tidak ditemukan",
    Status.NOTIFIED: "Sudah diberitahukan",
    Status.FAILED: "Gagal (perlu tindakan)",
}

# What the request's timeline says when it entered each status.
HISTORY_LABELS = {
    Status.AWAITING_UPLOAD: "Formulir diterima, menunggu unggahan KTP",
    Status.UPLOAD_REJECTED: "KTP ditolak / diminta ulang",
    Status.RECEIVED: "KTP diterima dan diperiksa",
    Status.SDP_LOOKUP: "Pencarian SDP diantrikan",
    Status.AWAITING_OPERATOR: "Menunggu operator",
    Status.ANSWERED: "Diputuskan: ditemukan, jawaban disiapkan",
    Status.NOT_FOUND: "Diputuskan: tidak ditemukan di SDP",
    Status.NOTIFIED: "Pemohon telah diberi tahu",
    Status.EXPIRED: "Kedaluwarsa",
    Status.FAILED: "Gagal diproses",
}

# An operator's audited actions on a request, as the timeline reads after the username.
ACTION_LABELS = {
    "ktp_viewed": "melihat KTP",
    "decision_found": "memutuskan: ditemukan",
    "decision_not_found": "memutuskan: tidak ditemukan",
    "decision_clearer_ktp": "meminta KTP yang lebih jelas",
    "decision_refused": "mencoba memutuskan (sudah diputuskan)",
    "message_sent_manually": "mengirim pesan WhatsApp secara manual",
    "message_sent_again": "mengirim ulang pesan yang statusnya tidak pasti",
    "message_confirmed_sent": "menyatakan pesan yang statusnya tidak pasti sudah terkirim",
    "message_given_up": "menghentikan pesan yang statusnya tidak pasti",
    "whatsapp_reply": "membalas pemohon lewat WhatsApp",
}

DECISION_LABELS = {
    DecisionKind.FOUND: "Ditemukan",
    DecisionKind.NOT_FOUND: "Tidak ditemukan",
    DecisionKind.CLEARER_KTP: "Diminta KTP lebih jelas",
}

RELATIONSHIP_LABELS = {
    Relationship.AYAH_IBU: "Ayah/Ibu",
    Relationship.SUAMI_ISTRI: "Suami/Istri",
    Relationship.ANAK: "Anak",
    Relationship.KAKAK_ADIK: "Kakak/Adik",
    Relationship.PAMAN_BIBI: "Paman/Bibi",
    Relationship.KAKEK_NENEK: "Kakek/Nenek",
    Relationship.PENGACARA: "Pengacara",
    Relationship.LAINNYA: "Lainnya",
}

INFORMATION_LABELS = {
    InformationKind.REMISSION_HISTORY: "Riwayat remisi",
    InformationKind.RELEASE_DATE: "Tanggal bebas",
    InformationKind.CONDITIONAL_RELEASE: "Pembebasan bersyarat",
    InformationKind.DECREE_STATUS: "Status SK",
    InformationKind.OTHER: "Lainnya",
}

# The languages a requester's messages are written in.
LANGUAGE_LABELS = {"id": "Bahasa Indonesia", "en": "Bahasa Inggris"}

# Every action the audit trail records, as the admins' audit page names it.
AUDIT_ACTION_LABELS = {
    "sign_in": "Masuk",
    "sign_in_failed": "Gagal masuk",
    "sign_in_locked": "Masuk ditolak: akun terkunci",
    "sign_out": "Keluar",
    "sign_in_delayed": "Masuk ditunda: terlalu banyak percobaan gagal",
    "password_changed": "Kata sandi diganti",
    "password_change_failed": "Gagal mengganti kata sandi",
    "account_created": "Akun dibuat",
    "account_reset": "Kata sandi dan kode TOTP akun diatur ulang",
    "account_deactivate": "Akun dinonaktifkan",
    "account_activate": "Akun diaktifkan",
    "account_revoke_sessions": "Semua sesi akun diakhiri",
    "account_unlock": "Kunci akun dibuka",
    "account_role": "Peran akun diubah",
    "ktp_viewed": "Melihat KTP",
    "decision_found": "Keputusan: ditemukan",
    "decision_not_found": "Keputusan: tidak ditemukan",
    "decision_clearer_ktp": "Meminta KTP yang lebih jelas",
    "decision_refused": "Keputusan ditolak (sudah diputuskan)",
    "message_sent_manually": "Pesan WhatsApp dikirim manual",
    "message_sent_again": "Pesan tidak pasti dikirim ulang",
    "message_confirmed_sent": "Pesan tidak pasti dinyatakan terkirim",
    "message_given_up": "Pesan tidak pasti dihentikan",
    "whatsapp_reply": "Balasan WhatsApp ke pemohon",
    "report_exported": "Laporan diunduh",
    "audit_exported": "Jejak audit diunduh",
    "template_saved": "Templat email disimpan",
    "template_reset": "Templat email dikembalikan ke bawaan",
    "retention_run": "Jadwal retensi berjalan",
    "ktp_deleted": "Foto KTP dihapus",
    "request_redacted": "Data pribadi permohonan dihapus",
    "request_overdue": "Permohonan terbuka melewati batas waktu",
    "data_subject_exported": "Data pemohon diekspor",
    "data_subject_erased": "Data pemohon dihapus atas permintaan",
    "privacy_request_received": "Permintaan data pribadi dari pemohon diterima",
    "privacy_request_closed": "Permintaan data pribadi ditindaklanjuti",
    "complaint_received": "Pengaduan diterima",
    "complaint_viewed": "Melihat pengaduan",
    "complaint_answered": "Pengaduan dijawab",
}

# The details an audit event carries, named for the audit page.
AUDIT_DETAIL_LABELS = {
    "attempt": "percobaan KTP",
    "session": "sesi",
    "username": "nama pengguna",
    "role": "peran",
    "kind": "jenis",
    "candidate": "kandidat",
    "edited": "jawaban disunting",
    "answer_fingerprint": "sidik jawaban",
    "decided_by": "sudah diputuskan oleh",
    "message": "pesan",
    "rows": "baris",
    "month": "bulan",
    "language": "bahasa",
    "version": "versi",
    "failures": "gagal berturut-turut",
    "reason": "sebab",
    # The retention job's counts and actions (shared.service_layer.privacy).
    "objects": "berkas",
    "files": "berkas",
    "messages": "pesan",
    "looked_at": "diperiksa",
    "migrated": "dokumen lama diperbarui",
    "aggregated": "dilipat ke laporan",
    "ktp_deleted": "KTP dihapus",
    "ktp_objects_deleted": "berkas KTP dihapus",
    "redacted": "data pribadi dihapus",
    "overdue": "terlambat",
    "state": "hasil",
    # Complaints (shared.service_layer.complaints).
    "category": "kategori",
    "linked": "terkait permohonan",
    "within_sla": "dalam target waktu",
    "channels": "saluran",
}
