"""The operator review page: server-rendered HTML (Jinja2, autoescaped: every requester field is
attacker-controlled), a strict CSP, no third-party assets.

Every route names the permission it needs in ROUTES; `handle` checks the session, the role and
(on POST) the CSRF token before any handler runs. Unknown request ids and ids outside the
operator's context both answer 404.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import flask
import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from shared.domain.accounts import ROLE_LABELS, AccountInvalid, Permission, Role, allowed
from shared.domain.answers import AnswerInvalid
from shared.domain.message_templates import (
    SUBJECT_MAX,
    TEMPLATE_VARIABLES,
    TEXT_MAX,
    TemplateInvalid,
    sample_context,
)
from shared.domain.messages import CHANNEL_LABELS, KIND_LABELS, STATE_LABELS
from shared.domain.model import DecisionKind, InformationKind, Relationship, Status
from shared.service_layer import auth, review
from shared.service_layer import message_template_admin as template_admin
from shared.service_layer.ports import Dependencies, OperatorNotFound

HERE = Path(__file__).parent
BASE = "/api/operator"
ASSETS = {"op.css": "text/css; charset=utf-8", "op.js": "text/javascript; charset=utf-8"}
MAX_FORM_BYTES = 32 * 1024

STATUS_LABELS = {
    Status.AWAITING_OPERATOR: "Menunggu operator",
    Status.UPLOAD_REJECTED: "Menunggu KTP ulang",
    Status.ANSWERED: "Ditemukan (jawaban siap dikirim)",
    Status.NOT_FOUND: "Tidak ditemukan",
    Status.NOTIFIED: "Sudah diberitahukan",
    Status.FAILED: "Gagal (perlu tindakan)",
}
DECISION_LABELS = {
    DecisionKind.FOUND: "Ditemukan",
    DecisionKind.NOT_FOUND: "Tidak ditemukan",
    DecisionKind.CLEARER_KTP: "Diminta KTP lebih jelas",
}
RELATIONSHIP_LABELS = {
    Relationship.AYAH_IBU: "Ayah/Ibu",
    Relationship.SUAMI_ISTRI: "Suami/Istri",
    Relationship.ANAK: "Anak",
    Relationship.KAKAK_ADIK: "Kakak/Adik",
    Relationship.PAMAN_BIBI: "Paman/Bibi",
    Relationship.KAKEK_NENEK: "Kakek/Nenek",
    Relationship.PENGACARA: "Pengacara",
    Relationship.LAINNYA: "Lainnya",
}
INFORMATION_LABELS = {
    InformationKind.REMISSION_HISTORY: "Riwayat remisi",
    InformationKind.RELEASE_DATE: "Tanggal bebas",
    InformationKind.CONDITIONAL_RELEASE: "Pembebasan bersyarat",
    InformationKind.DECREE_STATUS: "Status SK",
    InformationKind.OTHER: "Lainnya",
}
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
LANGUAGE_LABELS = {"id": "Bahasa Indonesia", "en": "Bahasa Inggris"}


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
    session: object = None
    operator: object = None
    params: dict | None = None


Handler = Callable[[Context], flask.Response]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=StrictUndefined,
    )
    return env


TEMPLATES = _environment()


# --- responses --------------------------------------------------------------------------------


def _headers(response: flask.Response, config: WebConfig) -> flask.Response:
    storage = config.storage_origin
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' {storage}; frame-src 'self' {storage}; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    return response


def render(ctx: Context, template: str, http_status: int = 200, **values) -> flask.Response:
    operator = ctx.operator
    values.setdefault("error", None)
    notice = NOTICES.get(ctx.request.args.get("ok", ""))
    html = TEMPLATES.get_template(template).render(
        base=BASE,
        me=operator,
        csrf=ctx.session.csrf_token if ctx.session else "",
        can=lambda p: operator is not None and allowed(operator.role, Permission(p)),
        notice=notice,
        **values,
    )
    return flask.Response(html, status=http_status, mimetype="text/html")


def redirect(location: str) -> flask.Response:
    return flask.Response("", status=303, headers={"Location": location})


def message(ctx: Context, status: int, heading: str, text: str) -> flask.Response:
    return render(ctx, "message.html", http_status=status, heading=heading, text=text)


def not_found(ctx: Context) -> flask.Response:
    return message(ctx, 404, "Tidak ditemukan", "Halaman atau permohonan ini tidak ada.")


# --- routes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    permission: Permission | None  # None: no session needed (sign-in, assets)
    handler: Handler
    example: str  # a path that matches, for the role-matrix tests


ROUTES: list[Route] = []


def route(method: str, path: str, permission: Permission | None, example: str | None = None):
    parts = re.split(r"<(\w+)>", path)  # literal, name, literal, name, ...
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
        for index, part in enumerate(parts)
    )
    pattern = re.compile(f"^{regex}$")

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, pattern, permission, handler, example or path))
        return handler

    return register


def _client_origin_ok(request: flask.Request) -> bool:
    # Defence in depth beside the CSRF token and SameSite=Strict.
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.host
    return True


def handle(request: flask.Request, deps: Dependencies, config: WebConfig):
    path = request.path
    if path.startswith(BASE):
        path = path[len(BASE) :]
    path = path or "/"
    ctx = Context(request, deps, config)
    if (request.content_length or 0) > MAX_FORM_BYTES:
        return _headers(message(ctx, 413, "Terlalu besar", "Data terlalu besar."), config)
    configure(deps)
    response = _dispatch(ctx, path)
    return _headers(response, config)


def _dispatch(ctx: Context, path: str) -> flask.Response:
    request = ctx.request
    method = "GET" if request.method == "HEAD" else request.method
    matched = [(r, m) for r in ROUTES if (m := r.pattern.match(path))]
    if not matched:
        return not_found(ctx)
    found = [(r, m) for r, m in matched if r.method == method]
    if not found:
        return message(ctx, 405, "Metode tidak diizinkan", "Metode ini tidak diizinkan.")
    rule, match = found[0]
    ctx.params = match.groupdict()

    if rule.permission is not None:
        authenticated = auth.authenticate(ctx.deps, request.cookies.get(ctx.config.cookie_name))
        if authenticated is None:
            if method == "GET":
                return redirect(f"{BASE}/login")
            return message(ctx, 401, "Sesi berakhir", "Sesi berakhir. Silakan masuk lagi.")
        ctx.session, ctx.operator = authenticated
        if not allowed(ctx.operator.role, rule.permission):
            return message(ctx, 403, "Tidak diizinkan", "Peran Anda tidak mengizinkan ini.")
    if method == "POST":
        if not _client_origin_ok(request):
            return message(ctx, 403, "Ditolak", "Permintaan lintas situs ditolak.")
        if ctx.session is not None and not auth.csrf_ok(ctx.session, request.form.get("csrf")):
            return message(ctx, 403, "Ditolak", "Token formulir tidak valid. Muat ulang halaman.")
    return rule.handler(ctx)


# --- sign-in ----------------------------------------------------------------------------------


@route("GET", "/", None)
def home(ctx: Context) -> flask.Response:
    authenticated = auth.authenticate(ctx.deps, ctx.request.cookies.get(ctx.config.cookie_name))
    if authenticated is None:
        return redirect(f"{BASE}/login")
    _, operator = authenticated
    if allowed(operator.role, Permission.QUEUE):
        return redirect(f"{BASE}/queue")
    return redirect(f"{BASE}/admin/accounts")


@route("GET", "/login", None)
def login_form(ctx: Context) -> flask.Response:
    return render(ctx, "login.html", username="")


@route("POST", "/login", None)
def login(ctx: Context) -> flask.Response:
    form = ctx.request.form
    try:
        signed = auth.sign_in(
            ctx.deps, form.get("username", ""), form.get("password", ""), form.get("code", "")
        )
    except auth.SignInRefused as refused:
        return render(
            ctx,
            "login.html",
            http_status=401,
            username=form.get("username", "")[:32],
            error=refused.message,
        )
    response = redirect(f"{BASE}/")
    response.set_cookie(
        ctx.config.cookie_name,
        signed.token,
        path="/",
        secure=ctx.config.cookie_secure,
        httponly=True,
        samesite="Strict",
    )
    return response


@route("POST", "/logout", Permission.OWN_ACCOUNT)
def logout(ctx: Context) -> flask.Response:
    auth.sign_out(ctx.deps, ctx.session)
    response = redirect(f"{BASE}/login?ok=signed_out")
    response.delete_cookie(
        ctx.config.cookie_name, path="/", secure=ctx.config.cookie_secure, samesite="Strict"
    )
    return response


@route("GET", "/account", Permission.OWN_ACCOUNT)
def account(ctx: Context) -> flask.Response:
    return render(ctx, "account.html")


@route("POST", "/account/password", Permission.OWN_ACCOUNT)
def password(ctx: Context) -> flask.Response:
    form = ctx.request.form
    try:
        auth.change_password(
            ctx.deps, ctx.operator, form.get("current"), form.get("new"), form.get("repeat")
        )
    except AccountInvalid as invalid:
        return render(ctx, "account.html", http_status=400, error=str(invalid))
    return redirect(f"{BASE}/login?ok=password")


@route("GET", "/assets/<name>", None)
def asset(ctx: Context) -> flask.Response:
    name = ctx.params["name"]
    if name not in ASSETS:
        return not_found(ctx)
    response = flask.Response((HERE / "assets" / name).read_bytes(), mimetype=None)
    response.headers["Content-Type"] = ASSETS[name]
    return response


# --- queue and requests -----------------------------------------------------------------------


@route("GET", "/queue", Permission.QUEUE)
def queue_page(ctx: Context) -> flask.Response:
    try:
        status = Status(ctx.request.args.get("status", Status.AWAITING_OPERATOR.value))
    except ValueError:
        status = Status.AWAITING_OPERATOR
    if status not in review.QUEUE_STATUSES:
        status = Status.AWAITING_OPERATOR
    if ctx.request.args.get("code"):
        try:
            found = review.find_by_tracking_code(ctx.deps, ctx.request.args["code"])
        except review.NotVisible:
            return render(
                ctx,
                "message.html",
                http_status=404,
                heading="Tidak ditemukan",
                text="Tidak ada permohonan dengan kode ini di antrean operator.",
            )
        return redirect(f"{BASE}/requests/{found.request_id}")
    items = review.queue(ctx.deps, status)
    only_late = ctx.request.args.get("sla") == "late"
    if only_late:
        items = [i for i in items if i.clock.state != "on_time"]
    hours = ctx.deps.office_hours
    days = "Senin–Jumat" if (hours.first_day, hours.last_day) == (1, 5) else "hari kerja"
    return render(
        ctx,
        "queue.html",
        items=items,
        status=status.value,
        only_late=only_late,
        tabs=[(s.value, STATUS_LABELS[s]) for s in review.QUEUE_STATUSES],
        hours_text=f"{days} {hours.opens:%H.%M}–{hours.closes:%H.%M}",
    )


@route("GET", "/messages/unknown", Permission.QUEUE)
def unknown_messages_page(ctx: Context) -> flask.Response:
    """Messages nobody knows the outcome of (a worker died while the provider had them): each
    waits here until an operator checks and settles it on the request's page."""
    rows = []
    for message in review.unknown_messages(ctx.deps):
        request = ctx.deps.requests.get(message.request_id)
        if request is not None:
            rows.append((message, request))
    return render(
        ctx,
        "unknown_messages.html",
        rows=rows,
        tabs=[(s.value, STATUS_LABELS[s]) for s in review.QUEUE_STATUSES],
        message_labels=(KIND_LABELS, CHANNEL_LABELS, STATE_LABELS),
    )


@route(
    "POST",
    "/requests/<request_id>/messages/<message_id>/settle",
    Permission.ASK_CLEARER_KTP,
    "/requests/{id}/messages/no-such-message/settle",
)
def message_settle(ctx: Context) -> flask.Response:
    """Send again, confirm sent, or give up a message whose outcome is unknown (audited)."""
    request_id = ctx.params["request_id"]
    try:
        review.settle_unknown_message(
            ctx.deps,
            ctx.operator,
            request_id,
            ctx.params["message_id"],
            ctx.request.form.get("action", ""),
        )
    except review.NotVisible:
        return not_found(ctx)
    return redirect(f"{BASE}/requests/{request_id}")


# The operator's choices for a message of unknown outcome (review.UNKNOWN_MESSAGE_ACTIONS).
UNKNOWN_ACTION_LABELS = (
    ("send_again", "Kirim ulang", "Pesan belum sampai ke pemohon? Kirim sekali lagi."),
    ("confirm_sent", "Sudah terkirim", "Pemohon sudah menerima pesan ini?"),
    ("give_up", "Hentikan", "Hentikan pesan ini? Saluran ini dicatat gagal."),
)


def _detail(ctx: Context, request, status: int = 200, error: str | None = None):
    operator = ctx.operator
    return render(
        ctx,
        "detail.html",
        http_status=status,
        error=error,
        r=request,
        status_label=STATUS_LABELS.get(request.status, request.status.value),
        clock=review.operator_clock(ctx.deps, request),
        relationship=RELATIONSHIP_LABELS[request.requester.relationship],
        information=[INFORMATION_LABELS[k] for k in request.information_needed],
        ktp_url=f"{BASE}/requests/{request.request_id}/ktp"
        if request.ktp.verified_object_name
        else None,
        can_decide=allowed(operator.role, Permission.DECIDE),
        can_ask_ktp=allowed(operator.role, Permission.ASK_CLEARER_KTP),
        awaiting=request.status is Status.AWAITING_OPERATOR,
        decision_labels=DECISION_LABELS,
        timeline=review.timeline(ctx.deps, request),
        messages=review.request_messages(ctx.deps, request),
        message_labels=(KIND_LABELS, CHANNEL_LABELS, STATE_LABELS),
        can_send_manually=allowed(operator.role, Permission.ASK_CLEARER_KTP),
        unknown_actions=UNKNOWN_ACTION_LABELS,
    )


@route(
    "POST",
    "/requests/<request_id>/messages/<message_id>/sent",
    Permission.ASK_CLEARER_KTP,
    "/requests/{id}/messages/no-such-message/sent",
)
def message_sent(ctx: Context) -> flask.Response:
    """The manual WhatsApp fallback: the operator opened the link and sent the message."""
    request_id = ctx.params["request_id"]
    try:
        review.mark_message_sent(ctx.deps, ctx.operator, request_id, ctx.params["message_id"])
    except review.NotVisible:
        return not_found(ctx)
    return redirect(f"{BASE}/requests/{request_id}")


@route("GET", "/requests/<request_id>", Permission.VIEW_REQUEST, "/requests/{id}")
def detail(ctx: Context) -> flask.Response:
    try:
        request = review.get_request(ctx.deps, ctx.params["request_id"])
    except review.NotVisible:
        return not_found(ctx)
    return _detail(ctx, request)


@route("GET", "/requests/<request_id>/ktp", Permission.VIEW_KTP, "/requests/{id}/ktp")
def ktp(ctx: Context) -> flask.Response:
    try:
        url = review.ktp_view_url(ctx.deps, ctx.operator, ctx.params["request_id"])
    except review.NotVisible:
        return not_found(ctx)
    return redirect(url)


@route("GET", "/requests/<request_id>/compose", Permission.DECIDE, "/requests/{id}/compose")
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
    return render(
        ctx,
        "compose.html",
        r=request,
        c=candidate,
        answer=text,
        information=[INFORMATION_LABELS[k] for k in request.information_needed],
    )


@route("POST", "/requests/<request_id>/decide", Permission.ASK_CLEARER_KTP, "/requests/{id}/decide")
def decide(ctx: Context) -> flask.Response:
    form = ctx.request.form
    try:
        kind = DecisionKind(form.get("kind", ""))
    except ValueError:
        return message(ctx, 400, "Tidak valid", "Jenis keputusan tidak dikenal.")
    # Divpas may only ask for a clearer KTP; deciding found/not found is Operator Remisi's.
    if kind is not DecisionKind.CLEARER_KTP and not allowed(ctx.operator.role, Permission.DECIDE):
        return message(ctx, 403, "Tidak diizinkan", "Peran Anda tidak mengizinkan ini.")
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
        request = review.get_request(ctx.deps, request_id)
        who = already.decision
        text = (
            f"Permohonan ini sudah diputuskan oleh {who.operator} "
            f"({DECISION_LABELS[who.kind]}) pada {wib(who.at)}."
            if who
            else "Permohonan ini tidak lagi menunggu keputusan."
        )
        return _detail(ctx, request, status=409, error=text)
    except AnswerInvalid as invalid:
        request = review.get_request(ctx.deps, request_id)
        candidate, _ = review.composed_answer(ctx.deps, request, form.get("candidate", ""))
        return render(
            ctx,
            "compose.html",
            http_status=400,
            error=str(invalid),
            r=request,
            c=candidate,
            answer=form.get("answer", ""),
            information=[INFORMATION_LABELS[k] for k in request.information_needed],
        )
    return redirect(f"{BASE}/requests/{request_id}?ok=decided")


# --- reports --------------------------------------------------------------------------------


def _report(ctx: Context):
    from shared.operator_web import report_files

    month = ctx.request.args.get("month") or review.current_month(ctx.deps)
    try:
        report = review.month_report(ctx.deps, month)
    except ValueError:
        return None, None
    table = report_files.rows(
        report,
        {k.value: v for k, v in RELATIONSHIP_LABELS.items()},
        {k.value: v for k, v in INFORMATION_LABELS.items()},
    )
    return report, table


@route("GET", "/reports", Permission.REPORTS)
def reports_page(ctx: Context) -> flask.Response:
    from shared.domain.reports import OUTCOME_LABELS
    from shared.operator_web import report_files

    report, table = _report(ctx)
    if report is None:
        return message(ctx, 400, "Tidak valid", "Bulan ditulis seperti 2026-11.")

    def percent(part):
        value = report.percent(part)
        return "-" if value is None else f"{value} %"

    return render(
        ctx,
        "reports.html",
        report=report,
        table=table,
        sla_verification=percent(report.within_verification),
        sla_sop=percent(report.within_sop),
        daily_chart=report_files.bar_chart(
            [(f"{d.day}", n) for d, n in report.by_day], "Permohonan per hari"
        ),
        outcome_chart=report_files.bar_chart(
            [(OUTCOME_LABELS[k].split(" (")[0], n) for k, n in report.outcomes.items()],
            "Hasil permohonan",
        ),
    )


@route("GET", "/reports.<kind>", Permission.REPORTS, "/reports.csv")
def report_file(ctx: Context) -> flask.Response:
    from shared.operator_web import report_files

    kind = ctx.params["kind"]
    report, table = _report(ctx)
    if kind not in ("csv", "xlsx"):
        return not_found(ctx)
    if report is None:
        return message(ctx, 400, "Tidak valid", "Bulan ditulis seperti 2026-11.")
    auth.audit(ctx.deps, ctx.operator.username, "report_exported", month=report.month, kind=kind)
    if kind == "csv":
        response = flask.Response(report_files.as_csv(table), mimetype="text/csv")
    else:
        response = flask.Response(
            report_files.as_xlsx(table, report.month),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    name = f"laporan-remisi-{report.month}.{kind}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- administration ---------------------------------------------------------------------------


def _accounts(ctx: Context, status: int = 200, **values) -> flask.Response:
    return render(
        ctx,
        "accounts.html",
        http_status=status,
        operators=ctx.deps.operators.list(),
        roles=[(r.value, ROLE_LABELS[r]) for r in Role],
        now=ctx.deps.clock.now(),
        **{"enrolment": None, "qr_svg": "", **values},
    )


@route("GET", "/admin/accounts", Permission.ACCOUNTS)
def accounts_page(ctx: Context) -> flask.Response:
    return _accounts(ctx)


@route("POST", "/admin/accounts", Permission.ACCOUNTS)
def create_account(ctx: Context) -> flask.Response:
    form = ctx.request.form
    try:
        enrolment = auth.create_operator(
            ctx.deps,
            form.get("username", ""),
            form.get("display_name", ""),
            Role(form.get("role", "")),
            form.get("password", ""),
            actor=ctx.operator.username,
        )
    except (AccountInvalid, ValueError) as invalid:
        text = str(invalid) if isinstance(invalid, AccountInvalid) else "Peran tidak dikenal."
        return _accounts(ctx, status=400, error=text)
    return _enrolled(ctx, enrolment)


@route("POST", "/admin/accounts/<username>", Permission.ACCOUNTS, "/admin/accounts/someone")
def change_account(ctx: Context) -> flask.Response:
    try:
        auth.admin_change(
            ctx.deps, ctx.operator, ctx.params["username"], ctx.request.form.get("action", "")
        )
    except AccountInvalid as invalid:
        return _accounts(ctx, status=400, error=str(invalid))
    except ValueError:
        return _accounts(ctx, status=400, error="Tindakan tidak dikenal.")
    except OperatorNotFound:
        return not_found(ctx)
    return redirect(f"{BASE}/admin/accounts?ok=changed")


@route(
    "POST", "/admin/accounts/<username>/reset", Permission.ACCOUNTS, "/admin/accounts/someone/reset"
)
def reset_account(ctx: Context) -> flask.Response:
    try:
        enrolment = auth.reset_credentials(
            ctx.deps, ctx.operator, ctx.params["username"], ctx.request.form.get("password", "")
        )
    except AccountInvalid as invalid:
        return _accounts(ctx, status=400, error=str(invalid))
    except OperatorNotFound:
        return not_found(ctx)
    return _enrolled(ctx, enrolment)


def _enrolled(ctx: Context, enrolment) -> flask.Response:
    # segno's SVG holds only the otpauth URI (username is [a-z0-9._-]); built here, not typed.
    svg = segno.make(enrolment.totp_uri, error="m").svg_inline(scale=4)
    return _accounts(ctx, enrolment=enrolment, qr_svg=Markup(svg))  # noqa: S704


@route("GET", "/admin/audit", Permission.AUDIT)
def audit_page(ctx: Context) -> flask.Response:
    actor = ctx.request.args.get("actor", "").strip()[:40]
    action = ctx.request.args.get("action", "").strip()[:40]
    target = ctx.request.args.get("target", "").strip()[:80]
    events = ctx.deps.audit.for_target(target, 500)[::-1] if target else ctx.deps.audit.recent(1000)
    events = [
        e for e in events if (not actor or e.actor == actor) and (not action or e.action == action)
    ][:300]
    return render(ctx, "audit.html", events=events, actor=actor, action=action, target=target)


# --- message templates (email only: WhatsApp bodies are approved by Meta) ----------------------


@route("GET", "/admin/templates", Permission.TEMPLATES)
def templates_page(ctx: Context) -> flask.Response:
    return render(
        ctx,
        "templates.html",
        templates=template_admin.all_templates(ctx.deps),
        kind_labels=KIND_LABELS,
        language_labels=LANGUAGE_LABELS,
    )


def _template_form(
    ctx: Context, view, subject: str, text: str, preview=None, status: int = 200, error=None
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
        kind_labels=KIND_LABELS,
        language_labels=LANGUAGE_LABELS,
        subject_max=SUBJECT_MAX,
        text_max=TEXT_MAX,
    )


@route(
    "GET", "/admin/templates/<kind>/<language>", Permission.TEMPLATES, "/admin/templates/receipt/id"
)
def template_page(ctx: Context) -> flask.Response:
    try:
        kind, language = template_admin.parse_key(ctx.params["kind"], ctx.params["language"])
        view = template_admin.template_view(ctx.deps, kind, language)
    except template_admin.NoSuchTemplate:
        return not_found(ctx)
    return _template_form(ctx, view, view.subject, view.text)


@route(
    "POST",
    "/admin/templates/<kind>/<language>",
    Permission.TEMPLATES,
    "/admin/templates/receipt/id",
)
def template_action(ctx: Context) -> flask.Response:
    form = ctx.request.form
    try:
        kind, language = template_admin.parse_key(ctx.params["kind"], ctx.params["language"])
        view = template_admin.template_view(ctx.deps, kind, language)
    except template_admin.NoSuchTemplate:
        return not_found(ctx)
    subject = form.get("subject", "")[: SUBJECT_MAX + 1]
    text = form.get("text", "")[: TEXT_MAX + 1]
    version = form.get("version", "")
    if not version.isdigit():
        return message(ctx, 400, "Tidak valid", "Versi templat tidak valid. Muat ulang halaman.")
    action = form.get("action", "")
    page = f"{BASE}/admin/templates/{kind.value}/{language}"
    conflict = (
        "Templat ini baru saja diubah admin lain. Periksa versi terbaru lalu ulangi perubahan."
    )
    try:
        if action == "preview":
            rendered = template_admin.preview(kind, language, subject, text)
            return _template_form(ctx, view, subject, text, preview=rendered)
        if action == "save":
            template_admin.save_template(
                ctx.deps, ctx.operator, kind, language, subject, text, int(version)
            )
            return redirect(f"{page}?ok=template_saved")
        if action == "reset":
            template_admin.reset_template(ctx.deps, ctx.operator, kind, language, int(version))
            return redirect(f"{page}?ok=template_reset")
    except TemplateInvalid as invalid:
        return _template_form(ctx, view, subject, text, status=400, error=str(invalid))
    except template_admin.VersionConflict:
        view = template_admin.template_view(ctx.deps, kind, language)
        return _template_form(ctx, view, subject, text, status=409, error=conflict)
    return message(ctx, 400, "Tidak valid", "Tindakan tidak dikenal.")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@route("GET", "/admin/audit.csv", Permission.AUDIT)
def audit_csv(ctx: Context) -> flask.Response:
    events = ctx.deps.audit.recent(5000)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["waktu_utc", "pelaku", "tindakan", "sasaran", "rincian"])
    for e in events:
        details = " ".join(f"{k}={v}" for k, v in sorted(e.details.items()))
        writer.writerow(
            [_cell(v) for v in (e.at.isoformat(), e.actor, e.action, e.target, details)]
        )
    auth.audit(ctx.deps, ctx.operator.username, "audit_exported", rows=len(events))
    response = flask.Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="jejak-audit.csv"'
    return response


# --- filters ----------------------------------------------------------------------------------


def wib(value) -> str:
    if value is None:
        return "-"
    from shared.domain.sla import OfficeHours

    hours = _current_hours or OfficeHours.parse("1-5 08:00-16:00 +07:00")
    return value.astimezone(hours.tz).strftime("%d-%m-%Y %H:%M:%S")


_current_hours = None


def configure(deps: Dependencies) -> None:
    global _current_hours
    _current_hours = deps.office_hours


TEMPLATES.filters["wib"] = wib
