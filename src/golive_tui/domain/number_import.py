"""Reading carrier and customer number lists (CSV text) into rows to import.

Pure: the caller reads the file and passes its bytes or text. Three steps, each shown to
the person importing:

1. :func:`sniff` decodes the file, finds the delimiter and the header row, and returns
   every record with its line number in the file;
2. :func:`guess_mapping` proposes which column holds the number, the site, the order...;
3. :func:`build_import` normalises every number (ranges expanded) and sorts every line into
   exactly one outcome: ready (``rows``), ``errors``, ``duplicates``, ``already_present`` or
   ``blank_lines``. Nothing is dropped silently; a half-good file is shown as such.

Steps 1 and 2 read the file (:mod:`~golive_tui.domain.number_file`); step 3 is here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from golive_tui.domain.number_file import (
    FILE_HEAD_BYTES,
    MAX_IMPORT_BYTES,
    ColumnMapping,
    NumberImportError,
    ParsedTable,
    check_import_size,
    file_problem,
    guess_mapping,
    is_blank,
    normalise_header,
    sniff,
)
from golive_tui.domain.phone import (
    InvalidPhoneNumber,
    expand_range,
    is_toll_free,
    normalise_number,
    region_of,
)

__all__ = [
    "FILE_HEAD_BYTES",
    "MAX_IMPORT_BYTES",
    "AlreadyPresent",
    "ColumnMapping",
    "ImportPreview",
    "ImportRow",
    "NumberImportError",
    "ParsedTable",
    "RowDuplicate",
    "RowError",
    "build_import",
    "check_import_size",
    "file_problem",
    "guess_mapping",
    "import_summary",
    "site_key",
    "sniff",
]

# --------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One number ready to import. A range line gives several, all with its ``line``."""

    line: int
    e164: str
    site: str | None = None
    order: str | None = None
    carrier: str | None = None
    btn: str | None = None
    assigned_to: str | None = None
    number_type: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """A line that cannot be imported: ``raw`` is the offending cell, ``reason`` says why."""

    line: int
    raw: str
    reason: str


@dataclass(frozen=True, slots=True)
class RowDuplicate:
    """A number already seen earlier in the same file, at ``first_line``."""

    line: int
    e164: str
    first_line: int


@dataclass(frozen=True, slots=True)
class AlreadyPresent:
    """A number the project already has."""

    line: int
    e164: str


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What an import would do, line by line.

    Every data line is in exactly one of ``errors`` and ``blank_lines``, or else each of
    its numbers (one, or several for a range) is in exactly one of ``rows``,
    ``duplicates`` and ``already_present``.
    """

    rows: tuple[ImportRow, ...] = ()
    errors: tuple[RowError, ...] = ()
    duplicates: tuple[RowDuplicate, ...] = ()
    already_present: tuple[AlreadyPresent, ...] = ()
    blank_lines: tuple[int, ...] = ()
    review: tuple[RowError, ...] = ()
    """Numbers of another country than the project's: held back for a person to look at,
    not imported."""

    @property
    def valid_count(self) -> int:
        """Numbers ready to import."""
        return len(self.rows)

    @property
    def error_count(self) -> int:
        """Lines that cannot be imported."""
        return len(self.errors)

    @property
    def duplicate_count(self) -> int:
        return len(self.duplicates)

    @property
    def already_present_count(self) -> int:
        return len(self.already_present)

    @property
    def blank_count(self) -> int:
        return len(self.blank_lines)

    @property
    def error_lines(self) -> tuple[int, ...]:
        return tuple(error.line for error in self.errors)

    @property
    def toll_free(self) -> tuple[ImportRow, ...]:
        """Ready numbers that are NANP toll-free: they port on an order of their own (a
        separate LOA, and the RespOrg that controls them)."""
        return tuple(row for row in self.rows if is_toll_free(row.e164))

    def summary(self, max_lines: int = 10) -> str:
        """One sentence for people, e.g.
        ``1,012 numbers ready; 3 rows with errors (lines 7, 19, 44); 5 duplicates skipped``.
        """
        text = import_summary(
            self.valid_count, ("number", "numbers"), self.error_lines, self.duplicate_count,
            self.already_present_count, self.blank_count, max_lines=max_lines,
        )
        if self.review:
            lines = ", ".join(str(r.line) for r in self.review[:max_lines])
            text += (f"; {_count(len(self.review), 'number', 'numbers')} outside the project's "
                     f"country held for review (line{'s' if len(self.review) > 1 else ''} "
                     f"{lines}{', …' if len(self.review) > max_lines else ''})")
        toll_free = self.toll_free
        if toll_free:
            text += (f"; {_count(len(toll_free), 'toll-free number', 'toll-free numbers')}: "
                     "they need an order of their own (separate LOA, RespOrg)")
        return text


def import_summary(
    valid: int, nouns: tuple[str, str], error_lines: Sequence[int], duplicates: int,
    present: int, blank: int, *, max_lines: int = 10,
) -> str:
    """The sentence every import's preview says: what is ready, which lines have errors,
    how many duplicates, records already present and blank rows."""
    parts = [_count(valid, *nouns) + " ready"]
    if error_lines:
        lines = [str(n) for n in error_lines[:max_lines]]
        more = len(error_lines) - len(lines)
        listed = ", ".join(lines) + (f", … and {more:,} more" if more else "")
        word = "line" if len(error_lines) == 1 else "lines"
        parts.append(f"{_count(len(error_lines), 'row', 'rows')} with errors ({word} {listed})")
    if duplicates:
        parts.append(_count(duplicates, "duplicate", "duplicates") + " skipped")
    if present:
        parts.append(_count(present, *nouns) + " already present")
    if blank:
        parts.append(_count(blank, "blank row", "blank rows"))
    return "; ".join(parts)


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


# --------------------------------------------------------------------------- building


def _cell(cells: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return " ".join(cells[index].split())  # trims, and folds no-break spaces and newlines


def _unknown_reference(
    site: str | None, order: str | None,
    sites: AbstractSet[str] | None, orders: AbstractSet[str] | None,
) -> str:
    """Why a line names a site or port order the project does not have, or ""."""
    if site and sites is not None and site.strip().casefold() not in sites:
        return f"unknown site '{site}'"
    if order and orders is not None and order.strip().casefold() not in orders:
        return f"unknown port order '{order}'"
    return ""


def build_import(
    table: ParsedTable,
    mapping: ColumnMapping,
    *,
    existing: AbstractSet[str] = frozenset(),
    sites: AbstractSet[str] | None = None,
    orders: AbstractSet[str] | None = None,
    default_region: str = "US",
    max_numbers: int = 200_000,
    site_map: Mapping[str, str] | None = None,
    country: str | None = None,
    toll_free_orders: AbstractSet[str] | None = None,
) -> ImportPreview:
    """Normalise every record of ``table`` and sort each line into one outcome.

    * blank records → ``blank_lines``;
    * a number cell that is empty (while other cells are not) or invalid, an invalid BTN,
      or a line that would take the import past ``max_numbers`` → ``errors``;
    * a number seen on an earlier line → ``duplicates``; one in ``existing`` (E.164)
      → ``already_present``; otherwise → ``rows``. A range line gives one entry per number.
    * given the project's ``sites`` (codes and names) and port ``orders`` (PONs), casefolded,
      a line naming another site or order → ``errors``: the import would refuse it.

    * given ``site_map`` (a site cell's :func:`site_key`
      → site code, as confirmed in the mapping step), the site cell is replaced by its
      code; a value the map does not hold → ``errors``;
    * given the project's ``country``, a number of another country → ``review``;
    * given the PONs of the toll-free orders (casefolded), a toll-free number on another
      order, or a toll-free order given an ordinary number → ``errors``.

    Raises :class:`NumberImportError` if no column is mapped to the number.
    """
    if mapping.number is None:
        raise NumberImportError("choose the column that holds the phone numbers")
    number_label = table.column_label(mapping.number)
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    duplicates: list[RowDuplicate] = []
    present: list[AlreadyPresent] = []
    review: list[RowError] = []
    blank: list[int] = []
    first_seen: dict[str, int] = {}

    for line, cells in table.rows:
        if is_blank(cells):
            blank.append(line)
            continue
        raw_number = _cell(cells, mapping.number)
        if not raw_number:
            errors.append(
                RowError(line, table.delimiter.join(cells), f"no number in column {number_label!r}")
            )
            continue
        try:
            numbers = expand_range(raw_number, default_region)
        except InvalidPhoneNumber as exc:
            errors.append(RowError(line, raw_number, exc.reason))
            continue

        btn: str | None = None
        raw_btn = _cell(cells, mapping.btn)
        if raw_btn:
            try:
                btn = normalise_number(raw_btn, default_region)
            except InvalidPhoneNumber as exc:
                label = table.column_label(mapping.btn) if mapping.btn is not None else "BTN"
                errors.append(RowError(line, raw_btn, f"billing number in {label!r}: {exc.reason}"))
                continue

        new = [n for n in numbers if n not in first_seen and n not in existing]
        if len(rows) + len(new) > max_numbers:
            errors.append(
                RowError(
                    line,
                    raw_number,
                    f"the import is limited to {max_numbers:,} numbers; split the file",
                )
            )
            continue

        site = _cell(cells, mapping.site) or None
        order = _cell(cells, mapping.order) or None
        if site and site_map is not None:
            mapped = site_map.get(site_key(site))
            if mapped is None:
                errors.append(RowError(line, raw_number, f"unknown site '{site}'"))
                continue
            site = mapped
        unknown = _unknown_reference(site, order, sites, orders) or _toll_free_mismatch(
            numbers, order, toll_free_orders)
        if unknown:
            errors.append(RowError(line, raw_number, unknown))
            continue
        carrier = _cell(cells, mapping.carrier) or None
        assigned_to = _cell(cells, mapping.assigned_to) or None
        number_type = _cell(cells, mapping.number_type) or None
        for e164 in numbers:
            if e164 in first_seen:
                duplicates.append(RowDuplicate(line, e164, first_seen[e164]))
                continue
            first_seen[e164] = line
            if e164 in existing:
                present.append(AlreadyPresent(line, e164))
            elif country and (region := region_of(e164)) not in (None, country.upper()):
                review.append(RowError(line, e164, f"a number of {region}, not of the "
                                                   f"project's country {country.upper()}"))
            else:
                rows.append(
                    ImportRow(
                        line=line,
                        e164=e164,
                        site=site,
                        order=order,
                        carrier=carrier,
                        btn=btn,
                        assigned_to=assigned_to,
                        number_type=number_type,
                    )
                )

    return ImportPreview(
        rows=tuple(rows),
        errors=tuple(errors),
        duplicates=tuple(duplicates),
        already_present=tuple(present),
        blank_lines=tuple(blank),
        review=tuple(review),
    )


def site_key(value: str) -> str:
    """A site name or header as compared: case, spaces and punctuation ignored."""
    return normalise_header(value)


def _toll_free_mismatch(
    numbers: Sequence[str], order: str | None, toll_free_orders: AbstractSet[str] | None
) -> str:
    """Why a line's numbers do not belong on its order by toll-free-ness, or ""."""
    if not order or toll_free_orders is None:
        return ""
    on_toll_free = order.strip().casefold() in toll_free_orders
    toll_free = [n for n in numbers if is_toll_free(n)]
    if toll_free and not on_toll_free:
        return (f"toll-free {toll_free[0]} on order '{order}', which is not a toll-free "
                "order: toll-free numbers port on their own order (separate LOA, RespOrg)")
    if on_toll_free and len(toll_free) < len(numbers):
        return f"order '{order}' is a toll-free order; this number is not toll-free"
    return ""
