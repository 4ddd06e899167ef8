"""How golive opens an SQLite file, for the server's database and the client's cache alike.

WAL, a busy timeout, foreign keys on and ``BEGIN`` issued by golive itself: writers use
``BEGIN IMMEDIATE`` so that two writers queue on the busy timeout instead of failing late
with "database is locked" when one upgrades a read lock. What differs between the two
(durability, how long to wait, how much to cache) is passed in.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.pool import QueuePool


def configure_connection(
    dbapi_conn: sqlite3.Connection, *, synchronous: str, busy_timeout_ms: int, cache_kib: int,
    autocheckpoint: int = 1000,
) -> None:
    """Set the pragmas golive relies on, on a fresh connection.

    ``autocheckpoint`` is SQLite's own (a commit that leaves the log at that many pages
    copies it back into the file, on the commit's path); 0 leaves that to the caller.
    """
    # The sqlite3 module's own transaction handling is switched off so that BEGIN is ours.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute(f"PRAGMA synchronous = {synchronous}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA temp_store = MEMORY")
    cur.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
    cur.execute(f"PRAGMA wal_autocheckpoint = {int(autocheckpoint)}")
    cur.close()


def sqlite_engine(
    url: URL | str,
    *,
    immediate: bool,
    synchronous: str,
    busy_timeout_ms: int,
    cache_kib: int,
    max_overflow: int,
    autocheckpoint: int = 1000,
    gate: threading.Lock | None = None,
) -> Engine:
    """An engine on an SQLite ``url``; ``immediate`` engines take the write lock when they
    begin, the others begin a plain (deferred) read transaction. With a ``gate``, a new
    connection opens the file only while holding it (whoever holds it decides which file
    the name stands for)."""
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=4 if immediate else 8,
        max_overflow=max_overflow,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        configure_connection(dbapi_conn, synchronous=synchronous,
                             busy_timeout_ms=busy_timeout_ms, cache_kib=cache_kib,
                             autocheckpoint=autocheckpoint)

    if gate is not None:
        @event.listens_for(engine, "do_connect")
        def _gated(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
            with gate:
                return dialect.connect(*cargs, **cparams)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
