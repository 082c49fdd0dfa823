"""Speed and size of the directory at national scale.

    python -m localdev.sdp.bench --records 300000

Builds (once, cached under .local/sdp-bench/) an index of synthetic records and a set of
queries, then — in this process, which has never seen the records — measures what a cold
function instance does: load the index blob, answer lookups warm, and how much memory it
holds. The last line is machine-readable:
`records=… p50_ms=… p99_ms=… load_s=… rss_mb=…`.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

CACHE = Path(".local/sdp-bench")


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process (VmHWM = the peak so far), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


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


def _paths(records: int, seed: int) -> tuple[Path, Path]:
    return CACHE / f"index-{records}-{seed}.sdpidx", CACHE / f"queries-{records}-{seed}.json"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    index_path, queries_path = _paths(args.records, args.seed)
    if args.build_only:
        build_fixture(args.records, args.seed, args.queries)
        return
    if args.rebuild or not index_path.exists() or not queries_path.exists():
        command = [
            sys.executable,
            "-m",
            "localdev.sdp.bench",
            "--build-only",
            "--records",
            str(args.records),
            "--seed",
            str(args.seed),
            "--queries",
            str(args.queries),
        ]
        subprocess.run(command, check=True)

    import_started = time.perf_counter()
    from shared.domain.sdp import SdpQuery
    from shared.sdp_directory.directory import SnapshotSdpDirectory
    from shared.sdp_directory.index import load_index

    imported = time.perf_counter()
    baseline = rss_mb()
    load_started = time.perf_counter()
    index = load_index(index_path.read_bytes())
    directory = SnapshotSdpDirectory(index)
    load_s = time.perf_counter() - load_started
    after_load = rss_mb()

    queries = [
        SdpQuery(
            prisoner_name=q["name"],
            upt=q["upt"],
            birth_date=date.fromisoformat(q["birth_date"]) if q["birth_date"] else None,
        )
        for q in json.loads(queries_path.read_text())
    ]
    for query in queries[:20]:  # warm the instance
        directory.search(query)
    timings = []
    for query in queries:
        started = time.perf_counter()
        directory.search(query)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[math.ceil(0.99 * len(timings)) - 1]  # nearest rank
    peak = rss_mb("VmHWM")
    print(
        f"index blob: {index_path.stat().st_size / 1e6:.1f} MB, records {len(index)}, "
        f"vocabulary {len(index.vocab)} words"
    )
    print(f"imports: {imported - import_started:.2f} s (not part of load_s)")
    print(
        f"load: {load_s:.3f} s; RSS before load {baseline:.0f} MB, after {after_load:.0f} MB, "
        f"peak {peak:.0f} MB"
    )
    print(
        f"{len(timings)} lookups: mean {statistics.fmean(timings):.2f} ms, p50 {p50:.2f} ms, "
        f"p90 {timings[int(0.9 * len(timings)) - 1]:.2f} ms, p99 {p99:.2f} ms, "
        f"max {timings[-1]:.2f} ms"
    )
    print(
        f"records={len(index)} p50_ms={p50:.2f} p99_ms={p99:.2f} load_s={load_s:.3f} "
        f"rss_mb={peak:.0f}"
    )


if __name__ == "__main__":
    main()
