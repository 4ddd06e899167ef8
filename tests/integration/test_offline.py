"""Offline first (ARCHITECTURE.md §3, §5): work goes on without the server, then drains.

A real server on a loopback port (the ``sqlite_server`` fixture), stopped and started again on
the same port and database the way a site's Wi-Fi comes and goes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest
from sqlalchemy import create_engine, text

from golive_tui.domain.clock import utcnow
from golive_tui.domain.enums import (
    DecisionKind,
    EntityKind,
    OpAction,
    PortState,
    VerificationResult,
)
from golive_tui.domain.ops import new_id
from golive_tui.server import admin
from golive_tui.server.embedded import EmbeddedServer
from golive_tui.store.local import Change, LocalStore
from golive_tui.store.queries import NumberQuery
from golive_tui.sync.client import SyncClient, Transient
from golive_tui.sync.engine import Backoff, SyncEngine, SyncNotice, SyncStatus
from tests.conftest import ServerUnderTest
from tests.waiting import wait_for_async


class Outage:
    """The server of ``sqlite_server`` that can go away and come back on the same port."""

    def __init__(self, under_test: Any) -> None:
        self.under_test = under_test
        self.settings = under_test.server.settings
        self.port = under_test.server.port
        self.replacement: EmbeddedServer | None = None

    def down(self) -> None:
        if self.replacement is not None:
            self.replacement.stop()
            self.replacement = None
        else:
            self.under_test.server.stop()

    def up(self) -> None:
        self.replacement = EmbeddedServer(self.settings, port=self.port).start()

    def close(self) -> None:
        if self.replacement is not None:
            self.replacement.stop()


@pytest.fixture
def outage(sqlite_server: ServerUnderTest) -> Iterator[Outage]:
    handle = Outage(sqlite_server)
    try:
        yield handle
    finally:
        handle.close()


def change_op_ids(db_url: str, project_id: str) -> dict[str, int]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT op_id, count(*) FROM change WHERE project_id = :pid AND op_id IS NOT NULL "
                "GROUP BY op_id"), {"pid": project_id}).all()
    finally:
        engine.dispose()
    return {str(op_id): int(n) for op_id, n in rows}


def verifications(count: int) -> list[Change]:
    return [
        Change(EntityKind.VERIFICATION, new_id(), OpAction.APPEND, {
            "test_case": "IN-01", "target": f"+1720555{i % 10000:04d}",
            "result": VerificationResult.PASS.value, "note": f"offline call {i}",
        })
        for i in range(count)
    ]


async def bootstrap(store: LocalStore, url: str, token: str, project_id: str) -> None:
    async with SyncClient(url, token) as client:
        await SyncEngine(store, client, project_id, live=False).sync_once()


@pytest.mark.slow
async def test_a_day_offline_with_ten_thousand_queued_ops_drains_completely_on_reconnect(
    sqlite_server: ServerUnderTest, outage: Outage, tmp_path: Path
) -> None:
    """24 simulated hours: ops stamped across a day, the feed compacted meanwhile (410)."""
    token = sqlite_server.tokens["ipm"]
    pid = sqlite_server.project_id
    store = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    await bootstrap(store, sqlite_server.url, token, pid)
    # while this laptop is away, the others work and the server compacts its feed
    other = LocalStore(tmp_path / "engineer.sqlite", actor="engineer", project_id=pid)
    await bootstrap(other, sqlite_server.url, sqlite_server.tokens["engineer"], pid)
    other.log_verification("IN-02", "DEN", VerificationResult.FAIL, note="seen from the NOC")
    await bootstrap(other, sqlite_server.url, sqlite_server.tokens["engineer"], pid)
    other.close()
    db = admin.open_database(sqlite_server.db_url, migrate=False)
    try:
        admin.compact(db, keep=0, project_id=pid)
    finally:
        db.dispose()
    outage.down()
    day_start = utcnow() - timedelta(hours=24)

    # a day of work with no network: the cache keeps working, every change queued
    statuses: list[SyncStatus] = []
    client = SyncClient(sqlite_server.url, token, timeout=5)
    engine = SyncEngine(store, client, pid, poll_interval=60.0,
                        backoff=Backoff(base=0.05, cap=0.5), on_status=statuses.append)
    task = asyncio.create_task(engine.run())
    try:
        await wait_for_async(lambda: "Cannot reach the server" in engine.status.last_error,
                             "the status to say why it is offline")
        assert engine.status.state == "offline"
        for hour in range(9):  # a thousand results an hour through the morning
            with mock.patch.object(store, "clock",
                                   lambda hour=hour: day_start + timedelta(hours=hour)):
                outcome = await asyncio.to_thread(store.submit_many, verifications(1_000))
            assert len(outcome.applied) == 1_000
        drafts = await asyncio.to_thread(
            store.number_ids, NumberQuery(project_id=pid, states=frozenset({PortState.DRAFT}))
        )
        moved = await asyncio.to_thread(store.transition_numbers, drafts, PortState.LOA_PENDING)
        rest = 10_000 - 9_000 - len(moved.applied)
        await asyncio.to_thread(store.submit_many, verifications(rest))
        engine.kick()
        queued = await asyncio.to_thread(store.outbox_count)
        assert queued == 10_000
        await wait_for_async(
            lambda: engine.status.queued == 10_000 and engine.status.state == "offline",
            "the status to count 10,000 queued ops while offline")
        # the screens read the optimistic state at once
        loa = await asyncio.to_thread(store.number_state_counts)
        assert loa.get(PortState.LOA_PENDING, 0) >= len(moved.applied)
        ops = {op.op_id for op in await asyncio.to_thread(store.outbox_batch, 20_000)}

        outage.up()
        await wait_for_async(lambda: engine.status.state == "online" and engine.status.queued == 0,
                             "the queue to drain after the server came back", timeout=600)
    finally:
        await engine.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()

    effects = change_op_ids(sqlite_server.db_url, pid)
    assert ops <= set(effects), f"{len(ops - set(effects))} queued ops never reached the server"
    assert all(effects[op] == 1 for op in ops), "an op was applied twice"
    assert store.problems() == []
    assert any(s.state == "offline" for s in statuses) and statuses[-1].state == "online"
    noc = [r for r in store.iter_records(EntityKind.VERIFICATION) if r["tester"] == "engineer"]
    assert len(noc) == 1, "the re-bootstrap after the 410 missed the other client's change"
    store.close()


async def test_rejected_ops_are_shown_and_do_not_wedge_the_queue(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    """An engineer may not record go / no-go: those ops are refused, the rest still apply."""
    pid = sqlite_server.project_id
    store = LocalStore(tmp_path / "engineer.sqlite", actor="engineer", project_id=pid)
    token = sqlite_server.tokens["engineer"]
    await bootstrap(store, sqlite_server.url, token, pid)
    notices: list[SyncNotice] = []
    wave = store.current_cutover()
    assert wave is not None
    refused = [store.record_decision(DecisionKind.NO_GO, f"attempt {i}", cutover_id=wave.id)["id"]
               for i in range(3)]
    store.submit_many(verifications(20))
    overridden = [str(c) for c in store.gate(wave.id).unmet]  # a GO over them names them
    refused.append(store.record_decision(DecisionKind.GO, "Last word: the rest is in hand",
                                         unmet=overridden, cutover_id=wave.id)["id"])
    store.submit_many(verifications(5))
    async with SyncClient(sqlite_server.url, token) as client:
        engine = SyncEngine(store, client, pid, live=False, on_changes=notices.append)
        status = await engine.sync_once()
        again = await engine.sync_once()
    assert store.outbox_count() == 0
    assert status.queued == 0 and status.conflicts == 4 and again.conflicts == 4
    problems = store.problems()
    assert sorted(p.entity_id for p in problems) == sorted(refused)
    assert {p.code for p in problems} == {"permission"}
    assert all("may not" in p.message for p in problems)
    reported = [p for n in notices for p in n.problems]
    assert sorted(p["entity_id"] for p in reported) == sorted(refused)
    # the refused decisions are gone from the cache; the 25 verifications are the server's
    assert {r["id"] for r in store.iter_records(EntityKind.DECISION)}.isdisjoint(refused)
    mine = [r for r in store.iter_records(EntityKind.VERIFICATION) if r["tester"] == "engineer"]
    assert len(mine) == 25 and all(r["pending"] == 0 and r["version"] == 1 for r in mine)


async def test_a_batch_the_server_refuses_whole_is_split_to_isolate_the_bad_op(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    """A 413 / 422 for a whole push must not wedge the queue: halve until the culprit is alone."""
    pid = sqlite_server.project_id
    token = sqlite_server.tokens["ipm"]
    store = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    await bootstrap(store, sqlite_server.url, token, pid)
    store.submit_many(verifications(30))
    poison = store.log_verification("IN-01", "DEN", VerificationResult.FAIL, note="x" * 2_000_000)
    store.submit_many(verifications(30))

    async with SyncClient(sqlite_server.url, token) as client:
        status = await SyncEngine(store, client, pid, live=False).sync_once()
    assert status.queued == 0 and status.conflicts == 1
    (problem,) = store.problems()
    assert problem.entity_id == poison["id"]
    assert problem.code == "payload_too_large"
    mine = [r for r in store.iter_records(EntityKind.VERIFICATION) if r["tester"] == "ipm"]
    assert len(mine) == 60 and all(r["pending"] == 0 for r in mine)


async def test_gone_cursor_rebootstraps_from_the_snapshot_keeping_the_outbox(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    pid = sqlite_server.project_id
    token = sqlite_server.tokens["ipm"]
    store = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    await bootstrap(store, sqlite_server.url, token, pid)
    drafts = store.number_ids(NumberQuery(project_id=pid, states=frozenset({PortState.DRAFT})))
    assert len(drafts) >= 2

    # someone else moves on, and the server compacts its feed past our cursor
    other = LocalStore(tmp_path / "other.sqlite", actor="ipm", project_id=pid)
    await bootstrap(other, sqlite_server.url, token, pid)
    other.transition_number(drafts[0], PortState.LOA_PENDING)
    await bootstrap(other, sqlite_server.url, token, pid)
    db = admin.open_database(sqlite_server.db_url, migrate=False)
    try:
        admin.compact(db, keep=0, project_id=pid)
    finally:
        db.dispose()
    stale_cursor = store.cursor

    # a local change lands while the reload is on the wire: it must survive it
    def change_during_snapshot(request: httpx.Request) -> None:
        if request.url.path.endswith("/snapshot") and store.outbox_count() == 0:
            store.transition_number(drafts[1], PortState.SUBMITTED)

    transport = HookTransport(change_during_snapshot)
    notices: list[SyncNotice] = []
    async with SyncClient(sqlite_server.url, token, transport=transport) as client:
        engine = SyncEngine(store, client, pid, live=False, on_changes=notices.append)
        await engine.sync_once()
        assert any(n.reloaded for n in notices), "a 410 must reload the project"
        assert store.cursor > stale_cursor
        assert store.outbox_count() == 1, "the change made during the reload was dropped"
        row = next(r for r in store.iter_records(EntityKind.NUMBER) if r["id"] == drafts[1])
        assert row["porting_state"] is PortState.SUBMITTED and row["pending"] == 1
        seen = next(r for r in store.iter_records(EntityKind.NUMBER) if r["id"] == drafts[0])
        assert seen["porting_state"] is PortState.LOA_PENDING, "the reload missed a change"
        await engine.sync_once()
    assert store.outbox_count() == 0 and store.problems() == []
    row = next(r for r in store.iter_records(EntityKind.NUMBER) if r["id"] == drafts[1])
    assert row["porting_state"] is PortState.SUBMITTED and row["pending"] == 0
    server = sqlite_server.snapshot()
    on_server = next(r for r in server["entities"]["number"] if r["id"] == drafts[1])
    assert on_server["porting_state"] == "submitted"


class HookTransport(httpx.AsyncBaseTransport):
    """A real connection that lets a test act just before a request goes out."""

    def __init__(self, before: Callable[[httpx.Request], None]) -> None:
        self.before = before
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.before(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_status_says_offline_with_the_reason_and_online_after_a_sync(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    pid = sqlite_server.project_id
    token = sqlite_server.tokens["ipm"]
    store = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    closed_port = "http://127.0.0.1:9"  # discard: nothing listens there
    async with SyncClient(closed_port, token, timeout=2) as nowhere:
        engine = SyncEngine(store, nowhere, pid, live=False)
        with pytest.raises(Transient):
            await engine.sync_once()
        assert engine.status.state == "offline"
        assert engine.status.last_sync is None
        assert "Cannot reach the server at http://127.0.0.1:9" in engine.status.last_error
        assert engine.status.describe().startswith("offline · never synced")
    async with SyncClient(sqlite_server.url, token) as client:
        status = await SyncEngine(store, client, pid, live=False).sync_once()
    assert status.state == "online" and status.last_error == "" and status.last_sync is not None
    assert status.describe().startswith("online · synced just now")
