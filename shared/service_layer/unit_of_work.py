"""One transaction per step, and the follow-up work it owes through the outbox.

A use case hands `run` a step: a function of one transaction that reads what it needs and
changes every document the step is about (the request, its messages, its audit events, and an
outbox entry for each follow-up task). `run` commits it as a whole (retried on contention by
the store) and only then enqueues the entries the step added, best effort: if that enqueue is
lost, the relay (`relay_due`, in the scheduled sweep) enqueues them again. Handlers acknowledge
their entry in their own step's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from shared.domain.outbox import OutboxEntry, Target
from shared.logs import get_logger, log
from shared.service_layer.ports import Dependencies, Task, Transaction

T = TypeVar("T")

logger = get_logger("outbox")

# The longest wait between two relay rounds of one entry, however long it has been owed.
LONGEST_RELAY_WAIT = timedelta(hours=1)


def run(deps: Dependencies, step: Callable[[Transaction], T]) -> T:
    result, added = deps.store.transaction(step)
    for entry in added:
        enqueue(deps, entry)
    return result


def follow_up(
    tx: Transaction, deps: Dependencies, entry_id: str, target: Target, payload: dict
) -> None:
    """Owe a task: it is enqueued after this transaction commits, and again until acknowledged."""
    tx.add_outbox(OutboxEntry.new(entry_id, target, payload, deps.clock.now(), deps.relay_after))


def acknowledge(tx: Transaction, outbox_id: str | None, now: datetime, note: str) -> None:
    if not outbox_id:
        return
    entry = tx.outbox_entry(outbox_id)
    if entry is not None and entry.acknowledge(now, note):
        tx.save_outbox(entry)


def acknowledge_alone(deps: Dependencies, outbox_id: str | None, note: str) -> None:
    """Acknowledge an entry in a commit of its own (a handler that found nothing to do). Read
    first: copies of one task finding it acknowledged already write nothing, and meet in no
    transaction."""
    if not outbox_id:
        return
    entry = deps.store.outbox_entry(outbox_id)
    if entry is None or not entry.is_open:
        return
    run(deps, lambda tx: acknowledge(tx, outbox_id, deps.clock.now(), note))


def enqueue(deps: Dependencies, entry: OutboxEntry) -> bool:
    queue = deps.sdp_lookup_queue if entry.target is Target.SDP_LOOKUP else deps.dispatch_queue
    try:
        deps.tasks.enqueue(
            Task(
                queue=queue, name=entry.task_name, target=entry.target.value, payload=entry.payload
            )
        )
    except Exception as error:  # any failure here is the relay's to repair
        log(
            logger,
            logging.WARNING,
            "enqueue failed; the relay will retry",
            entry=entry.entry_id,
            error=type(error).__name__,
        )
        return False
    return True


def relay_due(deps: Dependencies, now: datetime, limit: int = 500) -> int:
    """Enqueue again every open entry whose time has come, each under a new task name."""
    relayed = 0
    for due in deps.store.due_outbox(now, limit):

        def next_round(tx: Transaction, entry_id=due.entry_id) -> OutboxEntry | None:
            entry = tx.outbox_entry(entry_id)
            if entry is None or not entry.is_open or entry.due_at > now:
                return None  # acknowledged meanwhile, or another sweep took this round
            entry.next_round(now, deps.relay_after, LONGEST_RELAY_WAIT)
            tx.save_outbox(entry)
            return entry

        entry, _ = deps.store.transaction(next_round)
        if entry is not None and enqueue(deps, entry):
            relayed += 1
            log(
                logger,
                logging.WARNING,
                "follow-up enqueued again",
                entry=entry.entry_id,
                round=entry.rounds,
            )
    return relayed
