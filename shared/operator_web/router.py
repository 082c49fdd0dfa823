"""The operator site's router. Each area lists its routes in a RouteTable, every route naming
the permission it needs; `dispatch` checks the session, the role and (on POST) the origin and
the CSRF token before any handler runs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import flask

from shared.domain.accounts import Permission, allowed
from shared.operator_web.web import BASE, Context, Handler, message, not_found, redirect, refused
from shared.service_layer import auth


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    permission: Permission | None  # None: no session needed (sign-in, assets)
    handler: Handler
    example: str  # a path that matches, for the role-matrix tests


class RouteTable:
    """One area's routes, registered by decorating their handlers."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def get(self, path: str, permission: Permission | None, example: str | None = None):
        return self._add("GET", path, permission, example)

    def post(self, path: str, permission: Permission | None, example: str | None = None):
        return self._add("POST", path, permission, example)

    def _add(self, method: str, path: str, permission: Permission | None, example: str | None):
        parts = re.split(r"<(\w+)>", path)  # literal, name, literal, name, ...
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
            for index, part in enumerate(parts)
        )
        pattern = re.compile(f"^{regex}$")

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, pattern, permission, handler, example or path))
            return handler

        return register


def dispatch(ctx: Context, path: str, routes: Iterable[Route]) -> flask.Response:
    request = ctx.request
    method = "GET" if request.method == "HEAD" else request.method
    matched = [(r, m) for r in routes if (m := r.pattern.match(path))]
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
            return refused(ctx)
    if method == "POST":
        if not _same_origin(request):
            return message(ctx, 403, "Ditolak", "Permintaan lintas situs ditolak.")
        if ctx.session is not None and not auth.csrf_ok(ctx.session, request.form.get("csrf")):
            return message(ctx, 403, "Ditolak", "Token formulir tidak valid. Muat ulang halaman.")
    return rule.handler(ctx)


def _same_origin(request: flask.Request) -> bool:
    # Defence in depth beside the CSRF token and SameSite=Strict.
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.host
    return True
