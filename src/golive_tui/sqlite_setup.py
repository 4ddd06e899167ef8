"""How golive opens an SQLite file, for the server's database and the client's cache alike.

WAL, a busy timeout, foreign keys on and ``BEGIN`` issued by golive itself: writers use
``BEGIN IMMEDIATE`` so that two writers queue on the busy timeout instead of failing late
with "database is locked" when one upgrades a read lock. What differs between the two
(durability, how long to wait, how much to cache) is passed in.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from pathlib import Path
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


class Checkpointer:
    """One thread, started by the first :meth:`poke`, that checkpoints an SQLite file's log
    on its own connection whenever a write transaction asked for it since the last one.

    The engines it stands in for are opened with ``autocheckpoint=0``
    (:func:`sqlite_engine`): their commits then never copy the log back into the file
    themselves (SQLite's automatic checkpoint does so inside the commit that takes the log
    past 1,000 pages, and the committer waits for it, disk and all). This thread does the
    copy instead, as soon as it is asked, and the log stays as bounded as it was: the next
    writer starts it again from its beginning once everything in it is in the file. The
    copy holds no lock a writer or a reader waits on, and sqlite3 lets go of Python's
    interpreter lock while it runs.
    """

    def __init__(self, path: Path, *, busy_timeout_ms: int, spacing: float = 0.0) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        #: seconds from one checkpoint's start to the next one's at the least: commits in
        #: quick succession are copied back together (a page the next commit writes
        #: again is then copied once), as SQLite's own checkpoint copies them per
        #: 1,000 pages; 0 copies after every transaction that asked
        self._spacing = spacing
        self._cond = threading.Condition()
        #: transactions that asked for a checkpoint, and how many of them one covered
        self._asked = 0
        self._done = 0
        self._closing = False
        self._thread: threading.Thread | None = None
        #: the last checkpoint's answer: (busy, pages in the log, pages copied)
        self.last: tuple[int, int, int] | None = None

    def poke(self) -> None:
        """A write transaction ended: checkpoint what it wrote (later, on the thread)."""
        with self._cond:
            if self._closing:
                return
            self._asked += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"checkpoint {self._path.name}", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every transaction that asked has been checkpointed (or closing)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._done == self._asked or self._closing, timeout
            )

    def close(self) -> None:
        """Stop the thread; a checkpoint under way finishes first."""
        with self._cond:
            self._closing = True
            thread = self._thread
            self._cond.notify_all()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(self._path, timeout=self._busy_timeout_ms / 1000,
                                   isolation_level=None, check_same_thread=False)
            # the copy waits for the log on the disk before it, and the file after it, so
            # the log is started again only over pages that are safe in the file
            conn.execute("PRAGMA synchronous = FULL")
            started = -math.inf
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._done != self._asked or self._closing)
                    if self._spacing:
                        self._cond.wait_for(lambda: self._closing,
                                            self._spacing - (time.monotonic() - started))
                    if self._closing:
                        return
                    asked = self._asked
                started = time.monotonic()
                try:
                    row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.last = (int(row[0]), int(row[1]), int(row[2]))
                except sqlite3.Error:
                    # nothing is lost: the log still holds every commit, and the next
                    # transaction asks again (closing the last connection checkpoints too)
                    self.last = None
                with self._cond:
                    self._done = asked
                    self._cond.notify_all()
        finally:
            if conn is not None:
                conn.close()
            with self._cond:
                self._closing = True  # a thread that could not open the file asks no more
                self._done = self._asked
                self._cond.notify_all()
