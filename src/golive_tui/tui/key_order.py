"""Keys typed behind a command key wait until it has been handled.

Textual hands each key to the widget focused when the app reads it. A key that opens a
form (``a`` on the dashboard) is handled only once it has bubbled back up to the app's
bindings, and the form composes after that; the keys typed right behind it (a fast typist,
``tmux send-keys``) have by then been handed to the screen under the form, or to a form
with nothing focused yet, and are lost or run as that screen's commands.

:class:`KeyOrder` keeps them in order: a key that does not go into a text field (a command
key) is followed up the DOM to the app, and then through the screen on top (which composes
a newly pushed form first); the keys read meanwhile are held and handed on after it, each
to the widget focused by then. Characters typed into a field go straight in, so typing and
pasting cost what they did. A key whose handling cannot be followed (its widget went away)
lets the held keys go after :data:`LONGEST_HOLD` at the latest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.widgets import Input

from golive_tui.tui.key_runs import RunTaker, TypedRun
from golive_tui.tui.textual_adapter import keys_read, priority_keys

#: how long a command key may hold the keys behind it at most (its handling normally ends
#: within a frame; this only frees the keys if it could not be followed)
LONGEST_HOLD = 0.5


def _text_field(widget: object) -> bool:
    # a text box is known by its tab behaviour: its class is read only when one is made
    return isinstance(widget, Input) or hasattr(widget, "tab_behavior")


class KeyOrder:
    """Holds the keys read while a command key is being handled (see the module)."""

    def __init__(self, app: App[Any], dispatch: Callable[[events.Key], Awaitable[None]]) -> None:
        self.app = app
        #: routes a key as the app does when nothing is held
        self.dispatch = dispatch
        self.held: deque[events.Key] = deque()
        #: the command key being followed (its number), or None
        self.following: int | None = None
        self._count = 0

    async def route(self, event: events.Key) -> None:
        """Route a key read from the terminal: now, or after the command key before it."""
        if self.following is not None or self.held:
            self.held.append(event)
            return
        await self._send(event)

    async def route_run(self, run: TypedRun) -> None:
        """Route printable keys read together: whole to a focused field that takes typed
        runs when nothing is held and no priority binding wants one of them, else each key
        as if it had come alone."""
        target = self.app.focused
        if (self.following is None and not self.held and isinstance(target, RunTaker)
                and target.takes_runs()
                and priority_keys(self.app).isdisjoint(key.key for key in run.keys)):
            # as Textual forwards a key: straight to the focused widget's queue
            keys_read(self.app)
            target.post_message(run)
            return
        for key in run.keys:
            key.set_sender(self.app)
            await self.route(key)

    async def _send(self, event: events.Key) -> None:
        target = self.app.focused
        command = not (event.is_printable and _text_field(target))
        await self.dispatch(event)
        if command:
            self._follow(target if target is not None else self.app.screen)

    def _follow(self, target: DOMNode) -> None:
        self._count += 1
        number = self.following = self._count
        self.app.set_timer(LONGEST_HOLD, lambda: self._release(number))

        def step(node: DOMNode) -> None:
            # runs after ``node`` has handled the key; by then a key that bubbles waits in
            # its parent's queue, so the next step runs after the parent has handled it
            if self.following != number:
                return
            parent = node.parent
            if parent is None:  # the app: the key's binding has run; now the top screen
                if not self.app.screen.call_later(self.app.call_later, self._release, number):
                    self._release(number)
                return
            if not parent.call_later(step, parent):
                self._release(number)

        if not target.call_later(step, target):
            self._release(number)

    def _release(self, number: int) -> None:
        if self.following != number:
            return
        self.following = None
        self.app.call_next(self._drain)

    async def _drain(self) -> None:
        while self.held and self.following is None:
            await self._send(self.held.popleft())
