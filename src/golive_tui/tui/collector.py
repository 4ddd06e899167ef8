"""Full garbage collections between keys, not in the middle of one.

A full collection walks every object the app holds that is not frozen: its screens,
widgets, pages of rows and the render caches of Textual and Rich. Left to CPython it runs
after ten young collections, wherever the tenth lands, which is usually inside a keystroke
(the one that allocates) and adds 100-250 ms to it. The :class:`IdleCollector` moves it:
the automatic full collection is put off (only a backstop far away remains, so memory
stays bounded however long keys keep coming), and the app runs it itself once no key or
click has come for :attr:`QUIET` seconds and it is due, i.e. as often as CPython would
have. Quiet means no input and an idle app: no worker running and the timer's tick on
time. Young collections (a few milliseconds) stay CPython's.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: collections of the middle generation between two full ones, CPython's default threshold
DUE_AFTER = 10
#: the automatic full collection, after this many middle-generation ones: a bound on memory
#: when input never pauses (two and a half times CPython's own rhythm), not the rhythm. At
#: 50 and above, 200 unbroken keys at 100,000 numbers took the client past its memory budget
BACKSTOP = 25


class IdleCollector:
    """Runs the due full collection when input has been quiet for a while."""

    #: seconds without a key or click before a due collection runs
    QUIET = 0.6
    #: how often the app asks whether one is due
    CHECK_EVERY = 0.3

    def __init__(
        self, clock: Callable[[], float] = time.monotonic,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._clock = clock
        self._busy = busy
        self.last_input = self._clock()
        self.last_tick = self.last_input
        self.collections = 0

    @staticmethod
    def install() -> None:
        """Put CPython's own full collection off to the backstop (process-wide)."""
        young, middle, _old = gc.get_threshold()
        gc.set_threshold(young, middle, BACKSTOP)

    def input_seen(self) -> None:
        self.last_input = self._clock()

    def due(self) -> bool:
        return gc.get_count()[2] >= DUE_AFTER

    def tick(self) -> None:
        """Collect if one is due, nobody is typing and the app is idle; called by the app's
        timer. A tick that comes late means the event loop was busy (a key still being
        drawn, on a slow or shared machine): that is not idle either."""
        now = self._clock()
        late = now - self.last_tick > 1.5 * self.CHECK_EVERY
        self.last_tick = now
        if late or not self.due() or now - self.last_input < self.QUIET or self._busy():
            return
        gc.collect()
        self.collections += 1
