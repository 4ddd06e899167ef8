"""Text fields whose cost per key does not grow with what is already in them.

Textual's ``Input`` measures the whole value on every key (cell widths, tab expansion) and
renders all of it to show one line, and its ``Input`` and ``TextArea`` insert each typed
character on its own, with a ``Changed`` message (and a search, a hint, a suggestion)
after every one. Typing or pasting 10,000 characters then costs a minute of CPU.

:class:`TextField` and :class:`TextBox` keep their behaviour and change two things:
- **Typed characters that arrive together are inserted together.** A printable key is
  held and inserted when the keys already queued behind it have been read (a terminal
  without bracketed paste delivers a paste as keys, and a fast typist runs ahead of the
  app); any other key, a paste or a blur first inserts what is held, so order is kept.
  The keys of one read of the terminal come as one :class:`~golive_tui.tui.key_runs.TypedRun`
  (``tui/key_runs.py``), held the same way.
  (Textual calls each class's own key, paste and blur handlers in turn, so these only
  insert what is held and leave the rest to the base class's handler.) What they need of
  Textual's private members is in :mod:`golive_tui.tui.textual_adapter`.
- **A plain value is measured by its length** (:class:`TextField`): when it is ASCII,
  printable and without tabs, one character is one cell, and only the visible part of it
  is rendered.
"""

from __future__ import annotations

from typing import cast

from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.widgets import Input, TextArea

from golive_tui.tui.key_runs import TypedRun
from golive_tui.tui.textual_adapter import (
    InputCells,
    input_look,
    own_key_bindings,
    restart_blink,
    type_into,
)


def _plain(value: str) -> bool:
    """One cell per character: ASCII, printable, no tabs (``isprintable`` excludes tabs)."""
    return value.isascii() and value.isprintable()


async def _run_own_binding(widget: Input | TextArea, event: events.Key) -> None:
    """Run the field's own binding for ``event`` now, in order with the keys typed around it.

    Textual runs a focused widget's (non-priority) binding when the key has bubbled up to
    the app, by which time the field may already have taken the keys behind it: typed
    ahead, "abc", backspace, "d" would lose the "d". The field's own bindings come first in
    Textual's chain anyway, so running them here changes only when, not which.
    """
    bindings = own_key_bindings(widget)
    if bindings is None:
        return
    for binding in bindings.key_to_bindings.get(event.key, ()):
        if not binding.priority and await widget.app.run_action(binding.action, widget):
            event.stop()
            event.prevent_default()
            return


class _TypedRuns:
    """Holds printable keys and inserts them as one run (see the module's docstring)."""

    _held: list[str]

    def _holds_keys(self) -> bool:
        raise NotImplementedError

    def _insert_run(self, text: str) -> None:
        raise NotImplementedError

    async def on_key(self, event: events.Key) -> None:
        widget = cast("Input | TextArea", self)
        # Any key shows the cursor and starts its blink again, as the base class's key
        # handler does; a key held here or run by its binding never reaches that handler.
        # A backspace did not: the cursor went on blinking while deleting, dark half the
        # time, and each blink drew the screen again between the keys.
        restart_blink(widget)
        if event.is_printable and self._holds_keys():
            event.stop()
            event.prevent_default()
            assert event.character is not None
            if not self._held:
                widget.call_later(self.insert_held)
            self._held.append(event.character)
            return
        self.insert_held()
        await _run_own_binding(widget, event)  # else the base class handles it

    def takes_runs(self) -> bool:
        """Whether a :class:`~golive_tui.tui.key_runs.TypedRun` is inserted whole."""
        return self._holds_keys()

    def on_typed_run(self, run: TypedRun) -> None:
        """Printable keys read together (``tui/key_runs.py``): held, as each would be."""
        run.stop()
        widget = cast("Input | TextArea", self)
        if not self._holds_keys():  # changed since the app looked: each key on its own
            for key in run.keys:
                widget.post_message(key)
            return
        restart_blink(widget)
        if not self._held:
            widget.call_later(self.insert_held)
        self._held.append(run.text)

    def on_blur(self, event: events.Blur) -> None:
        self.insert_held()

    def insert_held(self) -> None:
        """Insert the characters typed but not yet inserted, as one edit."""
        if self._held:
            text = "".join(self._held)
            self._held.clear()
            self._insert_run(text)


class TextField(_TypedRuns, InputCells):
    """A one-line :class:`~textual.widgets.Input` whose cost per key is bounded."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._held = []
        self._plain_value = ""  # the value last asked about, and whether it was plain
        self._plain_answer = True
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def _holds_keys(self) -> bool:
        # a run is checked once, as a whole: per-character limits keep per-character keys
        return not (self.max_length or self.restrict or self.type != "text")

    def _insert_run(self, text: str) -> None:
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)

    def on_paste(self, event: events.Paste) -> None:
        self.insert_held()

    # -- measuring and drawing a plain value by its length ----------------------------

    def _is_plain(self) -> bool:
        value = self.value
        if value is not self._plain_value:
            self._plain_value = value
            self._plain_answer = _plain(value)
        return self._plain_answer

    def plain_cells(self, position: int) -> int | None:
        return max(0, min(position, len(self.value))) if self._is_plain() else None

    @property
    def content_width(self) -> int:
        if self.value and self._is_plain() and not self.password:
            return len(self.value) + 1
        return super().content_width

    def render_line(self, y: int) -> Strip:
        value = self.value
        width = self.scrollable_content_region.width
        # a value that fits is drawn by Input itself; so is anything not plain
        suggestion, cursor_visible = input_look(self)
        if (y != 0 or len(value) <= width or self.password or self.highlighter is not None
                or suggestion or not self._is_plain()):
            return super().render_line(y)
        start = max(0, int(self.scroll_offset.x))
        end = min(len(value), start + width + 1)
        text = Text(value[start:end], no_wrap=True, overflow="ignore", end="")
        if self.has_focus:
            if not self.selection.is_empty:
                low, high = sorted(self.selection)
                low, high = max(low - start, 0), min(high - start, end - start)
                if low < high:
                    style = self.get_component_rich_style("input--selection")
                    text.stylize_before(style, low, high)
            if cursor_visible:
                cursor = self.cursor_position - start
                if self.cursor_at_end:
                    text.pad_right(1)
                if cursor >= 0:
                    text.stylize(self.get_component_rich_style("input--cursor"), cursor,
                                 cursor + 1)
        console = self.app.console
        options = self.app.console_options.update_width(width + 1)
        strip = Strip(list(console.render(text, options)))
        strip = strip.crop(0, width + 1).extend_cell_length(width + 1)
        return strip.apply_style(self.rich_style)


class TextBox(_TypedRuns, TextArea):
    """A :class:`~textual.widgets.TextArea` that inserts typed runs as one edit."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._held = []
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def _holds_keys(self) -> bool:
        return not self.read_only

    def _insert_run(self, text: str) -> None:
        type_into(self, text)

    def on_paste(self, event: events.Paste) -> None:
        self.insert_held()
