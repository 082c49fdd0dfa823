"""Message templates, email only (WhatsApp bodies are the ones Meta approved): the list, and
one template's page with preview, save and reset."""

from __future__ import annotations

import flask

from shared.domain.accounts import Permission
from shared.domain.message_templates import (
    SUBJECT_MAX,
    TEMPLATE_VARIABLES,
    TEXT_MAX,
    RenderedEmail,
    TemplateInvalid,
    sample_context,
)
from shared.operator_web.router import RouteTable
from shared.operator_web.web import BASE, Context, invalid, not_found, redirect, render
from shared.service_layer import message_template_admin as template_admin

routes = RouteTable()

# One template's page (GET shows it, POST previews, saves or resets).
ONE, ONE_EXAMPLE = "/admin/templates/<kind>/<language>", "/admin/templates/receipt/id"
CONFLICT = "Templat ini baru saja diubah admin lain. Periksa versi terbaru lalu ulangi perubahan."


@routes.get("/admin/templates", Permission.TEMPLATES)
def templates_page(ctx: Context) -> flask.Response:
    return render(ctx, "templates.html", templates=template_admin.all_templates(ctx.deps))


def _form(
    ctx: Context,
    view: template_admin.TemplateView,
    subject: str,
    text: str,
    preview: RenderedEmail | None = None,
    status: int = 200,
    error: str | None = None,
) -> flask.Response:
    return render(
        ctx,
        "template_edit.html",
        http_status=status,
        error=error,
        t=view,
        subject=subject,
        text=text,
        preview=preview,
        variables=TEMPLATE_VARIABLES[view.kind],
        samples=sample_context(view.kind, view.language),
        subject_max=SUBJECT_MAX,
        text_max=TEXT_MAX,
    )


def _view(ctx: Context) -> template_admin.TemplateView | None:
    """The template the path names; None: no such editable template."""
    try:
        kind, language = template_admin.parse_key(ctx.params["kind"], ctx.params["language"])
        return template_admin.template_view(ctx.deps, kind, language)
    except template_admin.NoSuchTemplate:
        return None


@routes.get(ONE, Permission.TEMPLATES, ONE_EXAMPLE)
def template_page(ctx: Context) -> flask.Response:
    view = _view(ctx)
    if view is None:
        return not_found(ctx)
    return _form(ctx, view, view.subject, view.text)


@routes.post(ONE, Permission.TEMPLATES, ONE_EXAMPLE)
def template_action(ctx: Context) -> flask.Response:
    view = _view(ctx)
    if view is None:
        return not_found(ctx)
    kind, language = view.kind, view.language
    form = ctx.request.form
    subject = form.get("subject", "")[: SUBJECT_MAX + 1]
    text = form.get("text", "")[: TEXT_MAX + 1]
    version = form.get("version", "")
    if not version.isdigit():
        return invalid(ctx, "Versi templat tidak valid. Muat ulang halaman.")
    action = form.get("action", "")
    page = f"{BASE}/admin/templates/{kind.value}/{language}"
    try:
        if action == "preview":
            rendered = template_admin.preview(kind, language, subject, text)
            return _form(ctx, view, subject, text, preview=rendered)
        if action == "save":
            template_admin.save_template(
                ctx.deps, ctx.operator, kind, language, subject, text, int(version)
            )
            return redirect(f"{page}?ok=template_saved")
        if action == "reset":
            template_admin.reset_template(ctx.deps, ctx.operator, kind, language, int(version))
            return redirect(f"{page}?ok=template_reset")
    except TemplateInvalid as problem:
        return _form(ctx, view, subject, text, status=400, error=str(problem))
    except template_admin.VersionConflict:
        current = template_admin.template_view(ctx.deps, kind, language)
        return _form(ctx, current, subject, text, status=409, error=CONFLICT)
    return invalid(ctx, "Tindakan tidak dikenal.")
