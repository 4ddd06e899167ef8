"""Live events: Server-Sent Events poke clients to pull when the project moves on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from golive_tui.server import admin
from tests.conftest import ServerUnderTest
from tests.waiting import within


@asynccontextmanager
async def event_stream(
    server: ServerUnderTest, user: str = "ipm", last_event_id: int | None = None
) -> AsyncIterator[AsyncIterator[str]]:
    """The lines of the project's event stream, as ``user`` sees it."""
    headers = server.headers(user)
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    async with (
        httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as client,
        client.stream("GET", server.project_path("events")) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        yield response.aiter_lines()


async def next_event(lines: AsyncIterator[str]) -> dict[str, Any]:
    """The next SSE event (comments skipped): {"id", "event", "data"}."""
    event: dict[str, Any] = {}

    async def read() -> dict[str, Any]:
        async for line in lines:
            if line == "":
                if "event" in event:
                    return event
                event.clear()
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                event["data"] = json.loads(value)
            elif name in ("id", "event"):
                event[name] = value
        raise AssertionError("the event stream ended")

    return await within(read(), "the next event on the stream")


async def next_comment(lines: AsyncIterator[str]) -> str:
    async def read() -> str:
        async for line in lines:
            if line.startswith(":"):
                return line
        raise AssertionError("the event stream ended")

    return await within(read(), "the next comment on the stream")


def _push_one(server: ServerUnderTest) -> int:
    number = server.snapshot()["entities"]["number"][0]
    result = server.push([server.op("number", number["id"], "update", {"assigned_to": "live"},
                                    base_version=number["version"])]).json()
    seq: int = result["results"][0]["seq"]
    return seq


async def test_a_change_event_arrives_after_a_push(sqlite_server: ServerUnderTest) -> None:
    async with event_stream(sqlite_server, "viewer") as lines:
        await next_comment(lines)  # connected
        seq = await asyncio.to_thread(_push_one, sqlite_server)
        event = await next_event(lines)
    assert event == {"id": str(seq), "event": "change", "data": {"seq": seq}}


async def test_last_event_id_behind_the_server_gets_a_change_at_once(
    sqlite_server: ServerUnderTest,
) -> None:
    head = sqlite_server.head()
    async with event_stream(sqlite_server, last_event_id=head - 5) as lines:
        event = await next_event(lines)
    assert event == {"id": str(head), "event": "change", "data": {"seq": head}}


async def test_last_event_id_at_the_head_waits_for_news_and_pings(
    sqlite_server: ServerUnderTest,
) -> None:
    head = sqlite_server.head()
    async with event_stream(sqlite_server, last_event_id=head) as lines:
        assert await next_comment(lines) == f": connected at {head}"
        # the test server pings every second (production: every 15 s)
        assert await next_comment(lines) == ": ping"
        seq = await asyncio.to_thread(_push_one, sqlite_server)
        event = await next_event(lines)
    assert event["id"] == str(seq)


async def test_events_of_a_change_made_by_another_process_arrive_by_the_fallback_poll(
    sqlite_server: ServerUnderTest,
) -> None:
    def grant() -> int:
        db = admin.open_database(sqlite_server.db_url)
        try:
            result = admin.grant(db, "viewer", sqlite_server.project_id, "customer")
        finally:
            db.dispose()
        assert result.seq is not None
        return result.seq

    async with event_stream(sqlite_server) as lines:
        await next_comment(lines)
        seq = await asyncio.to_thread(grant)
        event = await next_event(lines)
    assert event["data"] == {"seq": seq}


def test_events_need_a_token_and_membership(sqlite_server: ServerUnderTest) -> None:
    with sqlite_server.client(None) as client:
        assert client.get(sqlite_server.project_path("events")).status_code == 401
    with sqlite_server.client("outsider") as client:
        assert client.get(sqlite_server.project_path("events")).status_code == 404
