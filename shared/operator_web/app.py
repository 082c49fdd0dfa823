"""The operator review page: server-rendered HTML, a strict CSP, no third-party assets.

One route table per area (sign-in and accounts, queue and requests, reports and audit,
message templates) and the page's own assets; `handle` is what the `operator` function calls.
"""

from __future__ import annotations

import flask

import shared.operator_web.complaint_pages as complaint_pages
from shared.operator_web import (
    account_pages,
    privacy_pages,
    report_pages,
    request_pages,
    survey_pages,
    template_pages,
)
from shared.operator_web.router import RouteTable, dispatch
from shared.operator_web.web import BASE, HERE, Context, WebConfig, message, not_found, secured
from shared.service_layer.ports import Dependencies

MAX_FORM_BYTES = 32 * 1024
ASSETS = {"op.css": "text/css; charset=utf-8", "op.js": "text/javascript; charset=utf-8"}

assets = RouteTable()


@assets.get("/assets/<name>", None)
def asset(ctx: Context) -> flask.Response:
    name = ctx.params["name"]
    if name not in ASSETS:
        return not_found(ctx)
    response = flask.Response((HERE / "assets" / name).read_bytes(), mimetype=None)
    response.headers["Content-Type"] = ASSETS[name]
    return response


ROUTES = [
    *account_pages.routes.routes,
    *request_pages.routes.routes,
    *report_pages.routes.routes,
    *privacy_pages.routes.routes,
    *complaint_pages.routes.routes,
    *survey_pages.routes.routes,
    *template_pages.routes.routes,
    *assets.routes,
]


def handle(request: flask.Request, deps: Dependencies, config: WebConfig) -> flask.Response:
    path = request.path.removeprefix(BASE) or "/"
    ctx = Context(request, deps, config)
    if (request.content_length or 0) > MAX_FORM_BYTES:
        return secured(message(ctx, 413, "Terlalu besar", "Data terlalu besar."), config)
    return secured(dispatch(ctx, path, ROUTES), config)
