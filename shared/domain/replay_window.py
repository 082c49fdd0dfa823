"""How old (or how far ahead) a signed webhook event may be and still change anything.

A valid signature proves who sent a body, not when: a body captured once can be posted again
years later. WhatsApp dates every status and inbound message, so an event outside the window
is acknowledged (the provider must not retry it) and counted, never applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class ReplayWindow:
    max_age: timedelta
    max_ahead: timedelta

    def admits(self, at: datetime | None, now: datetime) -> bool:
        """An undated event is outside every window: the provider always dates its events."""
        if at is None:
            return False
        return now - self.max_age <= at <= now + self.max_ahead


def unix_time(value) -> datetime | None:
    """WhatsApp's `timestamp` (Unix seconds, sent as a string); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        seconds = int(value)
    else:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
