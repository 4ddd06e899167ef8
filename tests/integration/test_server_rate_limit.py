"""Per-token rate limiting: 429 with Retry-After past the limit, and a client that honours it.

A second real server on the ``sqlite_server`` database, with a low limit; raw httpx shows the
refusal, the real sync engine (through its real client, on a real connection that records
what went out and came back) shows the backing off and the complete drain.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from golive_tui.server.embedded import EmbeddedServer
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import Backoff, SyncEngine, SyncStatus
from tests.conftest import ServerUnderTest
from tests.integration.test_offline import (
    HookTransport,
    bootstrap,
    change_op_ids,
    verifications,
)
from tests.waiting import wait_for_async

RATE = 2.0
BURST = 3


@pytest.fixture
def limited(sqlite_server: ServerUnderTest) -> Iterator[EmbeddedServer]:
    """A replica of ``sqlite_server`` that lets each token make 2 requests a second, 3 in a row."""
    with sqlite_server.replica(rate_limit=RATE, rate_limit_burst=BURST) as server:
        yield server


def test_a_token_past_its_rate_gets_429_with_retry_after_and_other_tokens_do_not(
    sqlite_server: ServerUnderTest, limited: EmbeddedServer
) -> None:
    with httpx.Client(base_url=limited.url, headers=sqlite_server.headers("ipm")) as ipm:
        answers = [ipm.get("/v1/me") for _ in range(BURST)]
        assert [a.status_code for a in answers] == [200] * BURST
        refused = None
        for _ in range(50):  # bounded: far more than a bucket this small can let through
            answer = ipm.get("/v1/me")
            if answer.status_code == 429:
                refused = answer
                break
        assert refused is not None, "the token was never refused"
        with httpx.Client(base_url=limited.url, headers=sqlite_server.headers("engineer")) as other:
            assert other.get("/v1/me").status_code == 200
    wait = refused.headers["Retry-After"]
    assert wait.isdigit() and int(wait) >= 1
    error = refused.json()["error"]
    assert error["code"] == "too_many_requests"
    assert error["details"] == {"retry_after": int(wait)}
    assert f"wait {wait} s" in error["message"]
    # the API document says so
    with httpx.Client(base_url=limited.url) as anonymous:
        push = anonymous.get("/openapi.json").json()["paths"]["/v1/projects/{pid}/ops"]["post"]
    assert "Retry-After" in push["responses"]["429"]["headers"]
    # requests without a token are not counted against anyone
    with httpx.Client(base_url=limited.url) as anonymous:
        assert all(anonymous.get("/healthz").status_code == 200 for _ in range(10))


@dataclass
class Exchange:
    path: str
    status: int
    sent: float
    answered: float
    retry_after: float | None


class RecordingTransport(HookTransport):
    """A real connection that notes each request's answer and when it went out (and lets a
    test act just before a request goes out, as :class:`HookTransport` does)."""

    def __init__(self, before: Callable[[httpx.Request], None] = lambda _request: None) -> None:
        super().__init__(before)
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sent = time.monotonic()
        response = await super().handle_async_request(request)
        header = response.headers.get("Retry-After")
        self.exchanges.append(Exchange(request.url.path, response.status_code, sent,
                                       time.monotonic(), float(header) if header else None))
        return response


async def test_the_sync_engine_backs_off_as_told_and_then_drains_everything(
    sqlite_server: ServerUnderTest, limited: EmbeddedServer, tmp_path: Path
) -> None:
    pid = sqlite_server.project_id
    token = sqlite_server.tokens["ipm"]
    store = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    await bootstrap(store, sqlite_server.url, token, pid)
    queued = await asyncio.to_thread(store.submit_many, verifications(40))
    op_ids = {op.op_id for op in await asyncio.to_thread(store.outbox_batch, 100)}
    assert len(queued.applied) == 40 and len(op_ids) == 40

    transport = RecordingTransport()
    statuses: list[SyncStatus] = []
    client = SyncClient(limited.url, token, transport=transport)
    # five ops a push: eight pushes and their pulls, well past three in a row
    engine = SyncEngine(store, client, pid, live=False, batch_size=5, poll_interval=60.0,
                        backoff=Backoff(base=0.01, cap=0.05), on_status=statuses.append)
    task = asyncio.create_task(engine.run())
    try:
        await wait_for_async(lambda: store.outbox_count() == 0 and engine.status.state == "online",
                             "the outbox to drain through the rate limit", timeout=120)
    finally:
        await engine.stop()
        task.cancel()
        await client.aclose()

    # everything arrived, once each
    on_server = change_op_ids(sqlite_server.db_url, pid)
    assert all(on_server.get(op_id) == 1 for op_id in op_ids)
    assert store.problems() == []
    # it was refused along the way, said so, and each time waited at least as long as told
    exchanges = transport.exchanges
    refusals = [i for i, e in enumerate(exchanges) if e.status == 429]
    assert refusals, "the limit never applied: the test proves nothing"
    assert any("busy (429)" in s.last_error for s in statuses)
    for i in refusals:
        assert i + 1 < len(exchanges), "the engine gave up after a 429"
        refused, following = exchanges[i], exchanges[i + 1]
        assert refused.retry_after is not None and refused.retry_after >= 1
        assert following.sent - refused.answered >= refused.retry_after
        assert following.status != 429, "it came back before its bucket had refilled"
