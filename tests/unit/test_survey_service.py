"""The survey's service layer on fakes: the invitation a served request owes (once, in the
notified transaction, sent by the relay when due), the link answered once and unlinked, expiry;
and the survey page asks exactly the domain's elements and choices."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from shared.adapters.firestore_survey import answer_from_document, invitation_from_document
from shared.domain import skm
from shared.domain.messages import Channel, MessageKind, MessageState, message_id
from shared.domain.model import DecisionKind, Status
from shared.service_layer import survey, unit_of_work
from tests.unit.test_dispatch import core, decided, deps, dispatch_tasks, run_all  # noqa: F401

KEY = b"unit-test-survey-key-of-32-bytes!"
PAGE = Path(__file__).resolve().parents[2] / "static_site" / "survei.html"


class SurveyReads:
    """The reads of shared.adapters.firestore_survey over the fake store's documents."""

    def __init__(self, store):
        self.store = store

    def invitation(self, token_hash):
        document = self.store.survey_invitations.get(token_hash)
        return invitation_from_document(document) if document else None

    def answers_in(self, months):
        found = map(answer_from_document, self.store.survey_answers.values())
        return [a for a in found if a.period in months]

    def invited_between(self, start, end):
        docs = self.store.survey_invitations.values()
        return sum(1 for d in docs if start <= d["created_at"] < end)


@pytest.fixture
def served(deps):  # noqa: F811
    deps.survey_key = KEY
    deps.survey = SurveyReads(deps.store)
    request = decided(deps, DecisionKind.NOT_FOUND)
    run_all(deps, MessageKind.NOT_FOUND)
    assert deps.requests.get(request.request_id).status is Status.NOTIFIED
    return deps, request


def test_notified_owes_one_invitation_and_its_link_waits_for_the_relay(served):
    deps, request = served  # noqa: F811 - the fixture imported above
    assert len(deps.store.survey_invitations) == 1
    (stored,) = deps.store.survey_invitations.values()
    token = survey.token_for(KEY, request.request_id)
    assert stored["token_hash"] == survey.token_hash(token)
    assert request.request_id not in str(stored) and token not in str(stored)
    for channel in Channel:
        mid = message_id(request.request_id, MessageKind.SURVEY_INVITE, 1, channel)
        assert deps.messages.get(mid).state is MessageState.QUEUED
    assert not dispatch_tasks(deps, MessageKind.SURVEY_INVITE)  # nothing enqueued at the commit

    # The answer's tasks again (a twin delivery, the relay): nothing more is owed.
    run_all(deps, MessageKind.NOT_FOUND)
    assert len(deps.store.survey_invitations) == 1
    survey_entries = [
        e for e in deps.store.outbox.values() if e["payload"].get("kind") == "survey_invite"
    ]
    assert len(survey_entries) == 2

    # Due after the delay: the relay enqueues both, each is sent once with the link.
    deps.clock.advance(minutes=59)
    unit_of_work.relay_due(deps, deps.clock.now())
    assert not dispatch_tasks(deps, MessageKind.SURVEY_INVITE)
    deps.clock.advance(minutes=2)
    unit_of_work.relay_due(deps, deps.clock.now())
    assert run_all(deps, MessageKind.SURVEY_INVITE) == {
        Channel.EMAIL: "accepted",
        Channel.WHATSAPP: "accepted",
    }
    email = next(e for e in deps.email.sent if "Survei" in e.subject)
    assert f"/survei.html#t={token}" in email.text and "12 Desember 2026" in email.text
    chat = next(m for m in deps.whatsapp.sent if m.template == "remisi_survei_kepuasan")
    assert chat.parameters[0].endswith(token)
    # The link settles nothing and alerts nobody.
    assert deps.requests.get(request.request_id).status is Status.NOTIFIED
    assert not dispatch_tasks(deps, MessageKind.OPERATOR_FAILURE)


def test_the_link_is_answered_once_and_the_answer_names_no_request(served):
    deps, request = served  # noqa: F811 - the fixture imported above
    token = survey.token_for(KEY, request.request_id)
    opened = survey.check(deps, token)
    assert opened.service == skm.SERVICE_LABEL and opened.expires_text == "12 Desember 2026"
    payload = {
        "answers": dict.fromkeys(skm.ELEMENT_CODES, 3),
        "profile": {"age_band": "25-34", "sex": "l", "education": "s1", "occupation": "pns"},
        "suggestion": "Terima kasih",
    }
    survey.answer(deps, token, payload)
    with pytest.raises(survey.SurveyRefused) as again:
        survey.answer(deps, token, payload)
    assert (again.value.code, again.value.status) == ("survey_used", 409)
    (answer,) = deps.store.survey_answers.values()
    assert set(answer) == {"answer_id", "period", "service", "scores", "profile", "suggestion"}
    assert answer["period"] == "2026-11" and request.request_id not in str(answer)
    result = survey.report(deps, "2026-Q4")
    assert (result.respondents, result.population, result.ikm) == (1, 1, skm.rounded(75))
    assert result.category.grade == "C"


def test_an_expired_link_and_a_malformed_token_are_refused(served):
    deps, request = served  # noqa: F811 - the fixture imported above
    token = survey.token_for(KEY, request.request_id)
    deps.clock.advance(days=14)
    for call in (lambda: survey.check(deps, token), lambda: survey.answer(deps, token, {})):
        with pytest.raises(survey.SurveyRefused) as refused:
            call()
        assert refused.value.status in (410, 400)
    with pytest.raises(survey.SurveyRefused) as refused:
        survey.check(deps, token)
    assert refused.value.code == "survey_expired"
    with pytest.raises(survey.SurveyRefused) as refused:
        survey.check(deps, "../../etc")
    assert refused.value.code == "survey_not_found"


def test_without_a_key_no_invitation_is_owed(deps):  # noqa: F811
    request = decided(deps, DecisionKind.NOT_FOUND)
    run_all(deps, MessageKind.NOT_FOUND)
    assert deps.requests.get(request.request_id).status is Status.NOTIFIED
    assert not deps.store.survey_invitations


def test_the_page_asks_the_domains_elements_with_their_wording():
    page = html.unescape(PAGE.read_text(encoding="utf-8"))
    for element in skm.ELEMENTS:
        block = re.search(rf'<fieldset class="f q" id="{element.code}".*?</fieldset>', page, re.S)
        assert block, element.code
        assert element.label in block[0] and element.question in block[0]
        values = re.findall(
            rf'name="{element.code}" value="(\d)" required> \d — <span data-en="[^"]+">([^<]+)<',
            block[0],
        )
        assert values == [
            (str(n), text) for n, text in zip(skm.SCALE, element.choices, strict=True)
        ]
        english = skm.ELEMENTS_EN[element.code]
        assert f'data-en="{english[0]}"' in block[0] and f'data-en="{english[1]}"' in block[0]
    for key, options in skm.PROFILE.items():
        assert re.findall(rf'name="{key}" value="([^"]+)"', page) == list(options)
    assert f'maxlength="{skm.SUGGESTION_MAX}"' in page
