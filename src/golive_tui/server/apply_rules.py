"""One op on the server's record: the caller's role, the rules of
:func:`~golive_tui.domain.ops.apply_op` (an update merged field by field first), then the
record, its change row and, on PostgreSQL, the poke, held in the transaction's writes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, select

from golive_tui.domain.codec import encode_record, encode_value
from golive_tui.domain.entities import SYSTEM_FIELDS
from golive_tui.domain.enums import EntityKind, OpAction, Role
from golive_tui.domain.errors import DomainError, ValidationFailed
from golive_tui.domain.ops import (
    Op,
    Record,
    apply_new_run,
    apply_op,
    check_fields_bounds,
    entity_base,
    merge_update,
)
from golive_tui.domain.permissions import check_permission
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.server.db import Database
from golive_tui.server.op_log import rejected
from golive_tui.server.tables import entity_columns, member
from golive_tui.server.writes import Writes, counter_sql

NOTIFY_CHANNEL = "golive_changes"
_STAMP_FIELDS = ("version", "updated_at", "updated_by")


class UnknownProject(LookupError):
    """The project has no counter row: it was never created on this server."""


@dataclass(frozen=True)
class Actor:
    """Who is pushing: a user and their role in the project, or the server itself."""

    user: str
    #: None for the server's own admin commands, which no role limits
    role: Role | None

    @classmethod
    def admin(cls, user: str = "admin") -> Actor:
        return cls(user=user, role=None)


def apply_rules(
    db: Database,
    writes: Writes,
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

    codec = writes.codec_of(kind)
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
    facts = writes.facts_of(project_id, actor.role)

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
        cur.execute(counter_sql(conn)[1], (project_id,))
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
    feed = writes.feed
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
        notify_change(cur, project_id, seq)
    return OpResult(
        op_id=op.op_id,
        client_seq=op.client_seq,
        status=OpStatus.CONFLICT if conflicts else OpStatus.APPLIED,
        seq=seq,
        version=version,
        current=data if conflicts else None,
        conflicts=encode_record(conflicts) if conflicts else None,
    )


def apply_new_records(
    writes: Writes,
    project_id: str,
    actor: Actor,
    ops: Sequence[Op],
    now: datetime,
    seqs: dict[str, int],
) -> list[OpResult]:
    """:func:`apply_rules` for a run of ops that each add a record of a kind in
    :data:`~golive_tui.domain.ops.NEW_APART` under an id no record has, all of which the
    caller's role may make: the rules of the whole run in one call of the domain
    (:func:`~golive_tui.domain.ops.apply_new_run`), then each op's record and change held in
    ``writes``, in order. Its answers are those :func:`apply_rules` gives each op alone,
    a refusal (the rules') included, returned rather than raised."""
    facts = writes.facts_of(project_id, actor.role)
    outcomes = apply_new_run(ops, project_id=project_id, actor=actor.user, now=now, facts=facts)
    feed = writes.feed
    # what every change of the run shares, encoded once
    change_row = feed.encoder_of("seq", "entity", "entity_id", "data", "op_id",
                                 project_id=project_id, version=1, deleted=False,
                                 by=actor.user, at=now)
    #: the answers in order, an applied op's made below with the others of the run
    results: list[OpResult | None] = []
    applied: list[dict[str, Any]] = []
    seq = seqs[project_id]
    # the run's rows by kind, held in the order of its ops (only the order within a
    # table matters: see Writes)
    records: dict[EntityKind, tuple[list[tuple[Any, ...]], list[str]]] = {}
    #: per kind, its row from a new record, which holds every field of its model
    encoders: dict[EntityKind, Callable[[Mapping[str, Any]], tuple[Any, ...]]] = {}
    changes: list[tuple[Any, ...]] = []
    for op, new in zip(ops, outcomes, strict=True):
        if isinstance(new, DomainError):
            results.append(rejected(op, new.code, new.message))
            continue
        kind = op.entity
        seq += 1
        held = records.get(kind)
        if held is None:
            held = records[kind] = ([], [])
            encoders[kind] = writes.codec_of(kind).encoder_of_held(
                entity_base(kind).model_fields)
        held[0].append(encoders[kind](new))
        held[1].append(op.entity_id)
        changes.append(change_row(seq, kind.value, op.entity_id, encode_record(new), op.op_id))
        writes.notices.change(project_id, kind, None, new, actor.user, now)
        results.append(None)
        applied.append({"op_id": op.op_id, "client_seq": op.client_seq,
                        "status": OpStatus.APPLIED, "seq": seq, "version": 1})
    for kind, (encoded, ids) in records.items():
        codec = writes.codec_of(kind)
        writes.add_rows(codec, codec.insert_sql, encoded, ids)
    writes.add_rows(feed, feed.insert_sql, changes)
    seqs[project_id] = seq
    # the applied ops' answers in one call of the model's validator over the list
    made = iter(_ANSWERS.validate_python(applied))
    return [next(made) if result is None else result for result in results]


#: a list of answers, each validated as ``OpResult(**values)`` validates it
_ANSWERS = TypeAdapter(list[OpResult])


def _domain_record(kind: EntityKind, row: Mapping[str, Any]) -> Record:
    return {name: row[name] for name in entity_columns(kind)}


def notify_change(cur: Any, project_id: str, seq: int) -> None:
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
