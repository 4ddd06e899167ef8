"""Hypercare and closure: the daily summary, acceptance, feedback, hand-off, closing."""

from golive_tui.tui.screens.closure.screen import ClosureScreen

__all__ = ["ClosureScreen"]
