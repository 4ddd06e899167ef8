"""Rows at driver speed: SQL text and value conversions for the hot paths.

SQLAlchemy's per-statement and per-row machinery costs several times what SQLite itself
spends on a one-row write, and a push applies hundreds of ops, each in its own
transaction. The hot paths (applying an op, importing a project) therefore talk to the
driver directly through a :class:`TableCodec`: SQL text rendered once per table and
dialect, and the few conversions our column types need (``UTCDateTime``, ``StrEnumType``,
``JSON``, SQLite's booleans) done here, matching what those types do through SQLAlchemy,
so rows written either way read back the same either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import JSON, Boolean, Connection, Table

from golive_tui.domain.types import StrEnumType, UTCDateTime

Convert = Callable[[Any], Any]


def sqlite_time(value: datetime) -> str:
    """SQLAlchemy's own SQLite storage format for a time: naive UTC with microseconds."""
    last = _last_time[0]
    if value is last[0]:  # an op stamps one time in several columns of several rows
        return last[1]
    if value.tzinfo is None:
        raise ValueError("naive datetime refused: every time in golive carries a time zone")
    utc = value if value.tzinfo is UTC else value.astimezone(UTC)
    # isoformat(" ", "microseconds") of the naive time, without its general formatter
    text = _SQLITE_TIME % (
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond,
    )
    _last_time[0] = (value, text)  # one tuple: a reader on another thread sees a pair
    return text


_SQLITE_TIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"
#: the last time :func:`sqlite_time` encoded, and its text
_last_time: list[tuple[datetime | None, str]] = [(None, "")]


class JsonText(str):
    """A JSON column's value already written as JSON text, which the codec sends as it is."""

    __slots__ = ()


def _as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _encoder(column_type: Any, sqlite: bool) -> Convert | None:
    """How a Python value becomes what the driver takes (None: as it is)."""
    if isinstance(column_type, UTCDateTime):
        if sqlite:
            return lambda v: (
                None
                if v is None
                else sqlite_time(datetime.fromisoformat(v) if isinstance(v, str) else v)
            )

        def aware(v: Any) -> Any:
            if v is None:
                return None
            when = _as_datetime(v)
            if when.tzinfo is None:
                raise ValueError("naive datetime refused: every time in golive carries a time zone")
            return when

        return aware
    if isinstance(column_type, StrEnumType):
        enum_cls = column_type.enum_cls
        # a member and its value are equal keys: both find the plain value
        values: dict[Any, str] = {member.value: member.value for member in enum_cls}

        def enum_value(v: Any) -> str | None:
            if v is None:
                return None
            found = values.get(v)
            return found if found is not None else enum_cls(v).value  # refuses the unknown

        return enum_value
    if isinstance(column_type, JSON):
        # psycopg takes the text for a json column as well; the driver is handed a plain
        # str (sqlite3 looks a str subclass up among its adapters, attribute by attribute)
        return lambda v: (
            None if v is None else str.__str__(v) if type(v) is JsonText else to_json(v).decode()
        )
    if sqlite and isinstance(column_type, Boolean):
        # what SQLAlchemy stores for a boolean; sqlite3 would look up an adapter for a bool
        return lambda v: None if v is None else 1 if v else 0
    return None


def _decoder(column_type: Any, sqlite: bool) -> Convert | None:
    """How a value from the driver becomes what SQLAlchemy's column type would give."""
    if isinstance(column_type, UTCDateTime):
        if sqlite:
            return lambda v: None if v is None else datetime.fromisoformat(v).replace(tzinfo=UTC)
        return lambda v: None if v is None else v.astimezone(UTC)
    if isinstance(column_type, StrEnumType):
        enum_cls = column_type.enum_cls
        return lambda v: None if v is None else enum_cls(v)
    if sqlite and isinstance(column_type, JSON):
        return lambda v: json.loads(v) if isinstance(v, str) else v
    if sqlite and isinstance(column_type, Boolean):
        return lambda v: None if v is None else bool(v)
    return None


def _default(column: Any) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)
    return default.arg


class TableCodec:
    """One table on one dialect: its SQL text, and rows to and from the driver."""

    def __init__(self, table: Table, dialect: Any) -> None:
        self.table = table
        self.sqlite = dialect.name == "sqlite"
        quote = dialect.identifier_preparer.quote
        self._quote = quote
        self.marker = "?" if self.sqlite else "%s"
        self.names = [c.name for c in table.columns]
        self.defaults = [_default(c) for c in table.columns]
        self.encoders = [_encoder(c.type, self.sqlite) for c in table.columns]
        self._decode_at = [
            (i, f)
            for i, f in enumerate(_decoder(c.type, self.sqlite) for c in table.columns)
            if f is not None
        ]
        self._encoder_by_name = dict(zip(self.names, self.encoders, strict=True))
        self._encode_row = self._row_encoder()
        self.name = quote(table.name)
        self.columns = ", ".join(quote(n) for n in self.names)
        self.insert_sql = (
            f"INSERT INTO {self.name} ({self.columns}) "
            f"VALUES ({', '.join(self.marker for _ in self.names)})"
        )
        self._updates: dict[tuple[str, ...], str] = {}
        self._encoder_makers: dict[tuple[tuple[str, ...], tuple[str, ...]], Any] = {}
        self._held_encoders: dict[frozenset[str], Callable[[Mapping[str, Any]], tuple[Any, ...]]] = {}
        self._by_ids: dict[int, str] = {}
        if "id" in table.c:
            self.select_by_id = f"SELECT {self.columns} FROM {self.name} WHERE id = {self.marker}"
            self.delete_by_id = f"DELETE FROM {self.name} WHERE id = {self.marker}"

    def encode_row(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """The driver's parameters for :attr:`insert_sql`; missing columns get their default."""
        return self._encode_row(row)

    def _row_encoder(self) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        """:meth:`encode_row` for this table as one expression: a push encodes three rows
        an op, and a loop over the columns cost several times the values' own conversion."""
        scope: dict[str, Any] = {}
        items = []
        for index, (name, default, convert) in enumerate(
            zip(self.names, self.defaults, self.encoders, strict=True)
        ):
            scope[f"d{index}"] = default
            value = f"get({name!r}, d{index})"
            if convert is not None:
                scope[f"c{index}"] = convert
                value = f"c{index}({value})"
            items.append(value)
        source = f"def encode_row(row):\n    get = row.get\n    return ({', '.join(items)},)\n"
        exec(compile(source, f"<row encoder of {self.table.name}>", "exec"), scope)
        encode: Callable[[Mapping[str, Any]], tuple[Any, ...]] = scope["encode_row"]
        return encode

    def encoder_of(self, *varying: str, **fixed: Any) -> Callable[..., tuple[Any, ...]]:
        """:meth:`encode_row` for rows that share the values ``fixed`` (encoded here, once):
        the returned function takes the values of the columns ``varying``, in that order;
        any other column gets its default.

        The function is compiled once per shape (which columns vary, which are fixed) and
        kept: a push asks for one per run of new records, so a one-op push from each of
        fifty clients would otherwise pay Python's compiler on the writer's path."""
        shape = (varying, tuple(sorted(fixed)))
        make = self._encoder_makers.get(shape)
        if make is None:
            make = self._encoder_makers[shape] = self._encoder_maker(varying, shape[1])
        values = []
        for name in shape[1]:
            convert = self._encoder_by_name[name]
            values.append(fixed[name] if convert is None else convert(fixed[name]))
        return make(*values)

    def _encoder_maker(
        self, varying: tuple[str, ...], fixed: tuple[str, ...]
    ) -> Callable[..., Callable[..., tuple[Any, ...]]]:
        """A function that takes the encoded values of the columns ``fixed`` (in that
        order) and returns the row encoder of :meth:`encoder_of`."""
        unknown = (set(varying) | set(fixed)) - set(self.names)
        if unknown or set(varying) & set(fixed) or len(set(varying)) != len(varying):
            raise ValueError(f"columns of {self.table.name}: {sorted(unknown) or 'twice'}")
        scope: dict[str, Any] = {}
        row = self._row_source(
            {name: f"v{i}" for i, name in enumerate(varying)},
            {name: f"k{i}" for i, name in enumerate(fixed)},
            scope,
        )
        arguments = ", ".join(f"v{i}" for i in range(len(varying)))
        shared = ", ".join(f"k{i}" for i in range(len(fixed)))
        source = (f"def make({shared}):\n"
                  f"    def encode_row({arguments}):\n"
                  f"        return {row}\n"
                  f"    return encode_row\n")
        exec(compile(source, f"<row encoder of {self.table.name}>", "exec"), scope)
        make: Callable[..., Callable[..., tuple[Any, ...]]] = scope["make"]
        return make

    def _row_source(
        self, encoded: Mapping[str, str], ready: Mapping[str, str], scope: dict[str, Any]
    ) -> str:
        """The source of a tuple of every column, in order: a column in ``encoded`` is its
        expression passed through the column's encoder, one in ``ready`` its expression as
        it is (a value encoded already), any other its default, encoded once here. The
        encoders and defaults it names are bound in ``scope``."""
        items = []
        for index, (name, default, convert) in enumerate(
            zip(self.names, self.defaults, self.encoders, strict=True)
        ):
            if name in encoded:
                value = encoded[name]
                if convert is not None:
                    scope[f"c{index}"] = convert
                    value = f"c{index}({value})"
            elif name in ready:
                value = ready[name]
            else:
                scope[f"d{index}"] = default if convert is None else convert(default)
                value = f"d{index}"
            items.append(value)
        return f"({', '.join(items)},)"

    def encoder_of_held(self, names: Collection[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        """:meth:`encode_row` for rows that hold every column of ``names`` (a ``KeyError``
        when one does not) and whose other columns take their defaults, encoded once here:
        the rows of a kind's new records, which hold all of the record's fields and none
        of the server's own columns. Compiled once per set of names and kept."""
        key = frozenset(names)
        found = self._held_encoders.get(key)
        if found is None:
            scope: dict[str, Any] = {}
            row = self._row_source({name: f"row[{name!r}]" for name in key}, {}, scope)
            source = f"def encode_row(row):\n    return {row}\n"
            exec(compile(source, f"<row encoder of {self.table.name}>", "exec"), scope)
            found = self._held_encoders[key] = scope["encode_row"]
        return found

    def encode(self, name: str, value: Any) -> Any:
        convert = self._encoder_by_name[name]
        return value if convert is None else convert(value)

    def decode_row(self, raw: Sequence[Any]) -> dict[str, Any]:
        """A row selected with :attr:`columns`, as SQLAlchemy would have returned it."""
        out = list(raw)
        for index, convert in self._decode_at:
            out[index] = convert(out[index])
        return dict(zip(self.names, out, strict=True))

    def select_by_ids_sql(self, count: int) -> str:
        """Select the rows with any of ``count`` ids (the parameters), in no set order."""
        sql = self._by_ids.get(count)
        if sql is None:
            markers = ", ".join(self.marker for _ in range(count))
            sql = self._by_ids[count] = (
                f"SELECT {self.columns} FROM {self.name} WHERE id IN ({markers})"
            )
        return sql

    def update_by_id_sql(self, names: Sequence[str]) -> str:
        key = tuple(names)
        sql = self._updates.get(key)
        if sql is None:
            sets = ", ".join(f"{self._quote(n)} = {self.marker}" for n in key)
            sql = f"UPDATE {self.name} SET {sets} WHERE id = {self.marker}"
            self._updates[key] = sql
        return sql


_CODECS: dict[tuple[Table, str], TableCodec] = {}


def codec(conn: Connection, table: Table) -> TableCodec:
    """The codec of ``table`` on ``conn``'s dialect (built once per table and dialect)."""
    key = (table, conn.dialect.name)
    found = _CODECS.get(key)
    if found is None:
        found = _CODECS[key] = TableCodec(table, conn.dialect)
    return found


def marker(conn: Connection) -> str:
    """The driver's placeholder for a parameter on ``conn``: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    return "?" if conn.dialect.name == "sqlite" else "%s"


def cursor(conn: Connection) -> Any:
    """A driver cursor inside ``conn``'s current transaction."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    return dbapi.cursor()


@contextmanager
def pipelined(conn: Connection) -> Iterator[bool]:
    """On PostgreSQL, the driver's statements sent inside go out together, and their results
    come back in one round trip when the block ends, not one round trip each (psycopg's
    pipeline mode); a statement whose rows are fetched inside still waits for them. Yields
    whether it is so (on SQLite each statement runs as it is sent, as always).

    Only the driver's cursors inside (:func:`cursor`): SQLAlchemy cannot read a result in
    pipeline mode. An error of any statement is raised by the block's end at the latest.
    """
    if conn.dialect.name != "postgresql":
        yield False
        return
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    with dbapi.pipeline():
        yield True


@contextmanager
def own_begin(conn: Connection) -> Iterator[Callable[[], None]]:
    """A transaction the caller begins with the callable yielded, as the first statement
    of a :func:`pipelined` block: on PostgreSQL the driver then sends no ``BEGIN`` of its
    own, for which psycopg waits a round trip even in pipeline mode (it is in autocommit
    while inside, and the ``BEGIN`` sent names the isolation the writer relies on). The
    transaction is still ended by SQLAlchemy's commit or rollback (or :func:`commit`);
    the connection leaves as it came, or is discarded. Elsewhere the callable does
    nothing and the driver begins as always.
    """
    if conn.dialect.name != "postgresql":
        yield lambda: None
        return
    dbapi: Any = conn.connection.dbapi_connection
    dbapi.autocommit = True
    try:
        yield lambda: dbapi.execute("BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE")
    finally:
        try:
            dbapi.rollback()  # nothing to do after a commit or a rollback
            dbapi.autocommit = False
        except Exception:  # the connection is gone or unusable: whatever ended the block
            conn.invalidate()  # stands, and this one never goes back to the pool


def commit(conn: Connection) -> None:
    """Commit ``conn``'s transaction through the driver (inside :func:`pipelined`, in the
    round trip of the statements sent before it)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.commit()


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows with the driver's ``executemany`` (a fixture, 100,000 numbers)."""
    if not rows:
        return
    c = codec(conn, table)
    cur = cursor(conn)
    try:
        cur.executemany(c.insert_sql, [c.encode_row(row) for row in rows])
    finally:
        cur.close()
