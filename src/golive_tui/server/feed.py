"""What clients read: the snapshot (streamed) and the change feed, each one consistent view."""

from __future__ import annotations

import json.encoder
from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import JSON, Boolean, Connection, Float, func, select

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.types import UTCDateTime
from golive_tui.server.apply import UnknownProject
from golive_tui.server.db import Database
from golive_tui.server.rows import cursor as driver_cursor
from golive_tui.server.tables import change, entity_columns, project_counter, table_of

SNAPSHOT_CHUNK_ROWS = 2_000


class CursorGone(Exception):
    """The client's cursor is outside what the feed keeps: it must re-bootstrap."""

    def __init__(self, code: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def _counter(conn: Any, project_id: str) -> tuple[int, int]:
    row = conn.execute(
        select(project_counter.c.seq, project_counter.c.compacted_through).where(
            project_counter.c.project_id == project_id
        )
    ).first()
    if row is None:
        raise UnknownProject(project_id)
    return int(row.seq), int(row.compacted_through)


def head_seq(db: Database, project_id: str, after: int | None = None) -> int:
    """The project's head; raises :class:`CursorGone` when ``after`` is a cursor the
    change feed cannot serve, so that the live stream refuses what the feed refuses."""
    with db.read() as conn:
        head, compacted = _counter(conn, project_id)
    if after is not None:
        _check_cursor(after, head, compacted)
    return head


def _check_cursor(after: int, head: int, compacted: int) -> None:
    if after < compacted:
        raise CursorGone(
            "changes_compacted",
            f"Changes up to {compacted} were compacted away and your copy is at {after}; "
            "download a fresh snapshot (your unsent changes are kept).",
            {"after": after, "lowest_kept_seq": compacted + 1, "server_seq": head},
        )
    if after > head:
        raise CursorGone(
            "cursor_ahead",
            f"Your copy is at change {after} but this server has only {head} "
            "(restored from a backup?); download a fresh snapshot "
            "(your unsent changes are kept).",
            {"after": after, "server_seq": head},
        )


def head_seqs(db: Database, project_ids: list[str]) -> dict[str, int]:
    """The counters of several projects (the fallback poll of live events)."""
    with db.read() as conn:
        rows = conn.execute(
            select(project_counter.c.project_id, project_counter.c.seq).where(
                project_counter.c.project_id.in_(project_ids)
            )
        ).all()
    return {str(r.project_id): int(r.seq) for r in rows}


def changes_page(db: Database, project_id: str, after: int, limit: int) -> bytes:
    """A :class:`~golive_tui.domain.wire.ChangeFeedPage` as JSON bytes.

    ``server_seq`` is the head when the page was read; the changes are those in
    ``(after, server_seq]``, at most ``limit`` of them, with ``more`` when some were left.
    Reading the head first makes the page a prefix of what is committed: commit order is
    ``seq`` order, so every change up to the head is visible.
    """
    with db.read() as conn:
        head, compacted = _counter(conn, project_id)
        _check_cursor(after, head, compacted)
        if not db.is_postgresql:
            return _sqlite_page(conn, project_id, after, head, limit)
        rows = conn.execute(
            select(
                change.c.seq,
                change.c.entity,
                change.c.entity_id,
                change.c.version,
                change.c.deleted,
                change.c.data,
                change.c.op_id,
                change.c.by,
                change.c.at,
            )
            .where(change.c.project_id == project_id, change.c.seq > after, change.c.seq <= head)
            .order_by(change.c.seq)
            .limit(limit + 1)
        ).mappings().all()
    more = len(rows) > limit
    page = {
        "changes": [dict(r) for r in rows[:limit]],
        "server_seq": head,
        "more": more,
    }
    return to_json(page)


_SQLITE_PAGE = (
    'SELECT seq, entity, entity_id, version, deleted, data, op_id, "by", at FROM change '
    "WHERE project_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?"
)
#: a JSON string's text
_text = json.encoder.encode_basestring


def _sqlite_page(conn: Connection, project_id: str, after: int, head: int, limit: int) -> bytes:
    """:func:`changes_page` on SQLite, written from the rows as stored: a record's JSON is
    sent as its text, not read into Python and written again (a drain pulls back every
    change it pushed)."""
    cur = driver_cursor(conn)
    try:
        cur.execute(_SQLITE_PAGE, (project_id, after, head, limit + 1))
        found = cur.fetchall()
    finally:
        cur.close()
    more = len(found) > limit
    changes = ",".join(map(_change_text, found[:limit]))
    return (
        f'{{"changes":[{changes}],"server_seq":{int(head)},"more":{"true" if more else "false"}}}'
    ).encode()


def _change_text(row: Sequence[Any]) -> str:
    """One stored change as the feed's JSON: what the column types would read, written as
    :func:`~pydantic_core.to_json` writes it."""
    seq, entity, entity_id, version, deleted, data, op_id, by, at = row
    if data is None:
        data = "null"
    if len(at) == 26 and at[19] == ".":  # "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC
        micro = at[20:]
        when = f'"{at[:10]}T{at[11:19]}{"" if micro == "000000" else "." + micro}Z"'
    else:
        when = to_json(datetime.fromisoformat(at).replace(tzinfo=UTC)).decode()
    return (
        f'{{"seq":{int(seq)},"entity":{_text(entity)},"entity_id":{_text(entity_id)},'
        f'"version":{int(version)},"deleted":{"true" if deleted else "false"},'
        f'"data":{data},"op_id":{"null" if op_id is None else _text(op_id)},'
        f'"by":{_text(by)},"at":{when}}}'
    )


def _sqlite_json_column(quote: Callable[[str], str], name: str, column_type: Any) -> str:
    col = quote(name)
    if isinstance(column_type, UTCDateTime):
        # stored as naive UTC "YYYY-MM-DD HH:MM:SS.ffffff"; sent as ISO 8601 with Z, the way
        # the change feed (pydantic) writes times
        return (
            f"CASE WHEN {col} IS NULL THEN NULL "
            f"ELSE replace(replace({col}, ' ', 'T'), '.000000', '') || 'Z' END"
        )
    if isinstance(column_type, Boolean):
        return f"json(CASE WHEN {col} IS NULL THEN 'null' WHEN {col} THEN 'true' ELSE 'false' END)"
    if isinstance(column_type, JSON):
        return f"json({col})"
    return col


def _pg_json_column(quote: Callable[[str], str], name: str, column_type: Any) -> str:
    col = quote(name)
    if isinstance(column_type, UTCDateTime):
        # the change feed's format: UTC, "Z", microseconds only when there are some
        text = f"to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
        return f"regexp_replace({text}, '\\.000000$', '') || 'Z' AS {col}"
    return col


def _float_columns(conn: Connection, kind: EntityKind) -> list[str]:
    """The kind's float columns whose JSON SQLite would round (to 15 significant digits).

    PostgreSQL writes a float's shortest exact text; SQLite's ``json_object`` does not, so
    there these columns are selected as they are and written by Python, as the feed writes
    them (only issues and verification results have any).
    """
    if conn.dialect.name != "sqlite":
        return []
    t = table_of(kind)
    return [name for name in entity_columns(kind) if isinstance(t.c[name].type, Float)]


def array_columns(conn: Connection, kind: EntityKind) -> list[str]:
    """The columns of a kind's records sent as arrays, in their order: those of
    :func:`_float_columns` last."""
    floats = _float_columns(conn, kind)
    return [n for n in entity_columns(kind) if n not in floats] + floats


def _rows_as_json_sql(conn: Connection, kind: EntityKind, *, arrays: bool = False) -> str:
    """SQL giving one JSON object (text) per entity of a project: the database builds the
    JSON, which costs a fraction of building rows and serialising them in Python. The
    columns of :func:`_float_columns` follow the object, each in a column of its own.

    ``arrays``: one JSON array of the values of :func:`array_columns` instead."""
    quote = conn.dialect.identifier_preparer.quote
    t = table_of(kind)
    names = entity_columns(kind)
    table = quote(t.name)
    if conn.dialect.name == "sqlite":
        floats = _float_columns(conn, kind)
        tail = "".join(f", {quote(name)}" for name in floats)
        if arrays:
            values = ", ".join(_sqlite_json_column(quote, name, t.c[name].type)
                               for name in names if name not in floats)
            return f"SELECT json_array({values}){tail} FROM {table} WHERE project_id = ?"
        pairs = ", ".join(
            f"'{name}', {_sqlite_json_column(quote, name, t.c[name].type)}"
            for name in names if name not in floats
        )
        return f"SELECT json_object({pairs}){tail} FROM {table} WHERE project_id = ?"
    columns = ", ".join(_pg_json_column(quote, n, t.c[n].type) for n in names)
    if arrays:
        values = ", ".join(quote(n) for n in names)
        return (
            f"SELECT json_build_array({values})::text FROM (SELECT {columns} FROM {table} "
            f"WHERE project_id = %s) AS r"
        )
    return (
        f"SELECT row_to_json(r)::text FROM (SELECT {columns} FROM {table} "
        f"WHERE project_id = %s) AS r"
    )


def _json_rows(
    conn: Connection, kind: EntityKind, project_id: str, *, arrays: bool = False,
) -> Iterator[Sequence[Any]]:
    """The kind's rows of the project as JSON texts, a few thousand at a time."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if conn.dialect.name == "sqlite":
        cursor = dbapi.cursor()
    else:
        # a named (server-side) cursor streams instead of loading every row at once
        cursor = dbapi.cursor(name=f"golive_snapshot_{kind.value}")
    try:
        cursor.execute(_rows_as_json_sql(conn, kind, arrays=arrays), (project_id,))
        while True:
            rows = cursor.fetchmany(SNAPSHOT_CHUNK_ROWS)
            if not rows:
                return
            yield rows
    finally:
        cursor.close()


def _with_floats(
    floats: Sequence[str], *, arrays: bool = False,
) -> Callable[[Sequence[Any]], str] | None:
    """How a row of :func:`_rows_as_json_sql` becomes its JSON object's (or array's) text
    (None: it is its first column)."""
    if not floats:
        return None
    keys = [b"," if arrays else b"," + to_json(name) + b":" for name in floats]

    def whole(row: Sequence[Any]) -> str:
        tail = b"".join(key + to_json(value) for key, value in zip(keys, row[1:], strict=True))
        return str(row[0])[:-1] + tail.decode() + ("]" if arrays else "}")

    return whole


def _kind_bodies(
    conn: Connection, project_id: str, *, arrays: bool = False,
) -> Iterator[tuple[EntityKind, bytes]]:
    """Each kind's records of the project as JSON objects (``arrays``: arrays of the values
    of :func:`array_columns`) joined by commas, a few thousand to a piece (a kind's pieces
    in order; a kind without records gives none)."""
    for kind in EntityKind:
        text = _with_floats(_float_columns(conn, kind), arrays=arrays)
        for rows in _json_rows(conn, kind, project_id, arrays=arrays):
            if text is None:
                yield kind, ",".join(row[0] for row in rows).encode()
            else:
                yield kind, ",".join(text(row) for row in rows).encode()


def _counts(conn: Connection, project_id: str) -> dict[str, int]:
    """How many records of each kind the project has, in the read view of its snapshot."""
    counts: dict[str, int] = {}
    for kind in EntityKind:
        t = table_of(kind)
        counts[kind.value] = int(conn.execute(
            select(func.count()).select_from(t).where(t.c.project_id == project_id)
        ).scalar_one())
    return counts


def snapshot_chunks(db: Database, project_id: str) -> Generator[bytes, None, None]:
    """A :class:`~golive_tui.domain.wire.Snapshot` as JSON, in chunks, from one read view.

    The database writes each row as JSON and rows stream a few thousand at a time, so a
    project of 100,000 numbers never sits in memory as one document.
    """
    with db.read() as conn:
        head, _ = _counter(conn, project_id)
        if db.is_postgresql:
            conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
        yield (
            b'{"project_id":' + to_json(project_id) + b',"server_seq":' + str(head).encode()
            + b',"entities":{'
        )
        pieces = _kind_bodies(conn, project_id)
        piece = next(pieces, None)
        for index, kind in enumerate(EntityKind):
            yield (b"," if index else b"") + to_json(kind.value) + b":["
            first = True
            while piece is not None and piece[0] is kind:
                body = piece[1]
                yield body if first else b"," + body
                first = False
                piece = next(pieces, None)
            yield b"]"
        yield b"}}"


def snapshot_lines(
    db: Database, project_id: str, *, arrays: bool = False,
) -> Generator[bytes, None, None]:
    """The same snapshot as lines of JSON (``SNAPSHOT_LINES``), from one read view.

    The first line is the head (``project_id``, ``server_seq``) and how many records of
    each kind follow (``counts``); each later line is ``{"entity": kind, "records": […]}``
    with at most ``SNAPSHOT_CHUNK_ROWS`` records, each written as in the JSON document. A
    client reads and stores each line as it comes, and knows from the counts that nothing
    was cut off.

    ``arrays`` (``SNAPSHOT_ARRAYS``): the head also names each kind's ``columns``, and a
    line is ``{"entity": kind, "rows": […]}``, each record an array of its values in that
    order (the same values as in the document).
    """
    with db.read() as conn:
        head, _ = _counter(conn, project_id)
        if db.is_postgresql:
            conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
        first: dict[str, Any] = {"project_id": project_id, "server_seq": head,
                                 "counts": _counts(conn, project_id)}
        if arrays:
            first["columns"] = {kind.value: array_columns(conn, kind) for kind in EntityKind}
        yield to_json(first) + b"\n"
        key = b',"rows":[' if arrays else b',"records":['
        for kind, body in _kind_bodies(conn, project_id, arrays=arrays):
            yield b'{"entity":' + to_json(kind.value) + key + body + b"]}\n"
