"""The live event stream agrees with the change feed and with the tokens, on either database.

Raw HTTP (httpx), so that no client code hides what the server answers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from golive_tui.server import admin

from .test_server_events import _push_one, event_stream, next_comment, next_event

BACKENDS = ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]


def _compact(server: Any) -> None:
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


async def test_a_cursor_at_the_head_is_still_served(sqlite_server) -> None:
    head = sqlite_server.head()
    async with event_stream(sqlite_server, "viewer", last_event_id=head) as lines:
        assert await next_comment(lines, timeout=5) == f": connected at {head}"
        seq = await asyncio.to_thread(_push_one, sqlite_server)
        assert (await next_event(lines))["data"] == {"seq": seq}
