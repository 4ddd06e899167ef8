"""Verification screen."""

from __future__ import annotations

from golive_tui.tui.screens.base import GoLiveScreen


class VerificationLogScreen(GoLiveScreen):
    SCREEN_TITLE = "Verification"
