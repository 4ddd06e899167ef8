"""Phone numbers as people and spreadsheets write them (golive_tui.domain.phone).

Only fictional numbers: 555-01xx in NANP and +44 20 7946 0xxx (Ofcom drama range).
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive_tui.domain.phone import (
    InvalidPhoneNumber,
    digits_for_search,
    expand_range,
    format_number,
    is_toll_free,
    looks_like_range,
    normalise_number,
)

DENVER = "+13035550100"


# --------------------------------------------------------------------------- normalising


@pytest.mark.parametrize(
    "raw",
    [
        "+1 303-555-0100",
        "(303) 555-0100",
        "3035550100",
        "1-303-555-0100",
        "13035550100",
        "303.555.0100",
        "303 555 0100",
        "+1 (303) 555-0100",
        "+13035550100",
        "  3035550100 \n",
        "\t(303) 555-0100\t",
    ],
)
def test_common_us_formats_normalise_to_e164(raw: str) -> None:
    assert normalise_number(raw) == DENVER


def test_uk_number_with_plus_normalises() -> None:
    assert normalise_number("+44 20 7946 0958") == "+442079460958"


def test_uk_number_dialled_from_the_us_with_011_normalises() -> None:
    assert normalise_number("011 44 20 7946 0958") == "+442079460958"


def test_uk_national_format_normalises_with_gb_region() -> None:
    assert normalise_number("020 7946 0958", default_region="GB") == "+442079460958"
    assert normalise_number("020 7946 0958", default_region="gb") == "+442079460958"


def test_excel_float_artefact_is_normalised() -> None:
    assert normalise_number("3035550100.0") == DENVER
    assert normalise_number("13035550100.00") == DENVER


def test_excel_text_apostrophe_is_normalised() -> None:
    assert normalise_number("'3035550100") == DENVER


def test_excel_formula_wrapper_is_normalised() -> None:
    assert normalise_number('="3035550100"') == DENVER
    assert normalise_number('"3035550100"') == DENVER


def test_no_break_spaces_and_unicode_dashes_are_normalised() -> None:
    assert normalise_number("303\u00a0555\u00a00100") == DENVER
    assert normalise_number("303\u2013555\u20140100") == DENVER  # en and em dash
    assert normalise_number("303\u2011555\u22120100") == DENVER  # non-breaking hyphen, minus
    assert normalise_number("\u202f(303)\u2009555-0100\u200b") == DENVER


def test_fullwidth_digits_are_normalised() -> None:
    assert (
        normalise_number("\uff13\uff10\uff13\uff15\uff15\uff15\uff10\uff11\uff10\uff10") == DENVER
    )


def test_toll_free_number_normalises() -> None:
    assert normalise_number("1-800-555-0100") == "+18005550100"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\u00a0", "empty"),
        ("555-0100", "too short for a US number (need 10 digits, e.g. (303) 555-0100)"),
        ("303-555-01", "too short for a US number"),
        ("+1 303 555 01", "too short for a US number"),
        ("303555010000", "too long for a US number (10 digits, or 11 starting with 1)"),
        ("44 20 7946 0958", "an international number needs a leading +"),
        ("123-555-0100", "invalid area code 123"),
        ("023-555-0100", "invalid area code 023"),
        ("911-555-0100", "invalid area code 911"),
        ("303-155-0100", "invalid exchange 155"),
        ("999-555-0100", "area code 999 is not in service"),
        ("1-800-FLOWERS", "contains letters (FLOWERS)"),
        ("30355501OO", "contains letters (OO)"),
        ("call me", "contains letters"),
        ("303*555*0100", "contains unexpected characters (*)"),
        ("+1+3035550100", "+ that is not at the start"),
        ("+999 303 555 0100", "unknown country code"),
        ("+44 20 7946 09", "too short for a UK number"),
        ("3.03556E+09", "Excel scientific notation"),
        ("303-555-0100, 303-555-0101", "more than one number"),
        ("303-555-0100 / 212-555-0100", "more than one number"),
        ("303-555-0100 to 0199", "is a range"),
        ("---", "has no digits"),
    ],
)
def test_bad_input_is_refused_with_a_specific_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalise_number(raw)
    assert reason in caught.value.reason
    assert caught.value.raw == raw


def test_message_names_the_input_and_the_reason() -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalise_number("555-0100")
    assert str(caught.value) == (
        "'555-0100' is not a valid phone number: "
        "too short for a US number (need 10 digits, e.g. (303) 555-0100)"
    )


def test_invalid_phone_number_is_a_value_error_and_pickles() -> None:
    error = InvalidPhoneNumber("555-0100", "too short")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.raw, copy.reason, str(copy)) == (error.raw, error.reason, str(error))


@pytest.mark.parametrize(
    "raw",
    [
        "303-555-0100 x12",
        "303-555-0100 ext. 12",
        "303-555-0100 ext 12",
        "303-555-0100 extension 12",
        "3035550100x12",
        "303-555-0100 #12",
        "303-555-0100;ext=12",
    ],
)
def test_extensions_are_refused_clearly(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalise_number(raw)
    assert "has an extension" in caught.value.reason
    assert "12" in caught.value.reason


def test_unknown_default_region_is_explained() -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalise_number("3035550100", default_region="XX")
    assert "not a known region" in caught.value.reason
    assert normalise_number("+1 303 555 0100", default_region="XX") == DENVER


@given(st.integers(min_value=100, max_value=199), st.sampled_from(["303", "212", "800"]))
def test_every_spelling_of_a_number_gives_the_same_e164(line: int, npa: str) -> None:
    e164 = f"+1{npa}5550{line}"
    spellings = [
        f"{npa}5550{line}",
        f"({npa}) 555-0{line}",
        f"1-{npa}-555-0{line}",
        f"+1 {npa}.555.0{line}",
        f"'{npa}5550{line}",
        f"{npa}5550{line}.0",
    ]
    assert {normalise_number(s) for s in spellings} == {e164}
    assert normalise_number(e164) == e164


# --------------------------------------------------------------------------- display


def test_nanp_number_formats_nationally() -> None:
    assert format_number(DENVER) == "(303) 555-0100"
    assert format_number(DENVER, "national") == "(303) 555-0100"


def test_international_style_keeps_the_country_code() -> None:
    assert format_number(DENVER, "international") == "+1 303-555-0100"
    assert format_number("+442079460958", "international") == "+44 20 7946 0958"


def test_foreign_number_never_loses_its_country_in_national_style() -> None:
    assert format_number("+442079460958") == "+44 20 7946 0958"
    assert format_number("+442079460958", home_region="GB") == "020 7946 0958"


def test_format_number_returns_unparseable_text_unchanged() -> None:
    assert format_number("not a number") == "not a number"
    assert format_number("") == ""


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("(303) 555-01", "30355501"),
        ("303.555", "303555"),
        ("1-303-555-0100", "13035550100"),
        ("+1 303 555 0100", "13035550100"),
        ("0100", "0100"),
        ("Denver", ""),
        ("", ""),
        ("\uff13\uff10\uff13", "303"),
    ],
)
def test_search_keeps_only_the_digits_typed(typed: str, digits: str) -> None:
    assert digits_for_search(typed) == digits


def test_search_digits_match_as_substring_of_e164() -> None:
    for typed in ("303-555", "(303) 555-0100", "1 303 555 0100", "555-01"):
        assert digits_for_search(typed) in DENVER.removeprefix("+")


# --------------------------------------------------------------------------- toll free


@pytest.mark.parametrize("npa", ["800", "833", "844", "855", "866", "877", "888"])
def test_nanp_toll_free_codes_are_toll_free(npa: str) -> None:
    assert is_toll_free(f"+1{npa}5550100")


@pytest.mark.parametrize("e164", [DENVER, "+12125550100", "+442079460958", "", "8005550100"])
def test_other_numbers_are_not_toll_free(e164: str) -> None:
    assert not is_toll_free(e164)


# --------------------------------------------------------------------------- ranges


def _denver(first: int, last: int) -> list[str]:
    return [f"+1303555{n:04d}" for n in range(first, last + 1)]


def test_range_with_full_end_expands() -> None:
    assert expand_range("3035550100-3035550199") == _denver(100, 199)


def test_range_with_spaced_dash_and_short_end_expands() -> None:
    assert expand_range("303-555-0100 - 0199") == _denver(100, 199)


def test_range_with_to_expands() -> None:
    assert expand_range("(303) 555-0100 to 0199") == _denver(100, 199)


def test_range_with_dots_expands() -> None:
    assert expand_range("+1 303 555 0100..0150") == _denver(100, 150)


def test_range_with_short_end_expands() -> None:
    assert expand_range("3035550100-199") == _denver(100, 199)


def test_range_with_dashes_inside_and_between_expands() -> None:
    assert expand_range("303-555-0100-0199") == _denver(100, 199)
    assert expand_range("303-555-0100-303-555-0199") == _denver(100, 199)
    assert expand_range("1-303-555-0100-0105") == _denver(100, 105)


def test_range_with_en_dash_thru_and_through_expands() -> None:
    assert expand_range("303-555-0100 \u2013 0105") == _denver(100, 105)
    assert expand_range("303-555-0100 thru 303-555-0105") == _denver(100, 105)
    assert expand_range("3035550100 THROUGH 0105") == _denver(100, 105)
    assert expand_range("3035550100\u20260105") == _denver(100, 105)  # ellipsis


def test_range_end_may_be_a_single_digit() -> None:
    assert expand_range("3035550100-5") == _denver(100, 105)


def test_uk_range_expands() -> None:
    assert expand_range("+44 20 7946 0900 - 0909") == [f"+44207946{n:04d}" for n in range(900, 910)]


def test_toll_free_range_expands() -> None:
    assert expand_range("800-555-0100 to 0102") == ["+18005550100", "+18005550101", "+18005550102"]


def test_single_number_is_a_one_element_range() -> None:
    assert expand_range("(303) 555-0100") == [DENVER]
    assert expand_range("1-303-555-0100") == [DENVER]
    assert expand_range("3035550100-3035550100") == [DENVER]


def test_invalid_single_number_in_range_position_keeps_its_reason() -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        expand_range("555-0100")
    assert "too short" in caught.value.reason


def test_range_ending_before_its_start_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        expand_range("3035550199-0100")
    assert caught.value.reason == "range end (303) 555-0100 is before start (303) 555-0199"
    assert "is not a valid number range" in str(caught.value)


def test_range_across_exchanges_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        expand_range("3035550100-3035560100")
    assert "different prefix (303-555 vs 303-556)" in caught.value.reason


def test_range_across_area_codes_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        expand_range("303-555-0100 - 212-555-0199")
    assert "different prefix" in caught.value.reason


def test_range_across_countries_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        expand_range("3035550100 to +44 20 7946 0958")
    assert "different countries" in caught.value.reason


def test_range_larger_than_the_limit_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        expand_range("3035550100-0199", max_size=50)
    assert caught.value.reason == "range holds 100 numbers, more than the limit of 50"
    assert len(expand_range("3035550000-9999")) == 10_000


def test_range_with_bad_start_or_end_says_which() -> None:
    with pytest.raises(InvalidPhoneNumber) as start:
        expand_range("555-0100 to 0199")
    assert start.value.reason.startswith("range start '555-0100': too short")
    with pytest.raises(InvalidPhoneNumber) as end:
        expand_range("3035550100 to 0199x")
    assert "range end '0199x'" in end.value.reason


def test_range_with_missing_end_or_start_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumber, match="no end"):
        expand_range("3035550100 to")
    with pytest.raises(InvalidPhoneNumber, match="no start"):
        expand_range("to 0199")


def test_range_with_two_separators_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        expand_range("303-555-0100 - 0150 - 0199")
    assert "more than one range separator" in caught.value.reason


def test_range_written_with_excel_artefacts_expands() -> None:
    assert expand_range("'303-555-0100 - 0102") == _denver(100, 102)


@pytest.mark.parametrize(
    "raw",
    [
        "3035550100-3035550199",
        "303-555-0100 - 0199",
        "(303) 555-0100 to 0199",
        "+1 303 555 0100..0150",
        "3035550100-199",
        "303-555-0199-0100",  # a range, even though an invalid one
    ],
)
def test_ranges_look_like_ranges(raw: str) -> None:
    assert looks_like_range(raw)


@pytest.mark.parametrize(
    "raw", ["3035550100", "1-303-555-0100", "(303) 555-0100", "+44 20 7946 0958", "", "hello"]
)
def test_single_numbers_do_not_look_like_ranges(raw: str) -> None:
    assert not looks_like_range(raw)


@given(
    st.integers(min_value=0, max_value=9999),
    st.integers(min_value=0, max_value=300),
    st.sampled_from(["{s}-{e4}", "{s} - {e4}", "{s} to {e4}", "{s}..{e4}", "{s}-{efull}"]),
)
def test_expanded_range_is_contiguous_and_has_the_right_size(
    start: int, extra: int, pattern: str
) -> None:
    end = min(start + extra, 9999)
    raw = pattern.format(s=f"303555{start:04d}", e4=f"{end:04d}", efull=f"303555{end:04d}")
    numbers = expand_range(raw)
    assert len(numbers) == end - start + 1
    assert numbers[0] == f"+1303555{start:04d}"
    assert numbers[-1] == f"+1303555{end:04d}"
    assert len(set(numbers)) == len(numbers)
