"""The full garbage collection runs when input has been quiet, not in the middle of a key."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from golive_tui.tui.collector import BACKSTOP, DUE_AFTER, IdleCollector
from tests.conftest import WALKS_THE_HEAP

pytestmark = WALKS_THE_HEAP


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def _make_due() -> None:
    gc.collect()  # the count of young collections since the last full one starts at 0
    for _ in range(DUE_AFTER):
        gc.collect(1)  # each collection of the middle generation counts one towards a full one


def test_install_leaves_cpythons_full_collection_only_as_a_far_backstop(thresholds: None) -> None:
    young, middle, _ = gc.get_threshold()
    IdleCollector.install()
    assert gc.get_threshold() == (young, middle, BACKSTOP)


@pytest.fixture
def no_automatic_collections() -> Iterator[None]:
    """The counts this test reads are not moved by CPython collecting on its own."""
    enabled = gc.isenabled()
    gc.disable()
    yield
    if enabled:
        gc.enable()


def test_a_due_collection_waits_for_quiet_input_and_an_idle_app_then_runs_once(
    no_automatic_collections: None,
) -> None:
    clock = Clock()
    working = [False]
    collector = IdleCollector(clock, busy=lambda: working[0])
    _make_due()
    assert collector.due()

    def tick_after(seconds: float) -> None:
        """Ticks on time, one every CHECK_EVERY, over ``seconds``."""
        steps = max(1, round(seconds / IdleCollector.CHECK_EVERY))
        for _ in range(steps):
            clock.now += IdleCollector.CHECK_EVERY
            collector.tick()

    collector.input_seen()
    tick_after(IdleCollector.QUIET / 2)  # someone is typing: not now
    assert collector.collections == 0 and collector.due()

    collector.input_seen()  # another key resets the quiet
    tick_after(IdleCollector.QUIET / 2)
    assert collector.collections == 0

    working[0] = True  # quiet, but a worker is still loading: not idle
    tick_after(2 * IdleCollector.QUIET)
    assert collector.collections == 0
    working[0] = False

    clock.now += 5 * IdleCollector.CHECK_EVERY  # a late tick: the loop was busy
    collector.tick()
    assert collector.collections == 0

    tick_after(IdleCollector.CHECK_EVERY)
    assert collector.collections == 1
    assert not collector.due()

    tick_after(10 * IdleCollector.QUIET)  # nothing due: nothing to do
    assert collector.collections == 1


class _Held:
    """An object the collector tracks (it can be part of a cycle)."""

    def __init__(self) -> None:
        self.me = self


def test_while_an_app_runs_what_survives_a_full_collection_is_frozen_and_given_back_after(
    no_automatic_collections: None,
) -> None:
    collector = IdleCollector()
    collector.start()
    try:
        held = _Held()
        gc.collect()
        assert gc.is_tracked(held)
        frozen = gc.get_freeze_count()
        assert frozen > 0
        assert not any(obj is held for obj in gc.get_objects())  # out of every later walk
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0  # the process gets it all back once the app stops
    assert any(obj is held for obj in gc.get_objects())


def test_a_deep_collection_thaws_everything_once_the_frozen_objects_have_grown(
    no_automatic_collections: None,
) -> None:
    clock = Clock()
    collector = IdleCollector(clock)
    collector.start()

    def quiet() -> None:
        clock.now += IdleCollector.QUIET
        for _ in range(2):
            clock.now += IdleCollector.CHECK_EVERY
            collector.tick()

    try:
        _make_due()
        quiet()  # the first idle collection: what is frozen then is the measure
        assert collector.collections == 1 and collector.deep_collections == 0
        frozen = gc.get_freeze_count()
        dropped = [_Held() for _ in range(frozen)]  # as much again as is held
        gone = [weakref.ref(held) for held in dropped]
        _make_due()  # its full collection freezes them with the rest
        del dropped  # now garbage, in cycles: only a walk of the frozen finds it
        assert not any(ref() is None for ref in gone)
        assert collector.deep_due()
        quiet()
        assert collector.deep_collections == 1
        assert all(ref() is None for ref in gone)
        # what is held is frozen again, with the weak references to what was dropped
        assert gc.get_freeze_count() < 1.1 * frozen + len(gone)
        assert not collector.deep_due()
    finally:
        collector.stop()


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector on, as in a process that starts; left as it was found, nothing frozen."""
    enabled = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    if not enabled:
        gc.disable()


def test_modules_read_collect_nothing_and_are_frozen_after(collector_on: None) -> None:
    from golive_tui.tui.collector import reading_modules

    with reading_modules():
        assert not gc.isenabled()
        held = _Held()
    assert gc.isenabled()
    assert not any(obj is held for obj in gc.get_objects())  # frozen: out of every walk


def test_nothing_is_collected_until_every_starting_app_has_painted(collector_on: None) -> None:
    first, second = IdleCollector(), IdleCollector()
    first.hold_until_painted()
    second.hold_until_painted()
    made = _Held()
    assert not gc.isenabled()
    first.painted()
    assert not gc.isenabled()  # the other app is still starting
    second.painted()
    assert gc.isenabled()
    assert not any(obj is made for obj in gc.get_objects())  # what start-up made is frozen
    first.painted()  # painted again (its next frames, or its stop): nothing changes
    assert gc.isenabled()


def test_a_start_leaves_a_collector_that_was_off_off(collector_on: None) -> None:
    gc.disable()
    app = IdleCollector()
    app.hold_until_painted()
    app.painted()
    assert not gc.isenabled()
