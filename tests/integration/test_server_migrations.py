"""Alembic migrations create the whole schema on SQLite and PostgreSQL, and match the tables."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

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


@pytest.fixture
def empty_pg(pg_url: str) -> Iterator[Database]:
    """An empty PostgreSQL database of its own, dropped afterwards."""
    name = f"golive_migrate_{uuid.uuid4().hex[:10]}"
    conninfo = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(make_url(pg_url).set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_migrations_create_the_postgresql_schema_from_empty(empty_pg: Database) -> None:
    assert upgrade(empty_pg) == (None, head_revision())
    assert upgrade(empty_pg) == (head_revision(), head_revision())
    _assert_schema_matches_the_tables(empty_pg)


def test_database_urls_are_normalised_or_refused_clearly() -> None:
    from golive_tui.server.db import DatabaseUrlError, normalise_url

    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    for bad in ("mysql://u@h/db", "sqlite://", "not a url"):
        with pytest.raises(DatabaseUrlError):
            normalise_url(bad)


def _log_an_op(conn: Connection, op_id: str, project_id: str, client_seq: int) -> None:
    conn.execute(
        text("INSERT INTO op_log (op_id, project_id, client_id, client_seq, payload_hash, "
             "result, at) VALUES (:op_id, :project_id, 'laptop', :seq, 'h', '{}', :at)"),
        {"op_id": op_id, "project_id": project_id, "seq": client_seq,
         "at": "2026-12-01 10:00:00+00:00"},
    )


def _upgrade_keeps_answered_ops(db: Database) -> None:
    """A database at 0001 with answered ops keeps them through the per-project keys of 0002."""
    assert upgrade(db, "0001") == (None, "0001")
    with db.write_engine.begin() as conn:
        _log_an_op(conn, "op-1", "project-a", 1)
        _log_an_op(conn, "op-2", "project-b", 2)
    assert upgrade(db) == ("0001", head_revision())
    _assert_schema_matches_the_tables(db)
    with db.write_engine.begin() as conn:
        kept = conn.execute(text("SELECT op_id, project_id FROM op_log ORDER BY op_id")).all()
        assert [tuple(row) for row in kept] == [("op-1", "project-a"), ("op-2", "project-b")]
        _log_an_op(conn, "op-1", "project-b", 1)  # the same keys in another project: allowed
    with pytest.raises(IntegrityError), db.write_engine.begin() as conn:
        _log_an_op(conn, "op-3", "project-b", 1)  # the same client seq in one project: not


def test_upgrading_a_sqlite_database_keeps_its_answered_ops(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'server.db'}")
    try:
        _upgrade_keeps_answered_ops(db)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_upgrading_a_postgresql_database_keeps_its_answered_ops(empty_pg: Database) -> None:
    _upgrade_keeps_answered_ops(empty_pg)


def _upgrade_renames_order_states(db: Database) -> None:
    """A database at 0005 holding ported orders (and their changes) reads them as activated,
    with every field the carrier asks for added empty; other states stay as they were."""
    assert upgrade(db, "0005") == (None, "0005")
    stamp = "2026-12-01 10:00:00+00:00"
    with db.write_engine.begin() as conn:
        for pon, status in (("PO-1", "ported"), ("PO-2", "verified"), ("PO-3", "submitted")):
            conn.execute(
                text("INSERT INTO port_order (field_versions, id, project_id, version, "
                     "updated_by, pon, carrier, btn, loa_id, toll_free, status, zoom_order_id, "
                     "notes) VALUES ('{}', :id, 'p', 1, 'x', :pon, 'Lumen', '', '', false, "
                     ":status, '', '')"),
                {"id": pon, "pon": pon, "status": status},
            )
        conn.execute(
            text("INSERT INTO change (project_id, seq, entity, entity_id, version, deleted, "
                 "data, \"by\", at) VALUES ('p', 1, 'port_order', 'PO-1', 1, false, "
                 "'{\"id\": \"PO-1\", \"status\": \"ported\"}', 'x', :at)"),
            {"at": stamp},
        )
    assert upgrade(db) == ("0005", head_revision())
    _assert_schema_matches_the_tables(db)
    with db.write_engine.begin() as conn:
        rows = conn.execute(text(
            "SELECT pon, status, pin, foc_history, cutover_id FROM port_order ORDER BY pon"
        )).all()
        data = conn.execute(text("SELECT data FROM change WHERE seq = 1")).scalar_one()
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        ("PO-1", "activated", "", None), ("PO-2", "activated", "", None),
        ("PO-3", "submitted", "", None),
    ]
    assert all(r[3] in ([], "[]") for r in rows)
    assert (data if isinstance(data, dict) else json.loads(data))["status"] == "activated"


def test_upgrading_a_sqlite_database_renames_order_states(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'server.db'}")
    try:
        _upgrade_renames_order_states(db)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_upgrading_a_postgresql_database_renames_order_states(empty_pg: Database) -> None:
    _upgrade_renames_order_states(empty_pg)
