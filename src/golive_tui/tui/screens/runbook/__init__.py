"""The cutover runbook screen."""

from golive_tui.tui.screens.runbook.screen import RunbookScreen

__all__ = ["RunbookScreen"]
