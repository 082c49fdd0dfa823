"""Complaints (pengaduan) on the operator page: the queue with each complaint's SLA clock in
working days, a complaint's page with its messages, and the answer (sent by WhatsApp and email
through the outbox). Every complaint field is the public's text: the templates autoescape."""

from __future__ import annotations

import re

import flask

from shared.domain.accounts import Permission
from shared.domain.complaints import CATEGORY_LABELS, ComplaintStatus
from shared.operator_web.router import RouteTable
from shared.operator_web.web import BASE, Context, message, not_found, redirect, render
from shared.service_layer import complaints

routes = RouteTable()

_ID = re.compile(r"^[0-9a-f]{32}$")
CATEGORY_TEXT = {category: labels["id"] for category, labels in CATEGORY_LABELS.items()}
STATUS_TEXT = {ComplaintStatus.RECEIVED: "Belum dijawab", ComplaintStatus.ANSWERED: "Dijawab"}


@routes.get("/complaints", Permission.COMPLAINTS)
def complaint_queue(ctx: Context) -> flask.Response:
    status = next(
        (s for s in ComplaintStatus if s.value == ctx.request.args.get("status")),
        ComplaintStatus.RECEIVED,
    )
    return render(
        ctx,
        "complaints.html",
        rows=complaints.queue(ctx.deps, status),
        status=status,
        statuses=STATUS_TEXT,
        categories=CATEGORY_TEXT,
        answer_days=ctx.deps.complaint_answer_days,
    )


def _page(ctx: Context, complaint_id: str, http_status: int = 200, error=None, draft=""):
    try:
        row = complaints.view(ctx.deps, complaint_id, ctx.operator.username)
    except complaints.NotFound:
        return not_found(ctx)
    return render(
        ctx,
        "complaint.html",
        http_status=http_status,
        row=row,
        c=row.complaint,
        categories=CATEGORY_TEXT,
        statuses=STATUS_TEXT,
        messages=complaints.messages_of(ctx.deps, complaint_id),
        answer_days=ctx.deps.complaint_answer_days,
        answered_now=ctx.request.args.get("ok") == "answered",
        error=error,
        draft=draft,
    )


@routes.get("/complaints/<complaint_id>", Permission.COMPLAINTS, "/complaints/{id}")
def complaint_page(ctx: Context) -> flask.Response:
    complaint_id = ctx.params["complaint_id"]
    if not _ID.match(complaint_id):
        return not_found(ctx)
    return _page(ctx, complaint_id)


@routes.post("/complaints/<complaint_id>/answer", Permission.COMPLAINTS, "/complaints/{id}/answer")
def answer_complaint(ctx: Context) -> flask.Response:
    complaint_id = ctx.params["complaint_id"]
    if not _ID.match(complaint_id):
        return not_found(ctx)
    text = ctx.request.form.get("answer", "")
    try:
        complaints.answer(ctx.deps, complaint_id, ctx.operator.username, text)
    except complaints.NotFound:
        return not_found(ctx)
    except complaints.AlreadyAnswered:
        return message(ctx, 409, "Sudah dijawab", "Pengaduan ini sudah dijawab sebelumnya.")
    except ValueError as error:
        return _page(ctx, complaint_id, 400, error=str(error), draft=text[:5000])
    return redirect(f"{BASE}/complaints/{complaint_id}?ok=answered")


@routes.post(
    "/complaints/<complaint_id>/messages/<message_id>/<action>",
    Permission.COMPLAINTS,
    "/complaints/{id}/messages/no-such-message/sent",
)
def complaint_message(ctx: Context) -> flask.Response:
    """Sent by hand (the WhatsApp link), or settle a message whose outcome is unknown."""
    complaint_id = ctx.params["complaint_id"]
    if not _ID.match(complaint_id):
        return not_found(ctx)
    try:
        complaints.settle_message(
            ctx.deps,
            ctx.operator.username,
            complaint_id,
            ctx.params["message_id"],
            ctx.params["action"],
        )
    except complaints.NotFound:
        return not_found(ctx)
    return redirect(f"{BASE}/complaints/{complaint_id}")
