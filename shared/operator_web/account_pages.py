"""Sign-in and accounts: the sign-in form, sign-out, one's own password, and the admin's list
of operator accounts (create, change, reset with a new TOTP enrolment)."""

from __future__ import annotations

import math

import flask
import segno
from markupsafe import Markup

from shared.domain.accounts import ROLE_LABELS, AccountInvalid, Permission, Role, allowed
from shared.operator_web.router import RouteTable
from shared.operator_web.web import BASE, Context, not_found, redirect, render
from shared.service_layer import auth
from shared.service_layer.ports import OperatorNotFound

routes = RouteTable()


@routes.get("/", None)
def home(ctx: Context) -> flask.Response:
    authenticated = auth.authenticate(ctx.deps, ctx.request.cookies.get(ctx.config.cookie_name))
    if authenticated is None:
        return redirect(f"{BASE}/login")
    _, operator = authenticated
    if allowed(operator.role, Permission.QUEUE):
        return redirect(f"{BASE}/queue")
    return redirect(f"{BASE}/admin/accounts")


@routes.get("/login", None)
def login_form(ctx: Context) -> flask.Response:
    return render(ctx, "login.html", username="")


@routes.post("/login", None)
def login(ctx: Context) -> flask.Response:
    from shared.entrypoints.responses import client_address

    form = ctx.request.form
    try:
        signed = auth.sign_in(
            ctx.deps,
            form.get("username", ""),
            form.get("password", ""),
            form.get("code", ""),
            client=client_address(ctx.request),
        )
    except auth.SignInRefused as refusal:
        response = render(
            ctx,
            "login.html",
            http_status=429 if refusal.retry_after else 401,
            username=form.get("username", "")[:32],
            error=refusal.message,
        )
        if refusal.retry_after:
            response.headers["Retry-After"] = str(math.ceil(refusal.retry_after.total_seconds()))
        return response
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


@routes.post("/logout", Permission.OWN_ACCOUNT)
def logout(ctx: Context) -> flask.Response:
    auth.sign_out(ctx.deps, ctx.session)
    response = redirect(f"{BASE}/login?ok=signed_out")
    response.delete_cookie(
        ctx.config.cookie_name, path="/", secure=ctx.config.cookie_secure, samesite="Strict"
    )
    return response


@routes.get("/account", Permission.OWN_ACCOUNT)
def account(ctx: Context) -> flask.Response:
    return render(ctx, "account.html")


@routes.post("/account/password", Permission.OWN_ACCOUNT)
def password(ctx: Context) -> flask.Response:
    form = ctx.request.form
    try:
        auth.change_password(
            ctx.deps, ctx.operator, form.get("current"), form.get("new"), form.get("repeat")
        )
    except AccountInvalid as invalid:
        return render(ctx, "account.html", http_status=400, error=str(invalid))
    return redirect(f"{BASE}/login?ok=password")


# --- the admin's accounts page ----------------------------------------------------------------


def _accounts(ctx: Context, status: int = 200, **values) -> flask.Response:
    return render(
        ctx,
        "accounts.html",
        http_status=status,
        accounts=auth.accounts_overview(ctx.deps),
        roles=[(r.value, ROLE_LABELS[r]) for r in Role],
        **{"enrolment": None, "qr_svg": "", **values},
    )


def _enrolled(ctx: Context, enrolment: auth.Enrolment) -> flask.Response:
    # segno's SVG holds only the otpauth URI (username is [a-z0-9._-]); built here, not typed.
    svg = segno.make(enrolment.totp_uri, error="m").svg_inline(scale=4)
    return _accounts(ctx, enrolment=enrolment, qr_svg=Markup(svg))  # noqa: S704


@routes.get("/admin/accounts", Permission.ACCOUNTS)
def accounts_page(ctx: Context) -> flask.Response:
    return _accounts(ctx)


@routes.post("/admin/accounts", Permission.ACCOUNTS)
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


@routes.post("/admin/accounts/<username>", Permission.ACCOUNTS, "/admin/accounts/someone")
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


@routes.post(
    "/admin/accounts/<username>/reset", Permission.ACCOUNTS, "/admin/accounts/someone/reset"
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
