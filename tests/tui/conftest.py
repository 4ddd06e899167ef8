"""Fixtures for driving the real app with its Pilot, on a real demo cache file."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.worker import WorkerCancelled

from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.factory import create_demo_app

#: the demo day every TUI test runs on: a Thursday, clock frozen at 10:00 Eastern
DEMO_DAY = date(2026, 11, 26)
FROZEN_NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def frozen_clock() -> datetime:
    return FROZEN_NOW


@pytest.fixture(scope="session")
def demo_cache_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo loaded once into a cache file; each test works on its own copy."""
    from golive_tui.domain.project_doc import load_demo
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
def make_app(tmp_path: Path, demo_cache_template: Path) -> Callable[..., GoLiveApp]:
    """Build the demo app on a fresh copy of the demo cache in tmp_path."""
    shutil.copyfile(demo_cache_template, tmp_path / "cache.db")

    def factory(**kwargs: object) -> GoLiveApp:
        return create_demo_app(
            tmp_path / "cache.db", demo_day=DEMO_DAY, clock=frozen_clock, **kwargs  # type: ignore[arg-type]
        )

    return factory


async def settle(app: GoLiveApp) -> None:
    """Wait for every worker; a load superseded by a newer one counts as settled."""
    for _ in range(10):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        if not any(worker.is_running for worker in app.workers):
            return


async def wait_ready(pilot: object) -> None:
    """Wait until the cache is open and the screen has loaded its data."""
    app = pilot.app  # type: ignore[attr-defined]
    await app.store_ready.wait()
    await settle(app)
    await pilot.pause()  # type: ignore[attr-defined]
    await settle(app)
    await pilot.pause()  # type: ignore[attr-defined]


async def settle_screen(pilot: Any) -> None:
    """Let loads and changes finish; a reload may cancel the one it replaces."""
    for _ in range(3):
        while True:
            try:
                await pilot.app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                continue
        await pilot.pause()


async def until(pilot: Any, check: Any, attempts: int = 20) -> None:
    """Settle until ``check()`` holds (at most ``attempts`` times): a change finishes in
    the cache first and reaches the screen one reload later. The caller asserts after."""
    for _ in range(attempts):
        if check():
            return
        await settle_screen(pilot)


class Notices:
    """The notices the app posted, through the run_test message hook."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.messages.append(f"{message.notification.title}: {message.notification.message}")

    def about(self, words: str) -> list[str]:
        return [m for m in self.messages if words in m]
