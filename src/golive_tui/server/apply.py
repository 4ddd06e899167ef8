"""Applying pushes: each op all-or-nothing, in the order the client sent them.

The server's write path (:class:`golive_tui.server.writer.PushWriter`) hands every push of
the process to :func:`apply_group`, which applies the pushes waiting at that moment in one
write transaction (a group commit; docs/decisions.md says why). Inside it, for each push:

1. lock the project's counter row (``SELECT … FOR UPDATE`` on PostgreSQL, every project of
   the group in one sorted order; SQLite's ``BEGIN IMMEDIATE`` already holds the write
   lock), so writers of one project take turns and commit order equals ``seq`` order;
2. look the op up in the project's ``op_log`` by ``op_id`` and by ``(client_id, client_seq)``
   (idempotency keys are per project: another project's ops never answer these): a replay
   gets the first answer back as ``duplicate``; the same ``op_id`` with another payload is
   refused (``op_id_reused``);
3. check the caller's role, then apply the op with :func:`golive_tui.domain.ops.apply_op`
   on the server's current record, with the server's clock and the project's SLA policy
   (``update`` merges field by field first, :func:`~golive_tui.domain.ops.merge_update`);
4. when something changed: bump the counter, write the entity (version + 1), a ``change``
   row with the whole entity and, on PostgreSQL, ``NOTIFY golive_changes`` (delivered on
   commit);
5. record the answer in ``op_log``.

The group reads the records its ops name in a few queries per push, and holds the rows of
steps 4 and 5 until the group ends, then sends them one ``executemany`` per table
(:class:`_Writes`); a read of something the group wrote sends the held rows first.

A refusal by the rules (:class:`~golive_tui.domain.errors.DomainError`) is an answer
(``rejected``, with its code and reason), not an error: the rest of the push goes on, and
it is raised before the op's first write, so nothing of a refused op is left behind.

Anything else that goes wrong inside a group (a unique key that a concurrent writer took
first, a value the database cannot hold, a bug) rolls the whole group back, and its pushes
are applied again one op per transaction by :func:`apply_push`, where each such case has
its own answer. Per-op atomicity holds either way; the group only shares the commit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from _json import make_encoder
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, bindparam, event, select, union_all
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from golive_tui.domain import sla
from golive_tui.domain.codec import encode_record, encode_value
from golive_tui.domain.entities import SYSTEM_FIELDS
from golive_tui.domain.enums import EntityKind, OpAction, Role
from golive_tui.domain.errors import DomainError, ValidationFailed
from golive_tui.domain.ops import Op, Record, apply_op, check_fields_bounds, merge_update
from golive_tui.domain.permissions import check_permission
from golive_tui.domain.rules import REFERENCES
from golive_tui.domain.sla import SlaPolicy
from golive_tui.domain.types import utcnow
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.server import rows
from golive_tui.server.db import Database
from golive_tui.server.facts import ServerFacts
from golive_tui.server.tables import (
    change,
    entity_columns,
    member,
    op_log,
    project,
    project_counter,
    table_of,
)
from golive_tui.server.webhooks import Notices

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "golive_changes"
_STAMP_FIELDS = ("version", "updated_at", "updated_by")
_ATTEMPTS = 3


class UnknownProject(LookupError):
    """The project has no counter row: it was never created on this server."""


class _Statements:
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


SQL = _Statements()


def _counter_sql(conn: Connection) -> tuple[str, str]:
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


class _Writes:
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
        self._runs: dict[str, list[tuple[str, list[Sequence[Any]]]]] = {}
        #: records read from the database, by (table, id); None: no such record
        self._known: dict[tuple[str, str], dict[str, Any] | None] = {}
        #: records with a held write
        self._dirty: set[tuple[str, str]] = set()
        self._policies: dict[str, SlaPolicy] = {}
        #: ops answered in this transaction, by op_id and by "client_id#client_seq"
        self.answered: set[str] = set()
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
            self._dirty.add(key)
            if codec.table is project:
                self._policies.pop(row_id, None)

    def flush(self) -> None:
        runs, self._runs = self._runs, {}
        self._dirty.clear()
        for table_runs in runs.values():
            for sql, params in table_runs:
                if len(params) == 1:
                    self.cur.execute(sql, params[0])
                else:
                    self.cur.executemany(sql, params)

    def prefetch(self, codec: rows.TableCodec, ids: Sequence[str]) -> None:
        """Read these records in a few queries, so that :meth:`row` has them."""
        wanted = [
            row_id for row_id in dict.fromkeys(ids)
            if (codec.name, row_id) not in self._known and (codec.name, row_id) not in self._dirty
        ]
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            part = wanted[start : start + _LOOKUP_CHUNK]
            self.cur.execute(codec.select_by_ids_sql(len(part)), part)
            found = {row["id"]: row for row in map(codec.decode_row, self.cur.fetchall())}
            for row_id in part:
                self._known[(codec.name, row_id)] = found.get(row_id)

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

    def rows(
        self, kind: EntityKind, ids: Sequence[str]
    ) -> dict[str, Mapping[str, Any] | None]:
        """Records of ``kind`` by id as this transaction sees them (for the rules' facts)."""
        codec = rows.codec(self.conn, table_of(kind))
        self.prefetch(codec, ids)
        return {row_id: self.row(codec, row_id) for row_id in ids}

    def prefetch_named(self, ops: Sequence[Op]) -> None:
        """Read the records that these ops' records name (a number's order and site) in a
        few queries, so that the rules asking for them op by op find them read."""
        named: dict[EntityKind, dict[str, None]] = {}
        for op in ops:
            references = REFERENCES.get(op.entity)
            if not references:
                continue
            known = self._known.get((rows.codec(self.conn, table_of(op.entity)).name, op.entity_id))
            for name, target in references.items():
                ids = named.setdefault(target, {})
                for record in (known, op.fields):
                    value = record.get(name) if record else None
                    if isinstance(value, list | tuple):
                        ids.update((str(v), None) for v in value if v)
                    elif value:
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


@dataclass(frozen=True)
class Actor:
    """Who is pushing: a user and their role in the project, or the server itself."""

    user: str
    #: None for the server's own admin commands, which no role limits
    role: Role | None

    @classmethod
    def admin(cls, user: str = "admin") -> Actor:
        return cls(user=user, role=None)


@dataclass(frozen=True)
class PushOutcome:
    results: list[OpResult]
    #: the project's counter after the push
    server_seq: int
    #: the highest seq this push applied, if any (the live events poke)
    last_seq: int | None


#: the canonical text of what an op asks for; its digest is stored, so it never changes
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(op: Op, project_id: str, user: str) -> str:
    """A digest of what the op asks for, where and by whom: a replay must match it.

    The digest is of the canonical JSON of ``{"op": the op as JSON, "project_id": …,
    "user": …}`` (keys sorted, no spaces, text unescaped). Digests are stored, so that text
    never changes: an op whose fields are all plain values (almost every op) has it written
    here piece by piece, the same text at a fraction of the cost; any other goes through the
    whole op's JSON.
    """
    fields = op.fields
    if _plain(fields):
        base = op.base_version
        text = (
            f'{{"op":{{"action":{_text(op.action)},'
            f'"base_version":{"null" if base is None else int.__repr__(base)},'
            f'"client_id":{_text(op.client_id)},"client_seq":{int.__repr__(op.client_seq)},'
            f'"client_time":{_text(_time_json(op.client_time))},'
            f'"entity":{_text(op.entity)},"entity_id":{_text(op.entity_id)},'
            f'"fields":{"".join(_flat_json(fields, 0))},"op_id":{_text(op.op_id)}}},'
            f'"project_id":{_text(project_id)},"user":{_text(user)}}}'
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        dumped = op.model_dump(mode="json")
    except ValueError:
        # fields nested deeper than the serializer follows (the rules refuse such an op,
        # and its refusal is logged under this digest)
        dumped = {**op.model_dump(mode="json", exclude={"fields"}),
                  "fields": _digest_of(op.fields)}
    body = {"project_id": project_id, "user": user, "op": dumped}
    return hashlib.sha256(_CANONICAL.encode(body).encode("utf-8")).hexdigest()


#: types whose JSON form is themselves (a float only when finite: pydantic writes the
#: others as null, and the canonical encoder as Infinity or NaN)
_PLAIN_FIELD = frozenset({str, int, float, bool, type(None)})


def _plain(fields: Mapping[str, Any]) -> bool:
    """Whether every value of these fields is its own JSON (no container, no time)."""
    for value in fields.values():
        kind = type(value)
        if kind not in _PLAIN_FIELD or (kind is float and not math.isfinite(value)):
            return False
    return True

#: the canonical encoder without its set-up per call, for fields of plain values only
#: (no containers: nothing to check for cycles)
_flat_json = make_encoder(
    None, _CANONICAL.default, json.encoder.encode_basestring, None, ":", ",", True, False, True
)
#: a text as JSON (a StrEnum's text is its value)
_text = json.encoder.encode_basestring
_DATETIME = TypeAdapter(datetime)
_last_time: list[tuple[datetime | None, str]] = [(None, "")]


def _time_json(value: datetime) -> str:
    """A time as the op's JSON writes it (pydantic's format), the last one remembered."""
    last = _last_time[0]
    if value is last[0]:
        return last[1]
    text: str = _DATETIME.serializer.to_python(value, mode="json")
    _last_time[0] = (value, text)  # one tuple: a reader on another thread sees a pair
    return text


def _digest_of(value: Any) -> str:
    """A sha256 of a JSON value, however deep, walked without recursion."""
    digest = hashlib.sha256()
    stack: list[tuple[bool, Any]] = [(False, value)]  # (is it text to hash, what)
    while stack:
        is_text, item = stack.pop()
        if is_text:
            digest.update(item)
        elif isinstance(item, dict):
            digest.update(b"{")
            stack.append((True, b"}"))
            for key in sorted(item, reverse=True):
                stack += [(False, item[key]), (True, json.dumps(key).encode() + b":")]
        elif isinstance(item, list | tuple):
            digest.update(b"[")
            stack.append((True, b"]"))
            stack += [(False, entry) for entry in reversed(item)]
        else:
            digest.update(json.dumps(item, default=str).encode() + b",")
    return digest.hexdigest()


def read_seq(conn: Connection, project_id: str) -> int:
    seq = conn.execute(
        select(project_counter.c.seq).where(project_counter.c.project_id == project_id)
    ).scalar_one_or_none()
    if seq is None:
        raise UnknownProject(project_id)
    return int(seq)


def project_policy(conn: Connection, project_id: str) -> SlaPolicy:
    row = conn.execute(
        select(project.c.sla_policy, project.c.time_zone).where(project.c.id == project_id)
    ).first()
    if row is None:
        return SlaPolicy.default()
    return sla.project_policy(row.sla_policy, row.time_zone)


def apply_push(
    db: Database,
    project_id: str,
    actor: Actor,
    ops: Sequence[Op],
    *,
    client_id: str,
) -> PushOutcome:
    """Apply ``ops`` in order, each in its own transaction; one result per op."""
    results: list[OpResult] = []
    last_seq: int | None = None
    with db.read() as conn:
        logged = _logged_in(rows.cursor(conn), rows.marker(conn), project_id, ops)
    with db.connect_for_writes() as conn:
        for op in ops:
            seen = op.op_id in logged or f"{op.client_id}#{op.client_seq}" in logged
            result = apply_one(db, conn, project_id, actor, op, client_id=client_id, seen=seen)
            results.append(result)
            if result.seq is not None and result.status is not OpStatus.DUPLICATE:
                last_seq = max(last_seq or 0, result.seq)
    with db.read() as conn:
        server_seq = read_seq(conn, project_id)
    return PushOutcome(results=results, server_seq=server_seq, last_seq=last_seq)


_LOOKUP_CHUNK = 400


@dataclass(frozen=True)
class PushJob:
    """One push waiting for the writer: which project, which ops, from which client."""

    project_id: str
    ops: Sequence[Op]
    client_id: str
    #: who is pushing, decided inside the write transaction; raises to refuse the push
    authorize: Callable[[Connection], Actor]


def apply_group(db: Database, jobs: Sequence[PushJob]) -> list[PushOutcome | Exception]:
    """Apply several pushes in one write transaction; per push an outcome or its error.

    When the group cannot commit as a whole, it is rolled back and every push is applied
    again on its own by :func:`apply_push` (one transaction per op), which answers each
    case (a race on a unique key, a value too large to store, a bug) for that op alone.
    """
    try:
        return _apply_group(db, jobs)
    except Exception as exc:
        log.info(
            "a group of %d pushes rolled back (%s); applying them one op at a time",
            len(jobs), type(exc).__name__,
        )
    outcomes: list[PushOutcome | Exception] = []
    for job in jobs:
        try:
            with db.read() as conn:
                actor = job.authorize(conn)
            outcomes.append(apply_push(db, job.project_id, actor, job.ops,
                                       client_id=job.client_id))
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


def _apply_group(db: Database, jobs: Sequence[PushJob]) -> list[PushOutcome | Exception]:
    outcomes: list[PushOutcome | Exception] = []
    with db.connect_for_writes() as conn, db.transaction(conn):
        database_errors = (SQLAlchemyError, conn.dialect.loaded_dbapi.Error)
        cur = rows.cursor(conn)
        seqs = _lock_counters(conn, cur, {job.project_id for job in jobs})
        locked = dict(seqs)
        writes = _Writes(conn, cur)
        with writes.sent_before_reads():
            for job in jobs:
                try:
                    actor = job.authorize(conn)
                except database_errors:
                    raise
                except Exception as refused:  # not signed in, not a member: nothing written
                    outcomes.append(refused)
                    continue
                if job.project_id not in seqs:
                    outcomes.append(UnknownProject(job.project_id))
                    continue
                outcomes.append(_push_locked(db, writes, job, actor, seqs))
            writes.notices.finish(writes.flush)
            writes.flush()
            marker = rows.marker(conn)
            for project_id, seq in seqs.items():
                if seq != locked[project_id]:
                    cur.execute(
                        f"UPDATE project_counter SET seq = {marker} WHERE project_id = {marker}",
                        (seq, project_id),
                    )
    return outcomes


def _lock_counters(conn: Connection, cur: Any, project_ids: set[str]) -> dict[str, int]:
    """Lock the counter rows of these projects, always in one order: {project: its seq}."""
    seqs: dict[str, int] = {}
    for project_id in sorted(project_ids):
        cur.execute(_counter_sql(conn)[0], (project_id,))
        row = cur.fetchone()
        if row is not None:
            seqs[project_id] = int(row[0])
    return seqs


def _push_locked(
    db: Database, writes: _Writes, job: PushJob, actor: Actor, seqs: dict[str, int]
) -> PushOutcome:
    """One push inside the group's transaction; ``seqs`` holds the locked counters."""
    conn, cur = writes.conn, writes.cur
    logged = _logged_in(cur, rows.marker(conn), job.project_id, job.ops) | writes.answered
    by_kind: dict[EntityKind, list[str]] = {}
    for op in job.ops:
        by_kind.setdefault(op.entity, []).append(op.entity_id)
    for kind, ids in by_kind.items():
        writes.prefetch(rows.codec(conn, table_of(kind)), ids)
    writes.prefetch_named(job.ops)
    results: list[OpResult] = []
    last_seq: int | None = None
    for op in job.ops:
        keys = (op.op_id, f"{op.client_id}#{op.client_seq}")
        look = keys[0] in logged or keys[1] in logged
        digest = payload_hash(op, job.project_id, actor.user)
        result = _apply_locked(db, writes, job.project_id, actor, op, job.client_id, digest,
                               look, notify=False, seqs=seqs)
        writes.answered.update(keys)  # the same op again later in this group looks it up
        logged.update(keys)
        results.append(result)
        if result.seq is not None and result.status is not OpStatus.DUPLICATE:
            last_seq = max(last_seq or 0, result.seq)
    if last_seq is not None and db.is_postgresql:
        _notify(cur, job.project_id, last_seq)  # one poke for the push: clients pull the rest
    return PushOutcome(results=results, server_seq=seqs[job.project_id], last_seq=last_seq)


def _logged_in(cur: Any, marker: str, project_id: str, ops: Sequence[Op]) -> set[str]:
    """``project_id``'s op_log rows that may answer these ops, by op_id and by
    "client_id#client_seq".

    Read once per push, with the driver. :func:`apply_push` reads before the ops'
    transactions: an op_log row never changes once written, and an op logged by someone
    else after this read makes our own insert fail on its unique keys, after which
    :func:`apply_one` looks again inside the transaction. The group path reads inside its
    own transaction, where nobody else can log an op first.
    """
    found: set[str] = set()
    for start in range(0, len(ops), _LOOKUP_CHUNK):
        part = ops[start : start + _LOOKUP_CHUNK]
        by_client: dict[str, list[int]] = {}
        for op in part:
            by_client.setdefault(op.client_id, []).append(op.client_seq)
        # one search per unique key, each on its index (joined by OR, SQLite reads every
        # op_log row of the project instead)
        select_sql = f"SELECT op_id, client_id, client_seq FROM op_log WHERE project_id = {marker}"
        searches = [f"{select_sql} AND op_id IN ({', '.join(marker for _ in part)})"]
        params: list[Any] = [project_id, *(op.op_id for op in part)]
        for client, seqs in by_client.items():
            searches.append(
                f"{select_sql} AND client_id = {marker} "
                f"AND client_seq IN ({', '.join(marker for _ in seqs)})"
            )
            params += [project_id, client, *seqs]
        cur.execute(" UNION ALL ".join(searches), params)
        for op_id, client, seq in cur.fetchall():
            found.add(str(op_id))
            found.add(f"{client}#{seq}")
    return found




class _RefuseAfterRollback(Exception):
    """The op must be refused, but only after its transaction is rolled back."""

    def __init__(self, result: OpResult) -> None:
        super().__init__(result.reason)
        self.result = result


def apply_one(
    db: Database,
    conn: Connection,
    project_id: str,
    actor: Actor,
    op: Op,
    *,
    client_id: str,
    seen: bool = True,
) -> OpResult:
    """One op in one write transaction on ``conn``.

    ``seen=False`` says a read just before found no earlier answer for this op, which
    saves looking again inside the transaction (a race is caught by op_log's unique keys).
    """
    digest = payload_hash(op, project_id, actor.user)
    look = seen
    # the hot path talks to the driver: its own exception classes count as well
    driver = conn.dialect.loaded_dbapi
    integrity_errors = (IntegrityError, driver.IntegrityError)
    data_errors = (DataError, OverflowError, driver.DataError)
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with db.transaction(conn):
                writes = _Writes(conn, rows.cursor(conn))
                result = _apply_locked(db, writes, project_id, actor, op, client_id, digest,
                                       look, lock=True)
                writes.notices.finish(writes.flush)
                writes.flush()
                return result
        except integrity_errors:
            # Another request recorded this op (or created this record) between our look
            # and our write; the next attempt sees its row and answers from it.
            if attempt == _ATTEMPTS:
                raise
            look = True
            log.info("op %s raced another writer; trying again", op.op_id)
        except data_errors as exc:
            # a value the rules allow but the database cannot hold (an enormous number)
            refusal = _rejected(
                op, "validation",
                f"A value in this change is too large to store ({type(exc).__name__}); "
                "correct it and try again.",
            )
            return _log_refusal(db, conn, project_id, op, digest, refusal)
        except _RefuseAfterRollback as refused:
            return _log_refusal(db, conn, project_id, op, digest, refused.result)
    raise AssertionError("unreachable")


def _log_refusal(
    db: Database, conn: Connection, project_id: str, op: Op, digest: str, result: OpResult
) -> OpResult:
    """Record a refusal in its own transaction, so that a replay gets the same answer."""
    try:
        with db.transaction(conn):
            earlier = _answered_before(conn, project_id, op, digest)
            if earlier is not None:
                return earlier
            writes = _Writes(conn, rows.cursor(conn))
            _log(writes, project_id, op, digest, result, utcnow())
            writes.flush()
    except (IntegrityError, conn.dialect.loaded_dbapi.IntegrityError):
        with db.transaction(conn):
            earlier = _answered_before(conn, project_id, op, digest)
        if earlier is None:
            raise
        return earlier
    return result


def _log(
    writes: _Writes, project_id: str, op: Op, digest: str, result: OpResult, now: datetime
) -> None:
    c = rows.codec(writes.conn, op_log)
    writes.add(
        c,
        c.insert_sql,
        c.encode_row(
            {
                "op_id": op.op_id,
                "project_id": project_id,
                "client_id": op.client_id,
                "client_seq": op.client_seq,
                "payload_hash": digest,
                "result": rows.JsonText(result.model_dump_json(exclude_none=True)),
                "at": now,
            }
        ),
    )


def _apply_locked(
    db: Database,
    writes: _Writes,
    project_id: str,
    actor: Actor,
    op: Op,
    client_id: str,
    digest: str,
    look: bool,
    *,
    lock: bool = False,
    notify: bool = True,
    seqs: dict[str, int] | None = None,
) -> OpResult:
    conn, cur = writes.conn, writes.cur
    if lock and db.is_postgresql:
        # the row lock that makes writers of one project take turns (SQLite's BEGIN
        # IMMEDIATE already gave us the database's write lock)
        cur.execute(_counter_sql(conn)[0], (project_id,))
        if cur.fetchone() is None:
            raise UnknownProject(project_id)

    if look:
        earlier = _answered_before(conn, project_id, op, digest)
        if earlier is not None:
            return earlier

    now = utcnow()
    if op.client_id != client_id:
        result = _rejected(
            op,
            "validation",
            f"This op says it comes from client {op.client_id}, but the push is from "
            f"client {client_id}; a client pushes only its own ops.",
        )
    else:
        try:
            # Every DomainError is raised before the first write of the transaction.
            result = _apply_rules(db, writes, project_id, actor, op, now, notify=notify,
                                  seqs=seqs)
        except DomainError as exc:
            result = _rejected(op, exc.code, exc.message)
        except (SQLAlchemyError, OverflowError, conn.dialect.loaded_dbapi.Error):
            raise
        except Exception as exc:
            # A bug must not wedge a client's queue behind this op: refuse it (logged),
            # the rest of the push goes on.
            log.exception("op %s (%s %s) failed unexpectedly", op.op_id, op.action, op.entity)
            raise _RefuseAfterRollback(
                _rejected(
                    op, "server_error",
                    f"The server could not apply this change ({type(exc).__name__}) and "
                    "changed nothing; tell the server's administrator.",
                )
            ) from exc
    _log(writes, project_id, op, digest, result, now)
    return result


def _answered_before(conn: Connection, project_id: str, op: Op, digest: str) -> OpResult | None:
    logged = conn.execute(
        SQL.answered,
        {"b_project_id": project_id, "b_op_id": op.op_id, "b_client_id": op.client_id, "b_client_seq": op.client_seq},
    ).all()
    for row in logged:
        if row.op_id == op.op_id and row.payload_hash == digest:
            first = OpResult.model_validate(row.result)
            return first.model_copy(
                update={"status": OpStatus.DUPLICATE, "first_status": first.status}
            )
    for row in logged:
        if row.op_id == op.op_id:
            return _rejected(
                op,
                "op_id_reused",
                f"Op id {op.op_id} was already used for a different change; "
                "every change needs a new op id.",
            )
        return _rejected(
            op,
            "client_seq_reused",
            f"Client {op.client_id} already sent op number {op.client_seq} with another op id; "
            "the client's outbox is out of step with the server. Reset the local cache.",
        )
    return None


def _rejected(op: Op, code: str, reason: str) -> OpResult:
    return OpResult(
        op_id=op.op_id, client_seq=op.client_seq, status=OpStatus.REJECTED, code=code,
        reason=reason,
    )


def _domain_record(kind: EntityKind, row: Mapping[str, Any]) -> Record:
    return {name: row[name] for name in entity_columns(kind)}


def _apply_rules(
    db: Database,
    writes: _Writes,
    project_id: str,
    actor: Actor,
    op: Op,
    now: datetime,
    *,
    notify: bool = True,
    seqs: dict[str, int] | None = None,
) -> OpResult:
    conn, cur = writes.conn, writes.cur
    kind = op.entity
    if actor.role is not None:
        check_permission(actor.role, kind, op.action)
    # before anything here walks the fields (apply_op checks again: a flat op costs nothing)
    check_fields_bounds(op)
    if kind is EntityKind.PROJECT:
        if op.entity_id != project_id:
            raise ValidationFailed(
                "A project record's id is the project's id; this op names another project."
            )
        if op.action is OpAction.DELETE:
            raise ValidationFailed(
                "A project is not deleted through sync; ask the server's administrator."
            )

    codec = rows.codec(conn, table_of(kind))
    row = writes.row(codec, op.entity_id)
    if row is not None and row["project_id"] != project_id:
        if op.action in (OpAction.CREATE, OpAction.APPEND):
            raise ValidationFailed(
                f"The id {op.entity_id} is already used by another record; make a new id.",
            )
        row = None  # not this project's: as good as absent
    current = None if row is None else _domain_record(kind, row)
    field_versions: dict[str, list[Any]] = {} if row is None else dict(row["field_versions"] or {})
    policy = writes.policy(project_id) if kind is EntityKind.ISSUE else None
    facts = ServerFacts(conn, project_id, actor.role, writes.rows)

    effective = op
    conflicts: Record = {}
    if op.action is OpAction.UPDATE and current is not None:
        known = {name: (int(v[0]), str(v[1])) for name, v in field_versions.items()}
        to_apply, conflicts = merge_update(current, known, op.base_version, op.fields,
                                           op.client_id, kind)
        if conflicts:
            # The whole op must still be valid: a conflict never hides a refusal.
            apply_op(current, op, project_id=project_id, actor=actor.user, now=now, policy=policy,
                     facts=facts)
            if not to_apply:
                return OpResult(
                    op_id=op.op_id,
                    client_seq=op.client_seq,
                    status=OpStatus.CONFLICT,
                    version=int(current["version"]),
                    current=encode_record(current),
                    conflicts=encode_record(conflicts),
                )
            effective = op.model_copy(update={"fields": to_apply})

    new = apply_op(current, effective, project_id=project_id, actor=actor.user, now=now,
                   policy=policy, facts=facts)
    if kind is EntityKind.MEMBER and new is not None:
        _check_one_membership(conn, project_id, new)

    if seqs is not None:  # the writer holds the counter row and writes it back once
        seq = seqs[project_id] = seqs[project_id] + 1
    else:
        cur.execute(_counter_sql(conn)[1], (project_id,))
        bumped = cur.fetchone()
        if bumped is None:
            raise UnknownProject(project_id)
        seq = int(bumped[0])
    if new is None:
        assert current is not None
        version = int(current["version"]) + 1
        writes.add(codec, codec.delete_by_id, (op.entity_id,), op.entity_id)
    else:
        version = int(new["version"])
        if current is None:
            writes.add(codec, codec.insert_sql, codec.encode_row(new), op.entity_id)
        else:
            changed = _changed_fields(current, new)
            for name in changed:
                field_versions[name] = [version, op.client_id]
            # only what changed: unchanged indexed columns then cost no index writes
            names = (*changed, *_STAMP_FIELDS, "field_versions")
            values = {**new, "field_versions": field_versions}
            writes.add(
                codec,
                codec.update_by_id_sql(names),
                (*(codec.encode(n, values[n]) for n in names), op.entity_id),
                op.entity_id,
            )
    data = None if new is None else encode_record(new)
    feed = rows.codec(conn, change)
    writes.add(
        feed,
        feed.insert_sql,
        feed.encode_row(
            {
                "project_id": project_id,
                "seq": seq,
                "entity": kind.value,
                "entity_id": op.entity_id,
                "version": version,
                "deleted": new is None,
                "data": data,
                "op_id": op.op_id,
                "by": actor.user,
                "at": now,
            }
        ),
    )
    writes.notices.change(project_id, kind, current, new, actor.user, now)
    if notify and db.is_postgresql:
        _notify(cur, project_id, seq)
    return OpResult(
        op_id=op.op_id,
        client_seq=op.client_seq,
        status=OpStatus.CONFLICT if conflicts else OpStatus.APPLIED,
        seq=seq,
        version=version,
        current=data if conflicts else None,
        conflicts=encode_record(conflicts) if conflicts else None,
    )


def _notify(cur: Any, project_id: str, seq: int) -> None:
    # delivered to every replica's LISTEN when (and only if) the transaction commits
    cur.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, f"{project_id}:{seq}"))


def _changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [
        name
        for name, value in after.items()
        if name not in SYSTEM_FIELDS and encode_value(before.get(name)) != encode_value(value)
    ]


def _check_one_membership(conn: Connection, project_id: str, record: Mapping[str, Any]) -> None:
    other = conn.execute(
        select(member.c.id).where(
            member.c.project_id == project_id,
            member.c.user == record["user"],
            member.c.id != record["id"],
        )
    ).first()
    if other is not None:
        raise ValidationFailed(
            f"{record['user']} is already a member of this project; change their role instead.",
            details={"user": record["user"]},
        )
