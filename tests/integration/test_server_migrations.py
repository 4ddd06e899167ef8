"""Alembic migrations create the whole schema on SQLite and PostgreSQL, and match the tables."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from golive_tui.server.cli import main as server_cli
from golive_tui.server.db import Database
from golive_tui.server.migrate import current_revision, head_revision, upgrade
from golive_tui.server.tables import metadata


def _assert_schema_matches_the_tables(db: Database) -> None:
    with db.write_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert set(metadata.tables) <= set(inspect(conn).get_table_names())


def test_golive_server_migrate_creates_the_sqlite_schema_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'server.db'}"
    assert server_cli(["server", "migrate", "--db", url]) == 0
    assert f"to revision {head_revision()}" in capsys.readouterr().out
    assert server_cli(["server", "migrate", "--db", url]) == 0
    assert "up to date" in capsys.readouterr().out
    db = Database(url)
    try:
        assert current_revision(db) == head_revision()
        _assert_schema_matches_the_tables(db)
        with db.write_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        db.dispose()


@pytest.mark.postgres
def test_migrations_create_the_postgresql_schema_from_empty(pg_url: str) -> None:
    name = f"golive_migrate_{uuid.uuid4().hex[:10]}"
    conninfo = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(make_url(pg_url).set(database=name).render_as_string(hide_password=False))
    try:
        assert upgrade(db) == (None, head_revision())
        assert upgrade(db) == (head_revision(), head_revision())
        _assert_schema_matches_the_tables(db)
    finally:
        db.dispose()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_database_urls_are_normalised_or_refused_clearly() -> None:
    from golive_tui.server.db import DatabaseUrlError, normalise_url

    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    for bad in ("mysql://u@h/db", "sqlite://", "not a url"):
        with pytest.raises(DatabaseUrlError):
            normalise_url(bad)
