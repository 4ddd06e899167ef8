"""The full garbage collection runs when input has been quiet, not in the middle of a key."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from golive_tui.tui.collector import BACKSTOP, DUE_AFTER, IdleCollector


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


def test_a_due_collection_waits_for_quiet_input_then_runs_once(
    no_automatic_collections: None,
) -> None:
    clock = Clock()
    collector = IdleCollector(clock)
    _make_due()
    assert collector.due()

    collector.input_seen()
    clock.now += IdleCollector.QUIET / 2
    collector.tick()  # someone is typing: not now
    assert collector.collections == 0 and collector.due()

    collector.input_seen()  # another key resets the quiet
    clock.now += IdleCollector.QUIET / 2
    collector.tick()
    assert collector.collections == 0

    clock.now += IdleCollector.QUIET
    collector.tick()
    assert collector.collections == 1
    assert not collector.due()

    clock.now += 10 * IdleCollector.QUIET
    collector.tick()  # nothing due: nothing to do
    assert collector.collections == 1
