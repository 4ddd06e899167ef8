"""Reading sites and port orders from CSV, and matching the site names customers write.

The same three steps as the numbers import (:mod:`golive_tui.domain.number_import`): the
file is read by :func:`~golive_tui.domain.number_import.sniff` (size limit, binary files,
encodings), its columns are found by their headers, and every line is sorted into one
outcome (ready, error, duplicate, already present, blank) before anything is written. A
line is an error when the rules would refuse the record it makes: an order is checked by
:func:`~golive_tui.domain.port_orders.check_order`, the rule the server applies.

:func:`propose_site_map` matches the values of a number list's site column ("Denver HQ",
"DEN", "denver") to the project's site codes, for the person importing to confirm.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from golive_tui.domain.clock import as_time
from golive_tui.domain.errors import DomainError
from golive_tui.domain.number_import import (
    NumberImportError,
    ParsedTable,
    import_summary,
    site_key,
)
from golive_tui.domain.phone import InvalidPhoneNumber, normalise_number
from golive_tui.domain.port_orders import check_order

__all__ = [
    "ORDER_COLUMNS",
    "SITE_COLUMNS",
    "RecordPreview",
    "RecordRow",
    "SiteMatch",
    "build_order_import",
    "build_site_import",
    "propose_site_map",
    "site_key",
]

#: our field → the header names it is recognised by (case, spaces and punctuation ignored)
SITE_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "site code", "site id", "location code", "short name"),
    "name": ("name", "site", "site name", "location", "location name", "office"),
    "address": ("address", "street address", "service address", "site address",
                "e911 address", "emergency address"),
    "time_zone": ("time zone", "timezone", "tz", "zone"),
    "main_number": ("main number", "main line", "main phone"),
}
ORDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "pon": ("pon", "order", "port order", "order number", "order id", "purchase order number"),
    "carrier": ("carrier", "losing carrier", "current carrier", "provider", "old carrier"),
    "btn": ("btn", "billing number", "billing telephone number", "billing tn"),
    "account_number": ("account", "account number", "account no", "acct", "acct number"),
    "pin": ("pin", "passcode", "port out pin", "account pin", "port pin"),
    "service_address": ("service address", "address"),
    "authorised_name": ("authorised name", "authorized name", "authorised user",
                        "authorized user", "account holder", "auth name"),
    "spid": ("spid",),
    "requested_foc": ("requested foc", "foc", "desired foc", "port date", "requested date"),
    "toll_free": ("toll free", "tollfree", "toll-free"),
    "resp_org": ("resporg", "resp org", "resporg id"),
    "loa_signed_by": ("loa signed by", "loa signer", "signed by"),
    "notes": ("notes", "note", "comments"),
}
_REQUIRED = {"site": ("code",), "order": ("pon", "carrier")}
_TRUE = {"yes", "y", "true", "1", "x", "toll free", "tollfree", "tf"}
_FALSE = {"", "no", "n", "false", "0"}


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One record ready to import: its line in the file and its fields."""

    line: int
    key: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordPreview:
    """What an import of sites or orders would do, line by line (as for numbers)."""

    kind: Literal["site", "order"]
    rows: tuple[RecordRow, ...] = ()
    errors: tuple[tuple[int, str, str], ...] = ()
    """``(line, raw cell, reason)``"""
    duplicates: tuple[tuple[int, str, int], ...] = ()
    """``(line, key, first line)``"""
    already_present: tuple[tuple[int, str], ...] = ()
    blank_lines: tuple[int, ...] = ()

    @property
    def valid_count(self) -> int:
        return len(self.rows)

    @property
    def error_lines(self) -> tuple[int, ...]:
        return tuple(line for line, _, _ in self.errors)

    def summary(self, max_lines: int = 10) -> str:
        nouns = ("site", "sites") if self.kind == "site" else ("order", "orders")
        return import_summary(
            self.valid_count, nouns, self.error_lines, len(self.duplicates),
            len(self.already_present), len(self.blank_lines), max_lines=max_lines,
        )


_norm = site_key


def _columns(table: ParsedTable, known: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Which column holds each field, by header name (the first header naming it wins)."""
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        name = _norm(header)
        for name_of, synonyms in known.items():
            if name_of not in found and (name == _norm(name_of) or name in synonyms):
                found[name_of] = index
                break
    return found


def _cells(cells: Sequence[str], columns: Mapping[str, int]) -> dict[str, str]:
    return {name: " ".join(cells[i].split()) if i < len(cells) else ""
            for name, i in columns.items()}


def _need_columns(table: ParsedTable, kind: Literal["site", "order"],
                  columns: Mapping[str, int]) -> None:
    missing = [name for name in _REQUIRED[kind] if name not in columns]
    if not table.has_header or missing:
        known = SITE_COLUMNS if kind == "site" else ORDER_COLUMNS
        wanted = ", ".join(repr(known[name][0]) for name in missing or _REQUIRED[kind])
        raise NumberImportError(
            f"the file needs a header row naming its columns; no column is headed {wanted} "
            f"(the columns are: {', '.join(table.headers) or 'none'})"
        )


class _LineError(Exception):
    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(reason)
        self.raw = raw
        self.reason = reason


def _sort_lines(
    table: ParsedTable,
    kind: Literal["site", "order"],
    columns: Mapping[str, int],
    existing: AbstractSet[str],
    read: Callable[[dict[str, str]], tuple[str, dict[str, Any]]],
) -> RecordPreview:
    """Sort every line of ``table`` into one outcome; ``read`` makes a record's key and
    fields from its cells, or raises :class:`_LineError`."""
    rows: list[RecordRow] = []
    errors: list[tuple[int, str, str]] = []
    duplicates: list[tuple[int, str, int]] = []
    present: list[tuple[int, str]] = []
    blank: list[int] = []
    first: dict[str, int] = {}
    for line, raw in table.rows:
        if all(not c.strip() for c in raw):
            blank.append(line)
            continue
        try:
            key, fields = read(_cells(raw, columns))
        except _LineError as exc:
            errors.append((line, exc.raw, exc.reason))
            continue
        folded = key.casefold()
        if folded in first:
            duplicates.append((line, key, first[folded]))
        elif folded in existing:
            first[folded] = line
            present.append((line, key))
        else:
            first[folded] = line
            rows.append(RecordRow(line, key, fields))
    return RecordPreview(kind, tuple(rows), tuple(errors), tuple(duplicates), tuple(present),
                         tuple(blank))


def build_site_import(table: ParsedTable, *, existing: AbstractSet[str] = frozenset(),
                      default_time_zone: str = "America/New_York") -> RecordPreview:
    """Sites from ``table`` (a header row naming at least ``code``); ``existing`` holds the
    project's site codes, casefolded."""
    columns = _columns(table, SITE_COLUMNS)
    _need_columns(table, "site", columns)

    def read(cells: dict[str, str]) -> tuple[str, dict[str, Any]]:
        code = cells.get("code", "")
        if not code:
            raise _LineError("", "no site code")
        if len(code) > 20 or not re.fullmatch(r"[\w\-.]+", code):
            raise _LineError(code, "a site code is up to 20 letters, digits, '-' or '.' with "
                                   "no spaces (such as DEN or NYC-2)")
        zone = cells.get("time_zone") or default_time_zone
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise _LineError(zone, f"{zone!r} is not a time zone; give an IANA name such as "
                                   "America/Chicago") from None
        fields: dict[str, Any] = {"code": code, "name": cells.get("name") or code,
                                  "address": cells.get("address", ""), "time_zone": zone}
        main = cells.get("main_number", "")
        if main:
            try:
                fields["main_number"] = normalise_number(main)
            except InvalidPhoneNumber as exc:
                raise _LineError(main, f"main number: {exc.reason}") from None
        return code, fields

    return _sort_lines(table, "site", columns, existing, read)


def _flag(value: str) -> bool | None:
    folded = _norm(value)
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None


def build_order_import(table: ParsedTable, *, now: datetime,
                       existing: AbstractSet[str] = frozenset()) -> RecordPreview:
    """Port orders from ``table`` (a header row naming at least ``pon`` and ``carrier``);
    ``existing`` holds the project's PONs, casefolded. Each order is checked by the rule
    the server applies to a new order; a requested FOC must be a day still to come."""
    columns = _columns(table, ORDER_COLUMNS)
    _need_columns(table, "order", columns)

    def read(cells: dict[str, str]) -> tuple[str, dict[str, Any]]:
        pon = cells.get("pon", "")
        if not pon:
            raise _LineError("", "no PON (the order's number)")
        fields: dict[str, Any] = {name: value for name, value in cells.items()
                                  if value and name not in ("toll_free", "requested_foc")}
        toll_free = _flag(cells.get("toll_free", ""))
        if toll_free is None:
            raise _LineError(cells["toll_free"], "toll free: say yes or no")
        fields["toll_free"] = toll_free
        problem = _foc_problem(cells.get("requested_foc", ""), now, fields)
        if problem:
            raise _LineError(cells.get("requested_foc", ""), problem)
        try:
            check_order(None, fields, now)
        except DomainError as exc:
            shown = "(hidden)" if (exc.details or {}).get("field") == "pin" else pon
            raise _LineError(shown, exc.message) from None
        return pon, fields

    return _sort_lines(table, "order", columns, existing, read)


def _foc_problem(raw: str, now: datetime, fields: dict[str, Any]) -> str:
    """Why a requested FOC cell cannot be used ("" if it can); sets ``requested_foc``."""
    if not raw:
        return ""
    text = raw.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T11:30:00-05:00"  # a day alone: Zoom's activation window on that day
    try:
        when = as_time(text)
    except ValueError:
        when = None
    if when is None:
        return f"requested FOC {raw!r} is not a date such as 2026-12-14"
    if when.date() < now.date():
        return f"requested FOC {raw} is in the past; an FOC is a date to come"
    fields["requested_foc"] = when
    return ""


# --------------------------------------------------------------------------- site names


@dataclass(frozen=True, slots=True)
class SiteMatch:
    """What a site column's value was matched to.

    ``how`` is ``exact`` (the value is a site's code or name), ``unique`` (it names one site
    in part, such as "denver" for "Denver HQ"), ``ambiguous`` (several sites; ``candidates``)
    or ``none``.
    """

    value: str
    code: str | None
    how: Literal["exact", "unique", "ambiguous", "none"]
    candidates: tuple[str, ...] = field(default=())


def _words(text: str) -> set[str]:
    return set(_norm(text).split())


def propose_site_map(values: Iterable[str], sites: Sequence[tuple[str, str]]) -> list[SiteMatch]:
    """Match each distinct value of a site column to one of ``sites`` (code, name).

    Exact: the value is the code or the name (case, spaces and punctuation ignored). Else
    the sites whose code or name words hold every word of the value, or whose name starts
    with it: one is a unique match, several are ambiguous.
    """
    seen: dict[str, SiteMatch] = {}
    for value in values:
        text = " ".join(value.split())
        key = _norm(text)
        if not key or key in seen:
            continue
        exact = [code for code, name in sites if key in (_norm(code), _norm(name))]
        if len(exact) == 1:
            seen[key] = SiteMatch(text, exact[0], "exact")
            continue
        words = set(key.split())
        found = [code for code, name in sites
                 if words <= (_words(name) | _words(code)) or _norm(name).startswith(key)
                 or (len(key) >= 3 and any(w.startswith(key) for w in _words(name)))]
        found = list(dict.fromkeys(exact or found))
        if len(found) == 1:
            seen[key] = SiteMatch(text, found[0], "unique")
        elif found:
            seen[key] = SiteMatch(text, None, "ambiguous", tuple(found))
        else:
            seen[key] = SiteMatch(text, None, "none")
    return list(seen.values())
