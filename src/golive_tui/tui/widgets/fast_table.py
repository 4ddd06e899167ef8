"""golive's DataTable: strings shown as typed, and one-line text cells drawn quickly.

DataTable reads every string cell as Rich markup: a name "Ops [night] desk" from a
customer's list showed as "Ops  desk", and "[/] night" (a closing tag with nothing to
close) stopped the import preview drawing at all. ``FastTable`` keeps strings as plain
text.

DataTable draws every cell by wrapping it in Rich's ``Styled`` and ``Padding`` and
rendering that through the console: for a screenful of the porting tracker (some 300
cells, all drawn again on every page) that was half the time from key to frame. For a
body cell of one line of text, ``FastTable`` makes the same segments from the same Rich
calls and skips the layers around them; that path reaches into DataTable's private
members, so it lives in ``textual_adapter.QuickCellTable``. The tests compare the two
paths, cell by cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets.data_table import ColumnKey, RowKey

from golive_tui.tui.textual_adapter.quick_table import QuickCellTable


def _plain(value: Any) -> Any:
    return Text(value, end="") if isinstance(value, str) else value


class RankedText(Text):
    """A table cell that carries its row's sort rank (DataTable sorts by cell values)."""

    def __init__(self, text: str, rank: float, style: str = "") -> None:
        super().__init__(text, style=style, no_wrap=True, overflow="ellipsis")
        self.rank = rank


class FastTable(QuickCellTable):
    """DataTable that shows strings as typed, with a quicker path for one-line text."""

    def add_row(
        self,
        *cells: Any,
        height: int | None = 1,
        key: str | None = None,
        label: Any = None,
    ) -> RowKey:
        return super().add_row(*map(_plain, cells), height=height, key=key, label=label)

    def rewrite_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        super().rewrite_rows([[_plain(cell) for cell in cells] for cells in rows])

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Any,
        *,
        update_width: bool = False,
    ) -> None:
        super().update_cell(row_key, column_key, _plain(value), update_width=update_width)
