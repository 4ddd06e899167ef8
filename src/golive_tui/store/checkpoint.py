"""Copying the cache's write-ahead log back into the file, after a local change's commit
and off its path.

A commit with synchronous=FULL is durable once its pages are in the log and the log is on
the disk: copying them into the file (a checkpoint) adds nothing to that. SQLite's
automatic checkpoint does the copy inside the commit that takes the log past 1,000 pages,
so a bulk move of 10,000 numbers (some 3,000 pages) waited for it before the user was told.
The write engine's connections have it switched off; after each of their transactions this
thread checkpoints instead, so the log is copied back as soon as the change is committed,
and it stays as bounded as it was: the next writer starts the log again from its beginning
once everything in it is in the file.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from golive_tui.store.db import BUSY_TIMEOUT_MS


class Checkpointer:
    """One thread, started by the first :meth:`poke`, that checkpoints the cache's log on
    its own connection whenever a write transaction asked for it since the last one."""

    def __init__(self, path: Path) -> None:
        self._path = path
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
            conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, check_same_thread=False)
            # the copy waits for the log on the disk before it, and the file after it, so
            # the log is started again only over pages that are safe in the file
            conn.execute("PRAGMA synchronous = FULL")
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._done != self._asked or self._closing)
                    if self._closing:
                        return
                    asked = self._asked
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
