"""golive's DataTable: strings shown as typed, and one-line text cells drawn quickly.

DataTable reads every string cell as Rich markup: a name "Ops [night] desk" from a
customer's list showed as "Ops  desk", and "[/] night" (a closing tag with nothing to
close) stopped the import preview drawing at all. ``FastTable`` keeps strings as plain
text.

DataTable draws every cell by wrapping it in Rich's ``Styled`` and ``Padding`` and
rendering that through the console: for a screenful of the porting tracker (some 300
cells, all drawn again on every page) that was half the time from key to frame. For a
body cell of one line of text, ``FastTable`` makes the same segments from the same Rich
calls (the text rendered at the inner width, cropped and padded, padding either side, the
cell's styles applied beneath and over it) and skips the layers around them. Anything
else (headers, labels, rows taller than one line, renderables other than text) takes
DataTable's own path. The tests compare the two, cell by cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import DEFAULT_OVERFLOW, Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

_NULL = Style()
_LINES = Text("\n")


def _plain(value: Any) -> Any:
    return Text(value, end="") if isinstance(value, str) else value


class FastTable(DataTable[Any]):
    """DataTable that shows strings as typed, with a quicker path for one-line text."""

    def add_row(
        self,
        *cells: Any,
        height: int | None = 1,
        key: str | None = None,
        label: Any = None,
    ) -> RowKey:
        return super().add_row(*map(_plain, cells), height=height, key=key, label=label)

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Any,
        *,
        update_width: bool = False,
    ) -> None:
        super().update_cell(row_key, column_key, _plain(value), update_width=update_width)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # DataTable measures new rows when it is next idle, and keeps the lines it drew
        # under keys that leave out the widths of the columns: drawn in between (a busy
        # machine paints first), a table kept the narrow columns of its labels. Drawn
        # again once the widths change.
        before = [column.get_render_width(self) for column in self.ordered_columns]
        super()._update_dimensions(new_rows)
        if [column.get_render_width(self) for column in self.ordered_columns] != before:
            self._update_count += 1
            self.refresh()

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        pad = self.cell_padding
        if row_index < 0 or column_index < 0 or width - 2 * pad <= 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)
        row_key = self._row_locations.get_key(row_index)
        cache_key: Any = (
            row_key,
            self._column_locations.get_key(column_index),
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cache = self._cell_render_cache
        if cache_key in cache:
            return cache[cache_key]
        row = self.rows.get(row_key) if row_key is not None else None
        cell = self._get_row_renderables(row_index).cells[column_index]
        if (
            row is None
            or row.height != 1
            or row_index < self.fixed_rows
            or column_index < self.fixed_columns
            or not isinstance(cell, Text)
            or cell.no_wrap is False  # wraps (then shows its first line): DataTable's path
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = (
            base_style + Style.from_meta({"row": row_index, "column": column_index})
            + component_style
        )
        inner = width - 2 * pad
        text_line = self._text_line(cell, inner)
        edge = [Segment(" " * pad, _NULL)] if pad else []
        line = list(Segment.apply_style([*edge, *text_line, *edge], pre_style, post_style))
        cache[cache_key] = lines = [line]
        return lines

    def _text_line(self, cell: Text, width: int) -> list[Segment]:
        """``cell`` drawn in ``width`` cells, as Rich's console draws a line of text that
        may not wrap: cropped (or cut with an ellipsis) to fit, then padded."""
        plain = cell.plain
        console = self.app.console
        defaults = self.app.console_options
        if "\n" in plain or "\t" in plain or (cell.justify or defaults.justify) not in (
            None, "default"
        ):
            options = defaults.update_dimensions(width, 1).update(no_wrap=True)
            rendered: Iterable[Segment] = console.render(cell, options)
        else:
            if cell_len(plain) > width:
                cell = cell.copy()
                cell.truncate(width, overflow=cell.overflow or defaults.overflow
                              or DEFAULT_OVERFLOW)
            # joined as Rich joins a text's lines: its own style becomes a span
            rendered = _LINES.join([cell]).render(console, end="")
        for line in Segment.split_and_crop_lines(
            rendered, width, include_new_lines=False, pad=True, style=_NULL
        ):
            return line
        return [Segment(" " * width, _NULL)]
