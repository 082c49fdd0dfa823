"""Issue 10, measured failure 3: a dispatch worker killed while a message is with the provider
left the message `unknown` and the request waiting forever, with nothing for an operator to
do. Now the message shows in its own queue tab, the request page offers audited actions, and
the request settles once the operator has chosen."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import pytest
import requests

from tests.conftest import wait_for
from tests.integration.operator_helpers import (
    CSRF,
    audit_actions,
    base,
    create_account,
    sign_in,
)
from tests.integration.test_dispatch import (
    answered_request,
    call_dispatch,
    fault,
    message_doc,
)

pytestmark = pytest.mark.integration


def test_a_message_whose_worker_died_mid_call_is_settled_by_an_operator(
    local_stack, firestore_client
):
    stack = local_stack
    request_id, contacts = answered_request(stack)
    whatsapp_id = f"{request_id}-not_found-1-whatsapp"
    email_id = f"{request_id}-not_found-1-email"

    # The provider holds the call longer than it takes to kill the worker serving it.
    fault(stack, "whatsapp", "timeout", contacts["whatsapp"], seconds=5)
    call = threading.Thread(target=lambda: _quietly(call_dispatch, stack, request_id, "whatsapp"))
    call.start()
    wait_for(lambda: (message_doc(firestore_client, whatsapp_id) or {}).get("state") == "sending")
    time.sleep(0.3)
    for pid in stack.function_worker_pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    call.join(30)

    # The queue's next deliveries find an intent without an outcome: within the send's lease
    # a twin may still be with the provider; after it, never sent blindly again.
    answer = wait_for(lambda: _answering(call_dispatch, stack, request_id, "whatsapp"), 60, 0.5)
    assert answer.json()["outcome"] == "in_progress"
    answer = wait_for(lambda: _outcome(stack, request_id, "unknown"), 60, 1.0)
    assert call_dispatch(stack, request_id, "email").json()["outcome"] == "accepted"
    assert message_doc(firestore_client, whatsapp_id)["state"] == "unknown"
    assert message_doc(firestore_client, email_id)["state"] == "accepted"
    request = firestore_client.collection("requests").document(request_id).get().to_dict()
    assert request["status"] == "not_found"  # waiting on someone, and visibly so:

    operator = sign_in(stack, create_account(stack, "operator_divpas", prefix="pesan"))
    tab = operator.get(f"{base(stack)}/messages/unknown", timeout=10)
    assert tab.status_code == 200 and request["tracking_code"] in tab.text
    page = operator.get(f"{base(stack)}/requests/{request_id}", timeout=10)
    assert "Kirim ulang" in page.text and "Sudah terkirim" in page.text
    assert "Hentikan" in page.text

    settled = operator.post(
        f"{base(stack)}/requests/{request_id}/messages/{whatsapp_id}/settle",
        data={"csrf": CSRF.search(page.text)[1], "action": "confirm_sent"},
        allow_redirects=False,
        timeout=10,
    )
    assert settled.status_code == 303, settled.text
    assert message_doc(firestore_client, whatsapp_id)["state"] == "manual_sent"
    request = firestore_client.collection("requests").document(request_id).get().to_dict()
    assert request["status"] == "notified"
    assert "message_confirmed_sent" in audit_actions(firestore_client, request_id)
    tab = operator.get(f"{base(stack)}/messages/unknown", timeout=10)
    assert request["tracking_code"] not in tab.text


def _quietly(call, *args):
    # The worker serving it is killed: that is the point.
    with contextlib.suppress(requests.RequestException):
        call(*args)


def _outcome(stack, request_id, wanted):
    answer = _answering(call_dispatch, stack, request_id, "whatsapp")
    return answer if answer is not None and answer.json()["outcome"] == wanted else None


def _answering(call, *args):
    try:
        answer = call(*args)
    except requests.RequestException:
        return None
    return answer if answer.status_code == 200 else None
