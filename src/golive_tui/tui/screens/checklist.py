"""Checklist screen."""

from __future__ import annotations

from golive_tui.tui.screens.base import GoLiveScreen


class ChecklistScreen(GoLiveScreen):
    SCREEN_TITLE = "Checklist"
