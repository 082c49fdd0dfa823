"""Wiring the directory from settings (environment variables), for functions and commands.

SDP_SOURCE            local | gcs | http                 (default: local)
SDP_LOCAL_DIR         local snapshot store                 (default: .local/sdp; the local
                      stack writes its synthetic demo snapshot there)
SDP_BUCKET            Cloud Storage bucket for snapshots   (gcs)
SDP_POINTER_COLLECTION / SDP_POINTER_DOCUMENT              (default: sdp_snapshots/active)
SDP_RELOAD_SECONDS    how often an instance looks for a newer snapshot (default: 60)
SDP_SERVICE_URL, SDP_SERVICE_CREDENTIAL, SDP_SERVICE_TIMEOUT (http)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from shared.sdp_directory.snapshots import (
    ActiveSnapshotDirectory,
    BlobStore,
    LocalBlobStore,
    LocalPointerStore,
    PointerStore,
)
from shared.service_layer.ports import SdpDirectory


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
    source = env.get("SDP_SOURCE", "local")
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
    raise ValueError(f"unknown SDP_SOURCE {source!r} (local, gcs or http)")
