"""Waiting in tests: for a condition, never for a length of time.

A test that must see something happen elsewhere (a thread, a server, a worker, the screen)
waits until a condition holds. The timeout is only a bound on failure, so that a test that
would never pass ends with a message instead of hanging: it is generous, it never decides
that a test passes, and ``GOLIVE_TEST_WAIT_SCALE`` (a factor, default 1) stretches every
bound at once for a machine far slower than usual. What must be quick is measured in
``bench/``, not here.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

#: the bound when a test names none: far beyond anything that succeeds, even on a loaded machine
DEFAULT_TIMEOUT = 30.0
#: how often a condition is looked at again
INTERVAL = 0.01


def bound(seconds: float = DEFAULT_TIMEOUT) -> float:
    """``seconds`` stretched by ``GOLIVE_TEST_WAIT_SCALE``: how long before giving up."""
    scale = os.environ.get("GOLIVE_TEST_WAIT_SCALE", "")
    try:
        factor = float(scale) if scale else 1.0
    except ValueError as exc:
        raise ValueError(f"GOLIVE_TEST_WAIT_SCALE must be a number, not {scale!r}") from exc
    return seconds * max(factor, 1.0)


def _failure(message: str | Callable[[], str], seconds: float) -> AssertionError:
    text = message() if callable(message) else message
    return AssertionError(f"waited {seconds:.0f} s for: {text}")


def wait_for(
    condition: Callable[[], T | None],
    message: str | Callable[[], str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = INTERVAL,
) -> T:
    """Return what ``condition()`` answers as soon as that is true; fail with ``message``
    if it never is.

    For plain threads (a fake that waits for its test, a subprocess watched from the test).
    ``message`` says what was awaited; a callable is asked only on failure, so it can show
    the state things were left in.
    """
    limit = bound(timeout)
    deadline = time.monotonic() + limit
    while not (answer := condition()):
        if time.monotonic() >= deadline:
            raise _failure(message, limit)
        time.sleep(interval)
    return answer


async def wait_for_async(
    condition: Callable[[], T | None],
    message: str | Callable[[], str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = INTERVAL,
    step: Callable[[], Awaitable[object]] | None = None,
    off_loop: bool = False,
) -> T:
    """:func:`wait_for` on the event loop: the loop runs while the condition is not yet met.

    ``step`` is awaited between looks instead of a pause (a TUI test lets the app's workers
    finish and the screen repaint there). ``off_loop`` asks the condition in a thread, for
    one that reads a cache or a database while the clients under test share the loop.
    """
    limit = bound(timeout)
    deadline = time.monotonic() + limit
    while not (answer := await asyncio.to_thread(condition) if off_loop else condition()):
        if time.monotonic() >= deadline:
            raise _failure(message, limit)
        if step is not None:
            await step()
        await asyncio.sleep(interval)
    return answer


async def within(
    awaitable: Awaitable[T], message: str | Callable[[], str], *, timeout: float = DEFAULT_TIMEOUT
) -> T:
    """The result of ``awaitable``; fail with ``message`` if it has none within the bound."""
    limit = bound(timeout)
    try:
        return await asyncio.wait_for(awaitable, limit)
    except TimeoutError:
        raise _failure(message, limit) from None
