"""The key bar at the bottom of every screen: Textual's Footer, without its restyle storm.

Textual's ``FooterKey`` starts out compact and is then bound to the footer's own (not
compact) setting, so every key restyles itself twice each time the footer is rebuilt,
which is on every screen switch and every change of focus. Keys made here start with the
footer's setting, so nothing changes and nothing is restyled; they look the same.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # the command palette's key is not bound to the footer's setting: left as it is
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
