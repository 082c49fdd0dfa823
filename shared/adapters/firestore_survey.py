"""The satisfaction survey in Firestore: invitations keyed by their token's hash, answers with
a random id, the period and the service only (no request id, no time finer than the month).
Both are written in the unit of work's transactions (shared.adapters.firestore_store); the
reads here are the reports'. Single-field indexes only (created_at, period)."""

from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from shared.domain.skm import SurveyAnswer, SurveyInvitation

INVITATIONS = "survey_invitations"
ANSWERS = "survey_answers"


def invitation_to_document(invitation: SurveyInvitation) -> dict:
    return {
        "token_hash": invitation.token_hash,
        "service": invitation.service,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "used": invitation.used,
    }


def invitation_from_document(document: dict) -> SurveyInvitation:
    return SurveyInvitation(
        token_hash=document["token_hash"],
        service=document["service"],
        created_at=document["created_at"],
        expires_at=document["expires_at"],
        used=bool(document.get("used")),
    )


def answer_to_document(answer: SurveyAnswer) -> dict:
    return {
        "answer_id": answer.answer_id,
        "period": answer.period,
        "service": answer.service,
        "scores": dict(answer.scores),
        "profile": dict(answer.profile),
        "suggestion": answer.suggestion,
    }


def answer_from_document(document: dict) -> SurveyAnswer:
    return SurveyAnswer(
        answer_id=document["answer_id"],
        period=document["period"],
        service=document["service"],
        scores={k: int(v) for k, v in document.get("scores", {}).items()},
        profile=dict(document.get("profile", {})),
        suggestion=document.get("suggestion", ""),
    )


class FirestoreSurvey:
    """What the reports and the survey page read."""

    def __init__(self, client: firestore.Client):
        self._db = client

    def invitation(self, token_hash: str) -> SurveyInvitation | None:
        snapshot = self._db.collection(INVITATIONS).document(token_hash).get()
        return invitation_from_document(snapshot.to_dict()) if snapshot.exists else None

    def answers_in(self, months: tuple[str, ...]) -> list[SurveyAnswer]:
        found = []
        # Firestore's "in" takes at most 30 values; a year is 12 months.
        for start in range(0, len(months), 30):
            query = self._db.collection(ANSWERS).where(
                filter=firestore.FieldFilter("period", "in", list(months[start : start + 30]))
            )
            found += [answer_from_document(s.to_dict()) for s in query.stream()]
        return found

    def invited_between(self, start: datetime, end: datetime) -> int:
        """Invitations made in [start, end): the requests served then (a count, no reads of
        the documents; requests themselves are deleted after their retention)."""
        query = (
            self._db.collection(INVITATIONS)
            .where(filter=firestore.FieldFilter("created_at", ">=", start))
            .where(filter=firestore.FieldFilter("created_at", "<", end))
        )
        result = query.count().get()
        return int(result[0][0].value) if result and result[0] else 0
