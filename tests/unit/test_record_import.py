"""Reading sites, port orders and number lists as customers send them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from golive_tui.domain.number_import import (
    ImportPreview,
    NumberImportError,
    build_import,
    guess_mapping,
    site_key,
    sniff,
)
from golive_tui.domain.phone import normalise_number
from golive_tui.domain.record_import import (
    build_order_import,
    build_site_import,
    propose_site_map,
)

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
SITES = [("DEN", "Denver HQ"), ("NYC", "New York Midtown"), ("NYB", "New York Brooklyn")]


def _numbers(text: str, **kwargs: Any) -> ImportPreview:
    table = sniff(text.encode())
    return build_import(table, guess_mapping(table.headers), **kwargs)


def test_tel_uris_are_read_as_numbers() -> None:
    assert normalise_number("tel:+1-303-555-0100") == "+13035550100"
    assert normalise_number("<tel:+1-303-555-0101;ext=12>") == "+13035550101"
    preview = _numbers("number\ntel:+1-303-555-0100\n")
    assert [row.e164 for row in preview.rows] == ["+13035550100"]


def test_site_names_as_customers_write_them_are_matched_to_codes() -> None:
    matches = {m.value: m for m in propose_site_map(
        ["Denver HQ", "DEN", "denver", "New York", "Boston", "denver "], SITES)}
    assert (matches["Denver HQ"].code, matches["Denver HQ"].how) == ("DEN", "exact")
    assert (matches["DEN"].code, matches["DEN"].how) == ("DEN", "exact")
    assert (matches["denver"].code, matches["denver"].how) == ("DEN", "unique")
    assert matches["New York"].how == "ambiguous"
    assert set(matches["New York"].candidates) == {"NYC", "NYB"}
    assert matches["Boston"].how == "none" and matches["Boston"].code is None
    assert len(matches) == 5  # "denver " is "denver"


def test_a_site_map_turns_site_cells_into_codes_and_refuses_unmapped_ones() -> None:
    text = "number,site\n3035550100,Denver HQ\n3035550101,denver\n2125550100,Boston\n"
    site_map = {site_key("Denver HQ"): "DEN", site_key("denver"): "DEN"}
    preview = _numbers(text, site_map=site_map, sites={"den", "denver hq"})
    assert [row.site for row in preview.rows] == ["DEN", "DEN"]
    assert [(e.line, e.reason) for e in preview.errors] == [
        (4, "unknown site 'Boston'")]


def test_numbers_outside_the_projects_country_are_held_for_review() -> None:
    preview = _numbers("number\n+1 303 555 0100\n+44 20 7946 0958\n+1 416 555 0100\n",
                       country="US")
    assert [row.e164 for row in preview.rows] == ["+13035550100"]
    assert [(r.line, r.raw) for r in preview.review] == [(3, "+442079460958"),
                                                          (4, "+14165550100")]
    assert "2 numbers outside the project's country held for review" in preview.summary()


def test_toll_free_numbers_are_detected_and_kept_off_ordinary_orders() -> None:
    preview = _numbers("number\n8005550100\n3035550100\n")
    assert [row.e164 for row in preview.toll_free] == ["+18005550100"]
    assert "1 toll-free number: they need an order of their own" in preview.summary()
    mixed = _numbers("number,order\n8005550100,PON-1\n3035550100,TF-1\n",
                     orders={"pon-1", "tf-1"}, toll_free_orders={"tf-1"})
    assert not mixed.rows
    assert [e.line for e in mixed.errors] == [2, 3]
    assert "separate LOA" in mixed.errors[0].reason


def test_a_file_mixing_encodings_is_refused_naming_the_lines() -> None:
    data = "number,assigned_to\n3035550100,José\n".encode() + "3035550101,Zoë\n".encode("cp1252")
    with pytest.raises(NumberImportError, match="line 3 is not UTF-8 while line 2 is"):
        sniff(data)


def test_a_windows_1252_file_is_read_with_a_warning() -> None:
    table = sniff("number,assigned_to\n3035550100,Zoë\n".encode("cp1252"))
    assert table.rows[0][1][1] == "Zoë"
    assert table.warnings and "Windows-1252" in table.warnings[0]
    assert not sniff(b"number\n3035550100\n").warnings


def test_a_binary_file_is_refused() -> None:
    with pytest.raises(NumberImportError, match="not a CSV file"):
        sniff(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4)


def test_sites_are_read_with_per_line_errors() -> None:
    text = ("Site Code,Site Name,Address,Time Zone\n"
            "DEN,Denver HQ,1 Main St,America/Denver\n"
            ",Nowhere,,\n"
            "NYC,New York,5 Broadway,Mars/Olympus\n"
            "den,Denver again,,\n"
            "LAX,Los Angeles,,\n\n")
    preview = build_site_import(sniff(text.encode()), existing={"lax"})
    assert [row.key for row in preview.rows] == ["DEN"]
    assert preview.rows[0].fields["time_zone"] == "America/Denver"
    assert [(line, reason.split(";")[0]) for line, _, reason in preview.errors] == [
        (3, "no site code"), (4, "'Mars/Olympus' is not a time zone")]
    assert preview.duplicates == ((5, "den", 2),)
    assert preview.already_present == ((6, "LAX"),)
    assert preview.blank_lines == (7,)
    assert preview.summary().startswith("1 site ready; 2 rows with errors (lines 3, 4)")


def test_a_sites_file_without_a_code_column_is_refused() -> None:
    with pytest.raises(NumberImportError, match="no column is headed 'code'"):
        build_site_import(sniff(b"city,street\nDenver,1 Main St\n"))


def test_orders_are_checked_by_the_order_rules() -> None:
    text = ("PON,Losing Carrier,BTN,PIN,Requested FOC,Toll Free,RespOrg\n"
            "PON-1,Lumen,303-555-0100,1234,2026-12-21,no,\n"
            "PON-2,Verizon Business,212-555-0100,12ab,2026-12-21,no,\n"
            "PON-3,AT&T,310-555-0100,,2026-11-30,no,\n"
            "TF-1,AT&T,,,2026-12-21,yes,\n"
            "TF-2,AT&T,,,2026-12-22,yes,KZA01\n"
            "PON-1,Lumen,,,,,\n")
    preview = build_order_import(sniff(text.encode()), now=NOW)
    assert [row.key for row in preview.rows] == ["PON-1", "TF-2"]
    assert preview.rows[0].fields["btn"] == "+13035550100"
    assert preview.rows[1].fields["toll_free"] is True
    errors = {line: (raw, reason) for line, raw, reason in preview.errors}
    assert set(errors) == {3, 4, 5}
    assert errors[3][0] == "(hidden)" and "digits only" in errors[3][1]  # the PIN is not shown
    assert "12ab" not in errors[3][1]
    assert "in the past" in errors[4][1]
    assert "RespOrg" in errors[5][1]
    assert preview.duplicates == ((7, "PON-1", 2),)


def test_an_unreadable_foc_is_an_error() -> None:
    text = "pon,carrier,requested foc\nPON-1,Lumen,next tuesday\n"
    preview = build_order_import(sniff(text.encode()), now=NOW)
    assert not preview.rows
    assert "not a date" in preview.errors[0][2]
