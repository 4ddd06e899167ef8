"""Shared fixtures: a real ``golive server`` on a real loopback port, on SQLite or PostgreSQL.

``sqlite_server`` and ``pg_server`` give a :class:`ServerUnderTest`: the demo project loaded,
users ``ipm``, ``engineer`` and ``viewer`` members of it with those roles, and ``outsider``,
the IPM of another project; each with a token. ``pg_url`` is a fresh PostgreSQL database
for the test session (``GOLIVE_TEST_PG_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``
names the server); when PostgreSQL cannot be reached its tests are skipped with the reason,
and fail instead when ``CI`` is set, so the PostgreSQL path is never silently untested.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from golive_tui.domain.demo_time import default_demo_day
from golive_tui.server import admin
from golive_tui.server.embedded import EmbeddedServer
from golive_tui.server.settings import ServerSettings

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
#: the demo's relative times are anchored to this day in every server test
DEMO_DAY = date(2026, 11, 26)
#: users of the demo project and their roles; ``outsider`` is the IPM of another project
MEMBERS = {"ipm": "ipm", "engineer": "engineer", "viewer": "viewer"}
OUTSIDER = "outsider"
#: tests that collect or walk the whole heap (``gc``) share one xdist group, and xdist hands
#: out groups before single tests, largest first: they run on a worker that has only
#: collected the suite, whose full collection takes a fraction of a second, not on one that
#: has run a thousand tests and holds millions of objects (2.5 million, 4-7 s a collection
#: on a loaded machine)
WALKS_THE_HEAP = pytest.mark.xdist_group("walks_the_heap")


def server_settings(**overrides: Any) -> ServerSettings:
    """Settings for servers under test: quick pings and polls, so tests need not wait 15 s."""
    values: dict[str, Any] = {"sse_ping_seconds": 1.0, "poll_seconds": 0.5, "log_level": "warning"}
    values.update(overrides)
    return ServerSettings(**values)


@dataclass
class ServerUnderTest:
    """A running server with the demo project, its people and their tokens."""

    server: EmbeddedServer
    db_url: str
    project_id: str
    other_project_id: str
    tokens: dict[str, str]
    #: client ids are unique per server database; this keeps each test's own
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _seqs: dict[str, itertools.count[int]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def headers(self, user: str | None = "ipm") -> dict[str, str]:
        return {} if user is None else {"Authorization": f"Bearer {self.tokens[user]}"}

    def grant(self, user: str, role: str) -> None:
        """A member of the demo project with this role, and a token for them."""
        db = admin.open_database(self.db_url)
        try:
            admin.ensure_user(db, user)
            admin.grant(db, user, self.project_id, role)
            self.tokens[user] = admin.issue_token(db, user).token
        finally:
            db.dispose()

    def with_demo_ahead(self, days: int = 7) -> ServerUnderTest:
        """The same server, on a second demo project whose demo day is ``days`` ahead (the
        next weekday from there): its FOCs are still to come, as the order rules ask of an
        FOC being confirmed. The test users have their roles in it."""
        day = default_demo_day(datetime.now(UTC).date() + timedelta(days=days))
        db = admin.open_database(self.db_url)
        try:
            pid, _ = admin.create_project(db, demo=True, project_id=str(uuid.uuid4()),
                                          demo_day=day)
            for user, role in MEMBERS.items():
                admin.grant(db, user, pid, role)
        finally:
            db.dispose()
        return replace(self, project_id=pid, tokens=dict(self.tokens))

    def client(
        self, user: str | None = "ipm", *, headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={**self.headers(user), **(headers or {})}, timeout=timeout
        )

    def project_path(self, tail: str, project_id: str | None = None) -> str:
        return f"/v1/projects/{project_id or self.project_id}/{tail}"

    def op(
        self,
        entity: str,
        entity_id: str,
        action: str,
        fields: dict[str, Any] | None = None,
        *,
        client_id: str = "client-a",
        base_version: int | None = None,
        client_seq: int | None = None,
    ) -> dict[str, Any]:
        """An op as a client sends it; ``client_seq`` counts up per ``client_id``.

        ``client_id`` is a short name ("laptop-a"); the op carries it made unique to this test.
        """
        client_id = f"{client_id}.{self.tag}"
        seq = client_seq if client_seq is not None else next(
            self._seqs.setdefault(client_id, itertools.count(1))
        )
        op: dict[str, Any] = {
            "op_id": str(uuid.uuid4()),
            "client_id": client_id,
            "client_seq": seq,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "fields": fields or {},
            "client_time": datetime.now(UTC).isoformat(),
        }
        if base_version is not None:
            op["base_version"] = base_version
        return op

    def push(
        self, ops: list[dict[str, Any]], *, user: str = "ipm", client_id: str | None = None
    ) -> httpx.Response:
        if client_id is None:
            client_id = ops[0]["client_id"] if ops else f"client-a.{self.tag}"
        body = {"client_id": client_id, "ops": ops}
        with self.client(user) as client:
            return client.post(self.project_path("ops"), json=body)

    def snapshot(self, user: str = "ipm") -> dict[str, Any]:
        with self.client(user) as client:
            response = client.get(self.project_path("snapshot"))
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def changes(self, after: int = 0, limit: int | None = None, user: str = "ipm") -> httpx.Response:
        params: dict[str, int] = {"after": after}
        if limit is not None:
            params["limit"] = limit
        with self.client(user) as client:
            return client.get(self.project_path("changes"), params=params)

    def replica(self, **overrides: Any) -> EmbeddedServer:
        """Another server (not started) on the same database, as a second replica."""
        return EmbeddedServer(server_settings(db_url=self.db_url, **overrides))

    def head(self) -> int:
        """The project's server_seq, cheaply (a one-change page, or a 410's details)."""
        response = self.changes(after=0, limit=1)
        if response.status_code == 410:
            return int(response.json()["error"]["details"]["server_seq"])
        assert response.status_code == 200, response.text
        return int(response.json()["server_seq"])


@dataclass(frozen=True)
class _Population:
    project_id: str
    other_project_id: str
    tokens: dict[str, str]


def populate(db_url: str, *, project_id: str | None = None) -> _Population:
    """Load the demo project and the test users into the server database at ``db_url``."""
    db = admin.open_database(db_url)
    try:
        pid, _ = admin.create_project(db, demo=True, project_id=project_id, demo_day=DEMO_DAY)
        other, _ = admin.create_project(
            db, name="Another customer's go-live", customer="Elsewhere Inc.",
            project_id=str(uuid.uuid4()),
        )
        tokens = {}
        for user, role in MEMBERS.items():
            admin.ensure_user(db, user)
            admin.grant(db, user, pid, role)
            tokens[user] = admin.issue_token(db, user).token
        admin.ensure_user(db, OUTSIDER)
        admin.grant(db, OUTSIDER, other, "ipm")
        tokens[OUTSIDER] = admin.issue_token(db, OUTSIDER).token
    finally:
        db.dispose()
    return _Population(pid, other, tokens)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, _Population]:
    """One populated SQLite database per session; each test gets a copy (fast)."""
    root = tmp_path_factory.mktemp("server-template")
    path = root / "server.db"
    population = populate(f"sqlite:///{path}")
    return path, population


@pytest.fixture
def sqlite_server(
    tmp_path: Path, _sqlite_template: tuple[Path, _Population]
) -> Iterator[ServerUnderTest]:
    """A real server on a loopback port over a fresh SQLite file with the demo project."""
    template, population = _sqlite_template
    path = tmp_path / "server.db"
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copy2(source, f"{path}{suffix}")
    db_url = f"sqlite:///{path}"
    with EmbeddedServer(server_settings(db_url=db_url)) as server:
        yield ServerUnderTest(
            server=server,
            db_url=db_url,
            project_id=population.project_id,
            other_project_id=population.other_project_id,
            tokens=dict(population.tokens),
        )


def skip_unless_ci(message: str, what: str) -> None:
    """Skip with ``message`` on a developer's machine; fail when ``CI`` is set, where
    ``what`` must be tested, so that it is never silently left out."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set: {what} must be tested)", pytrace=False)
    pytest.skip(message)


def _unreachable(reason: str) -> None:
    skip_unless_ci(f"PostgreSQL is not reachable: {reason}", "the PostgreSQL path")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    base = os.environ.get("GOLIVE_TEST_PG_URL", DEFAULT_PG_URL)
    conninfo = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin_conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        _unreachable(f"{make_url(base).render_as_string(hide_password=True)}: {exc}".strip())
        raise AssertionError("unreachable") from exc
    name = f"golive_test_{uuid.uuid4().hex[:12]}"
    with admin_conn:
        admin_conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_server(pg_url: str) -> Iterator[ServerUnderTest]:
    """Like ``sqlite_server``, on the session's PostgreSQL database (a new project each time)."""
    population = populate(pg_url, project_id=str(uuid.uuid4()))
    with EmbeddedServer(server_settings(db_url=pg_url)) as server:
        yield ServerUnderTest(
            server=server,
            db_url=pg_url,
            project_id=population.project_id,
            other_project_id=population.other_project_id,
            tokens=dict(population.tokens),
        )
