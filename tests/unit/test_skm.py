"""The SKM report computes what PermenPANRB 14/2017's method gives by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from shared.domain import skm

# A hand-worked example with the regulation's method: five respondents, nine elements.
#            U1 U2 U3 U4 U5 U6 U7 U8 U9
WORKED = [
    (4, 3, 4, 4, 3, 3, 4, 3, 3),
    (3, 3, 3, 4, 3, 4, 4, 3, 3),
    (4, 4, 3, 4, 3, 3, 4, 2, 3),
    (3, 3, 3, 4, 4, 3, 4, 3, 2),
    (4, 3, 3, 4, 3, 4, 4, 3, 3),
]
# Totals per element:   18 16 16 20 16 17 20 14 14   (sum 151)
# NRR = total / 5:      3.6 3.2 3.2 4.0 3.2 3.4 4.0 2.8 2.8   (sum 30.2)
# Index = sum(NRR x 1/9) = 30.2 / 9 = 3.35555...
# IKM = index x 25 = 755 / 9 = 83.888... -> 83.89, in 76.61-88.30: B (Baik).
# (With the regulation's rounded weight 0.111 the index would read 3.3522 and the IKM 83.81,
#  still B; the exact 1/9 is the equal weight the regulation means.)


def answers(rows, month="2026-11", service=skm.SERVICE):
    return [
        skm.SurveyAnswer(
            f"a{n}",
            month,
            service,
            dict(zip(skm.ELEMENT_CODES, row, strict=True)),
            {"age_band": "35-44", "sex": "p", "education": "sma", "occupation": "swasta"},
            "" if n else "Balasan WhatsApp lebih cepat <b>tolong</b>",
        )
        for n, row in enumerate(rows)
    ]


def test_the_hand_worked_example_gives_its_ikm_exactly():
    result = skm.report(answers(WORKED), skm.period("2026-11"), population=40)
    totals = [e.total for e in result.elements]
    assert totals == [18, 16, 16, 20, 16, 17, 20, 14, 14]
    assert [e.nrr for e in result.elements] == [
        Fraction(18, 5),
        Fraction(16, 5),
        Fraction(16, 5),
        Fraction(4),
        Fraction(16, 5),
        Fraction(17, 5),
        Fraction(4),
        Fraction(14, 5),
        Fraction(14, 5),
    ]
    assert result.index == Fraction(151, 45)  # 30.2 / 9
    assert result.ikm == Decimal("83.89")
    assert (result.category.grade, result.category.label) == ("B", "Baik")
    assert result.respondents == 5
    # 40 requests served: the table asks 36 respondents; five is short of it.
    assert (result.population, result.required, result.sample_met) == (40, 36, False)
    assert result.suggestions == ("Balasan WhatsApp lebih cepat <b>tolong</b>",)


def test_answers_of_other_periods_and_services_are_not_counted():
    mixed = (
        answers(WORKED) + answers([(1,) * 9], month="2026-10") + answers([(1,) * 9], service="lain")
    )
    assert skm.report(mixed, skm.period("2026-11"), 5).ikm == Decimal("83.89")
    # The quarter holds October and November.
    quarter = skm.report(mixed, skm.period("2026-Q4"), 6)
    assert quarter.respondents == 6
    assert quarter.index == Fraction(151 + 9, 54)


def test_all_fours_and_all_ones_are_the_ends_of_the_scale():
    top = skm.report(answers([(4,) * 9]), skm.period("2026-11"), 1)
    bottom = skm.report(answers([(1,) * 9]), skm.period("2026-11"), 1)
    assert (top.ikm, top.category.grade) == (Decimal("100.00"), "A")
    assert (bottom.ikm, bottom.category.grade) == (Decimal("25.00"), "D")


def test_no_respondents_gives_no_index():
    result = skm.report([], skm.period("2026"), 120)
    assert result.index is None and result.ikm is None and result.category is None
    assert result.required == 92


@pytest.mark.parametrize(
    "ikm, grade",
    [
        ("100.00", "A"),
        ("88.31", "A"),
        ("88.305", "A"),  # half up at two decimals, as published
        ("88.30", "B"),
        ("88.304", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25.00", "D"),
    ],
)
def test_categories_at_the_interval_edges(ikm, grade):
    assert skm.category(Decimal(ikm)).grade == grade


def test_an_ikm_off_the_scale_is_refused():
    for value in ("24.99", "100.01"):
        with pytest.raises(ValueError):
            skm.category(Decimal(value))


def test_the_sample_table_is_krejcie_and_morgan():
    # s = X2 N P(1-P) / (d2 (N-1) + X2 P(1-P)), X2 = 3.841, P = 0.5, d = 0.05, rounded.
    for population, sample in skm.SAMPLE_TABLE:
        formula = 3.841 * population * 0.25 / (0.0025 * (population - 1) + 3.841 * 0.25)
        assert round(formula) == sample, population


@pytest.mark.parametrize(
    "population, required",
    [(0, 0), (1, 1), (7, 7), (10, 10), (11, 14), (100, 80), (101, 86), (278, 162), (10**7, 384)],
)
def test_required_sample_takes_the_next_row_up(population, required):
    assert skm.required_sample(population) == required


def test_periods():
    assert skm.period("2026-12").months == ("2026-12",)
    assert skm.period("2026-q4").months == ("2026-10", "2026-11", "2026-12")
    assert skm.period("2026-S1").months[-1] == "2026-06"
    assert len(skm.period("2026").months) == 12
    assert skm.period("2026-Q4").end.isoformat() == "2027-01-01"
    assert skm.period("2026-S2").label == "Semester 2 2026"
    for bad in ("2026-13", "2026-Q5", "26-01", "2026-11-01", "", None):
        with pytest.raises(ValueError):
            skm.period(bad)


def test_clean_answers_takes_the_scale_the_profile_and_a_bounded_suggestion():
    payload = {
        "answers": dict(zip(skm.ELEMENT_CODES, WORKED[0], strict=True)),
        "profile": {"age_band": "65+", "sex": "l", "education": "s1", "occupation": "lainnya"},
        "suggestion": "  Terima kasih\u0000 petugas \n ",
    }
    scores, profile, suggestion = skm.clean_answers(payload)
    assert scores["u1"] == 4 and profile["age_band"] == "65+"
    assert suggestion == "Terima kasih petugas"

    bad = {**payload, "answers": {**payload["answers"], "u3": 5, "u4": True}, "profile": {}}
    bad["suggestion"] = "x" * (skm.SUGGESTION_MAX + 1)
    with pytest.raises(skm.InvalidAnswers) as raised:
        skm.clean_answers(bad)
    assert {"u3", "u4", "age_band", "sex", "education", "occupation", "suggestion"} == set(
        raised.value.errors
    )


def test_rows_and_public_figures_carry_the_same_numbers():
    result = skm.report(answers(WORKED), skm.period("2026-11"), population=40)
    table = skm.rows(result)
    assert ("ringkasan", "IKM (25-100)", "83.89") in table
    assert ("NRR per unsur", "U1 Persyaratan", "3.600") in table
    assert table[-1][0] == "saran"
    public = skm.public_figures(result)
    assert public["ikm"] == "83.89" and public["grade"] == "B"
    assert "suggestions" not in public and "WhatsApp lebih cepat" not in str(public)
