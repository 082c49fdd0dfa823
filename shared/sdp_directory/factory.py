"""Wiring the directory from settings (environment variables), for functions and commands.

SDP_SOURCE            demo | local | gcs | http          (default: demo)
SDP_DEMO_RECORDS      synthetic records for demo           (default: 2000)
SDP_DEMO_SEED         seed of the demo set                 (default: 2026)
SDP_LOCAL_DIR         local snapshot store                 (default: .local/sdp)
SDP_BUCKET            Cloud Storage bucket for snapshots   (gcs)
SDP_POINTER_COLLECTION / SDP_POINTER_DOCUMENT              (default: sdp_snapshots/active)
SDP_RELOAD_SECONDS    how often an instance looks for a newer snapshot (default: 60)
SDP_SERVICE_URL, SDP_SERVICE_CREDENTIAL, SDP_SERVICE_TIMEOUT (http)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from shared.sdp_directory.directory import SnapshotSdpDirectory
from shared.sdp_directory.index import build_index
from shared.sdp_directory.snapshots import (
    ActiveSnapshotDirectory,
    BlobStore,
    LocalBlobStore,
    LocalPointerStore,
    PointerStore,
)
from shared.service_layer.ports import SdpDirectory

DEMO_RECORDS = 2000
DEMO_SEED = 2026


@lru_cache(maxsize=4)
def demo_directory(records: int = DEMO_RECORDS, seed: int = DEMO_SEED) -> SnapshotSdpDirectory:
    """A directory over a deterministic synthetic set (no real people), for the local stack."""
    from shared.sdp_directory.synthetic import generate_records  # Faker only when asked

    return SnapshotSdpDirectory(
        build_index(generate_records(records, seed), source_name=f"demo-sintetis-{seed}")
    )


def snapshot_stores(env: Mapping[str, str] = os.environ) -> tuple[BlobStore, PointerStore]:
    source = env.get("SDP_SOURCE", "local")
    if source == "gcs":
        from google.cloud import firestore, storage

        from shared.sdp_directory.gcp import FirestorePointerStore, GcsBlobStore

        bucket = env.get("SDP_BUCKET")
        if not bucket:
            raise ValueError("SDP_BUCKET must be set when SDP_SOURCE=gcs")
        return (
            GcsBlobStore(storage.Client(), bucket),
            FirestorePointerStore(
                firestore.Client(),
                env.get("SDP_POINTER_COLLECTION", "sdp_snapshots"),
                env.get("SDP_POINTER_DOCUMENT", "active"),
            ),
        )
    root = Path(env.get("SDP_LOCAL_DIR", ".local/sdp"))
    return LocalBlobStore(root), LocalPointerStore(root / "active.json")


def directory_from_env(env: Mapping[str, str] = os.environ) -> SdpDirectory:
    source = env.get("SDP_SOURCE", "demo")
    if source == "demo":
        return demo_directory(
            int(env.get("SDP_DEMO_RECORDS", DEMO_RECORDS)), int(env.get("SDP_DEMO_SEED", DEMO_SEED))
        )
    if source in ("local", "gcs"):
        blobs, pointers = snapshot_stores(env)
        return ActiveSnapshotDirectory(
            blobs, pointers, check_every=float(env.get("SDP_RELOAD_SECONDS", 60))
        )
    if source == "http":
        from shared.sdp_directory.http_adapter import HttpSdpDirectory, HttpSdpSettings

        return HttpSdpDirectory(
            HttpSdpSettings(
                base_url=env["SDP_SERVICE_URL"],
                credential=env["SDP_SERVICE_CREDENTIAL"],
                timeout_seconds=float(env.get("SDP_SERVICE_TIMEOUT", 5.0)),
            )
        )
    raise ValueError(f"unknown SDP_SOURCE {source!r} (demo, local, gcs or http)")
