"""Dispatch on the local stack, over HTTP: the real SendGrid and WhatsApp adapters against the
stand-ins, the dispatch function as Cloud Tasks calls it, the signed webhooks.

The full run goes submit → KTP upload → receipts on both channels in the outbox → operator
decides → answer on both channels → delivered statuses recorded. The fault matrix drives the
dispatch function directly with the queue's headers, one request per case, so each case's
answer code (retry or stop) and final state are checked exactly.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import date

import pytest
import requests

from shared.domain.messages import Channel, MessageKind, message_id
from shared.domain.model import Decision, DecisionKind
from tests.conftest import today_wib, wait_for
from tests.samples import form_payload, jpeg_bytes

pytestmark = pytest.mark.usefixtures("local_stack")


def core(stack):
    from shared.bootstrap import bootstrap
    from shared.config import Settings

    return bootstrap(Settings.from_env(stack.function_env()), sdp=object())


def outbox(stack, **match) -> list[dict]:
    found = requests.get(f"{stack.providers_url}/_control/messages", timeout=5).json()
    return [m for m in found["messages"] if all(m.get(k) == v for k, v in match.items())]


def fault(stack, channel: str, kind: str, to: str, **extra) -> None:
    body = {"channel": channel, "fault": kind, "to": to, **extra}
    assert requests.post(f"{stack.providers_url}/_control/faults", json=body, timeout=5).ok


def message_doc(firestore_client, mid: str) -> dict | None:
    snapshot = firestore_client.collection("messages").document(mid).get()
    return snapshot.to_dict() if snapshot.exists else None


def unique_contacts() -> dict:
    digits = f"{uuid.uuid4().int % 10**9:09d}"
    return {"whatsapp": f"0812{digits}", "email": f"pemohon.{digits}@example.id"}


# --- the full run ----------------------------------------------------------------------------


def test_submit_to_delivered_answer_on_both_channels(local_stack, firestore_client):
    stack = local_stack
    contacts = unique_contacts()
    payload = form_payload(date.fromisoformat(today_wib()), **contacts)
    answer = requests.post(f"{stack.site_url}/api/submit", json=payload, timeout=10).json()
    instruction = answer["upload"]
    put = requests.put(
        instruction["url"], data=jpeg_bytes(), headers=instruction["headers"], timeout=10
    )
    assert put.ok
    code, request_id = answer["tracking_code"], answer["request_id"]
    wa_to = "62" + contacts["whatsapp"][1:]

    # Receipt on both channels, each once.
    wait_for(lambda: len(outbox(stack, to=contacts["email"])) == 1, timeout=30)
    wait_for(lambda: len(outbox(stack, to=wa_to)) == 1, timeout=30)
    email = outbox(stack, to=contacts["email"])[0]
    assert code in email["subject"] and f"status.html?kode={code}" in email["text"]
    assert email["custom_args"] == {
        "remisi_message": message_id(request_id, MessageKind.RECEIPT, 1, Channel.EMAIL),
        "remisi_request": request_id,
    }
    whatsapp = outbox(stack, to=wa_to)[0]
    assert whatsapp["template"] == "remisi_tanda_terima" and code in whatsapp["preview"]
    page = requests.get(stack.outbox_url, timeout=5).text
    assert code in page

    # The operator decides (the review service, as the operator page calls it).
    wait_for(
        lambda: (
            firestore_client.collection("requests").document(request_id).get().get("status")
            == "awaiting_operator"
        ),
        timeout=30,
    )
    # The operator decides on the operator page.
    from tests.integration.operator_helpers import base, create_account, csrf_of, sign_in

    http = sign_in(stack, create_account(stack, "operator_remisi", prefix="kirim"))
    decided = http.post(
        f"{base(stack)}/requests/{request_id}/decide",
        data={"csrf": csrf_of(http, stack), "kind": "not_found"},
        timeout=10,
    )
    assert decided.status_code in (200, 303)

    wait_for(lambda: len(outbox(stack, to=contacts["email"])) == 2, timeout=30)
    wait_for(lambda: len(outbox(stack, to=wa_to)) == 2, timeout=30)
    wait_for(
        lambda: (
            firestore_client.collection("requests").document(request_id).get().get("status")
            == "notified"
        ),
        timeout=30,
    )
    # The providers report delivery through the signed webhooks.
    for sent in outbox(stack, to=contacts["email"]) + outbox(stack, to=wa_to):
        status = requests.post(
            f"{stack.providers_url}/_control/deliver",
            json={"id": sent["id"], "status": "delivered"},
            timeout=30,
        ).json()["webhook_status"]
        assert status == 200
    for channel in Channel:
        for kind in (MessageKind.RECEIPT, MessageKind.NOT_FOUND):
            doc = message_doc(firestore_client, message_id(request_id, kind, 1, channel))
            assert doc["state"] == "delivered", (kind, channel)
    time.sleep(1.5)  # nothing more arrives: each message exactly once
    assert len(outbox(stack, to=contacts["email"])) == 2 and len(outbox(stack, to=wa_to)) == 2
    # The operator sees each message's delivery status on the request.
    page = http.get(f"{base(stack)}/requests/{request_id}", timeout=10).text
    assert "Pesan ke pemohon" in page and page.count("Sampai ke penerima") == 4


# --- the fault matrix ------------------------------------------------------------------------


def answered_request(stack) -> tuple[str, dict]:
    """A request decided "not found", made in-process (no upload, so no receipt traffic)."""
    from shared.service_layer import services

    deps = core(stack)
    contacts = unique_contacts()
    request = services.submit_request(
        form_payload(date.fromisoformat(today_wib()), **contacts), deps
    ).request
    now = deps.clock.now()

    def to_not_found(r):
        r.accept_upload(f"ktp/{r.request_id}/verified-1.jpg", 10, now)
        r.lookup_queued("t", now)
        r.record_candidates([], now)
        r.decide(Decision(DecisionKind.NOT_FOUND, "siti.remisi", now))

    deps.requests.update(request.request_id, to_not_found)
    return request.request_id, {
        "email": contacts["email"],
        "whatsapp": "62" + contacts["whatsapp"][1:],
    }


def call_dispatch(stack, request_id, channel, retry_count=0):
    return requests.post(
        f"{stack.site_url}/api/dispatch",
        json={"request_id": request_id, "kind": "not_found", "round": 1, "channel": channel},
        headers={
            "X-CloudTasks-QueueName": stack.dispatch_queue_path,
            "X-CloudTasks-TaskRetryCount": str(retry_count),
        },
        timeout=30,
    )


TRANSIENT = [
    ("email", "429", 429),
    ("email", "500", 503),
    ("email", "timeout", 503),
    ("whatsapp", "429", 429),
    ("whatsapp", "500", 503),
    ("whatsapp", "timeout", 503),
    ("whatsapp", "130429", 503),
    ("whatsapp", "131056", 503),
]


@pytest.mark.parametrize(("channel", "kind", "answer"), TRANSIENT)
def test_transient_failures_are_retried_by_the_queue_then_sent_once(
    local_stack, firestore_client, channel, kind, answer
):
    request_id, to = answered_request(local_stack)
    fault(local_stack, channel, kind, to[channel], reset=20)
    first = call_dispatch(local_stack, request_id, channel, 0)
    assert first.status_code == answer
    if answer == 429 and kind == "429":
        assert 1 <= int(first.headers["Retry-After"]) <= 20
    mid = message_id(request_id, MessageKind.NOT_FOUND, 1, Channel(channel))
    assert message_doc(firestore_client, mid)["state"] == "retry_wait"
    assert outbox(local_stack, to=to[channel]) == []
    second = call_dispatch(local_stack, request_id, channel, 1)
    assert second.status_code == 200 and second.json()["outcome"] == "accepted"
    # A duplicate delivery of the same task sends nothing again.
    assert call_dispatch(local_stack, request_id, channel, 2).json()["outcome"] == "duplicate"
    assert len(outbox(local_stack, to=to[channel])) == 1
    assert message_doc(firestore_client, mid)["attempts"] == 2


PERMANENT = [
    ("email", "invalid_email", "invalid_email"),
    ("whatsapp", "131026", "wa_131026"),
    ("whatsapp", "131047", "wa_131047"),
]


@pytest.mark.parametrize(("channel", "kind", "code"), PERMANENT)
def test_permanent_failures_stop_at_once_and_are_recorded(
    local_stack, firestore_client, channel, kind, code
):
    request_id, to = answered_request(local_stack)
    fault(local_stack, channel, kind, to[channel])
    first = call_dispatch(local_stack, request_id, channel, 0)
    assert first.status_code == 200 and first.json()["outcome"] == "failed"
    mid = message_id(request_id, MessageKind.NOT_FOUND, 1, Channel(channel))
    doc = message_doc(firestore_client, mid)
    assert doc["state"] == "failed" and doc["error_code"] == code and doc["needs_operator"]
    assert call_dispatch(local_stack, request_id, channel, 1).json()["outcome"] == "duplicate"


def test_both_channels_failing_fails_the_request_for_operators(local_stack, firestore_client):
    request_id, to = answered_request(local_stack)
    fault(local_stack, "email", "invalid_email", to["email"])
    fault(local_stack, "whatsapp", "500", to["whatsapp"])
    assert call_dispatch(local_stack, request_id, "email").json()["outcome"] == "failed"
    # The last attempt (retry count = max attempts - 1) gives up instead of retrying.
    last = local_stack.config.tasks_max_retries - 1
    assert call_dispatch(local_stack, request_id, "whatsapp", last).json()["outcome"] == "failed"
    doc = firestore_client.collection("requests").document(request_id).get().to_dict()
    assert doc["status"] == "failed"
    wa = message_doc(
        firestore_client, message_id(request_id, MessageKind.NOT_FOUND, 1, Channel.WHATSAPP)
    )
    assert wa["error_code"] == "gave_up:wa_131000"

    # The operators' notice (dispatched like any message) names the request and both reasons.
    from localdev.stack import LOCAL_OPERATOR_ALERT_EMAIL

    code = doc["tracking_code"]
    notice = wait_for(
        lambda: [
            m for m in outbox(local_stack, to=LOCAL_OPERATOR_ALERT_EMAIL) if code in m["subject"]
        ],
        timeout=30,
    )
    assert len(notice) == 1 and "wa_131000" in notice[0]["text"]


def test_forged_webhooks_are_refused_without_a_state_change(local_stack, firestore_client):
    stack = local_stack
    request_id, to = answered_request(stack)
    assert call_dispatch(stack, request_id, "email").json()["outcome"] == "accepted"
    assert call_dispatch(stack, request_id, "whatsapp").json()["outcome"] == "accepted"
    email_mid = message_id(request_id, MessageKind.NOT_FOUND, 1, Channel.EMAIL)
    wa_mid = message_id(request_id, MessageKind.NOT_FOUND, 1, Channel.WHATSAPP)
    wamid = outbox(stack, to=to["whatsapp"])[0]["id"]

    events = json.dumps([{"event": "delivered", "remisi_message": email_mid}]).encode()
    forged = requests.post(
        f"{stack.site_url}/api/sendgrid_events",
        data=events,
        headers={
            "X-Twilio-Email-Event-Webhook-Signature": "MEUCIQDforgedforgedforged==",
            "X-Twilio-Email-Event-Webhook-Timestamp": str(int(time.time())),
        },
        timeout=10,
    )
    assert forged.status_code == 403
    status = {"entry": [{"changes": [{"value": {"statuses": [{"id": wamid, "status": "read"}]}}]}]}
    forged = requests.post(
        f"{stack.site_url}/api/whatsapp_webhook",
        data=json.dumps(status).encode(),
        headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
        timeout=10,
    )
    assert forged.status_code == 403
    assert message_doc(firestore_client, email_mid)["state"] == "accepted"
    assert message_doc(firestore_client, wa_mid)["state"] == "accepted"

    # Genuine, out of order: read first, then delivered; read stays read.
    for state in ("read", "delivered"):
        requests.post(
            f"{stack.providers_url}/_control/deliver",
            json={"id": wamid, "status": state},
            timeout=30,
        )
    assert message_doc(firestore_client, wa_mid)["state"] == "read"

    # The subscription handshake answers only the right verify token.
    url = f"{stack.site_url}/api/whatsapp_webhook"
    good = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    right = requests.get(
        url, params={**good, "hub.verify_token": stack.whatsapp_verify_token}, timeout=10
    )
    assert right.status_code == 200 and right.text == "1158201444"
    wrong = requests.get(url, params={**good, "hub.verify_token": "nope"}, timeout=10)
    assert wrong.status_code == 403


def test_dispatch_refuses_callers_that_are_not_the_queue(local_stack):
    answer = requests.post(
        f"{local_stack.site_url}/api/dispatch",
        json={"request_id": "0" * 32, "kind": "receipt", "round": 1, "channel": "email"},
        headers={"X-CloudTasks-QueueName": "projects/x/locations/y/queues/sdp-lookup"},
        timeout=10,
    )
    assert answer.status_code == 403
