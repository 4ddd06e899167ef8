"""Dashboard screen."""

from __future__ import annotations

from golive_tui.tui.screens.base import GoLiveScreen


class DashboardScreen(GoLiveScreen):
    SCREEN_TITLE = "Dashboard"
