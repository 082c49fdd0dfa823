"""Privacy by schedule: the retention plan in the domain, the daily job and the data subject's
rights over the in-memory ports (shared.service_layer.privacy)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.records import SCHEMA_VERSION, to_document
from shared.domain import aggregates, retention
from shared.domain.model import DecisionKind, Status
from shared.domain.retention import RetentionPolicy
from shared.service_layer import privacy, review, services
from shared.service_layer.ports import AuditEvent, UploadedObject
from tests.fakes import FixedClock, ListDirectory, fake_dependencies
from tests.samples import form_payload, jpeg_bytes

POLICY = retention.default_policy()


class InMemoryPrivacy:
    """The PrivacyStore port over the fakes' documents, as FirestorePrivacy over Firestore's."""

    def __init__(self, deps):
        self.deps = deps
        self.contributions_by_id: dict[str, dict] = {}
        self.runs: list[dict] = []

    def pending_requests(self, limit):
        from shared.adapters.records import from_document

        docs = self.deps.requests.documents.values()
        return [from_document(d) for d in docs if d.get("retention_pending")][:limit]

    def legacy_request_ids(self, limit):
        docs = self.deps.requests.documents.items()
        return [i for i, d in docs if d.get("schema", 1) < SCHEMA_VERSION][:limit]

    def forget_legacy_ttl(self, request):
        for doc in self.deps.messages.documents.values():
            if doc["request_id"] == request.request_id:
                doc.pop("purge_after", None)

    def add_contribution(self, item):
        if item.request_id in self.contributions_by_id:
            return False
        self.contributions_by_id[item.request_id] = aggregates.to_document(item)
        return True

    def contributions(self, month):
        docs = self.contributions_by_id.values()
        return [aggregates.from_document(d) for d in docs if d["month"] == month]

    def redact_audit_details(self, request_id, keys):
        events = self.deps.audit.events
        changed = 0
        for index, event in enumerate(events):
            if event.target == request_id and any(k in event.details for k in keys):
                details = {k: v for k, v in event.details.items() if k not in keys}
                events[index] = replace(event, details=details)
                changed += 1
        return changed

    def record_run(self, run):
        self.runs.append(run)

    def last_runs(self, limit):
        return list(reversed(self.runs))[:limit]

    def privacy_requests(self, limit):
        from shared.domain.privacy_requests import from_document

        docs = self.deps.store.privacy_requests.values()
        return sorted(map(from_document, docs), key=lambda r: r.created_at, reverse=True)[:limit]

    def privacy_requests_for(self, request_id):
        return [r for r in self.privacy_requests(1000) if r.request_id == request_id]

    def delete_unmatched_before(self, cutoff, limit):
        documents = self.deps.conversations.unmatched_documents
        old = [k for k, d in documents.items() if d["received_at"] <= cutoff][:limit]
        for key in old:
            del documents[key]
        return len(old)

    def answered_complaints_before(self, cutoff, limit):
        from shared.adapters.firestore_complaints import complaint_from_document

        docs = self.deps.store.complaints.documents.values()
        found = [d for d in docs if d["answered_at"] and d["answered_at"] <= cutoff]
        return [complaint_from_document(d) for d in found][:limit]


@pytest.fixture
def deps():
    from shared.domain.sdp import SdpCandidate
    from shared.domain.sla import OfficeHours

    core = fake_dependencies(
        clock=FixedClock(datetime(2026, 6, 10, 3, 0, tzinfo=UTC)),
        sdp=ListDirectory([SdpCandidate("REG-1", "Ahmad Fauzi bin Hasan", 97.0, ("nama",))]),
        office_hours=OfficeHours.parse("1-7 00:00-23:59 +07:00"),
    )
    core.privacy = InMemoryPrivacy(core)
    return core


def awaiting(deps, key="k" * 32):
    today = deps.clock.now().date()
    request = services.submit_request(form_payload(today, idempotency_key=key), deps).request
    generation = deps.files.put(request.ktp.object_name, jpeg_bytes())
    services.handle_ktp_uploaded(
        UploadedObject("b", request.ktp.object_name, generation, 1, "image/jpeg"), deps
    )
    services.run_sdp_lookup(request.request_id, deps)
    return deps.requests.get(request.request_id)


def closed(deps, key="k" * 32):
    """A request answered 'not found' and notified: final."""
    request = awaiting(deps, key)
    deps.clock.advance(minutes=2)

    def finish(r):
        from shared.domain.model import Decision

        r.decide(Decision(DecisionKind.NOT_FOUND, "siti", deps.clock.now()))
        r.notified(deps.clock.now())

    deps.requests.update(request.request_id, finish)
    return deps.requests.get(request.request_id)


def ktp_objects(deps, request):
    return [n for n in deps.files.objects if n.startswith(f"ktp/{request.request_id}/")]


# --- the measured failures ----------------------------------------------------------------------


def test_an_open_request_older_than_90_days_is_neither_deleted_nor_redacted(deps):
    request = awaiting(deps)
    # No TTL field on the document: nothing deletes it behind the office's back.
    assert "purge_after" not in to_document(request)
    deps.clock.advance(days=200)
    run = privacy.run_retention(deps, POLICY)
    kept = deps.requests.get(request.request_id)
    assert kept is not None and kept.status is Status.AWAITING_OPERATOR
    assert kept.requester.name == request.requester.name  # open: never redacted
    assert (run.redacted, run.overdue) == (0, 1)
    assert kept.privacy.overdue_flagged_at == deps.clock.now()
    # The KTP image still goes at the hard cap, open request or not.
    assert run.ktp_deleted == 1 and ktp_objects(deps, request) == []
    assert privacy.run_retention(deps, POLICY).overdue == 0  # flagged once


def test_a_month_older_than_90_days_stays_in_the_reports_after_the_job(deps):
    closed(deps, "a" * 32)
    closed(deps, "b" * 32)
    before = review.month_report(deps, "2026-06")
    assert before.total == 2
    deps.clock.advance(days=200)
    run = privacy.run_retention(deps, POLICY)
    assert (run.aggregated, run.redacted) == (2, 2)
    after = review.month_report(deps, "2026-06")
    # Folded figures and the redacted shells are counted once, not twice.
    assert (after.total, after.outcomes, after.relationships) == (
        before.total,
        before.outcomes,
        before.relationships,
    )
    assert after.step_medians == before.step_medians
    # Even with the shells gone (as the old TTL did), the month keeps its figures.
    deps.requests.documents.clear()
    assert review.month_report(deps, "2026-06").total == 2


# --- the schedule -------------------------------------------------------------------------------


def test_the_plan_follows_the_periods_of_the_settings():
    policy = RetentionPolicy.from_days(
        ktp_after_close=30,
        ktp_max=90,
        personal_after_close=60,
        open_alert=30,
        unmatched_inbound=30,
        complaint_after_answer=90,
    )
    deps = fake_dependencies(clock=FixedClock(datetime(2026, 6, 10, 3, 0, tzinfo=UTC)))
    request = closed(deps)
    at = retention.closed_at(request)
    assert not retention.plan(request, at + timedelta(days=29), policy).anything
    ktp = retention.plan(request, at + timedelta(days=30), policy)
    assert (ktp.fold, ktp.delete_ktp, ktp.redact) == (True, True, False)
    both = retention.plan(request, at + timedelta(days=60), policy)
    assert (both.fold, both.delete_ktp, both.redact) == (True, True, True)


def test_the_job_run_twice_folds_deletes_and_redacts_once(deps):
    request = closed(deps)
    deps.clock.advance(days=200)
    first = privacy.run_retention(deps, POLICY)
    second = privacy.run_retention(deps, POLICY)
    assert (first.aggregated, first.ktp_deleted, first.redacted) == (1, 1, 1)
    assert (second.aggregated, second.ktp_deleted, second.redacted) == (0, 0, 0)
    assert len(deps.privacy.contributions_by_id) == 1
    assert deps.audit.actions().count("request_redacted") == 1
    assert deps.audit.actions().count("retention_run") == 2
    assert deps.privacy.runs[0]["redacted"] == 1
    assert ktp_objects(deps, request) == []


def test_redaction_leaves_an_anonymous_shell(deps):
    request = closed(deps)
    decided = AuditEvent(deps.clock.now(), "siti", "decision_found", request.request_id)
    deps.audit.append(replace(decided, details={"kind": "found", "candidate": "REG-1"}))
    deps.clock.advance(days=200)
    privacy.run_retention(deps, POLICY)
    document = deps.requests.documents[request.request_id]
    text = json.dumps(document, default=str)
    for personal in (
        request.requester.name,
        request.requester.email,
        request.requester.whatsapp,
        request.requester.address,
        request.prisoner.name,
        "REG-1",
    ):
        assert personal not in text, personal
    assert document["status"] == "notified" and document["requester"]["relationship"]
    assert document["retention_pending"] is False
    assert all("candidate" not in e.details for e in deps.audit.events)
    figures = json.dumps(deps.privacy.contributions_by_id)
    assert request.requester.name not in figures and request.tracking_code not in figures


def test_documents_of_the_old_schema_lose_their_ttl_field(deps):
    request = awaiting(deps)
    old = {**deps.requests.documents[request.request_id], "schema": 1}
    old.pop("retention_pending")
    old["purge_after"] = request.created_at + timedelta(days=90)
    deps.requests.documents[request.request_id] = old
    assert privacy.run_retention(deps, POLICY).migrated == 1
    document = deps.requests.documents[request.request_id]
    assert "purge_after" not in document and document["schema"] == SCHEMA_VERSION
    assert document["retention_pending"] is True


# --- the data subject's rights ------------------------------------------------------------------


def test_export_holds_the_data_and_the_ktp_and_the_audit_holds_neither(deps):
    request = closed(deps)
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_request(deps, request, "admin.banten")))
    data = json.loads(archive.read("data.json"))
    assert data["requester"]["name"] == request.requester.name
    assert data["prisoner"]["name"] == request.prisoner.name
    assert data["messages"] and data["history"]
    images = [n for n in archive.namelist() if n.startswith("ktp/")]
    assert images and archive.read(images[0])[:2] == b"\xff\xd8"
    event = deps.audit.events[-1]
    assert (event.action, event.actor, event.target) == (
        "data_subject_exported",
        "admin.banten",
        request.request_id,
    )
    assert request.requester.name not in json.dumps(event.details)


def test_erasure_keeps_the_counts_and_removes_the_person(deps):
    request = closed(deps)
    before = review.month_report(deps, "2026-06")
    privacy.erase_request(deps, request, "admin.banten")
    shell = deps.requests.get(request.request_id)
    assert shell.requester.name == "" and shell.prisoner.name == ""
    assert shell.privacy.redacted_at and shell.privacy.ktp_deleted_at
    assert ktp_objects(deps, request) == []
    assert review.month_report(deps, "2026-06").total == before.total == 1
    assert deps.audit.actions()[-1] == "data_subject_erased"
    # Twice is harmless.
    privacy.erase_request(deps, shell, "admin.banten")
    assert review.month_report(deps, "2026-06").total == 1


def test_an_open_request_is_not_erased_while_it_is_answered(deps):
    request = awaiting(deps)
    with pytest.raises(privacy.NotErasable):
        privacy.erase_request(deps, request, "admin.banten")
    assert deps.requests.get(request.request_id).requester.name == request.requester.name


# --- the requester's own request about their data ----------------------------------------------


def test_a_requester_asks_with_code_and_contact_and_it_lands_in_the_admins_queue(deps):
    from tests.fakes import InMemoryRateLimiter

    limiter = InMemoryRateLimiter()
    request = closed(deps)
    code, email = request.tracking_code, request.requester.email
    with pytest.raises(privacy.PrivacyRequestInvalid):
        privacy.ask(deps, limiter, "1.2.3.4", code, email, "koreksi", "")  # says nothing
    from shared.service_layer.public import NoMatch

    with pytest.raises(NoMatch):
        privacy.ask(deps, limiter, "1.2.3.4", code, "orang.lain@example.id", "hapus", None)
    item, created = privacy.ask(deps, limiter, "1.2.3.4", code, email, "hapus", None)
    again, created_again = privacy.ask(deps, limiter, "1.2.3.4", code, email, "hapus", None)
    assert created and not created_again and again.privacy_request_id == item.privacy_request_id
    assert [r.kind.value for r in privacy.privacy_queue(deps)] == ["hapus"]
    assert deps.audit.actions().count("privacy_request_received") == 1
    # The confirmation on both channels, owed through the outbox in the same commit.
    receipts = [d for d in deps.messages.documents.values() if d["kind"] == "privacy_receipt"]
    assert {d["channel"] for d in receipts} == {"email", "whatsapp"}
    assert any(e["payload"].get("kind") == "privacy_receipt" for e in deps.store.outbox.values())

    assert privacy.close_privacy_request(
        deps, item.privacy_request_id, "admin.banten", privacy.PrivacyState.DONE, "dihapus"
    )
    assert not privacy.close_privacy_request(
        deps, item.privacy_request_id, "admin.banten", privacy.PrivacyState.REFUSED, None
    )
    assert privacy.privacy_queue(deps)[0].state is privacy.PrivacyState.DONE
    assert deps.audit.actions()[-1] == "privacy_request_closed"


def test_a_correction_note_is_redacted_with_its_request(deps):
    from tests.fakes import InMemoryRateLimiter

    request = closed(deps)
    note = "Nama saya Siti Nurhaliza binti Ahmad, bukan Siti Nurhalisa"
    privacy.ask(
        deps,
        InMemoryRateLimiter(),
        "1.2.3.4",
        request.tracking_code,
        request.requester.email,
        "koreksi",
        note,
    )
    privacy.erase_request(deps, request, "admin.banten")
    assert privacy.privacy_queue(deps)[0].note is None
    assert note not in json.dumps(deps.store.privacy_requests, default=str)


# --- WhatsApp conversations and complaints (issue 11: both landed after the job and kept ---------
# --- their texts and numbers forever) ------------------------------------------------------------


def talked(deps, request):
    """The family wrote back on WhatsApp and an operator answered."""
    from types import SimpleNamespace

    from shared.domain.conversations import InboundMessage
    from shared.service_layer import conversations

    sender = request.requester.whatsapp.lstrip("+")
    words = "Terima kasih, anak saya Budi di blok C"
    message = InboundMessage("wamid.in1", sender, deps.clock.now(), text=words)
    assert conversations.record_inbound(deps, message) == "recorded"
    operator = SimpleNamespace(username="siti.remisi")
    conversations.reply(deps, operator, request.request_id, "Sama-sama, Ibu Siti Aminah")
    return words


def test_the_job_redacts_the_conversation_with_its_request(deps):
    request = closed(deps)
    words = talked(deps, request)
    deps.clock.advance(days=200)
    run = privacy.run_retention(deps, POLICY)
    assert (run.redacted, run.conversations_redacted) == (1, 1)
    document = deps.conversations.documents[request.request_id]
    text = json.dumps(document, default=str)
    assert words not in text and "Siti Aminah" not in text
    # The thread's shape stays: who wrote when, the reply's number and mode.
    assert [e["direction"] for e in document["entries"]] == ["inbound", "outbound"]
    assert all(e["text"] == "" and e["at"] for e in document["entries"])
    assert deps.privacy.runs[-1]["conversations_redacted"] == 1
    assert words not in json.dumps([e.details for e in deps.audit.events], default=str)
    assert privacy.run_retention(deps, POLICY).conversations_redacted == 0


def test_export_holds_the_conversation_and_erasure_removes_it(deps):
    request = closed(deps)
    words = talked(deps, request)
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_request(deps, request, "admin.banten")))
    data = json.loads(archive.read("data.json"))
    assert [e["text"] for e in data["whatsapp_conversation"]] == [
        words,
        "Sama-sama, Ibu Siti Aminah",
    ]
    privacy.erase_request(deps, request, "admin.banten")
    text = json.dumps(deps.conversations.documents, default=str)
    assert words not in text and "Siti Aminah" not in text
    data = json.loads(
        zipfile.ZipFile(io.BytesIO(privacy.export_request(deps, request, "admin.banten"))).read(
            "data.json"
        )
    )
    assert {e["text"] for e in data["whatsapp_conversation"]} == {""}


def test_unmatched_inbound_messages_go_after_their_days(deps):
    from shared.config import default_of
    from shared.domain.conversations import InboundMessage
    from shared.service_layer import conversations

    days = int(default_of("UNMATCHED_INBOUND_DAYS"))
    stranger = InboundMessage("wamid.s1", "6289999999999", deps.clock.now(), text="Halo, saya Rudi")
    assert conversations.record_inbound(deps, stranger) == "unmatched"
    deps.clock.advance(days=days - 1)
    later = InboundMessage("wamid.s2", "6289999999999", deps.clock.now(), text="Halo lagi")
    conversations.record_inbound(deps, later)
    assert privacy.run_retention(deps, POLICY).unmatched_deleted == 0
    deps.clock.advance(days=1)
    run = privacy.run_retention(deps, POLICY)
    assert run.unmatched_deleted == 1 and deps.privacy.runs[-1]["unmatched_deleted"] == 1
    kept = json.dumps(deps.conversations.unmatched_documents, default=str)
    assert "Rudi" not in kept and "Halo lagi" in kept
    assert privacy.run_retention(deps, POLICY).unmatched_deleted == 0


def test_an_answered_complaint_is_redacted_after_its_days_and_still_counted(deps):
    from shared.config import default_of
    from shared.domain.messages import MessageKind
    from shared.service_layer import complaints, dispatch
    from shared.service_layer.dispatch import DispatchTask
    from tests.fakes import InMemoryRateLimiter, fake_dispatch_dependencies

    days = int(default_of("COMPLAINT_DAYS_AFTER_ANSWER"))
    fake_dispatch_dependencies(deps, whatsapp=None)  # click-to-chat links hold the texts
    body = {
        "name": "Siti Rahmawati",
        "whatsapp": "0812 3456 7890",
        "email": "siti.rahma@example.id",
        "category": "lambat",
        "text": "Sudah tiga hari belum ada jawaban atas permohonan saya, mohon dibantu.",
        "tracking_code": "",
        "idempotency_key": "complaint-key-0001-abcdef",
    }
    complaint = complaints.file_complaint(body, "c", deps, InMemoryRateLimiter()).complaint
    answer = "Mohon maaf Ibu Siti, permohonan Ibu sudah kami jawab hari ini."
    complaints.answer(deps, complaint.complaint_id, "budi.divpas", answer)
    for kind in (MessageKind.COMPLAINT_RECEIPT, MessageKind.COMPLAINT_ANSWER):
        task = DispatchTask(complaint.complaint_id, kind, 1, dispatch.Channel.WHATSAPP)
        assert dispatch.run_dispatch(task, deps) == "manual"
    month = deps.clock.now().strftime("%Y-%m")
    before = complaints.month_figures(deps, month)

    deps.clock.advance(days=days - 1)
    assert privacy.run_retention(deps, POLICY).complaints_redacted == 0
    deps.clock.advance(days=1)
    run = privacy.run_retention(deps, POLICY)
    assert run.complaints_redacted == 1 and deps.privacy.runs[-1]["complaints_redacted"] == 1
    stored = json.dumps([deps.store.complaints.documents, deps.messages.documents], default=str)
    for personal in ("Siti", "siti.rahma@example.id", "6281234567890", "tiga hari", "maaf"):
        assert personal not in stored, personal
    assert all(d["manual_link"] is None for d in deps.messages.documents.values())
    # The month's figures are the same, answered within the SLA included.
    assert complaints.month_figures(deps, month) == before
    kept = deps.store.complaints.documents[complaint.complaint_id]
    assert kept["purge_after"] and kept["status"] == "answered"
    assert deps.audit.actions().count("complaint_redacted") == 1
    assert "Siti" not in json.dumps([e.details for e in deps.audit.events], default=str)
    assert privacy.run_retention(deps, POLICY).complaints_redacted == 0
