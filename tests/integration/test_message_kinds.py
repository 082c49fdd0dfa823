"""Each message kind for requesters reaches the outbox once per channel, end to end on the local
stack (receipt and not-found are in test_dispatch.py's full run; here: rejection and answer)."""

from __future__ import annotations

import time
import uuid
from datetime import date

import pytest
import requests

from shared.domain.message_templates import WHATSAPP_TEMPLATES
from shared.domain.messages import MessageKind
from tests.conftest import today_wib, wait_for
from tests.integration.operator_helpers import (
    awaiting_request,
    base,
    composed_answer,
    create_account,
    csrf_of,
    sign_in,
)
from tests.samples import form_payload

pytestmark = pytest.mark.integration


def outbox(stack, to: str) -> list[dict]:
    found = requests.get(f"{stack.providers_url}/_control/messages", timeout=5).json()
    return [m for m in found["messages"] if m.get("to") == to]


def contacts() -> tuple[dict, str, str]:
    digits = f"{uuid.uuid4().int % 10**9:09d}"
    email = f"jenis.{digits}@example.id"
    return {"whatsapp": f"0813{digits}", "email": email}, email, f"62813{digits}"


def settled(stack, to: str, count: int) -> list[dict]:
    """Exactly `count` messages to `to`, and still `count` a moment later (no duplicate)."""
    wait_for(lambda: len(outbox(stack, to)) >= count, timeout=30)
    time.sleep(1.5)
    messages = outbox(stack, to)
    assert len(messages) == count, [m.get("subject") or m.get("template") for m in messages]
    return messages


def test_a_rejected_upload_asks_again_once_on_both_channels(local_stack):
    fields, email, wa = contacts()
    payload = form_payload(date.fromisoformat(today_wib()), ktp_size=100, **fields)
    answer = requests.post(f"{local_stack.site_url}/api/submit", json=payload, timeout=10).json()
    instruction = answer["upload"]
    junk = b"MZ this is not a photo" * 4
    assert requests.put(
        instruction["url"], data=junk, headers=instruction["headers"], timeout=10
    ).ok

    (mail,) = settled(local_stack, email, 1)
    assert "unggah ulang" in mail["subject"].lower()
    assert answer["tracking_code"] in mail["text"]
    (chat,) = settled(local_stack, wa, 1)
    assert chat["template"] == WHATSAPP_TEMPLATES[MessageKind.UPLOAD_REJECTED].name


def test_the_operators_answer_goes_once_on_both_channels(local_stack, firestore_client):
    fields, email, wa = contacts()
    request_id = awaiting_request(local_stack, firestore_client, **fields)
    settled(local_stack, email, 1)  # the receipt

    http = sign_in(local_stack, create_account(local_stack, "operator_remisi", prefix="jawab"))
    doc = firestore_client.collection("requests").document(request_id).get().to_dict()
    registration = doc["sdp"]["candidates"][0]["registration_number"]
    _, text = composed_answer(http, local_stack, request_id, registration)
    text += "\nCatatan penguji."
    decided = http.post(
        f"{base(local_stack)}/requests/{request_id}/decide",
        data={
            "csrf": csrf_of(http, local_stack),
            "kind": "found",
            "candidate": registration,
            "answer": text,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert decided.status_code == 303, decided.text

    mails = settled(local_stack, email, 2)
    assert "Catatan penguji." in mails[-1]["text"]
    chats = settled(local_stack, wa, 2)
    assert chats[-1]["template"] == WHATSAPP_TEMPLATES[MessageKind.ANSWER].name
    wait_for(
        lambda: (
            firestore_client.collection("requests").document(request_id).get().get("status")
            == "notified"
        ),
        timeout=30,
    )
