import pytest

from localdev.sdp.synthetic import generate_records
from shared.domain.sdp import SdpQuery
from shared.sdp_directory.directory import SnapshotSdpDirectory
from shared.sdp_directory.index import IndexFormatError, load_index, read_info, serialise


def test_round_trip_keeps_every_record_and_the_source():
    records = list(generate_records(300, seed=3))
    blob = serialise(records, source_name="ekspor-januari.xlsx")
    index = load_index(blob)
    assert len(index) == 300
    assert index.info.source_name == "ekspor-januari.xlsx"
    assert read_info(blob)["record_count"] == 300
    for position in (0, 63, 64, 299):
        assert index.record(position) == records[position]
        assert index.record(position).remissions == records[position].remissions


def test_lookup_after_reload_finds_the_same_person():
    records = list(generate_records(200, seed=4))
    directory = SnapshotSdpDirectory(load_index(serialise(records)))
    target = records[17]
    top = directory.search(SdpQuery(target.name), limit=3)
    assert target.registration_number in [c.registration_number for c in top]


def test_foreign_or_newer_blobs_are_refused():
    with pytest.raises(IndexFormatError):
        load_index(b"not an index at all")
    blob = bytearray(serialise(list(generate_records(5, seed=1))))
    blob[6] = 99  # format version
    with pytest.raises(IndexFormatError):
        load_index(bytes(blob))


def test_an_empty_snapshot_is_valid_and_finds_nothing():
    directory = SnapshotSdpDirectory(load_index(serialise([])))
    assert directory.search(SdpQuery("Budi")) == []
