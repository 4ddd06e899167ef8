"""PostgreSQL: ordering under concurrent writers, replicas sharing live events, the basics."""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import ServerUnderTest
from tests.waiting import wait_for_async, within

pytestmark = pytest.mark.postgres

WRITERS = 8
OPS_PER_WRITER = 50
OPS_PER_PUSH = 5


def test_server_reports_postgresql(pg_server: ServerUnderTest) -> None:
    assert httpx.get(f"{pg_server.url}/healthz").json()["database"] == "postgresql"


def test_rules_idempotency_and_merge_hold_on_postgresql(pg_server: ServerUnderTest) -> None:
    snap = pg_server.snapshot()
    number = next(n for n in snap["entities"]["number"] if n["porting_state"] == "draft")
    issue = snap["entities"]["issue"][0]
    ops = [
        pg_server.op("number", number["id"], "transition", {"to": "ported"}),
        pg_server.op("number", number["id"], "transition", {"to": "loa_pending"}),
        pg_server.op("issue", issue["id"], "update", {"title": "From A"},
                     base_version=issue["version"]),
    ]
    first = pg_server.push(ops).json()["results"]
    assert [r["status"] for r in first] == ["rejected", "applied", "applied"]
    assert first[0]["code"] == "illegal_transition"
    replay = pg_server.push(ops).json()["results"]
    assert [(r["status"], r["first_status"]) for r in replay] == [
        ("duplicate", "rejected"), ("duplicate", "applied"), ("duplicate", "applied")
    ]
    other = pg_server.op("issue", issue["id"], "update", {"title": "From B"},
                         base_version=issue["version"], client_id="client-b")
    conflict = pg_server.push([other]).json()["results"][0]
    assert conflict["status"] == "conflict" and conflict["conflicts"] == {"title": "From A"}
    feed = pg_server.changes(after=snap["server_seq"]).json()
    assert [c["op_id"] for c in feed["changes"]] == [ops[1]["op_id"], ops[2]["op_id"]]


def test_a_value_postgresql_cannot_hold_is_rejected_and_the_push_goes_on(
    pg_server: ServerUnderTest,
) -> None:
    snap = pg_server.snapshot()
    site = snap["entities"]["site"][0]
    issue = snap["entities"]["issue"][0]
    huge = pg_server.op("site", site["id"], "update", {"floors": 10**30},
                        base_version=site["version"])
    fine = pg_server.op("issue", issue["id"], "update", {"description": "still fine"},
                        base_version=issue["version"])
    results = pg_server.push([huge, fine]).json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "validation"), ("applied", None)
    ]
    assert pg_server.push([huge]).json()["results"][0]["first_status"] == "rejected"


def test_the_same_batch_pushed_concurrently_applies_once_on_postgresql(
    pg_server: ServerUnderTest,
) -> None:
    snap = pg_server.snapshot()
    ops = [
        pg_server.op("number", n["id"], "update", {"assigned_to": "retry"},
                     base_version=n["version"])
        for n in snap["entities"]["number"][:40]
    ]
    with ThreadPoolExecutor(4) as pool:
        bodies = [f.result().json() for f in [pool.submit(pg_server.push, ops) for _ in range(4)]]
    for index in range(len(ops)):
        statuses = sorted(body["results"][index]["status"] for body in bodies)
        assert statuses == ["applied", "duplicate", "duplicate", "duplicate"]
    feed = pg_server.changes(after=snap["server_seq"]).json()["changes"]
    assert sorted(c["op_id"] for c in feed) == sorted(op["op_id"] for op in ops)


@pytest.mark.slow
def test_concurrent_writers_never_make_a_paging_reader_skip_a_seq(
    pg_server: ServerUnderTest,
) -> None:
    snap = pg_server.snapshot()
    start = snap["server_seq"]
    numbers = snap["entities"]["number"][: WRITERS * OPS_PER_WRITER]
    done = threading.Event()
    failures: list[str] = []
    op_ids: list[str] = []

    def writer(index: int) -> None:
        client_id = f"writer-{index}-{uuid.uuid4().hex[:6]}"
        mine = numbers[index * OPS_PER_WRITER : (index + 1) * OPS_PER_WRITER]
        try:
            with pg_server.client("ipm") as client:
                for batch in range(0, OPS_PER_WRITER, OPS_PER_PUSH):
                    ops = [
                        pg_server.op("number", n["id"], "update", {"assigned_to": client_id},
                                     base_version=n["version"], client_id=client_id,
                                     client_seq=batch + k + 1)
                        for k, n in enumerate(mine[batch : batch + OPS_PER_PUSH])
                    ]
                    op_ids.extend(op["op_id"] for op in ops)
                    response = client.post(pg_server.project_path("ops"),
                                           json={"client_id": ops[0]["client_id"], "ops": ops})
                    statuses = {r["status"] for r in response.json()["results"]}
                    if response.status_code != 200 or statuses != {"applied"}:
                        failures.append(f"{client_id}: {response.status_code} {statuses}")
        except Exception as exc:  # reported below, not lost in the thread
            failures.append(f"{client_id}: {exc!r}")

    seen: list[int] = []
    cursor = start

    def page_once(client: httpx.Client) -> None:
        nonlocal cursor
        page = client.get(pg_server.project_path("changes"),
                          params={"after": cursor, "limit": 37}).json()
        seqs = [c["seq"] for c in page["changes"]]
        if seqs != list(range(cursor + 1, cursor + 1 + len(seqs))):
            failures.append(f"after {cursor} the reader got {seqs}")
        if not page["more"] and page["server_seq"] != (seqs[-1] if seqs else cursor):
            failures.append(f"page ended at {seqs[-1:]} but says server_seq {page['server_seq']}")
        seen.extend(seqs)
        if seqs:
            cursor = seqs[-1]

    def reader() -> None:
        with pg_server.client("viewer") as client:
            while not done.is_set():
                page_once(client)
            page_once(client)
            while cursor < pg_server.head():
                page_once(client)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    reading = threading.Thread(target=reader)
    reading.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    reading.join(timeout=60)

    assert failures == []
    total = WRITERS * OPS_PER_WRITER
    assert pg_server.head() == start + total
    assert seen == list(range(start + 1, start + total + 1))
    feed_ops: list[str] = []
    after = start
    while True:
        page = pg_server.changes(after=after, limit=500).json()
        feed_ops += [c["op_id"] for c in page["changes"]]
        if not page["more"]:
            break
        after = page["changes"][-1]["seq"]
    assert sorted(feed_ops) == sorted(op_ids)


async def _next_change(lines: Any) -> dict[str, str]:
    async def read() -> dict[str, str]:
        event: dict[str, str] = {}
        async for line in lines:
            if line.startswith(":"):
                continue
            if line == "":
                if event.get("event") == "change":
                    return event
                event = {}
                continue
            name, _, value = line.partition(": ")
            event[name] = value
        raise AssertionError("the event stream ended")

    return await within(read(), "the change on replica B's stream")


@pytest.mark.slow
async def test_replica_b_streams_a_change_pushed_through_replica_a(
    pg_server: ServerUnderTest,
) -> None:
    # a fallback poll far longer than any wait here: the event has to come through
    # LISTEN/NOTIFY (how quickly is measured by bench/live_latency.py)
    with pg_server.replica(poll_seconds=3600) as replica_b:
        listener = replica_b.state.listener
        assert listener is not None
        await wait_for_async(listener.listening.is_set, "replica B to start listening")

        number = pg_server.snapshot()["entities"]["number"][0]
        op = pg_server.op("number", number["id"], "update", {"assigned_to": "via A"},
                          base_version=number["version"])
        async with (
            httpx.AsyncClient(base_url=replica_b.url, headers=pg_server.headers("viewer"),
                              timeout=10) as client,
            client.stream("GET", pg_server.project_path("events")) as response,
        ):
            assert response.status_code == 200
            lines = response.aiter_lines()
            assert (await anext(lines)).startswith("retry:")
            pushed = await asyncio.to_thread(pg_server.push, [op])
            seq = pushed.json()["results"][0]["seq"]
            event = await _next_change(lines)
    assert event == {"id": str(seq), "event": "change", "data": f'{{"seq": {seq}}}'}


@pytest.mark.slow
def test_two_replicas_share_one_order(pg_server: ServerUnderTest) -> None:
    with pg_server.replica() as replica_b:
        number = pg_server.snapshot()["entities"]["number"][1]
        a = pg_server.op("number", number["id"], "update", {"assigned_to": "A"},
                         base_version=number["version"], client_id="via-a")
        b = pg_server.op("number", number["id"], "update", {"assigned_to": "B"},
                         base_version=number["version"], client_id="via-b")
        first = pg_server.push([a]).json()["results"][0]
        with httpx.Client(base_url=replica_b.url, headers=pg_server.headers("ipm")) as client:
            second = client.post(pg_server.project_path("ops"),
                                 json={"client_id": b["client_id"], "ops": [b]}).json()["results"][0]
            page = client.get(pg_server.project_path("changes"),
                              params={"after": first["seq"] - 1}).json()
    assert first["status"] == "applied"
    assert second["status"] == "conflict" and second["conflicts"] == {"assigned_to": "A"}
    assert [c["seq"] for c in page["changes"]] == [first["seq"]]


def _close_the_servers_connections(db_url: str) -> int:
    """What a PostgreSQL restart or fail-over does to the server: every session it holds
    is closed on the database's side. How many were closed."""
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(db_url).set(drivername="postgresql").render_as_string(
        hide_password=False
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return sum(1 for (closed,) in rows if closed)


@pytest.mark.parametrize("idle_ping_after", [0.0, 1e9], ids=["pinged", "in-use"])
def test_a_push_after_postgresql_closed_the_servers_connections_is_applied(
    pg_server: ServerUnderTest, monkeypatch: pytest.MonkeyPatch, idle_ping_after: float
) -> None:
    """A connection pinged before use is replaced quietly; one in steady use (not pinged)
    fails its group, which the writer applies again op by op on new connections."""
    from golive_tui.server import db as server_db

    monkeypatch.setattr(server_db, "PING_AFTER_IDLE_S", idle_ping_after)
    snap = pg_server.snapshot()
    issue = snap["entities"]["issue"][0]
    warm = pg_server.op("issue", issue["id"], "update", {"description": "before"},
                        base_version=issue["version"])
    assert pg_server.push([warm]).json()["results"][0]["status"] == "applied"
    assert _close_the_servers_connections(pg_server.db_url) >= 1
    after = pg_server.op("issue", issue["id"], "update", {"description": "after"},
                         base_version=issue["version"] + 1)
    response = pg_server.push([after])
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "applied"
    after_all = {i["id"]: i for i in pg_server.snapshot()["entities"]["issue"]}
    assert after_all[issue["id"]]["description"] == "after"
