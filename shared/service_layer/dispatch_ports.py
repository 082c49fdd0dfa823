"""Ports of the dispatch step: one notifier per channel and the message store.

Adapters: `shared.adapters.sendgrid_email`, `shared.adapters.whatsapp_cloud`,
`shared.adapters.firestore_messages`; in-memory fakes in `tests/fakes.py`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from shared.domain.messages import Message, MessageState
from shared.service_layer.ports import Dependencies

T = TypeVar("T")


class Failure(enum.StrEnum):
    TRANSIENT = "transient"  # timeouts, 5xx, 429, throughput: the task queue tries again
    PERMANENT = "permanent"  # invalid address, not on WhatsApp, ...: never retried


class ProviderError(Exception):
    def __init__(self, failure: Failure, code: str, retry_after: int | None = None):
        super().__init__(f"{failure.value}: {code}")
        self.failure = failure
        self.code = code  # e.g. "http_429", "wa_131026", "timeout"; never personal data
        self.retry_after = retry_after  # seconds, when the provider said


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    # Opaque ids for the provider's custom args (kept by SendGrid permanently): never names.
    message_id: str
    request_id: str


@dataclass(frozen=True)
class OutgoingWhatsApp:
    to: str  # digits only, 628...
    template: str
    language: str
    parameters: tuple[str, ...]
    message_id: str
    preview: str  # for stand-ins and logs of the stand-in only


class MalformedWebhook(ValueError):
    """A verified webhook body that is not what the provider sends: 400, nothing changed."""


@dataclass(frozen=True)
class StatusUpdate:
    """One delivery status from a provider's webhook, in the domain's words."""

    state: MessageState
    detail: str | None
    message_id: str | None = None  # ours, when the provider echoes it back
    provider_message_id: str | None = None


class EmailNotifier(Protocol):
    def send(self, email: OutgoingEmail) -> str:
        """Hand the email to the provider; returns the provider's message id. Raises
        ProviderError."""


class WhatsAppNotifier(Protocol):
    def send(self, message: OutgoingWhatsApp) -> str:
        """Send an approved template message; returns the WhatsApp message id (wamid).
        Raises ProviderError."""


class MessageStore(Protocol):
    def update(
        self, message_id: str, change: Callable[[Message | None], tuple[Message | None, T]]
    ) -> T:
        """In one transaction: read the message (None if absent), call `change`, and store the
        message it returns (None: store nothing). Returns `change`'s second value. `change` may
        run more than once (contention) and must only touch the message."""

    def get(self, message_id: str) -> Message | None: ...

    def for_request(self, request_id: str) -> list[Message]: ...

    def find_by_provider_id(self, provider_message_id: str) -> Message | None: ...


@dataclass
class DispatchDependencies:
    core: Dependencies
    messages: MessageStore
    email: EmailNotifier | None
    whatsapp: WhatsAppNotifier | None  # None: WhatsApp not set up, manual click-to-chat
    site_url: str  # the public site, for the status / re-upload link
    office_name: str
    max_attempts: int  # the dispatch queue's max attempts
    operator_alert_email: str | None = None
    # Admins' email templates (message_template_admin.CachedTemplates); None: the defaults.
    templates: object | None = None
