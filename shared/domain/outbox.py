"""Follow-up work a step owes, recorded in the same transaction as the step itself.

A step never enqueues a task before its state change is committed: it adds an outbox entry
to its transaction instead. After the commit the entry is enqueued as a named task (best
effort); the handler that does the work acknowledges the entry in its own transaction. The
relay (the scheduled sweep) enqueues again every entry not acknowledged in time, under a new
task name per round, since a queue keeps a task's name for a while after the task ends. So a
lost enqueue, a task the queue gave up on, or a crash between the two is never the end.

Pure Python: the domain's own vocabulary, no cloud import.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class EntryState(enum.StrEnum):
    OPEN = "open"  # owed: the relay enqueues it again when it is due
    DONE = "done"  # the handler acknowledged it
    FAILED = "failed"  # given up after a day of rounds; what it was for shows to operators


class Target(enum.StrEnum):
    """The function a follow-up runs in (and so its queue)."""

    SDP_LOOKUP = "sdp_lookup"
    DISPATCH = "dispatch"


@dataclass
class OutboxEntry:
    entry_id: str  # also the first task's name: a replayed step adds nothing new
    target: Target
    payload: dict
    created_at: datetime
    due_at: datetime  # when the relay enqueues it (again) if it is still open
    state: EntryState = EntryState.OPEN
    rounds: int = 0  # enqueues by the relay so far
    done_at: datetime | None = None
    note: str | None = None  # why it ended, for operators and logs; never personal data

    @classmethod
    def new(
        cls, entry_id: str, target: Target, payload: dict, now: datetime, relay_after: timedelta
    ) -> OutboxEntry:
        return cls(entry_id, target, {**payload, "outbox_id": entry_id}, now, now + relay_after)

    @property
    def is_open(self) -> bool:
        return self.state is EntryState.OPEN

    @property
    def task_name(self) -> str:
        return self.entry_id if self.rounds == 0 else f"{self.entry_id}-r{self.rounds}"

    def next_round(self, now: datetime, relay_after: timedelta, longest: timedelta) -> None:
        """The relay enqueues it again; the wait grows, so a long outage is not hammered."""
        self.rounds += 1
        self.due_at = now + min(longest, relay_after * 2 ** min(self.rounds, 10))

    def acknowledge(self, now: datetime, note: str | None = None) -> bool:
        return self._end(EntryState.DONE, now, note)

    def give_up(self, now: datetime, note: str) -> bool:
        return self._end(EntryState.FAILED, now, note)

    def _end(self, state: EntryState, now: datetime, note: str | None) -> bool:
        if self.state is not EntryState.OPEN:
            return False
        self.state = state
        self.done_at = now
        self.note = note
        return True
