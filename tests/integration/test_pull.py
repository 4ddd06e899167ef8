"""Pulling the change feed page by page, the next page asked for while one is written."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from golive_tui.domain.enums import EntityKind
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine
from tests.conftest import ServerUnderTest
from tests.waiting import wait_for

from .test_offline import verifications


async def _sync(store: LocalStore, server: ServerUnderTest, user: str, **engine: Any) -> SyncEngine:
    async with SyncClient(server.url, server.tokens[user]) as client:
        sync = SyncEngine(store, client, server.project_id, live=False, **engine)
        await sync.sync_once()
    return sync


async def _behind(
    server: ServerUnderTest, tmp_path: Path, count: int,
) -> tuple[LocalStore, LocalStore, int]:
    """Two caches of one project; the engineer then logs ``count`` results and syncs, so the
    IPM's cache is that many changes behind the server (its cursor is returned)."""
    pid = server.project_id
    engineer = LocalStore(tmp_path / "engineer.sqlite", actor="engineer", project_id=pid)
    ipm = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    await _sync(engineer, server, "engineer")
    await _sync(ipm, server, "ipm")
    start = ipm.cursor
    engineer.submit_many(verifications(count))
    await _sync(engineer, server, "engineer")
    return engineer, ipm, start


class Spy:
    """The ``after`` of every page the client asks for, and whether the answer said more
    follow (the real call still goes out)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.afters: list[int] = []
        self.more: list[bool] = []
        real = SyncClient.changes

        async def changes(client: SyncClient, project_id: str, after: int, limit: int = 0) -> Any:
            self.afters.append(after)
            page = await real(client, project_id, after, limit)
            self.more.append(page["more"])
            return page

        monkeypatch.setattr(SyncClient, "changes", changes)


async def test_many_pages_bring_every_change_once_in_order(
    sqlite_server: ServerUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engineer, ipm, start = await _behind(sqlite_server, tmp_path, 250)

    spy = Spy(monkeypatch)
    await _sync(ipm, sqlite_server, "ipm", page_size=20)
    # 13 pages of 20 (the last short), each asked for after the one before it
    assert len(spy.afters) == 13
    assert spy.afters[0] == start
    assert spy.afters == sorted(spy.afters) and len(set(spy.afters)) == 13
    assert ipm.cursor == engineer.cursor == start + 250
    notes = sorted(r["note"] for r in ipm.iter_records(EntityKind.VERIFICATION)
                   if r["tester"] == "engineer")
    assert notes == sorted(f"offline call {i}" for i in range(250))
    engineer.close()
    ipm.close()


async def test_a_page_that_cannot_be_written_stops_the_pull_where_it_was(
    sqlite_server: ServerUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engineer, ipm, start = await _behind(sqlite_server, tmp_path, 100)

    real = LocalStore.apply_changes
    written: list[int] = []

    def apply_changes(store: LocalStore, changes: Any, server_seq: int) -> Any:
        if len(written) == 2:
            raise OSError("disk full")
        written.append(server_seq)
        return real(store, changes, server_seq)

    monkeypatch.setattr(LocalStore, "apply_changes", apply_changes)
    with pytest.raises(OSError, match="disk full"):
        await _sync(ipm, sqlite_server, "ipm", page_size=25)
    # two pages written, the third refused: the cursor is at the end of the second, and the
    # page asked for ahead of time was dropped, not written
    assert ipm.cursor == start + 50 == written[-1]

    monkeypatch.setattr(LocalStore, "apply_changes", real)
    await _sync(ipm, sqlite_server, "ipm", page_size=25)
    assert ipm.cursor == start + 100
    assert sum(r["tester"] == "engineer"
               for r in ipm.iter_records(EntityKind.VERIFICATION)) == 100
    engineer.close()
    ipm.close()


async def test_the_next_page_is_asked_for_while_one_is_written(
    sqlite_server: ServerUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engineer, ipm, start = await _behind(sqlite_server, tmp_path, 100)
    spy = Spy(monkeypatch)
    real = LocalStore.apply_changes
    asked_while_writing: list[bool] = []

    def apply_changes(store: LocalStore, changes: Any, server_seq: int) -> Any:
        # writing page n (in a thread): unless the server said it was the last, the request
        # for page n + 1 goes out meanwhile (asked only after the write, it never would)
        written = len(asked_while_writing)
        if spy.more[written]:
            wait_for(lambda: len(spy.afters) >= written + 2,
                     f"page {written + 2} to be asked for while page {written + 1} is written")
        asked_while_writing.append(len(spy.afters) >= written + 2)
        return real(store, changes, server_seq)

    monkeypatch.setattr(LocalStore, "apply_changes", apply_changes)
    await _sync(ipm, sqlite_server, "ipm", page_size=25)
    # four full pages; only the last is written with nothing more to ask for
    assert asked_while_writing == [True, True, True, False]
    assert spy.afters == [start, start + 25, start + 50, start + 75]
    assert ipm.cursor == start + 100
    engineer.close()
    ipm.close()


async def test_each_push_leaves_before_the_answer_to_the_last_is_read(
    sqlite_server: ServerUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = sqlite_server.project_id
    ipm = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    await _sync(ipm, sqlite_server, "ipm")
    start = ipm.cursor
    ipm.submit_many(verifications(10))
    steps: list[str] = []
    send, read = SyncClient.send_push, SyncClient.read_push

    async def sending(client: SyncClient, project_id: str, body: bytes, count: int) -> Any:
        steps.append(f"send {count}")
        return await send(client, project_id, body, count)

    def reading(answer: Any) -> Any:
        steps.append("read")
        return read(answer)

    monkeypatch.setattr(SyncClient, "send_push", sending)
    monkeypatch.setattr(SyncClient, "read_push", staticmethod(reading))
    await _sync(ipm, sqlite_server, "ipm", batch_size=4)
    # batches of 4, 4 and 2: the second and third leave before the answer before each is read
    assert steps == ["send 4", "send 4", "read", "send 2", "read", "read"]
    assert ipm.outbox_count() == 0 and ipm.problems() == []
    assert ipm.cursor == start + 10
    ipm.close()


async def test_the_feed_is_pulled_behind_the_pushes_while_later_ones_are_out(
    sqlite_server: ServerUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drain pulls the changes of the pushes it has settled while the next pushes are on
    the wire, never past them; the cache ends as the server has it."""
    engineer, ipm, start = await _behind(sqlite_server, tmp_path, 7)  # others' changes first
    ipm.submit_many(verifications(40))
    asked: list[tuple[int, int]] = []
    settled_to: list[int] = []
    pulled = asyncio.Event()
    changes, send = SyncClient.changes, SyncClient.send_push
    apply_results = LocalStore.apply_push_results
    pushes = 0

    async def changes_spy(client: SyncClient, project_id: str, after: int,
                          limit: int = 0) -> Any:
        asked.append((after, limit))
        if pushes < 4:
            # a page asked for during the pushes ends no further than the settled ones
            assert after + limit <= max(settled_to), (after, limit, settled_to)
            pulled.set()
        return await changes(client, project_id, after, limit)

    async def sending(client: SyncClient, project_id: str, body: bytes, count: int) -> Any:
        nonlocal pushes
        pushes += 1
        if pushes == 3:
            # the third push waits for a page of the feed: only a pull behind the first
            # two pushes can ask for one now (the pull after the pushes never would)
            await asyncio.wait_for(pulled.wait(), timeout=30)
        return await send(client, project_id, body, count)

    def settling(store: LocalStore, results: Any) -> Any:
        problems = apply_results(store, results)
        settled_to.append(max(r.seq for r in results))
        return problems

    monkeypatch.setattr(SyncClient, "changes", changes_spy)
    monkeypatch.setattr(SyncClient, "send_push", sending)
    monkeypatch.setattr(LocalStore, "apply_push_results", settling)
    await _sync(ipm, sqlite_server, "ipm", batch_size=10, page_size=10)
    assert pushes == 4 and pulled.is_set()
    assert ipm.outbox_count() == 0 and ipm.problems() == []
    assert ipm.cursor == start + 7 + 40
    # the cache holds each record as the server does, the others' and its own
    await _sync(engineer, sqlite_server, "engineer")
    mine = sorted(ipm.iter_records(EntityKind.VERIFICATION), key=lambda r: r["id"])
    theirs = sorted(engineer.iter_records(EntityKind.VERIFICATION), key=lambda r: r["id"])
    assert len(mine) == len(theirs) >= 47
    assert mine == theirs
    engineer.close()
    ipm.close()
