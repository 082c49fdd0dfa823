"""Dispatch with in-memory fakes: at most once per (request, kind, round, channel), failure
classes, the request's NOTIFIED/FAILED step, the manual WhatsApp fallback, forward-only
statuses, and what the templates render (escaped, strict)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import jinja2
import pytest

from shared.domain.message_templates import (
    ANSWER_LINES,
    SAMPLE_VALUES,
    WHATSAPP_TEMPLATES,
    render_email,
    render_whatsapp,
)
from shared.domain.messages import Channel, MessageKind, MessageState, message_id
from shared.domain.model import DecisionKind, Status
from shared.domain.sdp import SdpCandidate
from shared.service_layer import dispatch, review, services
from shared.service_layer.dispatch import DispatchTask, RetryLater
from shared.service_layer.ports import Failure, ProviderError
from shared.service_layer.services import UploadedObject
from tests.fakes import (
    ListDirectory,
    fake_dependencies,
    fake_dispatch_dependencies,
    fake_operator_dependencies,
)
from tests.samples import form_payload, jpeg_bytes

TODAY = date(2026, 11, 28)


@pytest.fixture
def core():
    return fake_dependencies(
        sdp=ListDirectory([SdpCandidate("REG-1", "Ahmad Fauzi bin Hasan", 97.0, ("nama sama",))])
    )


@pytest.fixture
def deps(core):
    return fake_dispatch_dependencies(core)


def dispatch_tasks(core, kind=None):
    found = [
        DispatchTask.from_payload(t.payload) for t in core.tasks.tasks if t.target == "dispatch"
    ]
    return [t for t in found if kind is None or t.kind is kind]


def uploaded(core, **overrides):
    request = services.submit_request(form_payload(TODAY, **overrides), core).request
    name = request.ktp.object_name
    generation = core.files.put(name, jpeg_bytes())
    services.handle_ktp_uploaded(UploadedObject("b", name, generation, 1, "image/jpeg"), core)
    return core.requests.get(request.request_id)


def decided(deps, kind=DecisionKind.NOT_FOUND, **overrides):
    core = deps
    request = uploaded(core, **overrides)
    services.run_sdp_lookup(request.request_id, core)
    request = core.requests.get(request.request_id)
    operators = fake_operator_dependencies(core)
    from shared.domain.accounts import Role
    from shared.service_layer import auth

    operator = auth.create_operator(
        operators, "siti.remisi", "Siti", Role.OPERATOR_REMISI, "kata-sandi-panjang-1", actor="t"
    ).operator
    if kind is DecisionKind.FOUND:
        _, composed = review.composed_answer(operators, request, "REG-1")
        composed = composed.replace("[[ISI OLEH PETUGAS]]", "-")
        review.decide(operators, operator, request.request_id, kind, "REG-1", composed)
    else:
        review.decide(operators, operator, request.request_id, kind)
    return core.requests.get(request.request_id)


def run_all(deps, kind, retry_count=0):
    return {
        t.channel: dispatch.run_dispatch(t, deps, retry_count) for t in dispatch_tasks(deps, kind)
    }


def stored(deps, request, kind, channel):
    return deps.messages.get(message_id(request.request_id, kind, request.ktp.attempt, channel))


def test_a_valid_upload_queues_a_named_receipt_per_channel_and_each_is_sent_once(deps):
    request = uploaded(deps)
    tasks = [t for t in deps.tasks.tasks if t.target == "dispatch"]
    assert {t.queue for t in tasks} == {"dispatch"}
    assert len(tasks) == 2 and all(request.request_id in t.name for t in tasks)
    # The same event again queues nothing new (named tasks) ...
    services.handle_ktp_uploaded(
        UploadedObject("b", request.ktp.object_name, "1", 1, "image/jpeg"), deps
    )
    assert len([t for t in deps.tasks.tasks if t.target == "dispatch"]) == 2
    # ... and a duplicate task delivery sends nothing twice.
    assert run_all(deps, MessageKind.RECEIPT) == {
        Channel.EMAIL: "accepted",
        Channel.WHATSAPP: "accepted",
    }
    assert run_all(deps, MessageKind.RECEIPT) == {
        Channel.EMAIL: "duplicate",
        Channel.WHATSAPP: "duplicate",
    }
    assert deps.email.calls == 1 and deps.whatsapp.calls == 1
    email = deps.email.sent[0]
    assert request.tracking_code in email.subject and email.to == request.requester.email
    # Only opaque ids go to the provider's custom args.
    assert email.request_id == request.request_id
    assert request.requester.name not in email.message_id
    whatsapp = deps.whatsapp.sent[0]
    assert whatsapp.to == request.requester.whatsapp.lstrip("+") and whatsapp.to.startswith("628")
    assert whatsapp.template == "remisi_tanda_terima" and whatsapp.language == "id"
    message = stored(deps, request, MessageKind.RECEIPT, Channel.EMAIL)
    assert message.state is MessageState.ACCEPTED and message.provider_message_id == "sg-1"


def test_a_crash_between_send_and_record_is_flagged_not_resent(deps):
    request = uploaded(deps)
    email_task = next(t for t in dispatch_tasks(deps) if t.channel is Channel.EMAIL)

    class Crash(Exception):
        pass

    def crash(message):
        deps.email.calls += 1
        raise Crash  # the provider may have sent; we never learnt

    deps.email.send = crash
    with pytest.raises(Crash):
        dispatch.run_dispatch(email_task, deps)
    assert stored(deps, request, MessageKind.RECEIPT, Channel.EMAIL).state is MessageState.SENDING
    # Delivered again within the send's lease: a twin may still be with the provider.
    assert dispatch.run_dispatch(email_task, deps, retry_count=1) == "in_progress"
    # After it: the intent has no outcome, so nothing is sent; an operator settles it.
    deps.clock.advance(seconds=61)
    assert dispatch.run_dispatch(email_task, deps, retry_count=2) == "unknown"
    assert deps.email.calls == 1
    message = stored(deps, request, MessageKind.RECEIPT, Channel.EMAIL)
    assert message.state is MessageState.UNKNOWN and message.needs_operator


@pytest.mark.parametrize("channel", list(Channel))
def test_transient_failures_retry_through_the_queue_then_succeed(deps, channel):
    request = uploaded(deps)
    notifier = deps.email if channel is Channel.EMAIL else deps.whatsapp
    notifier.script = [
        ProviderError(Failure.TRANSIENT, "http_429", retry_after=30),
        ProviderError(Failure.TRANSIENT, "timeout"),
    ]
    task = next(t for t in dispatch_tasks(deps) if t.channel is channel)
    with pytest.raises(RetryLater) as first:
        dispatch.run_dispatch(task, deps, 0)
    assert first.value.retry_after == 30
    message = stored(deps, request, MessageKind.RECEIPT, channel)
    assert message.state is MessageState.RETRY_WAIT and message.error_code == "http_429"
    with pytest.raises(RetryLater):
        dispatch.run_dispatch(task, deps, 1)
    assert dispatch.run_dispatch(task, deps, 2) == "accepted"
    message = stored(deps, request, MessageKind.RECEIPT, channel)
    assert message.state is MessageState.ACCEPTED and message.attempts == 3
    assert len(notifier.sent) == 1


def test_the_last_attempt_gives_up_and_flags_the_message(deps):
    request = uploaded(deps)
    deps.email.script = [ProviderError(Failure.TRANSIENT, "http_500")]
    task = next(t for t in dispatch_tasks(deps) if t.channel is Channel.EMAIL)
    assert dispatch.run_dispatch(task, deps, retry_count=deps.max_attempts - 1) == "failed"
    message = stored(deps, request, MessageKind.RECEIPT, Channel.EMAIL)
    assert message.state is MessageState.FAILED and message.error_code == "gave_up:http_500"
    assert message.needs_operator


def test_an_answer_on_both_channels_notifies_the_request(deps):
    request = decided(deps, DecisionKind.FOUND)
    assert request.status is Status.ANSWERED
    assert run_all(deps, MessageKind.ANSWER) == {
        Channel.EMAIL: "accepted",
        Channel.WHATSAPP: "accepted",
    }
    assert deps.requests.get(request.request_id).status is Status.NOTIFIED
    email = next(e for e in deps.email.sent if "Jawaban" in e.subject)
    assert request.last_decision.answer_text.strip() in email.text
    whatsapp = next(m for m in deps.whatsapp.sent if m.template == "remisi_jawaban")
    assert all("\n" not in p for p in whatsapp.parameters)
    # On the phone each line of the answer is a line of the message, as in the email.
    answer_lines = [line.strip() for line in request.last_decision.answer_text.splitlines()]
    shown = whatsapp.preview.splitlines()
    assert shown[1 : 1 + len(answer_lines)] == answer_lines and " / " not in whatsapp.preview


def test_every_whatsapp_body_puts_each_fact_on_its_own_line():
    context = {**SAMPLE_VALUES, "language": "id"}
    context["answer_text"] = "Yth. Bapak/Ibu Siti,\n\n\nRiwayat remisi:\n- 2025: RU I, 2 bulan\n"
    for kind, template in WHATSAPP_TEMPLATES.items():
        for language in ("id", "en"):
            body = template.body[language]
            numbers = [int(n) for n in re.findall(r"\{\{(\d+)\}\}", body)]
            assert numbers == list(range(1, len(template.parameters) + 1)), (kind, language)
            assert body.count("\n") >= 2, (kind, language)  # lines, not one paragraph
            # WhatsApp Manager refuses a body that starts or ends with a parameter.
            assert not re.search(r"^\{\{|\}\}$", body), (kind, language)
            rendered = render_whatsapp(kind, language, context)
            # WhatsApp refuses a parameter that is empty or holds a line break or a tab.
            assert all(p.strip() and not re.search(r"[\n\t]| {5}", p) for p in rendered.parameters)
            assert " / " not in rendered.preview
    answer = render_whatsapp(MessageKind.ANSWER, "id", context).preview.splitlines()
    # Runs of blank lines fold into one; nothing trails the last line.
    assert answer[1:-2] == ["Yth. Bapak/Ibu Siti,", "", "Riwayat remisi:", "- 2025: RU I, 2 bulan"]


def test_an_answer_longer_than_the_template_keeps_every_line():
    lines = [f"Baris {n}" for n in range(1, ANSWER_LINES + 6)]
    context = {**SAMPLE_VALUES, "language": "id", "answer_text": "\n".join(lines)}
    rendered = render_whatsapp(MessageKind.ANSWER, "id", context)
    assert len(rendered.parameters) == 1 + ANSWER_LINES
    assert rendered.parameters[-1] == " / ".join(lines[ANSWER_LINES - 1 :])
    assert rendered.preview.splitlines()[1:ANSWER_LINES] == lines[: ANSWER_LINES - 1]


def test_permanent_failures_on_both_channels_fail_the_request_and_alert_operators(deps):
    deps.operator_alert_email = "petugas@example.go.id"
    request = decided(deps, DecisionKind.NOT_FOUND)
    deps.email.script = [ProviderError(Failure.PERMANENT, "invalid_email")]
    deps.whatsapp.script = [ProviderError(Failure.PERMANENT, "wa_131026")]
    assert run_all(deps, MessageKind.NOT_FOUND) == {
        Channel.EMAIL: "failed",
        Channel.WHATSAPP: "failed",
    }
    after = deps.requests.get(request.request_id)
    assert after.status is Status.FAILED
    assert "invalid_email" in after.history[-1].note and "wa_131026" in after.history[-1].note
    notices = dispatch_tasks(deps, MessageKind.OPERATOR_FAILURE)
    assert len(notices) == 1 and notices[0].channel is Channel.EMAIL
    assert dispatch.run_dispatch(notices[0], deps) == "accepted"
    notice = deps.email.sent[-1]
    assert notice.to == "petugas@example.go.id" and request.tracking_code in notice.subject
    assert "wa_131026" in notice.text


def test_one_channel_failing_still_notifies_and_leaves_the_failure_visible(deps):
    request = decided(deps, DecisionKind.NOT_FOUND)
    deps.whatsapp.script = [ProviderError(Failure.PERMANENT, "wa_131026")]
    run_all(deps, MessageKind.NOT_FOUND)
    assert deps.requests.get(request.request_id).status is Status.NOTIFIED
    assert stored(deps, request, MessageKind.NOT_FOUND, Channel.WHATSAPP).needs_operator


def test_without_whatsapp_the_operator_gets_a_prefilled_click_to_chat_link(core):
    deps = fake_dispatch_dependencies(core, whatsapp=None)
    request = decided(deps, DecisionKind.NOT_FOUND)
    assert run_all(deps, MessageKind.NOT_FOUND) == {
        Channel.EMAIL: "accepted",
        Channel.WHATSAPP: "manual",
    }
    message = stored(deps, request, MessageKind.NOT_FOUND, Channel.WHATSAPP)
    assert message.state is MessageState.MANUAL_PENDING
    link = urlsplit(message.manual_link)
    assert link.netloc == "wa.me" and link.path == "/" + request.requester.whatsapp.lstrip("+")
    assert request.tracking_code in parse_qs(link.query)["text"][0]
    assert deps.requests.get(request.request_id).status is Status.NOT_FOUND
    assert dispatch.mark_manually_sent(deps, message.message_id, "siti.remisi")
    assert not dispatch.mark_manually_sent(deps, message.message_id, "siti.remisi")
    assert deps.requests.get(request.request_id).status is Status.NOTIFIED


def test_clearer_ktp_and_rejected_uploads_send_the_reupload_link(deps):
    request = decided(deps, DecisionKind.CLEARER_KTP)
    run_all(deps, MessageKind.UPLOAD_REJECTED)
    email = next(e for e in deps.email.sent if "unggah ulang" in e.subject.lower())
    assert f"status.html?kode={request.tracking_code}" in email.text
    assert "lebih jelas" in email.text


def test_webhook_statuses_only_move_forward(deps):
    request = uploaded(deps)
    run_all(deps, MessageKind.RECEIPT)
    mid = message_id(request.request_id, MessageKind.RECEIPT, 1, Channel.WHATSAPP)
    apply = dispatch.apply_provider_status
    assert apply(deps, MessageState.READ, "read", provider_message_id="wamid-1") == "applied"
    assert apply(deps, MessageState.DELIVERED, None, mid=mid) == "ignored_not_forward"
    assert apply(deps, MessageState.FAILED, "131026", mid=mid) == "ignored_not_forward"
    assert deps.messages.get(mid).state is MessageState.READ
    assert apply(deps, MessageState.DELIVERED, None, mid="nope") == "ignored_unknown_message"


def test_english_requests_get_english_envelopes(deps):
    uploaded(deps, language="en")
    run_all(deps, MessageKind.RECEIPT)
    assert deps.email.sent[0].subject.startswith("Remission information request received")
    assert deps.whatsapp.sent[0].language == "en"


def test_templates_escape_html_and_refuse_missing_values():
    context = {
        "language": "id",
        "tracking_code": "K7Q-M4T-XAR",
        "requester_name": '<script>alert(1)</script> & "Budi"',
        "office_name": "Kanwil",
        "status_url": "https://x/status.html?kode=K7Q-M4T-XAR",
    }
    email = render_email(MessageKind.RECEIPT, "id", context)
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert "<script>" in email.text  # plain text is plain
    with pytest.raises(jinja2.UndefinedError):
        render_email(MessageKind.NOT_FOUND, "id", context)  # no prisoner_name
    with pytest.raises(jinja2.UndefinedError):
        render_whatsapp(MessageKind.ANSWER, "id", context)


def test_malformed_tasks_are_refused():
    for payload in ({}, {"request_id": "x" * 32, "kind": "spam", "round": 1, "channel": "email"}):
        with pytest.raises(dispatch.MalformedTask):
            DispatchTask.from_payload(payload)


def test_a_status_before_the_senders_record_keeps_the_provider_id(deps):
    from shared.domain.messages import Message

    message = Message(
        "m",
        "r",
        MessageKind.RECEIPT,
        1,
        Channel.EMAIL,
        MessageState.SENDING,
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert message.provider_status(MessageState.DELIVERED, datetime(2026, 1, 1, tzinfo=UTC))
    assert message.accepted("sg-9", datetime(2026, 1, 1, tzinfo=UTC))
    assert message.state is MessageState.DELIVERED and message.provider_message_id == "sg-9"


def test_the_operator_marks_a_manual_whatsapp_message_sent_on_the_page(core):
    from shared.domain.accounts import Role
    from shared.service_layer import auth

    deps = fake_dispatch_dependencies(core, whatsapp=None)
    operators = fake_operator_dependencies(core, messages=deps.messages)
    request = decided(deps, DecisionKind.NOT_FOUND)
    run_all(deps, MessageKind.NOT_FOUND)
    listed = review.request_messages(operators, request)
    assert [(m.kind, m.channel, m.state) for m in listed if m.kind is MessageKind.NOT_FOUND] == [
        (MessageKind.NOT_FOUND, Channel.EMAIL, MessageState.ACCEPTED),
        (MessageKind.NOT_FOUND, Channel.WHATSAPP, MessageState.MANUAL_PENDING),
    ]
    divpas = auth.create_operator(
        operators, "budi.divpas", "Budi", Role.OPERATOR_DIVPAS, "kata-sandi-panjang-2", actor="t"
    ).operator
    other = uploaded(core)
    wa = message_id(request.request_id, MessageKind.NOT_FOUND, 1, Channel.WHATSAPP)
    with pytest.raises(review.NotVisible):
        review.mark_message_sent(operators, divpas, other.request_id, wa)
    assert review.mark_message_sent(operators, divpas, request.request_id, wa)
    assert deps.requests.get(request.request_id).status is Status.NOTIFIED
    assert "message_sent_manually" in operators.audit.actions()
    assert Status.FAILED in review.QUEUE_STATUSES


def test_the_sweep_queues_lost_decision_messages_again_and_nothing_is_sent_twice(deps):
    request = decided(deps, DecisionKind.NOT_FOUND)
    core = deps
    core.tasks.tasks.clear()  # the enqueue after the decision was lost
    services.sweep(core)
    assert dispatch_tasks(core, MessageKind.NOT_FOUND) == []  # too early
    core.clock.advance(minutes=16)
    assert services.sweep(core).relayed >= 2
    assert {t.channel for t in dispatch_tasks(core, MessageKind.NOT_FOUND)} == set(Channel)
    run_all(deps, MessageKind.NOT_FOUND)
    assert core.requests.get(request.request_id).status is Status.NOTIFIED
    services.sweep(core)  # notified: nothing more to queue, nothing sent again
    assert run_all(deps, MessageKind.NOT_FOUND) == {
        Channel.EMAIL: "duplicate",
        Channel.WHATSAPP: "duplicate",
    }
    assert deps.email.calls == 1 and deps.whatsapp.calls == 1
