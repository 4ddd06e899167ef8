"""Bootstrap an empty cache from a 100,000-number project on a loopback server.

What a new laptop does on ``golive connect`` + first open: download the snapshot (as lines
of JSON, each record an array of its values), validate each line and write it as it
arrives into a new file that then takes the empty cache's place. Budget (ARCHITECTURE.md §4): ≤ 1.5 s. Beside it: the download and
validation alone, the JSON document alone (what a client that does not ask for lines
reads), the floor of the write (plain sqlite3: the same number rows into a new file with no
journal, indexes built after, committed and synced; and, as before the new file, into the
cache itself through its log) and the CPU time of client and server. Also how long the synthetic project takes to
generate (the demo's large mode; kept under 5 s).

    python bench/bootstrap.py [--json] [--numbers N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from golive_tui.domain.enums import EntityKind
from golive_tui.seed import generate_project
from golive_tui.store.db import CACHE_KIB
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine
from loopback import Stopwatch, loopback_server, report


def _server_cpu() -> float:
    """CPU seconds of this process's children (the server), from /proc."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in _children(os.getpid()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _children(pid: int) -> list[int]:
    try:
        found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return found + [g for c in found for g in _children(c)]


def _write_floor(cache: Path, tmp: Path, *, new_file: bool) -> float:
    """Plain sqlite3: the cache's number rows into an empty cache of the same schema, its
    indexes dropped first and built after, in one transaction as the bootstrap writes.

    ``new_file``: as a first load writes now, into a file of its own with no journal and
    no sync until the end, then synced to disk (the floor of that design); otherwise into
    the cache itself, through its log, committed as a snapshot is (the floor before it)."""
    with sqlite3.connect(cache) as source:
        rows = source.execute("SELECT * FROM number").fetchall()
        columns = len(rows[0])
    empty = tmp / f"floor-{new_file}.sqlite"
    LocalStore(empty, actor="bench").close()
    conn = sqlite3.connect(empty, isolation_level=None)
    if new_file:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("PRAGMA temp_store = MEMORY")
    else:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # the cache's own page cache
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                           "AND tbl_name = 'number' AND sql IS NOT NULL").fetchall()
    clock = Stopwatch()
    conn.execute("BEGIN IMMEDIATE")
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.executemany(f"INSERT INTO number VALUES ({', '.join('?' * columns)})", rows)
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    if new_file:
        fd = os.open(empty, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    took = clock()
    conn.close()
    return took


async def run(numbers: int) -> dict[str, float]:
    clock = Stopwatch()
    doc = generate_project(numbers)
    generated = clock()
    with loopback_server(doc) as world, tempfile.TemporaryDirectory() as tmp:
        async with SyncClient(world.url, world.tokens["bench"], timeout=120) as client:
            clock = Stopwatch()
            snapshot = await client.snapshot(world.project_id)
            document = clock()
            records = sum(len(v) for v in snapshot.entities.values())
            del snapshot
            clock = Stopwatch()
            # as a first load reads them: records as arrays, each line validated when taken
            async for item in client.snapshot_pieces(world.project_id, later=True, arrays=True):
                if callable(item):
                    item()
            lines = clock()

            store = LocalStore(Path(tmp) / "cache.sqlite", actor="bench",
                               project_id=world.project_id)
            engine = SyncEngine(store, client, world.project_id, live=False)
            server_cpu, client_cpu = _server_cpu(), time.process_time()
            clock = Stopwatch()
            await engine.sync_once()
            total = clock()
            client_cpu, server_cpu = time.process_time() - client_cpu, _server_cpu() - server_cpu
            cached = sum(1 for _ in store.iter_records(EntityKind.NUMBER))
            store.close()
            floor = _write_floor(Path(tmp) / "cache.sqlite", Path(tmp), new_file=True)
            floor_wal = _write_floor(Path(tmp) / "cache.sqlite", Path(tmp), new_file=False)
    assert cached == numbers, f"the cache holds {cached} numbers, not {numbers}"
    return {"numbers": float(numbers), "records": float(records),
            "bootstrap_100k_s": round(total, 3), "snapshot_lines_download_parse_s": round(lines, 3),
            "snapshot_download_parse_s": round(document, 3),
            "write_floor_sqlite3_s": round(floor, 3),
            "write_floor_sqlite3_through_log_s": round(floor_wal, 3),
            "bootstrap_client_cpu_s": round(client_cpu, 3),
            "bootstrap_server_cpu_s": round(server_cpu, 3),
            "generate_project_s": round(generated, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--numbers", type=int, default=100_000)
    args = parser.parse_args()
    figures = asyncio.run(run(args.numbers))
    report(figures, [
        f"bootstrap an empty cache from a {int(figures['numbers']):,}-number project "
        f"({int(figures['records']):,} records): {figures['bootstrap_100k_s']:.2f} s (budget ≤ 1.5 s)",
        f"  CPU time: client {figures['bootstrap_client_cpu_s']:.2f} s, "
        f"server {figures['bootstrap_server_cpu_s']:.2f} s (two cores)",
        f"the snapshot as lines alone (download + validate, nothing written): "
        f"{figures['snapshot_lines_download_parse_s']:.2f} s",
        f"the snapshot as one JSON document alone (download + parse): "
        f"{figures['snapshot_download_parse_s']:.2f} s",
        f"floor of the write: plain sqlite3, the same {int(figures['numbers']):,} number rows "
        f"into a new file (no journal), indexes built after, committed, synced: "
        f"{figures['write_floor_sqlite3_s']:.2f} s",
        f"  the same into the cache itself through its log, as before: "
        f"{figures['write_floor_sqlite3_through_log_s']:.2f} s",
        f"generating the project: {figures['generate_project_s']:.2f} s (kept under 5 s)",
    ], args.json)


if __name__ == "__main__":
    main()
