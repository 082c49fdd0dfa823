"""SDP snapshots on the emulators: index blobs in Cloud Storage, the active pointer in
Firestore, and an instance that picks up a newer import."""

from __future__ import annotations

import uuid

import pytest

from localdev.sdp.synthetic import generate_records
from shared.domain.sdp import SdpQuery, SdpUnavailable
from shared.sdp_directory.gcp import FirestorePointerStore, GcsBlobStore
from shared.sdp_directory.index import serialise
from shared.sdp_directory.snapshots import ActiveSnapshotDirectory, activate_snapshot

pytestmark = pytest.mark.integration


@pytest.fixture
def stores(storage_client, isolated_firestore):
    bucket = storage_client.create_bucket(f"sdp-test-{uuid.uuid4().hex[:10]}")
    return GcsBlobStore(storage_client, bucket.name), FirestorePointerStore(isolated_firestore)


def test_import_activates_and_a_reader_reloads_the_newer_snapshot(stores):
    blobs, pointers = stores
    assert pointers.read() is None
    directory = ActiveSnapshotDirectory(blobs, pointers, check_every=0)
    with pytest.raises(SdpUnavailable):
        directory.search(SdpQuery("Budi"))

    january = list(generate_records(120, seed=41))
    first = activate_snapshot(serialise(january, "januari.xlsx"), blobs, pointers)
    assert pointers.read() == first
    target = january[7]
    found = directory.search(SdpQuery(target.name), limit=3)
    assert found[0].registration_number == target.registration_number

    february = list(generate_records(80, seed=42))
    second = activate_snapshot(serialise(february, "februari.csv"), blobs, pointers)
    assert second.object_name != first.object_name
    assert blobs.get(first.object_name)  # the old snapshot is kept, not overwritten
    found = directory.search(SdpQuery(february[3].name), limit=3)
    assert found[0].registration_number == february[3].registration_number
    assert directory.active.source_name == "februari.csv"
    assert directory.active.record_count == 80


def test_a_missing_object_is_a_key_error(stores):
    blobs, _ = stores
    with pytest.raises(KeyError):
        blobs.get("sdp/snapshots/tidak-ada.sdpidx")
