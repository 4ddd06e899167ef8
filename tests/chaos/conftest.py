"""Chaos harness: a real server on a loopback port, clients with real caches, and a
transport that loses, repeats, delays and breaks requests on purpose.

The harness is handed to tests as fixtures (``loopback_world``, ``faulty_transport``) so
the Hypothesis machines and the crash tests share one way to build a world.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from golive_tui.domain.codec import encode_record
from golive_tui.domain.enums import EntityKind
from golive_tui.domain.ops import validate_record
from golive_tui.seed import generate_project
from golive_tui.server import admin
from golive_tui.server.embedded import EmbeddedServer
from golive_tui.store.local import LocalStore

FAULTS = ("drop_request", "drop_response", "duplicate", "replay_later", "error_before", "error_after")


class FaultyTransport(httpx.AsyncBaseTransport):
    """Wraps a real connection and injects one fault per request with ``rate``.

    - ``drop_request``: the request never reaches the server (a connect error);
    - ``drop_response``: the server applies it, the answer is lost (a read error);
    - ``duplicate``: sent twice in a row, the second answer is returned;
    - ``replay_later``: answered normally, and a stale copy arrives later, after newer
      requests (reordering);
    - ``error_before`` / ``error_after``: a 503 instead of sending it, or a 502 after the
      server applied it (a failing proxy).
    """

    def __init__(self, seed: int = 0, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.rng = random.Random(seed)
        self.rate = 0.0
        self.kinds: tuple[str, ...] = FAULTS
        self.replays: list[asyncio.Task[None]] = []
        self.injected: dict[str, int] = dict.fromkeys(FAULTS, 0)

    def set_faults(self, rate: float, kinds: tuple[str, ...] = FAULTS) -> None:
        self.rate = rate
        self.kinds = kinds

    @staticmethod
    def _copy(request: httpx.Request) -> httpx.Request:
        return httpx.Request(
            request.method, request.url, headers=request.headers, content=request.content
        )

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        await response.aclose()
        return httpx.Response(
            response.status_code, headers=response.headers, content=body,
            extensions=response.extensions, request=request,
        )

    async def _replay(self, request: httpx.Request, delay: float) -> None:
        await asyncio.sleep(delay)
        with contextlib.suppress(httpx.HTTPError):
            await self._send(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return await self.inner.handle_async_request(request)  # a stream: pass it through
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return await self._send(request)
        kind = self.rng.choice(self.kinds)
        self.injected[kind] += 1
        if kind == "drop_request":
            raise httpx.ConnectError("injected: request lost", request=request)
        if kind == "error_before":
            return httpx.Response(
                503, headers={"Retry-After": "0"}, request=request,
                json={"error": {"code": "unavailable", "message": "injected", "details": {}}},
            )
        await request.aread()
        if kind == "drop_response":
            await self._send(self._copy(request))
            raise httpx.ReadError("injected: response lost", request=request)
        if kind == "error_after":
            await self._send(self._copy(request))
            return httpx.Response(
                502, request=request,
                json={"error": {"code": "bad_gateway", "message": "injected", "details": {}}},
            )
        if kind == "duplicate":
            await self._send(self._copy(request))
            return await self._send(request)
        # replay_later
        copy = self._copy(request)
        self.replays.append(asyncio.ensure_future(self._replay(copy, self.rng.uniform(0, 0.05))))
        return await self._send(request)

    async def settle(self) -> None:
        """Wait for every delayed replay (before checking the server)."""
        replays, self.replays = self.replays, []
        if replays:
            await asyncio.gather(*replays, return_exceptions=True)

    async def aclose(self) -> None:
        await self.settle()
        await self.inner.aclose()


@dataclass
class LoopbackWorld:
    """A server database with one project, users with tokens, and a server to restart."""

    root: Path
    db_path: Path
    project_id: str
    tokens: dict[str, str]
    server: EmbeddedServer | None = None
    port: int = 0
    _probe: Any = field(default=None, repr=False)

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.server is not None:
            return
        self.server = EmbeddedServer(db_url=self.db_url, port=self.port).start()
        self.port = self.server.port

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.server is not None

    def store(self, name: str, user: str) -> LocalStore:
        return LocalStore(self.root / f"{name}.sqlite", actor=user, project_id=self.project_id)

    # -- reading the server's truth directly from its database ---------------------------

    def _query(self, sql: str, **params: Any) -> list[Any]:
        if self._probe is None:
            self._probe = create_engine(self.db_url)
        with self._probe.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def change_op_ids(self) -> dict[str, int]:
        """op_id → how many change rows it produced (at most one, or it applied twice)."""
        rows = self._query(
            "SELECT op_id, count(*) FROM change WHERE project_id = :pid AND op_id IS NOT NULL "
            "GROUP BY op_id", pid=self.project_id,
        )
        return {str(op_id): int(n) for op_id, n in rows}

    def op_log(self) -> dict[str, str]:
        """op_id → the status of its first answer."""
        import json

        rows = self._query("SELECT op_id, result FROM op_log WHERE project_id = :pid",
                           pid=self.project_id)
        out = {}
        for op_id, result in rows:
            data = json.loads(result) if isinstance(result, str) else result
            out[str(op_id)] = str(data["status"])
        return out

    def close(self) -> None:
        self.stop()
        if self._probe is not None:
            self._probe.dispose()
            self._probe = None


def build_world_template(root: Path, n_numbers: int = 40, users: tuple[str, ...] = ()) -> LoopbackWorld:
    """Create a server database with a generated project and one IPM user per name."""
    root.mkdir(parents=True, exist_ok=True)
    db_path = root / "server.db"
    db = admin.open_database(f"sqlite:///{db_path}")
    try:
        project_id, _ = admin.import_document(db, generate_project(n_numbers, sites=2, seed=11))
        tokens = {}
        for user in users:
            admin.ensure_user(db, user)
            admin.grant(db, user, project_id, "engineer" if user.startswith("eng") else "ipm")
            tokens[user] = admin.issue_token(db, user).token
    finally:
        db.dispose()
    return LoopbackWorld(root=root, db_path=db_path, project_id=project_id, tokens=tokens)


def copy_world(template: LoopbackWorld, root: Path) -> LoopbackWorld:
    """A fresh world from a template database (much faster than importing again)."""
    root.mkdir(parents=True, exist_ok=True)
    db_path = root / "server.db"
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(template.db_path) + suffix)
        if src.exists():
            shutil.copy2(src, str(db_path) + suffix)
    return LoopbackWorld(root=root, db_path=db_path, project_id=template.project_id,
                         tokens=dict(template.tokens))


def normalised(kind: EntityKind, record: dict[str, Any]) -> dict[str, Any]:
    """A record as JSON values, validated the same way on both sides; no client-only columns."""
    clean = {k: v for k, v in record.items() if k != "pending"}
    return encode_record(validate_record(kind, clean))


def cache_contents(store: LocalStore) -> dict[EntityKind, dict[str, dict[str, Any]]]:
    return {
        kind: {r["id"]: normalised(kind, r) for r in store.iter_records(kind)}
        for kind in EntityKind
    }


def snapshot_contents(entities: dict[Any, list[dict[str, Any]]]) -> dict[EntityKind, dict[str, dict[str, Any]]]:
    out: dict[EntityKind, dict[str, dict[str, Any]]] = {kind: {} for kind in EntityKind}
    for raw_kind, records in entities.items():
        kind = EntityKind(raw_kind)
        out[kind] = {r["id"]: normalised(kind, r) for r in records}
    return out


def differences(
    mine: dict[EntityKind, dict[str, dict[str, Any]]],
    theirs: dict[EntityKind, dict[str, dict[str, Any]]],
    limit: int = 10,
) -> list[str]:
    """Field-by-field differences, worded for a failing assertion."""
    found: list[str] = []
    for kind in EntityKind:
        a, b = mine.get(kind, {}), theirs.get(kind, {})
        for eid in sorted(set(a) | set(b)):
            if eid not in a:
                found.append(f"{kind.value} {eid}: missing in the cache")
            elif eid not in b:
                found.append(f"{kind.value} {eid}: in the cache but not on the server")
            else:
                for name in sorted(set(a[eid]) | set(b[eid])):
                    if not _same(a[eid].get(name), b[eid].get(name)):
                        found.append(
                            f"{kind.value} {eid}.{name}: cache {a[eid].get(name)!r} "
                            f"!= server {b[eid].get(name)!r}"
                        )
            if len(found) >= limit:
                return found
    return found


def _same(mine: Any, theirs: Any) -> bool:
    # Floats (an issue's paused_seconds) are sums of business-hour segments: compared to
    # 1e-9 relative, so one unit in the last place cannot fail a run; any real difference
    # (another value, a stale copy) is many orders of magnitude larger.
    if isinstance(mine, float) and isinstance(theirs, float):
        return math.isclose(mine, theirs, rel_tol=1e-9, abs_tol=1e-9)
    return bool(mine == theirs)


@pytest.fixture
def loopback_world(tmp_path: Path) -> Iterator[LoopbackWorld]:
    """A running server with a 40-number project and users ana, ben, cruz, dee, eng.eli."""
    world = build_world_template(tmp_path / "world", users=("ana", "ben", "cruz", "dee", "eng.eli"))
    world.start()
    try:
        yield world
    finally:
        world.close()


@pytest.fixture
def chaos_tools() -> dict[str, Any]:
    """The harness's classes and functions, for tests that build their own worlds."""
    return {
        "FaultyTransport": FaultyTransport,
        "build_world_template": build_world_template,
        "copy_world": copy_world,
        "cache_contents": cache_contents,
        "snapshot_contents": snapshot_contents,
        "differences": differences,
    }
