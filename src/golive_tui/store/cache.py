"""A golive cache file, opened: its engines, this client's id and the sync bookkeeping."""

from __future__ import annotations

import threading
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
        #: local changes: their commits wait for the disk, not for the log to be copied
        #: back into the file, which the checkpointer does after each (see its module)
        self.write_engine = make_engine(self.path, immediate=True, checkpoints=in_memory)
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
        self.settle_engine = make_engine(self.path, immediate=True, synchronous="NORMAL")
        self.read_engine = make_engine(self.path, immediate=False)
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
