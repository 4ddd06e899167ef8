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

The group reads the records its ops name and their earlier answers in a few queries for the
whole group (not per push), and holds the rows of
steps 4 and 5 until the group ends, then sends them one ``executemany`` per table
(:class:`~golive_tui.server.writes.Writes`); a read of something the group wrote sends the
held rows first.

A refusal by the rules (:class:`~golive_tui.domain.errors.DomainError`) is an answer
(``rejected``, with its code and reason), not an error: the rest of the push goes on, and
it is raised before the op's first write, so nothing of a refused op is left behind.

Anything else that goes wrong inside a group (a unique key that a concurrent writer took
first, a value the database cannot hold, a bug) rolls the whole group back, and its pushes
are applied again one op per transaction by :func:`apply_push`, where each such case has
its own answer. Per-op atomicity holds either way; the group only shares the commit."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from golive_tui.domain.clock import utcnow
from golive_tui.domain.enums import EntityKind, OpAction
from golive_tui.domain.errors import DomainError
from golive_tui.domain.ops import NEW_APART, Op
from golive_tui.domain.permissions import can
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.server import rows
from golive_tui.server.accounts import access_sent, forget_access_ahead
from golive_tui.server.apply_rules import (
    Actor,
    UnknownProject,
    apply_new_records,
    apply_rules,
    notify_change,
)
from golive_tui.server.db import Database
from golive_tui.server.op_log import (
    Digests,
    answered_before,
    log_answer,
    log_answers,
    log_refusal,
    logged_in,
    payload_hash,
    rejected,
)
from golive_tui.server.op_log import (
    logged_sent as op_log_sent,
)
from golive_tui.server.tables import project_counter
from golive_tui.server.writes import Writes, counter_sql

log = logging.getLogger(__name__)

__all__ = ["Actor", "PushJob", "PushOutcome", "UnknownProject", "apply_group", "apply_one",
           "apply_push", "payload_hash", "read_seq"]


_ATTEMPTS = 3


@dataclass(frozen=True)
class PushOutcome:
    results: list[OpResult]
    #: the project's counter after the push
    server_seq: int
    #: the highest seq this push applied, if any (the live events poke)
    last_seq: int | None


def read_seq(conn: Connection, project_id: str) -> int:
    seq = conn.execute(
        select(project_counter.c.seq).where(project_counter.c.project_id == project_id)
    ).scalar_one_or_none()
    if seq is None:
        raise UnknownProject(project_id)
    return int(seq)


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
        logged = logged_in(rows.cursor(conn), rows.marker(conn), project_id, ops)
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


@dataclass(frozen=True)
class PushJob:
    """One push waiting for the writer: which project, which ops, from which client."""

    project_id: str
    ops: Sequence[Op]
    client_id: str
    #: who is pushing, decided inside the write transaction; raises to refuse the push
    authorize: Callable[[Connection], Actor]
    #: the bearer token ``authorize`` checks, if any: the group then reads the access of
    #: all its callers in one statement (:func:`~golive_tui.server.accounts.read_access_ahead`)
    token: str | None = None


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
    with (
        db.connect_for_writes() as conn,
        rows.own_begin(conn) as begin,
        db.transaction(conn),
    ):
        database_errors = (SQLAlchemyError, conn.dialect.loaded_dbapi.Error)
        cur = rows.cursor(conn)
        writes = Writes(conn, cur)
        # the transaction's start, the counters' locks, then what the group reads ahead:
        # one round trip on PostgreSQL
        with rows.pipelined(conn):
            begin()
            locked_sent = _lock_counters_sent(conn, {job.project_id for job in jobs})
            ahead_sent = _read_ahead_sent(writes, jobs)
        seqs = locked_sent()
        locked = dict(seqs)
        try:
            logged = ahead_sent(seqs)
            pokes: dict[str, int] = {}
            with writes.sent_before_reads():
                for job in jobs:
                    if writes.membership_held:  # a later push's caller is read as it now stands
                        writes.flush()
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
                    outcome = _push_locked(db, writes, job, actor, seqs,
                                           logged.get(job.project_id, set()))
                    if outcome.last_seq is not None:
                        pokes[job.project_id] = max(pokes.get(job.project_id, 0),
                                                    outcome.last_seq)
                    outcomes.append(outcome)
                writes.notices.finish(writes.flush)
        finally:
            forget_access_ahead(conn)  # the connection goes back to the pool
        # the held writes, the pokes, the counters and the commit: one round trip on
        # PostgreSQL
        with rows.pipelined(conn) as together:
            if db.is_postgresql:
                for project_id, last_seq in pokes.items():  # one poke per project: clients pull the rest
                    notify_change(cur, project_id, last_seq)
            writes.flush()
            marker = rows.marker(conn)
            for project_id, seq in seqs.items():
                if seq != locked[project_id]:
                    cur.execute(
                        f"UPDATE project_counter SET seq = {marker} WHERE project_id = {marker}",
                        (seq, project_id),
                    )
            if together:
                # the driver commits in the same round trip; the transaction's own commit
                # on leaving ``db.transaction`` then finds nothing left to do
                rows.commit(conn)
    return outcomes


def _lock_counters_sent(conn: Connection, project_ids: set[str]) -> Callable[[], dict[str, int]]:
    """Lock the counter rows of these projects, always in one order; read when the answer
    is called: {project: its seq}, for the projects that have one."""
    sent = []
    for project_id in sorted(project_ids):
        cur = rows.cursor(conn)
        cur.execute(counter_sql(conn)[0], (project_id,))
        sent.append((project_id, cur))

    def read() -> dict[str, int]:
        seqs: dict[str, int] = {}
        for project_id, cur in sent:
            row = cur.fetchone()
            cur.close()
            if row is not None:
                seqs[project_id] = int(row[0])
        return seqs

    return read


def _read_ahead_sent(
    writes: Writes, jobs: Sequence[PushJob]
) -> Callable[[dict[str, int]], dict[str, set[str]]]:
    """Before the group's first write, what its pushes would otherwise each read: the
    op_log rows that may answer its ops, by project; the records its ops name and their
    projects' records; the projects' webhooks; the access of every caller (their tokens and
    memberships, :func:`~golive_tui.server.accounts.read_access_ahead`). Sent together,
    read when the answer is called with the locked counters (a project without one is
    left out); the records those records name are read then, in a few more queries.

    Every round trip here is one the writer would otherwise wait on per push; a record
    written later in the group is read again after its held write is sent."""
    conn = writes.conn
    by_project: dict[str, list[Op]] = {}
    for job in jobs:
        by_project.setdefault(job.project_id, []).extend(job.ops)
    logged_sent = {
        project_id: op_log_sent(conn, project_id, ops) for project_id, ops in by_project.items()
    }
    by_kind: dict[EntityKind, list[str]] = {EntityKind.PROJECT: list(by_project)}
    for ops in by_project.values():
        for op in ops:
            by_kind.setdefault(op.entity, []).append(op.entity_id)
    records_sent = [writes.prefetch_sent(writes.codec_of(kind), ids)
                    for kind, ids in by_kind.items()]
    webhooks_sent = writes.notices.subscribers_sent(list(by_project))
    callers_sent = access_sent(conn, [(job.token, job.project_id) for job in jobs
                                      if job.token is not None])

    def read(seqs: dict[str, int]) -> dict[str, set[str]]:
        logged = {project_id: read_logged() for project_id, read_logged in logged_sent.items()}
        for read_records in records_sent:
            read_records()
        webhooks_sent()
        callers_sent()
        writes.prefetch_named([op for project_id, ops in by_project.items()
                               if project_id in seqs for op in ops])
        return {project_id: found for project_id, found in logged.items() if project_id in seqs}

    return read


def _push_locked(
    db: Database, writes: Writes, job: PushJob, actor: Actor, seqs: dict[str, int],
    logged_before: set[str],
) -> PushOutcome:
    """One push inside the group's transaction; ``seqs`` holds the locked counters and
    ``logged_before`` the answers in op_log before the group began (:func:`_read_ahead`)."""
    logged = logged_before | writes.answered
    results: list[OpResult] = []
    last_seq: int | None = None
    digest_of = Digests(job.project_id, actor.user)
    # the server's clock, read once for the push: its ops are applied in one transaction
    now = utcnow()
    ops = job.ops
    index = 0
    while index < len(ops):
        run = _new_run(writes, job, actor, index, logged)
        if run:
            answers = apply_new_records(writes, job.project_id, actor, run, now, seqs)
            log_answers(writes, job.project_id, run, [digest_of(op) for op in run], answers,
                        now)
            index += len(run)
        else:
            op = ops[index]
            keys = (op.op_id, f"{op.client_id}#{op.client_seq}")
            look = keys[0] in logged or keys[1] in logged
            answers = [_apply_locked(db, writes, job.project_id, actor, op, job.client_id,
                                     digest_of(op), look, notify=False, seqs=seqs, now=now)]
            writes.answered.update(keys)  # the same op again later in this group looks it up
            logged.update(keys)
            index += 1
        for result in answers:
            results.append(result)
            if result.seq is not None and result.status is not OpStatus.DUPLICATE:
                last_seq = max(last_seq or 0, result.seq)
    return PushOutcome(results=results, server_seq=seqs[job.project_id], last_seq=last_seq)


def _new_run(
    writes: Writes, job: PushJob, actor: Actor, start: int, logged: set[str]
) -> list[Op]:
    """The ops from ``start`` on that :func:`apply_new_records` may apply as one run (none
    when the op at ``start`` is not one): each adds a record of a kind in ``NEW_APART``
    that the caller's role may add, under an id that this transaction read as no
    record's and that no other op of the run names, from the push's own client, and
    none was answered before. Their keys are marked answered here, as each op's are
    after it is applied."""
    run: list[Op] = []
    ids: set[tuple[EntityKind, str]] = set()
    role = actor.role
    client_id = job.client_id
    #: per (kind, action): may it start or go on with a run; per kind: its codec
    allowed: dict[tuple[EntityKind, OpAction], bool] = {}
    codecs: dict[EntityKind, rows.TableCodec] = {}
    absent = writes.known_absent
    keys: list[str] = []
    for op in itertools.islice(job.ops, start, None):
        kind = op.entity
        action = op.action
        may = allowed.get((kind, action))
        if may is None:
            may = allowed[(kind, action)] = (
                kind in NEW_APART and action in _ADDS
                and (role is None or can(role, kind, action))
            )
        if not may or op.client_id != client_id:
            break
        op_id = op.op_id
        by_client = f"{op.client_id}#{op.client_seq}"
        if op_id in logged or by_client in logged:
            break
        where = (kind, op.entity_id)
        codec = codecs.get(kind)
        if codec is None:
            codec = codecs[kind] = writes.codec_of(kind)
        if where in ids or not absent(codec, op.entity_id):
            break
        ids.add(where)
        logged.add(op_id)
        logged.add(by_client)
        keys += (op_id, by_client)
        run.append(op)
    writes.answered.update(keys)
    return run


_ADDS = (OpAction.CREATE, OpAction.APPEND)


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
                writes = Writes(conn, rows.cursor(conn))
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
            refusal = rejected(
                op, "validation",
                f"A value in this change is too large to store ({type(exc).__name__}); "
                "correct it and try again.",
            )
            return log_refusal(db, conn, project_id, op, digest, refusal)
        except _RefuseAfterRollback as refused:
            return log_refusal(db, conn, project_id, op, digest, refused.result)
    raise AssertionError("unreachable")


def _apply_locked(
    db: Database,
    writes: Writes,
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
    now: datetime | None = None,
) -> OpResult:
    conn, cur = writes.conn, writes.cur
    if lock and db.is_postgresql:
        # the row lock that makes writers of one project take turns (SQLite's BEGIN
        # IMMEDIATE already gave us the database's write lock)
        cur.execute(counter_sql(conn)[0], (project_id,))
        if cur.fetchone() is None:
            raise UnknownProject(project_id)

    if look:
        earlier = answered_before(conn, project_id, op, digest)
        if earlier is not None:
            return earlier

    if now is None:
        now = utcnow()
    if op.client_id != client_id:
        result = rejected(
            op,
            "validation",
            f"This op says it comes from client {op.client_id}, but the push is from "
            f"client {client_id}; a client pushes only its own ops.",
        )
    else:
        try:
            # Every DomainError is raised before the first write of the transaction.
            result = apply_rules(db, writes, project_id, actor, op, now, notify=notify,
                                  seqs=seqs)
        except DomainError as exc:
            result = rejected(op, exc.code, exc.message)
        except (SQLAlchemyError, OverflowError, conn.dialect.loaded_dbapi.Error):
            raise
        except Exception as exc:
            # A bug must not wedge a client's queue behind this op: refuse it (logged),
            # the rest of the push goes on.
            log.exception("op %s (%s %s) failed unexpectedly", op.op_id, op.action, op.entity)
            raise _RefuseAfterRollback(
                rejected(
                    op, "server_error",
                    f"The server could not apply this change ({type(exc).__name__}) and "
                    "changed nothing; tell the server's administrator.",
                )
            ) from exc
    log_answer(writes, project_id, op, digest, result, now)
    return result
