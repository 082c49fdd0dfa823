import threading
from datetime import UTC, datetime

import pytest

from shared.domain.sdp import SdpQuery, SdpUnavailable
from shared.sdp_directory.index import IndexFormatError, serialise
from shared.sdp_directory.records import CustodyStatus, SdpRecord
from shared.sdp_directory.snapshots import (
    ActiveSnapshotDirectory,
    LocalBlobStore,
    LocalPointerStore,
    MemoryBlobStore,
    MemoryPointerStore,
    activate_snapshot,
)


def snapshot(*names: str, source: str) -> bytes:
    records = [
        SdpRecord(f"B.I {i}/2025", name, "Lapas Kelas IIA Serang", CustodyStatus.NARAPIDANA)
        for i, name in enumerate(names)
    ]
    return serialise(records, source_name=source)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_activation_records_file_time_and_count_and_never_overwrites():
    blobs, pointers = MemoryBlobStore(), MemoryPointerStore()
    at = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    first = activate_snapshot(
        snapshot("Budi Santoso", source="januari.xlsx"), blobs, pointers, now=lambda: at
    )
    assert pointers.read() == first
    assert (first.source_name, first.record_count) == ("januari.xlsx", 1)
    assert first.imported_at == "2026-01-05T09:30:00+00:00"
    second = activate_snapshot(
        snapshot("Siti Aminah", "Joko", source="februari.csv"), blobs, pointers
    )
    assert second.object_name != first.object_name
    assert set(blobs.objects) == {first.object_name, second.object_name}
    with pytest.raises(IndexFormatError):
        activate_snapshot(b"garbage", blobs, pointers)
    assert pointers.read() == second


def test_reader_switches_to_a_newer_snapshot_as_a_whole():
    blobs, pointers, clock = MemoryBlobStore(), MemoryPointerStore(), FakeClock()
    directory = ActiveSnapshotDirectory(blobs, pointers, check_every=60, clock=clock)
    with pytest.raises(SdpUnavailable):
        directory.search(SdpQuery("Budi Santoso"))

    activate_snapshot(snapshot("Budi Santoso", source="lama.csv"), blobs, pointers)
    assert directory.search(SdpQuery("Budi Santoso"))[0].name == "Budi Santoso"

    activate_snapshot(snapshot("Siti Aminah", source="baru.csv"), blobs, pointers)
    clock.now = 30  # not yet due: still the old snapshot, whole
    assert directory.active.source_name == "lama.csv"
    assert directory.search(SdpQuery("Budi Santoso"))[0].name == "Budi Santoso"
    clock.now = 61
    assert directory.search(SdpQuery("Budi Santoso")) == []
    assert directory.search(SdpQuery("Siti Aminah"))[0].name == "Siti Aminah"
    assert directory.active.source_name == "baru.csv"


def test_a_broken_new_snapshot_keeps_the_old_one_serving():
    blobs, pointers, clock = MemoryBlobStore(), MemoryPointerStore(), FakeClock()
    directory = ActiveSnapshotDirectory(blobs, pointers, check_every=1, clock=clock)
    activate_snapshot(snapshot("Budi Santoso", source="lama.csv"), blobs, pointers)
    directory.search(SdpQuery("Budi"))
    good = pointers.read()
    pointers.write(type(good)(**{**good.to_dict(), "snapshot_id": "x", "object_name": "hilang"}))
    clock.now = 5
    assert directory.search(SdpQuery("Budi Santoso"))[0].name == "Budi Santoso"
    assert directory.active.snapshot_id == good.snapshot_id


def test_a_missing_blob_on_a_cold_instance_is_unavailable():
    blobs, pointers = MemoryBlobStore(), MemoryPointerStore()
    activate_snapshot(snapshot("Budi", source="a.csv"), blobs, pointers)
    blobs.objects.clear()
    with pytest.raises(SdpUnavailable):
        ActiveSnapshotDirectory(blobs, pointers).search(SdpQuery("Budi"))


def test_local_stores_and_concurrent_readers_see_old_or_new(tmp_path):
    blobs = LocalBlobStore(tmp_path)
    pointers = LocalPointerStore(tmp_path / "active.json")
    old_names = [f"Budi Santoso{i}" for i in range(3)]
    activate_snapshot(snapshot(*old_names, source="lama.csv"), blobs, pointers)
    directory = ActiveSnapshotDirectory(blobs, pointers, check_every=0)
    seen: set[tuple[str, ...]] = set()
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            found = directory.search(SdpQuery("Budi Santoso"), limit=10)
            seen.add(tuple(sorted(c.registration_number for c in found)))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for _ in range(5):
        activate_snapshot(snapshot("Budi Santoso", source="baru.csv"), blobs, pointers)
        activate_snapshot(snapshot(*old_names, source="lama.csv"), blobs, pointers)
    stop.set()
    for thread in threads:
        thread.join()
    # three records from the old file, or one from the new: never a blend of both
    assert seen <= {("B.I 0/2025", "B.I 1/2025", "B.I 2/2025"), ("B.I 0/2025",)}
    assert pointers.read().source_name == "lama.csv"
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
