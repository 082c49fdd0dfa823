"""`POST /api/privacy_request`: a requester's request about their personal data (access,
correction, erasure), proven with the tracking code and contact as the status page proves a
lookup, into the admins' queue; the confirmation goes out through the outbox."""

from __future__ import annotations

import flask

from shared.domain.privacy_requests import PrivacyRequestInvalid
from shared.domain.texts import text
from shared.entrypoints.http import json_response, language_of, problem
from shared.entrypoints.responses import REFUSALS, _refusal
from shared.service_layer import privacy


def asked(payload: dict, client: str, deps, limiter) -> flask.Response:
    language = language_of(payload)
    try:
        item, created = privacy.ask(
            deps,
            limiter,
            client,
            payload.get("tracking_code"),
            payload.get("contact"),
            payload.get("kind"),
            payload.get("note"),
        )
    except PrivacyRequestInvalid as invalid:
        errors = {invalid.field: {"code": invalid.code, "message": text(invalid.code, language)}}
        return problem(400, "invalid_query", language, errors=errors)
    except REFUSALS as error:
        return _refusal(error, language)
    body = {"tracking_code": item.tracking_code, "kind": item.kind.value, "state": item.state.value}
    return json_response(body, 201 if created else 200)
