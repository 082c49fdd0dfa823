"""Operator accounts and sessions: create, sign in (password + TOTP), lockout, sign out,
password change, admin actions. Every outcome that matters lands in the audit trail."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain import accounts
from shared.domain.accounts import (
    SESSION_ABSOLUTE,
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
    def __init__(self, message: str, locked_until: datetime | None = None):
        super().__init__(message)
        self.message = message
        self.locked_until = locked_until


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

    operator: Operator
    locked: bool


_dummy_hashes: dict[int, str] = {}


def _dummy_hash(deps: Dependencies) -> str:
    key = id(deps.hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = deps.hasher.hash(_DUMMY_PASSWORD)
    return _dummy_hashes[key]


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
    return [AccountRow(o, o.is_locked(now)) for o in deps.operators.list()]


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


def sign_in(deps: Dependencies, username: str, password: str, code: str) -> SignedIn:
    now = deps.clock.now()
    username = (username or "").strip().lower()
    known = accounts.USERNAME.match(username)
    operator = deps.operators.get(username) if known else None
    if operator is None or not operator.active:
        # One verification, as for a known account, so timing does not tell which names exist.
        deps.hasher.verify(_dummy_hash(deps), password or "")
        audit(deps, "-", "sign_in_failed", username=username if known else "(tidak valid)")
        raise SignInRefused(GENERIC_REFUSAL)
    if operator.is_locked(now):
        audit(deps, username, "sign_in_locked")
        raise SignInRefused(_locked_message(deps, operator.locked_until), operator.locked_until)

    password_ok = deps.hasher.verify(operator.password_hash, password or "")
    step = (
        accounts.matching_totp_step(operator.totp_secret, code, now, operator.last_totp_step)
        if password_ok
        else None
    )

    def record(current: Operator):
        # Re-checked inside the transaction: parallel guesses cannot slip past the lock, and a
        # TOTP code cannot be used by two sign-ins at once.
        if current.is_locked(now):
            return False
        if step is None or (current.last_totp_step is not None and step <= current.last_totp_step):
            current.record_failure(now)
            return False
        current.record_success(step)
        if deps.hasher.needs_rehash(current.password_hash):
            current.password_hash = deps.hasher.hash(password)
        return True

    # A wrong password or code is counted without a transaction: parallel guesses at one
    # account must not contend (and fail) on its document. Only a success needs one.
    if step is None:
        deps.operators.record_failure(username, now)
        signed_in = False
    else:
        signed_in = deps.operators.update(username, record)
    if not signed_in:
        after = deps.operators.get(username)
        audit(
            deps,
            username,
            "sign_in_failed",
            reason="password" if not password_ok else "totp",
            failures=after.failed_attempts if after else None,
        )
        if after is not None and after.is_locked(now):
            raise SignInRefused(_locked_message(deps, after.locked_until), after.locked_until)
        raise SignInRefused(GENERIC_REFUSAL)

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


def _locked_message(deps: Dependencies, until: datetime | None) -> str:
    if until is None:
        return GENERIC_REFUSAL
    local = until.astimezone(deps.office_hours.tz)
    return f"Terlalu banyak percobaan gagal. Akun dikunci sampai pukul {local:%H:%M:%S}."


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
