"""FastTable draws each cell exactly as DataTable does, only sooner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.widgets.fast_table import FastTable

from .conftest import wait_ready

CELLS: list[Any] = [
    "",
    "plain",
    "a string much longer than its column is wide",
    "[bold]markup[/bold] in a string",
    "tab\there",
    "two\nlines",
    "漢字の名前が入る",  # wide characters cut in the middle of one
    "café ☎ 📞 ✓",
    Text(""),
    Text("styled", style="bold red"),
    Text.assemble(("part ", "green"), ("and part", "italic on blue")),
    Text("an ellipsis when this is cut", overflow="ellipsis"),
    Text("cropped, not folded", overflow="crop"),
    Text("right", justify="right"),
    Text("centre", justify="center"),
    Text("lead and trail  ", style="underline"),
    Text("wraps at a word when told to", no_wrap=False),
    Text("漢字漢字漢字漢字漢字", style="bold"),
    12.5,
    None,
]


def _segments(lines: list[list[Segment]]) -> list[list[tuple[str, Style | None]]]:
    return [[(segment.text, segment.style) for segment in line] for line in lines]


def _compare(table: FastTable) -> int:
    """Every body cell of ``table``, drawn both ways, in each cursor and hover state."""
    compared = 0
    widths = [column.get_render_width(table) for column in table.ordered_columns]
    base = Style(color="white", bgcolor="black")
    for row in range(table.row_count):
        for column, width in enumerate(widths):
            for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                table._cell_render_cache.clear()
                fast = table._render_cell(row, column, base, width, cursor, hover)
                table._cell_render_cache.clear()
                slow = DataTable._render_cell(table, row, column, base, width, cursor, hover)
                assert _segments(fast) == _segments(slow), (row, column, cursor, hover)
                compared += 1
    return compared


class Cells(App[None]):
    def compose(self) -> ComposeResult:
        table = FastTable(cursor_type="row")
        for width in (1, 3, 8, 20):
            table.add_column(f"w{width}", width=width)
        table.add_column("auto")
        for cell in CELLS:
            table.add_row(cell, cell, cell, cell, cell)
        yield table


async def test_every_kind_of_cell_is_drawn_as_datatable_draws_it() -> None:
    app = Cells()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.query_one(FastTable)
        assert _compare(table) == len(CELLS) * 5 * 4


async def test_the_porting_trackers_cells_are_drawn_as_datatable_draws_them(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        await pilot.press("3")
        await wait_ready(pilot)
        table = app.screen.query_one("#numbers", FastTable)
        assert table.row_count > 20
        assert _compare(table) == table.row_count * len(table.columns) * 4


async def test_a_table_drawn_before_it_measured_its_rows_is_drawn_again_at_their_widths() -> None:
    # DataTable measures new rows when it is next idle; a paint may come first (a busy
    # machine), and what it drew then must not outlive the measuring
    class Tables(App[None]):
        def compose(self) -> ComposeResult:
            table = FastTable()
            table.styles.height = 5  # no resize when a row is added: nothing else redraws it
            yield table

    app = Tables()
    async with app.run_test(size=(60, 6)) as pilot:
        table = app.query_one(FastTable)
        table.add_columns("Id", "Name")
        table.add_row("GL-1", "Ana")
        await pilot.pause()
        table.add_row("GL-4E116", "Theo Nakamura")
        early = "".join(segment.text for segment in table.render_line(2))
        assert "GL-4E116" not in early  # drawn at the widths measured so far
        await pilot.pause()
        assert [c.get_render_width(table) for c in table.ordered_columns] == [10, 15]
        drawn = "".join(segment.text for segment in table.render_line(2))
        assert "GL-4E116" in drawn and "Theo Nakamura" in drawn


async def test_rows_rewritten_at_once_are_drawn_as_rows_updated_cell_by_cell() -> None:
    first: list[list[str | Text]] = [
        ["GL-1", Text("Ana", style="bold")], ["GL-2", "[x] Ops"], ["GL-3", Text("")]]
    second: list[list[str | Text]] = [
        [Text("GL-7", style="green"), "Theo"], ["GL-8", Text("Sam", style="italic")],
        ["GL-9", "[/] night"]]

    class Tables(App[None]):
        AUTO_FOCUS = None  # neither drawn as focused: the two are drawn alike

        def compose(self) -> ComposeResult:
            for name in ("at-once", "by-cell"):
                table = FastTable(id=name, cursor_type="row", zebra_stripes=True)
                table.add_column("Id", width=8)
                table.add_column("Name", width=10)
                for cells in first:
                    table.add_row(*cells)
                yield table

    def drawn(table: FastTable) -> list[list[tuple[str, Style | None]]]:
        return [[(s.text, s.style) for s in table.render_line(y)] for y in range(4)]

    app = Tables()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        at_once, by_cell = app.query_one("#at-once", FastTable), app.query_one("#by-cell", FastTable)
        assert drawn(at_once) == drawn(by_cell)
        before = drawn(at_once)
        at_once.rewrite_rows(second)
        for row, cells in enumerate(second):
            for column, value in enumerate(cells):
                by_cell.update_cell_at(Coordinate(row, column), value)
        await pilot.pause()
        assert [str(c) for c in at_once.get_row_at(2)] == ["GL-9", "[/] night"]
        assert drawn(at_once) == drawn(by_cell) != before


async def test_whole_lines_are_drawn_as_datatable_draws_them() -> None:
    # the quick path draws a body line itself (styles worked out once a drawing, the
    # header kept by its columns, a line kept by whether the cursor is on its row)
    rows: list[list[Any]] = [
        [Text(f"GL-{n}"), Text("Ana", style="bold") if n % 3 else Text(""), None,
         Text("a name much longer than its column", overflow="ellipsis"),
         Text("漢字の名前", style="green")]
        for n in range(12)
    ]

    class Tables(App[None]):
        AUTO_FOCUS = None

        def compose(self) -> ComposeResult:
            for table in (FastTable(id="fast", cursor_type="row", zebra_stripes=True),
                          DataTable[Any](id="slow", cursor_type="row", zebra_stripes=True)):
                for width in (6, 5, 3, 12, 8):
                    table.add_column(f"w{width}", width=width)
                for cells in rows:
                    table.add_row(*cells)
                table.styles.height = 8
                yield table

    def drawn(table: DataTable[Any]) -> list[list[tuple[str, Style | None]]]:
        return [[(s.text, s.style) for s in table.render_line(y)] for y in range(8)]

    app = Tables()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        fast, slow = app.query_one("#fast", FastTable), app.query_one("#slow", DataTable)
        looks = []
        for row in (0, 3, 11):  # the cursor moves, and the view scrolls to it
            for table in (fast, slow):
                table.move_cursor(row=row)
                table.hover_coordinate = Coordinate(2, 0)
            await pilot.pause()
            assert drawn(fast) == drawn(slow), row
            looks.append(drawn(fast))
        fast.focus()  # focused, each in turn: its cursor drawn in the focused colours
        await pilot.pause()
        fast_focused = drawn(fast)
        slow.focus()
        await pilot.pause()
        assert drawn(slow) == fast_focused != looks[-1]
        assert looks[0] != looks[1]
