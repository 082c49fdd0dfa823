"""Queue and requests: the queue's tabs, the messages of unknown outcome, a request's page with
its KTP, the answer's preview and the decision, and the operator's actions on messages.

Unknown request ids and ids outside the operator's context both answer 404."""

from __future__ import annotations

import flask

from shared.domain.accounts import Permission, allowed
from shared.domain.answers import AnswerInvalid
from shared.domain.labels import DECISION_LABELS
from shared.domain.model import DecisionKind, KtpContentType, RemissionRequest, Status
from shared.operator_web.router import RouteTable
from shared.operator_web.web import (
    BASE,
    Context,
    invalid,
    message,
    not_found,
    office_time,
    redirect,
    refused,
    render,
)
from shared.service_layer import conversations, review

routes = RouteTable()

KTP_EXTENSIONS = {KtpContentType.JPEG: "jpg", KtpContentType.PNG: "png", KtpContentType.PDF: "pdf"}

# The operator's choices for a message of unknown outcome (review.UNKNOWN_MESSAGE_ACTIONS).
UNKNOWN_ACTION_LABELS = (
    ("send_again", "Kirim ulang", "Pesan belum sampai ke pemohon? Kirim sekali lagi."),
    ("confirm_sent", "Sudah terkirim", "Pemohon sudah menerima pesan ini?"),
    ("give_up", "Hentikan", "Hentikan pesan ini? Saluran ini dicatat gagal."),
)


@routes.get("/queue", Permission.QUEUE)
def queue_page(ctx: Context) -> flask.Response:
    args = ctx.request.args
    if args.get("code"):
        try:
            found = review.find_by_tracking_code(ctx.deps, args["code"])
        except review.NotVisible:
            text = "Tidak ada permohonan dengan kode ini di antrean operator."
            return message(ctx, 404, "Tidak ditemukan", text)
        return redirect(f"{BASE}/requests/{found.request_id}")
    status = next(
        (s for s in review.QUEUE_STATUSES if s.value == args.get("status")),
        Status.AWAITING_OPERATOR,
    )
    only_late = args.get("sla") == "late"
    unread = conversations.unread_request_ids(ctx.deps)  # marked: a family wrote back
    hours = ctx.deps.office_hours
    days = "Senin–Jumat" if (hours.first_day, hours.last_day) == (1, 5) else "hari kerja"
    return render(
        ctx,
        "queue.html",
        items=review.queue(ctx.deps, status, only_late=only_late),
        status=status.value,
        only_late=only_late,
        tabs=review.QUEUE_STATUSES,
        hours_text=f"{days} {hours.opens:%H.%M}–{hours.closes:%H.%M}",
        unread=unread,
        unmatched_count=len(conversations.unmatched(ctx.deps)),
    )


@routes.get("/messages/unknown", Permission.QUEUE)
def unknown_messages_page(ctx: Context) -> flask.Response:
    """Messages nobody knows the outcome of (a worker died while the provider had them): each
    waits here until an operator checks and settles it on the request's page."""
    return render(
        ctx,
        "unknown_messages.html",
        rows=review.unknown_message_queue(ctx.deps),
        tabs=review.QUEUE_STATUSES,
    )


@routes.get("/requests/<request_id>", Permission.VIEW_REQUEST, "/requests/{id}")
def detail(ctx: Context) -> flask.Response:
    try:
        request = review.get_request(ctx.deps, ctx.params["request_id"])
    except review.NotVisible:
        return not_found(ctx)
    page = _detail(ctx, request)
    conversations.mark_read(ctx.deps, request.request_id)  # the operator has seen the replies
    return page


def _detail(
    ctx: Context,
    request: RemissionRequest,
    status: int = 200,
    error: str | None = None,
    reply_text: str = "",
    reply_error: str | None = None,
) -> flask.Response:
    role = ctx.operator.role
    return render(
        ctx,
        "detail.html",
        http_status=status,
        error=error,
        r=request,
        clock=review.operator_clock(ctx.deps, request),
        ktp_url=f"{BASE}/requests/{request.request_id}/ktp"
        if request.ktp.verified_object_name
        else None,
        # One image per page (a PDF was rendered at the check); an older stored PDF shows its
        # first page only.
        ktp_pages=len(request.ktp.verified_object_names),
        can_decide=allowed(role, Permission.DECIDE),
        can_ask_ktp=allowed(role, Permission.ASK_CLEARER_KTP),
        awaiting=request.status is Status.AWAITING_OPERATOR,
        timeline=review.timeline(ctx.deps, request),
        messages=review.request_messages(ctx.deps, request),
        can_send_manually=allowed(role, Permission.ASK_CLEARER_KTP),
        unknown_actions=UNKNOWN_ACTION_LABELS,
        thread=conversations.thread(ctx.deps, request),
        can_reply=allowed(role, Permission.ASK_CLEARER_KTP),
        reply_text=reply_text,
        reply_error=reply_error,
    )


# What a KTP page's answer may do when opened on its own: nothing (no script, no plugin, no
# load, no frame). It is always an image the check wrote, never what was uploaded.
KTP_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


@routes.get("/requests/<request_id>/ktp", Permission.VIEW_KTP, "/requests/{id}/ktp")
def ktp(ctx: Context) -> flask.Response:
    """`?page=n`: the n-th page's image (1 without)."""
    page_text = ctx.request.args.get("page", "1")
    page = int(page_text) if page_text.isdigit() and len(page_text) < 3 else 0
    try:
        image = review.ktp_view(ctx.deps, ctx.operator, ctx.params["request_id"], page)
    except review.NotVisible:
        return not_found(ctx)
    response = flask.Response(image.data, mimetype=None)
    response.headers["Content-Type"] = image.content_type.value
    extension = KTP_EXTENSIONS[image.content_type]
    suffix = "" if page == 1 else f"-{page}"
    response.headers["Content-Disposition"] = (
        f'inline; filename="ktp-{image.tracking_code}{suffix}.{extension}"'
    )
    response.headers["Content-Security-Policy"] = KTP_CSP
    return response  # secured() adds no-store, nosniff and DENY framing, as on every answer


@routes.get("/requests/<request_id>/compose", Permission.DECIDE, "/requests/{id}/compose")
def compose(ctx: Context) -> flask.Response:
    try:
        request = review.get_request(ctx.deps, ctx.params["request_id"])
        candidate, text = review.composed_answer(
            ctx.deps, request, ctx.request.args.get("candidate", "")
        )
    except review.NotVisible:
        return not_found(ctx)
    if request.status is not Status.AWAITING_OPERATOR:
        return redirect(f"{BASE}/requests/{request.request_id}")
    return render(ctx, "compose.html", r=request, c=candidate, answer=text)


@routes.post("/requests/<request_id>/decide", Permission.ASK_CLEARER_KTP, "/requests/{id}/decide")
def decide(ctx: Context) -> flask.Response:
    form = ctx.request.form
    try:
        kind = DecisionKind(form.get("kind", ""))
    except ValueError:
        return invalid(ctx, "Jenis keputusan tidak dikenal.")
    # Divpas may only ask for a clearer KTP; deciding found/not found is Operator Remisi's.
    if kind is not DecisionKind.CLEARER_KTP and not allowed(ctx.operator.role, Permission.DECIDE):
        return refused(ctx)
    request_id = ctx.params["request_id"]
    try:
        review.decide(
            ctx.deps,
            ctx.operator,
            request_id,
            kind,
            registration=form.get("candidate"),
            answer_text=form.get("answer"),
        )
    except review.NotVisible:
        return not_found(ctx)
    except review.AlreadyDecided as already:
        who = already.decision
        text = (
            f"Permohonan ini sudah diputuskan oleh {who.operator} ({DECISION_LABELS[who.kind]}) "
            f"pada {office_time(who.at, ctx.deps.office_hours)}."
            if who
            else "Permohonan ini tidak lagi menunggu keputusan."
        )
        return _detail(ctx, review.get_request(ctx.deps, request_id), status=409, error=text)
    except AnswerInvalid as problem:
        request = review.get_request(ctx.deps, request_id)
        candidate, _ = review.composed_answer(ctx.deps, request, form.get("candidate", ""))
        return render(
            ctx,
            "compose.html",
            http_status=400,
            error=str(problem),
            r=request,
            c=candidate,
            answer=form.get("answer", ""),
        )
    return redirect(f"{BASE}/requests/{request_id}?ok=decided")


# --- WhatsApp conversation ---------------------------------------------------------------------


@routes.post(
    "/requests/<request_id>/whatsapp/reply",
    Permission.ASK_CLEARER_KTP,
    "/requests/{id}/whatsapp/reply",
)
def whatsapp_reply(ctx: Context) -> flask.Response:
    """Free text inside the 24-hour window, the approved template outside it (audited)."""
    from shared.domain.conversations import ReplyInvalid

    text = ctx.request.form.get("text", "")
    try:
        request = review.get_request(ctx.deps, ctx.params["request_id"])
        conversations.reply(ctx.deps, ctx.operator, request.request_id, text)
    except review.NotVisible:
        return not_found(ctx)
    except ReplyInvalid as problem:
        return _detail(ctx, request, 400, reply_text=text, reply_error=str(problem))
    return redirect(f"{BASE}/requests/{request.request_id}#percakapan")


@routes.get("/replies/unmatched", Permission.QUEUE)
def unmatched_replies(ctx: Context) -> flask.Response:
    """WhatsApp messages no request was found for: kept, never dropped, for an operator."""
    return render(
        ctx,
        "unmatched_replies.html",
        rows=conversations.unmatched(ctx.deps),
        tabs=review.QUEUE_STATUSES,
    )


# --- messages to the requester ----------------------------------------------------------------


@routes.post(
    "/requests/<request_id>/messages/<message_id>/sent",
    Permission.ASK_CLEARER_KTP,
    "/requests/{id}/messages/no-such-message/sent",
)
def message_sent(ctx: Context) -> flask.Response:
    """The manual WhatsApp fallback: the operator opened the link and sent the message."""
    return _on_message(ctx, review.mark_message_sent)


@routes.post(
    "/requests/<request_id>/messages/<message_id>/settle",
    Permission.ASK_CLEARER_KTP,
    "/requests/{id}/messages/no-such-message/settle",
)
def message_settle(ctx: Context) -> flask.Response:
    """Send again, confirm sent, or give up a message whose outcome is unknown (audited)."""
    action = ctx.request.form.get("action", "")
    return _on_message(ctx, lambda *ids: review.settle_unknown_message(*ids, action))


def _on_message(ctx: Context, act) -> flask.Response:
    """An operator's audited action on one of this request's messages; back to the request."""
    request_id = ctx.params["request_id"]
    try:
        act(ctx.deps, ctx.operator, request_id, ctx.params["message_id"])
    except review.NotVisible:
        return not_found(ctx)
    return redirect(f"{BASE}/requests/{request_id}")
