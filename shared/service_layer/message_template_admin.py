"""Email templates edited by admins: the store port, the per-instance cache dispatch reads
through, and the admin actions (preview, save, reset), each save and reset audited.

An override is one document per (kind, language): subject, text, updated_by, updated_at and a
version that only grows (a reset keeps the document with no subject/text, so versions stay
unique in the audit trail). Saves are optimistic: the form carries the version it was based
on, and a save over someone else's newer version is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shared.domain.accounts import Operator
from shared.domain.message_templates import (
    EDITABLE_EMAIL_TEMPLATES,
    RenderedEmail,
    TemplateInvalid,
    default_email_template,
    render_email,
    sample_context,
    validate_email_template,
)
from shared.domain.messages import MessageKind
from shared.service_layer.audit_trail import audit
from shared.service_layer.ports import Clock, Dependencies

CACHE_FOR = timedelta(seconds=60)


@dataclass(frozen=True)
class TemplateRecord:
    kind: MessageKind
    language: str
    subject: str | None  # None: reset to the default in code
    text: str | None
    updated_by: str
    updated_at: datetime
    version: int

    @property
    def is_override(self) -> bool:
        return self.subject is not None and self.text is not None


class VersionConflict(Exception):
    def __init__(self, current: TemplateRecord | None):
        super().__init__("version conflict")
        self.current = current


class TemplateStore(Protocol):
    def get(self, kind: MessageKind, language: str) -> TemplateRecord | None: ...

    def all(self) -> list[TemplateRecord]:
        """Every stored record (a handful: one per kind and language)."""

    def put(self, record: TemplateRecord) -> None:
        """Store `record` in one transaction if the stored version is `record.version - 1`
        (0: nothing stored yet); else raise VersionConflict with the stored record."""


class CachedTemplates:
    """What dispatch reads: every override, loaded at most once per `ttl` per instance (one
    small query a minute instead of a read per message)."""

    def __init__(self, store: TemplateStore, clock: Clock, ttl: timedelta = CACHE_FOR):
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self._loaded_at: datetime | None = None
        self._overrides: dict[tuple[MessageKind, str], dict[str, str]] = {}

    def source(self, kind: MessageKind, language: str) -> dict[str, str] | None:
        now = self.clock.now()
        if self._loaded_at is None or now - self._loaded_at >= self.ttl:
            self._overrides = {
                (r.kind, r.language): {"subject": r.subject, "text": r.text}
                for r in self.store.all()
                if r.is_override
            }
            self._loaded_at = now
        if (kind, language) not in EDITABLE_EMAIL_TEMPLATES:
            language = "id"  # as render_email falls back for a kind with one language
        return self._overrides.get((kind, language))


# --- the admin page's actions -----------------------------------------------------------------


class NoSuchTemplate(Exception):
    pass


@dataclass(frozen=True)
class TemplateView:
    kind: MessageKind
    language: str
    subject: str
    text: str
    default_subject: str
    default_text: str
    record: TemplateRecord | None

    @property
    def customised(self) -> bool:
        return self.record is not None and self.record.is_override

    @property
    def version(self) -> int:
        return self.record.version if self.record else 0


def parse_key(kind: str, language: str) -> tuple[MessageKind, str]:
    try:
        key = (MessageKind(kind), language)
    except ValueError:
        raise NoSuchTemplate from None
    if key not in EDITABLE_EMAIL_TEMPLATES:
        raise NoSuchTemplate
    return key


def _store(deps: Dependencies) -> TemplateStore:
    if deps.template_store is None:
        raise NoSuchTemplate
    return deps.template_store


def template_view(deps: Dependencies, kind: MessageKind, language: str) -> TemplateView:
    record = _store(deps).get(kind, language)
    default = default_email_template(kind, language)
    current = (
        {"subject": record.subject, "text": record.text}
        if record and record.is_override
        else default
    )
    return TemplateView(
        kind,
        language,
        current["subject"],
        current["text"],
        default["subject"],
        default["text"],
        record,
    )


def all_templates(deps: Dependencies) -> list[TemplateView]:
    return [template_view(deps, kind, language) for kind, language in EDITABLE_EMAIL_TEMPLATES]


def preview(kind: MessageKind, language: str, subject: str, text: str) -> RenderedEmail:
    """Raises TemplateInvalid."""
    return validate_email_template(kind, language, subject, text)


def default_preview(kind: MessageKind, language: str) -> RenderedEmail:
    return render_email(kind, language, sample_context(kind, language))


def save_template(
    deps: Dependencies,
    operator: Operator,
    kind: MessageKind,
    language: str,
    subject: str,
    text: str,
    based_on_version: int,
) -> TemplateRecord:
    """Validate and store. Raises TemplateInvalid (nothing stored) or VersionConflict."""
    validate_email_template(kind, language, subject, text)
    return _put_version(
        deps,
        operator,
        kind,
        language,
        subject.replace("\r\n", "\n"),
        text.replace("\r\n", "\n"),
        based_on_version,
        "template_saved",
    )


def reset_template(
    deps: Dependencies,
    operator: Operator,
    kind: MessageKind,
    language: str,
    based_on_version: int,
) -> TemplateRecord | None:
    """Back to the default in code. Nothing stored: nothing to do (None)."""
    current = _store(deps).get(kind, language)
    if current is None or not current.is_override:
        return None
    return _put_version(
        deps, operator, kind, language, None, None, based_on_version, "template_reset"
    )


def _put_version(
    deps: Dependencies,
    operator: Operator,
    kind: MessageKind,
    language: str,
    subject: str | None,
    text: str | None,
    based_on_version: int,
    action: str,
) -> TemplateRecord:
    """Store the next version (empty subject and text = back to the default) and audit it."""
    record = TemplateRecord(
        kind,
        language,
        subject,
        text,
        operator.username,
        deps.clock.now(),
        based_on_version + 1,
    )
    _store(deps).put(record)
    audit(
        deps,
        operator.username,
        action,
        target=f"template:{kind.value}:{language}",
        kind=kind.value,
        language=language,
        version=record.version,
    )
    return record


__all__ = [
    "CachedTemplates",
    "NoSuchTemplate",
    "TemplateInvalid",
    "TemplateRecord",
    "TemplateStore",
    "VersionConflict",
]
