from datetime import UTC, date, datetime, timedelta

import pytest

from shared.domain.model import (
    FINAL_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    InformationKind,
    KtpContentType,
    KtpFile,
    Prisoner,
    Relationship,
    RemissionRequest,
    Requester,
    Statement,
    Status,
)

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def make_request() -> RemissionRequest:
    return RemissionRequest(
        request_id="a" * 32,
        tracking_code="ACE-FGH-JK3",
        requester=Requester(
            "Siti",
            Relationship.AYAH_IBU,
            None,
            "Jl. Contoh 1, Serang",
            "+6281234567890",
            "siti@example.id",
        ),
        prisoner=Prisoner("Ahmad"),
        information_needed=(InformationKind.REMISSION_HISTORY,),
        information_other=None,
        statement=Statement(True, date(2026, 11, 28), True),
        language="id",
        ktp=KtpFile("ktp/x/upload-1.jpg", KtpContentType.JPEG, 1000),
        created_at=T0,
    )


def test_a_new_request_waits_for_its_upload_and_remembers_when_it_started():
    request = make_request()
    assert request.status is Status.AWAITING_UPLOAD
    assert request.entered_at(Status.AWAITING_UPLOAD) == T0


def test_the_happy_path_reaches_the_operator_with_a_clock_per_step():
    request = make_request()
    request.accept_upload("ktp/x/verified-1.jpg", 900, T0 + timedelta(seconds=1))
    request.lookup_queued("task-1", T0 + timedelta(seconds=2))
    request.record_candidates([], T0 + timedelta(seconds=3))
    assert request.status is Status.AWAITING_OPERATOR
    assert [e.status for e in request.history] == [
        Status.AWAITING_UPLOAD,
        Status.RECEIVED,
        Status.SDP_LOOKUP,
        Status.AWAITING_OPERATOR,
    ]
    assert request.entered_at(Status.SDP_LOOKUP) == T0 + timedelta(seconds=2)
    assert request.updated_at == T0 + timedelta(seconds=3)


@pytest.mark.parametrize(
    "move",
    [
        lambda r: r.lookup_queued("t", T0),  # lookup before the KTP was checked
        lambda r: r.record_candidates([], T0),
        lambda r: r.fail("x", T0),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(move):
    request = make_request()
    with pytest.raises(IllegalTransition):
        move(request)
    assert request.status is Status.AWAITING_UPLOAD
    assert len(request.history) == 1


def test_an_accepted_upload_cannot_be_accepted_again():
    request = make_request()
    request.accept_upload("v", 1, T0)
    with pytest.raises(IllegalTransition):
        request.accept_upload("v", 1, T0)


def test_a_rejected_upload_can_start_again_only_with_a_newer_attempt():
    request = make_request()
    request.reject_upload("wrong_type", T0)
    assert request.ktp.rejection_code == "wrong_type"
    with pytest.raises(ValueError):
        request.restart_upload(KtpFile("ktp/x/upload-1.jpg", KtpContentType.JPEG, 1), T0)
    request.restart_upload(KtpFile("ktp/x/upload-2.pdf", KtpContentType.PDF, 5, attempt=2), T0)
    assert request.status is Status.AWAITING_UPLOAD
    assert request.expects_object("ktp/x/upload-2.pdf")
    assert not request.expects_object("ktp/x/upload-1.jpg")


def test_final_states_have_no_way_out_and_every_state_is_reachable():
    assert {Status.NOTIFIED, Status.EXPIRED, Status.FAILED} == FINAL_STATUSES
    reachable = {Status.AWAITING_UPLOAD}
    frontier = [Status.AWAITING_UPLOAD]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(Status)
    # From every state a final state can still be reached: nothing is stuck by design.
    for status in Status:
        seen, todo = set(), [status]
        while todo:
            s = todo.pop()
            seen.add(s)
            todo.extend(n for n in TRANSITIONS[s] if n not in seen)
        assert seen & FINAL_STATUSES, status
