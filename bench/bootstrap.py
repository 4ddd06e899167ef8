"""Bootstrap an empty cache from a 100,000-number project on a loopback server.

What a new laptop does on ``golive connect`` + first open: download the snapshot (streamed),
parse it, and write it into the SQLite cache. Budget (ARCHITECTURE.md §4): ≤ 1.5 s. Also how
long the synthetic project takes to generate (the demo's large mode; kept under 5 s).

    python bench/bootstrap.py [--json] [--numbers N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from golive_tui.domain.enums import EntityKind
from golive_tui.seed import generate_project
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine
from loopback import Stopwatch, loopback_server, report


async def run(numbers: int) -> dict[str, float]:
    clock = Stopwatch()
    doc = generate_project(numbers)
    generated = clock()
    with loopback_server(doc) as world, tempfile.TemporaryDirectory() as tmp:
        async with SyncClient(world.url, world.tokens["bench"], timeout=120) as client:
            clock = Stopwatch()
            snapshot = await client.snapshot(world.project_id)
            download = clock()
            records = sum(len(v) for v in snapshot.entities.values())
            del snapshot

            store = LocalStore(Path(tmp) / "cache.sqlite", actor="bench",
                               project_id=world.project_id)
            engine = SyncEngine(store, client, world.project_id, live=False)
            clock = Stopwatch()
            await engine.sync_once()
            total = clock()
            cached = sum(1 for _ in store.iter_records(EntityKind.NUMBER))
            store.close()
    assert cached == numbers, f"the cache holds {cached} numbers, not {numbers}"
    return {"numbers": float(numbers), "records": float(records),
            "bootstrap_100k_s": round(total, 3), "snapshot_download_parse_s": round(download, 3),
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
        f"  of which the snapshot alone (download + parse): "
        f"{figures['snapshot_download_parse_s']:.2f} s",
        f"generating the project: {figures['generate_project_s']:.2f} s (kept under 5 s)",
    ], args.json)


if __name__ == "__main__":
    main()
