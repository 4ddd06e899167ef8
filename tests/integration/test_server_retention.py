"""Op-log retention: the server compacts its change feed by itself, and clients behind it
re-bootstrap from the snapshot (410) keeping what they had not sent yet.

Real servers on loopback over SQLite and PostgreSQL, and the real sync engine and cache.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive_tui.domain.enums import EntityKind, PortState
from golive_tui.server import admin
from golive_tui.server.cli import main
from golive_tui.store.local import LocalStore
from golive_tui.store.queries import NumberQuery
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine, SyncNotice
from tests.conftest import ServerUnderTest
from tests.integration.test_offline import bootstrap, change_op_ids
from tests.integration.test_server_backup import note
from tests.integration.test_server_rate_limit import RecordingTransport
from tests.waiting import wait_for, wait_for_async

BACKENDS = ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]
RETENTIONS = [
    pytest.param({"change_retention": 2}, id="newest-changes"),
    # a hundredth of a second: every change older than that goes
    pytest.param({"change_retention_days": 0.01 / 86_400}, id="days"),
]


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest) -> ServerUnderTest:
    server = request.getfixturevalue(request.param)
    assert isinstance(server, ServerUnderTest)
    return server


@pytest.mark.parametrize("retention", RETENTIONS)
async def test_the_server_compacts_by_itself_and_a_client_behind_reloads_keeping_its_outbox(
    server: ServerUnderTest, tmp_path: Path, retention: dict[str, Any]
) -> None:
    pid = server.project_id
    token = server.tokens["ipm"]
    store = LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid)
    await bootstrap(store, server.url, token, pid)
    stale = store.cursor
    drafts = store.number_ids(NumberQuery(project_id=pid, states=frozenset({PortState.DRAFT})))
    # the laptop is closed with one change queued; the engineer works on
    store.transition_number(drafts[0], PortState.LOA_PENDING)
    notes = [note(server, i) for i in range(5)]
    pushed = server.push(notes, user="engineer")
    assert pushed.status_code == 200
    assert [r["status"] for r in pushed.json()["results"]] == ["applied"] * len(notes)

    with server.replica(compact_every_seconds=0.05, **retention) as keeper:
        # nobody runs `golive admin compact`: the server's own task trims the feed
        wait_for(lambda: server.changes(after=stale).status_code == 410,
                 "the server to compact the feed past the laptop's cursor")
        gone = server.changes(after=stale).json()["error"]
        assert gone["code"] == "changes_compacted"

        # the laptop opens again; a change made while its reload is on the wire is kept too.
        # The server keeps compacting, so on a slow machine the laptop may reload more than
        # once: the change is made during the first reload only (a second would be refused
        # as a move to the state the number is already in).
        changed_during_reload: list[bool] = []

        def change_during_reload(request: httpx.Request) -> None:
            if (request.url.path.endswith("/snapshot") and store.outbox_count() == 0
                    and not changed_during_reload):
                changed_during_reload.append(True)
                store.transition_number(drafts[1], PortState.LOA_PENDING)

        transport = RecordingTransport(change_during_reload)
        notices: list[SyncNotice] = []
        client = SyncClient(keeper.url, token, transport=transport)
        engine = SyncEngine(store, client, pid, poll_interval=60.0, on_changes=notices.append)
        task = asyncio.create_task(engine.run())
        try:
            await wait_for_async(
                lambda: any(n.reloaded for n in notices) and store.outbox_count() == 0
                and engine.status.state == "online"
                and any(e.path.endswith("/snapshot") for e in transport.exchanges[1:]),
                "the laptop to reload the project and send everything it had queued")
            # the change made during the reload is sent on the next cycle (kicked by the poke)
            engine.kick()
            await wait_for_async(lambda: store.outbox_count() == 0 and all(
                r["pending"] == 0 for r in store.iter_records(EntityKind.NUMBER)
                if r["id"] in drafts[:2]), "the change made during the reload to be sent")
        finally:
            await engine.stop()
            task.cancel()
            await client.aclose()

    assert any(e.status == 410 for e in transport.exchanges), "no 410: nothing was proved"
    assert store.problems() == []
    # the laptop has the engineer's work, and the server has both of the laptop's changes
    mine = {r["id"] for r in store.iter_records(EntityKind.VERIFICATION)}
    assert {n["entity_id"] for n in notes} <= mine
    states = {e["id"]: e["porting_state"] for e in server.snapshot()["entities"]["number"]
              if e["id"] in drafts[:2]}
    assert states == {drafts[0]: "loa_pending", drafts[1]: "loa_pending"}
    # each of them once, never twice
    sent = change_op_ids(server.db_url, pid)
    assert all(count == 1 for count in sent.values())


def test_retention_by_days_keeps_recent_changes_and_by_count_the_newest(
    sqlite_server: ServerUnderTest,
) -> None:
    head = sqlite_server.head()
    assert sqlite_server.push([note(sqlite_server, i) for i in range(3)]).status_code == 200
    db = admin.open_database(sqlite_server.db_url, migrate=False)
    try:
        # everything was made within the last day: a day's retention deletes nothing
        assert admin.compact(db, None, sqlite_server.project_id, days=1) == {
            sqlite_server.project_id: 0}
        # a day, or the newest one: the day keeps them all still
        assert admin.compact(db, 1, sqlite_server.project_id, days=1) == {
            sqlite_server.project_id: 0}
        # the newest one alone
        done = admin.compact(db, 1, sqlite_server.project_id)
    finally:
        db.dispose()
    assert done[sqlite_server.project_id] > 0
    assert sqlite_server.changes(after=head + 1).status_code == 410
    page = sqlite_server.changes(after=head + 2)
    assert page.status_code == 200 and len(page.json()["changes"]) == 1


def test_compact_by_hand_takes_days_and_refuses_a_negative_one(
    sqlite_server: ServerUnderTest, capsys: pytest.CaptureFixture[str]
) -> None:
    head = sqlite_server.head()
    code = main(["admin", "compact", "--days", "1", "--db", sqlite_server.db_url])
    _, err = capsys.readouterr()
    assert code == 0 and "Deleted 0 old changes" in err
    assert sqlite_server.changes(after=0).status_code == 200  # a day keeps all of today's
    code = main(["admin", "compact", "--days", "-1", "--db", sqlite_server.db_url])
    _, err = capsys.readouterr()
    assert code == 2 and "--days must be 0 or more." in err
    code = main(["admin", "compact", "--days", "0", "--keep", "1", "--project",
                 sqlite_server.project_id, "--db", sqlite_server.db_url])
    _, err = capsys.readouterr()
    assert code == 0 and f"Deleted {head - 1:,} old changes" in err
    assert sqlite_server.changes(after=head - 2).status_code == 410
