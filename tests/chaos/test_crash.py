"""Crashes (ARCHITECTURE.md §5): a client killed with SIGKILL in the middle of a push, and a
server restarted under live event streams. Nothing is lost and nothing is applied twice.
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from golive_tui.domain.enums import EntityKind, OpAction, PortState, VerificationResult
from golive_tui.domain.ops import new_id
from golive_tui.store.local import Change, LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import Backoff, SyncEngine, SyncStatus
from tests.waiting import wait_for, wait_for_async

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parents[2] / "src"

#: a client process: open the cache and push everything, in batches, until done
PUSHER = """
import asyncio, sys
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine

cache, url, token, project_id = sys.argv[1:5]

async def main():
    store = LocalStore(cache, actor="ana", project_id=project_id)
    async with SyncClient(url, token) as client:
        engine = SyncEngine(store, client, project_id, live=False, batch_size=100)
        print("pushing", store.outbox_count(), flush=True)
        await engine.sync_once()
    print("done", flush=True)

asyncio.run(main())
"""


def queue_verifications(store: LocalStore, count: int) -> set[str]:
    """``count`` verification results logged offline; returns their op ids."""
    changes = [
        Change(EntityKind.VERIFICATION, new_id(), OpAction.APPEND, {
            "test_case": "IN-01", "target": f"+1303555{i % 10000:04d}",
            "result": VerificationResult.PASS.value, "note": f"call {i}",
        })
        for i in range(count)
    ]
    before = {op.op_id for op in store.outbox_batch(10**7)}
    outcome = store.submit_many(changes)
    assert not outcome.refused
    return {op.op_id for op in store.outbox_batch(10**7)} - before


async def drain(store: LocalStore, url: str, token: str, project_id: str) -> None:
    async with SyncClient(url, token) as client:
        engine = SyncEngine(store, client, project_id, live=False)
        for _ in range(5):
            await engine.sync_once()
            if store.outbox_count() == 0:
                return


def test_client_killed_mid_push_loses_and_doubles_nothing(
    loopback_world: Any, chaos_tools: dict[str, Any], tmp_path: Path
) -> None:
    world = loopback_world
    token = world.tokens["ana"]
    cache = tmp_path / "ana.sqlite"
    store = LocalStore(cache, actor="ana", project_id=world.project_id)
    asyncio.run(drain(store, world.url, token, world.project_id))  # bootstrap
    queued = queue_verifications(store, 3_000)
    store.close()

    rng = random.Random(20251126)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    kills = 0
    for _attempt in range(3):
        child = subprocess.Popen(
            [sys.executable, "-c", PUSHER, str(cache), world.url, token, world.project_id],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().startswith("pushing"), child.stderr and child.stderr.read()
        applied_before = len(world.change_op_ids())
        # kill it once the server has applied some of this run's ops, at a random moment
        target = rng.randint(50, 400)
        def far_enough(child: Any = child, enough: int = applied_before + target) -> bool:
            return child.poll() is not None or len(world.change_op_ids()) >= enough

        wait_for(far_enough, f"the pusher to have {target} ops applied, or to finish",
                 timeout=60)
        time.sleep(rng.uniform(0.0, 0.2))  # the moment of the kill, not a wait for anything
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            kills += 1
        child.wait(timeout=30)
        child.stdout.close()
        assert child.stderr is not None
        child.stderr.close()
    assert kills >= 1, "the pusher finished before it could be killed; queue more ops"

    store = LocalStore(cache, actor="ana", project_id=world.project_id)
    try:
        asyncio.run(drain(store, world.url, token, world.project_id))
        assert store.outbox_count() == 0
        assert store.problems() == []
        effects = world.change_op_ids()
        missing = queued - set(effects)
        doubled = {op: n for op, n in effects.items() if n > 1}
        assert not missing, f"{len(missing)} ops lost after {kills} kills"
        assert not doubled, f"ops applied twice: {doubled}"

        async def server_snapshot() -> Any:
            async with SyncClient(world.url, token) as client:
                return await client.snapshot(world.project_id)

        snapshot = asyncio.run(server_snapshot())
        diffs = chaos_tools["differences"](
            chaos_tools["cache_contents"](store), chaos_tools["snapshot_contents"](snapshot.entities)
        )
        assert not diffs, "\n".join(diffs)
    finally:
        store.close()


async def test_server_restart_mid_live_stream_clients_reconnect_and_catch_up(
    loopback_world: Any, tmp_path: Path
) -> None:
    world = loopback_world
    stores = {
        name: LocalStore(tmp_path / f"{name}.sqlite", actor=name, project_id=world.project_id)
        for name in ("ana", "ben")
    }
    clients = {name: SyncClient(world.url, world.tokens[name], timeout=5) for name in stores}
    statuses: dict[str, SyncStatus] = {}
    engines = {
        name: SyncEngine(
            stores[name], clients[name], world.project_id,
            # the timer alone would take a minute: only the live stream can make this quick
            poll_interval=60.0, backoff=Backoff(base=0.05, cap=0.5),
            on_status=functools.partial(statuses.__setitem__, name),
        )
        for name in stores
    }
    tasks = [asyncio.create_task(engine.run()) for engine in engines.values()]
    ana, ben = stores["ana"], stores["ben"]
    try:
        await wait_for_async(lambda: all(s.state == "online" for s in statuses.values())
                             and len(statuses) == 2, "both clients online")
        numbers = sorted(r["id"] for r in ana.iter_records(EntityKind.NUMBER)
                         if r["porting_state"] is PortState.DRAFT)
        assert len(numbers) >= 3

        def state_on_ben(number_id: str) -> Any:
            return next(r["porting_state"] for r in ben.iter_records(EntityKind.NUMBER)
                        if r["id"] == number_id)

        # live: ana's change reaches ben through the event stream
        await asyncio.to_thread(ana.transition_number, numbers[0], PortState.LOA_PENDING)
        engines["ana"].kick()
        # (the bound is well inside the minute the timer would take: this is the stream)
        await wait_for_async(lambda: state_on_ben(numbers[0]) is PortState.LOA_PENDING,
                             "ben to see ana's first change live", off_loop=True)

        # the server restarts under both live streams
        await asyncio.to_thread(world.restart)
        await asyncio.to_thread(ana.transition_number, numbers[1], PortState.LOA_PENDING)
        engines["ana"].kick()
        await wait_for_async(lambda: state_on_ben(numbers[1]) is PortState.LOA_PENDING,
                             "ben to catch up after the server restarted", off_loop=True)

        # down for a while: ana works offline, then the server comes back
        await asyncio.to_thread(world.stop)
        await asyncio.to_thread(ana.transition_number, numbers[2], PortState.LOA_PENDING)
        engines["ana"].kick()
        await wait_for_async(
            lambda: statuses["ana"].state == "offline" and statuses["ana"].queued == 1,
            "ana to say offline with one change queued")
        await asyncio.to_thread(world.start)
        await wait_for_async(lambda: state_on_ben(numbers[2]) is PortState.LOA_PENDING,
                             "ben to catch up after the outage", off_loop=True)
        await wait_for_async(
            lambda: statuses["ana"].state == "online" and statuses["ana"].queued == 0,
            "ana back online with an empty queue")
    finally:
        for engine in engines.values():
            await engine.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients.values():
            await client.aclose()
        for store in stores.values():
            store.close()
    effects = world.change_op_ids()
    assert all(n == 1 for n in effects.values())
