"""Cache migrations: the steps build what the tables describe, and a cache written by an
earlier release opens with its records, its problems and its unsent outbox intact."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.store.db import make_engine
from golive_tui.store.local import LocalStore
from golive_tui.store.migrations import LATEST, STEPS, migrate, schema_version
from golive_tui.store.tables import ROWS, CacheModel

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: written by golive 0.1.0; tests/fixtures/README.md says what it holds
CACHE_0_1_0 = FIXTURES / "cache-0.1.0.sqlite"
ENGINEER = "mateo.garcia"

Schema = dict[str, Any]


def shape(path: Path) -> Schema:
    """Each table's columns and indexes, as SQLite reports them (not as they were spelled)."""
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        result: Schema = {}
        for table in tables:
            columns = {
                name: (kind, bool(notnull), default, pk)
                for _cid, name, kind, notnull, default, pk
                in conn.execute(f'PRAGMA table_info("{table}")')
            }
            indexes = {
                (name, bool(unique),
                 tuple(col for _seq, _cid, col in conn.execute(f'PRAGMA index_info("{name}")')))
                for _seq, name, unique, _origin, _partial
                in conn.execute(f'PRAGMA index_list("{table}")')
            }
            result[table] = {"columns": columns, "indexes": indexes}
        return result
    finally:
        conn.close()


#: columns that later steps added to the tables of golive 0.1.0
ADDED_AFTER_0_1_0 = {
    "problem": {"made_at"},
    "issue": {"priority_reason"},
    "milestone": {"owner", "forecast_at"},
    "project": {
        "network_thresholds", "country", "holidays", "closed_at", "closed_by", "close_reason",
        "reopened_at", "reopened_by", "reopen_reason",
    },
    "checklist_item": {"cutover_id", "evidence"},
    "decision": {"cutover_id"},
    "verification": {"emergency_location_id", "jitter_ms"},
    "port_order": {
        "cutover_id", "account_number", "pin", "service_address", "authorised_name", "spid",
        "csr_received_at", "loa_signed_by", "resp_org", "activated_at", "foc_history",
        "change_reason",
    },
}
#: tables that later steps created
TABLES_AFTER_0_1_0 = frozenset({
    "phase_event", "stakeholder", "kickoff", "action_item", "raid_item", "change_request",
    "cutover", "emergency_location", "signoff",
    "runbook_step", "runbook_run", "runbook_step_run",
    "feedback", "handoff", "adoption_gap", "final_call",
})


def _table_of(model: type[SQLModel]) -> str:
    name = model.__tablename__
    assert isinstance(name, str), f"{model.__name__} names its table by a function"
    return name


def rows_of(path: Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` in the columns golive 0.1.0 had, in a stable order."""
    conn = sqlite3.connect(path)
    try:
        names = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        names = [n for n in names if n not in ADDED_AFTER_0_1_0.get(table, ())]
        columns = ", ".join(f'"{n}"' for n in names)
        return sorted(conn.execute(f'SELECT {columns} FROM "{table}"').fetchall(), key=repr)
    finally:
        conn.close()


@pytest.fixture
def old_cache(tmp_path: Path) -> Path:
    """A copy of the 0.1.0 cache: the file under tests/ is never opened for writing."""
    path = tmp_path / "golive.cache"
    shutil.copyfile(CACHE_0_1_0, path)
    return path


@pytest.fixture
def opened(old_cache: Path) -> Iterator[LocalStore]:
    cache = LocalStore(old_cache, actor=ENGINEER)
    yield cache
    cache.close()


# ----------------------------------------------------------------------------- the steps


def test_a_new_cache_built_by_the_steps_has_the_shape_of_the_tables(tmp_path: Path) -> None:
    """A model changed without a step to match fails here, before it fails on a user's disk."""
    LocalStore(tmp_path / "stepped.cache").close()
    described = tmp_path / "described.sqlite"
    engine = create_engine(f"sqlite:///{described}")
    CacheModel.metadata.create_all(engine)
    engine.dispose()

    stepped, expected = shape(tmp_path / "stepped.cache"), shape(described)
    assert sorted(stepped) == sorted(expected)
    for table in expected:
        assert stepped[table] == expected[table], (
            f"the cache table {table} built by the migration steps differs from its model in "
            "store/tables.py: append a step to store/migrations.py"
        )


def test_the_0_1_0_cache_has_the_shape_the_first_two_steps_build(
    tmp_path: Path, old_cache: Path
) -> None:
    """The released steps are left as they were: they still build what 0.1.0 wrote."""
    path = tmp_path / "v2.cache"
    engine = make_engine(path, immediate=True)
    try:
        migrate(engine, target=2)
    finally:
        engine.dispose()
    assert shape(path) == shape(old_cache)


def test_a_step_that_fails_leaves_the_cache_at_its_version(old_cache: Path) -> None:
    before = {table: rows_of(old_cache, table) for table in ("outbox", "problem")}
    LocalStore(old_cache).close()
    broken = (*STEPS, ("ALTER TABLE outbox ADD COLUMN note VARCHAR",
                       "ALTER TABLE no_such_table ADD COLUMN x INTEGER"))
    engine = make_engine(old_cache, immediate=True)
    try:
        with pytest.raises(Exception, match="no_such_table"):
            migrate(engine, steps=broken)
        with engine.connect() as conn:
            assert schema_version(conn) == LATEST
    finally:
        engine.dispose()
    assert "note" not in shape(old_cache)["outbox"]["columns"]  # the step's first half too
    assert {table: rows_of(old_cache, table) for table in before} == before


def test_a_step_added_by_a_later_release_reaches_an_open_cache(old_cache: Path) -> None:
    LocalStore(old_cache).close()
    later = (*STEPS, ("ALTER TABLE outbox ADD COLUMN note VARCHAR NOT NULL DEFAULT ''",))
    engine = make_engine(old_cache, immediate=True)
    try:
        assert migrate(engine, steps=later) == LATEST
        with engine.connect() as conn:
            assert schema_version(conn) == LATEST + 1
            notes = conn.exec_driver_sql("SELECT note FROM outbox").scalars().all()
        assert notes == [""] * 6
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- golive 0.1.0


def test_the_0_1_0_cache_is_at_version_2_with_six_changes_unsent() -> None:
    """What the tests below start from (read straight from the file, without golive)."""
    conn = sqlite3.connect(f"file:{CACHE_0_1_0}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (6,)
        assert conn.execute("SELECT count(*) FROM problem").fetchone() == (1,)
    finally:
        conn.close()


def test_opening_the_0_1_0_cache_keeps_every_row(old_cache: Path) -> None:
    tables = [_table_of(model) for model in ROWS.values()]
    tables = [table for table in tables if table not in TABLES_AFTER_0_1_0]
    tables += ["outbox", "problem", "sync_state", "shadow"]
    before = {table: rows_of(old_cache, table) for table in tables}
    assert all(before[table] for table in tables if table != "decision")

    LocalStore(old_cache, actor=ENGINEER).close()

    after = {table: rows_of(old_cache, table) for table in tables}
    # port orders have their own states since version 5: a ported order is activated
    renamed = sorted(
        (tuple("activated" if v in ("ported", "verified") else v for v in row)
         for row in before["port_order"]), key=repr)
    assert after.pop("port_order") == renamed
    assert renamed != sorted(before.pop("port_order"), key=repr)
    assert after == before
    conn = sqlite3.connect(old_cache)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


def test_the_0_1_0_cache_loses_the_index_of_a_numbers_project_alone(old_cache: Path) -> None:
    """Version 13 drops ``ix_number_project_id`` (a prefix of ``ix_number_project_e164``):
    the tracker's queries of a project's numbers still search an index of the project."""
    assert "ix_number_project_id" in {i[0] for i in shape(old_cache)["number"]["indexes"]}
    LocalStore(old_cache, actor=ENGINEER).close()
    assert "ix_number_project_id" not in {i[0] for i in shape(old_cache)["number"]["indexes"]}
    conn = sqlite3.connect(old_cache)
    try:
        for sql in ("SELECT count(*) FROM number WHERE project_id = ?",
                    "SELECT * FROM number WHERE project_id = ? ORDER BY e164 LIMIT 50"):
            plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", ("p",)))
            assert "INDEX ix_number_project_e164 (project_id=?)" in plan, plan
    finally:
        conn.close()


def test_the_0_1_0_outbox_is_read_as_ops_in_their_order(opened: LocalStore) -> None:
    ops = opened.outbox_batch()
    assert [op.client_seq for op in ops] == [2, 3, 4, 5, 6, 7]
    assert [(op.entity, op.action.value) for op in ops] == [
        (EntityKind.SITE, "update"),
        (EntityKind.NUMBER, "transition"),
        (EntityKind.CHECKLIST_ITEM, "transition"),
        (EntityKind.ISSUE, "create"),
        (EntityKind.ISSUE_NOTE, "append"),
        (EntityKind.VERIFICATION, "append"),
    ]
    assert {op.client_id for op in ops} == {opened.client_id}
    assert ops[3].fields["title"] == "Fixture: fax line drops after 30 s"
    assert ops[4].fields["issue_id"] == ops[3].entity_id
    assert opened.outbox_count() == 6
    assert opened.cursor == 4242
    # the records those ops changed still show the change, marked pending
    (issue,) = [i for i in opened.issues() if i.id == ops[3].entity_id]
    assert issue.title == "Fixture: fax line drops after 30 s" and issue.pending
    assert opened.get_state("next_client_seq") == "8"


def test_a_problem_kept_by_0_1_0_has_no_time_made_and_a_new_one_has(
    opened: LocalStore,
) -> None:
    (kept,) = opened.problems()
    assert kept.entity == "site" and kept.outcome == "rejected"
    assert kept.made_at is None

    op = opened.outbox_batch()[1]  # the number's transition
    opened.apply_push_results([OpResult(
        op_id=op.op_id, client_seq=op.client_seq, status=OpStatus.REJECTED,
        code="illegal_transition", reason="not on this order",
    )])

    new = next(p for p in opened.problems() if p.op_id == op.op_id)
    assert new.made_at == op.client_time
    assert new.at > new.made_at
    assert opened.outbox_count() == 5
