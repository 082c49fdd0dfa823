"""Cloudflare Turnstile, verified server-side (optional: only where TURNSTILE_SECRET_KEY is set).

The page's widget yields a token; the submit function posts it to siteverify with the secret
and trusts the answer only when `success` is true AND the hostname and action are what this
site's widget produces (a token solved on another site, or for another form, is refused). A
token is good once and for five minutes; siteverify then answers `timeout-or-duplicate`.

Two failure classes, as the entry point must answer them differently:
- `CaptchaRefused`: this token proves nothing (missing, malformed, spent, wrong site): the
  person solves the challenge again (400);
- `CaptchaUnavailable`: siteverify could not say (timeout, network, 5xx, `internal-error`, or
  our own secret refused, a misconfiguration): nobody is to blame, "coba lagi" (503).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import requests

from shared.logs import get_logger, log

SITEVERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
# The submit function answers within 9 s; the check must leave it room.
TIMEOUT_SECONDS = 4.0
# The widget's action on the form (static_site/form.js renders it with this).
ACTION = "submit"
# Cloudflare's limit on a token's length.
MAX_TOKEN = 2048
# What siteverify says when the secret, not the token, is wrong: our configuration.
_OURS = {"missing-input-secret", "invalid-input-secret"}

logger = get_logger("turnstile")


class CaptchaRefused(Exception):
    def __init__(self, codes: Iterable[str]):
        self.codes = tuple(codes)
        super().__init__(", ".join(self.codes))


class CaptchaUnavailable(Exception):
    pass


class TurnstileVerifier:
    def __init__(
        self,
        secret: str,
        verify_url: str = SITEVERIFY_URL,
        hostnames: Iterable[str] = (),
        action: str = ACTION,
        timeout: float = TIMEOUT_SECONDS,
        session: requests.Session | None = None,
    ):
        self._secret = secret
        self._url = verify_url
        # Empty: any hostname (a token is still bound to this site's secret).
        self._hostnames = frozenset(h.lower() for h in hostnames)
        self._action = action
        self._timeout = timeout
        self._http = session or requests.Session()

    def verify(self, token: object, remote_ip: str | None = None) -> None:
        """Returns when the token proves a solved challenge for this site and action; raises
        CaptchaRefused or CaptchaUnavailable otherwise."""
        if not isinstance(token, str) or not token:
            raise CaptchaRefused(["missing-input-response"])
        if len(token) > MAX_TOKEN:
            raise CaptchaRefused(["invalid-input-response"])
        form = {"secret": self._secret, "response": token}
        if remote_ip and remote_ip != "unknown":
            form["remoteip"] = remote_ip
        try:
            answer = self._http.post(self._url, data=form, timeout=self._timeout)
        except requests.RequestException as error:
            log(logger, logging.WARNING, "siteverify unreachable", error=type(error).__name__)
            raise CaptchaUnavailable from None
        if answer.status_code >= 500 or answer.status_code == 429:
            log(logger, logging.WARNING, "siteverify failed", status=answer.status_code)
            raise CaptchaUnavailable
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            log(logger, logging.WARNING, "siteverify answered no JSON", status=answer.status_code)
            raise CaptchaUnavailable
        codes = [c for c in body.get("error-codes") or () if isinstance(c, str)]
        if body.get("success") is not True:
            if _OURS & set(codes):
                log(logger, logging.ERROR, "siteverify refused our secret", codes=codes)
                raise CaptchaUnavailable
            if "internal-error" in codes:
                raise CaptchaUnavailable
            raise CaptchaRefused(codes or ["unknown"])
        hostname = str(body.get("hostname") or "").lower()
        if self._hostnames and hostname not in self._hostnames:
            raise CaptchaRefused(["hostname-mismatch"])
        if body.get("action") != self._action:
            raise CaptchaRefused(["action-mismatch"])
