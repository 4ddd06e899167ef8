"""The mapping step of a number import: each site name the file writes, and its site code.

Each value comes with the code its match proposes (exact, unique, or none when several
sites or none fit); the user confirms or picks another, and may leave a value without a
site: its lines are then left out of the import with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Select

from golive_tui.domain.record_import import SiteMatch

_HOW = {"exact": "exact", "unique": "proposed", "ambiguous": "choose", "none": "no match"}


class SiteMapScreen(ModalScreen[dict[str, str] | None]):
    """Confirm the site code of every site value; dismisses with value → code, or None."""

    DEFAULT_CSS = """
    SiteMapScreen { align: center middle; }
    SiteMapScreen > Vertical {
        width: 90%; max-width: 110; height: 90%; border: round $primary;
        background: $surface; padding: 0 1;
    }
    SiteMapScreen .site-row { height: 1; }
    SiteMapScreen .site-value { width: 1fr; height: 1; }
    SiteMapScreen .site-how { width: 10; height: 1; color: $text-muted; }
    SiteMapScreen .site-row Select { width: 1fr; }
    SiteMapScreen .hint { color: $text-muted; height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Confirm the sites", id="sitemap.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="sitemap.cancel"),
    ]

    def __init__(self, matches: Sequence[SiteMatch], sites: Sequence[tuple[str, str]],
                 current: dict[str, str | None]) -> None:
        super().__init__()
        self.matches = list(matches)
        self.sites = list(sites)
        self.current = current

    def compose(self) -> ComposeResult:
        options = [(f"{code} · {name}", code) for code, name in self.sites]
        with Vertical() as box:
            box.border_title = "Which site is each name in the file?"
            with VerticalScroll(id="site-map-rows"):
                for index, match in enumerate(self.matches):
                    with Horizontal(classes="site-row"):
                        yield Label(match.value, classes="site-value")
                        yield Label(_HOW[match.how], classes="site-how")
                        code = self.current.get(match.value)
                        yield Select[str](options, prompt="(not imported)",
                                          id=f"site-map-{index}", compact=True,
                                          value=code if code is not None else Select.NULL)
            yield Label("Ctrl+S confirm · Esc back without changing", classes="hint")

    def action_confirm(self) -> None:
        chosen: dict[str, str] = {}
        for index, match in enumerate(self.matches):
            value = self.query_one(f"#site-map-{index}", Select).value
            if isinstance(value, str):
                chosen[match.value] = value
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
