"""The key bar at the bottom of every screen: Textual's Footer, rebuilt only when it changes.

Textual's Footer rebuilds all its keys whenever the screen says its bindings may have
changed, which is on every mount, screen switch and change of focus (eight times before
the first frame of the dashboard), mostly to show the same keys again. And its
``FooterKey`` starts out compact and is then bound to the footer's own (not compact)
setting, so every key restyles itself twice on each rebuild. This footer rebuilds only
when the keys it would show differ from those it shows, and starts each key with the
footer's setting. It looks the same.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def _shown_keys(screen: Screen[Any]) -> tuple[Any, ...]:
    """What the footer would show for ``screen``: each key, its label, enabled, tooltip."""
    return tuple(
        (binding.key, binding.action, binding.description, binding.key_display, enabled, tooltip)
        for _node, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show
    )


class KeyFooter(Footer):
    _shown: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = _shown_keys(self.screen)
        for widget in super().compose():
            # the command palette's key is not bound to the footer's setting: left as it is
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self._shown is not None and screen is self.screen and _shown_keys(screen) == self._shown:
            return  # the same keys again: nothing to rebuild
        super().bindings_changed(screen)
