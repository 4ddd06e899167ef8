"""The sync engine on its own: how long it waits before trying again (exponential backoff to
a cap, full jitter, a server's ``Retry-After`` honoured up to :data:`RETRY_AFTER_CAP`, never
for a day) and what its status line says."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient, Transient, error_for
from golive_tui.sync.engine import RETRY_AFTER_CAP, Backoff, SyncEngine, SyncStatus
from tests.waiting import wait_for_async

DAY = 86_400.0


class Highest(random.Random):
    """Jitter that always draws the top of its range: the delays are then the ceilings."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Lowest(random.Random):
    """Jitter that always draws the bottom of its range."""

    def uniform(self, a: float, b: float) -> float:
        return a


def test_the_ceiling_doubles_from_base_up_to_the_cap() -> None:
    backoff = Backoff(base=0.5, cap=30.0, rng=Highest())
    assert [backoff.next_delay() for _ in range(9)] == [
        0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0,
    ]


def test_reset_starts_again_from_base() -> None:
    backoff = Backoff(base=0.5, cap=30.0, rng=Highest())
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_a_long_outage_stays_at_the_cap() -> None:
    backoff = Backoff(base=0.5, cap=30.0, rng=Highest())
    delays = [backoff.next_delay() for _ in range(2_000)]  # no overflow of 2 ** attempt
    assert delays[-1] == 30.0
    assert max(delays) == 30.0


@pytest.mark.parametrize("attempt", [0, 3, 6, 12])
def test_full_jitter_spreads_delays_over_zero_to_the_ceiling(attempt: int) -> None:
    ceiling = min(30.0, 0.5 * 2**attempt)
    delays = []
    for seed in range(500):
        backoff = Backoff(base=0.5, cap=30.0, attempt=attempt, rng=random.Random(seed))
        delays.append(backoff.next_delay())
    assert all(0.0 <= d <= ceiling for d in delays)
    # spread over the whole range, not bunched: clients that failed together part ways
    assert min(delays) < ceiling * 0.05
    assert max(delays) > ceiling * 0.95
    assert len({round(d, 6) for d in delays}) > 450


def test_retry_after_is_waited_out_before_the_jitter() -> None:
    assert Backoff(rng=Lowest()).next_delay(retry_after=7.0) == 7.0
    assert Backoff(base=0.5, rng=Highest()).next_delay(retry_after=7.0) == 7.5
    for seed in range(200):
        delay = Backoff(base=0.5, cap=30.0, rng=random.Random(seed)).next_delay(retry_after=7.0)
        assert 7.0 <= delay <= 7.5


def test_a_retry_after_of_a_day_is_capped() -> None:
    assert RETRY_AFTER_CAP == 300.0
    assert Backoff(rng=Lowest()).next_delay(retry_after=DAY) == RETRY_AFTER_CAP
    backoff = Backoff(base=0.5, cap=30.0, rng=Highest())
    delays = [backoff.next_delay(retry_after=DAY) for _ in range(10)]
    assert max(delays) == RETRY_AFTER_CAP + 30.0


def test_the_retry_after_cap_can_be_set() -> None:
    backoff = Backoff(rng=Lowest(), retry_after_cap=2.0)
    assert backoff.next_delay(retry_after=60.0) == 2.0
    assert backoff.next_delay(retry_after=1.5) == 1.5


def test_a_retry_after_in_the_past_adds_nothing() -> None:
    assert Backoff(rng=Lowest()).next_delay(retry_after=-5.0) == 0.0


# ----------------------------------------------------------------------------- the header


def retry_after_of(value: str) -> float | None:
    response = httpx.Response(
        429, headers={"Retry-After": value}, request=httpx.Request("GET", "http://x/")
    )
    error = error_for(response, "testing")
    assert isinstance(error, Transient)
    return error.retry_after


def test_retry_after_in_seconds_is_read() -> None:
    assert retry_after_of("7") == 7.0
    assert retry_after_of(" 2.5 ") == 2.5


def test_retry_after_as_a_date_a_day_ahead_is_read_then_capped_by_the_backoff() -> None:
    tomorrow = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)
    seconds = retry_after_of(tomorrow)
    assert seconds is not None and DAY - 120 < seconds <= DAY
    assert Backoff(rng=Lowest()).next_delay(retry_after=seconds) == RETRY_AFTER_CAP


def test_a_retry_after_that_is_not_a_time_is_ignored() -> None:
    assert retry_after_of("soon") is None
    assert Backoff(base=0.5, rng=Highest()).next_delay(retry_after=None) == 0.5


# ----------------------------------------------------------------------------- the engine


async def test_the_engine_asks_again_after_the_cap_when_told_to_wait_a_day(
    tmp_path: Path,
) -> None:
    """A proxy in front of the server (no golive server says this) answers 429, come back
    tomorrow; the engine is offline with the reason and keeps asking at the cap."""
    asked: list[str] = []

    def busy(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(429, headers={"Retry-After": str(int(DAY))})

    store = LocalStore(tmp_path / "golive.cache")
    client = SyncClient("http://golive.test", "t", transport=httpx.MockTransport(busy))
    engine = SyncEngine(store, client, "p", live=False,
                        backoff=Backoff(base=0.01, cap=0.02, retry_after_cap=0.05))
    task = asyncio.create_task(engine.run())
    try:
        await wait_for_async(lambda: len(asked) >= 3, "the engine to ask the busy server 3 times")
        assert engine.status.state == "offline"
        assert "busy (429)" in engine.status.last_error
    finally:
        await engine.stop()
        await client.aclose()
        store.close()
        if not task.done():
            task.cancel()


# ----------------------------------------------------------------------------- the status line

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "line"),
    [
        (SyncStatus(), "offline · never synced"),
        (SyncStatus("online", last_sync=NOW - timedelta(seconds=5)),
         "online · synced just now"),
        (SyncStatus("syncing", queued=1_234, last_sync=NOW - timedelta(minutes=3)),
         "syncing · 1,234 queued · synced 3 min ago"),
        (SyncStatus("offline", queued=12, last_sync=NOW - timedelta(hours=5), conflicts=1),
         "offline · 12 queued · synced 10:00 UTC · 1 conflict"),
        (SyncStatus("error", conflicts=3), "error · never synced · 3 conflicts"),
    ],
)
def test_the_status_line_says_state_queue_last_sync_and_conflicts(
    status: SyncStatus, line: str
) -> None:
    assert status.describe(NOW) == line
