"""Operator accounts, roles, sign-in delays and sessions: the rules, without storage or HTTP.

Pure Python (pyotp is pure computation); password hashing is behind a port so the unit tests
can use a cheap hasher.
"""

from __future__ import annotations

import enum
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp


class Role(enum.StrEnum):
    OPERATOR_DIVPAS = "operator_divpas"
    OPERATOR_REMISI = "operator_remisi"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.OPERATOR_DIVPAS: "Operator Divpas",
    Role.OPERATOR_REMISI: "Operator Remisi",
    Role.ADMIN: "Admin",
}


class Permission(enum.StrEnum):
    QUEUE = "queue"
    VIEW_REQUEST = "view_request"
    VIEW_KTP = "view_ktp"
    ASK_CLEARER_KTP = "ask_clearer_ktp"
    DECIDE = "decide"
    REPORTS = "reports"
    ACCOUNTS = "accounts"
    AUDIT = "audit"
    TEMPLATES = "templates"
    OWN_ACCOUNT = "own_account"
    PRIVACY = "privacy"  # the data subject's export and erasure (UU 27/2022)
    COMPLAINTS = "complaints"  # see and answer complaints (pengaduan) about the service


# SOP roles: Divpas receives and checks, Remisi also answers. Admin manages accounts and reads
# the audit trail but does not see requesters' data (separation of duties).
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR_DIVPAS: frozenset(
        {
            Permission.QUEUE,
            Permission.VIEW_REQUEST,
            Permission.VIEW_KTP,
            Permission.ASK_CLEARER_KTP,
            Permission.OWN_ACCOUNT,
            Permission.COMPLAINTS,
        }
    ),
    Role.OPERATOR_REMISI: frozenset(
        {
            Permission.QUEUE,
            Permission.VIEW_REQUEST,
            Permission.VIEW_KTP,
            Permission.ASK_CLEARER_KTP,
            Permission.DECIDE,
            Permission.REPORTS,
            Permission.OWN_ACCOUNT,
            Permission.COMPLAINTS,
        }
    ),
    Role.ADMIN: frozenset(
        {
            Permission.ACCOUNTS,
            Permission.AUDIT,
            Permission.TEMPLATES,
            Permission.REPORTS,
            Permission.OWN_ACCOUNT,
            Permission.PRIVACY,
        }
    ),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,31}$")
PASSWORD_MIN_LENGTH = 12


@dataclass(frozen=True)
class Backoff:
    """Progressive delays instead of a lock (OWASP ASVS 2.2.1): the first `free` failures cost
    nothing (typos), then each further one doubles the wait before the next attempt is
    looked at, up to `cap`. Counted per key, so a wait falls on whoever earned it."""

    free: int
    first: timedelta
    cap: timedelta

    def wait(self, failures: int, last_failure_at: datetime | None, now: datetime) -> timedelta:
        over = failures - self.free
        if over < 0 or last_failure_at is None:
            return timedelta(0)
        until = last_failure_at + min(self.first * (2 ** min(over, 16)), self.cap)
        return max(until - now, timedelta(0))


# Failures are counted under three keys, none of which needs the account to exist (an unknown
# name is counted, and delayed, exactly like a real one, so a delay tells nothing about names):
SIGN_IN_BACKOFF = {
    # this name from this client: the guesser's own wait, soon long;
    "pair": Backoff(free=5, first=timedelta(minutes=1), cap=timedelta(hours=1)),
    # any name from this client: one client trying many names (credential stuffing). Capped
    # lower: an office's operators share one public address;
    "client": Backoff(free=20, first=timedelta(minutes=1), cap=timedelta(minutes=15)),
    # this name from any client: many clients at one account. Mild on purpose: it is the one
    # wait an attacker can put on the real operator, so it never exceeds half a minute.
    "account": Backoff(free=10, first=timedelta(seconds=2), cap=timedelta(seconds=30)),
}
# A key's failures older than this are forgotten (its count starts again at one).
SIGN_IN_FAILURES_KEPT = timedelta(hours=24)

SESSION_IDLE = timedelta(minutes=30)
SESSION_ABSOLUTE = timedelta(hours=10)
# last_seen_at is written at most this often: one write per session per minute, not per click.
SESSION_TOUCH_EVERY = timedelta(seconds=60)

TOTP_STEP = 30


class AccountInvalid(ValueError):
    """A username, display name or password that breaks the rules; message in Indonesian."""


def check_username(username: str) -> str:
    if not USERNAME.match(username or ""):
        raise AccountInvalid(
            "Nama pengguna 3–32 karakter: huruf kecil, angka, titik, garis bawah atau strip, "
            "diawali huruf."
        )
    return username


def check_password(password: str, username: str) -> str:
    if len(password or "") < PASSWORD_MIN_LENGTH:
        raise AccountInvalid(f"Kata sandi minimal {PASSWORD_MIN_LENGTH} karakter.")
    if len(password) > 256:
        raise AccountInvalid("Kata sandi terlalu panjang.")
    if username and username.lower() in password.lower():
        raise AccountInvalid("Kata sandi tidak boleh memuat nama pengguna.")
    return password


@dataclass
class Operator:
    username: str
    display_name: str
    role: Role
    password_hash: str
    totp_secret: str
    created_at: datetime
    active: bool = True
    # Kept from the hard lock this replaced (shown to admins; reset on success and unlock);
    # the sign-in delays live in their own counters (SIGN_IN_BACKOFF), not on the account.
    failed_attempts: int = 0
    locked_until: datetime | None = None
    last_failure_at: datetime | None = None
    # The last TOTP time step accepted: a code cannot be used twice.
    last_totp_step: int | None = None
    # Sessions created before this instant are void: revoking all of an operator's sessions
    # is one write on the account, not a query over sessions.
    sessions_valid_after: datetime | None = None
    password_changed_at: datetime | None = None

    def record_success(self, totp_step: int) -> None:
        self.failed_attempts = 0
        self.locked_until = None
        self.last_failure_at = None
        self.last_totp_step = totp_step

    def unlock(self) -> None:
        self.failed_attempts = 0
        self.locked_until = None
        self.last_failure_at = None

    def revoke_sessions(self, now: datetime) -> None:
        self.sessions_valid_after = now


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def matching_totp_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step `code` belongs to (the current one or one either side, for clock drift),
    or None. A step at or before `last_step` was used already and does not match again."""
    code = (code or "").strip().replace(" ", "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


@dataclass
class Session:
    session_id: str  # a keyed hash of the cookie's token; the token itself is never stored
    username: str
    role: Role
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None = None

    def expires_at(self) -> datetime:
        return min(self.last_seen_at + SESSION_IDLE, self.created_at + SESSION_ABSOLUTE)

    def is_valid(self, now: datetime, operator: Operator | None) -> bool:
        if self.revoked_at is not None or now >= self.expires_at():
            return False
        if operator is None or not operator.active or operator.role is not self.role:
            return False
        return not (
            operator.sessions_valid_after is not None
            and self.created_at <= operator.sessions_valid_after
        )

    def needs_touch(self, now: datetime) -> bool:
        return now - self.last_seen_at >= SESSION_TOUCH_EVERY
