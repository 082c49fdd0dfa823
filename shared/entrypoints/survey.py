"""`/api/survey`, public: the survey page's link check and answers, and the published results.

GET with the link's token in the `X-Survey-Token` header (the page reads it from the URL's
fragment: it never travels in a URL, so no access log holds it) -> whether the link may be
answered. POST {token, answers, profile, suggestion} -> the answers, once. GET `?periode=`
(2026-11, 2026-Q4, 2026-S2, 2026) -> the period's figures without the suggestions, for the
results page the office publishes. Each answer is idempotent: asking again changes nothing,
and a second POST of a spent link is refused as used, storing nothing.
"""

from __future__ import annotations

import flask

from shared.domain import skm
from shared.domain.texts import text
from shared.entrypoints.http import json_response, language_of, parse_json, problem
from shared.service_layer import survey

TOKEN_HEADER = "X-Survey-Token"  # noqa: S105 - a header name, not a secret


def _refusal(error: survey.SurveyRefused, language: str) -> flask.Response:
    extra = {"errors": error.errors} if error.errors else {}
    return problem(error.status, error.code, language, **extra)


def handle(http_request: flask.Request, body: bytes, deps) -> flask.Response:
    if http_request.method == "POST":
        payload = parse_json(body)
        language = language_of(payload)
        try:
            survey.answer(deps, payload.get("token"), payload)
        except survey.SurveyRefused as error:
            return _refusal(error, language)
        return json_response(
            {"recorded": True, "message": text("survey_recorded", language)}, status=201
        )
    language = language_of(dict(http_request.args))
    period = http_request.args.get("periode")
    if period is not None:
        try:
            result = survey.report(deps, period[:10])
        except ValueError:
            return problem(400, "invalid_period", language)
        figures = skm.public_figures(result)
        figures["office"] = deps.office_name
        return json_response(figures)
    try:
        opened = survey.check(deps, http_request.headers.get(TOKEN_HEADER), language)
    except survey.SurveyRefused as error:
        return _refusal(error, language)
    return json_response(
        {
            "state": "open",
            "service": opened.service,
            "office": opened.office,
            "expires_at": opened.expires_at.isoformat(),
            "expires_text": opened.expires_text,
        }
    )
