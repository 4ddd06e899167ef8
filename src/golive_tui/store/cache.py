"""A golive cache file, opened: its engines, this client's id and the sync bookkeeping."""

from __future__ import annotations

import gc
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, event, insert, select, update

from golive_tui.domain.clock import utcnow
from golive_tui.domain.enums import EntityKind, Role
from golive_tui.store.bulk import table_of
from golive_tui.store.checkpoint import Checkpointer
from golive_tui.store.db import check_sqlite_file, make_engine
from golive_tui.store.migrations import migrate
from golive_tui.store.tables import SyncStateRow


class CacheFile:
    """The cache file and its engines (writes queue on SQLite's lock, reads do not).

    Thread-safe: the TUI calls it from worker threads.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        actor: str = "local",
        role: Role = Role.IPM,
        project_id: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = Path(path)
        #: the time a change is made at, as the rules weigh it (the app's clock)
        self.clock = clock or utcnow
        self.path.parent.mkdir(parents=True, exist_ok=True)
        check_sqlite_file(self.path)
        in_memory = str(path) == ":memory:"
        #: held while a connection opens the file, and while a first load puts its file in
        #: place of this one (:meth:`swap_in`): no connection opens the file being replaced
        self._gate = threading.Lock()
        #: local changes: their commits wait for the disk, not for the log to be copied
        #: back into the file, which the checkpointer does after each (see its module)
        self.write_engine = make_engine(self.path, immediate=True, checkpoints=in_memory,
                                        gate=self._gate)
        self.checkpointer = Checkpointer(self.path)
        if not in_memory:
            event.listen(self.write_engine, "checkin",
                         lambda _conn, _record: self.checkpointer.poke())
        #: writes of what the server sent (a push's answers, a page of the feed), committed
        #: without waiting for the disk: SQLite's log keeps commits in order, so a power cut
        #: can take back only the last of them, none written after a change made here (whose
        #: commit waits for the disk, and for everything before it), and the server sends
        #: what was taken back again: ops stay queued and are answered as duplicates, the
        #: feed is read again from the cursor that was kept
        self.settle_engine = make_engine(self.path, immediate=True, synchronous="NORMAL",
                                         gate=self._gate)
        self.read_engine = make_engine(self.path, immediate=False, gate=self._gate)
        migrate(self.write_engine)
        self.actor = actor
        self.role = role
        self._lock = threading.RLock()
        self.client_id = self._ensure_client_id()
        self.project_id = project_id or self._first_project_id() or ""

    def close(self) -> None:
        self.checkpointer.close()
        self.write_engine.dispose()
        self.settle_engine.dispose()
        self.read_engine.dispose()

    def swap_in(self, built: Path, ready: Callable[[sqlite3.Connection], bool]) -> bool:
        """Put the file ``built`` (complete, on disk) in place of this cache; False, and
        nothing changed, when another connection has this cache open or ``ready`` says no.

        ``ready`` gets a connection holding this cache's exclusive lock, and finishes
        ``built`` from it (or says it cannot). The rename is atomic: a crash leaves this
        cache or ``built``, whole. Only a file no connection has open is replaced: this
        store's idle connections are closed first, and no new one opens until the rename
        is done; another's (another process, or a read still under way here) keeps the
        cache as it is. SQLite's own test for that is leaving WAL mode, which it refuses
        while anyone else has the file open, and which empties and removes the old log and
        its index (names the new file would otherwise find).
        """
        with self._lock, self._gate:
            # the checkpointer's connection is one more on the old file: it stops, and a
            # new one (on whichever file the name then stands for) takes its place
            self.checkpointer.close()
            try:
                return self._swap_in(built, ready)
            finally:
                self.checkpointer = Checkpointer(self.path)

    def _swap_in(self, built: Path, ready: Callable[[sqlite3.Connection], bool]) -> bool:
        for attempt in range(3):
            for engine in (self.write_engine, self.settle_engine, self.read_engine):
                engine.dispose()
            if attempt:
                # connections checked in after a dispose stay open until then; a collection
                # of the whole heap costs as much as a tenth of a second, so only when the
                # first attempt found the file still open
                gc.collect()
            old = sqlite3.connect(self.path, isolation_level=None, timeout=0)
            try:
                try:
                    alone = old.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
                except sqlite3.OperationalError:  # locked: someone is reading it
                    alone = None
                if alone == "delete":
                    old.execute("PRAGMA locking_mode = EXCLUSIVE")
                    old.execute("BEGIN EXCLUSIVE")
                    if not ready(old):
                        return False
                    _replace(built, self.path)
                    return True
            finally:
                old.close()
            time.sleep(0.01 * (attempt + 1))
        return False

    def _ensure_client_id(self) -> str:
        with self.write_engine.begin() as conn:
            existing = self._get_state(conn, "client_id")
            if existing:
                return existing
            client_id = str(uuid.uuid4())
            self._set_state(conn, "client_id", client_id)
            self._set_state(conn, "next_client_seq", "1")
            return client_id

    @staticmethod
    def _get_state(conn: Connection, key: str) -> str | None:
        t = SyncStateRow.__table__  # type: ignore[attr-defined]
        return conn.execute(select(t.c.value).where(t.c.key == key)).scalar_one_or_none()

    @staticmethod
    def _set_state(conn: Connection, key: str, value: str) -> None:
        t = SyncStateRow.__table__  # type: ignore[attr-defined]
        if conn.execute(update(t).where(t.c.key == key).values(value=value)).rowcount == 0:
            conn.execute(insert(t).values(key=key, value=value))

    def get_state(self, key: str) -> str | None:
        with self.read_engine.connect() as conn:
            return self._get_state(conn, key)

    def set_state(self, key: str, value: str) -> None:
        with self.write_engine.begin() as conn:
            self._set_state(conn, key, value)

    def _first_project_id(self) -> str | None:
        t = table_of(EntityKind.PROJECT)
        with self.read_engine.connect() as conn:
            return conn.execute(select(t.c.id).order_by(t.c.name).limit(1)).scalar_one_or_none()


def _replace(built: Path, path: Path) -> None:
    """Rename ``built`` onto ``path`` and make the rename durable. Anyone who opened the
    old file in the meantime (it was locked) finds it is not a database any more, instead
    of writing to a file no one will read again."""
    stale = os.open(path, os.O_RDWR)
    try:
        os.replace(built, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
        os.pwrite(stale, bytes(100), 0)
    finally:
        os.close(stale)
