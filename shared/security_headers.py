"""The security headers of every answer, defined once.

Three places answer the public, and each takes its headers from here:

- every HTTP function (`shared.entrypoints.http.endpoint`, errors included): `API_HEADERS`;
- the operator page (`shared.operator_web.web.secured`) adds its own CSP to `COMMON`;
- the static site: in production the load balancer's backend bucket adds `SITE_HEADERS`
  (`infra/modules/remisi/frontend.tf`; Terraform cannot import Python, so
  tests/infra/test_security_headers.py holds the .tf values equal to these), locally the
  gateway adds the same dict (`localdev/gateway.py`).

The site's header CSP carries only what a `<meta>` policy cannot do or what never varies
(`frame-ancestors` works only as a header). The page's own policy stays in its `<meta>` tag,
written by `shared.site_files` per environment with the hashes of that page's inlined scripts
and stylesheet: a browser enforces both policies, so a resource must pass each. The header
therefore names no script-src or default-src, which would block the hashed inline scripts.
"""

from __future__ import annotations

from dataclasses import dataclass

# Two years, subdomains too (hstspreload.org asks for at least one year).
HSTS = "max-age=63072000; includeSubDomains"

COMMON: dict[str, str] = {
    "Strict-Transport-Security": HSTS,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The form takes the KTP through a file input (the phone's own camera app), never through
    # getUserMedia, so no page needs a device.
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

# JSON (and the webhook handshake's text): nothing to load, nothing may frame it, never cached
# (status answers carry personal data).
API_HEADERS: dict[str, str] = {
    **COMMON,
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

SITE_HEADER_CSP = "frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'"

SITE_HEADERS: dict[str, str] = {
    **COMMON,
    "Content-Security-Policy": SITE_HEADER_CSP,
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def apply(response, headers: dict[str, str]):
    """`headers` on a flask/werkzeug response, keeping any a handler set itself (the operator
    page's CSP, a KTP view's own framing)."""
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    return response


# --- the pages' own policy, per environment ----------------------------------------------------

TURNSTILE_ORIGIN = "https://challenges.cloudflare.com"
TURNSTILE_SCRIPT = f"{TURNSTILE_ORIGIN}/turnstile/v0/api.js"


@dataclass(frozen=True)
class SiteEnvironment:
    name: str
    # Where the browser PUTs the KTP: the signed URL's origin (the API itself is 'self').
    upload_origins: tuple[str, ...]


ENVIRONMENTS: dict[str, SiteEnvironment] = {
    # The local stack's storage front listens on a free port of the loopback.
    "local": SiteEnvironment("local", ("http://127.0.0.1:*",)),
    "staging": SiteEnvironment("staging", ("https://storage.googleapis.com",)),
    "production": SiteEnvironment("production", ("https://storage.googleapis.com",)),
}


def _directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def page_policy(policy: str, environment: SiteEnvironment, turnstile: bool = False) -> str:
    """A page's `<meta>` CSP for `environment`. A page that talks to the network (its policy
    has `connect-src`: the form and the status page) may reach this origin and the
    environment's upload host; with a Turnstile site key it may also load and frame Cloudflare's
    challenge. Idempotent: the committed pages are rebuilt in place."""
    directives = _directives(policy)
    if "connect-src" in directives:
        directives["connect-src"] = ["'self'", *environment.upload_origins]
        scripts = directives.get("script-src", [])
        directives["script-src"] = [s for s in scripts if s != TURNSTILE_ORIGIN]
        directives.pop("frame-src", None)
        if turnstile:
            directives["connect-src"].append(TURNSTILE_ORIGIN)
            directives["script-src"].append(TURNSTILE_ORIGIN)
            directives["frame-src"] = [TURNSTILE_ORIGIN]
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())
