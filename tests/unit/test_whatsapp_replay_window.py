"""Issue 11, measured: a signed WhatsApp status dated 1970 moved a message from accepted to
failed. A signature proves the sender, not the moment: statuses (and inbound messages) outside
the replay window are acknowledged and counted, never applied; statuses only move forward."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import flask
from werkzeug.test import EnvironBuilder

from shared.adapters.firestore_messages import message_to_document
from shared.adapters.whatsapp_cloud import parse_statuses
from shared.domain.messages import Channel, DeliveryEvent, Message, MessageKind, MessageState
from shared.domain.replay_window import ReplayWindow, unix_time
from shared.entrypoints import responses
from tests.fakes import fake_dependencies, fake_dispatch_dependencies

SECRET = "app-secret"
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


class Settings:
    def __init__(self, **values):
        self.values = {"WHATSAPP_APP_SECRET": SECRET, **values}

    def messaging(self, name, default=""):
        return self.values.get(name) or default


def deps_with(state: MessageState):
    deps = fake_dispatch_dependencies(fake_dependencies())
    deps.clock.current = NOW
    message = Message(
        message_id="r" * 32 + "-receipt-1-whatsapp",
        request_id="r" * 32,
        kind=MessageKind.RECEIPT,
        round=1,
        channel=Channel.WHATSAPP,
        state=state,
        created_at=NOW - timedelta(hours=1),
        provider_message_id="wamid.one",
        events=[DeliveryEvent(state, NOW - timedelta(hours=1))],
    )
    deps.messages.documents[message.message_id] = message_to_document(message)
    return deps, message.message_id


def status_body(status: str, timestamp, code: int | None = None) -> bytes:
    entry = {"id": "wamid.one", "status": status, "recipient_id": "628123"}
    if timestamp is not None:
        entry["timestamp"] = timestamp
    if code:
        entry["errors"] = [{"code": code}]
    change = {"field": "messages", "value": {"statuses": [entry]}}
    return json.dumps({"entry": [{"changes": [change]}]}).encode()


def post(body: bytes, deps, settings=None):
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    environ = EnvironBuilder(
        method="POST", data=body, headers={"X-Hub-Signature-256": signature}
    ).get_environ()
    app = flask.Flask(__name__)
    with app.app_context():
        answer = responses.whatsapp_statuses(
            flask.Request(environ), body, settings or Settings(), deps
        )
        return answer.status_code, json.loads(answer.get_data())


def test_a_signed_status_dated_1970_is_acknowledged_but_not_applied():
    deps, mid = deps_with(MessageState.ACCEPTED)
    status, answer = post(status_body("failed", "0", 131026), deps)
    assert status == 200
    assert answer["applied"] == 0 and answer["ignored_out_of_window"] == 1
    assert deps.messages.get(mid).state is MessageState.ACCEPTED


def test_statuses_too_old_too_far_ahead_or_undated_are_ignored_inside_ones_applied():
    deps, mid = deps_with(MessageState.ACCEPTED)
    old = int((NOW - timedelta(days=7, minutes=1)).timestamp())
    ahead = int((NOW + timedelta(minutes=6)).timestamp())
    for timestamp in (str(old), str(ahead), None, "soon", "-5"):
        _, answer = post(status_body("failed", timestamp, 131026), deps)
        assert answer["applied"] == 0 and answer["ignored_out_of_window"] == 1, timestamp
    assert deps.messages.get(mid).state is MessageState.ACCEPTED
    recent = int((NOW - timedelta(days=6, hours=23)).timestamp())
    _, answer = post(status_body("delivered", str(recent)), deps)
    assert answer == {"applied": 1, "inbound": 0, "ignored_out_of_window": 0}
    assert deps.messages.get(mid).state is MessageState.DELIVERED


def test_the_window_is_a_setting():
    deps, mid = deps_with(MessageState.ACCEPTED)
    an_hour_ago = str(int((NOW - timedelta(hours=1)).timestamp()))
    narrow = Settings(WHATSAPP_WEBHOOK_MAX_AGE_SECONDS="60")
    _, answer = post(status_body("delivered", an_hour_ago), deps, narrow)
    assert answer["ignored_out_of_window"] == 1
    assert deps.messages.get(mid).state is MessageState.ACCEPTED


def test_a_late_sent_after_delivered_or_read_never_moves_the_message_back():
    for state in (MessageState.DELIVERED, MessageState.READ):
        deps, mid = deps_with(state)
        _, answer = post(status_body("sent", str(int(NOW.timestamp()))), deps)
        assert answer == {"applied": 0, "inbound": 0, "ignored_out_of_window": 0}
        assert deps.messages.get(mid).state is state


def test_the_adapter_dates_each_status():
    (update,) = parse_statuses(status_body("read", "1764298800"))
    assert update.at == datetime(2025, 11, 28, 3, 0, tzinfo=UTC)
    (undated,) = parse_statuses(status_body("read", None))
    assert undated.at is None


def test_window_bounds_and_timestamp_parsing():
    window = ReplayWindow(timedelta(days=7), timedelta(minutes=5))
    assert window.admits(NOW - timedelta(days=7), NOW)
    assert window.admits(NOW + timedelta(minutes=5), NOW)
    assert not window.admits(NOW + timedelta(minutes=5, seconds=1), NOW)
    assert not window.admits(None, NOW)
    assert unix_time("0") == datetime(1970, 1, 1, tzinfo=UTC)
    assert unix_time(True) is None and unix_time("1e9") is None and unix_time("٣٤") is None
    assert unix_time("9" * 12) is None  # past year 9999: no date at all
