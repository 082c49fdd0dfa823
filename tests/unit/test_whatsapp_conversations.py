"""Families answer the WhatsApp messages: each reply is kept once against its request (the
message it answers names it, else the number that wrote), opens the 24-hour window, and an
operator answers it in free text inside the window or with the approved template outside it
(the text then follows as soon as the family writes again); nothing unmatched is dropped."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.adapters.whatsapp_cloud import parse_inbound
from shared.domain.accounts import Role
from shared.domain.conversations import InboundMessage, ReplyInvalid, ReplyMode
from shared.domain.messages import Channel, MessageKind, MessageState, message_id
from shared.service_layer import auth, conversations, dispatch, services
from shared.service_layer.dispatch import DispatchTask
from shared.service_layer.ports import MalformedWebhook, UploadedObject
from tests.fakes import fake_dependencies, fake_dispatch_dependencies, fake_operator_dependencies
from tests.samples import form_payload, jpeg_bytes

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
SENDER = "6281234567890"  # form_payload's 0812 3456 7890


@pytest.fixture
def deps():
    deps = fake_operator_dependencies(fake_dispatch_dependencies(fake_dependencies()))
    deps.clock.current = NOW
    return deps


def received(deps, **overrides):
    request = services.submit_request(form_payload(date(2026, 11, 28), **overrides), deps).request
    generation = deps.files.put(request.ktp.object_name, jpeg_bytes())
    obj = UploadedObject("b", request.ktp.object_name, generation, 1, "image/jpeg")
    services.handle_ktp_uploaded(obj, deps)
    return deps.requests.get(request.request_id)


def operator(deps):
    return auth.create_operator(
        deps, "siti.remisi", "Siti", Role.OPERATOR_REMISI, "kata-sandi-panjang-sekali-42", "cli"
    ).operator


def inbound(provider_id="wamid.in1", text="Terima kasih, Pak", at=None, **extra):
    return InboundMessage(provider_id, SENDER, at or NOW, text=text, **extra)


def webhook_body(*messages: dict) -> bytes:
    value = {"messaging_product": "whatsapp", "contacts": [{"wa_id": SENDER}], "messages": messages}
    return json.dumps({"entry": [{"changes": [{"field": "messages", "value": value}]}]}).encode()


def test_the_adapter_reads_text_media_and_the_message_replied_to():
    body = webhook_body(
        {
            "from": SENDER,
            "id": "wamid.A",
            "timestamp": "1764298800",
            "type": "text",
            "text": {"body": "Kapan bebasnya?"},
            "context": {"from": "628000", "id": "wamid.ours"},
        },
        {
            "from": SENDER,
            "id": "wamid.B",
            "timestamp": "1764298801",
            "type": "image",
            "image": {"id": "media-77", "mime_type": "image/jpeg", "caption": "KTP baru"},
        },
        {"from": SENDER, "id": "wamid.C", "timestamp": "1764298802", "type": "reaction"},
        {"id": "wamid.D", "type": "text", "text": {"body": "no sender"}},
    )
    text, image, reaction = parse_inbound(body)
    assert (text.text, text.context_id, text.media_type) == ("Kapan bebasnya?", "wamid.ours", None)
    assert text.at == datetime(2025, 11, 28, 3, 0, tzinfo=UTC)
    assert (image.media_type, image.media_id, image.text) == ("image", "media-77", "KTP baru")
    assert reaction.media_type == "reaction" and reaction.text == ""
    with pytest.raises(MalformedWebhook):
        parse_inbound(b"[]")


def test_a_reply_is_kept_once_against_the_request_of_its_number(deps):
    request = received(deps)
    assert conversations.record_inbound(deps, inbound()) == "recorded"
    assert conversations.record_inbound(deps, inbound()) == "duplicate"
    conversation = deps.conversations.get(request.request_id)
    assert [e.text for e in conversation.entries] == ["Terima kasih, Pak"]
    assert conversation.unread == 1 and conversation.window_open(NOW + timedelta(hours=23))
    assert not conversation.window_open(NOW + timedelta(hours=24))
    assert conversations.unread_request_ids(deps) == {request.request_id}
    conversations.mark_read(deps, request.request_id)
    assert conversations.unread_request_ids(deps) == set()


def test_the_message_replied_to_picks_the_request_when_one_number_has_several(deps):
    first = received(deps)
    deps.clock.advance(minutes=5)
    second = received(deps)
    # The receipt of the first request went out on WhatsApp: the family answers that one.
    dispatch.run_dispatch(
        DispatchTask(first.request_id, MessageKind.RECEIPT, 1, Channel.WHATSAPP), deps
    )
    wamid = deps.messages.get(
        message_id(first.request_id, MessageKind.RECEIPT, 1, Channel.WHATSAPP)
    ).provider_message_id
    conversations.record_inbound(deps, inbound("wamid.ctx", context_id=wamid))
    assert deps.conversations.get(first.request_id) is not None
    # Without a context, the newest open request of the number.
    conversations.record_inbound(deps, inbound("wamid.plain"))
    assert deps.conversations.get(second.request_id).entries[0].entry_id == "wamid.plain"


def test_an_unmatched_message_is_kept_for_operators_once(deps):
    stranger = InboundMessage("wamid.x", "6289999999999", NOW, text="Halo?")
    assert conversations.record_inbound(deps, stranger) == "unmatched"
    assert conversations.record_inbound(deps, stranger) == "duplicate"
    (kept,) = conversations.unmatched(deps)
    assert kept["sender"] == "6289999999999" and kept["reason"] == "no_request"


def test_inside_the_window_the_reply_is_free_text_through_the_outbox(deps):
    request = received(deps)
    siti = operator(deps)
    conversations.record_inbound(deps, inbound())
    deps.clock.advance(hours=2)
    entry = conversations.reply(deps, siti, request.request_id, "Baik, Bu. Kami cek dulu.")
    assert entry.mode is ReplyMode.FREE_TEXT and entry.number == 1
    mid = message_id(request.request_id, MessageKind.REPLY, 1, Channel.WHATSAPP)
    assert deps.messages.get(mid).state is MessageState.QUEUED
    assert any(e.payload.get("kind") == "reply" for e in deps.store.open_entries())
    (event,) = [e for e in deps.audit.events if e.action == "whatsapp_reply"]
    assert event.actor == "siti.remisi" and event.details == {"reply": 1, "mode": "free_text"}
    assert deps.conversations.get(request.request_id).unread == 0  # answering is reading

    task = DispatchTask(request.request_id, MessageKind.REPLY, 1, Channel.WHATSAPP)
    assert dispatch.run_dispatch(task, deps) == "accepted"
    sent = deps.whatsapp.sent[-1]
    assert sent.text == "Baik, Bu. Kami cek dulu." and sent.to == SENDER


def test_outside_the_window_a_template_goes_and_the_text_follows_their_answer(deps):
    request = received(deps)
    siti = operator(deps)
    conversations.record_inbound(deps, inbound(at=NOW - timedelta(hours=30)))
    entry = conversations.reply(deps, siti, request.request_id, "Jawaban sudah kami kirim.")
    assert entry.mode is ReplyMode.AWAITING_WINDOW
    notice = DispatchTask(request.request_id, MessageKind.REPLY_NOTICE, 1, Channel.WHATSAPP)
    assert dispatch.run_dispatch(notice, deps) == "accepted"
    sent = deps.whatsapp.sent[-1]
    assert sent.text is None and sent.template == "remisi_ada_balasan"
    assert request.tracking_code in sent.parameters
    free = message_id(request.request_id, MessageKind.REPLY, 1, Channel.WHATSAPP)
    assert deps.messages.get(free) is None

    conversations.record_inbound(deps, inbound("wamid.ya", "Ya"))
    assert deps.messages.get(free).state is MessageState.QUEUED
    task = DispatchTask(request.request_id, MessageKind.REPLY, 1, Channel.WHATSAPP)
    assert dispatch.run_dispatch(task, deps) == "accepted"
    assert deps.whatsapp.sent[-1].text == "Jawaban sudah kami kirim."
    # Released once: another message from them sends nothing more.
    conversations.record_inbound(deps, inbound("wamid.lagi", "Terima kasih"))
    assert sum(e.payload.get("kind") == "reply" for e in deps.store.open_entries()) == 1


def test_empty_or_overlong_replies_are_refused(deps):
    request = received(deps)
    siti = operator(deps)
    for text in ("", "   \n", "x" * 4097):
        with pytest.raises(ReplyInvalid):
            conversations.reply(deps, siti, request.request_id, text)
    assert deps.conversations.get(request.request_id) is None


def test_the_thread_shows_theirs_and_ours_in_order(deps):
    request = received(deps)
    dispatch.run_dispatch(
        DispatchTask(request.request_id, MessageKind.RECEIPT, 1, Channel.WHATSAPP), deps
    )
    deps.clock.advance(minutes=1)
    photo = inbound("wamid.p", "", media_type="image", media_id="m-1", at=deps.clock.now())
    conversations.record_inbound(deps, photo)
    deps.clock.advance(minutes=1)
    conversations.reply(deps, operator(deps), request.request_id, "<b>Terima kasih</b>")
    thread = conversations.thread(deps, request)
    assert [(line.inbound, line.who) for line in thread.lines] == [
        (False, "Layanan"),
        (True, "Pemohon"),
        (False, "siti.remisi"),
    ]
    assert "tidak diunduh" in thread.lines[1].note and thread.window_open
    assert thread.lines[2].text == "<b>Terima kasih</b>"  # the template escapes it
