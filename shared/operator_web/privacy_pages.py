"""The data subject's rights on the operator page (admin only, audited): find a request by its
tracking code, export what the office holds about its requester (a ZIP of data.json and the
KTP images still kept), erase it (an anonymous shell stays for the counts); and what the
retention schedule did lately and which open requests it flagged as overdue; and the queue of
requesters' own requests about their data (from the status page), each answered here."""

from __future__ import annotations

import flask

from shared.domain.accounts import Permission
from shared.domain.privacy_requests import KIND_LABELS, STATE_LABELS, PrivacyState
from shared.operator_web.router import RouteTable
from shared.operator_web.web import BASE, Context, invalid, redirect, render
from shared.service_layer import privacy

routes = RouteTable()

NOT_FOUND = "Tidak ada permohonan dengan kode pelacakan itu."
RUNS_SHOWN = 10


def _find(ctx: Context, code: str):
    return privacy.find_request(ctx.deps, code.strip()[:20])


@routes.get("/admin/privacy", Permission.PRIVACY)
def privacy_page(ctx: Context) -> flask.Response:
    code = ctx.request.args.get("code", "").strip()[:20]
    found = _find(ctx, code) if code else None
    return render(
        ctx,
        "privacy.html",
        code=code,
        found=found,
        missing=bool(code) and found is None,
        overdue=privacy.overdue_requests(ctx.deps),
        runs=ctx.deps.privacy.last_runs(RUNS_SHOWN),
        erased=ctx.request.args.get("erased") == "1",
        queue=privacy.privacy_queue(ctx.deps),
        kind_labels=KIND_LABELS,
        state_labels=STATE_LABELS,
    )


@routes.post("/admin/privacy/export", Permission.PRIVACY)
def export(ctx: Context) -> flask.Response:
    request = _find(ctx, ctx.request.form.get("code", ""))
    if request is None:
        return invalid(ctx, NOT_FOUND)
    archive = privacy.export_request(ctx.deps, request, ctx.operator.username)
    response = flask.Response(archive, mimetype="application/zip")
    name = f"data-pribadi-{request.tracking_code}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@routes.post("/admin/privacy/erase", Permission.PRIVACY)
def erase(ctx: Context) -> flask.Response:
    form = ctx.request.form
    request = _find(ctx, form.get("code", ""))
    if request is None:
        return invalid(ctx, NOT_FOUND)
    if form.get("confirm") != request.tracking_code:
        return invalid(ctx, "Ketik ulang kode pelacakan untuk memastikan penghapusan.")
    try:
        privacy.erase_request(ctx.deps, request, ctx.operator.username)
    except privacy.NotErasable:
        return invalid(
            ctx,
            "Permohonan ini masih berjalan. Data dapat dihapus setelah permohonan selesai "
            "(dijawab, kedaluwarsa, atau gagal).",
        )
    return redirect(f"{BASE}/admin/privacy?code={request.tracking_code}&erased=1")


@routes.post(
    "/admin/privacy/requests/<privacy_request_id>",
    Permission.PRIVACY,
    "/admin/privacy/requests/{id}",
)
def answer(ctx: Context) -> flask.Response:
    form = ctx.request.form
    try:
        state = PrivacyState(form.get("state", ""))
    except ValueError:
        return invalid(ctx, "Pilih: selesai atau ditolak.")
    if state is PrivacyState.OPEN:
        return invalid(ctx, "Pilih: selesai atau ditolak.")
    key = ctx.params["privacy_request_id"][:64]
    privacy.close_privacy_request(ctx.deps, key, ctx.operator.username, state, form.get("answer"))
    return redirect(f"{BASE}/admin/privacy")
