"""Schema versions of the cache, kept in ``PRAGMA user_version``; each step keeps the data."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

from golive_tui.store.tables import (
    ROWS,
    CacheModel,
    OutboxRow,
    ProblemRow,
    ShadowRow,
    SyncStateRow,
)


def _v1_entities(conn: Connection) -> None:
    tables = [model.__table__ for model in ROWS.values()]  # type: ignore[attr-defined]
    CacheModel.metadata.create_all(conn, tables=tables)


def _v2_sync(conn: Connection) -> None:
    models: tuple[type[CacheModel], ...] = (OutboxRow, ProblemRow, SyncStateRow, ShadowRow)
    tables = [model.__table__ for model in models]  # type: ignore[attr-defined]
    CacheModel.metadata.create_all(conn, tables=tables)


#: step N brings a cache from version N-1 to N; append, never edit a released step
STEPS: tuple[Callable[[Connection], None], ...] = (_v1_entities, _v2_sync)
LATEST = len(STEPS)


class CacheTooNewError(RuntimeError):
    """The cache was written by a newer golive."""


def schema_version(conn: Connection) -> int:
    return int(conn.execute(text("PRAGMA user_version")).scalar_one())


def migrate(engine: Engine, *, target: int = LATEST) -> int:
    """Bring the cache up to ``target``; returns the version it started at."""
    with engine.begin() as conn:
        start = schema_version(conn)
        if start > LATEST:
            raise CacheTooNewError(
                f"This cache has schema version {start}, newer than this golive knows "
                f"({LATEST}). Upgrade golive, or use another cache file."
            )
        for version in range(start + 1, target + 1):
            STEPS[version - 1](conn)
            conn.execute(text(f"PRAGMA user_version = {version}"))
    return start
