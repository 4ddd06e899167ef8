"""The first load of an empty cache: the snapshot written into a new file, which then takes
the cache's place.

A cache with nothing in it yet (no record, nothing queued, no shadow, no problem) has
nothing to keep but its bookkeeping (this client's id, its next op number). Its first load
is written into a new file beside it, with no journal and no waiting for the disk: nothing
reads that file, and a crash while it is written leaves the cache as it was (empty, not
marked as loaded), so the next start loads it again. When the file is whole it is synced to
disk and renamed onto the cache (:meth:`CacheFile.swap_in`). In the cache's own file the same
rows went through its log first and then into the file, with a checkpoint on the way.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from golive_tui.domain.clock import utcnow
from golive_tui.domain.enums import EntityKind
from golive_tui.store.bulk import bulk_insert, bulk_insert_rows, table_of
from golive_tui.store.db import CACHE_KIB
from golive_tui.store.rebase import REINDEX_ABOVE, Piece, Rebase, RowsPiece
from golive_tui.store.tables import OutboxRow, ProblemRow, ShadowRow, SyncStateRow

#: what must be empty for a cache to be loaded into a new file: nothing else to keep
_KEPT_TABLES = (
    *(table_of(kind).name for kind in EntityKind),
    OutboxRow.__tablename__, ShadowRow.__tablename__, ProblemRow.__tablename__,
)
_STATE = SyncStateRow.__tablename__


class FirstLoad(Rebase):
    """Loading an empty cache from a snapshot in a new file."""

    def is_empty(self) -> bool:
        """Whether the cache holds nothing but its bookkeeping (the case for a new file)."""
        with self.read_engine.connect() as conn:
            return _empty(conn.connection.driver_connection)  # type: ignore[arg-type]

    def load_into_new_file(
        self,
        project_id: str,
        pieces: Iterable[Piece | RowsPiece],
        server_seq: int,
        counts: Mapping[str, int],
    ) -> int | None:
        """The snapshot's pieces written into a new file that takes this empty cache's place;
        how many records, or None when the cache could not be replaced (it is no longer
        empty, or another connection has it open): then nothing changed, and the snapshot
        is to be loaded the usual way (:meth:`replace_with_snapshot`).

        An error raised by the pieces leaves the cache as it was, as does a crash.
        """
        built = self.path.with_name(self.path.name + ".loading")
        built.unlink(missing_ok=True)
        try:
            with self.read_engine.connect() as conn:
                raw: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
                if not _empty(raw):
                    return None
                # the cache as it is (its schema, version and bookkeeping), into the new file
                raw.execute("VACUUM INTO ?", (str(built),))
            count = _write(built, project_id, pieces, server_seq, counts, self._set_state)
            _sync(built)

            def ready(cache: sqlite3.Connection) -> bool:
                # the cache's exclusive lock is held: nothing can change it from here on
                if not _empty(cache) or _version(cache) != _version_of(built):
                    return False
                _take_state(built, cache, project_id)
                return True

            if not self.swap_in(built, ready):
                return None
        finally:
            built.unlink(missing_ok=True)
        self.project_id = self.project_id or project_id
        return count


def _empty(conn: sqlite3.Connection) -> bool:
    return not any(conn.execute(f"SELECT 1 FROM {name} LIMIT 1").fetchone()
                   for name in _KEPT_TABLES)


def _version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _version_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return _version(conn)
    finally:
        conn.close()


def _engine(path: Path) -> Engine:
    """One connection to the new file: no journal, no sync, nobody else."""
    engine = create_engine(f"sqlite:///{path}", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "locking_mode = EXCLUSIVE",
                       "temp_store = MEMORY", f"cache_size = -{CACHE_KIB}"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _write(
    path: Path,
    project_id: str,
    pieces: Iterable[Piece | RowsPiece],
    server_seq: int,
    counts: Mapping[str, int],
    set_state: Any,
) -> int:
    count = 0
    engine = _engine(path)
    try:
        with engine.begin() as conn:
            # building an index once is cheaper than keeping it up to date per row
            rebuild = [
                index for kind in EntityKind if counts.get(kind.value, 0) >= REINDEX_ABOVE
                for index in sorted(table_of(kind).indexes, key=lambda i: str(i.name))
            ]
            for index in rebuild:
                index.drop(conn)
            for piece in pieces:
                table = table_of(EntityKind(piece[0]))
                if len(piece) == 2:
                    bulk_insert(conn, table, piece[1])
                else:
                    bulk_insert_rows(conn, table, piece[1], piece[2])
                count += len(piece[-1])
            for index in rebuild:
                index.create(conn)
            set_state(conn, f"cursor:{project_id}", str(server_seq))
            set_state(conn, f"bootstrapped:{project_id}", utcnow().isoformat())
    finally:
        engine.dispose()
    return count


def _take_state(path: Path, cache: sqlite3.Connection, project_id: str) -> None:
    """The cache's bookkeeping as it is now into the new file (but the load's own marks)."""
    mine = (f"cursor:{project_id}", f"bootstrapped:{project_id}")
    rows = [row for row in cache.execute(f"SELECT key, value FROM {_STATE}")
            if row[0] not in mine]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("BEGIN")
        conn.execute(f"DELETE FROM {_STATE} WHERE key NOT IN (?, ?)", mine)
        conn.executemany(f"INSERT INTO {_STATE} (key, value) VALUES (?, ?)", rows)
        conn.execute("COMMIT")
    finally:
        conn.close()
    _sync(path)


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["FirstLoad"]
