"""What every page of the operator site shares: its settings, the request context, the Jinja
environment (autoescaped: every requester field is attacker-controlled) and the answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import flask
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context

from shared import security_headers
from shared.domain import labels
from shared.domain.accounts import Operator, Permission, Session, allowed
from shared.domain.messages import CHANNEL_LABELS, KIND_LABELS, STATE_LABELS
from shared.domain.sla import OfficeHours
from shared.service_layer.ports import Dependencies

HERE = Path(__file__).parent
BASE = "/api/operator"

NOTICES = {
    "decided": "Keputusan tersimpan.",
    "created": "Akun dibuat.",
    "changed": "Perubahan akun tersimpan.",
    "signed_out": "Anda telah keluar.",
    "password": "Kata sandi diganti. Silakan masuk lagi.",
    "expired": "Sesi berakhir. Silakan masuk lagi.",
    "template_saved": "Templat tersimpan. Berlaku untuk pesan berikutnya dalam sekitar satu menit.",
    "template_reset": "Templat dikembalikan ke bawaan.",
}


@dataclass(frozen=True)
class WebConfig:
    cookie_secure: bool
    storage_origin: str  # where signed KTP URLs point (img-src / frame-src)

    @property
    def cookie_name(self) -> str:
        # __Host- binds the cookie to this host, path / and Secure.
        return "__Host-remisi-op" if self.cookie_secure else "remisi-op"


@dataclass
class Context:
    request: flask.Request
    deps: Dependencies
    config: WebConfig
    session: Session | None = None
    operator: Operator | None = None
    params: dict[str, str] | None = None


Handler = Callable[[Context], flask.Response]


def office_time(value: datetime | None, hours: OfficeHours) -> str:
    """An instant as the office's clock shows it (WIB for Banten)."""
    if value is None:
        return "-"
    return value.astimezone(hours.tz).strftime("%d-%m-%Y %H:%M:%S")


@pass_context
def _wib(context, value: datetime | None) -> str:
    return office_time(value, context["office_hours"])


TEMPLATES = Environment(
    loader=FileSystemLoader(str(HERE / "templates")),
    autoescape=True,
    undefined=StrictUndefined,
)
TEMPLATES.filters["wib"] = _wib
# The domain's label tables, for every template (`labels.status[r.status]`).
TEMPLATES.globals["labels"] = SimpleNamespace(
    status=labels.STATUS_LABELS,
    decision=labels.DECISION_LABELS,
    relationship=labels.RELATIONSHIP_LABELS,
    information=labels.INFORMATION_LABELS,
    language=labels.LANGUAGE_LABELS,
    message_kind=KIND_LABELS,
    channel=CHANNEL_LABELS,
    message_state=STATE_LABELS,
)


def render(ctx: Context, template: str, http_status: int = 200, **values) -> flask.Response:
    operator = ctx.operator
    values.setdefault("error", None)
    html = TEMPLATES.get_template(template).render(
        base=BASE,
        me=operator,
        csrf=ctx.session.csrf_token if ctx.session else "",
        can=lambda p: operator is not None and allowed(operator.role, Permission(p)),
        notice=NOTICES.get(ctx.request.args.get("ok", "")),
        office_hours=ctx.deps.office_hours,
        **values,
    )
    return flask.Response(html, status=http_status, mimetype="text/html")


def redirect(location: str) -> flask.Response:
    return flask.Response("", status=303, headers={"Location": location})


def message(ctx: Context, status: int, heading: str, text: str) -> flask.Response:
    return render(ctx, "message.html", http_status=status, heading=heading, text=text)


def not_found(ctx: Context) -> flask.Response:
    return message(ctx, 404, "Tidak ditemukan", "Halaman atau permohonan ini tidak ada.")


def refused(ctx: Context) -> flask.Response:
    return message(ctx, 403, "Tidak diizinkan", "Peran Anda tidak mengizinkan ini.")


def invalid(ctx: Context, text: str) -> flask.Response:
    return message(ctx, 400, "Tidak valid", text)


def secured(response: flask.Response, config: WebConfig) -> flask.Response:
    """Every answer: a strict CSP (no third-party assets), no caching, no framing, HTTPS only."""
    storage = config.storage_origin
    # Only the KTP itself may be framed, and only by this site (a PDF on the request's page).
    framable = response.headers.get("X-Frame-Options") == "SAMEORIGIN"
    ancestors = "'self'" if framable else "'none'"
    # An answer with its own, stricter policy keeps it (the KTP image: sandbox, nothing loads).
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' {storage}; frame-src 'self' {storage}; form-action 'self'; "
        f"base-uri 'none'; frame-ancestors {ancestors}",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if framable else "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = security_headers.COMMON["Permissions-Policy"]
    response.headers["Strict-Transport-Security"] = security_headers.HSTS
    return response
