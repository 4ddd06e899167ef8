"""The server's database: SQLite (one machine) or PostgreSQL (replicas), one way to write.

Writes are short transactions, one per op. On SQLite they begin with ``BEGIN IMMEDIATE``
and queue on an in-process lock first, so writers wait their turn instead of polling on
SQLite's busy handler. On PostgreSQL the per-project counter row is locked inside each
write transaction, which is what makes commit order equal ``seq`` order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError

from golive_tui.sqlite_setup import Checkpointer, sqlite_engine

BUSY_TIMEOUT_MS = 30_000

#: on SQLite, the checkpoints of the log come at most this often (the writer's groups
#: commit many times a second under load; each checkpoint copies what they wrote since)
CHECKPOINT_SPACING_S = 0.25

#: a pooled PostgreSQL connection that sat unused this long is pinged before it is used
PING_AFTER_IDLE_S = 1.0

DatabaseKind = Literal["sqlite", "postgresql"]


class DatabaseUrlError(ValueError):
    """A database URL the server cannot use."""


def normalise_url(url: str) -> URL:
    """The SQLAlchemy URL to connect with: ``postgresql://`` goes through psycopg 3."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUrlError(
            f"'{url}' is not a database URL; use sqlite:///PATH or postgresql://USER@HOST/DB."
        ) from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise DatabaseUrlError(
                "The server needs an SQLite file, not an in-memory database: "
                "use sqlite:///PATH/server.db."
            )
        return parsed.set(drivername="sqlite")
    raise DatabaseUrlError(
        f"Unsupported database '{backend}'; use sqlite:///PATH or postgresql://USER@HOST/DB."
    )


def libpq_conninfo(url: URL) -> str:
    """The URL as libpq understands it (for the dedicated LISTEN connection)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_engine(
    url: URL, *, immediate: bool, synchronous: str, autocheckpoint: int = 1000
) -> Engine:
    assert url.database
    Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return sqlite_engine(url, immediate=immediate, synchronous=synchronous,
                         busy_timeout_ms=BUSY_TIMEOUT_MS, cache_kib=64_000, max_overflow=8,
                         autocheckpoint=autocheckpoint)


class Database:
    """A write engine and a read engine on one database, and how to use them."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "NORMAL") -> None:
        self.url = normalise_url(url)
        self.kind: DatabaseKind = (
            "postgresql" if self.url.get_backend_name() == "postgresql" else "sqlite"
        )
        #: on SQLite, what copies the log back into the file after the writes' commits
        self.checkpointer: Checkpointer | None = None
        if self.kind == "sqlite":
            # a commit never waits for the log to be copied back into the file (SQLite's
            # automatic checkpoint, inside the commit that takes the log past 1,000
            # pages): the checkpointer does it after each write transaction, off the
            # writer's thread (docs/decisions.md, "Server ingest: checkpoints off the
            # writer")
            self.write_engine = _sqlite_engine(
                self.url, immediate=True, synchronous=sqlite_synchronous, autocheckpoint=0
            )
            assert self.url.database
            checkpointer = self.checkpointer = Checkpointer(
                Path(self.url.database).expanduser(), busy_timeout_ms=BUSY_TIMEOUT_MS,
                spacing=CHECKPOINT_SPACING_S,
            )
            event.listen(self.write_engine, "checkin",
                         lambda _conn, _record: checkpointer.poke())
            self.read_engine = _sqlite_engine(
                self.url, immediate=False, synchronous=sqlite_synchronous
            )
            self._write_lock: threading.Lock | None = threading.Lock()
        else:
            self.write_engine = create_engine(self.url, pool_size=10, max_overflow=20)
            _ping_when_idle(self.write_engine)
            self.read_engine = self.write_engine
            self._write_lock = None

    @property
    def is_postgresql(self) -> bool:
        return self.kind == "postgresql"

    def _lock(self) -> AbstractContextManager[Any]:
        return self._write_lock if self._write_lock is not None else nullcontext()

    @contextmanager
    def connect_for_writes(self) -> Iterator[Connection]:
        """A connection to run several write transactions on, one after the other."""
        with self.write_engine.connect() as conn:
            yield conn

    @contextmanager
    def transaction(self, conn: Connection) -> Iterator[Connection]:
        """One write transaction on ``conn``: commits on success, rolls back on error."""
        with self._lock(), conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in one write transaction."""
        with self.connect_for_writes() as conn, self.transaction(conn):
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in one read transaction that sees a single consistent state."""
        with self.read_engine.connect() as conn:
            if self.is_postgresql:
                conn = conn.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
                with conn.begin():
                    yield conn
            else:
                with conn.begin():
                    yield conn

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection on checkout only when it sat unused for a while.

    A connection that was idle is the one a database restart, a fail-over or a firewall's
    idle timeout has most likely closed: it is pinged, and replaced if it is gone. One in
    steady use is not, where ``pool_pre_ping`` would cost the writer a round trip on every
    group. Should such a connection die all the same, the statement that finds out fails,
    SQLAlchemy drops every connection of the pool, and the writer applies that group again
    op by op on new connections (``apply_group``).
    """

    @event.listens_for(engine.pool, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # the pool discards this connection and checks out (or opens) another
            raise DisconnectionError(f"a pooled connection was closed: {exc}") from exc
