"""The key bar at the bottom of every screen: the keys the screen offers now, on one line.

Textual's Footer is a container with a widget per key, which it throws away and mounts
again whenever the screen says its bindings may have changed: on every mount, screen
switch and change of focus. On the dashboard that was a second layout and paint before the
first frame settled, about a sixth of the start-up. This bar is one widget that draws the
same keys in the same colours, and on a change only paints its line again.

It also fits the keys to the width. Textual's Footer lets the last keys slide under the
command palette's key at 80 columns (the help key was the one lost); here the keys first
close up, then the palette's key goes (ctrl+p still opens it), then the app's own keys
(help's excepted), and only then are keys left out from the end. A key is clicked as it is
pressed; hovering shows its tooltip.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class ShownKey(NamedTuple):
    """One key on the bar."""

    key: str
    action: str
    display: str
    description: str
    enabled: bool
    tooltip: str
    #: bound by the app itself, so the same on every screen
    app_wide: bool = False


class _Span(NamedTuple):
    """Where a key was drawn: columns [start, end)."""

    start: int
    end: int
    key: ShownKey


def shown_keys(screen: Screen[Any]) -> tuple[tuple[ShownKey, ...], ShownKey | None]:
    """The keys ``screen`` offers now (one per action, as Textual's Footer shows them), and
    the command palette's key if the app has a palette."""
    app = screen.app
    active = screen.active_bindings
    keys: list[ShownKey] = []
    actions: set[str] = set()
    for node, binding, enabled, tooltip in active.values():
        if not binding.show or binding.action in actions:
            continue
        actions.add(binding.action)
        keys.append(ShownKey(binding.key, binding.action, app.get_key_display(binding),
                             binding.description, enabled, tooltip or "", node is app))
    palette: ShownKey | None = None
    if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
        _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
        palette = ShownKey(binding.key, binding.action, app.get_key_display(binding),
                           binding.description, enabled, binding.tooltip or binding.description,
                           True)
    return tuple(keys), palette


class KeyBar(Widget, can_focus=False):
    """The screen's keys on one line, with the command palette's key at the right."""

    ALLOW_SELECT = False
    #: app-wide keys kept when keys must be left out for width
    KEEP_ACTIONS: ClassVar[frozenset[str]] = frozenset({"help"})
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--hover",
        "key-bar--rule",
    }
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-bar--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .key-bar--rule {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._keys: tuple[tuple[ShownKey, ...], ShownKey | None] | None = None
        self._spans: list[_Span] = []
        #: the action of the key under the pointer (the keys are made anew on each change)
        self._hover: str | None = None

    @property
    def keys(self) -> tuple[ShownKey, ...]:
        """The keys on the bar now (before any are left out for width)."""
        return self._current()[0]

    @property
    def shown(self) -> list[ShownKey]:
        """The keys drawn at the last paint, palette's included, left to right."""
        return [span.key for span in self._spans]

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if screen is not self.screen:
            return
        keys = shown_keys(screen)
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def _current(self) -> tuple[tuple[ShownKey, ...], ShownKey | None]:
        if self._keys is None:
            self._keys = shown_keys(self.screen)
        return self._keys

    # -- drawing --------------------------------------------------------------------------

    def _key_text(self, key: ShownKey, *, compact: bool) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        if key.action == self._hover and key.enabled:
            hover = self.get_component_rich_style("key-bar--hover")
            key_style += hover
            description_style += hover
        pad = "" if compact else " "
        text = Text.assemble((f"{pad}{key.display}{pad}", key_style))
        if key.description:
            text.append(f"{' ' if compact else ''}{key.description} ", description_style)
        elif compact:
            text.append(" ")
        if not key.enabled:
            text.stylize(Style(dim=True))
        return text

    def _palette_text(self, key: ShownKey) -> Text:
        text = Text("▏", self.get_component_rich_style("key-bar--rule"))
        text.append_text(self._key_text(key, compact=True))
        return text

    def _layout(self, width: int) -> tuple[list[tuple[ShownKey, Text]], tuple[ShownKey, Text] | None]:
        """What fits in ``width``: every key in full; else closed up; else without the
        palette's key; else without the app's own keys (the same on every screen, and
        listed by help) from the right, except help's; else as many keys as fit."""
        keys, palette = self._current()
        right = (palette, self._palette_text(palette)) if palette else None
        extra = right[1].cell_len if right else 0
        parts = [(key, self._key_text(key, compact=False)) for key in keys]
        used = sum(text.cell_len for _, text in parts)
        if used + extra <= width:
            return parts, right
        parts = [(key, self._key_text(key, compact=True)) for key in keys]
        used = sum(text.cell_len for _, text in parts)
        if used + extra <= width:
            return parts, right
        if used <= width:
            return parts, None
        for index in reversed(range(len(parts))):
            key, text = parts[index]
            if key.app_wide and key.action not in self.KEEP_ACTIONS:
                del parts[index]
                used -= text.cell_len
                if used <= width:
                    return parts, None
        fitted: list[tuple[ShownKey, Text]] = []
        used = 0
        for key, text in parts:
            if used + text.cell_len > width:
                break
            fitted.append((key, text))
            used += text.cell_len
        return fitted, None

    def render(self) -> Text:
        width = self.size.width
        parts, right = self._layout(width)
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[_Span] = []
        for key, text in parts:
            start = line.cell_len
            line.append_text(text)
            spans.append(_Span(start, line.cell_len, key))
        if right is not None:
            key, text = right
            start = width - text.cell_len
            line.append(" " * (start - line.cell_len))
            line.append_text(text)
            spans.append(_Span(start + 1, width, key))  # not the rule before it
        self._spans = spans
        return line

    # -- mouse ----------------------------------------------------------------------------

    def _key_at(self, x: int) -> ShownKey | None:
        for span in self._spans:
            if span.start <= x < span.end:
                return span.key
        return None

    def on_click(self, event: events.Click) -> None:
        key = self._key_at(event.x)
        if key is None:
            return
        event.stop()
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self._key_at(event.x)
        action = key.action if key is not None else None
        if action != self._hover:
            self._hover = action
            self.tooltip = (key.tooltip or None) if key is not None else None
            self.refresh()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()
