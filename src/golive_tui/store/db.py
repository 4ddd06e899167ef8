"""SQLite engines for the cache: WAL, synchronous=FULL, a busy timeout and immediate writes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine

from golive_tui.sqlite_setup import sqlite_engine

BUSY_TIMEOUT_MS = 10_000
#: the page cache of each connection to the cache, in KiB
CACHE_KIB = 32_000


class CorruptCacheError(RuntimeError):
    """The cache file is not a readable golive cache."""


def make_engine(
    path: Path | str, *, immediate: bool, synchronous: str = "FULL", checkpoints: bool = True,
    gate: threading.Lock | None = None,
) -> Engine:
    """An engine on ``path``; ``immediate`` engines take the write lock when they begin.

    The cache is written with synchronous=FULL: an op in the outbox survives a power cut.
    ``synchronous="NORMAL"`` is for writes the server can send again (see ``CacheFile``).
    Without ``checkpoints`` a commit never copies the log back into the file itself
    (SQLite's automatic checkpoint): a :class:`~golive_tui.store.checkpoint.Checkpointer`
    does it after the commit, off its path.
    """
    url = "sqlite://" if str(path) == ":memory:" else f"sqlite:///{Path(path)}"
    return sqlite_engine(url, immediate=immediate, synchronous=synchronous,
                         busy_timeout_ms=BUSY_TIMEOUT_MS, cache_kib=CACHE_KIB, max_overflow=4,
                         autocheckpoint=1000 if checkpoints else 0, gate=gate)


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
