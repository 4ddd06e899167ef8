"""The help screen, generated from the bindings that are active right now."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from golive_tui.tui.textual_adapter import own_bindings


class HelpScreen(ModalScreen[None]):
    """Every key of the screen underneath and of the app, with its id for the keymap."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._table(), id="help-table")
            yield Static(
                Text(
                    "Rebind any key in the config file: [ui.keymap] id = \"keys\". "
                    "Ctrl+P opens the command palette. Esc closes this help.",
                    style="dim",
                )
            )

    def _table(self) -> Table:
        screen = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else self.app.screen
        table = Table(title=f"Keys — {getattr(screen, 'SCREEN_TITLE', '') or 'golive'}",
                      expand=True, show_edge=False, pad_edge=False)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Does")
        table.add_column("Id (for the keymap)", style="dim", no_wrap=True)
        seen: set[str] = set()
        sources = [("This screen", screen), ("Everywhere", self.app)]
        for heading, node in sources:
            table.add_row(Text(heading, style="bold underline"), "", "")
            for binding in own_bindings(node):
                if not binding.description or binding.action in seen:
                    continue
                seen.add(binding.action)
                keys = binding.key_display or self.app.get_key_display(binding)
                table.add_row(keys, binding.description, binding.id or "")
        return table
