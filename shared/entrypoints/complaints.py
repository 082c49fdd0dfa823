"""`POST /api/complaint`: the complaint form's body into the use case, its result into the
answer the API documents (README "The API")."""

from __future__ import annotations

import flask

from shared.domain.complaints import message
from shared.domain.form import FormInvalid
from shared.entrypoints.http import json_response, language_of, problem
from shared.service_layer import complaints, public


def _field(field: str, code: str, language: str, **params: object) -> dict:
    return {field: {"code": code, "message": message(code, language, **params)}}


def filed(payload: dict, client: str, deps, limiter) -> flask.Response:
    language = language_of(payload)
    try:
        result = complaints.file_complaint(payload, client, deps, limiter)
    except FormInvalid as invalid:
        errors = {}
        for field, error in invalid.errors.items():
            errors.update(_field(field, error.code, language, **dict(error.params)))
        return problem(400, "invalid_form", language, errors=errors)
    except complaints.InvalidTrackingCode:
        errors = {
            "tracking_code": {
                "code": "invalid_code",
                "message": public.message("invalid_code", language),
            }
        }
        return problem(400, "invalid_form", language, errors=errors)
    except complaints.TrackingCodeNotVerified:
        # One answer for an unknown code and a code of someone else.
        return problem(
            400,
            "invalid_form",
            language,
            errors=_field("tracking_code", "no_match_complaint", language),
        )
    except public.RateLimited as limited:
        response = problem(429, "rate_limited", language)
        wait = getattr(limited, "retry_after", public.WINDOW)
        response.headers["Retry-After"] = str(max(1, int(wait.total_seconds())))
        return response
    except complaints.IdempotencyKeyReused:
        return problem(409, "idempotency_key_reused", language)
    complaint = result.complaint
    body = {
        "complaint_number": complaint.number,
        "status": complaint.status.value,
        "linked": complaint.request_id is not None,
        "answer_days": deps.complaint_answer_days,
        "channels": list(complaint.channels),
    }
    return json_response(body, 201 if result.created else 200)
