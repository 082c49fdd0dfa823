"""`make chaos`: the pipeline under ordinary faults, on a stack of its own (free ports).

Requests with KTP uploads from many concurrent requesters, spread over the traffic window,
while the run, on a fixed timeline: kills a function worker (kill -9), kills the gateway master
(kill -9; the supervisor restarts it), stops the gateway for 30 s, makes SDP fail for 60 s (the
SDP web-service stand-in), makes both providers fail for 60 s (5xx, 429 and timeouts at
random), and pauses Firestore for 30 s (SIGSTOP); every finalize event and every Cloud Task is
delivered twice throughout. Then it plays Cloud Scheduler (the sweep, which is the outbox relay)
until nothing changes, bounded, and counts from the stack's own records.

Requesters behave like the site's page: a failed or unanswered submit is sent again with the
same idempotency key, a failed PUT is repeated, for up to three minutes each.

Bounded in time: start (~10-30 s) + traffic window (default 200 s) + the last requesters'
retries (at most 180 s) + settling (three quiet sweeps, at most 10 min). About 9 minutes when
the pipeline keeps up, never more than about 20 with the defaults. The last line is:

    submitted=… completed=… lost=… duplicated=… stuck=… messages_missing=…
    messages_duplicated=… raw_uploads_left=… http_500=…

Logs of every part are kept in .local/chaos/logs for reading afterwards. Local only: every
request goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from localdev.stack import REPO, LocalStack, StackConfig
from localdev.traffic import (
    Outcome,
    Requester,
    assess,
    firestore_client_for,
    form,
    ktp_photo,
    raw_uploads,
    request_documents,
    settle,
    storage_client_for,
    today_wib,
    unique_contacts,
)

STATE = REPO / ".local" / "chaos"
PROVIDER_FAULTS = ("500", "429", "timeout")


def log(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


def chaos_config(state: Path, args) -> StackConfig:
    return StackConfig.on_free_ports(
        state,
        sdp_source="http",
        duplicate_finalize_events=True,
        duplicate_tasks=True,
        provider_timeout_seconds=3,
        outbox_relay_after_seconds=args.relay_after,
        finalize_retry_cap_seconds=5.0,
        # The emulator retries a failing task at once, with no backoff; Cloud Tasks spreads
        # the dispatch queue's 10 attempts over hours (infra: 30 s to 1 h). More attempts here
        # stand in for that span, so a 60 s provider outage is not "10 attempts in a second".
        tasks_max_retries=args.task_retries,
    )


def timeline(stack: LocalStack, window: float) -> list[tuple[float, str, Callable[[], None]]]:
    """(second of the traffic window, what, action); scaled to the window (200 s by default)."""
    scale = window / 200.0

    def providers_fail(seconds: float) -> None:
        for channel in ("email", "whatsapp"):
            for fault in PROVIDER_FAULTS:
                requests.post(
                    f"{stack.providers_url}/_control/faults",
                    json={"channel": channel, "fault": fault, "seconds": seconds, "reset": 5},
                    timeout=5,
                ).raise_for_status()

    def sdp_fails(seconds: float) -> None:
        requests.post(
            f"{stack.sdp_url}/_control/faults", json={"status": 503, "seconds": seconds}, timeout=5
        ).raise_for_status()

    def kill_worker() -> None:
        log(f"  killed function worker pid {stack.kill_function_worker()}")

    def kill_master() -> None:
        log(f"  killed gateway master pid {stack.kill_part('gateway')}")

    def lasting(seconds: float) -> str:
        return f"{seconds * scale:.0f} s"

    return [
        (10 * scale, "kill -9 a function worker", kill_worker),
        (20 * scale, f"SDP fails for {lasting(60)}", lambda: sdp_fails(60 * scale)),
        (35 * scale, "kill -9 the gateway master", kill_master),
        (
            50 * scale,
            f"both providers fail (5xx, 429, timeouts) for {lasting(60)}",
            lambda: providers_fail(60 * scale),
        ),
        (95 * scale, f"gateway stopped for {lasting(30)}", lambda: stack.stop_part("gateway")),
        (125 * scale, "gateway started again", lambda: stack.start_part("gateway")),
        (
            140 * scale,
            f"Firestore paused for {lasting(30)}",
            lambda: stack.pause_part("firestore-emulator"),
        ),
        (170 * scale, "Firestore resumed", lambda: stack.resume_part("firestore-emulator")),
        (180 * scale, "kill -9 a function worker", kill_worker),
    ]


def queued_tasks(stack: LocalStack) -> dict[str, int]:
    from shared.adapters.cloud_tasks_queue import emulator_client

    client = emulator_client(stack.tasks_host)
    return {
        queue.rsplit("/", 1)[-1]: len(list(client.list_tasks(parent=queue)))
        for queue in (stack.queue_path, stack.dispatch_queue_path)
    }


def run_traffic(stack: LocalStack, args, statuses: Counter, lock: threading.Lock):
    """Start the requesters in the background; returns (futures, outcomes list)."""
    photo = ktp_photo()
    today = today_wib()
    per_client = -(-args.requests // args.clients)
    outcomes: list[Outcome] = []
    started = time.monotonic()

    def client(index: int) -> None:
        requester = Requester(stack.site_url, statuses=statuses, lock=lock)
        count = min(per_client, args.requests - index * per_client)
        for n in range(count):
            # Spread over the window, each client at its own phase.
            due = started + (n + (index / args.clients)) * args.traffic_seconds / per_client
            time.sleep(max(0.0, due - time.monotonic()))
            contacts = unique_contacts()
            outcome = requester.run(form(today, contacts, len(photo)), photo, contacts)
            with lock:
                outcomes.append(outcome)

    pool = ThreadPoolExecutor(args.clients)
    futures = [pool.submit(client, i) for i in range(args.clients)]
    pool.shutdown(wait=False)
    return futures, outcomes, started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--traffic-seconds", type=float, default=200.0)
    parser.add_argument("--settle-minutes", type=float, default=10.0)
    parser.add_argument(
        "--relay-after", type=int, default=60, help="OUTBOX_RELAY_AFTER_SECONDS (as make dev)"
    )
    parser.add_argument("--task-retries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args(argv)
    random.seed(args.seed)

    shutil.rmtree(STATE, ignore_errors=True)
    STATE.mkdir(parents=True)
    stack = LocalStack(chaos_config(STATE, args))
    # A killed run still stops its stack (the finally below runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run_started = time.monotonic()
    log("starting the chaos stack (free ports, SDP stand-in, duplicate events and tasks)…")
    stack.start()
    try:
        return _run(stack, args, run_started)
    finally:
        # Never leave Firestore stopped or the gateway held.
        stack.resume_part("firestore-emulator")
        stack.stop()


def _run(stack: LocalStack, args, run_started: float) -> int:
    firestore_client = firestore_client_for(stack)
    storage_client = storage_client_for(stack)
    statuses: Counter = Counter()
    lock = threading.Lock()
    log(f"{args.requests} requests from {args.clients} requesters over {args.traffic_seconds} s")
    futures, outcomes, started = run_traffic(stack, args, statuses, lock)

    # The faults run here, on the main thread: a process started from a thread that then ends
    # would be sent SIGTERM (the stack's children die with their parent thread).
    for at, what, action in timeline(stack, args.traffic_seconds):
        time.sleep(max(0.0, started + at - time.monotonic()))
        log(f"t+{time.monotonic() - started:5.0f} s  {what}")
        try:
            action()
        except Exception as error:  # a fault that could not be applied is reported, not hidden
            log(f"  could not apply: {type(error).__name__}: {error}")
    for future in futures:
        future.result()
    log(
        f"traffic done after {time.monotonic() - started:.0f} s: {len(outcomes)} requesters, "
        f"answers {dict(sorted(statuses.items()))}"
    )

    ids = {i for o in outcomes for i in o.request_ids}

    def snapshot():
        docs = request_documents(firestore_client, ids)
        sent = requests.get(f"{stack.providers_url}/_control/messages", timeout=30).json()
        return (
            Counter(d.get("status") for d in docs.values()),
            len(sent["messages"]),
            len(raw_uploads(storage_client, stack.config.bucket)),
        )

    log("letting the relay run: the sweep until three quiet rounds…")
    sweeps = settle(stack, snapshot, args.settle_minutes * 60, log)
    verdict = assess(stack, outcomes, statuses, firestore_client, storage_client)

    log(f"{sweeps} sweeps; supervisor restarts: {dict(stack.supervisor.restarts)}")
    log(f"tasks still queued: {queued_tasks(stack)}")
    log(f"request states: {dict(verdict.states)}")
    if verdict.missing_because:
        log(f"receipts missing (channel, message state): {dict(verdict.missing_because)}")
    if verdict.gave_up:
        log(f"requesters who gave up: {dict(verdict.gave_up)}")
    if verdict.answers_5xx:
        log(
            "5xx answered by functions (function, status, duplicate copy): "
            f"{dict(verdict.answers_5xx)}"
        )
    log(f"whole run: {time.monotonic() - run_started:.0f} s; logs in {STATE / 'logs'}")
    print(verdict.line(), flush=True)
    clean = (
        verdict.lost
        + verdict.duplicated
        + verdict.stuck
        + verdict.messages_missing
        + verdict.messages_duplicated
        + verdict.raw_uploads_left
        + verdict.http_500
    ) == 0
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
