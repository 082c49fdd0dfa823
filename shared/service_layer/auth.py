"""Operator accounts and sessions: create, sign in (password + TOTP) with progressive delays,
sign out, password change, admin actions. Every outcome that matters lands in the audit trail.

Sign-in reveals nothing about names: an unknown name, an inactive account, a wrong password or
code, and an attempt that must still wait all cost the same work (one password hash
verification, against a dummy hash where there is no account to check, the same reads and
writes) and get answers that depend only on what this client itself sent. There is no lock
an attacker can put on someone else: failures are counted per name and client (ASVS 2.2.1),
and only a mild, short delay falls on a name from every client."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import math
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain import accounts
from shared.domain.accounts import (
    SESSION_ABSOLUTE,
    SIGN_IN_BACKOFF,
    SIGN_IN_FAILURES_KEPT,
    AccountInvalid,
    Operator,
    Role,
    Session,
    check_password,
    check_username,
)
from shared.service_layer.audit_trail import audit
from shared.service_layer.ports import Dependencies, OperatorExists

GENERIC_REFUSAL = "Nama pengguna, kata sandi, atau kode autentikator salah."
# Verified against when the username is unknown, so both paths cost one argon2 verification.
_DUMMY_PASSWORD = "dummy-password-for-timing"  # noqa: S105 - not a credential


class SignInRefused(Exception):
    def __init__(self, message: str, retry_after: timedelta | None = None):
        super().__init__(message)
        self.message = message
        # Set when the attempt was not looked at: this client must wait that long first.
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    token: str  # goes into the cookie; only its keyed hash is stored
    session: Session
    operator: Operator


@dataclass(frozen=True)
class Enrolment:
    operator: Operator
    totp_secret: str
    totp_uri: str


@dataclass(frozen=True)
class AccountRow:
    """One account as the admin's list shows it."""

    operator: Operator  # failed_attempts: the name's recent failures from every client
    locked: bool  # the mild delay on the name from every client is running


# Per hasher object, not per id(): an id is reused once its object is gone, and a dummy made
# by another hasher fails to parse at once, which would make the unknown path fast again.
_dummy_hashes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _dummy_hash(deps: Dependencies) -> str:
    if deps.hasher not in _dummy_hashes:
        _dummy_hashes[deps.hasher] = deps.hasher.hash(_DUMMY_PASSWORD)
    return _dummy_hashes[deps.hasher]


def session_id_for(deps: Dependencies, token: str) -> str:
    return hmac.new(deps.session_key, token.encode(), hashlib.sha256).hexdigest()


# --- accounts ---------------------------------------------------------------------------------


def create_operator(
    deps: Dependencies,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    actor: str,
) -> Enrolment:
    username = check_username((username or "").strip().lower())
    display_name = (display_name or "").strip()
    if not 1 <= len(display_name) <= 80:
        raise AccountInvalid("Nama lengkap wajib diisi (maksimal 80 karakter).")
    check_password(password, username)
    secret = accounts.new_totp_secret()
    now = deps.clock.now()
    operator = Operator(
        username=username,
        display_name=display_name,
        role=Role(role),
        password_hash=deps.hasher.hash(password),
        totp_secret=secret,
        created_at=now,
        password_changed_at=now,
    )
    try:
        deps.operators.add(operator)
    except OperatorExists:
        raise AccountInvalid("Nama pengguna sudah dipakai.") from None
    audit(deps, actor, "account_created", target=f"operator:{username}", role=operator.role.value)
    return Enrolment(operator, secret, accounts.totp_uri(secret, username, deps.issuer))


def accounts_overview(deps: Dependencies) -> list[AccountRow]:
    now = deps.clock.now()
    operators = deps.operators.list()
    keys = {o.username: _failure_key(deps, "account", o.username) for o in operators}
    counts = deps.operators.failures(list(keys.values())) if operators else {}
    rows = []
    for operator in operators:
        failures, last = _recent(counts.get(keys[operator.username]), now)
        waiting = SIGN_IN_BACKOFF["account"].wait(failures, last, now) > timedelta(0)
        rows.append(AccountRow(dataclasses.replace(operator, failed_attempts=failures), waiting))
    return rows


def admin_change(deps: Dependencies, actor: Operator, username: str, action: str) -> None:
    """deactivate / activate / revoke_sessions / unlock / role:<role>."""
    now = deps.clock.now()
    if username == actor.username and action != "revoke_sessions":
        # An admin cannot lock themselves out or change their own role by accident.
        raise AccountInvalid("Ubah akun Anda sendiri melalui admin lain.")

    def change(operator: Operator) -> None:
        if action == "deactivate":
            operator.active = False
            operator.revoke_sessions(now)
        elif action == "activate":
            operator.active = True
        elif action == "revoke_sessions":
            operator.revoke_sessions(now)
        elif action == "unlock":
            operator.unlock()
        elif action.startswith("role:"):
            operator.role = Role(action.removeprefix("role:"))
            operator.revoke_sessions(now)
        else:
            raise AccountInvalid("Tindakan tidak dikenal.")

    deps.operators.update(username, change)
    if action == "unlock":
        # Every delay on the name, from every client (each counter carries the name's tag);
        # after the account's transaction, which may run more than once.
        deps.operators.clear_failures(tag=_failure_key(deps, "tag", username))
    audit(deps, actor.username, f"account_{action.split(':')[0]}", target=f"operator:{username}")


def reset_credentials(
    deps: Dependencies, actor: Operator, username: str, password: str
) -> Enrolment:
    """A lost phone or a forgotten password: a new initial password and a new TOTP secret, every
    session ended. The admin hands both over in person."""
    if username == actor.username:
        raise AccountInvalid("Ubah akun Anda sendiri melalui admin lain.")
    check_password(password, username)
    secret = accounts.new_totp_secret()
    now = deps.clock.now()
    new_hash = deps.hasher.hash(password)

    def change(operator: Operator) -> Operator:
        operator.password_hash = new_hash
        operator.totp_secret = secret
        operator.last_totp_step = None
        operator.password_changed_at = now
        operator.unlock()
        operator.revoke_sessions(now)
        return operator

    operator = deps.operators.update(username, change)
    audit(deps, actor.username, "account_reset", target=f"operator:{username}")
    return Enrolment(operator, secret, accounts.totp_uri(secret, username, deps.issuer))


# --- sign in ----------------------------------------------------------------------------------


def sign_in(
    deps: Dependencies, username: str, password: str, code: str, client: str = "-"
) -> SignedIn:
    """`client` is the caller's address (the delays are counted per name and per client)."""
    now = deps.clock.now()
    username = (username or "").strip().lower()[:64]
    known = accounts.USERNAME.match(username)
    keys = {
        "pair": _failure_key(deps, "pair", username, client),
        "client": _failure_key(deps, "client", client),
        "account": _failure_key(deps, "account", username),
    }
    counts = {scope: _recent(c, now) for scope, c in _read_failures(deps, keys).items()}
    wait = max(SIGN_IN_BACKOFF[scope].wait(*counts[scope], now) for scope in keys)
    operator = deps.operators.get(username) if known else None
    checkable = operator is not None and operator.active and not wait
    # Exactly one verification on every path: timing tells neither names nor delays apart.
    password_ok = deps.hasher.verify(
        operator.password_hash if checkable else _dummy_hash(deps), password or ""
    )
    password_ok = password_ok and checkable
    actor = username if operator is not None else "-"
    if wait:
        audit(deps, actor, "sign_in_delayed", username=username if known else "(tidak valid)")
        raise SignInRefused(_wait_message(wait), wait)

    step = (
        accounts.matching_totp_step(operator.totp_secret, code, now, operator.last_totp_step)
        if password_ok
        else None
    )

    def record(current: Operator) -> bool:
        # Re-checked inside the transaction: a TOTP code cannot be used by two sign-ins at once.
        if current.last_totp_step is not None and step <= current.last_totp_step:
            return False
        current.record_success(step)
        if deps.hasher.needs_rehash(current.password_hash):
            current.password_hash = deps.hasher.hash(password)
        return True

    signed_in = step is not None and deps.operators.update(username, record)
    if not signed_in:
        # Blind increments on the three counters, the same for unknown and real names.
        deps.operators.count_failures(
            list(keys.values()),
            now,
            purge_after=now + SIGN_IN_FAILURES_KEPT,
            restart=[keys[scope] for scope in keys if counts[scope][0] == 0],
            # The name's own counters carry its tag: an admin's unlock clears them all.
            tags=dict.fromkeys(
                (keys["pair"], keys["account"]), _failure_key(deps, "tag", username)
            ),
        )
        if actor == "-":
            details = {"username": username if known else "(tidak valid)"}
        else:
            details = {
                "reason": "account"
                if not checkable
                else ("password" if not password_ok else "totp")
            }
        audit(deps, actor, "sign_in_failed", **details)
        raise SignInRefused(GENERIC_REFUSAL)

    deps.operators.clear_failures([keys["pair"]])
    token = secrets.token_urlsafe(32)
    session = Session(
        session_id=session_id_for(deps, token),
        username=operator.username,
        role=operator.role,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
    )
    deps.sessions.add(session, purge_after=now + SESSION_ABSOLUTE + timedelta(days=1))
    audit(deps, username, "sign_in", session=session.session_id[:12])
    return SignedIn(token, session, deps.operators.get(username) or operator)


def _failure_key(deps: Dependencies, scope: str, *parts: str) -> str:
    """A keyed hash: the counters hold neither names nor addresses."""
    message = "|".join((scope, *parts)).encode()
    return hmac.new(deps.session_key, message, hashlib.sha256).hexdigest()


def _read_failures(deps: Dependencies, keys: dict[str, str]) -> dict:
    found = deps.operators.failures(list(keys.values()))
    return {scope: found.get(key) for scope, key in keys.items()}


def _recent(
    count: tuple[int, datetime | None] | None, now: datetime
) -> tuple[int, datetime | None]:
    """A counter's failures, or none once its last failure is older than they are kept."""
    if count is None or count[1] is None or now - count[1] > SIGN_IN_FAILURES_KEPT:
        return 0, None
    return count


def _wait_message(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return f"Terlalu banyak percobaan masuk yang gagal. Tunggu {seconds} detik, lalu coba lagi."


def authenticate(deps: Dependencies, token: str | None) -> tuple[Session, Operator] | None:
    if not token or len(token) > 100:
        return None
    session = deps.sessions.get(session_id_for(deps, token))
    if session is None:
        return None
    operator = deps.operators.get(session.username)
    now = deps.clock.now()
    if not session.is_valid(now, operator):
        return None
    if session.needs_touch(now):
        deps.sessions.touch(session.session_id, now)
    return session, operator


def csrf_ok(session: Session, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted)


def sign_out(deps: Dependencies, session: Session) -> None:
    deps.sessions.revoke(session.session_id, deps.clock.now())
    audit(deps, session.username, "sign_out")


def change_password(
    deps: Dependencies, operator: Operator, current: str, new: str, repeat: str
) -> None:
    """Verifies the current password; then every session of the account ends, this one too."""
    if not deps.hasher.verify(operator.password_hash, current or ""):
        audit(deps, operator.username, "password_change_failed")
        raise AccountInvalid("Kata sandi saat ini salah.")
    if new != repeat:
        raise AccountInvalid("Ulangan kata sandi baru tidak sama.")
    check_password(new, operator.username)
    if deps.hasher.verify(operator.password_hash, new):
        raise AccountInvalid("Kata sandi baru harus berbeda dari yang lama.")
    now = deps.clock.now()
    new_hash = deps.hasher.hash(new)

    def change(current_operator: Operator) -> None:
        current_operator.password_hash = new_hash
        current_operator.password_changed_at = now
        current_operator.revoke_sessions(now)

    deps.operators.update(operator.username, change)
    audit(deps, operator.username, "password_changed", target=f"operator:{operator.username}")
