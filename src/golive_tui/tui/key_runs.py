"""Printable keys read from the terminal together travel to a text field as one message.

Textual's driver posts every key it parses as a message of its own, and the app routes
each one: a task to post it, the app's priority bindings looked up, a hop to the focused
widget's queue, its handlers. That is about 0.1 ms of CPU a key on a 2-core machine, so a
paste without bracketed paste, or a typist ahead of the app, of 10,000 characters cost a
second or more in routing alone, before the field did anything with them.

:func:`with_runs` groups the printable keys of one read of the terminal into a
:class:`TypedRun` (the driver posts that instead of the keys). The app hands a run to the
focused text field whole when the field takes typed runs, no priority binding wants any of
its keys and no command key is holding the keys behind it (``tui/key_order.py``); anything
else gets the run's keys one by one, exactly as if they had come alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

from textual import events
from textual.message import Message

#: the fewest printable keys in a row that travel as a run
SHORTEST_RUN = 2


class TypedRun(Message, bubble=False):
    """Printable keys read from the terminal together, in the order they were typed."""

    def __init__(self, keys: tuple[events.Key, ...]) -> None:
        super().__init__()
        self.keys = keys

    @property
    def text(self) -> str:
        """The characters the keys type."""
        return "".join(key.character or "" for key in self.keys)


@runtime_checkable
class RunTaker(Protocol):
    """A text field that takes a :class:`TypedRun` whole (``tui/widgets/text_entry.py``)."""

    def takes_runs(self) -> bool:
        """Whether it inserts typed keys as a run now (else each key goes on its own)."""


def with_runs(messages: Iterable[Message]) -> Iterator[Message]:
    """``messages`` (what the parser made of one read), each run of printable keys as one
    :class:`TypedRun`; everything else as it came, in order."""
    run: list[events.Key] = []
    for message in messages:
        if isinstance(message, events.Key) and message.is_printable:
            run.append(message)
            continue
        yield from _run_or_keys(run)
        run = []
        yield message
    yield from _run_or_keys(run)


def _run_or_keys(run: list[events.Key]) -> Iterator[Message]:
    if len(run) >= SHORTEST_RUN:
        yield TypedRun(tuple(run))
    else:
        yield from run
