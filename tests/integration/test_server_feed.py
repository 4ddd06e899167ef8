"""What clients read back: the snapshot and the change feed, its pages and its compaction."""

from __future__ import annotations

import json
import math
import sqlite3
from typing import Any

from pydantic_core import to_json
from sqlalchemy import select, text

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.ops import new_id, validate_record
from golive_tui.server import admin
from golive_tui.server.tables import change
from tests.conftest import ServerUnderTest


def _touch_numbers(server: ServerUnderTest, count: int) -> list[dict[str, Any]]:
    numbers = server.snapshot()["entities"]["number"][:count]
    ops = [
        server.op("number", n["id"], "update", {"assigned_to": f"Desk {i}"},
                  base_version=n["version"])
        for i, n in enumerate(numbers)
    ]
    results: list[dict[str, Any]] = server.push(ops).json()["results"]
    assert {r["status"] for r in results} == {"applied"}
    return results


def test_snapshot_holds_every_entity_valid_and_the_seq_it_reflects(
    sqlite_server: ServerUnderTest,
) -> None:
    snap = sqlite_server.snapshot()
    assert snap["project_id"] == sqlite_server.project_id
    assert set(snap["entities"]) == {k.value for k in EntityKind}
    assert len(snap["entities"]["project"]) == 1
    assert len(snap["entities"]["number"]) >= 1000
    assert {m["user"] for m in snap["entities"]["member"]} >= {"ipm", "engineer", "viewer"}
    assert "outsider" not in {m["user"] for m in snap["entities"]["member"]}
    for kind, records in snap["entities"].items():
        for record in records:
            assert "field_versions" not in record
            validate_record(EntityKind(kind), record)
    feed = sqlite_server.changes(after=snap["server_seq"]).json()
    assert feed == {"changes": [], "server_seq": snap["server_seq"], "more": False}


def test_snapshot_reflects_a_push_and_its_new_seq(sqlite_server: ServerUnderTest) -> None:
    before = sqlite_server.snapshot()
    results = _touch_numbers(sqlite_server, 3)
    after = sqlite_server.snapshot()
    assert after["server_seq"] == before["server_seq"] + 3 == results[-1]["seq"]
    first = before["entities"]["number"][0]["id"]
    (now,) = [n for n in after["entities"]["number"] if n["id"] == first]
    assert (now["assigned_to"], now["updated_by"]) == ("Desk 0", "ipm")


def test_change_feed_pages_in_server_order_with_more(sqlite_server: ServerUnderTest) -> None:
    start = sqlite_server.head()
    results = _touch_numbers(sqlite_server, 7)
    seen: list[int] = []
    after = start
    pages = 0
    while True:
        page = sqlite_server.changes(after=after, limit=3).json()
        pages += 1
        seen += [c["seq"] for c in page["changes"]]
        assert page["server_seq"] == start + 7
        if not page["more"]:
            break
        after = page["changes"][-1]["seq"]
    assert pages == 3
    assert seen == [r["seq"] for r in results] == list(range(start + 1, start + 8))
    change = sqlite_server.changes(after=start, limit=1).json()["changes"][0]
    assert set(change) == {"seq", "entity", "entity_id", "version", "deleted", "data", "op_id",
                           "by", "at"}
    assert change["entity"] == "number" and change["by"] == "ipm" and not change["deleted"]
    assert change["data"]["assigned_to"] == "Desk 0"
    assert change["at"].endswith("Z")


def test_the_whole_project_is_in_the_feed_from_the_start(sqlite_server: ServerUnderTest) -> None:
    snap = sqlite_server.snapshot()
    total = sum(len(v) for v in snap["entities"].values())
    seen = 0
    after = 0
    while True:
        page = sqlite_server.changes(after=after, limit=5000).json()
        seen += len(page["changes"])
        if not page["more"]:
            break
        after = page["changes"][-1]["seq"]
    # every record once, plus the member grants of the test users
    assert seen == snap["server_seq"] >= total


def test_delete_shows_in_the_feed_as_deleted_without_data(sqlite_server: ServerUnderTest) -> None:
    issue = sqlite_server.snapshot()["entities"]["issue"][0]
    result = sqlite_server.push([sqlite_server.op("issue", issue["id"], "delete")]).json()
    seq = result["results"][0]["seq"]
    change = sqlite_server.changes(after=seq - 1).json()["changes"][0]
    assert (change["deleted"], change["data"], change["version"]) == (
        True, None, issue["version"] + 1
    )
    assert issue["id"] not in {i["id"] for i in sqlite_server.snapshot()["entities"]["issue"]}


def test_after_compaction_an_old_cursor_gets_410_and_a_recent_one_pages_on(
    sqlite_server: ServerUnderTest,
) -> None:
    start = sqlite_server.head()
    _touch_numbers(sqlite_server, 10)
    db = admin.open_database(sqlite_server.db_url)
    try:
        deleted = admin.compact(db, keep=4, project_id=sqlite_server.project_id)
    finally:
        db.dispose()
    assert deleted == {sqlite_server.project_id: start + 6}
    gone = sqlite_server.changes(after=start)
    assert gone.status_code == 410
    error = gone.json()["error"]
    assert error["code"] == "changes_compacted"
    assert error["details"]["lowest_kept_seq"] == start + 7
    assert "snapshot" in error["message"]
    ok = sqlite_server.changes(after=start + 6).json()
    assert [c["seq"] for c in ok["changes"]] == list(range(start + 7, start + 11))
    # a snapshot still bootstraps a client, at the head
    assert sqlite_server.snapshot()["server_seq"] == start + 10


def test_a_cursor_ahead_of_the_server_gets_410(sqlite_server: ServerUnderTest) -> None:
    response = sqlite_server.changes(after=sqlite_server.head() + 100)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "cursor_ahead"


def test_grant_goes_through_the_feed_like_any_change(sqlite_server: ServerUnderTest) -> None:
    head = sqlite_server.head()
    db = admin.open_database(sqlite_server.db_url)
    try:
        admin.grant(db, "viewer", sqlite_server.project_id, "support")
    finally:
        db.dispose()
    (change,) = sqlite_server.changes(after=head).json()["changes"]
    assert change["entity"] == "member"
    assert (change["data"]["user"], change["data"]["role"]) == ("viewer", "support")
    with sqlite_server.client("viewer") as client:
        roles = {p["project_id"]: p["role"] for p in client.get("/v1/me").json()["projects"]}
    assert roles[sqlite_server.project_id] == "support"


def _feed_as_the_column_types_read_it(db_url: str, project_id: str, after: int) -> bytes:
    """The feed's page as SQLAlchemy's column types read the rows, written by the
    serialiser (how the feed was written until SQLite's page was written from the rows)."""
    db = admin.open_database(db_url)
    try:
        with db.read() as conn:
            found = conn.execute(
                select(change.c.seq, change.c.entity, change.c.entity_id, change.c.version,
                       change.c.deleted, change.c.data, change.c.op_id, change.c.by,
                       change.c.at)
                .where(change.c.project_id == project_id, change.c.seq > after)
                .order_by(change.c.seq)
            ).mappings().all()
            head = conn.execute(
                text("SELECT seq FROM project_counter WHERE project_id = :p"), {"p": project_id}
            ).scalar_one()
    finally:
        db.dispose()
    return to_json({"changes": [dict(r) for r in found], "server_seq": head, "more": False})


def test_the_feed_on_sqlite_sends_each_change_as_its_columns_read(
    sqlite_server: ServerUnderTest,
) -> None:
    """Records go out as their stored JSON text; the page is the one the column types and
    the serialiser gave, to the byte for what the server wrote and value for value for a
    row of an older server (JSON written with spaces, or with a NaN only Python reads)."""
    start = sqlite_server.head()
    issue = sqlite_server.snapshot()["entities"]["issue"][0]
    results = sqlite_server.push([
        sqlite_server.op("verification", new_id(), "append", {
            "test_case": "IN-01", "target": "+17205551234", "result": "pass",
            "note": 'Café "quoted" \\ 日本 \n\t 😀', "mos": 1 / 3, "loss_pct": 1e-7,
        }),
        sqlite_server.op("issue", issue["id"], "delete"),
    ]).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"]
    mine = sqlite_server.changes(after=start).content
    assert mine == _feed_as_the_column_types_read_it(
        sqlite_server.db_url, sqlite_server.project_id, start
    )
    # rows as an older server could have written them, by another writer than the codec
    with sqlite3.connect(sqlite_server.db_url.removeprefix("sqlite:///")) as conn:
        head = sqlite_server.head()
        for seq, data, at in (
            (head + 1, json.dumps({"id": "x1", "mos": float("nan"), "n": "é"}),
             "2026-12-07 04:30:00.000000"),
            (head + 2, json.dumps({"id": "x2", "note": "spaced, out"}), "2026-12-07 04:30:00"),
        ):
            conn.execute(
                'INSERT INTO change (project_id, seq, entity, entity_id, version, deleted, '
                'data, op_id, "by", at) VALUES (?, ?, ?, ?, 1, 0, ?, NULL, ?, ?)',
                (sqlite_server.project_id, seq, "verification", f"x{seq}", data, "Zoë", at),
            )
        conn.execute("UPDATE project_counter SET seq = ? WHERE project_id = ?",
                     (head + 2, sqlite_server.project_id))
    page = sqlite_server.changes(after=start).content
    assert json.loads(page) == json.loads(
        _feed_as_the_column_types_read_it(sqlite_server.db_url, sqlite_server.project_id, start)
    )
    assert math.isnan(json.loads(page)["changes"][-2]["data"]["mos"])  # as it always read
