"""Full garbage collections between keys, not in the middle of one, and over little.

A full collection walks every object the app holds that is not frozen: its screens,
widgets, pages of rows and the render caches of Textual and Rich (about 120,000 objects
with the porting tracker open at 100,000 numbers, 50-100 ms of CPU a walk). Left to
CPython it runs after ten young collections, wherever the tenth lands, which is usually
inside a keystroke (the one that allocates). Two things keep it out of keys:

- **Survivors are frozen.** What outlives a full collection is what the app holds for long
  (screens, widgets, caches of what is on screen). While an app runs, every full
  collection ends with ``gc.freeze()``, so the next one walks only what was made since:
  a few thousand objects, not the whole app. Objects frozen and later dropped are freed as
  usual by their reference counts; only those caught in reference cycles wait, for the
  next *deep* collection, which thaws everything first (below).
- **The collection that walks everything waits for quiet.** CPython's own full collection
  is put off to a backstop far away (so memory stays bounded however long keys keep
  coming), and the app runs the due one itself once no key or click has come for
  :attr:`IdleCollector.QUIET` seconds, i.e. as often as CPython would have. Quiet means no
  input and an idle app: no worker running and the timer's tick on time. Once the frozen
  objects have grown by a quarter since the last deep collection (CPython's own measure of
  when a full collection is worth it), that idle collection is a deep one: everything is
  thawed, collected and frozen again. Young collections (a few milliseconds) stay CPython's.

Start-up collects nothing. Reading Textual and the first screen's modules, and making the
app and painting its first frame, make objects that live as long as the app (modules,
classes, functions, the screen's widgets and their styles); young collections while they
are made walk them again and again and find next to nothing to free (about 4 % of the
instructions to the first frame). So the import of the app is read with the collector off
(:func:`reading_modules`), each app holds it off from its making to its first frame
(:meth:`IdleCollector.hold_until_painted`), and what was made meanwhile is frozen.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ClassVar

#: collections of the middle generation between two full ones, CPython's default threshold
DUE_AFTER = 10
#: the automatic full collection, after this many middle-generation ones: a bound on memory
#: when input never pauses (two and a half times CPython's own rhythm), not the rhythm. At
#: 50 and above, 200 unbroken keys at 100,000 numbers took the client past its memory budget
#: (before survivors were frozen, when each such collection walked the whole app)
BACKSTOP = 25
#: a deep collection once the frozen objects have grown by this share since the last one
DEEP_GROWTH = 0.25


@contextmanager
def reading_modules() -> Iterator[None]:
    """No collection inside; what was made inside (modules read, which live as long as the
    process) is frozen, out of every later walk."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    """After a full collection, what is left is held for long: out of the next walks."""
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


class IdleCollector:
    """Runs the due full collection when input has been quiet for a while."""

    #: seconds without a key or click before a due collection runs
    QUIET = 0.6
    #: how often the app asks whether one is due
    CHECK_EVERY = 0.3
    #: the collectors of the apps running now (survivors are frozen while there is one)
    _running: ClassVar[set[IdleCollector]] = set()
    #: the collectors of the apps made and not yet painted (no collection runs meanwhile)
    _starting: ClassVar[set[IdleCollector]] = set()
    #: whether the collector was on when the first of those turned it off
    _on_before_start: ClassVar[bool] = False

    def __init__(
        self, clock: Callable[[], float] = time.monotonic,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._clock = clock
        self._busy = busy
        self.last_input = self._clock()
        self.last_tick = self.last_input
        self.collections = 0
        self.deep_collections = 0
        #: how many objects were frozen after the last deep collection (or the first idle
        #: one); counting them walks them all, so it is done only when a collection runs
        self._frozen_after_deep: int | None = None

    @staticmethod
    def install() -> None:
        """Put CPython's own full collection off to the backstop (process-wide)."""
        young, middle, _old = gc.get_threshold()
        gc.set_threshold(young, middle, BACKSTOP)

    def hold_until_painted(self) -> None:
        """No collection until :meth:`painted`: the app is being made and its first frame
        drawn (process-wide, as the collector is; several apps may start at once)."""
        if not IdleCollector._starting:
            IdleCollector._on_before_start = gc.isenabled()
            gc.disable()
        IdleCollector._starting.add(self)

    def painted(self) -> None:
        """The app's first frame is painted, or the app stopped before one: collections go
        on once no app is starting, and what start-up made is frozen (it is held as long as
        the app runs). Called again, it does nothing."""
        if self not in IdleCollector._starting:
            return
        IdleCollector._starting.discard(self)
        if not IdleCollector._starting:
            gc.freeze()
            if IdleCollector._on_before_start:
                gc.enable()

    def start(self) -> None:
        """The app runs: from now on every full collection freezes what survives it."""
        if not IdleCollector._running and _freeze_survivors not in gc.callbacks:
            gc.callbacks.append(_freeze_survivors)
        IdleCollector._running.add(self)

    def stop(self) -> None:
        """The app has stopped: what it froze goes back to the collector, so that a
        process that goes on (the tests run many apps) gets its memory back."""
        IdleCollector._running.discard(self)
        if not IdleCollector._running:
            if _freeze_survivors in gc.callbacks:
                gc.callbacks.remove(_freeze_survivors)
            gc.unfreeze()

    def input_seen(self) -> None:
        self.last_input = self._clock()

    def due(self) -> bool:
        return gc.get_count()[2] >= DUE_AFTER

    def deep_due(self) -> bool:
        """Whether the frozen objects have grown enough that those among them caught in
        reference cycles and dropped since are worth a walk of everything. Counting the
        frozen objects walks them (a few milliseconds): asked only when a collection is
        about to run anyway."""
        if self._frozen_after_deep is None:
            return False
        return gc.get_freeze_count() > self._frozen_after_deep * (1 + DEEP_GROWTH)

    def tick(self) -> None:
        """Collect if one is due, nobody is typing and the app is idle; called by the app's
        timer. A tick that comes late means the event loop was busy (a key still being
        drawn, on a slow or shared machine): that is not idle either."""
        now = self._clock()
        late = now - self.last_tick > 1.5 * self.CHECK_EVERY
        self.last_tick = now
        if late or not self.due() or now - self.last_input < self.QUIET or self._busy():
            return
        deep = self.deep_due()
        if deep:
            gc.unfreeze()
        gc.collect()
        self.collections += 1
        if deep:
            self.deep_collections += 1
        if deep or self._frozen_after_deep is None:
            self._frozen_after_deep = gc.get_freeze_count()
