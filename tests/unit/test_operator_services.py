"""Accounts, sign-in, lockout, sessions and decisions, with in-memory ports."""

from datetime import UTC, date, datetime, timedelta

import pyotp
import pytest

from shared.domain.accounts import AccountInvalid, Permission, Role, Session, allowed
from shared.domain.answers import PLACEHOLDER, AnswerInvalid, compose_answer
from shared.domain.model import DecisionKind, Status
from shared.domain.sdp import SdpCandidate
from shared.domain.sla import OfficeHours, SlaClock
from shared.service_layer import auth, review, services
from shared.service_layer.services import UploadedObject
from tests.fakes import ListDirectory, fake_dependencies, fake_operator_dependencies
from tests.samples import form_payload, jpeg_bytes

TODAY = date(2026, 11, 28)
PASSWORD = "kata-sandi-yang-panjang"
RECORD = {
    "nama": "Ahmad Fauzi bin Hasan",
    "upt": "Lapas Serang",
    "riwayat_remisi": [
        {"tahun": 2024, "jenis": "RU", "tahap": "I", "besaran": "2 bulan", "nomor_sk": "W11-1"},
        {"tahun": 2025, "jenis": "RK", "hari_raya": "Idul Fitri", "besaran": "1 bulan"},
    ],
    "total_remisi": "3 bulan",
    "tanggal_ekspirasi_setelah_remisi": "2027-03-05",
    "tanggal_dua_pertiga": "2026-06-01",
    "program_integrasi": "PB",
    "status_integrasi": "diusulkan",
}


@pytest.fixture
def deps():
    core = fake_dependencies(
        sdp=ListDirectory(
            [
                SdpCandidate(
                    "REG-1",
                    "Ahmad Fauzi bin Hasan",
                    97.0,
                    ("nama sama",),
                    upt="Lapas Serang",
                    extra={"good_match": True, "record": RECORD},
                ),
                SdpCandidate("REG-2", "Ahmad Fauzan", 71.0, ("nama mirip",)),
            ]
        )
    )
    return fake_operator_dependencies(core)


def awaiting_request(deps, **overrides):
    core = deps
    request = services.submit_request(form_payload(TODAY, **overrides), core).request
    name = request.ktp.object_name
    generation = core.files.put(name, jpeg_bytes())
    services.handle_ktp_uploaded(UploadedObject("b", name, generation, 1, "image/jpeg"), core)
    services.run_sdp_lookup(request.request_id, core)
    return core.requests.get(request.request_id)


def make_operator(deps, username="siti.remisi", role=Role.OPERATOR_REMISI):
    return auth.create_operator(deps, username, "Siti", role, PASSWORD, actor="cli")


def code_for(enrolment, deps, offset=0):
    at = deps.clock.now() + timedelta(seconds=30 * offset)
    return pyotp.TOTP(enrolment.totp_secret).at(at)


def sign_in(deps, enrolment, password=PASSWORD, offset=0):
    return auth.sign_in(
        deps, enrolment.operator.username, password, code_for(enrolment, deps, offset)
    )


# --- accounts and sign-in ---------------------------------------------------------------------


def test_roles_follow_the_sop():
    assert allowed(Role.OPERATOR_DIVPAS, Permission.ASK_CLEARER_KTP)
    assert not allowed(Role.OPERATOR_DIVPAS, Permission.DECIDE)
    assert allowed(Role.OPERATOR_REMISI, Permission.DECIDE)
    assert not allowed(Role.ADMIN, Permission.VIEW_REQUEST)
    assert allowed(Role.ADMIN, Permission.AUDIT)
    assert not allowed(Role.OPERATOR_REMISI, Permission.ACCOUNTS)


@pytest.mark.parametrize(
    "username,password",
    [("A", PASSWORD), ("siti", "pendek"), ("siti", "siti-dan-kata-sandi")],
)
def test_bad_usernames_and_weak_passwords_are_refused(deps, username, password):
    with pytest.raises(AccountInvalid):
        auth.create_operator(deps, username, "Siti", Role.ADMIN, password, actor="cli")


def test_a_username_is_taken_once(deps):
    make_operator(deps)
    with pytest.raises(AccountInvalid, match="sudah dipakai"):
        make_operator(deps)


def test_sign_in_needs_password_and_a_fresh_totp_code(deps):
    enrolment = make_operator(deps)
    signed = sign_in(deps, enrolment)
    assert auth.authenticate(deps, signed.token)[1].username == "siti.remisi"
    stored = deps.sessions.get(signed.session.session_id)
    assert stored is not None and signed.token not in stored.session_id
    # The same code again (a replay) is refused even with the right password.
    with pytest.raises(auth.SignInRefused):
        sign_in(deps, enrolment)
    deps.clock.advance(seconds=30)
    assert sign_in(deps, enrolment).token != signed.token
    assert deps.audit.actions().count("sign_in") == 2
    assert "sign_in_failed" in deps.audit.actions()


def test_wrong_password_and_unknown_user_get_the_same_answer(deps):
    enrolment = make_operator(deps)
    with pytest.raises(auth.SignInRefused) as wrong:
        sign_in(deps, enrolment, password="salah-salah-salah")
    with pytest.raises(auth.SignInRefused) as unknown:
        auth.sign_in(deps, "tidak.ada", PASSWORD, "123456")
    assert wrong.value.message == unknown.value.message == auth.GENERIC_REFUSAL


def test_failures_delay_this_name_from_this_client_and_back_off(deps):
    # Progressive delays replaced the hard lock (tests/unit/test_auth_sign_in.py: no lock-out).
    enrolment = make_operator(deps)
    for _ in range(5):
        with pytest.raises(auth.SignInRefused) as failed:
            sign_in(deps, enrolment, password="salah-salah-salah")
        assert failed.value.message == auth.GENERIC_REFUSAL
    # Waiting: even the right credentials are not looked at, and do not count.
    with pytest.raises(auth.SignInRefused, match="Tunggu 60 detik") as waiting:
        sign_in(deps, enrolment)
    assert waiting.value.retry_after == timedelta(minutes=1)
    deps.clock.advance(minutes=1, seconds=1)
    with pytest.raises(auth.SignInRefused):
        sign_in(deps, enrolment, password="salah-salah-salah")
    with pytest.raises(auth.SignInRefused) as longer:
        sign_in(deps, enrolment)
    assert longer.value.retry_after == timedelta(minutes=2)
    deps.clock.advance(minutes=2, seconds=1)
    sign_in(deps, enrolment)
    assert deps.operators.get("siti.remisi").failed_attempts == 0


def test_sessions_expire_when_idle_and_absolutely(deps):
    enrolment = make_operator(deps)
    signed = sign_in(deps, enrolment)
    deps.clock.advance(minutes=29)
    assert auth.authenticate(deps, signed.token) is not None  # and touched
    deps.clock.advance(minutes=29)
    assert auth.authenticate(deps, signed.token) is not None
    deps.clock.advance(minutes=31)
    assert auth.authenticate(deps, signed.token) is None

    session = Session(
        "x",
        "siti.remisi",
        Role.OPERATOR_REMISI,
        "c",
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, 9, 59, tzinfo=UTC),
    )
    assert session.expires_at() == datetime(2026, 1, 1, 10, tzinfo=UTC)


def test_sign_out_revocation_role_change_and_password_change_end_sessions(deps):
    admin = make_operator(deps, "admin.satu", Role.ADMIN)
    enrolment = make_operator(deps)
    signed = sign_in(deps, enrolment)
    admin_session = sign_in(deps, admin)
    deps.clock.advance(seconds=1)
    auth.admin_change(deps, admin_session.operator, "siti.remisi", "revoke_sessions")
    assert auth.authenticate(deps, signed.token) is None

    deps.clock.advance(seconds=31)
    again = sign_in(deps, enrolment)
    deps.clock.advance(seconds=1)
    auth.admin_change(deps, admin_session.operator, "siti.remisi", "role:operator_divpas")
    assert auth.authenticate(deps, again.token) is None

    deps.clock.advance(seconds=31)
    third = sign_in(deps, enrolment)
    auth.sign_out(deps, third.session)
    assert auth.authenticate(deps, third.token) is None

    deps.clock.advance(seconds=31)
    fourth = sign_in(deps, enrolment)
    with pytest.raises(AccountInvalid):
        auth.change_password(
            deps, fourth.operator, "salah", "baru-yang-panjang-1", "baru-yang-panjang-1"
        )
    deps.clock.advance(seconds=1)
    auth.change_password(
        deps, fourth.operator, PASSWORD, "baru-yang-panjang-1", "baru-yang-panjang-1"
    )
    assert auth.authenticate(deps, fourth.token) is None
    deps.clock.advance(seconds=31)
    with pytest.raises(auth.SignInRefused):
        sign_in(deps, enrolment)
    deps.clock.advance(seconds=31)
    assert sign_in(deps, enrolment, password="baru-yang-panjang-1")
    actions = deps.audit.actions()
    for expected in ("account_revoke_sessions", "account_role", "sign_out", "password_changed"):
        assert expected in actions


def test_an_admin_cannot_change_their_own_account_by_accident(deps):
    admin = make_operator(deps, "admin.satu", Role.ADMIN)
    with pytest.raises(AccountInvalid):
        auth.admin_change(deps, admin.operator, "admin.satu", "deactivate")


def test_csrf_token_is_compared_exactly():
    session = Session("x", "u", Role.ADMIN, "token-abc", datetime.now(UTC), datetime.now(UTC))
    assert auth.csrf_ok(session, "token-abc")
    assert not auth.csrf_ok(session, "token-abd")
    assert not auth.csrf_ok(session, None)


# --- answers, SLA and decisions ---------------------------------------------------------------


def test_the_answer_has_exactly_what_was_asked(deps):
    request = awaiting_request(deps, information_needed=["tanggal_bebas"])
    text = compose_answer(request, request.sdp.candidates[0], "Kanwil Uji")
    assert "5 Maret 2027" in text and "Kanwil Uji" in text
    assert "Riwayat remisi" not in text and "2/3" not in text

    request = awaiting_request(
        deps,
        information_needed=["riwayat_remisi", "pembebasan_bersyarat", "status_sk"],
        idempotency_key="k" * 32,
    )
    text = compose_answer(request, request.sdp.candidates[0], "Kanwil Uji")
    assert "2024: Remisi Umum I, 2 bulan, SK W11-1" in text
    assert "2025: Remisi Khusus (Idul Fitri) I, 1 bulan" in text
    assert "Total remisi yang telah diterima: 3 bulan." in text
    assert "Pembebasan Bersyarat; status: diusulkan" in text
    assert "Remisi Umum 2024, SK W11-1" in text
    assert "Perkiraan tanggal bebas" not in text


def test_office_hours_count_only_working_time():
    hours = OfficeHours.parse("1-5 08:00-16:00 +07:00")
    friday_afternoon = datetime(2026, 11, 27, 8, 58, tzinfo=UTC)  # 15:58 WIB, Friday
    monday_morning = datetime(2026, 11, 30, 1, 3, tzinfo=UTC)  # 08:03 WIB, Monday
    assert hours.working_time(friday_afternoon, monday_morning) == timedelta(minutes=5)
    assert SlaClock(timedelta(minutes=2)).state == "on_time"
    assert SlaClock(timedelta(minutes=4)).state == "late_verification"
    assert SlaClock(timedelta(minutes=9)).state == "breached"
    with pytest.raises(ValueError):
        OfficeHours.parse("senin-jumat")


def test_found_records_the_edited_answer_once_and_names_who_decided(deps):
    remisi = make_operator(deps).operator
    other = make_operator(deps, "budi.remisi").operator
    request = awaiting_request(deps)
    assert [i.request.request_id for i in review.queue(deps, Status.AWAITING_OPERATOR)] == [
        request.request_id
    ]
    _, composed = review.composed_answer(deps, request, "REG-1")
    decision = review.decide(
        deps, remisi, request.request_id, DecisionKind.FOUND, "REG-1", composed + "\nTambahan."
    )
    assert decision.answer_edited
    stored = deps.requests.get(request.request_id)
    assert stored.status is Status.ANSWERED
    assert stored.last_decision.answer_text.endswith("Tambahan.")
    with pytest.raises(review.AlreadyDecided) as second:
        review.decide(deps, other, request.request_id, DecisionKind.NOT_FOUND)
    assert second.value.decision.operator == "siti.remisi"
    assert deps.requests.get(request.request_id).status is Status.ANSWERED
    actions = deps.audit.actions()
    assert "decision_found" in actions and "decision_refused" in actions
    found = next(e for e in deps.audit.events if e.action == "decision_found")
    assert found.details["edited"] is True and found.target == request.request_id


def test_an_unedited_answer_is_recorded_as_such_and_placeholders_block(deps):
    remisi = make_operator(deps).operator
    request = awaiting_request(deps, information_needed=["lainnya"], information_other="Kapan?")
    _, composed = review.composed_answer(deps, request, "REG-1")
    assert PLACEHOLDER in composed
    with pytest.raises(AnswerInvalid):
        review.decide(deps, remisi, request.request_id, DecisionKind.FOUND, "REG-1", composed)
    with pytest.raises(review.NotVisible):
        review.decide(deps, remisi, request.request_id, DecisionKind.FOUND, "REG-X", "Jawaban")
    answer = composed.replace(PLACEHOLDER, "Bulan depan.")
    decision = review.decide(deps, remisi, request.request_id, DecisionKind.FOUND, "REG-1", answer)
    assert decision.answer_edited  # the placeholder was replaced


def test_not_found_and_clearer_ktp(deps):
    divpas = make_operator(deps, "dewi.divpas", Role.OPERATOR_DIVPAS).operator
    first, second = awaiting_request(deps), awaiting_request(deps, idempotency_key="z" * 32)
    review.decide(deps, divpas, first.request_id, DecisionKind.CLEARER_KTP)
    stored = deps.requests.get(first.request_id)
    assert stored.status is Status.UPLOAD_REJECTED
    assert stored.ktp.rejection_code == "operator_unclear_ktp"
    assert [i.request.request_id for i in review.queue(deps, Status.UPLOAD_REJECTED)] == [
        first.request_id
    ]
    review.decide(deps, divpas, second.request_id, DecisionKind.NOT_FOUND)
    assert deps.requests.get(second.request_id).status is Status.NOT_FOUND


def test_requests_outside_the_operators_context_are_not_visible(deps):
    fresh = services.submit_request(form_payload(TODAY), deps).request
    for request_id in (fresh.request_id, "0" * 32, "../etc", ""):
        with pytest.raises(review.NotVisible):
            review.get_request(deps, request_id)
    assert review.queue(deps, Status.AWAITING_UPLOAD) == []


def test_only_the_real_ktp_view_is_audited_and_it_is_never_cached(deps):
    remisi = Desk(deps).sign_in(make_operator(deps))
    request = awaiting_request(deps)
    page = remisi.call("GET", f"/requests/{request.request_id}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    # Opening the request is not viewing the ID card: the page only offers it.
    assert "ktp_viewed" not in [e.action for e in deps.audit.events]
    assert 'id="show-ktp"' in page.get_data(as_text=True)
    assert "<img" not in page.get_data(as_text=True)

    ktp = remisi.call("GET", f"/requests/{request.request_id}/ktp")
    assert ktp.status_code == 200 and ktp.headers["Content-Type"] == "image/jpeg"
    assert ktp.headers["Cache-Control"] == "no-store"
    verified = deps.files.read(
        deps.requests.get(request.request_id).ktp.verified_object_name, 10**7
    )
    assert ktp.get_data() == verified.data
    # Always an image (a PDF's pages are rendered at the check): nothing frames it.
    assert ktp.headers["X-Frame-Options"] == "DENY"
    assert ktp.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert [e.action for e in deps.audit.events].count("ktp_viewed") == 1
    timeline = review.timeline(deps, deps.requests.get(request.request_id))
    assert timeline[-1][1] == "siti.remisi melihat KTP"
    assert page.headers["X-Frame-Options"] == "DENY"


def test_the_audit_page_reads_labels_and_tracking_codes(deps):
    remisi = Desk(deps).sign_in(make_operator(deps))
    request = awaiting_request(deps)
    remisi.call("GET", f"/requests/{request.request_id}/ktp")
    _, answer = review.composed_answer(deps, request, "REG-1")
    remisi.post(
        f"/requests/{request.request_id}/decide", kind="found", candidate="REG-1", answer=answer
    )
    admin = Desk(deps).sign_in(make_operator(deps, "admin.satu", Role.ADMIN))
    status, trail = admin.page("/admin/audit")
    assert status == 200
    rows = trail[trail.index("<tbody>") :]
    for raw in ("sign_in", "ktp_viewed", "decision_found", request.request_id):
        assert raw not in rows, raw
    assert f'<td>Melihat KTP</td><td class="nowrap">permohonan {request.tracking_code}' in rows
    assert "<td>Keputusan: ditemukan</td>" in rows and "jawaban disunting: tidak" in rows
    assert "<td>Masuk</td>" in rows
    # A tracking code finds the request's events, as its id did.
    _, found = admin.page("/admin/audit", target=request.tracking_code, action="ktp_viewed")
    assert found.count("<td>Melihat KTP</td>") == 1


# --- reports ----------------------------------------------------------------------------------


def test_the_monthly_report_counts_outcomes_steps_and_sla(deps):
    from shared.domain.reports import month_bounds
    from shared.operator_web import report_files

    remisi = make_operator(deps).operator
    fast = awaiting_request(deps)
    deps.clock.advance(minutes=2)
    review.decide(deps, remisi, fast.request_id, DecisionKind.NOT_FOUND)
    slow = awaiting_request(deps, idempotency_key="s" * 32, relationship="pengacara")
    deps.clock.advance(minutes=10)
    _, composed = review.composed_answer(deps, slow, "REG-1")
    review.decide(deps, remisi, slow.request_id, DecisionKind.FOUND, "REG-1", composed)
    awaiting_request(deps, idempotency_key="w" * 32)

    report = review.month_report(deps, "2026-11")
    assert report.total == 3 and report.decided == 2
    assert report.outcomes["found"] == report.outcomes["not_found"] == 1
    assert report.outcomes["waiting_operator"] == 1
    assert report.relationships == {"ayah_ibu": 2, "pengacara": 1}
    assert (report.within_verification, report.within_sop) == (1, 1)
    assert report.percent(report.within_sop) == 50.0
    assert report.step_medians["operator"] == timedelta(minutes=6)
    assert sum(n for _, n in report.by_day) == 3 and len(report.by_day) == 30
    assert review.month_report(deps, "2026-10").total == 0
    start, end = month_bounds("2026-12", deps.office_hours)
    assert (start.month, end.year, end.month) == (12, 2027, 1)
    with pytest.raises(ValueError):
        month_bounds("2026-13", deps.office_hours)

    table = report_files.rows(report)
    assert ("hasil", "Ditemukan (dijawab)", 1) in table
    assert ("hubungan", "Pengacara", 1) in table and ("hubungan", "Ayah/Ibu", 2) in table
    assert "kepatuhan SLA,dalam 8 menit (target SOP) %,50.0" in report_files.as_csv(table)
    svg = report_files.bar_chart([("<b>", 1)], "Uji <script>")
    assert "<script>" not in svg and "&lt;b&gt;" in svg


def test_an_admin_resets_lost_credentials(deps):
    admin = make_operator(deps, "admin.satu", Role.ADMIN).operator
    enrolment = make_operator(deps)
    signed = sign_in(deps, enrolment)
    deps.clock.advance(seconds=1)
    fresh = auth.reset_credentials(deps, admin, "siti.remisi", "sandi-awal-yang-baru")
    assert fresh.totp_secret != enrolment.totp_secret
    assert auth.authenticate(deps, signed.token) is None
    deps.clock.advance(seconds=31)
    with pytest.raises(auth.SignInRefused):
        sign_in(deps, enrolment)  # the old phone's code and the old password
    assert auth.sign_in(deps, "siti.remisi", "sandi-awal-yang-baru", code_for(fresh, deps))
    assert "account_reset" in deps.audit.actions()
    with pytest.raises(AccountInvalid):
        auth.reset_credentials(deps, admin, "admin.satu", "sandi-awal-yang-baru")


def test_a_tracking_code_opens_only_requests_in_the_operators_context(deps):
    request = awaiting_request(deps)
    code = request.tracking_code
    assert review.find_by_tracking_code(deps, code.lower()).request_id == request.request_id
    fresh = services.submit_request(form_payload(TODAY), deps).request
    for text in (fresh.tracking_code, "", "ZZZZ-ZZZZ-Z"):
        with pytest.raises(review.NotVisible):
            review.find_by_tracking_code(deps, text)


# --- the page itself, on the same fakes -------------------------------------------------------


class Desk:
    """One operator's browser against `app.handle`: keeps the session cookie."""

    def __init__(self, deps):
        from shared.operator_web.web import WebConfig

        self.deps = deps
        self.config = WebConfig(cookie_secure=False, storage_origin="https://storage.test")
        self.cookie = ""

    def call(self, method, path, data=None, query=None):
        import flask
        from werkzeug.test import EnvironBuilder

        from shared.operator_web import app

        headers = {"Cookie": f"{self.config.cookie_name}={self.cookie}"} if self.cookie else {}
        environ = EnvironBuilder(
            path=f"/api/operator{path}",
            method=method,
            data=data,
            query_string=query,
            headers=headers,
        ).get_environ()
        return app.handle(flask.Request(environ), self.deps, self.config)

    def page(self, path, **query):
        response = self.call("GET", path, query=query)
        return response.status_code, response.get_data(as_text=True)

    def sign_in(self, enrolment):
        answer = self.call(
            "POST",
            "/login",
            {
                "username": enrolment.operator.username,
                "password": PASSWORD,
                "code": code_for(enrolment, self.deps),
            },
        )
        assert answer.status_code == 303, answer.get_data(as_text=True)
        self.cookie = answer.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        return self

    def post(self, path, **data):
        import re

        _, account = self.page("/account")
        data["csrf"] = re.search(r'name="csrf" value="([^"]+)"', account)[1]
        return self.call("POST", path, data)


def test_every_value_an_operator_reads_has_a_label():
    from shared.domain import labels
    from shared.domain.model import InformationKind, Relationship

    assert set(labels.RELATIONSHIP_LABELS) == set(Relationship)
    assert set(labels.INFORMATION_LABELS) == set(InformationKind)
    assert set(labels.DECISION_LABELS) == set(DecisionKind)
    assert set(labels.HISTORY_LABELS) == set(Status)
    assert set(review.QUEUE_STATUSES) <= set(labels.STATUS_LABELS)


def test_the_page_takes_a_request_from_the_queue_to_a_decision_in_labels(deps):
    remisi = Desk(deps).sign_in(make_operator(deps))
    request = awaiting_request(
        deps, relationship="pengacara", information_needed=["tanggal_bebas", "status_sk"]
    )
    status, queue = remisi.page("/queue")
    assert status == 200 and request.tracking_code in queue
    assert 'status=awaiting_operator" aria-current="page">Menunggu operator</a>' in queue
    assert remisi.page("/queue", status="no_such_status")[1] == queue

    status, page = remisi.page(f"/requests/{request.request_id}")
    assert status == 200 and "Menunggu operator</small>" in page
    assert "<dd>Pengacara</dd>" in page and "<dd>Tanggal bebas, Status SK</dd>" in page
    status, compose = remisi.page(f"/requests/{request.request_id}/compose", candidate="REG-1")
    assert status == 200 and "Informasi yang diminta: Tanggal bebas, Status SK." in compose
    _, answer = review.composed_answer(deps, request, "REG-1")
    decided = remisi.post(
        f"/requests/{request.request_id}/decide", kind="found", candidate="REG-1", answer=answer
    )
    assert decided.status_code == 303
    _, page = remisi.page(f"/requests/{request.request_id}", ok="decided")
    assert "Keputusan tersimpan." in page and "Ditemukan oleh <strong>siti.remisi" in page
    assert "siti.remisi memutuskan: ditemukan" in page
    # The decision is shown in the office's time (WIB, UTC+7).
    assert "28-11-2026 10:00:00" in page

    again = remisi.post(f"/requests/{request.request_id}/decide", kind="not_found")
    text = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "sudah diputuskan oleh siti.remisi (Ditemukan) pada 28-11-2026 10:00:00." in text
    assert again.headers["Cache-Control"] == "no-store"


def test_the_admin_pages_read_through_the_service_layer(deps):
    admin = Desk(deps).sign_in(make_operator(deps, "admin.satu", Role.ADMIN))
    locked = make_operator(deps, "budi.divpas", Role.OPERATOR_DIVPAS)
    for _ in range(5):
        with pytest.raises(auth.SignInRefused):
            sign_in(deps, locked, password="salah-salah-salah")
    status, accounts = admin.page("/admin/accounts")
    # Five failures from one client delay that client only; the name is not locked for all.
    assert status == 200 and "<td>Aktif (5 gagal)</td>" in accounts

    status, trail = admin.page("/admin/audit", actor="budi.divpas", action="sign_in_failed")
    assert status == 200 and trail.count("<td>Gagal masuk</td>") == 5
    with pytest.raises(auth.SignInRefused):
        auth.sign_in(deps, "tidak.ada", PASSWORD, "123456")  # recorded with actor "-"
    exported = admin.call("GET", "/admin/audit.csv")
    rows = exported.get_data(as_text=True).splitlines()
    assert rows[0] == "waktu_utc,pelaku,tindakan,sasaran,rincian"
    # A cell a spreadsheet would take for a formula is quoted.
    assert any(",'-,sign_in_failed,,username=tidak.ada" in row for row in rows)
    assert deps.audit.events[-1].action == "audit_exported"
    assert deps.audit.events[-1].details == {"rows": len(rows) - 1}

    status, templates = admin.page("/admin/templates")
    assert status == 200 and "<td>Tanda terima</td>" in templates
    assert "<td>Bahasa Inggris</td>" in templates
    assert admin.page("/admin/templates/receipt/xx")[0] == 404
    assert admin.page("/queue")[0] == 403  # no requester data for admins
