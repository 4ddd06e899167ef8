"""A write transaction's writes, held and sent to the driver one ``executemany`` per run of
one statement, with the records it reads and the SLA policy of each project it touches."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, bindparam, event, select, union_all

from golive_tui.domain import sla
from golive_tui.domain.enums import EntityKind, Role
from golive_tui.domain.ops import Op
from golive_tui.domain.rules import REFERENCES
from golive_tui.domain.sla import SlaPolicy
from golive_tui.server import rows
from golive_tui.server.accounts import forget_access_ahead
from golive_tui.server.facts import ServerFacts
from golive_tui.server.tables import change, entity_columns, member, op_log, project, table_of
from golive_tui.server.webhooks import Notices

LOOKUP_CHUNK = 400


def project_policy(conn: Connection, project_id: str) -> SlaPolicy:
    row = conn.execute(
        select(project.c.sla_policy, project.c.time_zone).where(project.c.id == project_id)
    ).first()
    if row is None:
        return SlaPolicy.default()
    return sla.project_policy(row.sla_policy, row.time_zone)


class Statements:
    """Statements of the rarer paths, built once: SQLAlchemy then only binds values.

    The hot path of an op (read the record, bump the counter, write the record, the
    change and the answer) goes to the driver through :mod:`golive_tui.server.rows`.
    """

    def __init__(self) -> None:
        # two searches, one per unique key: joined by OR, SQLite reads every op_log row
        # of the project instead
        columns = (op_log.c.op_id, op_log.c.payload_hash, op_log.c.result)
        in_project = op_log.c.project_id == bindparam("b_project_id")
        self.answered = union_all(
            select(*columns).where(in_project, op_log.c.op_id == bindparam("b_op_id")),
            select(*columns).where(
                in_project,
                op_log.c.client_id == bindparam("b_client_id"),
                op_log.c.client_seq == bindparam("b_client_seq"),
            ),
        )


SQL = Statements()


def counter_sql(conn: Connection) -> tuple[str, str]:
    """(read and lock the counter row, bump it and return the new seq) in the driver's dialect.

    SQLite has no row locks (``BEGIN IMMEDIATE`` already holds the database's write lock),
    so there the first statement only reads.
    """
    m = rows.marker(conn)
    lock = "" if conn.dialect.name == "sqlite" else " FOR UPDATE"
    return (
        f"SELECT seq FROM project_counter WHERE project_id = {m}{lock}",
        f"UPDATE project_counter SET seq = seq + 1 WHERE project_id = {m} RETURNING seq",
    )


_BY_ID_ARRAY: dict[str, str] = {}


def _by_id_array_sql(codec: rows.TableCodec) -> str:
    """On PostgreSQL, the rows of a table with any of the ids of one array parameter.

    One statement text for any count of ids (planned once per connection), and each id
    looked up on the primary key whatever the planner believes of the table: on a new
    server it has no statistics yet, and ``id IN (…)`` was planned as a scan of every
    row, for every group (``LIMIT 1`` keeps each look-up apart; an id names one row).
    """
    sql = _BY_ID_ARRAY.get(codec.name)
    if sql is None:
        sql = _BY_ID_ARRAY[codec.name] = (
            "SELECT r.* FROM unnest(%s::text[]) AS k(id) JOIN LATERAL "
            f"(SELECT {codec.columns} FROM {codec.name} WHERE id = k.id LIMIT 1) AS r ON true"
        )
    return sql


def empty_as_null(
    sql: str, params: Sequence[Sequence[Any]]
) -> tuple[str, Sequence[Sequence[Any]]]:
    """An ``INSERT … VALUES (?, …)`` and its rows, the columns that are empty in every row
    written as NULL in the statement and left out of the rows; any other statement, or rows
    with no column empty throughout, as they are.

    sqlite3 adapts every None it binds, with two failed attribute lookups (0.3 µs each: a
    test result's row has six empty columns, about 1.8 µs of the 40 or so the writer
    spends on an op); a NULL in the statement costs nothing a row. The statement means the
    same: an empty value bound is a NULL."""
    first = params[0]
    empty = [place for place, value in enumerate(first) if value is None]
    if not empty:
        return sql, params
    count = len(params)
    always = tuple(place for place in empty
                   if list(map(operator.itemgetter(place), params)).count(None) == count)
    if not always:
        return sql, params
    rewritten = _with_nulls(sql, always, len(first))
    if rewritten is None:
        return sql, params
    kept = [place for place in range(len(first)) if place not in always]
    if not kept:
        return rewritten, [()] * count
    pick = operator.itemgetter(*kept)
    if len(kept) == 1:
        return rewritten, [(value,) for value in map(pick, params)]
    return rewritten, list(map(pick, params))


def _with_nulls(sql: str, places: tuple[int, ...], width: int) -> str | None:
    """``sql`` with the marks at ``places`` of its VALUES written as NULL; None when it is
    not an insert of ``width`` marks and nothing else."""
    key = (sql, places)
    found = _REWRITTEN.get(key)
    if found is None:
        head, values, marks = sql.rpartition(" VALUES (")
        listed = marks.removesuffix(")").split(", ")
        if (not values or not head.startswith("INSERT INTO ") or not marks.endswith(")")
                or len(listed) != width or any(mark != "?" for mark in listed)):
            return None
        for place in places:
            listed[place] = "NULL"
        if len(_REWRITTEN) >= _REWRITTEN_KEPT:
            _REWRITTEN.clear()  # a few per table are in use; pushes could ask for any
        found = _REWRITTEN[key] = f"{head}{values}{', '.join(listed)})"
    return found


#: statements with NULLs written in, by (statement, places)
_REWRITTEN: dict[tuple[str, tuple[int, ...]], str] = {}
_REWRITTEN_KEPT = 512


class Writes:
    """The writes of a transaction, held and sent to the driver one statement per run.

    An op's record, its change and its answer are queued here as encoded rows; :meth:`flush`
    sends each table's statements in the order they were queued, consecutive ones with the
    same SQL as one ``executemany``. Tables have no keys between them, so only the order
    within a table matters. Nothing reads a held write: a record written in this
    transaction is read again after a flush (:meth:`row`), and a statement through
    SQLAlchemy sends the held writes first (:meth:`sent_before_reads`).
    """

    def __init__(self, conn: Connection, cur: Any) -> None:
        self.conn = conn
        self.cur = cur
        #: on SQLite, a run's columns empty in every row are written as NULL in its
        #: statement (:func:`empty_as_null`)
        self._nulls_in_statement = conn.dialect.name == "sqlite"
        self._runs: dict[str, list[tuple[str, list[Sequence[Any]]]]] = {}
        #: records read from the database, by (table, id); None: no such record
        self._known: dict[tuple[str, str], dict[str, Any] | None] = {}
        #: records with a held write
        self._dirty: set[tuple[str, str]] = set()
        self._policies: dict[str, SlaPolicy] = {}
        #: what the rules see of a record read here (the columns a client sees), by
        #: (table, id); dropped with the record's entry in ``_known``
        self._views: dict[tuple[str, str], dict[str, Any]] = {}
        self._codecs: dict[EntityKind, rows.TableCodec] = {}
        self._facts: dict[tuple[str, Role | None], ServerFacts] = {}
        #: the codecs of the change feed and of the op log, which every op writes
        self.feed = rows.codec(conn, change)
        self.log = rows.codec(conn, op_log)
        #: ops answered in this transaction, by op_id and by "client_id#client_seq"
        self.answered: set[str] = set()
        #: a membership is among the held writes
        self.membership_held = False
        #: the webhook events of this transaction, queued with its other writes
        self.notices = Notices(conn, self.add)

    def add(self, codec: rows.TableCodec, sql: str, params: Sequence[Any],
            row_id: str | None = None) -> None:
        runs = self._runs.setdefault(codec.name, [])
        if runs and runs[-1][0] == sql:
            runs[-1][1].append(params)
        else:
            runs.append((sql, [params]))
        if row_id is not None:
            key = (codec.name, row_id)
            self._known.pop(key, None)
            self._views.pop(key, None)
            self._dirty.add(key)
            if codec.table is project:
                self._policies.pop(row_id, None)
            elif codec.table is member:
                # who may push changed: callers are read again, after this is sent
                self.membership_held = True
                forget_access_ahead(self.conn)

    def add_rows(self, codec: rows.TableCodec, sql: str, params: Sequence[Sequence[Any]],
                 row_ids: Sequence[str] = ()) -> None:
        """:meth:`add` for several rows of one statement, in order; ``row_ids``: the
        records they write, if they write records."""
        if not params:
            return
        runs = self._runs.setdefault(codec.name, [])
        if runs and runs[-1][0] == sql:
            runs[-1][1].extend(params)
        else:
            runs.append((sql, list(params)))
        if row_ids:
            known, views, dirty = self._known, self._views, self._dirty
            for row_id in row_ids:
                key = (codec.name, row_id)
                known.pop(key, None)
                views.pop(key, None)
                dirty.add(key)
                if codec.table is project:
                    self._policies.pop(row_id, None)

    def flush(self) -> None:
        runs, self._runs = self._runs, {}
        self._dirty.clear()
        self.membership_held = False
        for table_runs in runs.values():
            for sql, params in table_runs:
                if len(params) == 1:
                    self.cur.execute(sql, params[0])
                elif self._nulls_in_statement:
                    self.cur.executemany(*empty_as_null(sql, params))
                else:
                    self.cur.executemany(sql, params)

    def prefetch(self, codec: rows.TableCodec, ids: Sequence[str]) -> None:
        """Read these records in a few queries, so that :meth:`row` has them."""
        self.prefetch_sent(codec, ids)()

    def prefetch_sent(self, codec: rows.TableCodec, ids: Sequence[str]) -> Callable[[], None]:
        """:meth:`prefetch`, sent now on cursors of its own and read when the answer is
        called (on PostgreSQL it can ride one round trip with other reads)."""
        wanted = [
            row_id for row_id in dict.fromkeys(ids)
            if (codec.name, row_id) not in self._known and (codec.name, row_id) not in self._dirty
        ]
        sent = []
        postgresql = self.conn.dialect.name == "postgresql"
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            part = wanted[start : start + LOOKUP_CHUNK]
            cur = rows.cursor(self.conn)
            if postgresql:
                cur.execute(_by_id_array_sql(codec), (part,))
            else:
                cur.execute(codec.select_by_ids_sql(len(part)), part)
            sent.append((part, cur))

        def read() -> None:
            for part, cur in sent:
                found = {row["id"]: row for row in map(codec.decode_row, cur.fetchall())}
                cur.close()
                for row_id in part:
                    self._known[(codec.name, row_id)] = found.get(row_id)

        return read

    def known_absent(self, codec: rows.TableCodec, row_id: str) -> bool:
        """Whether this transaction read that no record has this id, and wrote none since."""
        key = (codec.name, row_id)
        return key in self._known and self._known[key] is None and key not in self._dirty

    def row(self, codec: rows.TableCodec, row_id: str) -> dict[str, Any] | None:
        """The record as this transaction sees it (a copy the caller may change)."""
        key = (codec.name, row_id)
        if key in self._dirty:
            self.flush()
        if key not in self._known:
            self.cur.execute(codec.select_by_id, (row_id,))
            raw = self.cur.fetchone()
            self._known[key] = None if raw is None else codec.decode_row(raw)
        found = self._known[key]
        return None if found is None else dict(found)

    def facts_of(self, project_id: str, role: Role | None) -> ServerFacts:
        """What the rules of an op in ``project_id`` by ``role`` look up, through
        :meth:`records` (one for all such ops of the transaction)."""
        key = (project_id, role)
        found = self._facts.get(key)
        if found is None:
            found = self._facts[key] = ServerFacts(self.conn, project_id, role, self.records)
        return found

    def codec_of(self, kind: EntityKind) -> rows.TableCodec:
        found = self._codecs.get(kind)
        if found is None:
            found = self._codecs[kind] = rows.codec(self.conn, table_of(kind))
        return found

    def records(
        self, kind: EntityKind, ids: Collection[str], project_id: str
    ) -> dict[str, dict[str, Any]]:
        """The records of ``project_id`` among these ids, with the columns a client sees
        (the rules' facts), by id; each a copy the caller may change.

        Every op asks for its project's record (is it closed?) and many for the records
        they name: what was read once is kept as the rules see it, until written again.
        """
        codec = self.codec_of(kind)
        views, known = self._views, self._known
        found: dict[str, dict[str, Any]] = {}
        for row_id in ids:
            key = (codec.name, row_id)
            view = views.get(key)
            if view is None:
                if key not in known and key not in self._dirty:
                    self.prefetch(codec, [i for i in ids if (codec.name, i) not in views])
                self.row(codec, row_id)  # sends held writes first; now read and clean
                held = known[key]
                if held is None:
                    continue
                view = views[key] = {name: held[name] for name in entity_columns(kind)}
            if view["project_id"] == project_id:
                found[row_id] = dict(view)
        return found

    def prefetch_named(self, ops: Sequence[Op]) -> None:
        """Read the records that these ops' records name (a number's order and site) in a
        few queries, so that the rules asking for them op by op find them read."""
        named: dict[EntityKind, dict[str, None]] = {}
        by_kind: dict[EntityKind, list[Op]] = {}
        for op in ops:
            if op.entity in REFERENCES:
                by_kind.setdefault(op.entity, []).append(op)
        for kind, kind_ops in by_kind.items():
            table_name = self.codec_of(kind).name
            known_of = self._known.get
            references = [(name, named.setdefault(target, {}))
                          for name, target in REFERENCES[kind].items()]
            for op in kind_ops:
                known = known_of((table_name, op.entity_id))
                for record in (known, op.fields):
                    if not record:
                        continue
                    for name, ids in references:
                        value = record.get(name)
                        if not value:
                            continue
                        if isinstance(value, list | tuple):
                            ids.update((str(v), None) for v in value if v)
                        else:
                            ids[str(value)] = None
        for target, ids in named.items():
            if ids:
                self.prefetch(rows.codec(self.conn, table_of(target)), list(ids))

    def policy(self, project_id: str) -> SlaPolicy:
        found = self._policies.get(project_id)
        if found is None:
            found = self._policies[project_id] = project_policy(self.conn, project_id)
        return found

    @contextmanager
    def sent_before_reads(self) -> Iterator[None]:
        """While inside, a statement through SQLAlchemy on this connection (a rule looking
        something up, the caller's membership) first sends the held writes, so it sees
        them."""

        def send(*_: Any) -> None:
            self.flush()

        event.listen(self.conn, "before_cursor_execute", send)
        try:
            yield
        finally:
            event.remove(self.conn, "before_cursor_execute", send)
