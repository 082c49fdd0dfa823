"""Families' WhatsApp replies on the local stack: the stand-in sends an inbound message as Meta
does (signed webhook), the request gets the conversation and the queue's unread marker, an
operator replies in free text inside the 24-hour window and with the approved template outside
it (the text following their next message), a repeated delivery is kept once, an unmatched
message waits for operators, and a signed status dated 1970 changes nothing (issue 11)."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import time
import uuid

import pytest
import requests
from google.cloud.firestore import FieldFilter

from shared.domain.messages import Channel, MessageKind, message_id
from tests.conftest import wait_for
from tests.integration.operator_helpers import (
    awaiting_request,
    base,
    create_account,
    csrf_of,
    sign_in,
)

pytestmark = pytest.mark.usefixtures("local_stack")


def outbox(stack, **match) -> list[dict]:
    found = requests.get(f"{stack.providers_url}/_control/messages", timeout=5).json()
    return [m for m in found["messages"] if all(m.get(k) == v for k, v in match.items())]


def inbound(stack, **body) -> dict:
    answer = requests.post(
        f"{stack.providers_url}/_control/whatsapp/inbound", json=body, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def new_number() -> tuple[str, str]:
    digits = f"{uuid.uuid4().int % 10**9:09d}"
    return f"0812{digits}", f"62812{digits}"


def conversation(firestore_client, request_id: str) -> dict | None:
    snapshot = firestore_client.collection("conversations").document(request_id).get()
    return snapshot.to_dict() if snapshot.exists else None


def message_state(firestore_client, mid: str) -> str | None:
    snapshot = firestore_client.collection("messages").document(mid).get()
    return snapshot.to_dict()["state"] if snapshot.exists else None


@pytest.fixture(scope="module")
def http(local_stack):
    """One signed-in operator for the module (each TOTP code signs in once)."""
    return sign_in(local_stack, create_account(local_stack, "operator_remisi", prefix="wa"))


def test_a_reply_reaches_the_request_page_and_the_operator_answers_in_the_window(
    local_stack, firestore_client, http
):
    stack = local_stack
    local, wa = new_number()
    request_id = awaiting_request(stack, firestore_client, whatsapp=local)
    receipt = wait_for(lambda: outbox(stack, to=wa, template="remisi_tanda_terima"), timeout=30)

    hostile = "<script>alert(1)</script> Kapan bebasnya, Pak?"
    first = inbound(stack, **{"from": wa, "text": hostile, "context_id": receipt[0]["id"]})
    assert first["webhook_status"] == 200 and first["webhook"]["inbound"] == 1
    # Meta delivers at least once: the same message again is kept once.
    again = inbound(stack, **{"from": wa, "text": hostile, "id": first["id"]})
    assert again["webhook_status"] == 200 and again["webhook"]["inbound"] == 0
    kept = conversation(firestore_client, request_id)
    assert [e["text"] for e in kept["entries"]] == [hostile] and kept["unread"] == 1

    queue = http.get(f"{base(stack)}/queue", timeout=10).text
    row = next(r for r in queue.split("<tr") if f"/requests/{request_id}" in r)
    assert "Balasan baru" in row
    page = http.get(f"{base(stack)}/requests/{request_id}", timeout=10).text
    assert html.escape(hostile, quote=False) in page and "<script>alert(1)" not in page
    assert "Jendela 24 jam terbuka" in page
    assert conversation(firestore_client, request_id)["unread"] == 0  # seen
    queue = http.get(f"{base(stack)}/queue", timeout=10).text
    row = next(r for r in queue.split("<tr") if f"/requests/{request_id}" in r)
    assert "Balasan baru" not in row

    csrf = csrf_of(http, stack, f"/requests/{request_id}")
    answer = http.post(
        f"{base(stack)}/requests/{request_id}/whatsapp/reply",
        data={"csrf": csrf, "text": "Baik, Bu. Kami periksa di SDP dulu."},
        allow_redirects=False,
        timeout=20,
    )
    assert answer.status_code == 303, answer.text
    sent = wait_for(lambda: outbox(stack, to=wa, text="Baik, Bu. Kami periksa di SDP dulu."))
    assert sent[0]["template"] is None  # free text, inside the window
    mid = message_id(request_id, MessageKind.REPLY, 1, Channel.WHATSAPP)
    wait_for(lambda: message_state(firestore_client, mid) == "accepted")
    page = http.get(f"{base(stack)}/requests/{request_id}", timeout=10).text
    assert "Baik, Bu. Kami periksa di SDP dulu." in page
    # The outbox page shows the thread: theirs, escaped, and ours.
    shown = requests.get(f"{stack.providers_url}/outbox", timeout=10).text
    assert "WhatsApp masuk" in shown and "&lt;script&gt;" in shown and "<script>alert" not in shown

    # Issue 11, measured: a signed status dated 1970 moved an accepted message to failed.
    mid = message_id(request_id, MessageKind.RECEIPT, 1, Channel.WHATSAPP)
    assert message_state(firestore_client, mid) == "accepted"
    status = {
        "id": receipt[0]["id"],
        "status": "failed",
        "timestamp": "0",
        "recipient_id": wa,
        "errors": [{"code": 131026}],
    }
    body = json.dumps({"entry": [{"changes": [{"value": {"statuses": [status]}}]}]}).encode()
    signature = hmac.new(stack.whatsapp_app_secret.encode(), body, hashlib.sha256).hexdigest()
    answer = requests.post(
        f"{stack.site_url}/api/whatsapp_webhook",
        data=body,
        headers={"X-Hub-Signature-256": f"sha256={signature}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["ignored_out_of_window"] == 1
    assert message_state(firestore_client, mid) == "accepted"


def test_outside_the_window_a_template_goes_then_the_text_after_their_answer(
    local_stack, firestore_client, http
):
    stack = local_stack
    local, wa = new_number()
    request_id = awaiting_request(stack, firestore_client, whatsapp=local)
    # Their last message is 25 hours old (inside the replay window, outside the 24 hours).
    old = inbound(stack, **{"from": wa, "text": "Halo", "timestamp": int(time.time()) - 25 * 3600})
    assert old["webhook"]["inbound"] == 1

    csrf = csrf_of(http, stack, f"/requests/{request_id}")
    assert "Di luar jendela 24 jam" in http.get(f"{base(stack)}/requests/{request_id}").text
    text = "Data sudah kami temukan; jawaban lengkap menyusul lewat email."
    answer = http.post(
        f"{base(stack)}/requests/{request_id}/whatsapp/reply",
        data={"csrf": csrf, "text": text},
        allow_redirects=False,
        timeout=20,
    )
    assert answer.status_code == 303
    wait_for(lambda: outbox(stack, to=wa, template="remisi_ada_balasan"), timeout=30)
    assert not outbox(stack, to=wa, text=text)

    inbound(stack, **{"from": wa, "text": "Ya"})
    wait_for(lambda: outbox(stack, to=wa, text=text), timeout=30)
    audit = [
        d.to_dict()
        for d in firestore_client.collection("audit_events")
        .where(filter=FieldFilter("target", "==", request_id))
        .stream()
    ]
    assert [a["details"].get("mode") for a in audit if a["action"] == "whatsapp_reply"] == [
        "awaiting_window"
    ]


def test_an_unmatched_message_is_kept_and_an_old_one_is_not_recorded(
    local_stack, firestore_client, http
):
    stack = local_stack
    _, stranger = new_number()
    kept = inbound(stack, **{"from": stranger, "text": "Ini nomor siapa?"})
    assert kept["webhook"]["inbound"] == 1
    page = http.get(f"{base(stack)}/replies/unmatched", timeout=10).text
    assert f"+{stranger}" in page and "Ini nomor siapa?" in page
    # An inbound message dated 1970 is acknowledged, not recorded.
    replayed = inbound(stack, **{"from": stranger, "text": "lama", "timestamp": 1})
    assert replayed["webhook"] == {"applied": 0, "inbound": 0, "ignored_out_of_window": 1}
