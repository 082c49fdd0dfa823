"""The survey invitation's click-to-chat link (WhatsApp not set up) carries the raw survey
token; redaction removes it with the request's other message links (issue 11)."""

from __future__ import annotations

import json

from shared.domain import retention
from shared.domain.messages import Channel, MessageKind, message_id
from shared.service_layer import dispatch, privacy, survey
from shared.service_layer.dispatch import DispatchTask
from tests.unit.test_dispatch import core, decided, deps, run_all  # noqa: F401
from tests.unit.test_retention import InMemoryPrivacy
from tests.unit.test_survey_service import KEY, served  # noqa: F401


def test_redaction_removes_the_survey_links_token(served):  # noqa: F811
    found, request = served
    found.whatsapp = None  # no WHATSAPP_PHONE_NUMBER_ID: the operator sends the link by hand
    task = DispatchTask(request.request_id, MessageKind.SURVEY_INVITE, 1, Channel.WHATSAPP)
    assert dispatch.run_dispatch(task, found) == "manual"
    token = survey.token_for(KEY, request.request_id)
    mid = message_id(request.request_id, MessageKind.SURVEY_INVITE, 1, Channel.WHATSAPP)
    assert token in found.messages.get(mid).manual_link
    found.privacy = InMemoryPrivacy(found)
    found.clock.advance(days=200)
    assert privacy.run_retention(found, retention.default_policy()).redacted == 1
    assert found.messages.get(mid).manual_link is None
    assert token not in json.dumps(found.messages.documents, default=str)
