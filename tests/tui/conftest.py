"""Fixtures for driving the real app with its Pilot, on a real demo cache file."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from textual import messages
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import DataTable, Input
from textual.worker import WorkerCancelled, WorkerFailed

from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.factory import create_demo_app
from golive_tui.tui.textual_adapter import measuring
from tests.waiting import wait_for_async, within

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore

#: the demo day every TUI test runs on: a Thursday, clock frozen at 10:00 Eastern
DEMO_DAY = date(2026, 11, 26)
FROZEN_NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def frozen_clock() -> datetime:
    return FROZEN_NOW


@pytest.fixture(scope="session")
def demo_cache_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo loaded once into a cache file; each test works on its own copy."""
    from golive_tui.seed import load_demo
    from golive_tui.store.local import LocalStore

    path = tmp_path_factory.mktemp("template") / "cache.db"
    store = LocalStore(path, actor="demo")
    store.write_document(load_demo(demo_day=DEMO_DAY, now=FROZEN_NOW))
    store.close()
    conn = sqlite3.connect(path)  # fold the WAL into the file so one copy holds everything
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def make_app(tmp_path: Path, demo_cache_template: Path) -> Iterator[Callable[..., GoLiveApp]]:
    """Build the demo app on a fresh copy of the demo cache in tmp_path.

    Once the test is over, each app's cache is closed, as ``run_app`` closes it once the app
    has stopped: left open, its checkpoint thread (and through it the whole app, some 20,000
    objects) would live as long as the test worker, and every later full garbage collection
    would walk them again."""
    shutil.copyfile(demo_cache_template, tmp_path / "cache.db")
    made: list[GoLiveApp] = []

    def factory(**kwargs: Any) -> GoLiveApp:
        app = create_demo_app(
            tmp_path / "cache.db", demo_day=DEMO_DAY, clock=frozen_clock, **kwargs
        )
        made.append(app)
        return app

    yield factory
    for app in made:
        if app.store is not None:
            app.store.close()


def store_of(app: GoLiveApp) -> LocalStore:
    """The app's open cache, for a check that ``until`` polls (the narrowing of an
    ``assert app.store is not None`` does not reach into a lambda)."""
    assert app.store is not None, "the cache is not open yet"
    return app.store


async def _workers_done(app: GoLiveApp) -> None:
    """Wait for every worker, however it ends: a load superseded by a newer one is
    cancelled, and a worker that failed is the app's to report (a notice the test reads)."""
    while True:
        try:
            await app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):
            if any(worker.is_running for worker in app.workers):
                continue  # the others may still be at work
        return


async def settle(pilot: Any) -> None:
    """Let loads and changes finish and the screen take them in: a change ends in the
    cache, tells the screen, which loads again and shows what it read (a reload may cancel
    the one it replaces)."""
    for _ in range(3):
        await _workers_done(pilot.app)
        await pilot.pause()


#: the name some tests know ``settle`` by
settle_screen = settle


async def wait_ready(pilot: Any) -> None:
    """Wait until the cache is open and the screen has loaded its data."""
    app = pilot.app
    await within(app.store_ready.wait(), "the demo cache to open")
    await settle(pilot)


async def until(
    pilot: Any, check: Callable[[], bool], message: str = "the screen to show what is awaited"
) -> None:
    """Settle until ``check()`` holds: a change finishes in the cache first and reaches the
    screen one reload later, which on a busy machine can take many settles. ``message``
    says what is awaited, for when it never comes."""
    await wait_for_async(check, message, step=lambda: settle(pilot))


async def wait_still(pilot: Any) -> None:
    """Settle until two pictures of the screen in a row are the same: what a snapshot is
    taken of must be the screen at rest, not one caught between a load and its repaint,
    however slowly the machine runs them."""
    pictures: list[str] = []

    def still() -> bool:
        pictures.append(pilot.app.export_screenshot())
        return (
            len(pictures) > 1 and pictures[-1] == pictures[-2]
            and not _tables_measuring(pilot.app)
        )

    await wait_for_async(still, "the screen to come to rest", step=lambda: settle(pilot))


def steady_cursors(pilot: Any) -> None:
    """Stop the screen's text cursors blinking: a picture of the screen then shows what it
    holds, not the moment it was taken (a blink is half a second, a slow step longer)."""
    for entry in pilot.app.screen.query(Input):
        entry.cursor_blink = False


def _tables_measuring(app: GoLiveApp) -> bool:
    """Whether a table still has rows or cells to measure (it does so when next idle)."""
    return any(measuring(table) for table in app.screen.query(DataTable))


class Notices:
    """The notices the app posted, through the run_test message hook."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.messages.append(f"{message.notification.title}: {message.notification.message}")

    def about(self, words: str) -> list[str]:
        return [m for m in self.messages if words in m]


class Layouts:
    """The widgets the app laid out, through the run_test message hook."""

    def __init__(self) -> None:
        self.widgets: list[Any] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, messages.Layout):
            self.widgets.append(message.widget)
