"""Lines of text with a right-aligned tail, cut to the width they get, or wrapped under a
hanging indent."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget


class RowLines(Widget):
    """One line per row: the left part cut with an ellipsis, the right part kept whole.

    For dense panels (issues with their SLA clock) where wrapping would push the rest off
    an 80x24 screen. Rows given a ``hang`` (an activity feed, where what is cut is the
    reason for a change) wrap instead, under their first ``hang`` cells.
    """

    DEFAULT_CSS = """
    RowLines {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(
        self,
        *,
        empty: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.rows: tuple[tuple[Content, Content], ...] = ()
        self.empty = empty
        self.hang: int | None = None

    def set_rows(
        self, rows: Sequence[tuple[Content | str, Content | str]], *, hang: int | None = None
    ) -> None:
        self.hang = hang
        self.rows = tuple(
            (left if isinstance(left, Content) else Content(left),
             right if isinstance(right, Content) else Content(right))
            for left, right in rows
        )
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(len(self._lines(width)), 1 if self.empty else 0)

    def render(self) -> Content:
        if not self.rows:
            return Content.styled(self.empty, "$text-muted") if self.empty else Content("")
        return Content("\n").join(self._lines(self.content_size.width))

    def _lines(self, width: int) -> list[Content]:
        lines: list[Content] = []
        hang = self.hang
        for left, right in self.rows:
            if (hang is not None and not right and left.cell_length > width
                    and width - hang >= 12):
                prefix, body = left.divide([hang])
                parts = body.wrap(width - hang)
                lines.append(Content.assemble(prefix, parts[0]))
                lines.extend(Content.assemble(" " * hang, part) for part in parts[1:])
                continue
            room = width - (right.cell_length + 1 if right else 0)
            if room < 8:
                lines.append(left.truncate(width, ellipsis=True))
                continue
            left_part = left.truncate(room, ellipsis=True, pad=True)
            lines.append(Content.assemble(left_part, " ", right) if right else left_part)
        return lines
