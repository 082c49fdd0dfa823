"""The local stack's demo SDP directory: a deterministic synthetic set (never real people),
written as an ordinary snapshot, so the lookup function reads it through the same code path
(`SDP_SOURCE=local`) the office's own imports take."""

from __future__ import annotations

from pathlib import Path

from localdev.sdp.synthetic import generate_records
from shared.sdp_directory.index import serialise
from shared.sdp_directory.snapshots import LocalBlobStore, LocalPointerStore, activate_snapshot

DEMO_SEED = 2026


def demo_source_name(records: int, seed: int = DEMO_SEED) -> str:
    return f"demo-sintetis-{seed}-{records}"


def ensure_demo_snapshot(root: Path, records: int, seed: int = DEMO_SEED) -> None:
    """Activate the demo set unless a snapshot is already active there (an import the
    developer made, or the demo of an earlier start)."""
    pointers = LocalPointerStore(Path(root) / "active.json")
    if pointers.read() is not None:
        return
    blob = serialise(generate_records(records, seed), source_name=demo_source_name(records, seed))
    activate_snapshot(blob, LocalBlobStore(root), pointers)
