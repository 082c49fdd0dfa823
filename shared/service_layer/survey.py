"""The satisfaction survey (SKM, PermenPANRB 14/2017): the invitation a served request owes,
the one-time link, the anonymous answers, the report.

The link's token is an HMAC of the request id under SURVEY_TOKEN_KEY: dispatch can write the
link again for any send or resend, while the store holds only the token's SHA-256 (the
invitation's id), so neither the data nor a backup of it yields a working link, and nothing in
the invitation names the request. An answer is stored with a random id, the month the service
was given and the service: no request id, no time finer than the month, so the answers are not
linked to the person even by whoever reads the database. The invitation is marked used in the
answer's transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from shared.domain import skm
from shared.domain.messages import (
    Channel,
    DeliveryEvent,
    Message,
    MessageKind,
    MessageState,
    dispatch_task_name,
    message_id,
)
from shared.domain.model import RemissionRequest
from shared.domain.outbox import OutboxEntry, Target
from shared.logs import get_logger, log
from shared.service_layer import unit_of_work
from shared.service_layer.ports import Dependencies, Transaction

logger = get_logger("survey")

WIB = timezone(timedelta(hours=7))
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes, base64url without padding
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class SurveyRefused(Exception):
    """`code` is a texts.py code; `status` the HTTP status the edge answers with."""

    def __init__(self, code: str, status: int, errors: dict[str, str] | None = None):
        super().__init__(code)
        self.code = code
        self.status = status
        self.errors = errors or {}


REFUSALS = {
    "missing": ("survey_not_found", 404),
    "used": ("survey_used", 409),
    "expired": ("survey_expired", 410),
}


def token_for(key: bytes, request_id: str) -> str:
    digest = hmac.new(key, f"survey:{request_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def month_in_wib(at: datetime) -> str:
    return skm.month_of(at.astimezone(WIB).date())


def date_text(at: datetime, language: str = "id") -> str:
    day = at.astimezone(WIB).date()
    names = MONTHS_EN if language == "en" else skm.MONTH_NAMES
    return f"{day.day} {names[day.month - 1]} {day.year}"


# --- the invitation, owed when a request is served ---------------------------------------------


def invite_in(
    tx: Transaction, deps: Dependencies, request: RemissionRequest, now: datetime
) -> bool:
    """In the transaction that records NOTIFIED: the invitation (its token's hash, its expiry)
    and the link on both channels as message intents, their dispatch entries due after
    SURVEY_INVITE_DELAY (the relay enqueues them then). Once per request: a replay finds the
    invitation and adds nothing."""
    if not deps.survey_key:
        log(logger, logging.ERROR, "SURVEY_TOKEN_KEY not set: no survey invitation")
        return False
    hashed = token_hash(token_for(deps.survey_key, request.request_id))
    if tx.survey_invitation(hashed) is not None:
        return False
    tx.save_survey_invitation(
        skm.SurveyInvitation(hashed, skm.SERVICE, now, now + deps.survey_valid_for)
    )
    round_ = request.ktp.attempt
    for channel in Channel:
        mid = message_id(request.request_id, MessageKind.SURVEY_INVITE, round_, channel)
        if tx.message(mid) is None:
            tx.save_message(
                Message(
                    message_id=mid,
                    request_id=request.request_id,
                    kind=MessageKind.SURVEY_INVITE,
                    round=round_,
                    channel=channel,
                    state=MessageState.QUEUED,
                    created_at=now,
                    events=[DeliveryEvent(MessageState.QUEUED, now)],
                )
            )
        payload = {
            "request_id": request.request_id,
            "kind": MessageKind.SURVEY_INVITE.value,
            "round": round_,
            "channel": channel.value,
        }
        entry_id = dispatch_task_name(mid)
        if deps.survey_invite_delay <= timedelta(0):
            unit_of_work.follow_up(tx, deps, entry_id, Target.DISPATCH, payload)
        elif tx.outbox_entry(entry_id) is None:
            # Saved, not added: nothing is enqueued at the commit; the relay sends it when due.
            tx.save_outbox(
                OutboxEntry.new(entry_id, Target.DISPATCH, payload, now, deps.survey_invite_delay)
            )
    return True


def invite_context(request: RemissionRequest, deps: Dependencies, language: str) -> dict:
    """What the invitation message says: the link (the token in the fragment, which browsers
    never send to a server or put in a Referer) and its last day."""
    token = token_for(deps.survey_key, request.request_id)
    invitation = deps.survey.invitation(token_hash(token))
    if invitation is None:
        raise LookupError("no survey invitation for this request")
    return {
        # An English request's link opens the page in English (the page's own choice too).
        "survey_url": f"{deps.site_url.rstrip('/')}/survei.html#t={token}"
        + ("&l=en" if language == "en" else ""),
        "valid_until": date_text(invitation.expires_at - timedelta(seconds=1), language),
    }


# --- the survey page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenSurvey:
    service: str
    office: str
    expires_at: datetime
    expires_text: str


def _hash_of(token) -> str:
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise SurveyRefused(*REFUSALS["missing"])
    return token_hash(token)


def check(deps: Dependencies, token, language: str = "id") -> OpenSurvey:
    """May this link be answered now? Reads only; asking twice changes nothing."""
    invitation = deps.survey.invitation(_hash_of(token))
    state = "missing" if invitation is None else invitation.state(deps.clock.now())
    if state != "open":
        raise SurveyRefused(*REFUSALS[state])
    return OpenSurvey(
        skm.SERVICE_LABEL,
        deps.office_name,
        invitation.expires_at,
        date_text(invitation.expires_at - timedelta(seconds=1), language),
    )


def answer(deps: Dependencies, token, payload: dict) -> None:
    """Store the answers and spend the link, in one transaction. The same link again (a
    retried POST, a second try) is refused as used and stores nothing."""
    hashed = _hash_of(token)
    try:
        scores, profile, suggestion = skm.clean_answers(payload)
    except skm.InvalidAnswers as invalid:
        raise SurveyRefused("invalid_survey", 400, invalid.errors) from None
    answer_id = uuid.uuid4().hex

    def step(tx: Transaction) -> str:
        invitation = tx.survey_invitation(hashed)
        state = "missing" if invitation is None else invitation.state(deps.clock.now())
        if state != "open":
            return state
        invitation.used = True
        tx.save_survey_invitation(invitation)
        tx.save_survey_answer(
            skm.SurveyAnswer(
                answer_id,
                month_in_wib(invitation.created_at),  # the month the service was given
                invitation.service,
                scores,
                profile,
                suggestion,
            )
        )
        return "recorded"

    outcome = unit_of_work.run(deps, step)
    if outcome != "recorded":
        raise SurveyRefused(*REFUSALS[outcome])
    log(logger, logging.INFO, "survey answered")


# --- the report --------------------------------------------------------------------------------


def report(deps: Dependencies, period_code: str) -> skm.SkmReport:
    """Raises ValueError for a period that is not one."""
    period = skm.period(period_code)
    start = datetime.combine(period.start, time(), WIB)
    end = datetime.combine(period.end, time(), WIB)
    population = deps.survey.invited_between(start, end)
    return skm.report(deps.survey.answers_in(period.months), period, population)


def current_period(deps: Dependencies, kind: str = "month") -> str:
    today = deps.clock.now().astimezone(WIB).date()
    if kind == "year":
        return str(today.year)
    if kind == "semester":
        return f"{today.year}-S{1 if today.month <= 6 else 2}"
    if kind == "quarter":
        return f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    return skm.month_of(today)
