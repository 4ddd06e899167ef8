"""The first frame: the dashboard is painted whole once as the app starts, and what the
terminal then shows is what a whole repaint would show."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.strip import Strip

from tests.tui.conftest import wait_ready

Cell = tuple[str, Any]


class _Terminal:
    """The cells a terminal holds after the app's updates (headless, Textual builds every
    update and only skips writing it)."""

    def __init__(self, width: int, height: int) -> None:
        self.cells: list[list[Cell]] = [[(" ", None)] * width for _ in range(height)]
        self.full = 0
        self.partial = 0

    def _put(self, x: int, y: int, strip: Strip) -> None:
        row = self.cells[y]
        for segment in strip:
            text, style, _ = segment
            for char in text:
                if 0 <= x < len(row):
                    row[x] = (char, style)
                x += max(cell_len(char), 1)

    def apply(self, update: Any) -> None:
        if isinstance(update, LayoutUpdate):
            self.full += 1
            for y, line in enumerate(update.strips, update.region.y):
                # a line is the strips of its chops, side by side
                self._put(update.region.x, y, Strip([seg for strip in line for seg in strip]))
        elif isinstance(update, ChopsUpdate):
            self.partial += 1
            for y, x1, x2 in update.spans:
                for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(),
                                           strict=False):
                    if strip is None or x > x2 or end <= x1:
                        continue
                    if not (x2 > x >= x1 and end <= x2):
                        strip = strip.crop(0, min(end, x2) - x)
                    self._put(x, y, strip)


async def test_the_dashboard_is_painted_whole_once_and_the_terminal_shows_all_of_it(
    make_app: Any,
) -> None:
    app = make_app()
    terminal = _Terminal(80, 24)
    display = app._display

    def shown(screen: Any, update: Any) -> None:
        if update is not None:
            terminal.apply(update)
        display(screen, update)

    app._display = shown
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # the first frame, then only what changed: no second whole repaint of the start
        assert terminal.full == 1, f"{terminal.full} whole repaints as the app started"
        await wait_ready(pilot)
        whole = _Terminal(80, 24)
        whole.apply(app.screen._compositor.render_update(full=True))
        for y, (shown_row, whole_row) in enumerate(zip(terminal.cells, whole.cells,
                                                       strict=True)):
            assert shown_row == whole_row, (
                f"line {y}: the terminal shows {''.join(c for c, _ in shown_row)!r}, "
                f"a whole repaint {''.join(c for c, _ in whole_row)!r}")
