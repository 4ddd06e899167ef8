"""Importing carrier and customer number lists (golive_tui.domain.number_import).

Only fictional numbers: 555-01xx in NANP and +44 20 7946 0xxx.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from golive_tui.domain.number_import import (
    AlreadyPresent,
    ColumnMapping,
    ImportPreview,
    ImportRow,
    NumberImportError,
    ParsedTable,
    RowDuplicate,
    RowError,
    build_import,
    guess_mapping,
    sniff,
)
from golive_tui.domain.phone import normalise_number


def _import(data: bytes | str, **kwargs: Any) -> tuple[ParsedTable, ImportPreview]:
    table = sniff(data)
    mapping = guess_mapping(table.headers, sample_rows=[cells for _, cells in table.rows])
    return table, build_import(table, mapping, **kwargs)


def _assert_every_line_accounted_once(table: ParsedTable, preview: ImportPreview) -> None:
    """Each record is blank, or one error, or each of its numbers lands in exactly one of
    rows / duplicates / already_present; single numbers give exactly one entry."""
    blank = Counter(preview.blank_lines)
    errors = Counter(e.line for e in preview.errors)
    numbered = Counter(
        [r.line for r in preview.rows]
        + [d.line for d in preview.duplicates]
        + [a.line for a in preview.already_present]
    )
    lines = [line for line, _ in table.rows]
    assert len(lines) == len(set(lines))
    assert set(blank) | set(errors) | set(numbered) == set(lines)
    for line in lines:
        outcomes = (line in blank) + (line in errors) + (line in numbered)
        assert outcomes == 1, f"line {line} has {outcomes} outcomes"
        assert blank[line] <= 1 and errors[line] <= 1
    numbers_per_line: dict[int, list[str]] = {}
    for e164, line in (
        [(r.e164, r.line) for r in preview.rows]
        + [(d.e164, d.line) for d in preview.duplicates]
        + [(a.e164, a.line) for a in preview.already_present]
    ):
        numbers_per_line.setdefault(line, []).append(e164)
    for line, numbers in numbers_per_line.items():
        assert len(numbers) == len(set(numbers)), f"line {line} lists a number twice"


# --------------------------------------------------------------------------- sniffing


def test_comma_file_with_header_is_read_with_line_numbers() -> None:
    table = sniff("Phone,Site\n303-555-0100,Denver\n303-555-0101,Denver\n")
    assert table.headers == ["Phone", "Site"]
    assert table.has_header and table.header_line == 1
    assert table.delimiter == ","
    assert table.rows == [(2, ["303-555-0100", "Denver"]), (3, ["303-555-0101", "Denver"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(delimiter: str) -> None:
    lines = ["Phone;Site;Carrier", "303-555-0100;Denver;Lumen", "(212) 555-0100;NYC;Verizon"]
    text = "\n".join(line.replace(";", delimiter) for line in lines) + "\n"
    table = sniff(text)
    assert table.delimiter == delimiter
    assert table.headers == ["Phone", "Site", "Carrier"]
    assert table.rows[1] == (3, ["(212) 555-0100", "NYC", "Verizon"])


def test_byte_order_mark_is_dropped() -> None:
    table = sniff("\ufeffPhone\n3035550100\n".encode())
    assert table.headers == ["Phone"]
    assert table.encoding == "utf-8"
    assert sniff("\ufeffPhone\n3035550100\n").headers == ["Phone"]


def test_windows_1252_file_is_decoded() -> None:
    table = sniff("Phone;Site\n3035550100;Caf\u00e9 M\u00fcnchen\n".encode("cp1252"))
    assert table.encoding == "cp1252"
    assert table.rows == [(2, ["3035550100", "Caf\u00e9 M\u00fcnchen"])]


def test_excel_unicode_text_utf16_file_is_decoded() -> None:
    table = sniff("Phone\tSite\r\n3035550100\tDenver\r\n".encode("utf-16"))
    assert table.delimiter == "\t"
    assert table.rows == [(2, ["3035550100", "Denver"])]


def test_windows_and_old_mac_line_endings_keep_line_numbers() -> None:
    assert sniff("Phone\r\n3035550100\r\n\r\n3035550101\r\n").rows == [
        (2, ["3035550100"]),
        (3, []),
        (4, ["3035550101"]),
    ]
    assert sniff("Phone\r3035550100\r3035550101\r").rows == [
        (2, ["3035550100"]),
        (3, ["3035550101"]),
    ]


def test_quoted_field_with_line_break_counts_from_its_first_line() -> None:
    table = sniff('Phone,Notes\n3035550100,"two\nlines"\n3035550101,x\n')
    assert table.rows == [(2, ["3035550100", "two\nlines"]), (4, ["3035550101", "x"])]


def test_file_without_header_gets_column_names() -> None:
    table = sniff("3035550100,Denver\n3035550101,Denver\n")
    assert not table.has_header and table.header_line is None
    assert table.headers == ["Column 1", "Column 2"]
    assert [line for line, _ in table.rows] == [1, 2]


def test_header_after_leading_blank_lines_is_found() -> None:
    table = sniff("\n\nTN,Location\n3035550100,Denver\n")
    assert table.header_line == 3
    assert table.rows == [(1, []), (2, []), (4, ["3035550100", "Denver"])]


def test_header_with_unknown_names_is_recognised_above_numbers() -> None:
    table = sniff("Foo,Bar\n3035550100,x\n")
    assert table.has_header and table.headers == ["Foo", "Bar"]


def test_junk_first_line_of_a_single_column_list_is_not_taken_as_header() -> None:
    table = sniff("hello\n3035550100\n")
    assert not table.has_header
    assert table.rows[0] == (1, ["hello"])


def test_empty_file_gives_an_empty_table() -> None:
    assert sniff("") == ParsedTable(headers=[], rows=[], has_header=False)
    assert sniff(b"") == ParsedTable(headers=[], rows=[], has_header=False)
    assert sniff("\n\n") == ParsedTable(headers=[], rows=[(1, []), (2, [])], has_header=False)


def test_rows_wider_than_the_header_get_extra_column_names() -> None:
    table = sniff("Phone,Site\n3035550100,Denver,extra\n")
    assert table.headers == ["Phone", "Site", "Column 3"]
    assert table.column_label(2) == "Column 3"
    assert table.column_label(9) == "Column 10"


# --------------------------------------------------------------------------- mapping


def test_mapping_is_guessed_from_header_synonyms() -> None:
    headers = [
        "Location", "TN", "PON", "Losing Carrier", "Billing Telephone Number", "Assigned To",
        "Type", "Notes",
    ]  # fmt: skip
    assert guess_mapping(headers) == ColumnMapping(
        number=1, site=0, order=2, carrier=3, btn=4, assigned_to=5, number_type=6
    )


@pytest.mark.parametrize(
    "header",
    [
        "number", "Phone", "PHONE NUMBER", " phone  number ", "Phone #", "phone_number",
        "phoneNumber", "Telephone Number", "DID", "e164", "E.164", "Numbers", "Range",
    ],
)  # fmt: skip
def test_number_header_is_found_whatever_its_casing_and_spacing(header: str) -> None:
    assert guess_mapping(["Site", header]).number == 1


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Office", "site"),
        ("Port Order", "order"),
        ("Port Order #", "order"),
        ("Provider", "carrier"),
        ("Losing Carrier Name", "carrier"),
        ("BTN", "btn"),
        ("Billing Number", "btn"),
        ("User", "assigned_to"),
        ("Extension Owner", "assigned_to"),
        ("Name", "assigned_to"),
        ("Number Type", "number_type"),
    ],
)
def test_other_headers_are_mapped(header: str, field: str) -> None:
    mapping = guess_mapping(["Phone", header])
    assert getattr(mapping, field) == 1
    assert mapping.number == 0


def test_exact_header_wins_over_partial_one() -> None:
    assert guess_mapping(["Phone Number Notes", "Phone Number"]).number == 1


def test_unknown_headers_map_nothing() -> None:
    mapping = guess_mapping(["Foo", "Bar"])
    assert mapping == ColumnMapping()
    assert not mapping.can_import


def test_number_column_is_found_from_data_when_headers_do_not_name_it() -> None:
    mapping = guess_mapping(["Column 1", "Column 2"], sample_rows=[["Denver", "3035550100"]])
    assert mapping.number == 1


def test_column_mapping_refuses_negative_columns_and_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        ColumnMapping(number=-1)
    with pytest.raises(ValidationError):
        ColumnMapping(phone=0)  # type: ignore[call-arg]  # the unknown field is the point


# --------------------------------------------------------------------------- building

MESSY = (
    "\ufeff"
    "Site Name;PHONE Number ;Losing Carrier;Notes;Extra 1;Extra 2\r\n"  # 1 header
    "\r\n"  # 2 blank
    'Denver;(303) 555-0100;Lumen;"Front desk; main";a;b\r\n'  # 3
    "Denver;303.555.0101;Lumen;;;\r\n"  # 4
    ";;;;;\r\n"  # 5 blank (only delimiters)
    "Denver;1-303-555-0100;Lumen;dup of line 3;;\r\n"  # 6 duplicate
    "Denver;hello;Lumen;;;\r\n"  # 7 junk
    "Denver;;Lumen;no number;;\r\n"  # 8 number missing
    'NYC;"212-555-0100 - 0104";Verizon;range;;\r\n'  # 9 range of 5
    "NYC;'2125550105;Verizon;excel text;;\r\n"  # 10
    "NYC;2125550106.0;Verizon;excel float;;\r\n"  # 11
    "NYC;555-0100;Verizon;too short;;\r\n"  # 12
    "London;+44 20 7946 0958;BT;uk;;\r\n"  # 13
    "   ;  ;  ;  ;  ;  \r\n"  # 14 blank (only spaces)
    "NYC;212-555-0102;Verizon;inside the range on line 9;;\r\n"  # 15 duplicate
)


def test_semicolon_file_with_bom_and_extra_columns_imports() -> None:
    table, preview = _import(MESSY.encode("utf-8"))
    assert table.delimiter == ";"
    assert table.headers[1] == "PHONE Number"
    assert [r.e164 for r in preview.rows] == [
        "+13035550100",
        "+13035550101",
        *[f"+1212555010{n}" for n in range(5)],
        "+12125550105",
        "+12125550106",
        "+442079460958",
    ]
    assert preview.rows[0] == ImportRow(line=3, e164="+13035550100", site="Denver", carrier="Lumen")
    assert [r.line for r in preview.rows].count(9) == 5
    assert preview.errors == (
        RowError(7, "hello", "contains letters (hello)"),
        RowError(8, "Denver;;Lumen;no number;;", "no number in column 'PHONE Number'"),
        RowError(12, "555-0100", "too short for a US number (need 10 digits, e.g. (303) 555-0100)"),
    )
    assert preview.duplicates == (
        RowDuplicate(6, "+13035550100", 3),
        RowDuplicate(15, "+12125550102", 9),
    )
    assert preview.blank_lines == (2, 5, 14)
    assert preview.valid_count == 10
    assert preview.error_count == 3
    assert preview.summary() == (
        "10 numbers ready; 3 rows with errors (lines 7, 8, 12); 2 duplicates skipped; 3 blank rows"
    )
    _assert_every_line_accounted_once(table, preview)


def test_messy_file_reads_the_same_as_text_and_as_bytes() -> None:
    assert _import(MESSY)[1] == _import(MESSY.encode("utf-8"))[1]


def test_comma_file_with_quoted_fields_and_odd_header_casing_imports() -> None:
    data = (
        'pHoNe NuMbEr,"Site, City",pon,btn,USER,type\n'
        '"(303) 555-0100","Denver, CO",PON-1,303-555-0100,Ada Lovelace,main\n'
        '"303-555-0101","Denver, CO",PON-1,,"Grace ""Amazing"" Hopper",did\n'
    )
    table, preview = _import(data)
    mapping = guess_mapping(table.headers)
    assert mapping == ColumnMapping(number=0, site=1, order=2, btn=3, assigned_to=4, number_type=5)
    assert preview.rows == (
        ImportRow(
            line=2,
            e164="+13035550100",
            site="Denver, CO",
            order="PON-1",
            btn="+13035550100",
            assigned_to="Ada Lovelace",
            number_type="main",
        ),
        ImportRow(
            line=3,
            e164="+13035550101",
            site="Denver, CO",
            order="PON-1",
            assigned_to='Grace "Amazing" Hopper',
            number_type="did",
        ),
    )


def test_invalid_btn_makes_the_row_an_error() -> None:
    _, preview = _import("Phone,BTN\n3035550100,555-0100\n3035550101,3035550100\n")
    assert preview.errors == (
        RowError(
            2,
            "555-0100",
            "billing number in 'BTN': too short for a US number "
            "(need 10 digits, e.g. (303) 555-0100)",
        ),
    )
    assert [(r.line, r.btn) for r in preview.rows] == [(3, "+13035550100")]


def test_range_row_yields_several_rows_with_the_same_line() -> None:
    _, preview = _import("Phone,Site\n303-555-0100 to 0102,Denver\n")
    assert preview.rows == tuple(
        ImportRow(line=2, e164=f"+130355501{n:02d}", site="Denver") for n in range(3)
    )


def test_bad_range_row_is_one_error_with_the_reason() -> None:
    _, preview = _import("Phone\n3035550199-0100\n3035550100-3035560100\n")
    assert [(e.line, e.raw) for e in preview.errors] == [
        (2, "3035550199-0100"),
        (3, "3035550100-3035560100"),
    ]
    assert "before start" in preview.errors[0].reason
    assert "different prefix" in preview.errors[1].reason


def test_numbers_already_in_the_project_are_reported_not_imported() -> None:
    existing = {"+13035550100", "+12125550101"}
    table, preview = _import(
        "Phone\n303-555-0100\n303-555-0101\n212-555-0100 - 0102\n303-555-0100\n",
        existing=existing,
    )
    assert preview.already_present == (
        AlreadyPresent(2, "+13035550100"),
        AlreadyPresent(4, "+12125550101"),
    )
    assert preview.duplicates == (RowDuplicate(5, "+13035550100", 2),)
    assert [r.e164 for r in preview.rows] == ["+13035550101", "+12125550100", "+12125550102"]
    assert "2 numbers already present" in preview.summary()
    _assert_every_line_accounted_once(table, preview)


def test_existing_accepts_a_frozenset() -> None:
    table = sniff("Phone\n3035550100\n")
    preview = build_import(table, ColumnMapping(number=0), existing=frozenset({"+13035550100"}))
    assert preview.valid_count == 0 and preview.already_present_count == 1


def test_import_without_number_column_is_refused() -> None:
    table = sniff("Foo,Bar\n1,2\n")
    with pytest.raises(NumberImportError, match="column that holds the phone numbers"):
        build_import(table, ColumnMapping(site=0))


def test_number_column_beyond_the_row_is_an_error_per_row() -> None:
    table = sniff("Phone,Site\n3035550100,Denver\nDenver\n")
    preview = build_import(table, ColumnMapping(number=0, site=1))
    assert preview.valid_count == 1
    assert preview.errors == (RowError(3, "Denver", "contains letters (Denver)"),)


def test_max_numbers_turns_the_overflowing_rows_into_errors() -> None:
    table = sniff("Phone\n3035550100 - 0104\n3035550105\n3035550106 - 0110\n3035550111\n")
    preview = build_import(table, ColumnMapping(number=0), max_numbers=6)
    assert preview.valid_count == 6
    assert [e.line for e in preview.errors] == [4, 5]
    assert "limited to 6 numbers" in preview.errors[0].reason
    _assert_every_line_accounted_once(table, preview)


def test_default_region_reads_national_numbers() -> None:
    table = sniff("Phone\n020 7946 0958\n")
    preview = build_import(table, ColumnMapping(number=0), default_region="GB")
    assert [r.e164 for r in preview.rows] == ["+442079460958"]


def test_summary_for_one_of_each_uses_singular_words() -> None:
    _, preview = _import("Phone\n3035550100\n\nbad\n3035550100\n")
    assert preview.summary() == (
        "1 number ready; 1 row with errors (line 4); 1 duplicate skipped; 1 blank row"
    )


def test_summary_shortens_a_long_error_list() -> None:
    data = "Phone\n" + "junk\n" * 12 + "3035550100\n"
    _, preview = _import(data)
    assert preview.summary() == (
        "1 number ready; 12 rows with errors (lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … and 2 more)"
    )


def test_summary_of_a_large_import_uses_thousands_separators() -> None:
    data = "Phone\n" + "".join(f"303555{n:04d}\n" for n in range(1012))
    _, preview = _import(data)
    assert preview.summary() == "1,012 numbers ready"


def test_empty_file_imports_nothing() -> None:
    table = sniff("")
    preview = build_import(table, ColumnMapping(number=0))
    assert preview == ImportPreview()
    assert preview.summary() == "0 numbers ready"


# --------------------------------------------------------------------------- property

_VALID = st.builds(
    lambda npa, n, style: style.format(npa=npa, n=f"{n:02d}"),
    st.sampled_from(["303", "212", "800"]),
    st.integers(min_value=0, max_value=99),
    st.sampled_from(
        [
            "{npa}55501{n}",
            "({npa}) 555-01{n}",
            "1-{npa}-555-01{n}",
            "+1 {npa}.555.01{n}",
            "'{npa}55501{n}",
            "{npa}55501{n}.0",
            "+44 20 7946 01{n}",
        ]
    ),
)
_RANGE = st.builds(
    lambda npa, a, b: f"{npa}-555-01{min(a, b):02d} - {max(a, b):02d}",
    st.sampled_from(["303", "212"]),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99),
)
_JUNK = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20),
    st.sampled_from(["555-0100", "hello", "303-555-0100 x12", "3035550199-0100", "n/a", "-"]),
)
_CELL = st.one_of(_VALID, _VALID, _RANGE, _JUNK, st.just(""))
_ROW = st.tuples(_CELL, st.text(alphabet="abc xyz", max_size=6))


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(_ROW, max_size=30),
    existing=st.sets(_VALID, max_size=5),
    line_ending=st.sampled_from(["\n", "\r\n"]),
)
def test_every_line_is_accounted_for_exactly_once(
    rows: list[tuple[str, str]], existing: set[str], line_ending: str
) -> None:
    text = "Phone,Site" + line_ending
    text += "".join(f"{_csv_cell(n)},{_csv_cell(s)}{line_ending}" for n, s in rows)
    table = sniff(text.encode("utf-8"))
    existing_e164 = {normalise_number(raw) for raw in existing}
    preview = build_import(table, ColumnMapping(number=0, site=1), existing=existing_e164)
    _assert_every_line_accounted_once(table, preview)
    assert table.has_header
    all_numbers = [r.e164 for r in preview.rows] + [a.e164 for a in preview.already_present]
    assert len(all_numbers) == len(set(all_numbers)), "a number is imported twice"
    assert not {r.e164 for r in preview.rows} & existing_e164
    assert {d.e164 for d in preview.duplicates} <= set(all_numbers)
    for duplicate in preview.duplicates:
        assert duplicate.first_line < duplicate.line


@pytest.mark.parametrize("data", [
    b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8,  # a spreadsheet (zip)
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(32)) * 64,  # an image
])
def test_a_binary_file_is_refused_as_not_a_csv_file(data: bytes) -> None:
    with pytest.raises(NumberImportError, match="this is not a CSV file"):
        sniff(data)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8", "cp1252"])
def test_text_in_any_encoding_read_is_still_text(encoding: str) -> None:
    table = sniff("Phone;Site\r\n303 555 0100;Denver\r\n303 555 0101;Café\r\n".encode(encoding))
    assert [cells for _, cells in table.rows] == [
        ["303 555 0100", "Denver"], ["303 555 0101", "Café"]]


def test_a_site_or_order_the_project_lacks_is_an_error_of_the_preview() -> None:
    table = sniff("Number,Site,Order\n3035550100,DEN,PO-1\n3035550101,Dallas,PO-1\n"
                  "3035550102,den,PO-9\n")
    preview = build_import(table, ColumnMapping(number=0, site=1, order=2),
                           sites=frozenset({"den", "denver"}), orders=frozenset({"po-1"}))
    assert [row.e164 for row in preview.rows] == ["+13035550100"]
    assert [(e.line, e.reason) for e in preview.errors] == [
        (3, "unknown site 'Dallas'"), (4, "unknown port order 'PO-9'")]
    assert preview.summary().startswith("1 number ready; 2 rows with errors (lines 3, 4)")
