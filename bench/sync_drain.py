"""Drain 10,000 queued ops to a loopback server on SQLite, and the floor in the same run.

The drain is what a client does after a day offline: ``SyncEngine.sync_once()`` pushes the
outbox in batches of 500, settles each answer in the cache, then pulls the 10,000 changes
back. The floor is the same 10,000 ops sent as 20 raw POSTs of 500 with nothing else done.
Budget (ARCHITECTURE.md §4): drain ≤ 2 s.

    python bench/sync_drain.py [--json] [--ops N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from pathlib import Path

import httpx

from golive_tui.domain.enums import EntityKind, OpAction, VerificationResult
from golive_tui.domain.ops import new_id
from golive_tui.domain.wire import MAX_OPS_PER_PUSH, PROTOCOL_HEADER, PROTOCOL_VERSION
from golive_tui.store.local import Change, LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine
from loopback import Stopwatch, loopback_server, report


def queued_changes(count: int) -> list[Change]:
    return [
        Change(EntityKind.VERIFICATION, new_id(), OpAction.APPEND, {
            "test_case": "IN-01", "target": f"+1720555{i % 10000:04d}",
            "result": VerificationResult.PASS.value, "note": f"call {i}",
        })
        for i in range(count)
    ]


async def run(ops: int) -> dict[str, float]:
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

        # the floor: the same ops (new ids, another client) as raw batched POSTs
        client_id = f"floor-{uuid.uuid4()}"
        bodies = []
        for start in range(0, len(batch), MAX_OPS_PER_PUSH):
            part = [
                op.model_copy(update={"op_id": str(uuid.uuid4()), "client_id": client_id,
                                      "entity_id": new_id()})
                for op in batch[start : start + MAX_OPS_PER_PUSH]
            ]
            ops_json = ",".join(op.model_dump_json() for op in part)
            bodies.append(f'{{"client_id":"{client_id}","ops":[{ops_json}]}}'.encode())
        headers = {"Authorization": f"Bearer {token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                   "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=world.url, headers=headers, timeout=600) as raw:
            clock = Stopwatch()
            for body in bodies:
                response = await raw.post(f"/v1/projects/{world.project_id}/ops", content=body)
                response.raise_for_status()
            floor = clock()
        store.close()
    return {"ops": float(queued), "drain_10k_s": round(drain, 3),
            "raw_post_floor_s": round(floor, 3), "ratio": round(drain / floor, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--ops", type=int, default=10_000)
    args = parser.parse_args()
    figures = asyncio.run(run(args.ops))
    report(figures, [
        f"drain {int(figures['ops']):,} queued ops: {figures['drain_10k_s']:.2f} s "
        "(budget ≤ 2 s)",
        f"floor, the same ops as raw POSTs of {MAX_OPS_PER_PUSH}: "
        f"{figures['raw_post_floor_s']:.2f} s",
        f"ratio drain / floor: {figures['ratio']:.2f}",
    ], args.json)


if __name__ == "__main__":
    main()
