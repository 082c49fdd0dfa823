"""WhatsApp conversations: what a family writes back, and the operators' replies.

Pure Python. A family's reply opens WhatsApp's 24-hour customer-service window: inside it an
operator may answer in free text; outside it only an approved template may go out, so the reply
waits ("awaiting_window") while a template tells them there is an answer, and goes out as free
text the moment they write again. Inbound messages are kept once each (by WhatsApp's message
id: Meta delivers webhooks at least once); media are noted (type and id), never downloaded.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

SERVICE_WINDOW = timedelta(hours=24)
# WhatsApp's own limit for a text body.
MAX_TEXT = 4096
# A document holds the whole thread; beyond this many entries new inbound messages go to the
# unmatched list (operators still see them) instead of growing it past Firestore's 1 MiB.
MAX_ENTRIES = 200
# Message kinds WhatsApp may carry, as the operator page names them.
MEDIA_LABELS = {
    "image": "Gambar",
    "audio": "Pesan suara",
    "video": "Video",
    "document": "Dokumen",
    "sticker": "Stiker",
    "location": "Lokasi",
    "contacts": "Kontak",
    "unsupported": "Pesan yang tidak didukung",
}


class Direction(enum.StrEnum):
    INBOUND = "inbound"  # the family wrote
    OUTBOUND = "outbound"  # an operator replied


class ReplyMode(enum.StrEnum):
    FREE_TEXT = "free_text"  # inside the window: the text itself
    AWAITING_WINDOW = "awaiting_window"  # outside: a template went, the text waits for them


class ReplyInvalid(ValueError):
    pass


@dataclass(frozen=True)
class InboundMessage:
    """One message a family sent, as the provider's webhook carries it."""

    provider_id: str  # WhatsApp's message id (wamid...): the idempotency key
    sender: str  # E.164 digits without '+', as WhatsApp gives them (628...)
    at: datetime | None  # the provider's timestamp (None: undated, outside any window)
    text: str = ""
    media_type: str | None = None
    media_id: str | None = None
    context_id: str | None = None  # the wamid of our message they replied to


@dataclass(frozen=True)
class Entry:
    entry_id: str  # inbound: the provider's id; outbound: "reply-<n>"
    direction: Direction
    at: datetime
    text: str = ""
    media_type: str | None = None
    media_id: str | None = None
    context_id: str | None = None
    by: str | None = None  # outbound: the operator
    number: int | None = None  # outbound: the reply's number (its messages' round)
    mode: ReplyMode | None = None
    sent_at: datetime | None = None  # outbound awaiting the window: when it finally went


@dataclass
class Conversation:
    request_id: str
    entries: list[Entry] = field(default_factory=list)
    unread: int = 0
    last_inbound_at: datetime | None = None

    def window_open(self, now: datetime) -> bool:
        return self.last_inbound_at is not None and now - self.last_inbound_at < SERVICE_WINDOW

    def window_closes_at(self) -> datetime | None:
        return self.last_inbound_at + SERVICE_WINDOW if self.last_inbound_at else None

    @property
    def full(self) -> bool:
        return len(self.entries) >= MAX_ENTRIES

    def has(self, entry_id: str) -> bool:
        return any(e.entry_id == entry_id for e in self.entries)

    def add_inbound(self, message: InboundMessage, received_at: datetime) -> bool:
        """False for a message already kept (a repeated webhook)."""
        if self.has(message.provider_id):
            return False
        at = message.at or received_at
        self.entries.append(
            Entry(
                message.provider_id,
                Direction.INBOUND,
                at,
                text=clean_text(message.text),
                media_type=message.media_type,
                media_id=message.media_id,
                context_id=message.context_id,
            )
        )
        self.entries.sort(key=lambda e: e.at)
        self.unread += 1
        if self.last_inbound_at is None or at > self.last_inbound_at:
            self.last_inbound_at = at
        return True

    def add_reply(self, text: str, by: str, now: datetime) -> Entry:
        text = clean_text(text)
        if not text.strip():
            raise ReplyInvalid("Balasan masih kosong.")
        if len(text) > MAX_TEXT:
            raise ReplyInvalid(f"Balasan terlalu panjang (paling banyak {MAX_TEXT} karakter).")
        if self.full:
            raise ReplyInvalid("Percakapan ini sudah terlalu panjang; hubungi pemohon langsung.")
        number = 1 + sum(e.direction is Direction.OUTBOUND for e in self.entries)
        mode = ReplyMode.FREE_TEXT if self.window_open(now) else ReplyMode.AWAITING_WINDOW
        entry = Entry(
            f"reply-{number}",
            Direction.OUTBOUND,
            now,
            text=text,
            by=by,
            number=number,
            mode=mode,
            sent_at=now if mode is ReplyMode.FREE_TEXT else None,
        )
        self.entries.append(entry)
        self.unread = 0  # answering is reading
        return entry

    def waiting_replies(self) -> list[Entry]:
        return [
            e for e in self.entries if e.mode is ReplyMode.AWAITING_WINDOW and e.sent_at is None
        ]

    def release(self, entry: Entry, now: datetime) -> None:
        """A reply that waited for the window goes out now."""
        self.entries = [replace(e, sent_at=now) if e is entry else e for e in self.entries]

    def reply(self, number: int) -> Entry | None:
        return next(
            (e for e in self.entries if e.direction is Direction.OUTBOUND and e.number == number),
            None,
        )

    def mark_read(self) -> bool:
        if not self.unread:
            return False
        self.unread = 0
        return True


def clean_text(text: str) -> str:
    """NFC, no control characters but line breaks and tabs, at most MAX_TEXT characters kept
    for an inbound message (what WhatsApp itself allows)."""
    text = unicodedata.normalize("NFC", str(text or ""))
    kept = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    return kept[: MAX_TEXT + 1]


def whatsapp_e164(sender: str) -> str | None:
    """WhatsApp's sender id (628...) as the requests store numbers (+628...)."""
    digits = str(sender or "")
    if not (digits.isascii() and digits.isdigit() and 8 <= len(digits) <= 15):
        return None
    return "+" + digits
