"""Exact replicas: a client bootstrapped from the snapshot holds what one that followed the
feed holds, value for value (floats and times included), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.ops import new_id
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine
from tests.conftest import ServerUnderTest

#: floats whose shortest text needs 16 or 17 digits (a 15-digit rounding changes them)
AWKWARD_FLOATS = (0.9327559999999999, 0.1 + 0.2, 2.220446049250313e-16, 123456.78901234567)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest) -> Iterator[ServerUnderTest]:
    server = request.getfixturevalue("sqlite_server" if request.param == "sqlite" else "pg_server")
    assert isinstance(server, ServerUnderTest)
    yield server


def _push_awkward_values(server: ServerUnderTest) -> None:
    """Results with awkward floats, and times sent with microseconds and another zone."""
    order = server.snapshot()["entities"]["port_order"][0]
    ops = [
        server.op("verification", new_id(), "append", {
            "test_case": "NET-01", "target": "EXACT", "result": "pass",
            "mos": mos, "loss_pct": loss,
            "tested_at": "2026-11-26T11:30:00.123456-05:00",
        })
        for mos, loss in zip(AWKWARD_FLOATS, reversed(AWKWARD_FLOATS), strict=True)
    ]
    ops.append(server.op("port_order", order["id"], "update",
                         {"requested_foc": "2026-12-01T09:15:00.5-07:00"},
                         base_version=order["version"]))
    results = server.push(ops).json()["results"]
    assert {r["status"] for r in results} == {"applied"}, results


def _feed_records(server: ServerUnderTest) -> dict[str, dict[str, Any]]:
    """Every live record as the change feed last sent it, read from the first change on."""
    records: dict[str, dict[str, Any]] = {}
    after = 0
    while True:
        page = server.changes(after=after, limit=5000).json()
        for change in page["changes"]:
            if change["deleted"]:
                records.pop(change["entity_id"], None)
            else:
                records[change["entity_id"]] = change["data"]
        if not page["more"]:
            return records
        after = page["changes"][-1]["seq"]


def test_the_snapshot_sends_each_record_as_the_feed_sent_it(server: ServerUnderTest) -> None:
    _push_awkward_values(server)
    snapshot = server.snapshot()["entities"]
    from_snapshot = {r["id"]: r for records in snapshot.values() for r in records}
    from_feed = _feed_records(server)
    assert from_snapshot.keys() == from_feed.keys()
    differing = {eid: (from_snapshot[eid], from_feed[eid]) for eid in from_feed
                 if from_snapshot[eid] != from_feed[eid]}
    assert differing == {}
    results = [v for v in snapshot["verification"] if v["target"] == "EXACT"]
    assert sorted(v["mos"] for v in results) == sorted(AWKWARD_FLOATS)
    assert {v["tested_at"] for v in results} == {"2026-11-26T16:30:00.123456Z"}


def _exact(store: LocalStore) -> dict[EntityKind, dict[str, list[tuple[str, str, str]]]]:
    """Each record's values with their types and exact text (a float's repr is exact)."""
    return {
        kind: {
            r["id"]: sorted((name, type(v).__name__, repr(v)) for name, v in r.items())
            for r in store.iter_records(kind)
        }
        for kind in EntityKind
    }


async def test_a_bootstrapped_client_and_a_following_one_hold_identical_values(
    server: ServerUnderTest, tmp_path: Path
) -> None:
    _push_awkward_values(server)
    pid = server.project_id
    booted = LocalStore(tmp_path / "booted.sqlite", actor="ipm", project_id=pid)
    follower = LocalStore(tmp_path / "follower.sqlite", actor="ipm", project_id=pid)
    # the follower starts from change 0 instead of a snapshot
    follower.set_state(f"bootstrapped:{pid}", "2026-11-26T00:00:00Z")
    try:
        async with SyncClient(server.url, server.tokens["ipm"]) as client:
            await SyncEngine(booted, client, pid, live=False).sync_once()
            await SyncEngine(follower, client, pid, live=False).sync_once()
        assert booted.cursor == follower.cursor == server.head()
        cached = _exact(booted)
        assert sum(len(records) for records in cached.values()) > 1000
        assert cached == _exact(follower)
        moses = sorted(r["mos"] for r in booted.iter_records(EntityKind.VERIFICATION)
                       if r["target"] == "EXACT")
        assert moses == sorted(AWKWARD_FLOATS)
    finally:
        booted.close()
        follower.close()
