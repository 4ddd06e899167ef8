"""Tab and shift+tab typed in a text field move the focus when the app reads them.

Textual hands each key to the widget focused when the app reads it, and moves the focus
for a tab only once the key has gone to that field and bubbled back up to the screen's
binding. Typed ahead ("bos", tab, "Back Bay" sent at once, as a fast typist or a terminal
multiplexer does), every key behind the tab has by then been handed to the field being
left, and the whole burst ends in the first field of the form. Moving the focus as the tab
is read keeps each key for the field it was typed for. A text box that takes the tab as
text (``tab_behavior="indent"``) keeps it; a widget that is not a text field gets the tab
as before.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App
from textual.widgets import Input

#: the keys that move the focus out of a field, and whether forward
FOCUS_KEYS = {"tab": True, "shift+tab": False}


def move_focus_now(app: App[Any], event: events.Key) -> bool:
    """Move the focus for a tab (or shift+tab) typed in a text field as the app reads the
    key; True when it did (the key is then spent)."""
    forward = FOCUS_KEYS.get(event.key)
    if forward is None or event.is_forwarded:
        return False
    focused = app.focused
    # a text box is known by its tab behaviour: its class is read only when one is made
    if not (isinstance(focused, Input) or getattr(focused, "tab_behavior", None) == "focus"):
        return False
    if forward:
        app.screen.focus_next()
    else:
        app.screen.focus_previous()
    return True
