"""Porting: the number tracker and port orders (``view``), moved in bulk (``screen``)."""

from golive_tui.tui.screens.porting.screen import PortingScreen

__all__ = ["PortingScreen"]
