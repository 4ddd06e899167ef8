"""The porting tracker's quicker table: part of :mod:`golive_tui.tui.textual_adapter` (its
private names are listed in ``private_api()`` there), in a module of its own so that the
data table is read when the first table is made, not on the way to the dashboard's first
paint."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any, cast

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import DEFAULT_OVERFLOW, Text
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

_NULL = Style()
_LINES = Text("\n")
#: an empty cell, as DataTable formats it
_EMPTY_TEXT = Text(no_wrap=True, end="")
SegmentLines = list[list[Segment]]


class _Drawing:
    """What every line of one drawing of a table shares: read once, by its first line."""

    def __init__(self, table: QuickCellTable) -> None:
        self.pad = table.cell_padding
        columns = table.ordered_columns
        self.widths = [column.get_render_width(table) for column in columns]
        self.column_keys = [column.key for column in columns]
        self.width = table.size.width
        self.table_width = sum(self.widths) + table._row_label_column_width
        self.show_cursor = table.show_cursor
        self.show_hover_cursor = table._show_hover_cursor
        self.foreground_priority = table.cursor_foreground_priority
        self.background_priority = table.cursor_background_priority
        self.pseudo_classes = table._pseudo_class_state
        self._row_styles: dict[tuple[bool, Style], Style] = {}
        self._cell_styles: dict[tuple[bool, bool], tuple[Style, Style]] = {}
        self._extend_styles: dict[tuple[bool, bool], Style] = {}
        self._style: Style | None = None
        self._fixed_height: int | None = None

    def style(self, table: QuickCellTable) -> Style:
        """The table's own style (``rich_style``, which walks its ancestors)."""
        if self._style is None:
            self._style = table.rich_style
        return self._style

    def fixed_height(self, table: QuickCellTable) -> int:
        """The lines of the header and the fixed rows, which do not scroll."""
        if self._fixed_height is None:
            keys = [table._row_locations.get_key(index) for index in range(table.fixed_rows)]
            height = sum(table.get_row_height(key) for key in keys if key is not None)
            if table.show_header:
                height += table.get_row_height(table._header_row_key)
            self._fixed_height = height
        return self._fixed_height

    def row_style(self, table: QuickCellTable, row_index: int, base_style: Style) -> Style:
        """DataTable's ``_get_row_style`` of a body row below the fixed ones."""
        key = (bool(row_index % 2), base_style)
        style = self._row_styles.get(key)
        if style is None:
            style = self._row_styles[key] = table._get_row_style(row_index, base_style)
        return style

    def cell_styles(self, table: QuickCellTable, hover: bool, cursor: bool) -> tuple[Style, Style]:
        """A body cell's component and post styles, as DataTable works them out."""
        styles = self._cell_styles.get((hover, cursor))
        if styles is None:
            styles = self._cell_styles[hover, cursor] = table._get_styles_to_render_cell(
                False, False, False, hover, cursor, self.show_cursor, self.show_hover_cursor,
                self.foreground_priority == "css", self.background_priority == "css",
            )
        return styles

    def extend_style(self, table: QuickCellTable, hover: bool, cursor: bool) -> Style:
        """The component style of the space after a row's last column (DataTable asks it
        without the cursor's colour priorities)."""
        style = self._extend_styles.get((hover, cursor))
        if style is None:
            style = self._extend_styles[hover, cursor] = table._get_styles_to_render_cell(
                False, False, False, hover, cursor, self.show_cursor, self.show_hover_cursor,
                False, False,
            )[0]
        return style


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
    #: the mouse's styles of the cells kept, by place: a few screens' worth
    META_STYLES_KEPT = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # before DataTable's own set-up, whose watchers empty the caches
        self._meta_styles: dict[tuple[int, int | None], Style] = {}
        #: the header's lines, by its columns (DataTable draws it again on every update)
        self._header_lines: dict[Any, Strip] = {}
        super().__init__(*args, **kwargs)
        self._cell_render_cache.maxsize = self.CELLS_KEPT
        #: what the lines of the drawing under way share (None between drawings)
        self._drawing: _Drawing | None = None
        self._drawing_now = False

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

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._header_lines.clear()

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._header_lines.clear()

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
        # DataTable keeps its rows' height and columns' width in Widget's virtual size, whose
        # every change lays out the whole screen: a search whose page is shorter than the
        # last did. A table sized by its styles with no room for scrollbars (the tracker's
        # page) moves nothing else: its scrolling is bounded again as a layout would, and it
        # alone is drawn again. A layout asked for before is left as it was.
        styles = self.styles
        alone = not (self._layout_required or styles.auto_dimensions
                     or styles.scrollbar_size_vertical or styles.scrollbar_size_horizontal)
        super()._update_dimensions(new_rows)
        if alone and self._layout_required:
            self._layout_required = False
            self._scroll_update(self.virtual_size)
            self.refresh()
        if [column.get_render_width(self) for column in self.ordered_columns] != before:
            self._update_count += 1
            self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        # what every line of this drawing shares is worked out once, by its first line
        self._drawing = None
        self._drawing_now = True
        try:
            return super().render_lines(crop)
        finally:
            self._drawing_now = False
            self._drawing = None

    def _shared(self) -> _Drawing:
        drawing = self._drawing
        if drawing is None:
            drawing = _Drawing(self)
            if self._drawing_now:
                self._drawing = drawing
        return drawing

    def _meta_style(self, row_index: int, column_index: int | None) -> Style:
        """The style that tells a click which cell (or the space after a row) it hit, made
        once per place rather than once per cell drawn. ``None``: after the last column."""
        key = (row_index, column_index)
        style = self._meta_styles.get(key)
        if style is None:
            if len(self._meta_styles) > self.META_STYLES_KEPT:
                self._meta_styles.clear()
            meta: dict[str, Any] = (
                {"row": row_index, "column": column_index} if column_index is not None
                else {"row": row_index, "column": 0, "out_of_bounds": True})
            style = self._meta_styles[key] = Style.from_meta(meta)
        return style

    def _quick_rows(self) -> bool:
        """Whether body rows are drawn by this table's own path: a row cursor, no row
        labels and no fixed columns (the tracker's tables)."""
        return (self.cursor_type == "row" and not self.fixed_columns
                and not (self._labelled_row_exists and self.show_row_labels))

    def render_line(self, y: int) -> Strip:
        if not self._quick_rows():
            return super().render_line(y)
        # DataTable's, with the widget's style and the fixed rows' height read once a
        # drawing rather than once a line
        shared = self._shared()
        scroll_x, scroll_y = self.scroll_offset
        if y >= shared.fixed_height(self):
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + self.size.width, shared.style(self))

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        if not self._quick_rows():
            return super()._render_line(y, x1, x2, base_style)
        shared = self._shared()
        width = shared.width
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return Strip.blank(width, base_style)
        cursor_location, hover_location = self.cursor_coordinate, self.hover_coordinate
        row_index = self._row_locations.get(row_key)
        if row_key is self._header_row_key and not self.fixed_rows:
            # the header: DataTable draws it again whenever a cell changes; it changes only
            # with the columns (and the mouse over it)
            header_key = (
                "header", y, x1, x2, width, hover_location.row == -1, base_style,
                shared.show_cursor, shared.show_hover_cursor, shared.pseudo_classes,
                self.show_header, self.header_height, tuple(
                    (column.key, column.label.plain, str(column.label.style),
                     tuple(column.label.spans), width_)
                    for column, width_ in zip(self.ordered_columns, shared.widths, strict=True)
                ),
            )
            header = self._header_lines.get(header_key)
            if header is None:
                if len(self._header_lines) > 64:
                    self._header_lines.clear()
                header = self._header_lines[header_key] = super()._render_line(
                    y, x1, x2, base_style)
            return header
        if row_index is None or row_index < self.fixed_rows or x1 or not shared.pad:
            # (scrolled sideways, or cells without padding: DataTable crops the line's start)
            return super()._render_line(y, x1, x2, base_style)
        # DataTable keeps a line by where the cursor is: every line was drawn again when
        # it moved. A body line depends only on whether the cursor is on its row.
        cache_key = (
            "row", y, x1, x2, width, cursor_location.row == row_index,
            hover_location.row == row_index, base_style, shared.show_cursor,
            shared.show_hover_cursor, self._update_count, shared.pseudo_classes,
        )
        # (DataTable's caches, with keys of this path's own shape: emptied with DataTable's)
        line_cache: Any = self._line_cache
        cached = line_cache.get(cache_key)
        if cached is not None:
            return cast(Strip, cached)
        _fixed, scrollable = self._render_line_in_row(
            row_key, line_no, base_style, cursor_location, hover_location)
        # DataTable crops the line to its width after the start (x1, here 0), whatever x2
        strip = Strip(list(chain.from_iterable(scrollable))).adjust_cell_length(
            width, base_style).simplify()
        line_cache[cache_key] = strip
        return strip

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        """A body row of one line under a row cursor, drawn as DataTable draws it with what
        the lines of a drawing share worked out once (its styles, the columns' widths), and
        without a label or fixed columns. Anything else takes DataTable's path."""
        row_index = self._row_locations.get(row_key)
        row = self.rows.get(row_key)
        if (
            row_index is None
            or row is None
            or row.height != 1
            or line_no != 0
            or row_index < self.fixed_rows
            or not self._quick_rows()
        ):
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location,
                                               hover_location)
        shared = self._shared()
        cursor = cursor_location.row == row_index
        hover = hover_location.row == row_index
        # by whether the cursor is on this row, not where it is: a cursor that moves draws
        # again the two rows it leaves and reaches, not every row
        cache_key = (
            row_key, line_no, base_style, cursor, hover, "row", shared.show_cursor,
            shared.show_hover_cursor, self._update_count, shared.pseudo_classes,
        )
        row_cache: Any = self._row_render_cache
        cached = row_cache.get(cache_key)
        if cached is not None:
            return cast("tuple[SegmentLines, SegmentLines]", cached)
        row_style = shared.row_style(self, row_index, base_style)
        cells = self._row_cells(shared, row_key, row_index)
        scrollable: SegmentLines = []
        for column_index, width in enumerate(shared.widths):
            line = self._body_cell(shared, row_index, column_index, cells[column_index],
                                   row_style, width, cursor, hover)
            if line is None:
                line = super()._render_cell(row_index, column_index, row_style, width,
                                            cursor=cursor, hover=hover)[0]
            scrollable.append(line)
        remaining = max(0, shared.width - shared.table_width)
        extend_style = row_style + shared.extend_style(self, hover, cursor)
        extend_style += self._meta_style(row_index, None)
        scrollable.append([Segment(" " * remaining, extend_style)])
        row_pair: tuple[SegmentLines, SegmentLines] = ([], scrollable)
        row_cache[cache_key] = row_pair
        return row_pair

    def _row_cells(self, shared: _Drawing, row_key: RowKey, row_index: int) -> Sequence[Any]:
        """The row's cells as DataTable formats them: read straight from the row when they
        are all text (or empty), as formatting leaves text as it is."""
        values = self._data.get(row_key)
        if values is not None:
            cells = [values.get(key) for key in shared.column_keys]
            if all(cell is None or type(cell) is Text for cell in cells):
                return [cell or _EMPTY_TEXT for cell in cells]
        return self._get_row_renderables(row_index).cells

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        line = None
        if row_index >= 0 and column_index >= 0:
            cells = self._get_row_renderables(row_index).cells
            if column_index < len(cells):
                line = self._body_cell(self._shared(), row_index, column_index,
                                       cells[column_index], base_style, width, cursor, hover)
        if line is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)
        return [line]

    def _body_cell(
        self,
        shared: _Drawing,
        row_index: int,
        column_index: int,
        cell: Any,
        base_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
    ) -> list[Segment] | None:
        """A body cell of one line of text, drawn; None when it is not one (DataTable's
        path draws it)."""
        pad = shared.pad
        if (
            width - 2 * pad <= 0
            or not isinstance(cell, Text)
            or cell.no_wrap is False  # wraps (then shows its first line): DataTable's path
            or row_index < self.fixed_rows
            or column_index < self.fixed_columns
        ):
            return None
        row_key = self._row_locations.get_key(row_index)
        row = self.rows.get(row_key) if row_key is not None else None
        if row is None or row.height != 1:
            return None
        # Kept by what the cell shows and where, not by the row's key and the count of
        # updates as DataTable keeps it: a page of the tracker rewritten in place draws
        # again only the cells that changed (a state, a site or an empty code at the same
        # place on the screen is drawn once). The place is in the key because the cell's
        # segments carry it for the mouse; a change of theme or styles empties the cache.
        cache_key: Any = (
            row_index, column_index, width, pad,
            cell.plain, cell.style, tuple(cell.spans), cell.justify, cell.overflow, cell.end,
            cell.tab_size,
            base_style, cursor, hover, shared.show_cursor, shared.show_hover_cursor,
            shared.foreground_priority, shared.background_priority, shared.pseudo_classes,
        )
        cache = self._cell_render_cache
        cached = cache.get(cache_key)
        if cached is not None:
            return cached[0]
        component_style, post_style = shared.cell_styles(self, hover, cursor)
        pre_style = base_style + self._meta_style(row_index, column_index) + component_style
        text_line = self._text_line(cell, width - 2 * pad)
        edge = [Segment(" " * pad, _NULL)] if pad else []
        line = list(Segment.apply_style([*edge, *text_line, *edge], pre_style, post_style))
        cache[cache_key] = [line]
        return line

    def _text_line(self, cell: Text, width: int) -> list[Segment]:
        """``cell`` drawn in ``width`` cells, as Rich's console draws a line of text that
        may not wrap: cropped (or cut with an ellipsis) to fit, then padded."""
        plain = cell.plain
        if (not cell.spans and not cell.style and len(plain) <= width and plain.isascii()
                and plain.isprintable() and cell.justify in (None, "default")
                and self.app.console_options.justify in (None, "default")):
            # text of one plain style that fits, as Rich draws it: itself, then the padding
            if len(plain) == width:
                return [Segment(plain)]
            return [Segment(plain), Segment(" " * (width - len(plain)), _NULL)]
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
