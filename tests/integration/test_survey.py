"""The satisfaction survey end to end on the local stack: a served request owes its survey link
once (tasks delivered twice), the relay sends it when due, the link is answered once, an
expired link is refused, and the stored answer leads back to no request."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from google.cloud.firestore import FieldFilter

from shared.domain import skm
from shared.domain.messages import Channel, MessageKind, message_id
from shared.service_layer import survey
from tests.conftest import wait_for
from tests.integration.operator_helpers import (
    awaiting_request,
    base,
    create_account,
    csrf_of,
    sign_in,
)
from tests.integration.test_faults import duplicate_tasks

pytestmark = pytest.mark.integration

LOCAL_KEY = b"local-survey-token-key-not-secret"  # shared.config's local default
LINK = re.compile(r"/survei\.html#t=([A-Za-z0-9_-]{43})")
ANSWERS = {
    "answers": dict(zip(skm.ELEMENT_CODES, (4, 3, 4, 4, 3, 3, 4, 3, 3), strict=True)),
    "profile": {"age_band": "35-44", "sex": "p", "education": "sma", "occupation": "swasta"},
    "suggestion": "Balasan cepat. <script>alert(1)</script>",
}


def outbox(stack, to: str) -> list[dict]:
    found = requests.get(f"{stack.providers_url}/_control/messages", timeout=5).json()
    return [m for m in found["messages"] if m.get("to") == to]


def check(stack, token: str) -> requests.Response:
    return requests.get(
        f"{stack.site_url}/api/survey", headers={"X-Survey-Token": token}, timeout=10
    )


def answer(stack, token: str, **changes) -> requests.Response:
    body = {**ANSWERS, "token": token, **changes}
    return requests.post(f"{stack.site_url}/api/survey", json=body, timeout=10)


@pytest.fixture(scope="module")
def served(local_stack, firestore_client):
    """A request answered (not found) with every task delivered twice, its survey link sent."""
    digits = f"{uuid.uuid4().int % 10**9:09d}"
    email, wa = f"survei.{digits}@example.id", f"62813{digits}"
    for attempt in range(3):  # a loaded machine may answer the first submit with 503
        try:
            request_id = awaiting_request(
                local_stack, firestore_client, whatsapp=f"0813{digits}", email=email
            )
            break
        except AssertionError as error:
            if "unavailable" not in str(error) or attempt == 2:
                raise
    http = sign_in(local_stack, create_account(local_stack, "operator_remisi", prefix="skm"))
    duplicate_tasks(local_stack, True)
    try:
        decided = http.post(
            f"{base(local_stack)}/requests/{request_id}/decide",
            data={"csrf": csrf_of(http, local_stack), "kind": "not_found"},
            allow_redirects=False,
            timeout=10,
        )
        assert decided.status_code == 303, decided.text
        requests_ = firestore_client.collection("requests")
        wait_for(
            lambda: requests_.document(request_id).get().get("status") == "notified", timeout=30
        )
        # Owed, not sent: the link waits SURVEY_INVITE_DELAY (60 minutes by default).
        entries = {}
        for channel in Channel:
            mid = message_id(request_id, MessageKind.SURVEY_INVITE, 1, channel)
            message = firestore_client.collection("messages").document(mid).get()
            assert message.exists and message.get("state") == "queued", channel
            found = list(
                firestore_client.collection("outbox")
                .where(filter=FieldFilter("payload.request_id", "==", request_id))
                .where(filter=FieldFilter("payload.kind", "==", "survey_invite"))
                .where(filter=FieldFilter("payload.channel", "==", channel.value))
                .stream()
            )
            assert len(found) == 1, (channel, len(found))
            entries[channel] = found[0]
            due = found[0].get("due_at")
            assert due > datetime.now(UTC) + timedelta(minutes=55)
        time.sleep(0.5)
        assert len(outbox(local_stack, email)) == 2 and len(outbox(local_stack, wa)) == 2

        # An hour later (moved, not waited): the sweep's relay sends both, each once.
        for entry in entries.values():
            entry.reference.update({"due_at": datetime.now(UTC) - timedelta(seconds=1)})
        assert local_stack.sweep().ok
        wait_for(lambda: len(outbox(local_stack, email)) == 3, timeout=30)
        wait_for(lambda: len(outbox(local_stack, wa)) == 3, timeout=30)
    finally:
        duplicate_tasks(local_stack, False)
    time.sleep(1.0)  # a copy would arrive with the first
    mails, chats = outbox(local_stack, email), outbox(local_stack, wa)
    assert len(mails) == 3 and len(chats) == 3
    return request_id, mails[-1], chats[-1], http


def test_a_served_request_owes_its_survey_link_once_on_both_channels(served, firestore_client):
    request_id, mail, chat, _ = served
    token = survey.token_for(LOCAL_KEY, request_id)
    assert "survei kepuasan" in mail["subject"].lower()
    assert LINK.search(mail["text"])[1] == token
    assert chat["template"] == "remisi_survei_kepuasan"
    assert LINK.search(chat["preview"])[1] == token
    # One invitation, stored under the token's hash; nothing in it names the request.
    invitations = firestore_client.collection("survey_invitations")
    stored = invitations.document(hashlib.sha256(token.encode()).hexdigest()).get()
    assert stored.exists
    assert set(stored.to_dict()) == {"token_hash", "service", "created_at", "expires_at", "used"}
    assert token not in str(stored.to_dict()) and request_id not in str(stored.to_dict())
    assert stored.get("expires_at") - stored.get("created_at") == timedelta(days=14)


def test_the_link_is_answered_once_and_the_answer_names_no_request(
    served, local_stack, firestore_client
):
    request_id, _, _, _ = served
    token = survey.token_for(LOCAL_KEY, request_id)
    opened = check(local_stack, token)
    assert opened.status_code == 200, opened.text
    assert opened.json()["state"] == "open" and opened.json()["service"] == skm.SERVICE_LABEL
    assert check(local_stack, token).status_code == 200  # asking again changes nothing

    incomplete = answer(local_stack, token, answers={"u1": 4, "u2": 9})
    assert incomplete.status_code == 400
    assert {"u2", "u3", "u9"} <= set(incomplete.json()["errors"])

    before = {d.id for d in firestore_client.collection("survey_answers").stream()}
    recorded = answer(local_stack, token)
    assert recorded.status_code == 201, recorded.text
    again = answer(local_stack, token)
    assert again.status_code == 409 and again.json()["error"] == "survey_used"
    assert "sudah dipakai" in again.json()["message"]
    assert check(local_stack, token).status_code == 409

    new = [
        d.to_dict()
        for d in firestore_client.collection("survey_answers").stream()
        if d.id not in before
    ]
    assert len(new) == 1  # the second POST stored nothing
    stored = new[0]
    assert set(stored) == {"answer_id", "period", "service", "scores", "profile", "suggestion"}
    assert request_id not in str(stored) and token not in str(stored)
    assert re.fullmatch(r"\d{4}-\d{2}", stored["period"])
    hashed = hashlib.sha256(token.encode()).hexdigest()
    assert firestore_client.collection("survey_invitations").document(hashed).get().get("used")

    # The published figures count it, without the suggestions.
    figures = requests.get(
        f"{local_stack.site_url}/api/survey", params={"periode": stored["period"]}, timeout=10
    ).json()
    assert figures["respondents"] >= 1 and figures["population"] >= 1
    assert figures["ikm"] is not None and figures["grade"] in "ABCD"
    assert "Balasan cepat" not in str(figures)


def test_an_expired_or_unknown_link_is_refused_in_bahasa_indonesia(local_stack, firestore_client):
    token = secrets.token_urlsafe(32)
    hashed = hashlib.sha256(token.encode()).hexdigest()
    now = datetime.now(UTC)
    firestore_client.collection("survey_invitations").document(hashed).set(
        {
            "token_hash": hashed,
            "service": skm.SERVICE,
            "created_at": now - timedelta(days=15),
            "expires_at": now - timedelta(days=1),
            "used": False,
        }
    )
    expired = check(local_stack, token)
    assert expired.status_code == 410 and "habis" in expired.json()["message"]
    assert answer(local_stack, token).status_code == 410
    assert not firestore_client.collection("survey_invitations").document(hashed).get().get("used")
    unknown = check(local_stack, secrets.token_urlsafe(32))
    assert unknown.status_code == 404 and "tidak dikenal" in unknown.json()["message"]
    assert check(local_stack, "pendek").status_code == 404
    bad_period = requests.get(
        f"{local_stack.site_url}/api/survey", params={"periode": "2026-13"}, timeout=10
    )
    assert bad_period.status_code == 400


def test_the_operator_report_shows_the_ikm_chart_and_downloads(served, local_stack):
    from openpyxl import load_workbook

    _, _, _, http = served
    period = datetime.now(UTC).astimezone(survey.WIB).strftime("%Y-%m")
    page = http.get(f"{base(local_stack)}/survey", params={"periode": period}, timeout=10)
    assert page.status_code == 200
    assert "Survei Kepuasan Masyarakat" in page.text and "<svg" in page.text
    assert "U9 Sarana dan prasarana" in page.text
    # The respondent's text is shown escaped, never as markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    csv = http.get(f"{base(local_stack)}/survey.csv", params={"periode": period}, timeout=10)
    assert csv.status_code == 200 and "IKM (25-100)" in csv.text and "Balasan cepat" in csv.text
    xlsx = http.get(f"{base(local_stack)}/survey.xlsx", params={"periode": period}, timeout=10)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert any(row[1] == "IKM (25-100)" for row in sheet.iter_rows(values_only=True))
    # (Operator Divpas is refused by the route's REPORTS permission: the role-matrix tests walk
    # every route's example path.)
