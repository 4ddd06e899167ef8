"""CSV exports of what a screen shows, for the carrier, the customer or a spreadsheet.

Every cell goes through :func:`neutralise`: a spreadsheet runs a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula, so such a cell gets a
leading apostrophe (OWASP's rule for CSV injection), which a spreadsheet shows as text.
An export never replaces a file that is there, unless asked to.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from golive_tui.domain.codec import encode_time
from golive_tui.domain.phone import format_number

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore

__all__ = [
    "EXPORT_KINDS",
    "FORMULA_STARTS",
    "NUMBER_COLUMNS",
    "ExportTable",
    "export_table",
    "neutralise",
    "write_csv",
    "write_csv_to",
    "write_new_file",
    "write_numbers_csv",
]

T = TypeVar("T")

#: what a spreadsheet reads as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

NUMBER_COLUMNS = (
    "number", "national", "state", "rejection_code", "site", "order", "carrier",
    "type", "assigned_to", "temp_number",
)


def neutralise(value: Any) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write_csv_to(fh: TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and ``rows`` to an open file, every cell neutralised; the row count."""
    writer = csv.writer(fh)
    writer.writerow([neutralise(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
    return count


def write_new_file(path: Path, fill: Callable[[TextIO], T], *, overwrite: bool = False) -> T:
    """Write a text file (UTF-8) by ``fill``, which gets the open file; returns what it returns.

    Written to a temporary file first and then put in place, so a failed export never
    leaves half a file where a good one was. A file already at ``path`` is kept and
    :class:`FileExistsError` raised, unless ``overwrite``: the check and the placing are
    one step (a hard link), so a file made meanwhile is not replaced either.
    """
    path = Path(path)
    exists = f"{path} already exists and was left as it was; choose another name"
    if not overwrite and path.exists():
        raise FileExistsError(exists)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            result = fill(fh)
        if overwrite:
            tmp.replace(path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError as exc:
                raise FileExistsError(exists) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return result


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *, overwrite: bool = False
) -> int:
    """Write a CSV file (a header row, every cell neutralised); how many rows it holds.

    An existing file is kept (:class:`FileExistsError`) unless ``overwrite``; see
    :func:`write_new_file`.
    """
    return write_new_file(path, lambda fh: write_csv_to(fh, header, rows), overwrite=overwrite)


def _number_cells(
    sites: Mapping[str, str], orders: Mapping[str, Any]
) -> Callable[[Any], list[Any]]:
    def cells(row: Any) -> list[Any]:
        order = orders.get(row.order_id or "")
        return [
            row.e164,
            format_number(row.e164),
            row.porting_state.value,
            row.rejection_code or "",
            sites.get(row.site_id or "", ""),
            order.pon if order is not None else "",
            order.carrier if order is not None else "",
            row.number_type.value,
            row.assigned_to,
            row.temp_number or "",
        ]

    return cells


def write_numbers_csv(
    path: Path,
    rows: Iterable[Any],
    *,
    sites: Mapping[str, str],
    orders: Mapping[str, Any],
    overwrite: bool = False,
) -> int:
    """Write numbers to ``path``; returns how many were written (see :func:`write_csv`)."""
    cells = _number_cells(sites, orders)
    return write_csv(path, NUMBER_COLUMNS, (cells(row) for row in rows), overwrite=overwrite)


# -- the tables ``golive export`` writes ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportTable:
    """One export: its column names and its rows (plain values, times in UTC with ``Z``)."""

    columns: tuple[str, ...]
    rows: Iterable[Sequence[Any]]


def _t(value: datetime | None) -> str | None:
    return None if value is None else encode_time(value)


def _enum(value: Any) -> Any:
    return None if value is None else value.value


EXPORT_KINDS = ("numbers", "orders", "issues", "checklist", "verifications")


def export_table(store: LocalStore, kind: str) -> ExportTable:
    """The rows of one kind of record in the cache's project, as ``golive export`` writes them."""
    sites = {s.id: s.code for s in store.sites()}
    if kind == "numbers":
        from golive_tui.store.queries import NumberQuery

        orders = {o.id: o for o in store.orders()}
        cells = _number_cells(sites, orders)
        return ExportTable(NUMBER_COLUMNS,
                           (cells(row) for row in store.iter_numbers(NumberQuery(store.project_id))))
    if kind == "orders":
        counts = store.counts_by_order()
        return ExportTable(
            ("pon", "carrier", "btn", "status", "rejection_code", "toll_free", "loa_signed_at",
             "requested_foc", "confirmed_foc", "numbers", "zoom_order_id", "notes"),
            ([o.pon, o.carrier, o.btn, o.status.value, o.rejection_code, o.toll_free,
              _t(o.loa_signed_at), _t(o.requested_foc), _t(o.confirmed_foc),
              sum(counts.get(o.id, {}).values()), o.zoom_order_id, o.notes]
             for o in store.orders()),
        )
    if kind == "issues":
        return ExportTable(
            ("ref", "priority", "state", "category", "title", "assignee", "reporter", "site",
             "opened_at", "responded_at", "resolved_at", "closed_at", "resolution"),
            ([i.ref, i.priority.value, i.state.value, i.category.value, i.title, i.assignee,
              i.reporter, sites.get(i.site_id or "", ""), _t(i.opened_at),
              _t(i.responded_at), _t(i.resolved_at), _t(i.closed_at), i.resolution]
             for i in store.issues()),
        )
    if kind == "checklist":
        return ExportTable(
            ("key", "title", "phase", "stream", "gate", "status", "owner_role", "assignee",
             "due_at", "done_at", "done_by", "skip_comment"),
            ([c.key, c.title, c.phase.value, c.stream.value, c.gate, c.status.value,
              c.owner_role.value, c.assignee, _t(c.due_at), _t(c.done_at), c.done_by,
              c.skip_comment]
             for c in store.checklist()),
        )
    if kind == "verifications":
        return ExportTable(
            ("test_case", "target", "site", "result", "tester", "tested_at", "mos",
             "loss_pct", "note"),
            ([v.test_case, v.target, sites.get(v.site_id or "", ""), _enum(v.result),
              v.tester, _t(v.tested_at), v.mos, v.loss_pct, v.note]
             for v in store.verifications()),
        )
    raise ValueError(f"nothing to export called {kind!r}; use one of {', '.join(EXPORT_KINDS)}")
