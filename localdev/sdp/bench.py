"""Speed and size of the directory at national scale, cold start from Cloud Storage.

    python -m localdev.sdp.bench --records 100000
    python -m localdev.sdp.bench --records 1000000     # also measures 100k, prints the growth

Builds once (cached under .local/sdp-bench/, rebuilt when the index format changes) an index
blob of synthetic records and a query set. Then a fresh process does what a cold function
instance does: reads the blob from Cloud Storage (the local storage emulator, through the same
`GcsBlobStore` the lookup function uses), opens it and answers the first lookup; then answers
the query set warm. Resident memory is the process's peak (VmHWM), download included.
The last line is machine-readable: `records=… p50_ms=… p99_ms=… cold_start_s=… rss_mb=…
blob_mb=…`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

CACHE = Path(".local/sdp-bench")
GROWTH_BASE = 100_000
BUCKET = "sdp-bench"
TARGETS = {"p99_ms": 20.0, "rss_mb": 400.0, "blob_mb": 150.0, "cold_start_s": 2.0}


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process (VmHWM = the peak so far), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _paths(records: int, seed: int) -> tuple[Path, Path]:
    from shared.sdp_directory.index import FORMAT_VERSION

    stem = f"{records}-{seed}-v{FORMAT_VERSION}"
    return CACHE / f"index-{stem}.sdpidx", CACHE / f"queries-{stem}.json"


def build_fixture(records: int, seed: int, queries: int) -> None:
    """Runs in a child process so the records never weigh on the measured one."""
    import random

    from localdev.sdp.evaluate import labelled_queries
    from localdev.sdp.synthetic import generate_records
    from shared.sdp_directory.index import serialise

    started = time.perf_counter()
    data = list(generate_records(records, seed))
    generated = time.perf_counter()
    blob = serialise(data, source_name=f"sintetis-{records}-{seed}")
    built = time.perf_counter()
    present = int(queries * 0.8)
    sample = random.Random(seed).sample(data, min(len(data), 20_000))  # noqa: S311 - synthetic
    labelled = labelled_queries(sample, seed, present, queries - present)
    index_path, queries_path = _paths(records, seed)
    index_path.parent.mkdir(parents=True, exist_ok=True)
    index_path.write_bytes(blob)
    queries_path.write_text(
        json.dumps(
            [
                {
                    "name": q.query.prisoner_name,
                    "upt": q.query.upt,
                    "birth_date": q.query.birth_date.isoformat() if q.query.birth_date else None,
                }
                for q in labelled
            ]
        )
    )
    print(
        f"built fixture: generate {generated - started:.1f} s, index {built - generated:.1f} s, "
        f"blob {len(blob) / 1e6:.1f} MB -> {index_path}",
        flush=True,
    )


def _storage_client(endpoint: str):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    return storage.Client(
        project="sdp-bench",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": endpoint},
    )


def measure(records: int, seed: int, endpoint: str, object_name: str) -> dict:
    """The cold instance: runs in its own process (see `main`)."""
    import_started = time.perf_counter()
    from shared.domain.sdp import SdpQuery
    from shared.sdp_directory.directory import SnapshotSdpDirectory
    from shared.sdp_directory.gcp import GcsBlobStore
    from shared.sdp_directory.index import load_index

    imported = time.perf_counter()
    _, queries_path = _paths(records, seed)
    queries = [
        SdpQuery(
            prisoner_name=q["name"],
            upt=q["upt"],
            birth_date=date.fromisoformat(q["birth_date"]) if q["birth_date"] else None,
        )
        for q in json.loads(queries_path.read_text())
    ]
    store = GcsBlobStore(_storage_client(endpoint), BUCKET)
    baseline = rss_mb()
    cold_started = time.perf_counter()
    blob = store.get(object_name)
    read_s = time.perf_counter() - cold_started
    index = load_index(blob)
    directory = SnapshotSdpDirectory(index)
    opened_s = time.perf_counter() - cold_started - read_s
    directory.search(queries[0])
    cold_start_s = time.perf_counter() - cold_started
    after_load = rss_mb()

    for query in queries[:20]:  # the rest of the warm-up
        directory.search(query)
    timings = []
    for query in queries:
        started = time.perf_counter()
        directory.search(query)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "records": len(index),
        "vocabulary": len(index.vocab),
        "blob_mb": len(blob) / 1e6,
        "imports_s": imported - import_started,
        "read_s": read_s,
        "open_s": opened_s,
        "cold_start_s": cold_start_s,
        "rss_before_mb": baseline,
        "rss_after_open_mb": after_load,
        "rss_mb": rss_mb("VmHWM"),
        "lookups": len(timings),
        "mean_ms": statistics.fmean(timings),
        "p50_ms": statistics.median(timings),
        "p90_ms": timings[int(0.9 * len(timings)) - 1],
        "p99_ms": timings[math.ceil(0.99 * len(timings)) - 1],  # nearest rank
        "max_ms": timings[-1],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_emulator() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    executable = Path(sys.executable).with_name("gcp-storage-emulator")
    process = subprocess.Popen(
        [
            str(executable),
            "start",
            "--host=127.0.0.1",
            f"--port={port}",
            "--in-memory",
            f"--default-bucket={BUCKET}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{endpoint}/storage/v1/b", timeout=1)  # noqa: S310 - local
            return process, endpoint
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("storage emulator did not start")


def _run(records: int, seed: int, queries: int, rebuild: bool, endpoint: str) -> dict:
    index_path, queries_path = _paths(records, seed)
    if rebuild or not index_path.exists() or not queries_path.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "localdev.sdp.bench",
                "--build-only",
                "--records",
                str(records),
                "--seed",
                str(seed),
                "--queries",
                str(queries),
            ],
            check=True,
        )
    from shared.sdp_directory.gcp import GcsBlobStore

    object_name = f"sdp/snapshots/bench-{index_path.stem}.sdpidx"
    # upload from a child too: the parent stays small and holds no blob
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from localdev.sdp.bench import _upload; "
            "_upload(*sys.argv[1:])",
            endpoint,
            str(index_path),
            object_name,
        ],
        check=True,
    )
    del GcsBlobStore
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "localdev.sdp.bench",
            "--measure-only",
            "--records",
            str(records),
            "--seed",
            str(seed),
            "--endpoint",
            endpoint,
            "--object",
            object_name,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _upload(endpoint: str, path: str, object_name: str) -> None:
    from shared.sdp_directory.gcp import GcsBlobStore

    store = GcsBlobStore(_storage_client(endpoint), BUCKET)
    try:
        store.put(object_name, Path(path).read_bytes())
    except Exception as error:  # already there from an earlier round of this run
        if "412" not in str(error) and "Precondition" not in str(error):
            raise


def _report(result: dict) -> None:
    r = result
    print(
        f"\n{r['records']:,} records (vocabulary {r['vocabulary']:,} words), "
        f"index blob {r['blob_mb']:.1f} MB"
    )
    print(
        f"  cold start {r['cold_start_s']:.2f} s = read from storage emulator {r['read_s']:.2f} s"
        f" + open {r['open_s']:.3f} s + first answer (imports before: {r['imports_s']:.2f} s)"
    )
    print(
        f"  memory: {r['rss_before_mb']:.0f} MB before reading, {r['rss_after_open_mb']:.0f} MB "
        f"open, peak {r['rss_mb']:.0f} MB"
    )
    print(
        f"  {r['lookups']} lookups: mean {r['mean_ms']:.2f} ms, p50 {r['p50_ms']:.2f}, "
        f"p90 {r['p90_ms']:.2f}, p99 {r['p99_ms']:.2f}, max {r['max_ms']:.2f} ms"
    )
    verdicts = [
        f"{key} {r[key]:.2f} {'<=' if r[key] <= limit else '>'} {limit:g}"
        for key, limit in TARGETS.items()
    ]
    print("  targets: " + ", ".join(verdicts))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--object", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_only:
        build_fixture(args.records, args.seed, args.queries)
        return
    if args.measure_only:
        print(json.dumps(measure(args.records, args.seed, args.endpoint, args.object)))
        return

    sizes = [args.records]
    if args.records > GROWTH_BASE:
        sizes.insert(0, GROWTH_BASE)
    emulator, endpoint = _start_emulator()
    try:
        results = [_run(n, args.seed, args.queries, args.rebuild, endpoint) for n in sizes]
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    for result in results:
        _report(result)
    if len(results) == 2:
        small, big = results
        factor = big["records"] / small["records"]
        print(f"\ngrowth {small['records']:,} -> {big['records']:,} records (x{factor:.0f}):")
        for key in ("blob_mb", "vocabulary", "cold_start_s", "rss_mb", "p50_ms", "p99_ms"):
            print(
                f"  {key:13s} {small[key]:10.2f} -> {big[key]:10.2f}"
                f"  (x{big[key] / small[key]:.2f})"
            )
    last = results[-1]
    print(
        f"records={last['records']} p50_ms={last['p50_ms']:.2f} p99_ms={last['p99_ms']:.2f} "
        f"cold_start_s={last['cold_start_s']:.3f} rss_mb={last['rss_mb']:.0f} "
        f"blob_mb={last['blob_mb']:.1f}"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
