"""50 clients each pushing 10 ops/s for 60 s against one loopback server.

Each client holds its own keep-alive connection and client id and sends one op per push
(what a busy engineer's kicks look like) on a fixed schedule; a push that answers late
delays that client's next one, as the real engine would. The clients' beats are spread
evenly over one period (people do not tap in lockstep). The clients speak HTTP/1.1 on
raw asyncio streams rather than through httpx: on a 2-core machine the load generator
shares the cores with the server, and httpx's own cost per request (about 1.5 ms of CPU)
would otherwise be measured as the server's latency. Every answer is still parsed and
checked: status 200 and one ``applied`` result. Budget (ARCHITECTURE.md §4): p99 push
≤ 50 ms, zero errors, on SQLite and on PostgreSQL.

    python bench/load.py [--json] [--seconds 60] [--clients 50] [--rate 10] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from golive_tui.domain.clock import utcnow
from golive_tui.domain.ops import new_id
from golive_tui.domain.wire import PROTOCOL_HEADER, PROTOCOL_VERSION, OpStatus
from loopback import loopback_server, percentile, report


class RawClient:
    """One keep-alive HTTP/1.1 connection that POSTs JSON and reads the answer."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.head = (
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer " + token
            + f"\r\n{PROTOCOL_HEADER}: {PROTOCOL_VERSION}\r\nContent-Type: application/json"
            "\r\nContent-Length: {length}\r\n\r\n"
        )
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = self.head.format(path=path, host=self.host, length=len(body))
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return status, json.loads(await self.reader.readexactly(length))

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()


async def one_client(
    url: str, token: str, project_id: str, seconds: float, rate: float,
    latencies: list[float], errors: list[str], phase: float = 0.0,
) -> int:
    """Push for ``seconds``; ``phase`` (0–1) shifts this client's beat within a period."""
    client_id = f"load-{uuid.uuid4()}"
    client = RawClient(url, token)
    path = f"/v1/projects/{project_id}/ops"
    sent = 0
    try:
        start = time.perf_counter() + phase / rate
        while True:
            due = start + sent / rate
            now = time.perf_counter()
            if due - start >= seconds or now - start >= seconds:
                return sent
            if due > now:
                await asyncio.sleep(due - now)
            sent += 1
            op = {"op_id": str(uuid.uuid4()), "client_id": client_id, "client_seq": sent,
                  "entity": "verification", "entity_id": new_id(), "action": "append",
                  "client_time": utcnow().isoformat(),
                  "fields": {"test_case": "IN-01", "target": "DEN", "result": "pass"}}
            body = json.dumps({"client_id": client_id, "ops": [op]}).encode()
            began = time.perf_counter()
            try:
                status, answer = await client.post(path, body)
            except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                await client.close()
                client = RawClient(url, token)
                continue
            latencies.append((time.perf_counter() - began) * 1000)
            if status != 200:
                errors.append(f"HTTP {status}: {answer}")
            elif [r["status"] for r in answer["results"]] != [OpStatus.APPLIED.value]:
                errors.append(f"unexpected result {answer['results']}")
    finally:
        await client.close()


async def run(seconds: float, clients: int, rate: float, db: str) -> dict[str, float | str]:
    users = tuple(f"user{i}" for i in range(clients))
    with loopback_server(users=users, db=db) as world:
        latencies: list[float] = []
        errors: list[str] = []
        began = time.perf_counter()
        sent = await asyncio.gather(*(
            one_client(world.url, world.tokens[u], world.project_id, seconds, rate,
                       latencies, errors, phase=index / clients)
            for index, u in enumerate(users)
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
        f"(budget ≤ 50 ms), errors {int(figures['load_errors'])} (budget 0)",
    ], args.json)


if __name__ == "__main__":
    main()
