"""The privacy page promises what the retention job and the rights do (issue 11: it promised
access, correction and erasure while no code did them, and a 90-day deletion of open requests
that lost reports). Its periods are the settings' defaults: changing one fails here until the
page says the same."""

from __future__ import annotations

import re

from shared.config import default_of
from shared.operator_web import privacy_pages
from shared.service_layer import privacy
from shared.site_files import SITE

PAGE = (SITE / "privasi.html").read_text()
KEEP = re.search(r'data-i18n="pv_keep_text">(.*?)</p>', PAGE, re.S)[1]
ENGLISH = (SITE / "app.js").read_text()


def test_the_retention_periods_are_the_settings_defaults():
    ktp_close, ktp_max = default_of("KTP_DAYS_AFTER_CLOSE"), default_of("KTP_MAX_DAYS")
    personal, alert = (
        default_of("PERSONAL_DATA_DAYS_AFTER_CLOSE"),
        default_of("OPEN_REQUEST_ALERT_DAYS"),
    )
    assert f"Foto KTP dihapus {ktp_close} hari setelah permohonan selesai" in KEEP
    assert f"paling lambat {ktp_max} hari setelah permohonan dibuat" in KEEP
    assert f"dihapus paling lambat {personal} hari setelah permohonan selesai" in KEEP
    assert f"bila lewat {alert} hari, petugas diberi tahu" in KEEP
    assert "tidak pernah dihapus diam-diam" in KEEP
    for english in (
        f"deleted {ktp_close} days after the request is finished",
        f"at most {ktp_max} days after the request was made",
        f"deleted at most {personal} days after the request is finished",
        f"after {alert} days the officers are alerted",
    ):
        assert english in ENGLISH, english


def test_the_rights_it_promises_have_code():
    assert "mengekspor seluruh data permohonan Anda beserta foto KTP" in PAGE
    assert callable(privacy.export_request) and callable(privacy.erase_request)
    assert "setelah permohonan selesai, foto KTP dan data pribadinya dihapus" in PAGE
    paths = {route.example for route in privacy_pages.routes.routes}
    assert {"/admin/privacy/export", "/admin/privacy/erase"} <= paths
    # Asked from the status page, where the form posts to the function that takes it.
    assert "buka halaman Cek status" in PAGE
    status = (SITE / "status.js").read_text()
    assert "api/privacy_request" in status and 'id="pv_kind"' in (SITE / "status.html").read_text()
    # No promise of a deletion the code does not do, nor of an edit form it does not have.
    assert "90 hari setelah permohonan dibuat" not in KEEP.split("Data pribadi")[1]


MORE = re.search(r'data-i18n="pv_keep_more">(.*?)</p>', PAGE, re.S)[1]


def test_conversations_complaints_and_the_survey_are_on_their_schedules():
    from shared.domain.complaints import RETENTION

    personal = default_of("PERSONAL_DATA_DAYS_AFTER_CLOSE")
    unmatched, complaint = (
        default_of("UNMATCHED_INBOUND_DAYS"),
        default_of("COMPLAINT_DAYS_AFTER_ANSWER"),
    )
    assert RETENTION.days == 365  # the complaint document's TTL: "satu tahun"
    assert f"paling lambat {personal} hari setelah permohonan selesai" in MORE
    assert f"(isi dan nomor pengirimnya) dihapus {unmatched} hari setelah diterima" in MORE
    assert f"dihapus {complaint} hari setelah pengaduan dijawab" in MORE
    assert "pengaduan itu sendiri dihapus satu tahun setelah diterima" in MORE
    assert "tidak dapat dihapus per orang" in MORE
    for english in (
        f"at most {personal} days after the request is finished (only the direction",
        f"are deleted {unmatched} days after they are received",
        f"is deleted {complaint} days after the complaint is answered",
        "cannot be erased per person",
    ):
        assert english in ENGLISH, english
    # The code does what the paragraph says.
    policy = privacy.retention.default_policy()
    assert policy.unmatched_inbound.days == int(unmatched)
    assert policy.complaint_after_answer.days == int(complaint)
