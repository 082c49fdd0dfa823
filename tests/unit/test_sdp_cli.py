from localdev.sdp.synthetic import generate_records
from shared.domain.sdp import SdpQuery
from shared.sdp_directory import cli
from shared.sdp_directory.factory import directory_from_env
from shared.sdp_directory.importer import write_csv
from shared.sdp_directory.snapshots import ActiveSnapshotDirectory, LocalPointerStore


def test_import_replaces_the_active_snapshot_and_bad_files_import_nothing(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("SDP_SOURCE", "local")
    monkeypatch.setenv("SDP_LOCAL_DIR", str(tmp_path / "sdp"))
    records = list(generate_records(40, seed=5))
    good = tmp_path / "ekspor-maret.csv"
    good.write_bytes(write_csv(records))
    assert cli.main(["import", str(good)]) == 0
    pointer = LocalPointerStore(tmp_path / "sdp" / "active.json").read()
    assert (pointer.source_name, pointer.record_count) == ("ekspor-maret.csv", 40)

    bad = tmp_path / "ekspor-april.csv"
    bad.write_bytes(write_csv(records[:5]).replace(b"narapidana", b"penjahat", 1))
    capsys.readouterr()
    assert cli.main(["import", str(bad)]) == 1
    output = capsys.readouterr().out
    assert "kolom status" in output and "TIDAK ADA yang diimpor" in output
    assert LocalPointerStore(tmp_path / "sdp" / "active.json").read() == pointer

    assert cli.main(["import", str(bad), "--skip-invalid-rows"]) == 0
    assert LocalPointerStore(tmp_path / "sdp" / "active.json").read().record_count == 4
    assert cli.main(["status"]) == 0


def test_directory_from_env_modes(tmp_path):
    # The local stack's demo set is an ordinary snapshot, read through the local source.
    from localdev.sdp.demo import ensure_demo_snapshot

    ensure_demo_snapshot(tmp_path / "demo", 50)
    demo = directory_from_env({"SDP_SOURCE": "local", "SDP_LOCAL_DIR": str(tmp_path / "demo")})
    first = next(iter(generate_records(50, seed=2026)))
    assert demo.search(SdpQuery(first.name))[0].registration_number == first.registration_number
    local = directory_from_env({"SDP_SOURCE": "local", "SDP_LOCAL_DIR": str(tmp_path)})
    assert isinstance(local, ActiveSnapshotDirectory)
