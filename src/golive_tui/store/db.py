"""SQLite engines for the cache: WAL, synchronous=FULL, a busy timeout and immediate writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_MS = 10_000


class CorruptCacheError(RuntimeError):
    """The cache file is not a readable golive cache."""


def _configure(dbapi_conn: sqlite3.Connection, immediate: bool) -> None:
    # The sqlite3 module's own transaction handling is switched off so that BEGIN is ours.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA temp_store = MEMORY")
    cur.execute("PRAGMA cache_size = -32000")
    cur.close()


def make_engine(path: Path | str, *, immediate: bool) -> Engine:
    """An engine on ``path``; ``immediate`` engines take the write lock when they begin.

    Writers use ``BEGIN IMMEDIATE`` so that two writers queue on the busy timeout instead
    of failing late with "database is locked" when one upgrades a read lock.
    """
    url = "sqlite://" if str(path) == ":memory:" else f"sqlite:///{Path(path)}"
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=4 if immediate else 8,
        max_overflow=4,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        _configure(dbapi_conn, immediate)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One ``BEGIN IMMEDIATE`` transaction: commits on success, rolls back on error."""
    with engine.begin() as conn:
        yield conn


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not SQLite, before anything writes into it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(16)
    if header != b"SQLite format 3\x00":
        raise CorruptCacheError(
            f"{path} is not a golive cache (not an SQLite file). Move it aside and start "
            "again: the server still has every change that was synced."
        )
    try:
        conn = sqlite3.connect(path)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptCacheError(f"{path} is damaged ({exc}). Move it aside and start again.") from exc
    if not result or result[0] != "ok":
        raise CorruptCacheError(
            f"{path} failed its integrity check ({result[0] if result else 'no answer'}). "
            "Move it aside and start again."
        )
