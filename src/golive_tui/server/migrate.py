"""Bring the server database to the newest schema (Alembic), safely from several replicas."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from golive_tui.server.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: an arbitrary constant: replicas starting together take turns to migrate
_PG_MIGRATION_LOCK = 0x601_11FE


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.write_engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str | None]:
    """Run every pending migration in one transaction; returns (before, after) revisions."""
    cfg = alembic_config()
    with db.write_engine.connect() as conn, conn.begin():
        if db.is_postgresql:
            # released at commit; a second replica waits, then finds nothing to do
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        before = MigrationContext.configure(conn).get_current_revision()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        after = MigrationContext.configure(conn).get_current_revision()
    return before, after
