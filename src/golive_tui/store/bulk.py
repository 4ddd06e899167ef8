"""How the cache writes many rows at once: the table of each kind of record, and one
executemany of plain tuples for a batch."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.types import StrEnumType, UTCDateTime
from golive_tui.store.tables import ROWS

CHUNK = 500


def table_of(kind: EntityKind) -> Table:
    return ROWS[kind].__table__  # type: ignore[attr-defined, no-any-return]


def _converter(column: Any, conn: Connection) -> Callable[[Any], Any] | None:
    """How one column's value becomes what SQLAlchemy would bind (None: as it is).

    Conversions are memoised per value: a snapshot repeats the same states, times and
    enum values thousands of times.
    """
    proc = column.type._cached_bind_processor(conn.dialect)
    if proc is None:
        return None
    if isinstance(column.type, UTCDateTime) and conn.dialect.name == "sqlite":
        proc = _utc_text(proc)
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            converted = memo[value] = proc(value)
            return converted
        except TypeError:  # unhashable (JSON lists and dicts)
            return proc(value)

    convert.memo = memo  # type: ignore[attr-defined]
    return convert


_ZERO = timedelta(0)


def _utc_text(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``proc`` (a UTC time's bind processor on SQLite) with a short way for a UTC datetime:
    the very text SQLAlchemy stores, without the type's two conversions on the way."""

    def convert(value: Any) -> Any:
        if isinstance(value, datetime) and value.utcoffset() == _ZERO:
            return (f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:"
                    f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}")
        return proc(value)

    return convert


def as_bound(conn: Connection, column: Any, value: Any) -> Any:
    """``value`` as SQLAlchemy would bind it to ``column`` (for a plain statement)."""
    return _as_bound(_converter(column, conn), value)


def _as_bound(convert: Callable[[Any], Any] | None, value: Any) -> Any:
    return value if convert is None else convert(value)


def _default(column: Any) -> Any:
    return column.default.arg if column.default is not None and column.default.is_scalar else None


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows with one executemany of plain tuples.

    The column types' own bind processors convert the values, so the stored form is the
    one SQLAlchemy reads back; skipping the per-row statement machinery makes loading a
    100,000-number snapshot several times faster. The columns the first row has are read
    from every row at once (``itemgetter``), the others get their defaults; should a later
    row lack one of them, every row is read column by column instead.
    """
    if not rows:
        return
    first = rows[0]
    present = [c for c in table.columns if c.name in first]
    absent = [c for c in table.columns if c.name not in first]
    converters = {c.name: _converter(c, conn) for c in table.columns}
    tail = tuple(_as_bound(converters[c.name], _default(c)) for c in absent)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(c.name for c in present + absent)}) "
        f"VALUES ({', '.join('?' for _ in present + absent)})"
    )
    try:
        data = _read_rows(rows, [c.name for c in present],
                          [converters[c.name] for c in present], tail)
    except KeyError:
        data = [
            tuple(_as_bound(converters[c.name], row.get(c.name, _default(c)))
                  for c in present + absent)
            for row in rows
        ]
    conn.exec_driver_sql(sql, data)


def bulk_insert_rows(
    conn: Connection, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]],
) -> None:
    """Insert many rows given as the values of ``names``, in that order (a snapshot sent as
    arrays, validated: each value typed as its record's field), with one executemany;
    converted and defaulted as :func:`bulk_insert` does, but for the values already in
    their stored form. A name that is no column of the table is left out.

    A NULL is written into the statement rather than bound where it can be: the driver
    adapts every None it binds, with two failed attribute lookups each (a fifth of the
    instructions of inserting a snapshot's numbers, whose last columns are mostly empty).
    The columns that can be empty and are in the first row (up to two) split the rows
    into groups by which of them each row has empty, each group's rows in the order they
    came, and each group's empty ones are NULL in its statement."""
    if not rows:
        return
    columns = {c.name: c for c in table.columns}
    kept = [i for i, name in enumerate(names) if name in columns]
    present = [columns[names[i]] for i in kept]
    absent = [c for c in table.columns if c.name not in names]
    tail = [_as_bound(_converter(c, conn), _default(c)) for c in absent]
    literals = [_literal(value) for value in tail]
    ending = tuple(value for value, literal in zip(tail, literals, strict=True)
                   if literal is None)
    ending_marks = ["?" if literal is None else literal for literal in literals]
    converts = {kept[j]: f for j, f in enumerate(
        None if _stores_as_validated(c, conn) else _converter(c, conn) for c in present
    ) if f is not None}
    first = rows[0]
    split = [kept[j] for j, c in enumerate(present)
             if c.nullable and first[kept[j]] is None][:_SPLIT_ON]
    # a group for each set of the ``split`` places that are None (bit b: split[b]): the
    # places it binds, where among them each conversion is, its statement's marks, its rows
    plans: list[tuple[Callable[[Sequence[Any]], tuple[Any, ...]],
                      list[tuple[int, dict[Any, Any], Callable[[Any], Any]]],
                      list[str], list[tuple[Any, ...]]]] = []
    for code in range(1 << len(split)):
        nulls = {place for b, place in enumerate(split) if code >> b & 1}
        places = [i for i in kept if i not in nulls]
        plans.append((
            _picker(places),
            [(at, getattr(converts[i], "memo", {}), converts[i])
             for at, i in enumerate(places) if i in converts],
            ["NULL" if i in nulls else "?" for i in kept] + ending_marks,
            [],
        ))
    code_of = _code_of(split)
    for row in rows:
        pick, convert_at, _, group = plans[code_of(row)]
        values = pick(row)
        if convert_at:
            listed = list(values)
            for at, memo, convert in convert_at:
                value = listed[at]
                try:
                    listed[at] = memo[value]
                except (KeyError, TypeError):
                    listed[at] = convert(value)
            group.append((*listed, *ending))
        else:
            group.append((*values, *ending) if ending else values)
    sql = (f"INSERT INTO {table.name} ({', '.join(c.name for c in present + absent)}) "
           "VALUES ({marks})")
    for _, _, marks, group in plans:
        if group:
            conn.exec_driver_sql(sql.format(marks=", ".join(marks)), group)


#: at most so many columns empty in the first row split the rows into groups (two for
#: each); the Nones of any further one are bound
_SPLIT_ON = 2


def _code_of(split: Sequence[int]) -> Callable[[Sequence[Any]], int]:
    """Which of the ``split`` places of a row are None, as bits (bit b: ``split[b]``)."""
    if not split:
        return lambda row: 0
    if len(split) == 1:
        only = split[0]
        return lambda row: row[only] is None
    first, second = split
    return lambda row: (row[first] is None) + 2 * (row[second] is None)


def _picker(places: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """What reads the values at ``places`` (indexes of a sequence, or keys of a mapping)
    of a row, as a tuple, however many places there are."""
    if len(places) == 1:
        only = places[0]
        return lambda row: (row[only],)
    if not places:
        return lambda row: ()
    return operator.itemgetter(*places)


def _stores_as_validated(column: Any, conn: Connection) -> bool:
    """Whether the column stores each value a validated record can hold as it is: an
    enum's column, whose values arrive as the text of one of its members (a record's
    enum fields are typed by their values)."""
    if not isinstance(column.type, StrEnumType):
        return False
    proc = column.type._cached_bind_processor(conn.dialect)
    return proc is None or all(proc(member.value) == member.value
                               for member in column.type.enum_cls)


def _literal(value: Any) -> str | None:
    """``value`` written into SQL (None: it cannot be)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return None


def _read_rows(
    rows: Sequence[Mapping[str, Any]],
    names: list[str],
    converters: list[Callable[[Any], Any] | None],
    tail: tuple[Any, ...],
) -> list[tuple[Any, ...]]:
    """Each row's values of ``names``, converted, then ``tail``; KeyError when one lacks a name."""
    pick = _picker(names)
    convert_at = [(i, f) for i, f in enumerate(converters) if f is not None]
    out: list[tuple[Any, ...]] = []
    append = out.append
    for row in rows:
        values = pick(row)
        if convert_at:
            listed = list(values)
            for i, convert in convert_at:
                listed[i] = convert(listed[i])
            values = tuple(listed)
        append(values + tail)
    return out


def select_in(conn: Connection, sql: str, ids: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (its ``{marks}`` standing for the ids) for ids of any number.

    Plain SQL on the driver's own cursor, in the connection's transaction, CHUNK ids a
    statement: nothing to build or compile per call (a select with an IN of 500 values
    cost more than its rows) and no row object per row.
    """
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    found: list[tuple[Any, ...]] = []
    try:
        for start in range(0, len(ids), CHUNK):
            chunk = tuple(ids[start : start + CHUNK])
            found.extend(cursor.execute(sql.format(marks=",".join("?" * len(chunk))),
                                        chunk).fetchall())
    finally:
        cursor.close()
    return found


def execute_in(conn: Connection, sql: str, ids: Sequence[Any]) -> None:
    """Run ``sql`` (its ``{marks}`` standing for the ids) for ids of any number."""
    for start in range(0, len(ids), CHUNK):
        chunk = tuple(ids[start : start + CHUNK])
        conn.exec_driver_sql(sql.format(marks=",".join("?" * len(chunk))), chunk)


def _reader(column: Any, conn: Connection) -> Callable[[Any], Any] | None:
    """How one column's stored value becomes what SQLAlchemy would read (None: as it is).

    Conversions to values that cannot change (times, enums) are memoised per stored value;
    a JSON value is decoded each time, so that no two records share one dict.
    """
    proc = column.type._cached_result_processor(conn.dialect, None)
    if proc is None:
        return None
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            converted = proc(value)
            if not isinstance(converted, dict | list):
                memo[value] = converted
            return converted
        except TypeError:  # unhashable
            return proc(value)

    return convert


def select_rows(conn: Connection, table: Table, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The rows of ``table`` with these ids, each a dict as SQLAlchemy would read it.

    Plain SQL and a converter per column that has one: reading 10,000 numbers for a bulk
    move costs a fraction of building a row mapping per record.
    """
    columns = list(table.columns)
    names = [c.name for c in columns]
    readers = [(i, f) for i, f in enumerate(_reader(c, conn) for c in columns) if f is not None]
    found: dict[str, dict[str, Any]] = {}
    sql = f"SELECT {', '.join(names)} FROM {table.name} WHERE id IN ({{marks}})"
    for values in select_in(conn, sql, list(dict.fromkeys(ids))):
        listed = list(values)
        for i, read in readers:
            listed[i] = read(listed[i])
        row = dict(zip(names, listed, strict=True))
        found[row["id"]] = row
    return found


def update_changed(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]],
    stored: Mapping[str, Mapping[str, Any]],
) -> None:
    """Write each row's values that differ from ``stored`` (its row as read), by id.

    Rows that change the same columns (a bulk move changes the same few) share one
    executemany of ``UPDATE … SET those columns``: an index is touched only where a column
    it holds changed, where deleting and inserting the row again touched every index twice.
    """
    names = [c.name for c in table.columns if c.name != "id"]
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        before = stored[row["id"]]
        changed = tuple([n for n in names if n in row and row[n] != before.get(n)])
        if changed:
            groups.setdefault(changed, []).append(row)
    for changed, group in groups.items():
        params = _read_rows(group, [*changed, "id"],
                            [*(_converter(table.c[n], conn) for n in changed), None], ())
        conn.exec_driver_sql(
            f"UPDATE {table.name} SET {', '.join(f'{n} = ?' for n in changed)} WHERE id = ?",
            params,
        )
