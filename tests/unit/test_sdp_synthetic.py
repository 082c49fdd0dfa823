from datetime import timedelta

from localdev.sdp.synthetic import (
    HOLIDAY_OF,
    add_months,
    generate_records,
    holiday_date,
    remisi_khusus_amount,
    remisi_umum_amount,
    subtract_period,
    total_of,
)
from shared.sdp_directory.records import CustodyStatus, Period, RemissionKind

RECORDS = list(generate_records(1500, seed=21))


def test_same_seed_same_records_other_seed_other_records():
    assert list(generate_records(50, seed=21)) == RECORDS[:50]
    assert list(generate_records(50, seed=22)) != RECORDS[:50]


def test_registration_numbers_are_unique():
    assert len({r.registration_number for r in RECORDS}) == len(RECORDS)


def test_remission_amounts_follow_the_table():
    assert remisi_umum_amount(1, 200) == Period(1)
    assert remisi_umum_amount(1, 400) == Period(2)
    assert [remisi_umum_amount(n, 999).months for n in range(2, 8)] == [3, 4, 5, 5, 6, 6]
    assert remisi_khusus_amount(1, 200) == Period(0, 15)
    assert remisi_khusus_amount(4, 999) == Period(1, 15)
    assert remisi_khusus_amount(6, 999) == Period(2)


def test_histories_are_consistent_with_the_rules():
    sentenced = [r for r in RECORDS if r.status is not CustodyStatus.TAHANAN]
    assert any(r.remissions for r in sentenced)
    for record in sentenced:
        assert record.total_remission == total_of(record.remissions)
        assert record.expiry_after_remission == subtract_period(
            record.expiry_date, record.total_remission
        )
        assert record.detention_start < record.two_thirds_date < record.expiry_date
        for entry in record.remissions:
            if entry.kind in (RemissionKind.UMUM, RemissionKind.DASAWARSA):
                granted = add_months(record.detention_start, 0).replace(
                    year=entry.year, month=8, day=17
                )
            elif entry.holiday:
                granted = holiday_date(entry.holiday, entry.year)
            else:
                continue
            # no remission before six months served
            assert granted - record.detention_start >= timedelta(days=180)
            if entry.holiday:
                assert entry.holiday == HOLIDAY_OF[record.religion]
        kinds = {e.kind for e in record.remissions}
        if record.status is CustodyStatus.ANAK:
            assert kinds <= {RemissionKind.PENGURANGAN_MASA_PIDANA}
        else:
            assert RemissionKind.PENGURANGAN_MASA_PIDANA not in kinds


def test_detainees_have_no_sentence_and_no_remission():
    detainees = [r for r in RECORDS if r.status is CustodyStatus.TAHANAN]
    assert detainees
    assert all(r.sentence is None and not r.remissions for r in detainees)


def test_children_are_in_child_facilities_and_carry_no_titles():
    children = [r for r in RECORDS if r.status is CustodyStatus.ANAK]
    assert children
    assert all(r.upt.startswith("LPKA") for r in children)
    assert all("S.H." not in r.name and not r.name.startswith("H. ") for r in children)
