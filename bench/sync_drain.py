"""Drain 10,000 queued ops to a loopback server on SQLite; server ingest; their floors.

The drain is what a client does after a day offline: ``SyncEngine.sync_once()`` pushes the
outbox in batches of 500, settles each answer in the cache, then pulls the 10,000 changes
back. Server ingest is the same 10,000 ops (new ids, another client) sent as 20 raw POSTs of
500 with nothing else done on the client: ops per second the server applies.

Two floors, measured in the same run:
- SQLite: the rows those ops write (the record, its change and its answer: 3 inserts an op)
  inserted through plain ``sqlite3`` into the server's own schema, already encoded, one
  transaction per push, ``synchronous=FULL``;
- HTTP: the same 20 POSTs to a bare ASGI app under the same uvicorn, which reads each body
  and answers as many bytes.

Budgets (ARCHITECTURE.md §4): drain ≤ 1 s; ingest ≥ 20,000 ops/s.

    python bench/sync_drain.py [--json] [--ops N]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.dialects import sqlite as sqlite_dialect

from golive_tui.domain.enums import EntityKind, OpAction, VerificationResult
from golive_tui.domain.ops import Op, new_id
from golive_tui.domain.wire import MAX_OPS_PER_PUSH, PROTOCOL_HEADER, PROTOCOL_VERSION
from golive_tui.server import admin, rows
from golive_tui.server.tables import change, op_log, table_of
from golive_tui.store.local import Change, LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine
from loopback import Stopwatch, echo_server, loopback_server, report


def queued_changes(count: int) -> list[Change]:
    return [
        Change(EntityKind.VERIFICATION, new_id(), OpAction.APPEND, {
            "test_case": "IN-01", "target": f"+1720555{i % 10000:04d}",
            "result": VerificationResult.PASS.value, "note": f"call {i}",
        })
        for i in range(count)
    ]


def push_bodies(batch: list[Op]) -> list[bytes]:
    """The ops again with new ids and another client, as the bodies of raw pushes."""
    client_id = f"ingest-{uuid.uuid4()}"
    bodies = []
    for start in range(0, len(batch), MAX_OPS_PER_PUSH):
        part = [
            op.model_copy(update={"op_id": new_id(), "client_id": client_id,
                                  "entity_id": new_id()})
            for op in batch[start : start + MAX_OPS_PER_PUSH]
        ]
        ops_json = ",".join(op.model_dump_json() for op in part)
        bodies.append(f'{{"client_id":"{client_id}","ops":[{ops_json}]}}'.encode())
    return bodies


async def post_all(url: str, path: str, bodies: list[bytes], token: str) -> float:
    """Seconds to POST ``bodies`` one after the other, each once its answer is in."""
    headers = {"Authorization": f"Bearer {token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION),
               "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=600) as raw:
        await raw.get("/healthz" if path != "/" else "/")  # the connection is open
        clock = Stopwatch()
        for body in bodies:
            response = await raw.post(path, content=body)
            response.raise_for_status()
        return clock()


def sqlite_floor(ops: int, per_push: int = MAX_OPS_PER_PUSH) -> float:
    """Seconds for plain sqlite3 to insert what ``ops`` appends write, already encoded."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "floor.db"
        admin.open_database(f"sqlite:///{path}").dispose()  # the server's schema and indexes
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        dialect = sqlite_dialect.dialect()
        record, feed, log = (rows.TableCodec(t, dialect)
                             for t in (table_of(EntityKind.VERIFICATION), change, op_log))
        now = datetime.now(UTC)
        project_id, client_id = new_id(), new_id()
        writes = []
        for i in range(ops):
            entity_id, op_id = new_id(), new_id()
            data = {"id": entity_id, "project_id": project_id, "version": 1, "updated_at": now,
                    "updated_by": "bench", "test_case": "IN-01", "target": f"+1720555{i:04d}",
                    "result": "pass", "note": f"call {i}", "tested_at": now, "tester": "bench"}
            writes.append((
                record.encode_row(data),
                feed.encode_row({"project_id": project_id, "seq": i + 1,
                                 "entity": "verification", "entity_id": entity_id,
                                 "version": 1, "deleted": False, "data": data,
                                 "op_id": op_id, "by": "bench", "at": now}),
                log.encode_row({"op_id": op_id, "project_id": project_id,
                                "client_id": client_id, "client_seq": i + 1,
                                "payload_hash": "0" * 64, "at": now,
                                "result": {"op_id": op_id, "client_seq": i + 1,
                                           "status": "applied", "seq": i + 1, "version": 1}}),
            ))
        clock = Stopwatch()
        for start in range(0, ops, per_push):
            part = writes[start : start + per_push]
            conn.execute("BEGIN IMMEDIATE")
            for index, codec in enumerate((record, feed, log)):
                conn.executemany(codec.insert_sql, [w[index] for w in part])
            conn.execute("COMMIT")
        took = clock()
        conn.close()
        return took


async def run(ops: int) -> dict[str, Any]:
    with loopback_server() as world, tempfile.TemporaryDirectory() as tmp:
        token = world.tokens["bench"]
        store = LocalStore(Path(tmp) / "cache.sqlite", actor="bench", project_id=world.project_id)
        async with SyncClient(world.url, token) as client:
            engine = SyncEngine(store, client, world.project_id, live=False)
            await engine.sync_once()  # bootstrap
            store.submit_many(queued_changes(ops))
            queued = store.outbox_count()
            batch = store.outbox_batch(ops)

            clock = Stopwatch()
            await engine.sync_once()
            drain = clock()
            assert store.outbox_count() == 0 and not store.problems(), "the drain was incomplete"
        store.close()
        bodies = push_bodies(batch)
        ingest = await post_all(world.url, f"/v1/projects/{world.project_id}/ops", bodies, token)
    with echo_server() as url:
        http = await post_all(url, "/", push_bodies(batch), token)
    database = sqlite_floor(queued)
    return {
        "ops": queued,
        "drain_10k_s": round(drain, 3),
        "ingest_s": round(ingest, 3),
        "ingest_ops_s": round(queued / ingest),
        "ingest_floor_sqlite_s": round(database, 3),
        "ingest_floor_sqlite_ops_s": round(queued / database),
        "http_floor_s": round(http, 3),
        "http_floor_ops_s": round(queued / http),
        "floor_s": round(database + http, 3),
        "drain_ratio": round(drain / (database + http), 2),
        "ingest_ratio": round(ingest / (database + http), 2),
        # the floor this benchmark printed until now: the server's own ingest
        "raw_post_floor_s": round(ingest, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--ops", type=int, default=10_000)
    args = parser.parse_args()
    f = asyncio.run(run(args.ops))
    n = f"{f['ops']:,}"
    report(f, [
        f"drain {n} queued ops: {f['drain_10k_s']:.2f} s (budget ≤ 1 s)",
        f"server ingest, {n} ops as raw POSTs of {MAX_OPS_PER_PUSH}: {f['ingest_s']:.2f} s, "
        f"{f['ingest_ops_s']:,} ops/s (budget ≥ 20,000 ops/s)",
        f"floor, SQLite: their rows through plain sqlite3: {f['ingest_floor_sqlite_s']:.2f} s, "
        f"{f['ingest_floor_sqlite_ops_s']:,} ops/s",
        f"floor, HTTP: the same POSTs to a bare ASGI app: {f['http_floor_s']:.2f} s, "
        f"{f['http_floor_ops_s']:,} ops/s",
        f"ratio to the two floors together ({f['floor_s']:.2f} s): "
        f"drain {f['drain_ratio']:.2f}, ingest {f['ingest_ratio']:.2f}",
    ], args.json)


if __name__ == "__main__":
    main()
