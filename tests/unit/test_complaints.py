"""Complaints: the form's rules, filing (with and without a tracking code), the receipt and the
answer through the outbox, the SLA clock in working days, and the monthly counts."""

from datetime import UTC, date, datetime

import pytest

from shared.domain.complaint_reports import complaint_month
from shared.domain.complaints import (
    Category,
    ComplaintStatus,
    complaint_clock,
    number_for,
    parse_answer,
    parse_complaint,
)
from shared.domain.form import FormInvalid
from shared.domain.messages import MessageKind, MessageState
from shared.domain.sla import OfficeHours
from shared.domain.tracking import normalize_tracking_code
from shared.service_layer import complaints, dispatch, public, services
from shared.service_layer.dispatch import DispatchTask
from tests.fakes import (
    FixedClock,
    InMemoryRateLimiter,
    fake_dependencies,
    fake_dispatch_dependencies,
)
from tests.samples import form_payload

HOURS = OfficeHours.parse("1-5 08:00-16:00 +07:00")
# Friday 27 November 2026, 15:00 WIB.
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
TEXT = "Sudah tiga hari belum ada jawaban atas permohonan saya, mohon ditindaklanjuti."


def payload(**overrides) -> dict:
    body = {
        "name": "Siti Rahmawati",
        "whatsapp": "0812 3456 7890",
        "email": "",
        "category": "lambat",
        "text": TEXT,
        "tracking_code": "",
        "idempotency_key": "complaint-key-0001-abcdef",
    }
    body.update(overrides)
    return body


@pytest.fixture
def deps():
    core = fake_dependencies(clock=FixedClock(FRIDAY_AFTERNOON))
    core.office_hours = HOURS
    core.complaint_answer_days = 5
    return fake_dispatch_dependencies(core)


@pytest.fixture
def limiter():
    return InMemoryRateLimiter()


def errors_of(body) -> dict:
    with pytest.raises(FormInvalid) as raised:
        parse_complaint(body)
    return {field: error.code for field, error in raised.value.errors.items()}


# --- the form -------------------------------------------------------------------------------


def test_the_form_takes_whatsapp_or_email_in_the_request_forms_rules():
    whatsapp_only = parse_complaint(payload(whatsapp="+62 812-3456-7890"))
    assert whatsapp_only.whatsapp == "+6281234567890" and whatsapp_only.email is None
    email_only = parse_complaint(payload(whatsapp="", email="Siti@Example.ID"))
    assert email_only.email == "Siti@example.id" and email_only.whatsapp is None
    assert errors_of(payload(whatsapp="", email="")) == {"whatsapp": "contact_needed"}
    assert errors_of(payload(whatsapp="12345")) == {"whatsapp": "invalid_phone"}
    assert errors_of(payload(email="siti@@x")) == {"email": "invalid_email"}


def test_the_form_bounds_every_field():
    assert errors_of(payload(text="terlalu pendek")) == {"text": "too_short"}
    assert errors_of(payload(text="x" * 2001)) == {"text": "too_long"}
    assert errors_of(payload(text=TEXT + "\x00")) == {"text": "invalid_text"}
    assert errors_of(payload(name="R2-D2")) == {"name": "invalid_name"}
    assert errors_of(payload(category="spam")) == {"category": "invalid_choice"}
    assert errors_of(payload(idempotency_key="short")) == {"idempotency_key": "invalid_key"}
    # The request form's honeypot: a bot that fills it is refused before anything else.
    assert errors_of(payload(website="http://spam.example", text="")) == {"website": "honeypot"}
    # Paragraphs are kept, runs of spaces folded.
    kept = parse_complaint(payload(text="Baris   satu cukup panjang.\r\n\r\n\r\nBaris dua."))
    assert kept.text == "Baris satu cukup panjang.\n\nBaris dua."


def test_complaint_numbers_are_readable_and_stable():
    number = number_for("0123456789abcdef0123456789abcdef")
    assert number == number_for("0123456789abcdef0123456789abcdef")
    assert number.startswith("ADU-") and len(number) == 15
    assert set(number[4:].replace("-", "")) <= set("ACEFGHJKMNPRTWXY34679")


# --- filing ---------------------------------------------------------------------------------


def test_filing_stores_the_complaint_owes_its_receipt_and_audits_in_one_step(deps, limiter):
    filed = complaints.file_complaint(payload(), "10.0.0.1", deps, limiter)
    complaint = filed.complaint
    assert filed.created and complaint.status is ComplaintStatus.RECEIVED
    assert deps.complaints.get(complaint.complaint_id).number == complaint.number
    # Only the channel the complainant gave: a WhatsApp receipt, no email.
    messages = deps.messages.for_request(complaint.complaint_id)
    assert [(m.kind, m.channel.value) for m in messages] == [
        (MessageKind.COMPLAINT_RECEIPT, "whatsapp")
    ]
    assert len(deps.store.open_entries()) == 1
    assert [e.action for e in deps.store.audit.recent()] == ["complaint_received"]
    assert deps.store.audit.recent()[0].target == f"complaint:{complaint.number}"

    # The same form again (a retry on a bad connection): the same complaint, nothing new.
    again = complaints.file_complaint(payload(), "10.0.0.1", deps, limiter)
    assert not again.created and again.complaint.number == complaint.number
    assert len(deps.store.open_entries()) == 1 and len(deps.store.audit.recent()) == 1
    with pytest.raises(complaints.IdempotencyKeyReused):
        complaints.file_complaint(payload(category="lainnya"), "10.0.0.1", deps, limiter)


def test_the_receipt_goes_out_with_the_number_and_the_days(deps, limiter):
    filed = complaints.file_complaint(payload(email="siti@example.id"), "c", deps, limiter)
    complaint = filed.complaint
    for channel in ("email", "whatsapp"):
        task = DispatchTask.from_payload(
            {
                "request_id": complaint.complaint_id,
                "kind": "complaint_receipt",
                "round": 1,
                "channel": channel,
            }
        )
        assert dispatch.run_dispatch(task, deps) == "accepted"
    email = deps.email.sent[-1]
    assert email.to == "siti@example.id" and complaint.number in email.subject
    assert "5 hari kerja" in email.text
    chat = deps.whatsapp.sent[-1]
    assert chat.template == "remisi_pengaduan_diterima"
    assert chat.parameters == (complaint.number, "5") and chat.to == "6281234567890"
    # The message pair settles without a request behind it.
    states = {m.channel.value: m.state for m in deps.messages.for_request(complaint.complaint_id)}
    assert states == {"email": MessageState.ACCEPTED, "whatsapp": MessageState.ACCEPTED}


def test_a_tracking_code_is_verified_with_the_contact_as_the_status_page_does(deps, limiter):
    request = services.submit_request(form_payload(date(2026, 11, 27)), deps).request
    code = request.tracking_code.replace("-", "").lower()
    linked = complaints.file_complaint(payload(tracking_code=code), "c", deps, limiter).complaint
    assert linked.request_id == request.request_id
    assert linked.tracking_code == request.tracking_code
    # By email too, when the WhatsApp number given is another one.
    by_email = payload(
        tracking_code=code,
        whatsapp="0813 9999 0000",
        email="siti.contoh@example.id",
        idempotency_key="complaint-key-0002-abcdef",
    )
    assert complaints.file_complaint(by_email, "c", deps, limiter).complaint.request_id
    # Someone else's code, or a code nobody has: refused alike, nothing stored.
    for wrong in (
        payload(tracking_code=code, whatsapp="0813 1111 2222", idempotency_key="k" * 20),
        payload(tracking_code=_other_valid_code(request.tracking_code), idempotency_key="j" * 20),
    ):
        with pytest.raises(complaints.TrackingCodeNotVerified):
            complaints.file_complaint(wrong, "c", deps, limiter)
    with pytest.raises(complaints.InvalidTrackingCode):
        complaints.file_complaint(
            payload(tracking_code="ABC", idempotency_key="m" * 20), "c", deps, limiter
        )
    assert len(deps.store.complaints.documents) == 2


def test_the_tracking_code_check_counts_on_the_status_pages_limit(deps, limiter):
    request = services.submit_request(form_payload(date(2026, 11, 27)), deps).request
    for n in range(public.LOOKUPS_PER_WINDOW):
        wrong = payload(tracking_code=request.tracking_code, whatsapp="0813 1111 2222")
        wrong["idempotency_key"] = f"complaint-key-{n:04d}-xyzxyz"
        with pytest.raises(complaints.TrackingCodeNotVerified):
            complaints.file_complaint(wrong, "10.9.9.9", deps, limiter)
    with pytest.raises(public.RateLimited):
        public.view_status(request.tracking_code, "081234567890", "10.9.9.9", deps, limiter)


def _other_valid_code(code: str) -> str:
    from shared.domain.tracking import new_tracking_code

    while (other := new_tracking_code()) == code:
        pass
    assert normalize_tracking_code(other) == other
    return other


# --- answering ------------------------------------------------------------------------------


def test_answering_is_one_step_and_happens_once(deps, limiter):
    filed = complaints.file_complaint(payload(email="siti@example.id"), "c", deps, limiter)
    cid = filed.complaint.complaint_id
    deps.clock.advance(hours=1)
    answer = "Mohon maaf atas keterlambatan. Jawaban permohonan Anda sudah kami kirim hari ini."
    answered = complaints.answer(deps, cid, "remisi.op", answer)
    assert answered.status is ComplaintStatus.ANSWERED and answered.answered_by == "remisi.op"
    kinds = sorted(
        (m.kind.value, m.channel.value)
        for m in deps.messages.for_request(cid)
        if m.kind is MessageKind.COMPLAINT_ANSWER
    )
    assert kinds == [("complaint_answer", "email"), ("complaint_answer", "whatsapp")]
    audit = [e for e in deps.store.audit.recent() if e.action == "complaint_answered"]
    assert len(audit) == 1 and audit[0].details["within_sla"] is True
    entries = len(deps.store.outbox)
    with pytest.raises(complaints.AlreadyAnswered):
        complaints.answer(deps, cid, "other.op", answer + " Lagi.")
    assert len(deps.store.outbox) == entries
    assert deps.complaints.get(cid).answered_by == "remisi.op"

    task = DispatchTask(cid, MessageKind.COMPLAINT_ANSWER, 1, dispatch.Channel.WHATSAPP)
    assert dispatch.run_dispatch(task, deps) == "accepted"
    chat = deps.whatsapp.sent[-1]
    assert chat.template == "remisi_pengaduan_jawaban" and answer in chat.preview
    with pytest.raises(ValueError, match="Jawaban"):
        parse_answer("ok")


# --- the clock and the report ---------------------------------------------------------------


def _filed_at(deps, limiter, at: datetime, key: str, **overrides):
    deps.clock.current = at
    return complaints.file_complaint(payload(idempotency_key=key, **overrides), key, deps, limiter)


def test_the_clock_counts_five_working_days_of_office_hours(deps, limiter):
    complaint = _filed_at(deps, limiter, FRIDAY_AFTERNOON, "clock-key-0001-abcdef").complaint
    # Friday 15:00 WIB + 40 working hours: 1 h Friday, 8 h Monday to Thursday, 7 h Friday.
    thursday = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # 16:00 WIB, 33 h
    friday_before = datetime(2026, 12, 4, 7, 59, tzinfo=UTC)  # 14:59 WIB, 39 h 59 m
    friday_after = datetime(2026, 12, 4, 8, 1, tzinfo=UTC)  # 15:01 WIB
    assert complaint_clock(complaint, HOURS, 5, thursday).remaining_text == "sisa 7 j 00 m"
    assert complaint_clock(complaint, HOURS, 5, friday_before).within
    assert not complaint_clock(complaint, HOURS, 5, friday_after).within
    # A weekend in between costs nothing.
    saturday = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
    assert complaint_clock(complaint, HOURS, 5, saturday).elapsed.total_seconds() == 3600


def test_monthly_counts_received_answered_within_sla_and_by_category(deps, limiter):
    early = _filed_at(
        deps, limiter, datetime(2026, 11, 2, 2, tzinfo=UTC), "month-key-0001-a"
    ).complaint
    _filed_at(
        deps,
        limiter,
        datetime(2026, 11, 3, 2, tzinfo=UTC),
        "month-key-0002-a",
        category="pungutan_biaya",
    )
    late = _filed_at(
        deps, limiter, datetime(2026, 11, 4, 2, tzinfo=UTC), "month-key-0003-a"
    ).complaint
    deps.clock.current = datetime(2026, 11, 4, 4, tzinfo=UTC)
    complaints.answer(
        deps, early.complaint_id, "op", "Sudah kami tindak lanjuti hari ini, terima kasih."
    )
    deps.clock.current = datetime(2026, 11, 20, 4, tzinfo=UTC)
    complaints.answer(
        deps, late.complaint_id, "op", "Mohon maaf, jawaban ini terlambat kami kirim."
    )
    start, end = datetime(2026, 10, 31, 17, tzinfo=UTC), datetime(2026, 11, 30, 17, tzinfo=UTC)
    month = complaint_month(
        "2026-11", deps.complaints.created_between(start, end), HOURS, 5, deps.clock.now()
    )
    assert (month.received, month.answered, month.answered_within) == (3, 2, 1)
    assert (month.open, month.open_late) == (1, 1)
    assert month.by_category[Category.SLOW] == 2 and month.by_category[Category.FEE] == 1
    assert month.within_percent == 50.0
    rows = dict((item, value) for _, item, value in month.rows())
    assert rows["Dijawab dalam 5 hari kerja"] == "1 (50.0 %)"
    assert rows["Diminta biaya / pungutan liar"] == "1"


# --- the operator page ----------------------------------------------------------------------


def test_operators_see_the_queue_and_answer_on_the_page_admins_do_not(limiter):
    from shared.domain.accounts import Role
    from tests.fakes import fake_operator_dependencies
    from tests.unit.test_operator_services import Desk, make_operator

    core = fake_dependencies(clock=FixedClock(FRIDAY_AFTERNOON))
    deps = fake_operator_dependencies(fake_dispatch_dependencies(core), office_hours=HOURS)
    deps.complaint_answer_days = 5
    hostile = payload(name="Siti Rahmawati", text="<script>alert(1)</script> " + TEXT)
    complaint = complaints.file_complaint(hostile, "c", deps, limiter).complaint
    desk = Desk(deps).sign_in(make_operator(deps, "budi.divpas", Role.OPERATOR_DIVPAS))
    status, queue = desk.page("/complaints")
    assert status == 200 and complaint.number in queue and "Sesuai target" in queue
    status, page = desk.page(f"/complaints/{complaint.complaint_id}")
    assert status == 200 and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    too_short = desk.post(f"/complaints/{complaint.complaint_id}/answer", answer="ok")
    assert too_short.status_code == 400
    answered = desk.post(
        f"/complaints/{complaint.complaint_id}/answer",
        answer="Terima kasih, keterlambatan ini sudah kami tindak lanjuti hari ini.",
    )
    assert answered.status_code == 303
    _, page = desk.page(f"/complaints/{complaint.complaint_id}", ok="answered")
    assert "Jawaban tersimpan" in page and "Oleh <strong>budi.divpas</strong>" in page
    again = desk.post(f"/complaints/{complaint.complaint_id}/answer", answer="x" * 30)
    assert again.status_code == 409
    assert desk.page("/complaints/" + "0" * 32)[0] == 404
    actions = [e.action for e in deps.audit.recent()]
    assert "complaint_answered" in actions and "complaint_viewed" in actions

    admin = Desk(deps).sign_in(make_operator(deps, "admin.satu", Role.ADMIN))
    assert admin.page("/complaints")[0] == 403
    _, trail = admin.page("/admin/audit")
    assert "Pengaduan dijawab" in trail and f"pengaduan {complaint.number}" in trail
    remisi = Desk(deps).sign_in(make_operator(deps, "siti.remisi", Role.OPERATOR_REMISI))
    status, report = remisi.page("/reports", month="2026-11")
    assert status == 200 and "Dijawab dalam 5 hari kerja" in report


def test_without_whatsapp_set_up_an_operator_sends_the_link_and_marks_it(limiter):
    from shared.domain.accounts import Role
    from tests.fakes import fake_operator_dependencies
    from tests.unit.test_operator_services import Desk, make_operator

    core = fake_dependencies(clock=FixedClock(FRIDAY_AFTERNOON))
    deps = fake_operator_dependencies(fake_dispatch_dependencies(core), office_hours=HOURS)
    deps.whatsapp = None  # no WHATSAPP_PHONE_NUMBER_ID: click-to-chat links for operators
    complaint = complaints.file_complaint(payload(), "c", deps, limiter).complaint
    task = DispatchTask(
        complaint.complaint_id, MessageKind.COMPLAINT_RECEIPT, 1, dispatch.Channel.WHATSAPP
    )
    assert dispatch.run_dispatch(task, deps) == "manual"
    (message,) = deps.messages.for_request(complaint.complaint_id)
    assert message.state is MessageState.MANUAL_PENDING
    assert message.manual_link.startswith("https://wa.me/6281234567890?text=")

    desk = Desk(deps).sign_in(make_operator(deps, "budi.divpas", Role.OPERATOR_DIVPAS))
    _, page = desk.page(f"/complaints/{complaint.complaint_id}")
    assert "Sudah dikirim manual" in page and "https://wa.me/6281234567890" in page
    base = f"/complaints/{complaint.complaint_id}/messages/{message.message_id}"
    assert desk.post(f"{base}/sent").status_code == 303
    assert deps.messages.get(message.message_id).state is MessageState.MANUAL_SENT
    assert desk.post(f"{base}/sent").status_code == 303  # again: nothing changes
    other = f"/complaints/{'0' * 32}/messages/{message.message_id}/sent"
    assert desk.post(other).status_code == 404  # not this complaint's message
    assert desk.post(f"{base}/delete").status_code == 404
    marked = [e for e in deps.audit.recent() if e.action == "message_sent_manually"]
    assert len(marked) == 1 and marked[0].target == f"complaint:{complaint.number}"


def test_a_field_error_with_parameters_is_answered_400_not_500(deps, limiter):
    # Found by schemathesis: a one-letter name's error text takes {min}; the entry point
    # rendered it without its parameters first and answered 500.
    from shared.entrypoints.complaints import filed

    response = filed(payload(name="0", language="en"), "10.0.0.9", deps, limiter)
    assert response.status_code == 400
    body = response.get_json()
    assert body["errors"]["name"]["message"]
