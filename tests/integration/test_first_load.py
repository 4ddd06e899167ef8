"""The first load of an empty cache is written into a new file that takes the cache's place.

A real server on a loopback port and real cache files. What is kept across the swap (this
client's id and next op number, the schema version), what refuses it (another connection
to the cache (another process), a change made while the snapshot downloads: then the snapshot is loaded into
the cache itself, as before), and what a load that ends early leaves.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from golive_tui.domain.enums import EntityKind
from golive_tui.store.local import LocalStore
from golive_tui.store.migrations import LATEST
from golive_tui.sync.client import SyncClient, Transient
from golive_tui.sync.engine import SyncEngine
from tests.conftest import ServerUnderTest


class _Hooked(httpx.AsyncByteStream):
    """The server's answer, with ``hook`` run once its first bytes have arrived, and cut
    after ``cut_after`` bytes when given."""

    def __init__(
        self, inner: httpx.AsyncByteStream, hook: Callable[[], None], cut_after: int | None
    ) -> None:
        self.inner = inner
        self.hook = hook
        self.cut_after = cut_after

    async def __aiter__(self) -> AsyncIterator[bytes]:
        hooked = False
        sent = 0
        async for chunk in self.inner:
            if not hooked:
                self.hook()
                hooked = True
            if self.cut_after is not None and sent + len(chunk) >= self.cut_after:
                yield chunk[: self.cut_after - sent]
                return
            sent += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class DuringSnapshot(httpx.AsyncBaseTransport):
    """The real connection; runs ``hook`` while the snapshot downloads (once)."""

    def __init__(self, hook: Callable[[], None], *, cut_after: int | None = None) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.hook = hook
        self.cut_after = cut_after
        self.snapshots = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/snapshot"):
            return response
        self.snapshots += 1
        if self.snapshots > 1:
            return response
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code, headers=response.headers,
            stream=_Hooked(response.stream, self.hook, self.cut_after),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def _empty_cache(server: ServerUnderTest, tmp_path: Path) -> tuple[Path, LocalStore]:
    path = tmp_path / "ipm.sqlite"
    return path, LocalStore(path, actor="ipm", project_id=server.project_id)


async def _load(
    server: ServerUnderTest, store: LocalStore, transport: httpx.AsyncBaseTransport | None = None,
    *, push: bool = True,
) -> None:
    """A first sync of ``store``, through ``transport`` when given (``push``: the outbox is
    sent too)."""
    async with SyncClient(server.url, server.tokens["ipm"], transport=transport) as client:
        engine = SyncEngine(store, client, server.project_id, live=False)
        await (engine.sync_once() if push else engine.pull_once())


def _ids(store: LocalStore) -> dict[str, set[str]]:
    return {kind.value: {str(r["id"]) for r in store.iter_records(kind)} for kind in EntityKind}


def _sent(server: ServerUnderTest) -> dict[str, set[str]]:
    entities = server.snapshot()["entities"]
    return {kind.value: {str(r["id"]) for r in entities.get(kind.value, [])} for kind in EntityKind}


async def test_an_empty_cache_is_loaded_into_a_new_file_that_keeps_its_bookkeeping(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    pid = sqlite_server.project_id
    path, store = _empty_cache(sqlite_server, tmp_path)
    client_id = store.client_id
    store.set_state("next_client_seq", "41")
    before = path.stat().st_ino
    await _load(sqlite_server, store)
    assert path.stat().st_ino != before, "the cache was written in place"
    assert not path.with_name(path.name + ".loading").exists()
    assert _ids(store) == _sent(sqlite_server)
    assert store.cursor == sqlite_server.head()
    assert store.get_state("next_client_seq") == "41"
    store.close()

    again = LocalStore(path, actor="ipm", project_id=pid)
    assert again.client_id == client_id
    assert _ids(again) == _sent(sqlite_server)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again.close()


_READER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
for line in sys.stdin:
    print(conn.execute("SELECT count(*) FROM number").fetchone()[0], flush=True)
"""


async def test_a_cache_another_process_has_open_is_loaded_in_place(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    """Another process with the cache open would go on using a file no one reads."""
    path, store = _empty_cache(sqlite_server, tmp_path)
    before = path.stat().st_ino
    other = subprocess.Popen([sys.executable, "-c", _READER, str(path)], text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert other.stdin is not None and other.stdout is not None

    def numbers_seen_there() -> int:
        assert other.stdin is not None and other.stdout is not None
        other.stdin.write("count\n")
        other.stdin.flush()
        return int(other.stdout.readline())

    try:
        assert numbers_seen_there() == 0  # it has the cache open from here on
        await _load(sqlite_server, store)
        assert path.stat().st_ino == before, "a file another process had open was replaced"
        assert _ids(store) == _sent(sqlite_server)
        assert numbers_seen_there() == len(_sent(sqlite_server)["number"]) > 0
    finally:
        other.stdin.close()
        other.wait(timeout=30)
        store.close()


async def test_a_change_queued_while_the_snapshot_downloads_is_kept(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    pid = sqlite_server.project_id
    path, store = _empty_cache(sqlite_server, tmp_path)
    op_id = str(uuid.uuid4())

    def queue_a_change() -> None:
        # as another process would: straight into the cache's outbox
        with sqlite3.connect(path) as conn:
            conn.execute(
                "INSERT INTO outbox (client_seq, op_id, project_id, entity, entity_id, action, "
                "fields, base_version, client_time, attempts) "
                "VALUES (1, ?, ?, 'issue', ?, 'create', ?, NULL, '2026-12-07 10:00:00.000000', 0)",
                (op_id, pid, str(uuid.uuid4()), json.dumps({"title": "queued meanwhile"})),
            )

    await _load(sqlite_server, store, DuringSnapshot(queue_a_change), push=False)
    assert _ids(store)["number"] == _sent(sqlite_server)["number"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT op_id FROM outbox").fetchall() == [(op_id,)]
    store.close()


async def test_a_load_cut_short_leaves_the_empty_cache_and_no_new_file(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    path, store = _empty_cache(sqlite_server, tmp_path)
    client_id = store.client_id
    loading = path.with_name(path.name + ".loading")
    loading.write_bytes(b"what a load killed earlier left")
    with pytest.raises(Transient):
        await _load(sqlite_server, store, DuringSnapshot(lambda: None, cut_after=20_000))
    assert not loading.exists()
    assert all(not ids for ids in _ids(store).values())
    assert store.cursor == 0 and store.get_state(f"bootstrapped:{sqlite_server.project_id}") is None

    await _load(sqlite_server, store)
    assert _ids(store) == _sent(sqlite_server)
    assert store.client_id == client_id
    assert not loading.exists()
    store.close()
