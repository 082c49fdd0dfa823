"""`make load`: many requesters at once, no faults, on a stack of its own (free ports).

First the echo baseline (a function that only parses and answers JSON, served by the same
gateway: `--with-echo`), then the submissions, each followed by its KTP upload, from the same
number of concurrent requesters, as fast as the stack answers. Afterwards it plays Cloud
Scheduler as `make dev` does (the sweep, which is the relay, once a minute) until every request
is through with its receipts or the wait is over (bounded), and prints p50/p95/p99 of submit,
of echo, their ratio, of upload → awaiting operator (the PUT's end to the lookup's stamp, one
clock), the answers that were not 2xx, and a last line:

    submitted=… completed=… lost=… duplicated=… submit_p50_ms=… submit_p95_ms=…
    submit_p99_ms=… echo_p99_ms=… ratio_p99=… upload_to_operator_p50_ms=… … errors=…

Bounded: start + baseline + traffic (about 1-3 minutes for 1,000 on two cores) + at most
`--settle-minutes` (default 10). Local only: every request goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from localdev.stack import REPO, SWEEP_EVERY_SECONDS, LocalStack, StackConfig
from localdev.traffic import (
    SETTLED,
    Outcome,
    Requester,
    assess,
    firestore_client_for,
    form,
    ktp_photo,
    messages_per_recipient,
    outbox_messages,
    percentile,
    request_documents,
    storage_client_for,
    today_wib,
    unique_contacts,
)

STATE = REPO / ".local" / "load"


def log(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


def echo_baseline(stack: LocalStack, count: int, clients: int) -> list[float]:
    today, sessions = today_wib(), threading.local()

    def one(_: int) -> float:
        session = getattr(sessions, "session", None) or requests.Session()
        sessions.session = session
        started = time.perf_counter()
        answer = session.post(
            f"{stack.site_url}/api/echo", json=form(today, unique_contacts(), 1000), timeout=30
        )
        answer.raise_for_status()
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(min(count, 50))))  # warm the path
        return list(pool.map(one, range(count)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--settle-minutes", type=float, default=10.0)
    args = parser.parse_args(argv)

    shutil.rmtree(STATE, ignore_errors=True)
    STATE.mkdir(parents=True)
    stack = LocalStack(StackConfig.on_free_ports(STATE, with_echo=True, auto_deliver=False))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log("starting the load stack (free ports)…")
    stack.start()
    try:
        return _run(stack, args)
    finally:
        stack.stop()


def _run(stack: LocalStack, args) -> int:
    firestore_client = firestore_client_for(stack)
    storage_client = storage_client_for(stack)
    echo_ms = echo_baseline(stack, args.requests, args.clients)
    log(f"echo baseline: {len(echo_ms)} calls from {args.clients} clients")

    photo, today = ktp_photo(), today_wib()
    statuses: Counter = Counter()
    lock = threading.Lock()
    local = threading.local()

    def one(_: int) -> Outcome:
        requester = getattr(local, "requester", None)
        if requester is None:
            requester = local.requester = Requester(stack.site_url, statuses=statuses, lock=lock)
        contacts = unique_contacts()
        return requester.run(form(today, contacts, len(photo)), photo, contacts)

    started = time.monotonic()
    with ThreadPoolExecutor(args.clients) as pool:
        outcomes = list(pool.map(one, range(args.requests)))
    traffic_seconds = time.monotonic() - started
    log(f"{len(outcomes)} submissions with uploads in {traffic_seconds:.0f} s")

    ids = {i for o in outcomes for i in o.request_ids}

    def through() -> bool:
        docs = request_documents(firestore_client, ids)
        if sum(d.get("status") == SETTLED for d in docs.values()) < len(ids):
            return False
        got = messages_per_recipient(outbox_messages(stack.providers_url))
        return all(
            got[("email", o.contacts.email)] and got[("whatsapp", o.contacts.whatsapp_to)]
            for o in outcomes
            if o.request_ids
        )

    # Wait for every request and its receipts, playing make dev's scheduler (the sweep, which
    # is the relay, once a minute), bounded.
    deadline = time.monotonic() + args.settle_minutes * 60
    next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
    while time.monotonic() < deadline and not through():
        if time.monotonic() >= next_sweep:
            next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
            answer = stack.sweep(timeout=120)
            log(f"sweep: HTTP {answer.status_code} {answer.text[:200]}")
        time.sleep(2)
    log(f"through {time.monotonic() - started - traffic_seconds:.0f} s after the last upload")
    verdict = assess(stack, outcomes, statuses, firestore_client, storage_client)

    docs = request_documents(firestore_client, ids)
    to_operator = [
        (docs[i]["status_entered_at"] - o.uploaded_at).total_seconds() * 1000
        for o in outcomes
        for i in o.request_ids
        if o.uploaded_at and docs.get(i, {}).get("status") == SETTLED
    ]
    submit_ms = [o.submit_ms for o in outcomes if o.submit_ms is not None]
    errors = sum(n for (_, status), n in statuses.items() if not 200 <= status < 300)
    figures = {
        "submit_p50_ms": percentile(submit_ms, 50),
        "submit_p95_ms": percentile(submit_ms, 95),
        "submit_p99_ms": percentile(submit_ms, 99),
        "echo_p50_ms": percentile(echo_ms, 50),
        "echo_p95_ms": percentile(echo_ms, 95),
        "echo_p99_ms": percentile(echo_ms, 99),
        "upload_to_operator_p50_ms": percentile(to_operator, 50),
        "upload_to_operator_p95_ms": percentile(to_operator, 95),
        "upload_to_operator_p99_ms": percentile(to_operator, 99),
    }
    figures = {k: round(v, 1) for k, v in figures.items()}
    for p in ("p50", "p95", "p99"):
        figures[f"ratio_{p}"] = round(figures[f"submit_{p}_ms"] / figures[f"echo_{p}_ms"], 2)

    print()
    print(f"{'':30}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for name, key in (
        ("submit", "submit"),
        ("echo (same gateway)", "echo"),
        ("upload → awaiting operator", "upload_to_operator"),
    ):
        row = [figures[f"{key}_{p}_ms"] for p in ("p50", "p95", "p99")]
        print(f"{name:30}{row[0]:>10}{row[1]:>10}{row[2]:>10}")
    print(
        f"submit/echo: p50 {figures['ratio_p50']}, p95 {figures['ratio_p95']}, "
        f"p99 {figures['ratio_p99']}; {args.requests} requesters, {args.clients} at once, "
        f"{args.requests / traffic_seconds:.1f} submissions+uploads per second"
    )
    print(f"answers not 2xx: {errors} {dict(k for k in statuses.items() if k[0][1] >= 300)}")
    print(f"request states: {dict(verdict.states)}")
    print()
    keys = ("submitted", "completed", "lost", "duplicated")
    head = " ".join(f"{k}={getattr(verdict, k)}" for k in keys)
    tail = " ".join(f"{k}={v}" for k, v in figures.items())
    print(f"{head} {tail} errors={errors} http_500={verdict.http_500}", flush=True)
    return 0 if verdict.lost + verdict.duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
