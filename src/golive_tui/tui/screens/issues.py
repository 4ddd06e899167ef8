"""Issues screen."""

from __future__ import annotations

from golive_tui.tui.screens.base import GoLiveScreen


class IssueQueueScreen(GoLiveScreen):
    SCREEN_TITLE = "Issues"
