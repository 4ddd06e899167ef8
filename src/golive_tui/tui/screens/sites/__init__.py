"""Sites and their emergency locations: add and edit them, validate a dispatchable location."""

from golive_tui.tui.screens.sites.screen import SitesScreen

__all__ = ["SitesScreen"]
