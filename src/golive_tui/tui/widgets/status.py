"""The one-line sync status shown on every screen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from golive_tui.domain.time_text import ago


class SyncStatusBar(Static):
    """online / offline / syncing, ops queued, last sync, conflicts: always visible."""

    DEFAULT_CSS = """
    SyncStatusBar {
        height: 1;
        background: $boost;
        color: $text-muted;
        padding: 0 1;
    }
    """

    status: reactive[Any] = reactive(None, layout=False)

    def render(self) -> Text:
        status = self.status
        text = Text(no_wrap=True, overflow="ellipsis")
        if status is None:
            text.append("● local", style="bold")
            text.append("  opening…")
            return text
        state = status.state
        colour = {
            "online": "green",
            "syncing": "cyan",
            "offline": "yellow",
            "error": "red",
            "local": "blue",
        }.get(state, "white")
        text.append(f"● {state}", style=f"bold {colour}")
        queued = status.queued
        text.append(f"  {queued:,} queued" if queued else "  nothing queued",
                    style="bold yellow" if queued else "")
        if status.last_sync is not None:
            text.append(f"  last sync {ago(status.last_sync, datetime.now(UTC))}")
        elif state != "local":
            text.append("  never synced")
        if status.conflicts:
            text.append(f"  ⚠ {status.conflicts} to review (!)", style="bold red")
        if getattr(status, "last_error", None) and state in ("offline", "error"):
            text.append(f"  {status.last_error}", style="italic")
        return text

