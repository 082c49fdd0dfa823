from datetime import date

import pytest

from localdev.sdp.synthetic import generate_records
from shared.domain.sdp import SdpQuery, SdpUnavailable
from shared.sdp_directory import names
from shared.sdp_directory.directory import EmptySdpDirectory, SnapshotSdpDirectory
from shared.sdp_directory.index import build_index
from shared.sdp_directory.records import CustodyStatus, SdpRecord


def person(registration: str, name: str, **fields) -> SdpRecord:
    fields.setdefault("upt", "Lapas Kelas IIA Serang")
    fields.setdefault("status", CustodyStatus.NARAPIDANA)
    return SdpRecord(registration_number=registration, name=name, **fields)


KNOWN = [
    person("B.I 1/2024", "H. Moch. Joesoef bin Achmad, S.H.", birth_date=date(1970, 5, 1)),
    person(
        "B.I 2/2024",
        "Budi Santoso",
        aliases=("Gondrong",),
        upt="Rutan Kelas IIB Pandeglang",
        birth_date=date(1988, 2, 3),
    ),
    person("B.I 3/2024", "Budi Santosa Wibowo", birth_date=date(1990, 7, 9)),
    person("B.I 4/2024", "Siti Nurhayati binti Slamet", sex="P"),
    person("B.I 5/2024", "Djoko Tjahjono"),
    person("B.I 6/2024", "Sukarno"),
    person("B.I 7/2024", "Rahim Saputra"),
    person("B.I 8/2024", "Abdurrahman Siregar"),
    person("B.I 9/2024", "Fauzi Hidayat"),
    person("B.I 10/2024", "Yanto Wibowo", aliases=("Si Belang",)),
    *(
        person(f"B.I {11 + i}/2024", name, aliases=("Ucok",), upt=upt)
        for i, (name, upt) in enumerate(
            (
                ("Ronald Sitompul", "Lapas Kelas IIA Serang"),
                ("Hendrik Pardede", "Rutan Kelas IIB Pandeglang"),
                ("Daniel Sinaga", "Lapas Kelas I Tangerang"),
            )
        )
    ),
]


@pytest.fixture(scope="module")
def directory() -> SnapshotSdpDirectory:
    background = list(generate_records(400, seed=11))
    return SnapshotSdpDirectory(build_index(KNOWN + background, "test.csv"))


def best(directory, name: str, **helpers):
    found = directory.search(SdpQuery(prisoner_name=name, **helpers), limit=3)
    assert found, f"no candidate for {name!r}"
    return found[0]


def test_exact_name_comes_first_with_a_plain_reason(directory):
    top = best(directory, "Budi Santoso")
    assert top.registration_number == "B.I 2/2024"
    assert top.score == 100
    assert "nama sama persis" in top.reasons
    assert top.extra["good_match"] is True
    assert top.extra["record"]["nomor_registrasi"] == "B.I 2/2024"


def test_old_spelling_variants_and_titles_are_explained(directory):
    top = best(directory, "Muhammad Yusuf bin Ahmad")
    assert top.registration_number == "B.I 1/2024"
    assert top.score >= 95
    assert any("ejaan lama" in r for r in top.reasons)
    assert "gelar diabaikan" in top.reasons
    assert best(directory, "Joko Cahyono").registration_number == "B.I 5/2024"


def test_a_left_out_fathers_name_still_matches_well(directory):
    top = best(directory, "Muhammad Yusuf")
    assert top.registration_number == "B.I 1/2024"
    assert top.extra["good_match"]
    assert "nama ayah (bin/binti) tidak disebut" in top.reasons


def test_typos_and_merged_words(directory):
    top = best(directory, "Siti Nur Hayati")
    assert top.registration_number == "B.I 4/2024"
    assert top.extra["good_match"]
    top = best(directory, "Budi Santsoo")
    assert top.registration_number == "B.I 2/2024"
    assert "ada salah ketik kecil pada nama" in top.reasons


def test_alias_with_name_is_strong(directory):
    top = best(directory, "Budi alias Gondrong")
    assert top.registration_number == "B.I 2/2024"
    assert top.extra["good_match"]


def test_a_distinctive_alias_alone_is_a_good_match_a_shared_one_is_not(directory):
    alone = best(directory, "Belang")
    assert alone.registration_number == "B.I 10/2024"
    assert not alone.extra["good_match"]  # one word of a two-word alias
    alone = best(directory, "Si Belang")
    assert alone.registration_number == "B.I 10/2024"
    assert alone.extra["good_match"]
    assert any("alias khas" in r for r in alone.reasons)
    shared = directory.search(SdpQuery("Ucok"), limit=5)
    assert {"B.I 11/2024", "B.I 12/2024", "B.I 13/2024"} <= {c.registration_number for c in shared}
    assert not any(c.extra["good_match"] for c in shared)
    helped = directory.search(SdpQuery("Ucok", upt="Rutan Pandeglang"), limit=3)
    assert helped[0].registration_number == "B.I 12/2024"


def test_regional_pronunciation_and_arabic_compounds(directory):
    top = best(directory, "Rohim Saputra")  # Javanese a/o in the first word
    assert top.registration_number == "B.I 7/2024"
    assert top.extra["good_match"]
    assert any("lafal daerah" in r for r in top.reasons)
    top = best(directory, "Pauji Hidayat")  # Sundanese f/p and z/j
    assert top.registration_number == "B.I 9/2024"
    assert top.extra["good_match"]
    for written in ("Abdul Rahman Siregar", "Abdur Rahman Siregar", "Abdurahman Siregar"):
        top = best(directory, written)
        assert top.registration_number == "B.I 8/2024", written
        assert top.score >= 95, written
    # a/u is not a regional alternation: "Rusman" is another name than "Rasman"
    assert names.sound_variants("rusman", "rasman") is False


@pytest.fixture(scope="module")
def near_names() -> SnapshotSdpDirectory:
    records = [
        person("B.I 1/2025", "Aslijianto"),
        person("B.I 2/2025", "Asmaianto"),
        person("B.I 3/2025", "Asmianto Harahap"),  # "Asmianto" is a name of its own here
        *generate_records(200, seed=5),
    ]
    return SnapshotSdpDirectory(build_index(records, "test.csv"))


def good_matches(directory, name: str) -> set[str]:
    found = directory.search(SdpQuery(name), limit=5)
    return {c.registration_number for c in found if c.extra["good_match"]}


def test_three_edits_make_another_name_not_a_typo(near_names):
    assert "B.I 1/2025" in good_matches(near_names, "Asljianto")  # one letter left out
    # three letters short: the ratio (82) puts it as close as one wrong letter, yet it is
    # another name
    assert "B.I 1/2025" not in good_matches(near_names, "Ajianto")


def test_a_folded_diphthong_is_no_regional_vowel(near_names):
    # ai and ae are one sound (Zainal/Zaenal) ...
    assert "B.I 2/2025" in good_matches(near_names, "Asmaeanto")
    # ... but the e standing for "ai" does not then alternate with i: "Asmianto", a name of
    # its own, is not "Asmaianto" said the Javanese way
    assert "B.I 2/2025" not in good_matches(near_names, "Asmianto")


def test_birth_date_and_upt_separate_namesakes(directory):
    plain = directory.search(SdpQuery("Budi Santoso Wibowo"), limit=2)
    assert plain[0].registration_number == "B.I 3/2024"
    helped = directory.search(
        SdpQuery("Budi Santoso", birth_date=date(1990, 7, 9), upt="lapas serang"), limit=2
    )
    assert helped[0].registration_number == "B.I 3/2024"
    assert "tanggal lahir sama" in helped[0].reasons
    assert "UPT sama" in helped[0].reasons
    assert "tanggal lahir berbeda" in helped[1].reasons


def test_registration_number_wins(directory):
    top = best(directory, "Sukarno", registration_number="b.i 6 / 2024")
    assert top.registration_number == "B.I 6/2024"
    assert top.reasons[0] == "nomor registrasi sama"


def test_an_absent_person_gets_no_good_match(directory):
    found = directory.search(SdpQuery("Zulkifli Pangaribuan Matondang"), limit=5)
    assert all(not c.extra["good_match"] for c in found)
    assert all("kemiripan rendah, periksa dengan teliti" in c.reasons for c in found)


def test_ranked_best_first_and_limited(directory):
    found = directory.search(SdpQuery("Budi"), limit=3)
    assert len(found) <= 3
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert directory.search(SdpQuery("   "), limit=3) == []


def test_an_empty_directory_is_unavailable_not_empty_handed():
    with pytest.raises(SdpUnavailable):
        EmptySdpDirectory().search(SdpQuery("Budi"))
