"""The live event stream agrees with the change feed and with the tokens, on either database.

Raw HTTP (httpx), so that no client code hides what the server answers.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive_tui.server import admin
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import Backoff, SyncEngine
from tests.conftest import ServerUnderTest
from tests.waiting import wait_for_async, within

from .test_offline import bootstrap
from .test_server_events import _push_one, event_stream, next_comment, next_event

BACKENDS = ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]


def _compact(server: ServerUnderTest) -> None:
    db = admin.open_database(server.db_url)
    try:
        admin.compact(db, keep=1, project_id=server.project_id)
    finally:
        db.dispose()


@pytest.mark.parametrize("where", ["ahead of the head", "behind what is kept"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_the_stream_refuses_a_cursor_the_feed_cannot_serve_as_the_feed_does(
    request: pytest.FixtureRequest, backend: str, where: str
) -> None:
    server = request.getfixturevalue(backend)
    if where == "ahead of the head":
        cursor = server.head() + 5  # a server restored from a backup, say
    else:
        _push_one(server)
        _compact(server)
        cursor = 1
    feed = server.changes(after=cursor)
    with (
        server.client("viewer", headers={"Last-Event-ID": str(cursor)}) as client,
        client.stream("GET", server.project_path("events")) as stream,
    ):
        assert feed.status_code == stream.status_code == 410, (feed.text, stream.status_code)
        assert stream.headers["content-type"] == "application/json"
        body = json.loads(stream.read())
    assert body == feed.json()
    assert body["error"]["code"] in ("cursor_ahead", "changes_compacted")


class StreamWatch(httpx.AsyncBaseTransport):
    """A real connection that notes each live stream's Last-Event-ID and answer, and holds
    the change feed back until a stream was asked for (so the stream asks first)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.streams: list[tuple[str | None, int]] = []
        self.stream_asked = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/changes"):
            await self.stream_asked.wait()
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/events"):
            self.streams.append((request.headers.get("Last-Event-ID"), response.status_code))
            self.stream_asked.set()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_client_refused_its_stream_reloads_and_listens_from_its_new_cursor(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    pid, token = sqlite_server.project_id, sqlite_server.tokens["viewer"]
    store = LocalStore(tmp_path / "viewer.sqlite", actor="viewer", project_id=pid)
    await bootstrap(store, sqlite_server.url, token, pid)
    store.set_state(f"cursor:{pid}", str(store.cursor + 5))  # a server restored from a backup
    watch = StreamWatch()
    async with SyncClient(sqlite_server.url, token, transport=watch) as client:
        engine = SyncEngine(store, client, pid, backoff=Backoff(base=0.01, cap=0.05))
        task = asyncio.create_task(engine.run())
        try:
            await wait_for_async(
                lambda: any(status == 200 for _, status in watch.streams),
                lambda: f"a live stream served after the 410 (streams: {watch.streams})",
            )
        finally:
            await engine.stop()
            task.cancel()
            store.close()
    assert watch.streams[0][1] == 410, watch.streams
    served = next(last for last, status in watch.streams if status == 200)
    assert served is not None and int(served) <= sqlite_server.head()


async def test_a_cursor_at_the_head_is_still_served(sqlite_server: ServerUnderTest) -> None:
    head = sqlite_server.head()
    async with event_stream(sqlite_server, "viewer", last_event_id=head) as lines:
        assert await next_comment(lines) == f": connected at {head}"
        seq = await asyncio.to_thread(_push_one, sqlite_server)
        assert (await next_event(lines))["data"] == {"seq": seq}


async def _until_the_stream_ends(lines: Any) -> None:
    """Read the stream to its end; the server ends it within its poll interval."""

    async def drain() -> None:
        async for _line in lines:
            pass

    await within(drain(), "the stream to end")


def _revoke(server: ServerUnderTest, user: str) -> None:
    db = admin.open_database(server.db_url)
    try:
        admin.revoke_token(db, server.tokens[user].partition(".")[0])
    finally:
        db.dispose()


def _remove_member(server: ServerUnderTest, user: str) -> None:
    record = next(m for m in server.snapshot()["entities"]["member"] if m["user"] == user)
    response = server.push([server.op("member", record["id"], "delete",
                                      base_version=record["version"])])
    assert response.json()["results"][0]["status"] == "applied", response.text


@pytest.mark.parametrize("how", ["its token is revoked", "its user leaves the project"])
@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_stream_ends_when_its_caller_loses_access(
    request: pytest.FixtureRequest, backend: str, how: str
) -> None:
    server = request.getfixturevalue(backend)
    async with event_stream(server, "viewer") as lines:
        await next_comment(lines)
        seq = await asyncio.to_thread(_push_one, server)
        assert (await next_event(lines))["data"] == {"seq": seq}  # delivering, until:
        if how == "its token is revoked":
            await asyncio.to_thread(_revoke, server, "viewer")
        else:
            await asyncio.to_thread(_remove_member, server, "viewer")
        await _until_the_stream_ends(lines)
    with server.client("viewer") as client:
        again = client.get(server.project_path("events"))
    assert again.status_code == (401 if how == "its token is revoked" else 404), again.text
