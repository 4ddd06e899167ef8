"""The porting tracker's quicker table: part of :mod:`golive_tui.tui.textual_adapter` (its
private names are listed in ``private_api()`` there), in a module of its own so that the
data table is read when the first table is made, not on the way to the dashboard's first
paint."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import DEFAULT_OVERFLOW, Text
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

_NULL = Style()
_LINES = Text("\n")


class QuickCellTable(DataTable[Any]):
    """DataTable with a quicker path for body cells of one line of text.

    DataTable draws every cell by wrapping it in Rich's ``Styled`` and ``Padding`` and
    rendering that through the console. For a body cell of one line of text this makes the
    same segments from the same Rich calls (the text rendered at the inner width, cropped
    and padded, padding either side, the cell's styles applied beneath and over it) and
    skips the layers around them. Anything else (headers, labels, rows taller than one
    line, renderables other than text) takes DataTable's own path.
    """

    #: cells kept drawn (DataTable keeps 10,000): a few screens' worth
    CELLS_KEPT = 2048

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cell_render_cache.maxsize = self.CELLS_KEPT

    def forget_drawn(self) -> None:
        """Drop the lines and rows drawn so far: the table now shows other rows.

        DataTable keys what it drew by a count of updates, so after a page is rewritten in
        place the lines of the pages before stay in its caches, unreachable, until a
        thousand lines have piled up: objects every garbage collection walks, and memory.
        A table that only ever shows one page drops them when it shows the next. Cells of
        one line of text are kept by what they show (below), so they stay good."""
        for cache in (self._row_render_cache, self._row_renderable_cache, self._line_cache,
                      self._offset_cache, self._ordered_row_cache):
            cache.clear()

    def rewrite_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Put ``rows`` in place of the table's first rows, a cell per column, as
        ``update_cell`` would one cell at a time (without measuring widths again), and drop
        what was drawn of the rows before. ``update_cell`` asks for a repaint and counts an
        update for each cell: 300 of each for a page of the tracker."""
        columns = [column.key for column in self.ordered_columns]
        for index, cells in enumerate(rows):
            row_key = self._row_locations.get_key(index)
            assert row_key is not None, f"the table has no row {index} to rewrite"
            self._data[row_key].update(zip(columns, cells, strict=True))
        self._update_count += 1
        self.forget_drawn()
        self.refresh()

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
        # Kept by what the cell shows and where, not by the row's key and the count of
        # updates as DataTable keeps it: a page of the tracker rewritten in place draws
        # again only the cells that changed (a state, a site or an empty code at the same
        # place on the screen is drawn once). The place is in the key because the cell's
        # segments carry it for the mouse; a change of theme or styles empties the cache.
        cache_key: Any = (
            row_index, column_index, width, pad,
            cell.plain, cell.style, tuple(cell.spans), cell.justify, cell.overflow, cell.end,
            cell.tab_size,
            base_style, cursor, hover, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority, self.cursor_background_priority,
            self._pseudo_class_state,
        )
        cache = self._cell_render_cache
        cached = cache.get(cache_key)
        if cached is not None:
            return cached
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
