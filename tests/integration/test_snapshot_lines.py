"""A first load reads the snapshot as lines and writes each as it arrives.

A real server on a loopback port; the client's connection is the real one, wrapped to see
what the server answered, to cut the answer short, or to ask as a client that does not know
the lines would (the server then sends the JSON document, which the engine still reads).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.wire import SNAPSHOT_LINES, SNAPSHOT_LINES_OF_ARRAYS
from golive_tui.server.feed import SNAPSHOT_CHUNK_ROWS
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient, Transient
from golive_tui.sync.engine import SyncEngine
from tests.conftest import ServerUnderTest


class _Cut(httpx.AsyncByteStream):
    """The server's answer up to the end of its ``lines``-th line, then a clean end."""

    def __init__(self, inner: httpx.AsyncByteStream, lines: int) -> None:
        self.inner = inner
        self.lines = lines

    async def __aiter__(self) -> AsyncIterator[bytes]:
        left = self.lines
        async for chunk in self.inner:
            keep = 0
            while left and (end := chunk.find(b"\n", keep)) >= 0:
                keep, left = end + 1, left - 1
            if not left:
                yield chunk[:keep]
                return
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class SnapshotWatch(httpx.AsyncBaseTransport):
    """The real connection; records the snapshot's media type, and may change the request
    (``ask``) or cut the answer after a number of lines (``cut_after``)."""

    def __init__(
        self,
        *,
        ask: Callable[[httpx.Request], None] | None = None,
        cut_after: int | None = None,
    ) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.ask = ask
        self.cut_after = cut_after
        self.media_types: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        is_snapshot = request.url.path.endswith("/snapshot")
        if is_snapshot and self.ask is not None:
            self.ask(request)
        response = await self.inner.handle_async_request(request)
        if not is_snapshot:
            return response
        self.media_types.append(response.headers.get("content-type", ""))
        if self.cut_after is None:
            return response
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code, headers=response.headers,
            stream=_Cut(response.stream, self.cut_after), extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def _cached(store: LocalStore) -> dict[str, set[str]]:
    return {kind.value: {str(r["id"]) for r in store.iter_records(kind)} for kind in EntityKind}


def _sent(snapshot: dict[str, Any]) -> dict[str, set[str]]:
    entities = snapshot["entities"]
    return {kind.value: {str(r["id"]) for r in entities.get(kind.value, [])} for kind in EntityKind}


def test_the_lines_hold_the_documents_records_with_their_counts(
    sqlite_server: ServerUnderTest,
) -> None:
    document = sqlite_server.snapshot()
    with sqlite_server.client(headers={"Accept": SNAPSHOT_LINES}) as client:
        response = client.get(sqlite_server.project_path("snapshot"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(SNAPSHOT_LINES)
    head, *lines = [json.loads(line) for line in response.content.splitlines()]
    assert head["project_id"] == document["project_id"]
    assert head["server_seq"] == document["server_seq"]
    records: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        assert set(line) == {"entity", "records"}
        assert 0 < len(line["records"]) <= SNAPSHOT_CHUNK_ROWS
        records.setdefault(line["entity"], []).extend(line["records"])
    assert head["counts"] == {kind: len(rows) for kind, rows in document["entities"].items()}
    assert records == {kind: rows for kind, rows in document["entities"].items() if rows}


def test_the_lines_of_arrays_hold_the_documents_records_in_their_columns(
    sqlite_server: ServerUnderTest,
) -> None:
    document = sqlite_server.snapshot()
    accept = f"{SNAPSHOT_LINES_OF_ARRAYS}, {SNAPSHOT_LINES};q=0.9"
    with sqlite_server.client(headers={"Accept": accept}) as client:
        response = client.get(sqlite_server.project_path("snapshot"))
    assert response.status_code == 200
    assert response.headers["content-type"] == SNAPSHOT_LINES_OF_ARRAYS
    head, *lines = [json.loads(line) for line in response.content.splitlines()]
    assert head["counts"] == {kind: len(rows) for kind, rows in document["entities"].items()}
    records: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        assert set(line) == {"entity", "rows"}
        assert 0 < len(line["rows"]) <= SNAPSHOT_CHUNK_ROWS
        columns = head["columns"][line["entity"]]
        records.setdefault(line["entity"], []).extend(
            dict(zip(columns, row, strict=True)) for row in line["rows"]
        )
    assert records == {kind: rows for kind, rows in document["entities"].items() if rows}


async def test_a_first_load_reads_the_lines_and_holds_every_record(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    pid = sqlite_server.project_id
    store = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    watch = SnapshotWatch()
    async with SyncClient(sqlite_server.url, sqlite_server.tokens["ipm"], transport=watch) as client:
        await SyncEngine(store, client, pid, live=False).sync_once()
    assert watch.media_types == [SNAPSHOT_LINES_OF_ARRAYS]
    document = sqlite_server.snapshot()
    assert _cached(store) == _sent(document)
    assert store.cursor == document["server_seq"]
    store.close()


@pytest.mark.parametrize("lines", [1, 3])
async def test_a_snapshot_cut_short_keeps_nothing_and_the_next_sync_loads_it_whole(
    sqlite_server: ServerUnderTest, tmp_path: Path, lines: int
) -> None:
    pid = sqlite_server.project_id
    token = sqlite_server.tokens["ipm"]
    store = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    cut = SnapshotWatch(cut_after=lines)
    async with SyncClient(sqlite_server.url, token, transport=cut) as client:
        with pytest.raises(Transient):
            await SyncEngine(store, client, pid, live=False).sync_once()
    assert all(not ids for ids in _cached(store).values()), "a cut snapshot was kept in part"
    assert store.cursor == 0 and store.get_state(f"bootstrapped:{pid}") is None

    async with SyncClient(sqlite_server.url, token) as client:
        await SyncEngine(store, client, pid, live=False).sync_once()
    assert _cached(store) == _sent(sqlite_server.snapshot())
    store.close()


async def test_a_server_that_sends_the_document_is_read_as_before(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    """What a server from before the lines answers: the document, whatever was asked."""

    def as_before(request: httpx.Request) -> None:
        request.headers["Accept"] = "application/json"

    pid = sqlite_server.project_id
    store = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    watch = SnapshotWatch(ask=as_before)
    async with SyncClient(sqlite_server.url, sqlite_server.tokens["ipm"], transport=watch) as client:
        await SyncEngine(store, client, pid, live=False).sync_once()
    assert [t.split(";")[0] for t in watch.media_types] == ["application/json"]
    assert _cached(store) == _sent(sqlite_server.snapshot())
    store.close()


async def test_a_server_that_sends_lines_of_objects_is_read_as_before(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    """What a server from before the arrays answers: lines of records, whatever was asked."""

    def as_before(request: httpx.Request) -> None:
        request.headers["Accept"] = SNAPSHOT_LINES

    pid = sqlite_server.project_id
    store = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    watch = SnapshotWatch(ask=as_before)
    async with SyncClient(sqlite_server.url, sqlite_server.tokens["ipm"], transport=watch) as client:
        await SyncEngine(store, client, pid, live=False).sync_once()
    assert [t.split(";")[0] for t in watch.media_types] == [SNAPSHOT_LINES]
    assert SNAPSHOT_LINES_OF_ARRAYS not in watch.media_types
    document = sqlite_server.snapshot()
    assert _cached(store) == _sent(document)
    assert store.cursor == document["server_seq"]
    store.close()
