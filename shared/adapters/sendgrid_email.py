"""Email through SendGrid's v3 mail send, with the `sendgrid` library.

202 means queued, not delivered: delivery comes from the signed Event Webhook. Only opaque ids
go into custom_args (SendGrid keeps them permanently): never names or ID numbers.
"""

from __future__ import annotations

import urllib.error

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Content, CustomArg, From, Mail, To

from shared.domain.messages import MessageState
from shared.service_layer.ports import (
    Failure,
    MalformedWebhook,
    OutgoingEmail,
    ProviderError,
    StatusUpdate,
)

TIMEOUT_SECONDS = 15


def retry_after_seconds(headers, now: float | None = None) -> int | None:
    """Retry-After (seconds) or X-RateLimit-Reset (epoch seconds), whichever is given."""
    import time

    if not headers:
        return None
    value = headers.get("Retry-After")
    if value and str(value).isdigit():
        return int(value)
    reset = headers.get("X-RateLimit-Reset")
    if reset and str(reset).isdigit():
        return max(1, int(reset) - int(now if now is not None else time.time()))
    return None


class SendGridEmail:
    def __init__(
        self,
        api_key: str,
        sender: str,
        sender_name: str,
        host: str,
        timeout: float = TIMEOUT_SECONDS,
    ):
        self._timeout = timeout
        self._client = SendGridAPIClient(api_key, host=host)
        self._sender = From(sender, sender_name)

    def send(self, email: OutgoingEmail) -> str:
        mail = Mail(from_email=self._sender, to_emails=To(email.to), subject=email.subject)
        mail.add_content(Content("text/plain", email.text))
        mail.add_content(Content("text/html", email.html))
        mail.add_custom_arg(CustomArg("remisi_message", email.message_id))
        mail.add_custom_arg(CustomArg("remisi_request", email.request_id))
        try:
            response = self._client.client.mail.send.post(
                request_body=mail.get(), timeout=self._timeout
            )
        except HTTPError as error:
            raise classify_http(error.status_code, error.headers, error.body) from None
        except TimeoutError:
            raise ProviderError(Failure.TRANSIENT, "timeout") from None
        except urllib.error.URLError as error:
            code = "timeout" if isinstance(error.reason, TimeoutError) else "unreachable"
            raise ProviderError(Failure.TRANSIENT, code) from None
        if response.status_code not in (200, 202):
            raise classify_http(response.status_code, response.headers, response.body)
        return response.headers.get("X-Message-Id") or f"sendgrid:{email.message_id}"


def classify_http(status: int, headers, body) -> ProviderError:
    if status == 429:
        return ProviderError(Failure.TRANSIENT, "http_429", retry_after_seconds(headers))
    if status >= 500:
        return ProviderError(Failure.TRANSIENT, f"http_{status}", retry_after_seconds(headers))
    if status in (401, 403):
        # Our key is wrong or revoked: retrying will not help, an administrator must act.
        return ProviderError(Failure.PERMANENT, f"http_{status}")
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    if status == 400 and "email" in text and ("to" in text or "personalizations" in text):
        return ProviderError(Failure.PERMANENT, "invalid_email")
    return ProviderError(Failure.PERMANENT, f"http_{status}")


# SendGrid's Event Webhook vocabulary, in the domain's words. Other events (deferred, spam
# report, unsubscribe, ...) change nothing about whether the requester was reached.
EVENT_STATES = {
    "processed": MessageState.ACCEPTED,
    "delivered": MessageState.DELIVERED,
    "open": MessageState.READ,
    "click": MessageState.READ,
    "bounce": MessageState.FAILED,
    "dropped": MessageState.FAILED,
}


def parse_events(body: bytes) -> list[StatusUpdate]:
    """The statuses in a (verified) Event Webhook body: a JSON list of event objects."""
    import json

    try:
        events = json.loads(body)
    except ValueError:
        raise MalformedWebhook("not JSON") from None
    if not isinstance(events, list):
        raise MalformedWebhook("not a list of events")
    updates = []
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            continue
        state = EVENT_STATES.get(event["event"])
        message_id = event.get("remisi_message")
        if state is None or not isinstance(message_id, str) or not message_id:
            continue
        if state is MessageState.FAILED:
            reason = event.get("type")
            detail = str(reason) if isinstance(reason, str | int) and reason else None
        else:
            detail = event["event"]
        updates.append(StatusUpdate(state, detail, message_id=message_id))
    return updates
