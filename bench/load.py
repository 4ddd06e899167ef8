"""50 clients each pushing 10 ops/s for 60 s against one loopback server.

Each client is a :class:`SyncClient` with its own client id, sending one op per push (what a
busy engineer's kicks look like) on a fixed schedule; a push that answers late delays that
client's next one, as the real engine would. Budget (ARCHITECTURE.md §4): p99 push ≤ 200 ms,
zero errors, on SQLite and on PostgreSQL.

    python bench/load.py [--json] [--seconds 60] [--clients 50] [--rate 10] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from golive_tui.domain.enums import EntityKind, OpAction
from golive_tui.domain.ops import Op, new_id
from golive_tui.domain.types import utcnow
from golive_tui.sync.client import SyncClient, SyncError
from golive_tui.sync.protocol import OpStatus
from loopback import loopback_server, percentile, report


async def one_client(
    url: str, token: str, project_id: str, seconds: float, rate: float,
    latencies: list[float], errors: list[str],
) -> int:
    client_id = f"load-{uuid.uuid4()}"
    sent = 0
    async with SyncClient(url, token, timeout=30) as client:
        start = time.perf_counter()
        while True:
            due = start + sent / rate
            now = time.perf_counter()
            if due - start >= seconds or now - start >= seconds:
                return sent
            if due > now:
                await asyncio.sleep(due - now)
            sent += 1
            op = Op(client_id=client_id, client_seq=sent, entity=EntityKind.VERIFICATION,
                    entity_id=new_id(), action=OpAction.APPEND, client_time=utcnow(),
                    fields={"test_case": "IN-01", "target": "DEN", "result": "pass"})
            began = time.perf_counter()
            try:
                response = await client.push(project_id, client_id, [op])
            except SyncError as exc:
                errors.append(exc.message)
                continue
            latencies.append((time.perf_counter() - began) * 1000)
            if [r.status for r in response.results] != [OpStatus.APPLIED]:
                errors.append(f"unexpected result {response.results}")


async def run(seconds: float, clients: int, rate: float, db: str) -> dict[str, float | str]:
    users = tuple(f"user{i}" for i in range(clients))
    with loopback_server(users=users, db=db) as world:
        latencies: list[float] = []
        errors: list[str] = []
        began = time.perf_counter()
        sent = await asyncio.gather(*(
            one_client(world.url, world.tokens[u], world.project_id, seconds, rate,
                       latencies, errors)
            for u in users
        ))
        elapsed = time.perf_counter() - began
    return {
        "db": db, "clients": float(clients), "seconds": round(elapsed, 1),
        "ops": float(sum(sent)), "ops_per_s": round(sum(sent) / elapsed, 1),
        "target_ops_per_s": float(clients * rate),
        "load_p50_ms": round(percentile(latencies, 50), 1),
        "load_p99_ms": round(percentile(latencies, 99), 1),
        "load_errors": float(len(errors)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0, help="ops per second per client")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    figures = asyncio.run(run(args.seconds, args.clients, args.rate, args.db))
    report(figures, [
        f"{int(figures['clients'])} clients × {args.rate:g} ops/s for {args.seconds:g} s on "
        f"{figures['db']}: {int(figures['ops']):,} ops, {figures['ops_per_s']} ops/s achieved "
        f"(target {figures['target_ops_per_s']:g})",
        f"push latency p50 {figures['load_p50_ms']} ms, p99 {figures['load_p99_ms']} ms "
        f"(budget ≤ 200 ms), errors {int(figures['load_errors'])} (budget 0)",
    ], args.json)


if __name__ == "__main__":
    main()
