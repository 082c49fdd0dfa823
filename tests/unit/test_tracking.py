import itertools

from shared.domain.tracking import ALPHABET, new_tracking_code, normalize_tracking_code


def test_codes_are_three_groups_of_unambiguous_characters():
    for _ in range(200):
        code = new_tracking_code()
        groups = code.split("-")
        assert [len(g) for g in groups] == [3, 3, 3]
        assert set("".join(groups)) <= set(ALPHABET)
    assert not set("0O1IL2Z5S8BUVDQ") & set(ALPHABET)


def test_codes_do_not_repeat():
    codes = {new_tracking_code() for _ in range(5000)}
    assert len(codes) == 5000


def test_what_people_type_is_normalised():
    code = new_tracking_code()
    assert normalize_tracking_code(code.lower().replace("-", " ")) == code
    assert normalize_tracking_code(f"  {code.replace('-', '')} ") == code


def test_every_single_typo_and_neighbour_swap_is_caught():
    code = new_tracking_code().replace("-", "")
    for i, ch in itertools.product(range(len(code)), ALPHABET):
        if ch != code[i]:
            assert normalize_tracking_code(code[:i] + ch + code[i + 1 :]) is None
    for i in range(len(code) - 2):  # swaps within the random part
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        if swapped != code:
            assert normalize_tracking_code(swapped) is None


def test_garbage_is_not_a_code():
    for text in ["", "ABC", "0000-0000-0", "ACE-FGH-JK3X", "<script>"]:
        assert normalize_tracking_code(text) is None
