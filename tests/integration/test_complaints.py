"""Complaints end to end on the local stack: filed through the public API with and without a
tracking code (a wrong code + contact refused, nothing stored), the receipt in the outbox once
per channel given, an operator's answer on the page sent once on each channel, the audit."""

from __future__ import annotations

import time
import uuid

import pytest
import requests
from google.cloud.firestore import FieldFilter

from shared.domain.message_templates import WHATSAPP_TEMPLATES
from shared.domain.messages import MessageKind
from tests.conftest import wait_for
from tests.integration.operator_helpers import audit_actions, base, create_account, csrf_of, sign_in
from tests.integration.test_message_kinds import contacts, outbox, settled
from tests.integration.test_pipeline import submit

pytestmark = pytest.mark.integration

TEXT = "Jawaban permohonan saya belum datang juga setelah tiga hari kerja, mohon dibantu."


def complaint(stack, **fields) -> requests.Response:
    """As the page sends it: a 503 (a cold instance past the edge's deadline; the step goes on
    and is idempotent) is sent again with the same key, as the API says."""
    body = {
        "name": "Siti Rahmawati",
        "category": "lambat",
        "text": TEXT,
        "idempotency_key": f"uji-{uuid.uuid4().hex}",
        **fields,
    }
    for _ in range(4):
        answer = requests.post(f"{stack.site_url}/api/complaint", json=body, timeout=15)
        if answer.status_code != 503:
            return answer
        time.sleep(int(answer.headers.get("Retry-After", "2")))
    return answer


def test_a_complaint_without_a_code_is_answered_once_on_each_channel(local_stack, firestore_client):
    fields, email, wa = contacts()
    key = f"uji-{uuid.uuid4().hex}"
    filed = complaint(local_stack, idempotency_key=key, **fields)
    assert filed.status_code in (200, 201), filed.text
    body = filed.json()
    number = body["complaint_number"]
    assert body["linked"] is False and sorted(body["channels"]) == ["email", "whatsapp"]
    again = complaint(local_stack, idempotency_key=key, **fields)
    assert again.status_code == 200 and again.json()["complaint_number"] == number

    http = sign_in(local_stack, create_account(local_stack, "operator_divpas", prefix="adu"))
    queue = http.get(f"{base(local_stack)}/complaints", timeout=10)
    assert queue.status_code == 200 and number in queue.text
    docs = (
        firestore_client.collection("complaints")
        .where(filter=FieldFilter("number", "==", number))
        .get()
    )
    (doc,) = docs
    complaint_id = doc.id
    page = http.get(f"{base(local_stack)}/complaints/{complaint_id}", timeout=10)
    assert page.status_code == 200 and TEXT in page.text
    answer = "Mohon maaf atas keterlambatan; jawaban permohonan Anda sudah dikirim hari ini."
    csrf = csrf_of(http, local_stack, f"/complaints/{complaint_id}")
    sent = http.post(
        f"{base(local_stack)}/complaints/{complaint_id}/answer",
        data={"csrf": csrf, "answer": answer},
        allow_redirects=False,
        timeout=10,
    )
    assert sent.status_code == 303, sent.text
    twice = http.post(
        f"{base(local_stack)}/complaints/{complaint_id}/answer",
        data={"csrf": csrf, "answer": answer + " Lagi."},
        allow_redirects=False,
        timeout=10,
    )
    assert twice.status_code == 409

    # The receipt and the answer, each once on each channel (settled: no late duplicate).
    wait_for(lambda: len(outbox(local_stack, wa)) >= 2, timeout=30)
    mails = settled(local_stack, email, 2)
    assert number in mails[0]["subject"] and "5 hari kerja" in mails[0]["text"]
    assert answer in mails[1]["text"] and number in mails[1]["subject"]
    chats = outbox(local_stack, wa)
    assert [c["template"] for c in chats] == [
        WHATSAPP_TEMPLATES[MessageKind.COMPLAINT_RECEIPT].name,
        WHATSAPP_TEMPLATES[MessageKind.COMPLAINT_ANSWER].name,
    ]
    actions = audit_actions(firestore_client, f"complaint:{number}")
    assert sorted(set(actions)) == ["complaint_answered", "complaint_received", "complaint_viewed"]
    assert actions.count("complaint_answered") == 1


def test_a_tracking_code_is_taken_only_with_its_contact(local_stack, firestore_client):
    fields, email, _ = contacts()
    submitted = submit(local_stack, ktp_size=1000, **fields)
    assert submitted.status_code == 201, submitted.text
    code = submitted.json()["tracking_code"]

    other, _, _ = contacts()
    wrong = complaint(local_stack, tracking_code=code, **other)
    assert wrong.status_code == 400
    assert wrong.json()["errors"]["tracking_code"]["code"] == "no_match_complaint"

    linked = complaint(local_stack, tracking_code=code.replace("-", "").lower(), email=email)
    assert linked.status_code == 201, linked.text
    assert linked.json()["linked"] is True and linked.json()["channels"] == ["email"]
    number = linked.json()["complaint_number"]
    (doc,) = (
        firestore_client.collection("complaints")
        .where(filter=FieldFilter("number", "==", number))
        .get()
    )
    assert doc.get("request_id") == submitted.json()["request_id"]
    assert doc.get("tracking_code") == code
    stored = (
        firestore_client.collection("complaints")
        .where(filter=FieldFilter("tracking_code", "==", code))
        .get()
    )
    assert len(stored) == 1  # the refused one left nothing
