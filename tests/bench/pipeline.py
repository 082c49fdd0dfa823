"""Pipeline benchmark (`make bench`): submit latency and throughput against a trivial echo
function served the same way, and the time from a finished KTP upload to "awaiting operator".

Starts its own local stack on free ports, so it can run beside `make dev`. The last line is
machine-readable: submit_p50_ms=… submit_p99_ms=… echo_p99_ms=… ratio_p99=…
upload_to_operator_median_ms=… lost=…
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests

from localdev.stack import LocalStack, StackConfig
from tests.samples import form_payload, jpeg_bytes

RESULTS = Path(__file__).resolve().parents[2] / "bench-results"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_clients(url: str, payloads: list[dict], clients: int) -> tuple[list[float], list, float]:
    """POST every payload with `clients` concurrent keep-alive clients; latencies in ms."""
    sessions = threading.local()
    latencies: list[float] = []
    answers: list = []
    lock = threading.Lock()

    def one(payload: dict):
        session = getattr(sessions, "session", None)
        if session is None:
            session = sessions.session = requests.Session()
        started = time.perf_counter()
        response = session.post(url, json=payload, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            answers.append((response.status_code, response.json()))

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, payloads))
    return latencies, answers, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--uploads",
        type=int,
        default=40,
        help="uploads one after another: the latency a requester sees",
    )
    parser.add_argument(
        "--burst",
        type=int,
        default=100,
        help="then this many uploads at once: how the local queue drains",
    )
    parser.add_argument("--burst-clients", type=int, default=4)
    args = parser.parse_args(argv)

    today = (datetime.now(UTC) + timedelta(hours=7)).date()
    photo = jpeg_bytes(width=1200, height=760)
    with tempfile.TemporaryDirectory() as state:
        stack = LocalStack(
            StackConfig.on_free_ports(Path(state), with_echo=True, demo_sdp_records=2000)
        )
        print("starting the stack…", flush=True)
        # A killed benchmark still stops its stack (the finally below runs on SystemExit).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        stack.start()
        os.environ["FIRESTORE_EMULATOR_HOST"] = stack.firestore_host
        try:
            return _measure(stack, args, today, photo)
        finally:
            stack.stop()


def _payloads(count: int, today: date, size: int) -> list[dict]:
    return [
        form_payload(today, ktp_size=size, idempotency_key=uuid.uuid4().hex) for _ in range(count)
    ]


def _measure(stack: LocalStack, args, today: date, photo: bytes) -> int:
    submit_url = f"{stack.site_url}/api/submit"
    echo_url = f"{stack.site_url}/api/echo"

    # Warm both paths (first requests build clients and connections).
    run_clients(submit_url, _payloads(40, today, len(photo)), args.clients)
    run_clients(echo_url, _payloads(40, today, len(photo)), args.clients)

    echo_latencies, _, echo_seconds = run_clients(
        echo_url, _payloads(args.submissions, today, len(photo)), args.clients
    )
    submit_latencies, answers, submit_seconds = run_clients(
        submit_url, _payloads(args.submissions, today, len(photo)), args.clients
    )
    created = [body for status, body in answers if status == 201]
    failed_submits = len(answers) - len(created)

    upload_ms, lost_uploads = _uploads(stack, created[: args.uploads], photo, clients=1)
    burst_ms, lost_burst = _uploads(
        stack, created[args.uploads : args.uploads + args.burst], photo, args.burst_clients
    )

    figures = {
        "submissions": len(submit_latencies),
        "clients": args.clients,
        "submit_p50_ms": round(percentile(submit_latencies, 50), 1),
        "submit_p99_ms": round(percentile(submit_latencies, 99), 1),
        "submit_rps": round(len(submit_latencies) / submit_seconds, 1),
        "echo_p50_ms": round(percentile(echo_latencies, 50), 1),
        "echo_p99_ms": round(percentile(echo_latencies, 99), 1),
        "echo_rps": round(len(echo_latencies) / echo_seconds, 1),
        "uploads": len(upload_ms),
        "upload_to_operator_median_ms": round(statistics.median(upload_ms), 1) if upload_ms else -1,
        "upload_to_operator_p90_ms": round(percentile(upload_ms, 90), 1) if upload_ms else -1,
        "burst_uploads": len(burst_ms),
        "burst_to_operator_median_ms": round(statistics.median(burst_ms), 1) if burst_ms else -1,
        "burst_to_operator_max_ms": round(max(burst_ms), 1) if burst_ms else -1,
        "lost": failed_submits + lost_uploads + lost_burst,
    }
    figures["ratio_p99"] = round(figures["submit_p99_ms"] / figures["echo_p99_ms"], 2)

    print()
    print(f"{'':28}{'p50 ms':>10}{'p99 ms':>10}{'req/s':>10}")
    print(
        f"{'submit':28}{figures['submit_p50_ms']:>10}{figures['submit_p99_ms']:>10}"
        f"{figures['submit_rps']:>10}"
    )
    print(
        f"{'echo (same server)':28}{figures['echo_p50_ms']:>10}{figures['echo_p99_ms']:>10}"
        f"{figures['echo_rps']:>10}"
    )
    print(
        f"{args.submissions} submissions, {args.clients} concurrent clients; "
        f"submit/echo p99 = {figures['ratio_p99']}"
    )
    print(
        f"upload → awaiting operator over {len(upload_ms)} uploads: median "
        f"{figures['upload_to_operator_median_ms']} ms, "
        f"p90 {figures['upload_to_operator_p90_ms']} ms"
    )
    print(
        f"burst of {len(burst_ms)} uploads from {args.burst_clients} clients: median "
        f"{figures['burst_to_operator_median_ms']} ms, last {figures['burst_to_operator_max_ms']}"
        " ms (the local Tasks emulator dispatches one task at a time)"
    )
    print(
        f"lost: {figures['lost']} (failed submits {failed_submits}, "
        f"uploads that never reached the operator {lost_uploads + lost_burst})"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pipeline.json").write_text(json.dumps(figures, indent=2))
    keys = [
        "submit_p50_ms",
        "submit_p99_ms",
        "echo_p99_ms",
        "ratio_p99",
        "upload_to_operator_median_ms",
        "lost",
    ]
    print(" ".join(f"{key}={figures[key]}" for key in keys))
    return 0


def _uploads(stack: LocalStack, created: list[dict], photo: bytes, clients: int):
    """PUT each KTP; the time from the PUT's completion to the request's entry into
    awaiting_operator (as stamped by the lookup function) in ms."""
    from google.cloud import firestore

    db = firestore.Client(project=stack.config.project)
    finished: dict[str, datetime] = {}

    def put(body: dict) -> None:
        instruction = body["upload"]
        response = requests.put(
            instruction["url"], data=photo, headers=instruction["headers"], timeout=30
        )
        if response.status_code == 200:
            finished[body["request_id"]] = datetime.now(UTC)
            if clients == 1:  # one requester at a time: wait for this one before the next
                _wait_for_operator(db, body["request_id"])

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(put, created))

    durations: list[float] = []
    pending = set(finished)
    deadline = time.monotonic() + 120
    while pending and time.monotonic() < deadline:
        for request_id in list(pending):
            doc = db.collection("requests").document(request_id).get().to_dict()
            if doc["status"] == "awaiting_operator":
                reached = doc["status_entered_at"]
                durations.append((reached - finished[request_id]).total_seconds() * 1000)
                pending.discard(request_id)
        time.sleep(0.2)
    lost = len(pending) + (len(created) - len(finished))
    return durations, lost


def _wait_for_operator(db, request_id: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = db.collection("requests").document(request_id).get().to_dict()
        if doc["status"] == "awaiting_operator":
            return
        time.sleep(0.02)


if __name__ == "__main__":
    raise SystemExit(main())
