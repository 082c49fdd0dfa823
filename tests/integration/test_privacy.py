"""Privacy by schedule and the data subject's rights on the local stack: the retention function
as Cloud Scheduler calls it, the reports after it, export and erasure from the operator page
and the CLI. The emulator cannot move time: a test moves a request's clocks back instead."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, timedelta

import pytest
import requests
from google.cloud.firestore import FieldFilter

from shared import data_subject
from tests.conftest import wait_for
from tests.integration.operator_helpers import (
    awaiting_request,
    base,
    create_account,
    csrf_of,
    sign_in,
)

pytestmark = pytest.mark.integration

DAYS_BACK = 200  # past every default period (KTP 90, personal data 90 after close)


def _shift(firestore_client, request_id: str, days: int = DAYS_BACK) -> dict:
    """Every clock of the request `days` earlier, as if the job ran that much later."""
    ref = firestore_client.collection("requests").document(request_id)
    doc = ref.get().to_dict()
    shift = timedelta(days=days)
    changes = {
        key: doc[key] - shift
        for key in ("created_at", "updated_at", "status_entered_at")
        if doc.get(key) is not None
    }
    changes["history"] = [{**e, "at": e["at"] - shift} for e in doc["history"]]
    changes["decisions"] = [{**d, "at": d["at"] - shift} for d in doc.get("decisions") or []]
    ref.update(changes)
    return ref.get().to_dict()


def _awaiting(stack, firestore_client) -> str:
    """A request at the operator; a 503 (a cold instance on a loaded machine) is tried again,
    as the form does after Retry-After."""
    try:
        return awaiting_request(stack, firestore_client)
    except AssertionError as error:
        if "unavailable" not in str(error):
            raise
    return awaiting_request(stack, firestore_client)


def _document(firestore_client, request_id: str) -> dict | None:
    snapshot = firestore_client.collection("requests").document(request_id).get()
    return snapshot.to_dict() if snapshot.exists else None


def _ktp_objects(storage_client, stack, request_id: str) -> list[str]:
    bucket = storage_client.bucket(stack.config.bucket)
    return [b.name for b in bucket.list_blobs(prefix=f"ktp/{request_id}/")]


def _month(doc: dict) -> str:
    return f"{doc['created_at'].astimezone(UTC) + timedelta(hours=7):%Y-%m}"


def _report_total(http: requests.Session, stack, month: str) -> int:
    answer = http.get(f"{base(stack)}/reports.csv", params={"month": month}, timeout=20)
    assert answer.status_code == 200, answer.text
    rows = {(r[0], r[1]): r[2] for r in csv.reader(io.StringIO(answer.text))}
    return int(rows[("ringkasan", "jumlah permohonan")])


def _deps(stack):
    from shared.bootstrap import bootstrap
    from shared.config import Settings

    return bootstrap(Settings.from_env(stack.function_env()))


def _retention(stack) -> dict:
    answer = stack.retention(timeout=120)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _decide_not_found(stack, firestore_client, remisi, request_id: str) -> None:
    """Decided "not found" on the page and notified by the dispatch: closed, with its KTP."""
    decided = remisi.post(
        f"{base(stack)}/requests/{request_id}/decide",
        data={"csrf": csrf_of(remisi, stack), "kind": "not_found"},
        allow_redirects=False,
        timeout=20,
    )
    assert decided.status_code == 303, decided.text
    wait_for(lambda: _document(firestore_client, request_id)["status"] == "notified", 30, 0.2)


@pytest.fixture(scope="module")
def accounts(local_stack):
    admin = create_account(local_stack, "admin", "privasi")
    remisi = create_account(local_stack, "operator_remisi", "privasi")
    return {"admin": sign_in(local_stack, admin), "remisi": sign_in(local_stack, remisi)}


def test_an_open_request_older_than_90_days_is_kept_and_only_the_scheduler_runs_the_job(
    local_stack, firestore_client, storage_client
):
    url = f"{local_stack.site_url}/api/retention"
    assert requests.post(url, json={}, timeout=30).status_code == 403
    request_id = _awaiting(local_stack, firestore_client)
    before = _shift(firestore_client, request_id)
    assert "purge_after" not in before  # nothing for a TTL to delete it by

    run = _retention(local_stack)
    assert run["overdue"] >= 1 and run["ktp_deleted"] >= 1
    kept = _document(firestore_client, request_id)
    assert kept is not None and kept["status"] == "awaiting_operator"
    assert kept["requester"] == before["requester"]  # open: never redacted
    assert kept["privacy"]["overdue_flagged_at"] and kept["privacy"]["ktp_deleted_at"]
    # The KTP goes at the hard cap, open or not; the request is still found by its requester.
    assert _ktp_objects(storage_client, local_stack, request_id) == []
    status = requests.post(
        f"{local_stack.site_url}/api/status",
        json={"tracking_code": kept["tracking_code"], "contact": kept["requester"]["email"]},
        timeout=15,
    )
    assert status.status_code == 200 and status.json()["status"] == "awaiting_operator"
    runs = list(firestore_client.collection("retention_runs").stream())
    assert runs and all("requester" not in json.dumps(r.to_dict(), default=str) for r in runs)


def test_a_month_older_than_90_days_stays_in_the_reports_and_erasure_keeps_the_counts(
    local_stack, firestore_client, storage_client, accounts
):
    request_id = _awaiting(local_stack, firestore_client)
    _decide_not_found(local_stack, firestore_client, accounts["remisi"], request_id)
    doc = _shift(firestore_client, request_id)
    month, admin = _month(doc), accounts["admin"]
    total = _report_total(admin, local_stack, month)
    assert total >= 1

    # The page exports what the office holds, KTP included; the audit names neither.
    code = doc["tracking_code"]
    found = admin.get(f"{base(local_stack)}/admin/privacy", params={"code": code}, timeout=10)
    assert found.status_code == 200 and f"Permohonan {code}" in found.text
    csrf = csrf_of(admin, local_stack, "/admin/privacy")
    exported = admin.post(
        f"{base(local_stack)}/admin/privacy/export", data={"csrf": csrf, "code": code}, timeout=20
    )
    assert exported.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    assert json.loads(archive.read("data.json"))["requester"]["name"] == doc["requester"]["name"]
    assert any(n.startswith("ktp/") for n in archive.namelist())

    run = _retention(local_stack)
    assert run["aggregated"] >= 1 and run["redacted"] >= 1
    shell = _document(firestore_client, request_id)
    assert shell["requester"]["name"] == "" and shell["requester"]["email"] == ""
    assert shell["retention_pending"] is False
    assert _ktp_objects(storage_client, local_stack, request_id) == []
    assert _report_total(admin, local_stack, month) == total  # folded, counted once
    assert _retention(local_stack)["aggregated"] == 0  # a second run folds nothing again
    # Even without the shell (as the old TTL deleted it), the month keeps its figures.
    firestore_client.collection("requests").document(request_id).delete()
    assert _report_total(admin, local_stack, month) == total

    events = [
        e.to_dict()
        for e in firestore_client.collection("audit_events")
        .where(filter=FieldFilter("target", "==", request_id))
        .stream()
    ]
    actions = {e["action"] for e in events}
    assert {"data_subject_exported", "ktp_deleted", "request_redacted"} <= actions
    assert doc["requester"]["name"] not in json.dumps(events, default=str)


def test_export_and_erasure_from_the_cli_and_the_page(
    local_stack, firestore_client, storage_client, accounts
):
    request_id = _awaiting(local_stack, firestore_client)
    code = _document(firestore_client, request_id)["tracking_code"]
    deps = _deps(local_stack)

    def cli(*args) -> int:
        # The command's own main, in this process (a subprocess would only add its start).
        return data_subject.main([*args, "--tracking-code", code], deps=deps)

    admin = accounts["admin"]
    out = local_stack.config.state_dir / f"export-{code}.zip"
    assert cli("export", "--out", str(out)) == 0
    assert "data.json" in zipfile.ZipFile(out).namelist() and out.stat().st_mode & 0o077 == 0
    # The requester asks from the status page (code + contact): into the admins' queue.
    email = _document(firestore_client, request_id)["requester"]["email"]
    url = f"{local_stack.site_url}/api/privacy_request"
    ask = {"tracking_code": code, "contact": email, "kind": "hapus"}
    wrong = requests.post(url, json={**ask, "contact": "bukan.saya@example.id"}, timeout=15)
    assert wrong.status_code == 404, wrong.text
    asked = requests.post(url, json=ask, timeout=15)
    assert asked.status_code == 201, asked.text
    assert requests.post(url, json=ask, timeout=15).status_code == 200  # the same, once
    page = admin.get(f"{base(local_stack)}/admin/privacy", timeout=10)
    assert "Penghapusan data" in page.text and code in page.text
    receipts = wait_for(
        lambda: [
            m.to_dict()
            for m in firestore_client.collection("messages")
            .where(filter=FieldFilter("request_id", "==", request_id))
            .stream()
            if m.to_dict()["kind"] == "privacy_receipt"
        ],
        20,
        0.2,
    )
    assert {m["channel"] for m in receipts} == {"email", "whatsapp"}

    # Still being answered: refused, nothing removed.
    assert cli("erase", "--yes") == 2
    csrf = csrf_of(admin, local_stack, "/admin/privacy")
    refused = admin.post(
        f"{base(local_stack)}/admin/privacy/erase",
        data={"csrf": csrf, "code": code, "confirm": code},
        timeout=20,
    )
    assert refused.status_code == 400
    assert _document(firestore_client, request_id)["requester"]["name"]

    _decide_not_found(local_stack, firestore_client, accounts["remisi"], request_id)
    erased = admin.post(
        f"{base(local_stack)}/admin/privacy/erase",
        data={"csrf": csrf, "code": code, "confirm": code},
        allow_redirects=False,
        timeout=20,
    )
    assert erased.status_code == 303, erased.text
    shell = _document(firestore_client, request_id)
    assert shell["requester"]["name"] == "" and shell["prisoner"]["name"] == ""
    assert _ktp_objects(storage_client, local_stack, request_id) == []
    assert {"data_subject_exported", "data_subject_erased"} <= {
        e.to_dict()["action"]
        for e in firestore_client.collection("audit_events")
        .where(filter=FieldFilter("target", "==", request_id))
        .stream()
    }
    assert cli("erase", "--yes") == 0  # again, from the command line: harmless
    # The admin records what was done; the queue shows it answered.
    key = next(
        d.id
        for d in firestore_client.collection("privacy_requests")
        .where(filter=FieldFilter("request_id", "==", request_id))
        .stream()
    )
    done = admin.post(
        f"{base(local_stack)}/admin/privacy/requests/{key}",
        data={"csrf": csrf, "state": "selesai", "answer": "data dihapus"},
        allow_redirects=False,
        timeout=20,
    )
    assert done.status_code == 303, done.text
    stored = firestore_client.collection("privacy_requests").document(key).get().to_dict()
    assert stored["state"] == "selesai" and stored["handled_by"]


def test_conversations_unmatched_messages_and_complaints_follow_their_schedules(
    local_stack, firestore_client, accounts
):
    """Issue 11: the conversation of a closed request, the WhatsApp messages no request was
    found for and an answered complaint (with its messages' links) were kept forever."""
    import uuid

    from shared.domain.conversations import Conversation, InboundMessage
    from shared.service_layer import complaints, unit_of_work
    from tests.fakes import InMemoryRateLimiter

    deps = _deps(local_stack)
    now = deps.clock.now()
    # A family wrote back on WhatsApp (stored as the webhook's step stores it: the stack's
    # requests share one number, so matching by number would pick another); then the request
    # is answered and gets old.
    request_id = _awaiting(local_stack, firestore_client)
    request = deps.requests.get(request_id)
    words = f"Terima kasih, anak saya di blok C {uuid.uuid4().hex[:6]}"
    sender = request.requester.whatsapp.lstrip("+")
    thread = Conversation(request_id)
    thread.add_inbound(InboundMessage(f"wamid.{uuid.uuid4().hex}", sender, now, text=words), now)
    unit_of_work.run(deps, lambda tx: tx.save_conversation(thread))
    _decide_not_found(local_stack, firestore_client, accounts["remisi"], request_id)
    _shift(firestore_client, request_id)
    # Two messages from a stranger: one past UNMATCHED_INBOUND_DAYS, one fresh.
    stranger = uuid.uuid4().hex[:8]
    for key, age in (("old", 31), ("new", 1)):
        message = InboundMessage(f"wamid.{stranger}.{key}", "6289900000001", now, text=stranger)
        deps.conversations.add_unmatched(message, now - timedelta(days=age), "no_request")
    # A complaint answered more than COMPLAINT_DAYS_AFTER_ANSWER ago, with a manual link.
    body = {
        "name": "Siti Rahmawati",
        "whatsapp": "0812 3456 7890",
        "email": "",
        "category": "lambat",
        "text": f"Belum ada jawaban atas permohonan saya {stranger}, mohon dibantu.",
        "tracking_code": "",
        "idempotency_key": f"complaint-{uuid.uuid4().hex}",
    }
    complaint = complaints.file_complaint(body, "10.9.8.7", deps, InMemoryRateLimiter()).complaint
    complaints.answer(deps, complaint.complaint_id, "budi.divpas", "Sudah kami jawab, Ibu Siti.")
    ref = firestore_client.collection("complaints").document(complaint.complaint_id)
    shifted = {k: ref.get().get(k) - timedelta(days=100) for k in ("created_at", "answered_at")}
    ref.update(shifted)
    month = f"{shifted['created_at'].astimezone(UTC) + timedelta(hours=7):%Y-%m}"
    before = complaints.month_figures(deps, month)
    assert before.answered >= 1

    def settled_messages():
        found = [
            m
            for m in firestore_client.collection("messages")
            .where(filter=FieldFilter("request_id", "==", complaint.complaint_id))
            .stream()
        ]
        return found if found and all(m.get("state") != "queued" for m in found) else None

    messages = wait_for(settled_messages, 30, 0.2)
    messages[0].reference.update({"manual_link": f"https://wa.me/6281234567890?text={stranger}"})

    archive = zipfile.ZipFile(io.BytesIO(privacy_export(deps, request_id)))
    assert words in archive.read("data.json").decode()

    run = _retention(local_stack)
    assert run["conversations_redacted"] >= 1 and run["complaints_redacted"] >= 1
    assert run["unmatched_deleted"] >= 1
    thread = firestore_client.collection("conversations").document(request_id).get().to_dict()
    assert [e["text"] for e in thread["entries"]] == [""] and thread["entries"][0]["at"]
    left = [
        d.id
        for d in firestore_client.collection("unmatched_inbound").stream()
        if d.id.startswith(f"wamid.{stranger}")
    ]
    assert left == [f"wamid.{stranger}.new"]
    stored = json.dumps(
        [ref.get().to_dict(), [m.reference.get().to_dict() for m in messages]], default=str
    )
    assert "Siti" not in stored and stranger not in stored and "6281234567890" not in stored
    assert complaints.month_figures(deps, month) == before
    latest = next(
        firestore_client.collection("retention_runs")
        .order_by("started_at", direction="DESCENDING")
        .limit(1)
        .stream()
    ).to_dict()
    assert latest["complaints_redacted"] == run["complaints_redacted"]
    assert words not in json.dumps(latest, default=str)


def privacy_export(deps, request_id: str) -> bytes:
    from shared.service_layer import privacy

    return privacy.export_request(deps, deps.requests.get(request_id), "admin.privasi")
