"""WhatsApp Business Cloud API (Graph API) over HTTP: approved template messages, since
business-initiated messages outside the 24-hour window must be templates, and an operator's
free-text reply inside the window a family's message opened. The webhook's statuses and
inbound messages are parsed here, in the domain's words."""

from __future__ import annotations

import requests

from shared.adapters.sendgrid_email import retry_after_seconds
from shared.domain.conversations import InboundMessage
from shared.domain.messages import MessageState
from shared.domain.replay_window import unix_time
from shared.service_layer.ports import (
    Failure,
    MalformedWebhook,
    OutgoingWhatsApp,
    ProviderError,
    StatusUpdate,
)

TIMEOUT = (5, 15)
# Throughput (130429), pair rate limit (131056), "something went wrong" (131000), service
# unavailable (2), temporarily blocked for policy violations is not here: it is permanent.
TRANSIENT_CODES = {2, 4, 80007, 130429, 131000, 131056, 133004}
# Named for the operator: not on WhatsApp / undeliverable, outside the 24 h window (only for a
# non-template message), invalid number/parameter.
PERMANENT_NAMES = {131026: "wa_131026", 131047: "wa_131047", 100: "wa_100", 131009: "wa_131009"}


class WhatsAppCloud:
    def __init__(
        self,
        base_url: str,
        version: str,
        phone_number_id: str,
        token: str,
        timeout: float = TIMEOUT[1],
    ):
        self._timeout = (TIMEOUT[0], timeout)
        self._url = f"{base_url.rstrip('/')}/{version}/{phone_number_id}/messages"
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"

    def send(self, message: OutgoingWhatsApp) -> str:
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to,
            # Comes back in status webhooks: our opaque message id, never personal data.
            "biz_opaque_callback_data": message.message_id,
        }
        if message.text is not None:  # free text: only inside the customer-service window
            body["type"] = "text"
            body["text"] = {"body": message.text, "preview_url": False}
        else:
            body["type"] = "template"
            body["template"] = {
                "name": message.template,
                "language": {"code": message.language},
                "components": [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": p} for p in message.parameters],
                    }
                ],
            }
        try:
            response = self._session.post(self._url, json=body, timeout=self._timeout)
        except requests.Timeout:
            raise ProviderError(Failure.TRANSIENT, "timeout") from None
        except requests.ConnectionError:
            raise ProviderError(Failure.TRANSIENT, "unreachable") from None
        if response.ok:
            try:
                return response.json()["messages"][0]["id"]
            except (ValueError, KeyError, IndexError, TypeError):
                raise ProviderError(Failure.PERMANENT, "bad_response") from None
        raise classify(response.status_code, response.headers, _error(response))


def _error(response) -> dict:
    try:
        error = response.json().get("error")
    except ValueError:
        return {}
    return error if isinstance(error, dict) else {}


def classify(status: int, headers, error: dict) -> ProviderError:
    code = error.get("code")
    retry_after = retry_after_seconds(headers)
    if code in TRANSIENT_CODES or status == 429 or status >= 500:
        name = f"wa_{code}" if code else f"http_{status}"
        return ProviderError(Failure.TRANSIENT, name, retry_after)
    if code in PERMANENT_NAMES:
        return ProviderError(Failure.PERMANENT, PERMANENT_NAMES[code])
    return ProviderError(Failure.PERMANENT, f"wa_{code}" if code else f"http_{status}")


# The Cloud API's message statuses, in the domain's words.
STATUS_STATES = {
    "sent": MessageState.SENT,
    "delivered": MessageState.DELIVERED,
    "read": MessageState.READ,
    "failed": MessageState.FAILED,
}


def parse_statuses(body: bytes) -> list[StatusUpdate]:
    """The statuses in a (verified) webhook body: entry[].changes[].value.statuses[]."""
    import json

    try:
        payload = json.loads(body)
    except ValueError:
        raise MalformedWebhook("not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedWebhook("not an object")
    updates = []
    for entry in _objects(payload.get("entry")):
        for change in _objects(entry.get("changes")):
            value = change.get("value")
            for status in _objects(value.get("statuses") if isinstance(value, dict) else None):
                state = STATUS_STATES.get(status.get("status"))
                if state is None:
                    continue
                errors = _objects(status.get("errors")) or [{}]
                detail = f"wa_{errors[0].get('code')}" if state is MessageState.FAILED else state
                ours = status.get("biz_opaque_callback_data")
                theirs = status.get("id")
                updates.append(
                    StatusUpdate(
                        state,
                        str(detail),
                        message_id=ours if isinstance(ours, str) and ours else None,
                        provider_message_id=theirs if isinstance(theirs, str) else None,
                        at=unix_time(status.get("timestamp")),
                    )
                )
    return updates


MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")


def parse_inbound(body: bytes) -> list[InboundMessage]:
    """The families' messages in a (verified) webhook body: entry[].changes[].value.messages[].
    Text is kept; media are noted by type and id (never fetched); a reply to one of our messages
    names it in context.id."""
    import json

    try:
        payload = json.loads(body)
    except ValueError:
        raise MalformedWebhook("not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedWebhook("not an object")
    found = []
    for entry in _objects(payload.get("entry")):
        for change in _objects(entry.get("changes")):
            value = change.get("value")
            for message in _objects(value.get("messages") if isinstance(value, dict) else None):
                inbound = _inbound(message)
                if inbound is not None:
                    found.append(inbound)
    return found


def _inbound(message: dict) -> InboundMessage | None:
    provider_id, sender = message.get("id"), message.get("from")
    if not (isinstance(provider_id, str) and 0 < len(provider_id) <= 200):
        return None
    if not isinstance(sender, str):
        return None
    kind = message.get("type")
    kind = kind if isinstance(kind, str) else "unsupported"
    text, media_type, media_id = "", None, None
    part = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        text = _string(part.get("body"))
    elif kind in MEDIA_TYPES:
        media_type, media_id = kind, _string(part.get("id"))[:200] or None
        text = _string(part.get("caption"))
    elif kind == "button":
        text = _string(part.get("text"))
    elif kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        text = _string(reply.get("title")) if isinstance(reply, dict) else ""
    elif kind in ("location", "contacts", "reaction"):
        media_type = kind
    else:
        media_type = "unsupported"
    context = message.get("context")
    context_id = context.get("id") if isinstance(context, dict) else None
    return InboundMessage(
        provider_id=provider_id,
        sender=sender,
        at=unix_time(message.get("timestamp")),
        text=text,
        media_type=media_type,
        media_id=media_id,
        context_id=context_id if isinstance(context_id, str) and context_id else None,
    )


def _string(value) -> str:
    return value if isinstance(value, str) else ""


def _objects(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
