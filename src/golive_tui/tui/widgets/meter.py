"""A one-line labelled bar: a total split into coloured parts, then a figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from textual.content import Content
from textual.widget import Widget


class MeterPart(NamedTuple):
    """One coloured run of a meter: how many, and a style such as ``"$success"``."""

    amount: int
    style: str


def split_cells(counts: Sequence[int], width: int) -> list[int]:
    """Cells for each count so they sum to ``width`` (largest remainder).

    Any non-zero count gets at least one cell while there is room, so a handful of
    rejected numbers among a thousand is still visible on the bar.
    """
    total = sum(counts)
    if total <= 0 or width <= 0:
        return [0 for _ in counts]
    exact = [count * width / total for count in counts]
    cells = [int(value) for value in exact]
    for index, count in enumerate(counts):
        if count and not cells[index]:
            cells[index] = 1
    while sum(cells) > width:
        # take back from the widest part that can spare a cell
        widest = max(range(len(cells)), key=lambda i: cells[i])
        cells[widest] -= 1
    order = sorted(range(len(counts)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for index in order:
        if sum(cells) >= width:
            break
        if counts[index]:
            cells[index] += 1
    return cells


class Meter(Widget):
    """``Label   ████████░░░░  41/55``: a bar of one or more parts out of a total.

    With one part it is a progress bar; with several (numbers by porting state) a stacked
    bar. The part of the total no part covers is drawn as a dim track.
    """

    DEFAULT_CSS = """
    Meter {
        height: 1;
        width: 1fr;
    }
    """

    def __init__(
        self,
        label: str = "",
        *,
        label_width: int = 10,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.label = label
        self.label_width = label_width
        self.parts: tuple[MeterPart, ...] = ()
        self.total = 0
        self.figure: Content = Content("")

    def update(
        self,
        parts: Sequence[MeterPart],
        *,
        total: int | None = None,
        figure: str | Content = "",
        label: str | None = None,
    ) -> None:
        """Show new figures; ``total`` defaults to the sum of the parts."""
        self.parts = tuple(parts)
        self.total = sum(p.amount for p in parts) if total is None else total
        self.figure = figure if isinstance(figure, Content) else Content(figure)
        if label is not None:
            self.label = label
        self.refresh()

    def render(self) -> Content:
        width = self.content_size.width
        label = Content(self.label).truncate(self.label_width, pad=True)
        figure = self.figure
        bar_width = width - self.label_width - 1 - (figure.cell_length + 1 if figure else 0)
        if bar_width < 3:
            return Content.assemble(label, " ", figure)
        counts = [part.amount for part in self.parts]
        covered = sum(counts)
        total = max(self.total, covered)
        cells = split_cells([*counts, total - covered], bar_width)
        pieces: list[str | Content | tuple[str, str]] = [label, " "]
        for part, n in zip(self.parts, cells, strict=False):
            if n:
                pieces.append(("█" * n, part.style))
        track = cells[-1] if total else bar_width
        if track:
            pieces.append(("░" * track, "$text-disabled"))
        if figure:
            pieces += [" ", figure]
        return Content.assemble(*pieces)
