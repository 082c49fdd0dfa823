"""A small `make chaos` inside the test suite: about 100 requesters on the session's stack while
every finalize event and every Cloud Task comes twice, a function worker and the gateway master
are killed (kill -9), and both providers answer 500 and 429 for a while; then the relay runs.
Every request must end with its receipt once per channel, nothing lost, duplicated, left or 500.

The provider faults are counted ones (each used once), not a time window: the local Tasks
emulator retries at once and gives up after the test stack's five attempts, where Cloud Tasks
would spread its attempts over hours, so a window of failures would say more about the emulator
than about the pipeline. `make chaos` runs the long version with every fault.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from localdev.traffic import (
    Requester,
    assess,
    form,
    ktp_photo,
    log_size,
    open_outbox_entries,
    request_documents,
    settle,
    today_wib,
    unique_contacts,
)

pytestmark = pytest.mark.integration

REQUESTS, CLIENTS, WINDOW_SECONDS = 100, 20, 40.0


def duplicate_tasks(stack, enabled: bool) -> None:
    """Switch the gateway's copies on (again: a restarted worker starts without them)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            answer = requests.post(
                f"{stack.site_url}/_control/duplicate_tasks", json={"enabled": enabled}, timeout=5
            )
            if answer.ok and answer.json()["duplicate_tasks"] is enabled:
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "the gateway's control did not answer"
        time.sleep(0.2)


def duplicate_events(stack, enabled: bool) -> None:
    answer = requests.post(
        f"{stack.storage_public_url}/_control/finalize", json={"duplicate": enabled}, timeout=5
    )
    assert answer.ok


def provider_faults(stack, times: int) -> None:
    for channel in ("email", "whatsapp"):
        for fault in ("500", "429"):
            body = {"channel": channel, "fault": fault, "times": times, "reset": 2}
            assert requests.post(f"{stack.providers_url}/_control/faults", json=body, timeout=5).ok


def test_a_hundred_requesters_through_duplicates_crashes_and_provider_errors(
    local_stack, firestore_client, storage_client
):
    stack = local_stack
    log_start = log_size(stack.config.state_dir / "logs" / "gateway.log")
    photo, today = ktp_photo(), today_wib()
    statuses: Counter = Counter()
    lock = threading.Lock()
    outcomes = []
    started = time.monotonic()
    per_client = REQUESTS // CLIENTS

    def client(index: int) -> None:
        requester = Requester(stack.site_url, statuses=statuses, lock=lock, retry_for_seconds=60)
        for n in range(per_client):
            due = started + (n + index / CLIENTS) * WINDOW_SECONDS / per_client
            time.sleep(max(0.0, due - time.monotonic()))
            contacts = unique_contacts()
            outcome = requester.run(form(today, contacts, len(photo)), photo, contacts)
            with lock:
                outcomes.append(outcome)

    duplicate_events(stack, True)
    duplicate_tasks(stack, True)
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(client, i) for i in range(CLIENTS)]
            # Faults from this thread: a process restarted from a short-lived thread would be
            # sent SIGTERM when that thread ends.
            time.sleep(5)
            assert stack.kill_function_worker() is not None
            duplicate_tasks(stack, True)
            time.sleep(5)
            provider_faults(stack, times=10)
            time.sleep(10)
            stack.kill_part("gateway")
            stack.wait_until_answering("gateway", 60)
            duplicate_tasks(stack, True)
            for future in futures:
                future.result()
    finally:
        duplicate_events(stack, False)
        duplicate_tasks(stack, False)

    ids = {i for o in outcomes for i in o.request_ids}

    def snapshot():
        docs = request_documents(firestore_client, ids)
        sent = requests.get(f"{stack.providers_url}/_control/messages", timeout=30).json()
        return Counter(d.get("status") for d in docs.values()), len(sent["messages"])

    settle(
        stack,
        snapshot,
        120,
        log=lambda line: None,
        owed=lambda: open_outbox_entries(firestore_client),
    )
    verdict = assess(
        stack,
        outcomes,
        statuses,
        firestore_client,
        storage_client,
        log_since=log_start,
        whole_bucket=False,
    )
    detail = (
        f"{verdict.line()}; states {dict(verdict.states)}; "
        f"missing {dict(verdict.missing_because)}; 5xx {dict(verdict.answers_5xx)}; "
        f"gave up {dict(verdict.gave_up)}"
    )
    assert len(outcomes) == REQUESTS
    assert verdict.submitted == REQUESTS, detail
    assert verdict.completed == REQUESTS, detail
    assert (
        verdict.lost,
        verdict.duplicated,
        verdict.stuck,
        verdict.messages_missing,
        verdict.messages_duplicated,
        verdict.raw_uploads_left,
        verdict.http_500,
    ) == (0, 0, 0, 0, 0, 0, 0), detail
