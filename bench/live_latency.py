"""A change by client A shown on client B through live events, on a loopback server.

Both clients run the real :class:`SyncEngine` loop. A changes a number and kicks its engine;
the time is measured until B's engine reports the change (``on_changes``), i.e. push, the
server's event, B's pull and B's cache write. Budget (ARCHITECTURE.md §4): p50 ≤ 50 ms,
p99 ≤ 100 ms.

    python bench/live_latency.py [--json] [--samples N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from golive_tui.domain.enums import EntityKind
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine, SyncNotice
from loopback import loopback_server, percentile, report


async def run(samples: int) -> dict[str, float]:
    with loopback_server(users=("alice", "bob")) as world, tempfile.TemporaryDirectory() as tmp:
        stores = {u: LocalStore(Path(tmp) / f"{u}.sqlite", actor=u, project_id=world.project_id)
                  for u in ("alice", "bob")}
        waiting: dict[str, asyncio.Future[float]] = {}

        def on_bob_changes(notice: SyncNotice) -> None:
            now = time.perf_counter()
            for change in notice.changes:
                future = waiting.pop(str(change["entity_id"]), None)
                if future is not None and not future.done():
                    future.set_result(now)

        clients = {u: SyncClient(world.url, world.tokens[u]) for u in stores}
        engines = {
            "alice": SyncEngine(stores["alice"], clients["alice"], world.project_id,
                                poll_interval=60),
            "bob": SyncEngine(stores["bob"], clients["bob"], world.project_id, poll_interval=60,
                              on_changes=on_bob_changes),
        }
        for engine in engines.values():
            await engine.sync_once()
        tasks = [asyncio.create_task(e.run()) for e in engines.values()]
        await asyncio.sleep(0.5)  # both live streams open
        alice = stores["alice"]
        items = [r["id"] for r in alice.iter_records(EntityKind.SITE)]
        latencies: list[float] = []
        loop = asyncio.get_running_loop()
        for i in range(samples):
            site_id = items[i % len(items)]
            future: asyncio.Future[float] = loop.create_future()
            waiting[site_id] = future
            start = time.perf_counter()
            await asyncio.to_thread(alice.update_record, EntityKind.SITE, site_id,
                                    address=f"{100 + i} Main St")
            engines["alice"].kick()
            shown = await asyncio.wait_for(future, 10)
            latencies.append((shown - start) * 1000)
            await asyncio.sleep(0.02)
        for engine in engines.values():
            await engine.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients.values():
            await client.aclose()
        for store in stores.values():
            store.close()
    return {"samples": float(samples), "live_p50_ms": round(percentile(latencies, 50), 1),
            "live_p99_ms": round(percentile(latencies, 99), 1),
            "live_max_ms": round(max(latencies), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    figures = asyncio.run(run(args.samples))
    report(figures, [
        f"change on A shown on B (live events, {int(figures['samples'])} samples): "
        f"p50 {figures['live_p50_ms']:.0f} ms (budget ≤ 50), "
        f"p99 {figures['live_p99_ms']:.0f} ms (budget ≤ 100), max {figures['live_max_ms']:.0f} ms",
    ], args.json)


if __name__ == "__main__":
    main()
