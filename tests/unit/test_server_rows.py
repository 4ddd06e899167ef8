"""The server's driver-level codec writes what SQLAlchemy's column types write."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.dialects import registry, sqlite

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.ops import entity_base, validate_record
from golive_tui.domain.types import StrEnumType, UTCDateTime
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.server import rows
from golive_tui.server.op_log import answer_json
from golive_tui.server.tables import change, metadata, op_log, table_of
from golive_tui.server.writes import empty_as_null

ZONES = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]
times = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.sampled_from(ZONES)
)


@given(times)
def test_a_time_is_stored_on_sqlite_as_the_column_type_stores_it(value: datetime) -> None:
    column_type = UTCDateTime()
    # SQLAlchemy leaves the sqlite DATETIME constructor unannotated
    processor = sqlite.DATETIME().bind_processor(sqlite.dialect())  # type: ignore[no-untyped-call]
    assert processor is not None
    expected = processor(column_type.process_bind_param(value, sqlite.dialect()))
    assert rows.sqlite_time(value) == expected
    assert rows.sqlite_time(value) == expected  # the remembered last one as well


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        rows.sqlite_time(datetime(2026, 12, 7, 4, 30))


def test_an_enum_column_takes_a_member_or_its_value_and_refuses_anything_else() -> None:
    encode = rows._encoder(StrEnumType(EntityKind), sqlite=True)
    assert encode is not None
    assert encode(EntityKind.SITE) == "site" and type(encode(EntityKind.SITE)) is str
    assert encode("site") == "site" and encode(None) is None
    with pytest.raises(ValueError):
        encode("nothing")


def test_json_text_already_written_is_stored_as_it_is() -> None:
    codec = rows.TableCodec(op_log, sqlite.dialect())
    at = codec.names.index("result")
    stored = codec.encode_row(
        {"result": rows.JsonText('{"b":1,"a":2}'), "at": datetime(2026, 1, 1, tzinfo=UTC)}
    )[at]
    assert stored == '{"b":1,"a":2}'
    assert codec.encode_row({"result": {"a": "x"}})[at] == '{"a":"x"}'


@pytest.mark.parametrize(
    "result",
    [
        OpResult(op_id="3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c", client_seq=2**63 - 1,
                 status=OpStatus.APPLIED, seq=1, version=7),
        OpResult(op_id='quote " backslash \\ newline \n tab \t', client_seq=1,
                 status=OpStatus.APPLIED, seq=2**40, version=1),
        OpResult(op_id="é-not-ascii", client_seq=1, status=OpStatus.APPLIED, seq=3, version=1),
        OpResult(op_id="x", client_seq=1, status=OpStatus.APPLIED, seq=3, version=2,
                 current={"a": 1}, conflicts={"a": 2}),
        OpResult(op_id="x", client_seq=1, status=OpStatus.REJECTED, code="validation",
                 reason="no"),
        OpResult(op_id="x", client_seq=1, status=OpStatus.DUPLICATE, seq=4, version=1,
                 first_status=OpStatus.APPLIED),
    ],
)
def test_the_answer_kept_in_op_log_is_the_models_own_text(result: OpResult) -> None:
    assert answer_json(result) == result.model_dump_json(exclude_none=True)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), registry.load("postgresql.psycopg")()])
def test_rows_that_share_values_are_encoded_as_each_row_alone(dialect: object) -> None:
    codec = rows.TableCodec(change, dialect)
    at = datetime(2026, 11, 26, 16, 30, 0, 250_000, tzinfo=timezone(timedelta(hours=-5)))
    shared = {"project_id": "p-1", "version": 1, "deleted": False, "by": "ana", "at": at}
    row = codec.encoder_of("seq", "entity", "entity_id", "data", "op_id", **shared)
    for seq, data in ((7, {"note": "first", "tested_at": "2026-11-26T21:30:00Z"}),
                      (8, rows.JsonText('{"note":"second"}'))):
        alone = {**shared, "seq": seq, "entity": EntityKind.VERIFICATION, "entity_id": f"v-{seq}",
                 "data": data, "op_id": f"op-{seq}"}
        assert row(seq, EntityKind.VERIFICATION, f"v-{seq}", data, f"op-{seq}") == (
            codec.encode_row(alone))
    with pytest.raises(ValueError, match="no_such_column"):
        codec.encoder_of("seq", no_such_column=1)


def test_encoders_of_one_shape_keep_each_their_own_shared_values() -> None:
    codec = rows.TableCodec(change, sqlite.dialect())
    first = codec.encoder_of("seq", "entity_id", project_id="p-1", by="ana")
    second = codec.encoder_of("seq", "entity_id", project_id="p-2", by="ben")
    for row, project, by in ((first, "p-1", "ana"), (second, "p-2", "ben")):
        assert row(3, "v-3") == codec.encode_row(
            {"project_id": project, "by": by, "seq": 3, "entity_id": "v-3"})
    assert first(4, "v-4") != second(4, "v-4")


@pytest.mark.parametrize("dialect", [sqlite.dialect(), registry.load("postgresql.psycopg")()])
def test_a_new_records_row_from_its_fields_is_encoded_as_alone(dialect: object) -> None:
    kind = EntityKind.VERIFICATION
    codec = rows.TableCodec(table_of(kind), dialect)
    row = codec.encoder_of_held(entity_base(kind).model_fields)
    at = datetime(2026, 11, 26, 16, 30, 0, 250_000, tzinfo=timezone(timedelta(hours=-5)))
    record = validate_record(kind, {
        "id": "v-1", "project_id": "p-1", "version": 1, "updated_at": at, "updated_by": "ana",
        "test_case": "IN-01", "target": "+17205550100", "result": "pass", "tested_at": at,
        "mos": 4.3, "note": "call 1"})
    assert row(record) == codec.encode_row(record)
    assert codec.encoder_of_held(entity_base(kind).model_fields) is row  # compiled once
    with pytest.raises(KeyError):
        row({name: value for name, value in record.items() if name != "note"})


def _test_result_rows() -> tuple[rows.TableCodec, list[tuple[Any, ...]]]:
    codec = rows.TableCodec(table_of(EntityKind.VERIFICATION), sqlite.dialect())
    at = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
    base = {"project_id": "p1", "version": 1, "updated_at": at, "updated_by": "ana",
            "test_case": "IN-01", "result": "pass", "tester": "ana", "tested_at": at,
            "note": ""}
    made = [codec.encode_row({**base, "id": f"v{i}", "target": f"+1720555000{i}"})
            for i in range(4)]
    # one row measured its call quality: `mos` is empty in the others only
    made[2] = codec.encode_row({**base, "id": "v2", "target": "+17205550002", "mos": 4.1})
    return codec, made


def test_columns_empty_in_every_row_are_null_in_the_statement_and_left_out_of_the_rows() -> None:
    codec, made = _test_result_rows()
    sql, params = empty_as_null(codec.insert_sql, made)
    names = codec.names
    marks = sql.rpartition(" VALUES (")[2].removesuffix(")").split(", ")
    assert sql.startswith(codec.insert_sql.rpartition(" VALUES (")[0])
    nulls = {names[i] for i, mark in enumerate(marks) if mark == "NULL"}
    assert nulls == {"site_id", "number_id", "loss_pct", "emergency_location_id", "jitter_ms"}
    assert marks.count("?") == len(names) - len(nulls)
    kept = [i for i, mark in enumerate(marks) if mark == "?"]
    assert params == [tuple(row[i] for i in kept) for row in made]
    # what is not an insert of plain marks, or has no column empty throughout, is as it was
    update = codec.update_by_id_sql(["note"])
    assert empty_as_null(update, [("a", "v0"), (None, "v1")]) == (update, [("a", "v0"), (None, "v1")])
    full = [tuple(0 if v is None else v for v in row) for row in made]
    assert empty_as_null(codec.insert_sql, full) == (codec.insert_sql, full)


def test_rows_inserted_with_nulls_in_the_statement_are_stored_as_bound_ones_are(
    tmp_path: Path,
) -> None:
    codec, made = _test_result_rows()
    stored = []
    for name, (sql, params) in (("bound", (codec.insert_sql, made)),
                                ("in the statement", empty_as_null(codec.insert_sql, made))):
        conn = sqlite3.connect(tmp_path / f"{name}.db")
        metadata.create_all(create_engine(f"sqlite:///{tmp_path / f'{name}.db'}"),
                            tables=[codec.table])
        conn.executemany(sql, params)
        columns = ", ".join(f"{n}, typeof({n})" for n in codec.names)
        stored.append(conn.execute(f"SELECT {columns} FROM verification ORDER BY id").fetchall())
        conn.close()
    assert stored[0] == stored[1] and len(stored[0]) == len(made)
