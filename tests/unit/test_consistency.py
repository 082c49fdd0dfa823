"""Issue 10 with fakes: one transaction per step, the outbox and its relay, raw uploads that
never outlive their attempt, messages whose outcome is unknown settled by an operator."""

from __future__ import annotations

from datetime import date

import pytest

from shared.domain.accounts import Role
from shared.domain.messages import Channel, MessageKind, MessageState, message_id
from shared.domain.model import DecisionKind, Status
from shared.domain.outbox import EntryState
from shared.domain.sdp import SdpCandidate, SdpUnavailable
from shared.service_layer import auth, dispatch, review, services, unit_of_work
from shared.service_layer.dispatch import DispatchTask
from shared.service_layer.ports import Contention, UploadedObject
from tests.fakes import (
    ListDirectory,
    fake_dependencies,
    fake_dispatch_dependencies,
    fake_operator_dependencies,
)
from tests.samples import form_payload, jpeg_bytes

TODAY = date(2026, 11, 28)


@pytest.fixture
def core():
    return fake_dependencies(sdp=ListDirectory([SdpCandidate("REG-1", "Ahmad Fauzi", 97.0, ())]))


def submitted(core):
    return services.submit_request(form_payload(TODAY), core).request


def put(core, name, data=None):
    data = data or jpeg_bytes()
    generation = core.files.put(name, data)
    return UploadedObject("bucket", name, generation, len(data), "image/jpeg")


def accepted(core):
    request = submitted(core)
    services.handle_ktp_uploaded(put(core, request.ktp.object_name), core)
    return core.requests.get(request.request_id)


def raw_uploads(core):
    return [name for name in core.files.objects if "/upload-" in name]


# --- one commit per step ------------------------------------------------------------------------


def test_acceptance_owes_the_lookup_and_both_receipts_in_the_same_commit(core):
    request = accepted(core)
    assert request.status is Status.SDP_LOOKUP
    owed = {e.entry_id: e for e in core.store.open_entries()}
    receipts = [message_id(request.request_id, MessageKind.RECEIPT, 1, c) for c in Channel]
    assert {core.store.messages.get(m).state for m in receipts} == {MessageState.QUEUED}
    assert len(owed) == 3
    assert {t.name for t in core.tasks.tasks} == set(owed)  # enqueued after the commit


def test_a_commit_that_fails_leaves_nothing_half_done(core):
    request = submitted(core)
    core.store.fail_next_commit = True
    with pytest.raises(Contention):
        services.handle_ktp_uploaded(put(core, request.ktp.object_name), core)
    assert core.requests.get(request.request_id).status is Status.AWAITING_UPLOAD
    assert core.store.outbox == {} and core.tasks.tasks == []
    assert core.store.messages.documents == {}
    # The raw upload is still there, so the redelivery (or the sweep) does the work.
    assert raw_uploads(core) == [request.ktp.object_name]
    assert services.handle_ktp_uploaded(put(core, request.ktp.object_name), core) == "received"
    assert raw_uploads(core) == []


# --- raw uploads ---------------------------------------------------------------------------------


def test_a_crash_between_acceptance_and_delete_leaves_no_raw_upload(core):
    request = submitted(core)
    obj = put(core, request.ktp.object_name)
    real_delete = core.files.delete
    core.files.delete = lambda name: (_ for _ in ()).throw(ConnectionError("crash"))
    with pytest.raises(ConnectionError):
        services.handle_ktp_uploaded(obj, core)
    core.files.delete = real_delete
    assert raw_uploads(core) == [request.ktp.object_name]
    # The event is delivered again: the attempt is settled, the raw bytes go unread.
    assert services.handle_ktp_uploaded(obj, core) == "duplicate"
    assert raw_uploads(core) == []


def test_old_attempts_and_expired_requests_keep_no_raw_upload(core):
    request = submitted(core)
    services.handle_ktp_uploaded(put(core, request.ktp.object_name, b"not a photo"), core)
    assert core.requests.get(request.request_id).status is Status.UPLOAD_REJECTED

    from shared.service_layer import public

    public.new_upload(
        request.tracking_code,
        request.requester.email,
        "image/jpeg",
        1000,
        "203.0.113.9",
        core,
        _AlwaysAllowed(),
    )
    # The first attempt's URL used again after the re-upload: deleted, not kept.
    outcome = services.handle_ktp_uploaded(put(core, request.ktp.object_name), core)
    assert outcome == "ignored_stale_object"
    assert raw_uploads(core) == []

    late = submitted(core)
    core.clock.advance(hours=25)
    services.sweep(core)
    assert core.requests.get(late.request_id).status is Status.EXPIRED
    # A PUT after expiry (the URL has lapsed by then, but a queued event may still come).
    assert services.handle_ktp_uploaded(put(core, late.ktp.object_name), core) == "duplicate"
    assert raw_uploads(core) == []


class _AlwaysAllowed:
    def hit(self, key, limit, window, now):
        return True

    def failures(self, keys):  # the status page counts failures (public._find)
        return {}

    def count(self, keys, now, purge_after):
        pass


def test_the_sweep_handles_a_raw_upload_whose_event_never_came(core):
    request = submitted(core)
    put(core, request.ktp.object_name)  # stored; the finalize event is lost
    report = services.sweep(core)
    assert report.uploads_reconciled == 1
    assert core.requests.get(request.request_id).status is Status.SDP_LOOKUP
    assert raw_uploads(core) == []


# --- the relay -----------------------------------------------------------------------------------


def test_the_relay_enqueues_under_a_new_name_each_round_until_acknowledged(core):
    request = accepted(core)
    lookup = services.lookup_task_name(request.request_id, 1)
    core.tasks.tasks.clear()  # the queue gave up on everything
    names = []
    for _ in range(3):
        core.clock.advance(hours=2)
        unit_of_work.relay_due(core, core.clock.now())
        names += [t.name for t in core.tasks.tasks if t.target == "sdp_lookup"]
        core.tasks.tasks.clear()
    assert names == [f"{lookup}-r1", f"{lookup}-r2", f"{lookup}-r3"]
    services.run_sdp_lookup(request.request_id, core, outbox_id=lookup)
    assert core.store.outbox_entry(lookup).state is EntryState.DONE
    core.clock.advance(hours=2)
    unit_of_work.relay_due(core, core.clock.now())
    assert [t for t in core.tasks.tasks if t.target == "sdp_lookup"] == []


def test_a_relayed_message_is_sent_once_however_often_it_is_delivered(core):
    deps = fake_dispatch_dependencies(core)
    request = accepted(core)
    task = DispatchTask(request.request_id, MessageKind.RECEIPT, 1, Channel.EMAIL)
    entry = next(e for e in core.store.open_entries() if e.payload.get("channel") == "email")
    outcomes = [dispatch.run_dispatch(task, deps, outbox_id=entry.entry_id) for _ in range(3)]
    assert outcomes == ["accepted", "duplicate", "duplicate"]
    assert deps.email.calls == 1
    assert core.store.outbox_entry(entry.entry_id).state is EntryState.DONE


# --- messages of unknown outcome ---------------------------------------------------------------


def _decided_with_unknown_whatsapp(core):
    deps = fake_dispatch_dependencies(core)
    operators = fake_operator_dependencies(core)
    request = accepted(core)
    services.run_sdp_lookup(request.request_id, core)
    operator = auth.create_operator(
        operators, "siti.remisi", "Siti", Role.OPERATOR_REMISI, "kata-sandi-panjang-1", actor="t"
    ).operator
    review.decide(operators, operator, request.request_id, DecisionKind.NOT_FOUND)
    email = DispatchTask(request.request_id, MessageKind.NOT_FOUND, 1, Channel.EMAIL)
    whatsapp = DispatchTask(request.request_id, MessageKind.NOT_FOUND, 1, Channel.WHATSAPP)
    assert dispatch.run_dispatch(email, deps) == "accepted"

    def crash(message):  # the worker dies while the provider has the message
        raise SystemExit

    deps.whatsapp.send = crash
    with pytest.raises(SystemExit):
        dispatch.run_dispatch(whatsapp, deps)
    core.clock.advance(seconds=61)  # past the send's lease: its worker is presumed dead
    assert dispatch.run_dispatch(whatsapp, deps) == "unknown"
    assert core.requests.get(request.request_id).status is Status.NOT_FOUND
    return deps, operators, operator, request, whatsapp


@pytest.mark.parametrize(
    ("action", "message_state", "request_status", "audited"),
    [
        ("confirm_sent", MessageState.MANUAL_SENT, Status.NOTIFIED, "message_confirmed_sent"),
        ("give_up", MessageState.FAILED, Status.NOTIFIED, "message_given_up"),
    ],
)
def test_an_operator_settles_an_unknown_message_and_the_request_settles(
    core, action, message_state, request_status, audited
):
    _deps, operators, operator, request, whatsapp = _decided_with_unknown_whatsapp(core)
    assert [m.message_id for m in review.unknown_messages(operators)] == [whatsapp.message_id]
    assert review.settle_unknown_message(
        operators, operator, request.request_id, whatsapp.message_id, action
    )
    assert core.store.messages.get(whatsapp.message_id).state is message_state
    # One channel handed over, the other settled: the requester is notified.
    assert core.requests.get(request.request_id).status is request_status
    assert audited in operators.audit.actions()
    assert review.unknown_messages(operators) == []


def test_send_again_queues_the_unknown_message_once_more(core):
    deps, operators, operator, request, whatsapp = _decided_with_unknown_whatsapp(core)
    deps.whatsapp.send = type(deps.email).send.__get__(deps.whatsapp)
    review.settle_unknown_message(
        operators, operator, request.request_id, whatsapp.message_id, "send_again"
    )
    assert core.store.messages.get(whatsapp.message_id).state is MessageState.QUEUED
    again = [t for t in core.tasks.tasks if t.name.endswith("-again-1")]
    assert len(again) == 1
    payload = again[0].payload
    outcome = dispatch.run_dispatch(
        DispatchTask.from_payload(payload), deps, outbox_id=payload["outbox_id"]
    )
    assert outcome == "accepted"
    assert core.requests.get(request.request_id).status is Status.NOTIFIED
    assert "message_sent_again" in operators.audit.actions()
    with pytest.raises(review.NotVisible):
        review.settle_unknown_message(
            operators, operator, request.request_id, whatsapp.message_id, "delete_everything"
        )


def test_a_twin_lookup_steps_aside_while_the_first_works(core):
    request = accepted(core)
    claim = f"lookup-{request.request_id}-1"
    assert core.claims.claim(claim, core.clock.now(), core.relay_after)  # the first copy
    assert services.run_sdp_lookup(request.request_id, core) == "in_progress"
    assert core.requests.get(request.request_id).status is Status.SDP_LOOKUP
    core.clock.advance(seconds=61)  # the first copy died: its lease is over
    assert services.run_sdp_lookup(request.request_id, core) == "awaiting_operator"


def test_sdp_down_gives_the_lookup_back_for_the_retry(core):
    request = accepted(core)
    core.sdp.down = True
    with pytest.raises(SdpUnavailable):
        services.run_sdp_lookup(request.request_id, core)
    core.sdp.down = False
    assert services.run_sdp_lookup(request.request_id, core, 1) == "awaiting_operator"
