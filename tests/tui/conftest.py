"""Fixtures for driving the real app with its Pilot, on a real demo cache file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.factory import create_demo_app

#: the demo day every TUI test runs on: a Thursday, clock frozen at 10:00 Eastern
DEMO_DAY = date(2026, 11, 26)
FROZEN_NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def frozen_clock() -> datetime:
    return FROZEN_NOW


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., GoLiveApp]:
    """Build the demo app on a fresh cache file in tmp_path (same file on each call)."""

    def factory(**kwargs: object) -> GoLiveApp:
        return create_demo_app(
            tmp_path / "cache.db", demo_day=DEMO_DAY, clock=frozen_clock, **kwargs  # type: ignore[arg-type]
        )

    return factory


async def wait_ready(pilot: object) -> None:
    """Wait until the cache is open and the screen has loaded its data."""
    app = pilot.app  # type: ignore[attr-defined]
    await app.store_ready.wait()
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
