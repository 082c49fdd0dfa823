"""Snapshots of the directory: stored as versioned index blobs, one of them *active*.

An import writes a new blob under a name of its own, then moves the "active" pointer to it in
one write. A reader holds one loaded index at a time and swaps it for a newer one as a whole,
so a lookup sees the old snapshot or the new one, never a mix. Blobs are never overwritten.

Two small ports keep storage out of the core: `BlobStore` (the index objects) and
`PointerStore` (which snapshot is active). Local implementations live here; Google Cloud
ones (Cloud Storage + Firestore) in `shared.sdp_directory.gcp`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from shared.domain.sdp import SdpCandidate, SdpQuery, SdpUnavailable
from shared.sdp_directory.directory import SnapshotSdpDirectory
from shared.sdp_directory.index import FORMAT_VERSION, load_index, read_info
from shared.sdp_directory.matching import MatchPolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnapshotPointer:
    snapshot_id: str
    object_name: str
    source_name: str | None
    imported_at: str  # ISO 8601, UTC
    record_count: int
    format_version: int = FORMAT_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SnapshotPointer:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class BlobStore(Protocol):
    def put(self, object_name: str, data: bytes) -> None:
        """Store a new object; the name is never reused."""

    def get(self, object_name: str) -> bytes:
        """The object's bytes; raises KeyError if it does not exist."""


class PointerStore(Protocol):
    def read(self) -> SnapshotPointer | None: ...

    def write(self, pointer: SnapshotPointer) -> None:
        """Replace the active pointer in one atomic write."""


# --- local implementations -------------------------------------------------------------------


class LocalBlobStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def put(self, object_name: str, data: bytes) -> None:
        path = self.root / object_name
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, data)

    def get(self, object_name: str) -> bytes:
        try:
            return (self.root / object_name).read_bytes()
        except FileNotFoundError:
            raise KeyError(object_name) from None


class LocalPointerStore:
    """The pointer as a small JSON file, replaced with os.replace (atomic on POSIX)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def read(self) -> SnapshotPointer | None:
        try:
            return SnapshotPointer.from_dict(json.loads(self.path.read_text()))
        except FileNotFoundError:
            return None

    def write(self, pointer: SnapshotPointer) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.path, json.dumps(pointer.to_dict(), indent=2).encode())


class MemoryBlobStore:
    def __init__(self):
        self.objects: dict[str, bytes] = {}

    def put(self, object_name: str, data: bytes) -> None:
        self.objects[object_name] = data

    def get(self, object_name: str) -> bytes:
        return self.objects[object_name]


class MemoryPointerStore:
    def __init__(self):
        self.pointer: SnapshotPointer | None = None

    def read(self) -> SnapshotPointer | None:
        return self.pointer

    def write(self, pointer: SnapshotPointer) -> None:
        self.pointer = pointer


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- activation ------------------------------------------------------------------------------


def activate_snapshot(
    blob: bytes,
    blobs: BlobStore,
    pointers: PointerStore,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SnapshotPointer:
    """Store the index blob as a new snapshot and make it the active one."""
    info = read_info(blob)  # refuses anything that is not an index this code can read
    imported_at = now()
    digest = hashlib.sha256(blob).hexdigest()[:12]
    snapshot_id = f"{imported_at:%Y%m%dT%H%M%S%fZ}-{digest}"
    object_name = f"sdp/snapshots/{snapshot_id}.sdpidx"
    blobs.put(object_name, blob)
    pointer = SnapshotPointer(
        snapshot_id=snapshot_id,
        object_name=object_name,
        source_name=info.get("source_name"),
        imported_at=imported_at.isoformat(timespec="seconds"),
        record_count=info["record_count"],
        format_version=info["format_version"],
    )
    pointers.write(pointer)  # the switch: one write
    return pointer


class ActiveSnapshotDirectory:
    """`SdpDirectory` over whatever snapshot is active, loaded once per instance and reloaded
    when a newer one is activated (checked at most every `check_every` seconds)."""

    def __init__(
        self,
        blobs: BlobStore,
        pointers: PointerStore,
        check_every: float = 60.0,
        policy: MatchPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._blobs = blobs
        self._pointers = pointers
        self._check_every = check_every
        self._policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._current: tuple[SnapshotPointer, SnapshotSdpDirectory] | None = None
        self._checked_at: float | None = None

    @property
    def active(self) -> SnapshotPointer | None:
        current = self._current
        return current[0] if current else None

    def search(self, query: SdpQuery, limit: int = 5) -> list[SdpCandidate]:
        current = self._refresh()
        return current[1].search(query, limit)

    def _refresh(self) -> tuple[SnapshotPointer, SnapshotSdpDirectory]:
        current = self._current
        due = self._checked_at is None or self._clock() - self._checked_at >= self._check_every
        if current is not None and not due:
            return current
        with self._lock:
            current = self._current
            checked = self._checked_at
            recently = checked is not None and self._clock() - checked < self._check_every
            if current is not None and recently:  # another thread has just checked
                return current
            try:
                pointer = self._pointers.read()
                if pointer is None:
                    raise SdpUnavailable("belum ada data SDP yang diimpor")
                if current is None or current[0].snapshot_id != pointer.snapshot_id:
                    index = load_index(self._blobs.get(pointer.object_name))
                    current = (pointer, SnapshotSdpDirectory(index, self._policy))
                    self._current = current  # one reference swap: old or new, never a mix
                    log.info(
                        "SDP snapshot %s loaded (%d records from %s)",
                        pointer.snapshot_id,
                        pointer.record_count,
                        pointer.source_name,
                    )
            except SdpUnavailable:
                if current is None:
                    raise
                log.warning("SDP pointer unreadable; keeping snapshot %s", current[0].snapshot_id)
            except Exception as error:
                if current is None:
                    raise SdpUnavailable(f"snapshot SDP tidak dapat dimuat: {error}") from error
                log.warning(
                    "SDP snapshot reload failed (%s); keeping %s", error, current[0].snapshot_id
                )
            self._checked_at = self._clock()
            return current
