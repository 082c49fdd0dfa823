from datetime import date

import pytest

from localdev.sdp.synthetic import generate_records
from shared.sdp_directory.importer import (
    parse_date,
    parse_remission_history,
    read_export,
    write_csv,
    write_xlsx,
)
from shared.sdp_directory.records import Period, RemissionKind

HEADER = "nomor_registrasi,nama,alias,upt,status,tanggal_lahir,riwayat_remisi,total_remisi\n"


@pytest.mark.parametrize(
    "text", ["09-07-1990", "9/7/1990", "09.07.1990", "1990-07-09", "1990-07-09 00:00:00"]
)
def test_dates_in_the_formats_offices_write(text):
    assert parse_date(text) == date(1990, 7, 9)


@pytest.mark.parametrize("text", ["31-02-1990", "1990/07/09", "9 Juli 1990", "07-1990"])
def test_impossible_or_unknown_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_remission_history_column():
    entries = parse_remission_history(
        "2023|RK|Idul Fitri|I|1 bulan|W11-1.PK.01.01.02 Tahun 2023; 2023|RU||I|2 bulan 15 hari|"
    )
    assert [e.kind for e in entries] == [RemissionKind.KHUSUS, RemissionKind.UMUM]
    assert entries[0].holiday == "Idul Fitri"
    assert entries[1].amount == Period(2, 15)
    assert entries[1].decree_number is None
    with pytest.raises(ValueError, match="hari raya"):
        parse_remission_history("2023|RK||I|1 bulan|SK-1")
    with pytest.raises(ValueError, match="6 bagian"):
        parse_remission_history("2023|RU|1 bulan")


def test_synthetic_records_survive_csv_and_xlsx_round_trips():
    records = list(generate_records(60, seed=8))
    for data, name in ((write_csv(records), "ekspor.csv"), (write_xlsx(records), "ekspor.xlsx")):
        result = read_export(data, name)
        assert result.errors == []
        assert result.records == records


def test_semicolon_csv_from_indonesian_excel():
    data = (
        "Nomor Registrasi;Nama;UPT;Status;Tanggal Lahir\n"
        "B.I 1/2024;Budi Santoso;Lapas Kelas IIA Serang;Narapidana;03/02/1988\n"
    ).encode("cp1252")
    result = read_export(data, "ekspor.csv")
    assert result.errors == []
    assert result.records[0].birth_date == date(1988, 2, 3)


def test_every_bad_row_is_reported_by_row_and_column():
    data = (
        HEADER
        + "B.I 1/2024,Budi,,Lapas Serang,narapidana,31-02-1990,,\n"
        + ",Siti,,Lapas Serang,napi,,,\n"
        + "B.I 3/2024,Ahmad,,Lapas Serang,penjahat,,,\n"
        + "B.I 4/2024,Joko,,Lapas Serang,narapidana,,2023|RU||I|2 minggu|,\n"
        + "B.I 1/2024,Budi Dua,,Lapas Serang,narapidana,,,\n"
        + "B.I 6/2024,Tono,,Lapas Serang,narapidana,,2023|RU||I|2 bulan|,3 bulan\n"
    ).encode()
    result = read_export(data, "ekspor.csv")
    problems = {(p.row, p.column) for p in result.errors}
    assert problems == {
        (2, "tanggal_lahir"),
        (3, "nomor_registrasi"),
        (4, "status"),
        (5, "riwayat_remisi"),
        (6, "nomor_registrasi"),
    }
    assert [r.registration_number for r in result.records] == ["B.I 6/2024"]
    assert [(w.row, w.column) for w in result.warnings] == [(7, "total_remisi")]
    assert str(result.errors[0]).startswith("Baris 2, kolom tanggal_lahir:")
    assert any(p.row == 6 and "sama dengan baris 2" in p.message for p in result.errors)


def test_unusable_files_are_refused_as_a_whole():
    missing = read_export(b"nama,upt\nBudi,Lapas Serang\n", "ekspor.csv")
    assert missing.file_unusable
    assert {p.column for p in missing.errors} == {"nomor_registrasi", "status"}
    assert read_export(b"", "ekspor.csv").file_unusable
    assert read_export(HEADER.encode(), "ekspor.csv").file_unusable  # header only
    assert read_export(b"PK\x03\x04 broken", "ekspor.xlsx").file_unusable
    assert read_export(b"whatever", "ekspor.pdf").file_unusable
