"""1,000 live-event subscribers on one loopback server; a change delivered to all of them.

Each subscriber holds one ``GET /v1/projects/{pid}/events`` stream on its own keep-alive
socket (raw HTTP/1.1 on asyncio streams, as in ``bench/load.py``, so that the client's
cost per connection stays small beside the server's). Once every stream has said it is
connected, one op is pushed; the time from the push being sent to each subscriber reading
the ``change`` event with the new seq is one sample. That is repeated ``--changes`` times,
a pause between them, so the figure covers 1,000 × changes deliveries. Budget
(ARCHITECTURE.md §4): p99 ≤ 1 s.

Bounded: at most ``--subscribers`` connections (1,000 by default, 2,000 at most), on
127.0.0.1 only; each change waits at most 30 s for its deliveries; the run stops itself
and closes every stream and the server.

    python bench/fanout.py [--json] [--subscribers 1000] [--changes 20] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from golive_tui.domain.clock import utcnow
from golive_tui.domain.ops import new_id
from golive_tui.domain.wire import PROTOCOL_HEADER, PROTOCOL_VERSION
from load import RawClient
from loopback import loopback_server, percentile, report

MAX_SUBSCRIBERS = 2000
DELIVERY_BOUND_S = 30.0
EVENT_ID = re.compile(rb"^id: ?(\d+)\r?$", re.MULTILINE)


def _server_cpu_s() -> float:
    """CPU seconds (user + system) of the ``golive server`` child process so far."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for children in Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"golive_tui.server" not in cmdline:
                    continue
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Subscriber:
    """One live-event stream: the newest seq it has read, and when it read it."""

    def __init__(self, url: str, token: str, project_id: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.request = (
            f"GET /v1/projects/{project_id}/events HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Authorization: Bearer {token}\r\n{PROTOCOL_HEADER}: {PROTOCOL_VERSION}\r\n"
            "Accept: text/event-stream\r\n\r\n"
        ).encode()
        self.connected = asyncio.Event()
        self.seen = 0
        self.waiting_for = 0
        self.arrived: asyncio.Event = asyncio.Event()
        self.arrival = 0.0
        self.writer: asyncio.StreamWriter | None = None

    async def run(self) -> None:
        reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.request)
        buffer = b""
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            now = time.perf_counter()
            buffer += chunk
            if not self.connected.is_set() and b"connected at" in buffer:
                self.connected.set()
            ids = EVENT_ID.findall(buffer)
            if ids:
                self.seen = max(self.seen, *(int(i) for i in ids))
                if self.waiting_for and self.seen >= self.waiting_for and not self.arrived.is_set():
                    self.arrival = now
                    self.arrived.set()
            buffer = buffer[buffer.rfind(b"\n") + 1:]

    def expect(self, seq: int) -> None:
        self.arrived = asyncio.Event()
        self.waiting_for = seq
        if self.seen >= seq:
            self.arrival = time.perf_counter()
            self.arrived.set()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run(subscribers: int, changes: int, db: str) -> dict[str, float | str]:
    subscribers = max(1, min(subscribers, MAX_SUBSCRIBERS))
    with loopback_server(users=("writer", "reader"), db=db) as world:
        assert urlsplit(world.url).hostname == "127.0.0.1"
        subs = [Subscriber(world.url, world.tokens["reader"], world.project_id)
                for _ in range(subscribers)]
        tasks: list[asyncio.Task[None]] = []
        for index, sub in enumerate(subs):
            tasks.append(asyncio.create_task(sub.run()))
            if index % 50 == 49:  # open them in waves, as clients coming online do
                await asyncio.sleep(0.01)
        pusher = RawClient(world.url, world.tokens["writer"])
        latencies: list[float] = []
        server_cpu: list[float] = []
        missed = 0
        try:
            await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in subs)),
                                   DELIVERY_BOUND_S * 2)
            client_id = f"fanout-{uuid.uuid4()}"
            path = f"/v1/projects/{world.project_id}/ops"
            for n in range(1, changes + 1):
                op = {"op_id": str(uuid.uuid4()), "client_id": client_id, "client_seq": n,
                      "entity": "verification", "entity_id": new_id(), "action": "append",
                      "client_time": utcnow().isoformat(),
                      "fields": {"test_case": "IN-01", "target": "DEN", "result": "pass"}}
                body = json.dumps({"client_id": client_id, "ops": [op]}).encode()
                cpu_before = _server_cpu_s()
                sent = time.perf_counter()
                status, answer = await pusher.post(path, body)
                if status != 200 or answer.get("server_seq") is None:
                    raise RuntimeError(f"the push was not applied: {status} {answer}")
                seq = int(answer["server_seq"])
                for sub in subs:
                    sub.expect(seq)
                _done, pending = await asyncio.wait(
                    [asyncio.create_task(s.arrived.wait()) for s in subs],
                    timeout=DELIVERY_BOUND_S,
                )
                for waiter in pending:
                    waiter.cancel()
                missed += len(pending)
                server_cpu.append(_server_cpu_s() - cpu_before)
                latencies.extend((s.arrival - sent) * 1000 for s in subs if s.arrived.is_set())
                await asyncio.sleep(0.2)
        finally:
            await pusher.close()
            for sub in subs:
                sub.close()
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "db": db, "subscribers": float(subscribers), "changes": float(changes),
        "deliveries": float(len(latencies)), "fanout_missed": float(missed),
        "fanout_p50_ms": round(percentile(latencies, 50), 1),
        "fanout_p99_ms": round(percentile(latencies, 99), 1),
        "fanout_max_ms": round(max(latencies, default=float("nan")), 1),
        # the server's CPU for one push and its 1,000 deliveries: what an idle machine's
        # latency would be bounded by, whatever else the shared machine runs
        "fanout_server_cpu_ms": round(statistics.median(server_cpu) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--subscribers", type=int, default=1000,
                        help=f"live-event streams (at most {MAX_SUBSCRIBERS})")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    figures = asyncio.run(run(args.subscribers, args.changes, args.db))
    report(figures, [
        f"{int(figures['subscribers'])} live-event subscribers on {figures['db']}, "
        f"{int(figures['changes'])} changes: {int(figures['deliveries']):,} deliveries, "
        f"{int(figures['fanout_missed'])} missed",
        f"push to event p50 {figures['fanout_p50_ms']} ms, p99 {figures['fanout_p99_ms']} ms "
        f"(budget ≤ 1000 ms), max {figures['fanout_max_ms']} ms",
        f"server CPU per change delivered to all: {figures['fanout_server_cpu_ms']} ms "
        "(median)",
    ], args.json)


if __name__ == "__main__":
    main()
