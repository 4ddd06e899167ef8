"""The writer's group commit: several pushes in one transaction, each answered as if alone.

These call :func:`apply_group` and :class:`PushWriter` on the real databases (a fresh SQLite
file, the session's PostgreSQL); the HTTP path through them is covered by every server test.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select

from golive_tui.domain.enums import EntityKind, OpAction
from golive_tui.domain.ops import Op, new_id
from golive_tui.domain.wire import OpStatus
from golive_tui.seed import generate_project
from golive_tui.server import admin, writer
from golive_tui.server.access import access_on
from golive_tui.server.apply import Actor, PushJob, PushOutcome, UnknownProject, apply_group
from golive_tui.server.db import Database
from golive_tui.server.errors import ApiError
from golive_tui.server.tables import change, op_log
from golive_tui.server.writer import PushWriter
from tests.checkpoints import CheckpointsSeen
from tests.conftest import ServerUnderTest
from tests.waiting import wait_for, wait_for_async


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest) -> Iterator[tuple[ServerUnderTest, Database]]:
    server = request.getfixturevalue("sqlite_server" if request.param == "sqlite" else "pg_server")
    db = admin.open_database(server.db_url)
    try:
        yield server, db
    finally:
        db.dispose()


def as_user(
    server: ServerUnderTest, user: str, project_id: str | None = None,
) -> Callable[[Connection], Actor]:
    token, pid = server.tokens[user], project_id or server.project_id

    def authorize(conn: Connection) -> Actor:
        access = access_on(conn, token, pid)
        return Actor(user=access.user, role=access.role)

    return authorize


def job(
    server: ServerUnderTest, user: str, ops: list[dict[str, Any]], project_id: str | None = None,
) -> PushJob:
    parsed = [Op.model_validate(op) for op in ops]
    # with the token, as the route sends it: the group reads its callers' access ahead
    return PushJob(project_id=project_id or server.project_id, ops=parsed,
                   client_id=parsed[0].client_id, authorize=as_user(server, user, project_id),
                   token=server.tokens[user])


def outcome(value: PushOutcome | Exception) -> PushOutcome:
    assert isinstance(value, PushOutcome), value
    return value


def statuses(value: PushOutcome | Exception) -> list[str]:
    return [r.status.value for r in outcome(value).results]


def draft_numbers(server: ServerUnderTest, count: int) -> list[dict[str, Any]]:
    numbers = [n for n in server.snapshot()["entities"]["number"] if n["porting_state"] == "draft"]
    assert len(numbers) >= count
    return numbers[:count]


def test_pushes_of_several_people_in_one_group_are_each_answered_as_if_alone(
    world: tuple[ServerUnderTest, Database],
) -> None:
    server, db = world
    start = server.head()
    first, second = draft_numbers(server, 2)
    ipm_ops = [server.op("number", n["id"], "transition", {"to": "loa_pending"}, client_id="ipm")
               for n in (first, second)]
    verification = server.op("verification", str(uuid.uuid4()), "append",
                             {"test_case": "IN-01", "target": "DEN", "result": "pass"},
                             client_id="engineer")
    viewer_op = server.op("verification", str(uuid.uuid4()), "append",
                          {"test_case": "IN-01", "target": "DEN", "result": "pass"},
                          client_id="viewer")
    ghost = str(uuid.uuid4())
    jobs = [
        job(server, "ipm", ipm_ops),
        job(server, "engineer", [verification]),
        job(server, "viewer", [viewer_op]),
        job(server, "outsider", [server.op("verification", str(uuid.uuid4()), "append",
                                           {"test_case": "IN-01", "target": "DEN",
                                            "result": "pass"}, client_id="outsider")]),
        PushJob(project_id=ghost, ops=[Op.model_validate(viewer_op)],
                client_id=viewer_op["client_id"],
                authorize=lambda conn: Actor.admin()),
    ]

    ipm, engineer, viewer, outsider, unknown = apply_group(db, jobs)

    assert [r.seq for r in outcome(ipm).results] == [start + 1, start + 2]
    assert outcome(ipm).server_seq == start + 2
    assert [r.seq for r in outcome(engineer).results] == [start + 3]
    assert outcome(engineer).server_seq == outcome(engineer).last_seq == start + 3
    assert statuses(viewer) == ["rejected"]
    assert outcome(viewer).results[0].code == "permission"
    assert outcome(viewer).server_seq == start + 3 and outcome(viewer).last_seq is None
    assert isinstance(outsider, ApiError) and outsider.status_code == 404
    assert isinstance(unknown, UnknownProject)
    # the feed holds the three changes in order; the head moved by exactly three
    assert server.head() == start + 3
    feed = server.changes(after=start).json()["changes"]
    assert [c["op_id"] for c in feed] == [op["op_id"] for op in (*ipm_ops, verification)]
    # every answer, the refusal included, is logged for replays; the outsider's is not
    with db.read() as conn:
        logged = set(conn.execute(select(op_log.c.op_id)).scalars())
    assert {op["op_id"] for op in (*ipm_ops, verification, viewer_op)} <= logged


def test_the_same_ops_twice_in_one_group_apply_once(
    world: tuple[ServerUnderTest, Database], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="golive_tui.server.apply")
    server, db = world
    start = server.head()
    number = draft_numbers(server, 1)[0]
    ops = [server.op("number", number["id"], "transition", {"to": "loa_pending"}),
           server.op("number", number["id"], "update", {"assigned_to": "alice"},
                     base_version=number["version"] + 1)]

    once, again = apply_group(db, [job(server, "ipm", ops), job(server, "ipm", ops)])

    assert "rolled back" not in caplog.text  # the group itself found the first answers
    assert statuses(once) == ["applied", "applied"]
    assert statuses(again) == ["duplicate", "duplicate"]
    assert [r.first_status for r in outcome(again).results] == [OpStatus.APPLIED] * 2
    assert server.head() == start + 2


def test_a_record_written_earlier_in_the_group_is_read_as_written(
    world: tuple[ServerUnderTest, Database], caplog: pytest.LogCaptureFixture,
) -> None:
    """Writes are sent together at the end; an op that reads what an earlier op wrote sees it."""
    caplog.set_level(logging.INFO, logger="golive_tui.server.apply")
    server, db = world
    start = server.head()
    site_id, member_id, again_id = (str(uuid.uuid4()) for _ in range(3))
    user = f"annex-{uuid.uuid4().hex[:8]}"
    first = [
        server.op("site", site_id, "create", {"code": "ANX", "name": "Annex"}),
        server.op("site", site_id, "update", {"name": "Annex 2"}, base_version=1),
        server.op("site", site_id, "create", {"code": "ANX", "name": "Annex"}),
        server.op("member", member_id, "create", {"user": user, "role": "viewer"}),
        server.op("member", again_id, "create", {"user": user, "role": "engineer"}),
    ]
    second = [server.op("site", site_id, "update", {"floors": 3}, base_version=2),
              server.op("site", site_id, "delete", {}, base_version=3)]

    one, two = apply_group(db, [job(server, "ipm", first), job(server, "ipm", second)])

    assert "rolled back" not in caplog.text  # answered by the group, not op by op
    assert statuses(one) == ["applied", "applied", "rejected", "applied", "rejected"]
    assert "already exists" in (outcome(one).results[2].reason or "")
    assert "already a member" in (outcome(one).results[4].reason or "")
    assert statuses(two) == ["applied", "applied"]
    assert [r.version for r in outcome(two).results] == [3, 4]
    feed = server.changes(after=start).json()["changes"]
    assert [(c["entity_id"], c["version"], c["deleted"]) for c in feed] == [
        (site_id, 1, False), (site_id, 2, False), (member_id, 1, False),
        (site_id, 3, False), (site_id, 4, True),
    ]
    assert (feed[1]["data"]["name"], feed[3]["data"]["name"], feed[3]["data"]["floors"]) == (
        "Annex 2", "Annex 2", 3)
    entities = server.snapshot()["entities"]
    assert site_id not in {s["id"] for s in entities["site"]}
    assert [m["role"] for m in entities["member"] if m["user"] == user] == ["viewer"]


def test_a_membership_written_earlier_in_the_group_counts_for_the_pushes_after_it(
    world: tuple[ServerUnderTest, Database], caplog: pytest.LogCaptureFixture,
) -> None:
    """The group reads all its callers' access at once; a membership it writes is read
    again for the pushes after it, each push answered as if alone."""
    caplog.set_level(logging.INFO, logger="golive_tui.server.apply")
    server, db = world
    joining, leaving = (f"crew-{uuid.uuid4().hex[:8]}" for _ in range(2))
    for user in (joining, leaving):
        admin.ensure_user(db, user)
        server.tokens[user] = admin.issue_token(db, user).token
    admin.grant(db, leaving, server.project_id, "engineer")
    leaving_member = next(m for m in server.snapshot()["entities"]["member"]
                          if m["user"] == leaving)

    def verification(client: str) -> dict[str, Any]:
        return server.op("verification", str(uuid.uuid4()), "append",
                         {"test_case": "IN-01", "target": "DEN", "result": "pass"},
                         client_id=client)

    roster = [
        server.op("member", str(uuid.uuid4()), "create", {"user": joining, "role": "engineer"}),
        server.op("member", leaving_member["id"], "delete", {},
                  base_version=leaving_member["version"]),
    ]
    before_in, before_out, changed, after_in, after_out = apply_group(db, [
        job(server, joining, [verification(joining)]),
        job(server, leaving, [verification(leaving)]),
        job(server, "ipm", roster),
        job(server, joining, [verification(joining)]),
        job(server, leaving, [verification(leaving)]),
    ])

    assert "rolled back" not in caplog.text
    assert isinstance(before_in, ApiError) and before_in.status_code == 404
    assert statuses(before_out) == ["applied"]
    assert statuses(changed) == ["applied", "applied"]
    assert statuses(after_in) == ["applied"]
    assert isinstance(after_out, ApiError) and after_out.status_code == 404


def test_a_token_revoked_between_groups_is_refused_by_the_next_group(
    world: tuple[ServerUnderTest, Database],
) -> None:
    server, db = world
    user = f"crew-{uuid.uuid4().hex[:8]}"
    admin.ensure_user(db, user)
    admin.grant(db, user, server.project_id, "engineer")
    issued = admin.issue_token(db, user)
    server.tokens[user] = issued.token

    def verification() -> dict[str, Any]:
        return server.op("verification", str(uuid.uuid4()), "append",
                         {"test_case": "IN-01", "target": "DEN", "result": "pass"},
                         client_id=user)

    (first,) = apply_group(db, [job(server, user, [verification()])])
    assert statuses(first) == ["applied"]

    admin.revoke_token(db, issued.id)
    # another caller's push in the same group is not held up by the refusal
    refused, other = apply_group(db, [job(server, user, [verification()]),
                                      job(server, "engineer", [server.op(
                                          "verification", str(uuid.uuid4()), "append",
                                          {"test_case": "IN-01", "target": "DEN",
                                           "result": "pass"}, client_id="engineer")])])

    assert isinstance(refused, ApiError) and refused.status_code == 401
    assert statuses(other) == ["applied"]
    # a token of the right id with another secret is refused too, read ahead or not
    forged = f"{admin.issue_token(db, user).id}.not-the-secret"
    server.tokens[user] = forged
    (wrong,) = apply_group(db, [job(server, user, [verification()])])
    assert isinstance(wrong, ApiError) and wrong.status_code == 401


def test_a_rule_that_looks_at_other_records_sees_what_the_group_wrote(
    world: tuple[ServerUnderTest, Database], caplog: pytest.LogCaptureFixture,
) -> None:
    """A rule's lookup through SQLAlchemy sends the group's held writes first."""
    caplog.set_level(logging.INFO, logger="golive_tui.server.apply")
    server, db = world
    issue_id, note_id, stray_id = (str(uuid.uuid4()) for _ in range(3))
    ops = [
        server.op("issue", issue_id, "create", {"title": "No dial tone in Annex"}),
        server.op("issue_note", note_id, "append", {"issue_id": issue_id, "body": "Checked"}),
        server.op("issue_note", stray_id, "append",
                  {"issue_id": str(uuid.uuid4()), "body": "No such issue"}),
    ]

    (pushed,) = apply_group(db, [job(server, "ipm", ops)])

    assert "rolled back" not in caplog.text
    assert statuses(pushed) == ["applied", "applied", "rejected"]
    notes = {n["id"]: n for n in server.snapshot()["entities"]["issue_note"]}
    assert notes[note_id]["issue_id"] == issue_id and stray_id not in notes


def test_a_value_the_database_cannot_hold_rolls_the_group_back_and_each_op_is_answered(
    world: tuple[ServerUnderTest, Database],
) -> None:
    server, db = world
    start = server.head()
    site = server.snapshot()["entities"]["site"][0]
    number = draft_numbers(server, 1)[0]
    huge = server.op("site", site["id"], "update", {"floors": 10**30},
                     base_version=site["version"])
    fine = server.op("number", number["id"], "transition", {"to": "loa_pending"})
    other = server.op("verification", str(uuid.uuid4()), "append",
                      {"test_case": "IN-01", "target": "DEN", "result": "pass"},
                      client_id="engineer")

    mixed, clean = apply_group(db, [job(server, "ipm", [huge, fine]),
                                    job(server, "engineer", [other])])

    assert statuses(mixed) == ["rejected", "applied"]
    assert "too large" in (outcome(mixed).results[0].reason or "")
    assert statuses(clean) == ["applied"]
    with db.read() as conn:
        feed = conn.execute(
            select(change.c.op_id).where(change.c.project_id == server.project_id,
                                         change.c.seq > start).order_by(change.c.seq)
        ).scalars().all()
    assert feed == [fine["op_id"], other["op_id"]]  # no gap, nothing of the rolled-back group


def test_the_writer_groups_what_queued_while_it_was_busy(
    sqlite_server: ServerUnderTest, monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = sqlite_server
    db = admin.open_database(server.db_url)
    groups: list[int] = []

    def counted(database: Database, jobs: Any) -> list[PushOutcome | Exception]:
        groups.append(len(jobs))
        return apply_group(database, jobs)

    monkeypatch.setattr(writer, "apply_group", counted)
    busy = threading.Event()
    authorize = as_user(server, "engineer")
    pushes = PushWriter(db)

    def slow_authorize(conn: Connection) -> Actor:
        busy.set()
        # the first group holds the writer until the others have queued behind it
        wait_for(lambda: pushes._queue.qsize() >= 20, "20 pushes queued behind the first")
        return authorize(conn)

    def append(n: int) -> PushJob:
        op = server.op("verification", str(uuid.uuid4()), "append",
                       {"test_case": "IN-01", "target": "DEN", "result": "pass"},
                       client_id=f"engineer-{n}")
        return job(server, "engineer", [op])

    async def run() -> list[PushOutcome]:
        pushes.start()
        try:
            first = asyncio.create_task(pushes.push(
                PushJob(**{**append(0).__dict__, "authorize": slow_authorize})))
            await wait_for_async(busy.is_set, "the first push to hold the writer")
            rest = [asyncio.create_task(pushes.push(append(n))) for n in range(1, 21)]
            return [await first, *await asyncio.gather(*rest)]
        finally:
            await asyncio.to_thread(pushes.stop)

    try:
        answers = asyncio.run(run())
    finally:
        db.dispose()
    assert [statuses(a) for a in answers] == [["applied"]] * 21
    assert groups == [1, 20]
    seqs = sorted(a.results[0].seq or 0 for a in answers)
    assert seqs == list(range(seqs[0], seqs[0] + 21))


def test_a_stopped_writer_refuses_new_pushes_with_a_clear_error(
    sqlite_server: ServerUnderTest,
) -> None:
    db = admin.open_database(sqlite_server.db_url)
    pushes = PushWriter(db).start()
    pushes.stop()

    async def attempt() -> None:
        await pushes.push(job(sqlite_server, "ipm", [sqlite_server.op(
            "verification", str(uuid.uuid4()), "append",
            {"test_case": "IN-01", "target": "DEN", "result": "pass"})]))

    try:
        with pytest.raises(writer.WriterStopped, match="shutting down"):
            asyncio.run(attempt())
    finally:
        db.dispose()


_FREEZE_PROBE = """
import gc, sys
from golive_tui.server.embedded import EmbeddedServer
from golive_tui.server.settings import ServerSettings
before = gc.get_freeze_count()
server = EmbeddedServer(ServerSettings(db_url=sys.argv[1], log_level="warning")).start()
try:
    print(before, gc.get_freeze_count())
finally:
    server.stop()
"""


def test_a_started_server_leaves_what_it_holds_for_life_out_of_garbage_collections(
    tmp_path: Path,
) -> None:
    # a process of its own: the test process may have frozen its objects already
    probe = subprocess.run(
        [sys.executable, "-c", _FREEZE_PROBE, f"sqlite:///{tmp_path / 'server.db'}"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    before, after = map(int, probe.stdout.split())
    assert before == 0 and after > 10_000, probe.stdout


def test_a_group_commits_without_copying_the_log_and_the_copy_follows_it(
    tmp_path: Path,
) -> None:
    # on SQLite a group's commit never waits for the log to be copied back into the file
    # (SQLite's automatic checkpoint would, in the commit that takes the log past 1,000
    # pages): the checkpointer copies it after the commit, off the writer's thread, and the
    # log starts again from its beginning, so pushes one after another do not grow it
    path = tmp_path / "server.db"
    db = admin.open_database(f"sqlite:///{path}")
    try:
        project_id, _ = admin.import_document(db, generate_project(20, sites=1))
        admin.ensure_user(db, "tester")
        admin.grant(db, "tester", project_id, "ipm")
        token = admin.issue_token(db, "tester").token
        with db.write_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        with db.read_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000

        def authorize(conn: Connection) -> Actor:
            access = access_on(conn, token, project_id)
            return Actor(user=access.user, role=access.role)

        assert db.checkpointer is not None
        seen = CheckpointsSeen(db.checkpointer, Path(f"{path}-wal"))
        now = datetime.now(UTC)
        seq = 0
        for _ in range(4):
            ops = []
            for _ in range(500):
                seq += 1
                ops.append(Op(op_id=str(uuid.uuid4()), client_id="c1", client_seq=seq,
                              client_time=now, entity=EntityKind.VERIFICATION,
                              entity_id=new_id(), action=OpAction.APPEND,
                              fields={"test_case": "IN-01", "target": "+17205550100",
                                      "result": "pass", "note": f"call {seq}"}))
            [done] = apply_group(db, [PushJob(project_id=project_id, ops=ops,
                                              client_id="c1", authorize=authorize)])
            assert set(statuses(done)) == {"applied"}
            seen.after_write()
        seen.assert_one_write_each()  # one push's pages each, not every push's so far
    finally:
        db.dispose()
