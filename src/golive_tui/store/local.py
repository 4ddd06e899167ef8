"""The local cache: every change goes through one write path that also fills the outbox."""

from __future__ import annotations

import gc
import json
import operator
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Row,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as sm_select

from golive_tui.domain.codec import encode_record, encode_value
from golive_tui.domain.enums import (
    ChecklistStatus,
    DecisionKind,
    EntityKind,
    IssueCategory,
    IssueState,
    NumberType,
    OpAction,
    PortState,
    Priority,
    Role,
    VerificationResult,
)
from golive_tui.domain.errors import DomainError, NotFound
from golive_tui.domain.gate import GateResult, evaluate_gate
from golive_tui.domain.ops import Op, Record, apply_op, new_id, validate_record
from golive_tui.domain.permissions import check_permission
from golive_tui.domain.sla import SlaPolicy, project_policy
from golive_tui.domain.transitions import NEXT_PORT_STATE
from golive_tui.domain.types import utcnow
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.store.db import check_sqlite_file, make_engine
from golive_tui.store.facts import CacheFacts
from golive_tui.store.migrations import migrate
from golive_tui.store.queries import NumberQuery
from golive_tui.store.tables import (
    ROWS,
    ChecklistItemRow,
    DecisionRow,
    IssueNoteRow,
    IssueRow,
    MemberRow,
    MilestoneRow,
    NumberRow,
    OutboxRow,
    PortOrderRow,
    ProblemRow,
    ProjectRow,
    ShadowRow,
    SiteRow,
    SyncStateRow,
    VerificationRow,
)

T = TypeVar("T", bound=SQLModel)
CHUNK = 500
#: a snapshot with more records of one kind than this loads them before indexing them
_REINDEX_ABOVE = 20_000
#: "the op did not change the shadow" (None means the record is deleted)
_UNCHANGED: Any = object()


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
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            converted = memo[value] = proc(value)
            return converted
        except TypeError:  # unhashable (JSON lists and dicts)
            return proc(value)

    return convert


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


def _read_rows(
    rows: Sequence[Mapping[str, Any]],
    names: list[str],
    converters: list[Callable[[Any], Any] | None],
    tail: tuple[Any, ...],
) -> list[tuple[Any, ...]]:
    """Each row's values of ``names``, converted, then ``tail``; KeyError when one lacks a name."""
    if len(names) == 1:
        names = [*names, names[0]]  # itemgetter of one name gives the value, not a tuple
        converters = [*converters, None]
        single = True
    else:
        single = False
    pick = operator.itemgetter(*names)
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
        append((values[:1] if single else values) + tail)
    return out


@dataclass(frozen=True, slots=True)
class Change:
    """One change a caller asks for; the store turns it into an :class:`Op`."""

    entity: EntityKind
    entity_id: str
    action: OpAction
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Refusal:
    entity_id: str
    label: str
    code: str
    reason: str


@dataclass(slots=True)
class BulkOutcome:
    """What a bulk change did: how many applied, and each refusal with its reason."""

    applied: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def summary(self, noun: str = "number") -> str:
        done = f"{len(self.applied):,} {noun}{'s' if len(self.applied) != 1 else ''} changed"
        if not self.refused:
            return done
        reasons: dict[str, int] = {}
        for refusal in self.refused:
            reasons[refusal.reason] = reasons.get(refusal.reason, 0) + 1
        top = "; ".join(f"{count} × {reason}" for reason, count in list(reasons.items())[:3])
        return f"{done}; {len(self.refused):,} refused: {top}"


class LocalStore:
    """A golive cache file: the project's records, the outbox and the sync bookkeeping.

    Thread-safe: the TUI calls it from worker threads. Writes queue on SQLite's lock.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        actor: str = "local",
        role: Role = Role.IPM,
        project_id: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        check_sqlite_file(self.path)
        self.write_engine = make_engine(self.path, immediate=True)
        self.read_engine = make_engine(self.path, immediate=False)
        migrate(self.write_engine)
        self.actor = actor
        self.role = role
        self._lock = threading.RLock()
        self.client_id = self._ensure_client_id()
        self.project_id = project_id or self._first_project_id() or ""

    # -- bookkeeping ---------------------------------------------------------------------

    def close(self) -> None:
        self.write_engine.dispose()
        self.read_engine.dispose()

    def _ensure_client_id(self) -> str:
        with self.write_engine.begin() as conn:
            existing = self._get_state(conn, "client_id")
            if existing:
                return existing
            client_id = str(uuid.uuid4())
            self._set_state(conn, "client_id", client_id)
            self._set_state(conn, "next_client_seq", "1")
            return client_id

    @staticmethod
    def _get_state(conn: Connection, key: str) -> str | None:
        t = SyncStateRow.__table__  # type: ignore[attr-defined]
        return conn.execute(select(t.c.value).where(t.c.key == key)).scalar_one_or_none()

    @staticmethod
    def _set_state(conn: Connection, key: str, value: str) -> None:
        t = SyncStateRow.__table__  # type: ignore[attr-defined]
        if conn.execute(update(t).where(t.c.key == key).values(value=value)).rowcount == 0:
            conn.execute(insert(t).values(key=key, value=value))

    def get_state(self, key: str) -> str | None:
        with self.read_engine.connect() as conn:
            return self._get_state(conn, key)

    def set_state(self, key: str, value: str) -> None:
        with self.write_engine.begin() as conn:
            self._set_state(conn, key, value)

    def _first_project_id(self) -> str | None:
        t = table_of(EntityKind.PROJECT)
        with self.read_engine.connect() as conn:
            return conn.execute(select(t.c.id).order_by(t.c.name).limit(1)).scalar_one_or_none()

    def policy(self) -> SlaPolicy:
        project = self.project()
        if project is None:
            return SlaPolicy.default()
        return project_policy(project.sla_policy, project.time_zone)

    # -- the write path ------------------------------------------------------------------

    def submit(self, change: Change) -> Record | None:
        """Apply one change locally and queue it for the server; raises a DomainError."""
        _outcome, records = self._submit([change], atomic=True)
        return records[0]

    def submit_many(self, changes: Sequence[Change], *, atomic: bool = False) -> BulkOutcome:
        """Apply many changes in one transaction, each validated on its own.

        With ``atomic`` the first refusal raises and nothing is written; otherwise refused
        changes are reported and the rest apply. Each applied change writes its outbox row
        in the same transaction as the record, so a crash keeps both or neither.
        """
        return self._submit(changes, atomic=atomic)[0]

    def _submit(
        self, changes: Sequence[Change], *, atomic: bool
    ) -> tuple[BulkOutcome, list[Record | None]]:
        outcome = BulkOutcome()
        records: list[Record | None] = []
        now = utcnow()
        policy = self.policy() if any(c.entity is EntityKind.ISSUE for c in changes) else None
        for change in changes:
            check_permission(self.role, change.entity, change.action)
        with self._lock, self.write_engine.begin() as conn:
            seq = int(self._get_state(conn, "next_client_seq") or "1")
            by_kind: dict[EntityKind, list[Change]] = {}
            for change in changes:
                by_kind.setdefault(change.entity, []).append(change)
            currents: dict[str, Record] = {}
            for kind, group in by_kind.items():
                currents.update(self._load(conn, kind, [c.entity_id for c in group]))
            shadowed = self._shadowed_ids(conn, list(currents) + [c.entity_id for c in changes])
            shadows: list[dict[str, Any]] = []
            inserts: dict[EntityKind, list[Record]] = {}
            updates: dict[EntityKind, list[Record]] = {}
            deletes: dict[EntityKind, list[str]] = {}
            outbox: list[dict[str, Any]] = []
            facts = CacheFacts(conn, self.project_id, self.role)
            for change in changes:
                current = currents.get(change.entity_id)
                op = Op(
                    client_id=self.client_id,
                    client_seq=seq,
                    entity=change.entity,
                    entity_id=change.entity_id,
                    action=change.action,
                    fields=encode_record(change.fields),
                    base_version=None if current is None else int(current["version"]),
                    client_time=now,
                )
                try:
                    pending = int(current.pop("pending", 0)) if current else 0
                    new = apply_op(
                        current,
                        op,
                        project_id=self.project_id,
                        actor=self.actor,
                        now=now,
                        policy=policy,
                        facts=facts,
                    )
                except DomainError as exc:
                    if current is not None:
                        current["pending"] = pending
                    if atomic:
                        raise
                    outcome.refused.append(
                        Refusal(change.entity_id, _label(current), exc.code, exc.message)
                    )
                    continue
                seq += 1
                if change.entity_id not in shadowed:
                    shadowed.add(change.entity_id)
                    shadows.append({
                        "entity_id": change.entity_id, "entity": change.entity.value,
                        "data": None if current is None else _shadow(current),
                    })
                if new is None:
                    deletes.setdefault(change.entity, []).append(change.entity_id)
                    currents.pop(change.entity_id, None)
                else:
                    # the cache keeps the server's version: it is the base of the next op
                    new["version"] = int(current["version"]) if current else 0
                    new["pending"] = pending + 1
                    target = updates if current is not None else inserts
                    target.setdefault(change.entity, []).append(new)
                    currents[change.entity_id] = dict(new)
                records.append(new)
                outcome.applied.append(change.entity_id)
                outbox.append(
                    {
                        "client_seq": op.client_seq,
                        "op_id": op.op_id,
                        "project_id": self.project_id,
                        "entity": op.entity.value,
                        "entity_id": op.entity_id,
                        "action": op.action.value,
                        "fields": op.fields,
                        "base_version": op.base_version,
                        "client_time": now,
                        "attempts": 0,
                    }
                )
            for kind, rows in inserts.items():
                bulk_insert(conn, table_of(kind), rows)
            for kind, rows in updates.items():
                self._update_rows(conn, kind, rows)
            for kind, ids in deletes.items():
                t = table_of(kind)
                conn.execute(delete(t).where(t.c.id.in_(ids)))
            bulk_insert(conn, OutboxRow.__table__, outbox)  # type: ignore[attr-defined]
            bulk_insert(conn, ShadowRow.__table__, shadows)  # type: ignore[attr-defined]
            self._set_state(conn, "next_client_seq", str(seq))
        return outcome, records

    @staticmethod
    def _update_rows(conn: Connection, kind: EntityKind, rows: list[Record]) -> None:
        t = table_of(kind)
        # collapse several changes of one row in a batch to its final value
        final = {row["id"]: row for row in rows}
        # delete + one executemany insert: far cheaper than an UPDATE per row
        ids = list(final)
        for start in range(0, len(ids), CHUNK):
            conn.execute(delete(t).where(t.c.id.in_(ids[start : start + CHUNK])))
        bulk_insert(conn, t, list(final.values()))

    @staticmethod
    def _shadowed_ids(conn: Connection, ids: Sequence[str]) -> set[str]:
        t = ShadowRow.__table__  # type: ignore[attr-defined]
        found: set[str] = set()
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            found.update(conn.execute(select(t.c.entity_id).where(t.c.entity_id.in_(chunk))).scalars())
        return found

    @staticmethod
    def _load(conn: Connection, kind: EntityKind, ids: Sequence[str]) -> dict[str, Record]:
        t = table_of(kind)
        found: dict[str, Record] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            for row in conn.execute(select(t).where(t.c.id.in_(chunk))).mappings():
                found[row["id"]] = dict(row)
        return found

    # -- sync: push results, pulled changes, snapshots ----------------------------------

    @property
    def cursor(self) -> int:
        return int(self.get_state(f"cursor:{self.project_id}") or "0")

    def apply_push_results(self, results: Sequence[OpResult]) -> list[dict[str, Any]]:
        """Settle pushed ops: drop them from the outbox, record refusals, rebase.

        Returns the problems recorded (rejected or conflicting ops), for notices. A batch
        of 500 results is settled with a handful of statements, not a dozen per op.
        """
        ob = OutboxRow.__table__  # type: ignore[attr-defined]
        pt = ProblemRow.__table__  # type: ignore[attr-defined]
        problems: list[dict[str, Any]] = []
        now = utcnow()
        by_op = {res.op_id: res for res in results}
        with self._lock, self.write_engine.begin() as conn:
            rows: list[dict[str, Any]] = []
            op_ids = list(by_op)
            # each op's fields as the stored JSON text: a confirmed op needs none of them,
            # and decoding every op's was a good part of settling a batch
            columns = [
                type_coerce(c, Text).label("fields_json") if c.name == "fields" else c
                for c in ob.columns
            ]
            for start in range(0, len(op_ids), CHUNK):
                chunk = op_ids[start : start + CHUNK]
                rows.extend(
                    r._asdict()
                    for r in conn.execute(select(*columns).where(ob.c.op_id.in_(chunk)))
                )
                conn.execute(delete(ob).where(ob.c.op_id.in_(chunk)))
            if not rows:
                return problems
            rows.sort(key=lambda r: int(r["client_seq"]))
            entity_ids = list(dict.fromkeys(r["entity_id"] for r in rows))
            shadows = self._load_shadows(conn, entity_ids)
            still_pending = self._entities_in_outbox(conn, entity_ids)
            # Fast path: a record whose pending ops were all applied, in order, keeps its row
            # as it is (it already is the shadow with those ops applied) and only stops being
            # pending; the change feed brings the server's exact version right after.
            confirmed: dict[str, int] = {}
            slow: set[str] = set(still_pending)
            for row in rows:
                res = by_op[row["op_id"]]
                entity_id = row["entity_id"]
                status = res.outcome
                version = res.version
                if (
                    status is not OpStatus.APPLIED or version is None
                    or (entity_id in shadows and not _newer(shadows[entity_id], version))
                ):
                    slow.add(entity_id)
                elif entity_id not in slow:
                    confirmed[entity_id] = max(confirmed.get(entity_id, 0), int(version))
            for entity_id in slow:
                confirmed.pop(entity_id, None)
            for row in rows:  # replayed or kept as a problem: these need their fields
                raw = row.pop("fields_json")
                if row["entity_id"] not in confirmed:
                    row["fields"] = {} if raw is None else json.loads(raw)
            changed: dict[str, EntityKind] = {}
            touched: dict[str, EntityKind] = {}
            fast: dict[EntityKind, list[dict[str, Any]]] = {}
            policy: SlaPolicy | None = None
            for row in rows:
                res = by_op[row["op_id"]]
                kind = EntityKind(row["entity"])
                entity_id = row["entity_id"]
                status = res.outcome
                if entity_id in confirmed:
                    if confirmed[entity_id] >= 0:
                        fast.setdefault(kind, []).append(
                            {"_id": entity_id, "_version": confirmed[entity_id]}
                        )
                        confirmed[entity_id] = -1  # once per record
                    continue
                touched[entity_id] = kind
                if status is OpStatus.APPLIED:
                    if entity_id in shadows and not _newer(shadows[entity_id], res.version):
                        # the shadow already holds this op's effect (a pull or a snapshot
                        # after a lost answer): advancing again would go back in time
                        continue
                    if entity_id in shadows:
                        if policy is None and kind is EntityKind.ISSUE:
                            policy = self.policy()
                        advanced = self._advanced(kind, shadows[entity_id], row,
                                                  res.version, policy)
                        if advanced is not _UNCHANGED:
                            shadows[entity_id] = advanced
                            changed[entity_id] = kind
                    continue
                current = res.current
                if status is OpStatus.CONFLICT and current is not None and (
                    entity_id not in shadows or _newer(shadows[entity_id], current.get("version"))
                ):
                    shadows[entity_id] = _shadow(current)
                    changed[entity_id] = kind
                problems.append({
                    "op_id": row["op_id"], "project_id": row["project_id"],
                    "outcome": status.value, "code": res.code or status.value,
                    "message": res.reason or "",
                    "entity": row["entity"], "entity_id": entity_id,
                    "action": row["action"], "fields": row["fields"],
                    "details": {"conflicts": res.conflicts or {},
                                **_kept_by(current, self.actor)},
                    "at": now, "made_at": row["client_time"],
                })
            for kind, params in fast.items():
                t = table_of(kind)
                conn.execute(
                    update(t).where(t.c.id == bindparam("_id"))
                    .values(pending=0, version=bindparam("_version")),
                    params,
                )
            if fast:
                sh = ShadowRow.__table__  # type: ignore[attr-defined]
                done = [p["_id"] for params in fast.values() for p in params]
                for start in range(0, len(done), CHUNK):
                    conn.execute(delete(sh).where(sh.c.entity_id.in_(done[start : start + CHUNK])))
            self._write_shadows(conn, {eid: (changed[eid], shadows[eid]) for eid in changed})
            if problems:
                ids = [p["op_id"] for p in problems]
                for start in range(0, len(ids), CHUNK):
                    conn.execute(delete(pt).where(pt.c.op_id.in_(ids[start : start + CHUNK])))
                conn.execute(insert(pt), problems)
            self._rebase_many(conn, touched, shadows)
        return problems

    def apply_changes(
        self, changes: Sequence[Mapping[str, Any]], server_seq: int
    ) -> list[Mapping[str, Any]]:
        """Apply the server's changes in order, rebase pending ops, move the cursor.

        Returns the changes that were new to this cache (for live notices).
        """
        fresh: list[Mapping[str, Any]] = []
        with self._lock, self.write_engine.begin() as conn:
            cursor = int(self._get_state(conn, f"cursor:{self.project_id}") or "0")
            shadows = self._load_shadows(conn, [c["entity_id"] for c in changes])
            touched: dict[str, EntityKind] = {}
            plain: dict[EntityKind, list[Mapping[str, Any]]] = {}
            for change in changes:
                if int(change["seq"]) <= cursor:
                    continue
                fresh.append(change)
                kind = EntityKind(change["entity"])
                data = None if change.get("deleted") else change["data"]
                if change["entity_id"] in shadows:
                    shadows[change["entity_id"]] = None if data is None else _shadow(data)
                    touched[change["entity_id"]] = kind
                else:
                    plain.setdefault(kind, []).append(change)
            for kind, group in plain.items():
                last: dict[str, Mapping[str, Any]] = {}
                for change in group:
                    last[change["entity_id"]] = change
                t = table_of(kind)
                ids = list(last)
                for start in range(0, len(ids), CHUNK):
                    conn.execute(delete(t).where(t.c.id.in_(ids[start : start + CHUNK])))
                rows = [c["data"] for c in last.values()
                        if not c.get("deleted") and c.get("data") is not None]
                bulk_insert(conn, t, rows)
            self._write_shadows(conn, {eid: (kind, shadows[eid]) for eid, kind in touched.items()})
            self._rebase_many(conn, touched, shadows)
            self._set_state(conn, f"cursor:{self.project_id}", str(max(cursor, server_seq)))
        return fresh

    def replace_with_snapshot(
        self, project_id: str, entities: Mapping[str, Sequence[Mapping[str, Any]]], server_seq: int
    ) -> int:
        """Bootstrap (or re-bootstrap after a 410) from a snapshot, keeping the outbox."""
        count = 0
        with self._lock, self.write_engine.begin() as conn:
            for kind in EntityKind:
                t = table_of(kind)
                column = t.c.id if kind is EntityKind.PROJECT else t.c.project_id
                conn.execute(delete(t).where(column == project_id))
            sh = ShadowRow.__table__  # type: ignore[attr-defined]
            kinds = {
                str(eid): EntityKind(kind_value)
                for eid, kind_value in conn.execute(select(sh.c.entity_id, sh.c.entity)).all()
            }
            shadows = self._load_shadows(conn, list(kinds))
            # a record of this project the snapshot no longer has was deleted on the server
            for eid, data in shadows.items():
                if data is not None and data.get("project_id", project_id) == project_id:
                    shadows[eid] = None
            for raw_kind, records in entities.items():
                kind = EntityKind(raw_kind)
                if shadows:
                    for record in records:
                        if record["id"] in shadows:
                            shadows[record["id"]] = _shadow(record)
                # bulk_insert reads each column from the record (pending defaults to 0) and
                # ignores anything else: no per-record copy of 100,000 dicts
                table = table_of(kind)
                rebuild = sorted(table.indexes, key=lambda i: str(i.name)) if (
                    len(records) >= _REINDEX_ABOVE
                ) else []
                for index in rebuild:
                    # building an index once is cheaper than keeping it up to date per row
                    index.drop(conn)
                bulk_insert(conn, table, records)
                for index in rebuild:
                    index.create(conn)
                count += len(records)
            self._write_shadows(conn, {eid: (kinds[eid], shadows[eid]) for eid in kinds})
            self._rebase_many(conn, kinds, shadows)
            self._set_state(conn, f"cursor:{project_id}", str(server_seq))
        self.project_id = self.project_id or project_id
        return count

    def drop_problem(self, op_id: str) -> None:
        pt = ProblemRow.__table__  # type: ignore[attr-defined]
        with self._lock, self.write_engine.begin() as conn:
            conn.execute(delete(pt).where(pt.c.op_id == op_id))

    def reapply_problem(self, op_id: str) -> Record | None:
        """Submit a refused or conflicting change again, on top of the current state."""
        problem = self.get(ProblemRow, op_id)
        if problem is None:
            raise NotFound("That problem was already dealt with.")
        record = self.submit(
            Change(EntityKind(problem.entity), problem.entity_id, OpAction(problem.action),
                   problem.fields)
        )
        self.drop_problem(op_id)
        return record

    @staticmethod
    def _entities_in_outbox(conn: Connection, entity_ids: Sequence[str]) -> set[str]:
        ob = OutboxRow.__table__  # type: ignore[attr-defined]
        found: set[str] = set()
        for start in range(0, len(entity_ids), CHUNK):
            chunk = entity_ids[start : start + CHUNK]
            found.update(
                conn.execute(select(ob.c.entity_id).where(ob.c.entity_id.in_(chunk))).scalars()
            )
        return found

    def _load_shadows(
        self, conn: Connection, entity_ids: Sequence[str]
    ) -> dict[str, dict[str, Any] | None]:
        """The shadows of these records that have one (data None: only local so far)."""
        sh = ShadowRow.__table__  # type: ignore[attr-defined]
        found: dict[str, dict[str, Any] | None] = {}
        unique = list(dict.fromkeys(entity_ids))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            for eid, data in conn.execute(
                select(sh.c.entity_id, sh.c.data).where(sh.c.entity_id.in_(chunk))
            ).all():
                found[str(eid)] = data
        return found

    def _write_shadows(
        self, conn: Connection, shadows: Mapping[str, tuple[EntityKind, Mapping[str, Any] | None]]
    ) -> None:
        """Replace (or create) these shadows."""
        if not shadows:
            return
        sh = ShadowRow.__table__  # type: ignore[attr-defined]
        ids = list(shadows)
        for start in range(0, len(ids), CHUNK):
            conn.execute(delete(sh).where(sh.c.entity_id.in_(ids[start : start + CHUNK])))
        conn.execute(insert(sh), [
            {"entity_id": eid, "entity": kind.value,
             "data": None if data is None else _shadow(data)}
            for eid, (kind, data) in shadows.items()
        ])

    def _advanced(
        self,
        kind: EntityKind,
        shadow: Mapping[str, Any] | None,
        outbox_row: Mapping[str, Any],
        version: int | None,
        policy: SlaPolicy | None,
    ) -> Any:
        """The shadow after an op the server applied (until the feed brings the truth)."""
        base = None if shadow is None else validate_record(kind, shadow)
        op = _op_from_outbox(self.client_id, outbox_row)
        try:
            # the server applied it: replayed without the rules that look past the record
            new = apply_op(base, op, project_id=outbox_row["project_id"], actor=self.actor,
                           now=op.client_time, policy=policy, facts=None)
        except DomainError:
            return _UNCHANGED
        if new is None:
            return None
        if version is not None:
            new["version"] = version
        return _shadow(new)

    def _rebase_many(
        self,
        conn: Connection,
        touched: Mapping[str, EntityKind],
        shadows: Mapping[str, Mapping[str, Any] | None],
    ) -> None:
        """For each touched record with a shadow: row := shadow, then its pending ops.

        A record with no pending ops left loses its shadow: the row is the server's again.
        """
        sh = ShadowRow.__table__  # type: ignore[attr-defined]
        ob = OutboxRow.__table__  # type: ignore[attr-defined]
        ids = [eid for eid in touched if eid in shadows]
        if not ids:
            return
        ops: dict[str, list[Op]] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for r in conn.execute(
                select(ob).where(ob.c.entity_id.in_(chunk)).order_by(ob.c.client_seq)
            ).mappings():
                ops.setdefault(r["entity_id"], []).append(_op_from_outbox(self.client_id, dict(r)))
        policy: SlaPolicy | None = None
        removed: dict[EntityKind, list[str]] = {}
        rows: dict[EntityKind, list[Record]] = {}
        settled: list[str] = []
        for eid in ids:
            kind = touched[eid]
            data = shadows[eid]
            pending_ops = ops.get(eid, [])
            record = None if data is None else validate_record(kind, data)
            server_version = int(record["version"]) if record else 0
            if pending_ops and kind is EntityKind.ISSUE and policy is None:
                policy = self.policy()
            for op in pending_ops:
                try:
                    # checked against the cache when made; the server checks them again
                    record = apply_op(record, op, project_id=self.project_id or op.entity_id,
                                      actor=self.actor, now=op.client_time, policy=policy,
                                      facts=None)
                except DomainError:
                    continue  # the server will refuse it too, and say why
            removed.setdefault(kind, []).append(eid)
            if record is not None:
                record["version"] = server_version
                record["pending"] = len(pending_ops)
                rows.setdefault(kind, []).append(record)
            if not pending_ops:
                settled.append(eid)
        for kind, gone in removed.items():
            t = table_of(kind)
            for start in range(0, len(gone), CHUNK):
                conn.execute(delete(t).where(t.c.id.in_(gone[start : start + CHUNK])))
        for kind, records in rows.items():
            conn.execute(insert(table_of(kind)), records)
        for start in range(0, len(settled), CHUNK):
            conn.execute(delete(sh).where(sh.c.entity_id.in_(settled[start : start + CHUNK])))

    # -- one function per kind of change -------------------------------------------------

    def transition_number(self, number_id: str, to: PortState, **extra: Any) -> Record | None:
        return self.submit(Change(EntityKind.NUMBER, number_id, OpAction.TRANSITION,
                                  {"to": to.value, **extra}))

    def transition_numbers(
        self, number_ids: Iterable[str], to: PortState, **extra: Any
    ) -> BulkOutcome:
        """Move many numbers at once; each is checked, refusals are reported, not fatal."""
        fields = {"to": to.value, **extra}
        changes = [Change(EntityKind.NUMBER, nid, OpAction.TRANSITION, fields)
                   for nid in number_ids]
        outcome = BulkOutcome()
        # one transaction (one fsync) per 20,000: a typical bulk move commits once;
        # the cyclic GC is paused meanwhile: it would rescan a large heap (an open app
        # holds hundreds of thousands of objects) many times over while nothing here
        # makes reference cycles worth collecting
        with _gc_paused():
            for start in range(0, len(changes), 20_000):
                part = self.submit_many(changes[start : start + 20_000])
                outcome.applied.extend(part.applied)
                outcome.refused.extend(part.refused)
        return outcome

    def transition_order(self, order_id: str, to: PortState, **extra: Any) -> Record | None:
        return self.submit(Change(EntityKind.PORT_ORDER, order_id, OpAction.TRANSITION,
                                  {"to": to.value, **extra}))

    def set_checklist_status(
        self, item_id: str, to: ChecklistStatus, comment: str | None = None
    ) -> Record | None:
        fields: dict[str, Any] = {"to": to.value}
        if comment is not None:
            fields["comment"] = comment
        return self.submit(Change(EntityKind.CHECKLIST_ITEM, item_id, OpAction.TRANSITION, fields))

    def log_verification(
        self,
        test_case: str,
        target: str,
        result: VerificationResult,
        *,
        site_id: str | None = None,
        number_id: str | None = None,
        note: str = "",
        mos: float | None = None,
        loss_pct: float | None = None,
    ) -> Record:
        fields = {
            "test_case": test_case, "target": target, "result": result.value,
            "site_id": site_id, "number_id": number_id, "note": note,
            "mos": mos, "loss_pct": loss_pct,
        }
        record = self.submit(Change(EntityKind.VERIFICATION, new_id(), OpAction.APPEND, fields))
        assert record is not None
        return record

    def open_issue(
        self,
        title: str,
        *,
        priority: Priority = Priority.P3,
        category: IssueCategory = IssueCategory.OTHER,
        description: str = "",
        site_id: str | None = None,
        number_id: str | None = None,
        verification_id: str | None = None,
        assignee: str = "",
        source: str = "team",
    ) -> Record:
        fields = {
            "title": title, "priority": priority.value, "category": category.value,
            "description": description, "site_id": site_id, "number_id": number_id,
            "verification_id": verification_id, "assignee": assignee, "source": source,
        }
        record = self.submit(Change(EntityKind.ISSUE, new_id(), OpAction.CREATE, fields))
        assert record is not None
        return record

    def transition_issue(self, issue_id: str, to: IssueState, **extra: Any) -> Record | None:
        return self.submit(Change(EntityKind.ISSUE, issue_id, OpAction.TRANSITION,
                                  {"to": to.value, **extra}))

    def update_issue(self, issue_id: str, **fields: Any) -> Record | None:
        return self.submit(Change(EntityKind.ISSUE, issue_id, OpAction.UPDATE, fields))

    def add_issue_note(self, issue_id: str, body: str) -> Record:
        if self.get(IssueRow, issue_id) is None:
            raise NotFound(f"No issue with id {issue_id}.")
        record = self.submit(Change(EntityKind.ISSUE_NOTE, new_id(), OpAction.APPEND,
                                    {"issue_id": issue_id, "body": body}))
        assert record is not None
        return record

    def record_decision(
        self, decision: DecisionKind, reason: str, *, unmet: Sequence[str] = ()
    ) -> Record:
        """Record a go / no-go / rollback call; ``unmet`` names the conditions it overrides.

        The rules weigh it against the gate as the cache holds it (and the server against
        its own): whether it is an override, and what it overrides, is theirs to record.
        """
        record = self.submit(Change(EntityKind.DECISION, new_id(), OpAction.APPEND, {
            "decision": decision.value, "reason": reason, "unmet": list(unmet),
        }))
        assert record is not None
        return record

    def update_record(self, kind: EntityKind, entity_id: str, **fields: Any) -> Record | None:
        return self.submit(Change(kind, entity_id, OpAction.UPDATE, fields))

    def create_numbers(self, rows: Iterable[Mapping[str, Any]]) -> BulkOutcome:
        """Add numbers (an import): each row is validated; bad rows are refused by line."""
        changes = [Change(EntityKind.NUMBER, new_id(), OpAction.CREATE, dict(row))
                   for row in rows]
        return self.submit_many(changes)

    def existing_numbers(self) -> set[str]:
        """Every E.164 number of the project, to de-duplicate an import against."""
        t = table_of(EntityKind.NUMBER)
        with self.read_engine.connect() as conn:
            stmt = select(t.c.e164).where(t.c.project_id == self.project_id)
            return set(conn.execute(stmt).scalars())

    def import_numbers(self, rows: Sequence[Any]) -> BulkOutcome:
        """Create numbers from accepted import rows (``domain.number_import.ImportRow``).

        Site and order cells are matched to the project's sites (code or name) and port
        orders (PON); a row naming an unknown one is refused with its line number.
        """
        sites = {}
        for site in self.sites():
            sites[site.code.casefold()] = site.id
            sites[site.name.casefold()] = site.id
        orders = {order.pon.casefold(): order.id for order in self.orders()}
        types = {t.value: t for t in NumberType} | {"toll free": NumberType.TOLL_FREE,
                                                    "tollfree": NumberType.TOLL_FREE}
        changes: list[Change] = []
        refused: list[Refusal] = []
        for row in rows:
            fields: dict[str, Any] = {"e164": row.e164, "assigned_to": row.assigned_to or ""}
            if row.site:
                site_id = sites.get(row.site.strip().casefold())
                if site_id is None:
                    known = ", ".join(sorted(s.code for s in self.sites()))
                    refused.append(Refusal("", f"line {row.line}", "validation",
                                           f"line {row.line}: unknown site '{row.site}' "
                                           f"(sites: {known})"))
                    continue
                fields["site_id"] = site_id
            if row.order:
                order_id = orders.get(row.order.strip().casefold())
                if order_id is None:
                    refused.append(Refusal("", f"line {row.line}", "validation",
                                           f"line {row.line}: unknown port order '{row.order}'"))
                    continue
                fields["order_id"] = order_id
            if row.number_type:
                key = row.number_type.strip().casefold().replace("-", " ")
                fields["number_type"] = types.get(key.replace(" ", "_"), types.get(key,
                                                  NumberType.DID)).value
            changes.append(Change(EntityKind.NUMBER, new_id(), OpAction.CREATE, fields))
        outcome = self.submit_many(changes)
        outcome.refused[:0] = refused
        return outcome

    def iter_numbers(self, query: NumberQuery, chunk: int = 5_000) -> Iterator[Row[Any]]:
        """Every number matching ``query``, in pages (for exports)."""
        offset = 0
        while True:
            page = self.numbers_page(query, offset, chunk)
            yield from page
            if len(page) < chunk:
                return
            offset += chunk

    # -- loading a whole project (fixtures, snapshot) ------------------------------------

    def write_document(self, doc: Iterable[tuple[EntityKind, Record]]) -> int:
        """Write whole records as the server has them (no outbox): seed or snapshot."""
        batches: dict[EntityKind, list[Record]] = {}
        project_id = None
        for kind, record in doc:
            batches.setdefault(kind, []).append({**record, "pending": 0})
            if kind is EntityKind.PROJECT:
                project_id = record["id"]
        count = 0
        with self._lock, self.write_engine.begin() as conn:
            for kind, rows in batches.items():
                t = table_of(kind)
                ids = [r["id"] for r in rows]
                for start in range(0, len(ids), CHUNK):
                    conn.execute(delete(t).where(t.c.id.in_(ids[start : start + CHUNK])))
                bulk_insert(conn, t, rows)
                count += len(rows)
        if project_id and not self.project_id:
            self.project_id = project_id
        return count

    # -- reads ---------------------------------------------------------------------------

    def session(self) -> Session:
        return Session(self.read_engine, expire_on_commit=False)

    def get(self, model: type[T], entity_id: str) -> T | None:
        with self.session() as s:
            return s.get(model, entity_id)

    def _all(self, model: type[T], *order: Any, **where: Any) -> list[T]:
        with self.session() as s:
            stmt = sm_select(model).where(col(model.project_id) == self.project_id)  # type: ignore[attr-defined]
            for name, value in where.items():
                stmt = stmt.where(getattr(model, name) == value)
            return list(s.exec(stmt.order_by(*order)).all())

    def project(self) -> ProjectRow | None:
        return self.get(ProjectRow, self.project_id) if self.project_id else None

    def projects(self) -> list[ProjectRow]:
        with self.session() as s:
            return list(s.exec(sm_select(ProjectRow).order_by(col(ProjectRow.name))).all())

    def sites(self) -> list[SiteRow]:
        return self._all(SiteRow, col(SiteRow.code))

    def milestones(self) -> list[MilestoneRow]:
        return self._all(MilestoneRow, col(MilestoneRow.due_at))

    def members(self) -> list[MemberRow]:
        return self._all(MemberRow, col(MemberRow.display_name))

    def orders(self) -> list[PortOrderRow]:
        return self._all(PortOrderRow, col(PortOrderRow.requested_foc), col(PortOrderRow.pon))

    def checklist(self) -> list[ChecklistItemRow]:
        return self._all(ChecklistItemRow, col(ChecklistItemRow.sort_order),
                         col(ChecklistItemRow.key))

    def verifications(self) -> list[VerificationRow]:
        return self._all(VerificationRow, col(VerificationRow.tested_at))

    def issues(self) -> list[IssueRow]:
        return self._all(IssueRow, col(IssueRow.opened_at))

    def issue_notes(self, issue_id: str) -> list[IssueNoteRow]:
        return self._all(IssueNoteRow, col(IssueNoteRow.at), issue_id=issue_id)

    def decisions(self) -> list[DecisionRow]:
        return self._all(DecisionRow, col(DecisionRow.at))

    def number_by_e164(self, e164: str) -> NumberRow | None:
        with self.session() as s:
            stmt = sm_select(NumberRow).where(
                col(NumberRow.project_id) == self.project_id, col(NumberRow.e164) == e164
            )
            return s.exec(stmt).first()

    def numbers_page(self, query: NumberQuery, offset: int, limit: int) -> list[Row[Any]]:
        """One page of numbers as light rows (attribute access, no ORM objects)."""
        with self.read_engine.connect() as conn:
            return list(conn.execute(query.select_page(offset, limit)).all())

    def count_numbers(self, query: NumberQuery) -> int:
        with self.read_engine.connect() as conn:
            return int(conn.execute(query.select_count()).scalar_one())

    def number_ids(self, query: NumberQuery) -> list[str]:
        with self.read_engine.connect() as conn:
            return list(conn.execute(query.select_ids()).scalars())

    def advance_numbers(self, number_ids: Iterable[str]) -> BulkOutcome:
        """Move each number to the next state on its porting path (DOMAIN.md §3), several
        states at once; a number whose state has no next step is refused with the reason."""
        t = table_of(EntityKind.NUMBER)
        ids = list(number_ids)
        by_state: dict[PortState, list[str]] = {}
        labels: dict[str, str] = {}
        with self.read_engine.connect() as conn:
            for start in range(0, len(ids), CHUNK):
                for nid, state, e164 in conn.execute(
                    select(t.c.id, t.c.porting_state, t.c.e164)
                    .where(t.c.id.in_(ids[start : start + CHUNK]))
                ):
                    by_state.setdefault(PortState(state), []).append(str(nid))
                    labels[str(nid)] = str(e164)
        outcome = BulkOutcome()
        for state, group in by_state.items():
            target = NEXT_PORT_STATE.get(state)
            if target is None:
                outcome.refused.extend(
                    Refusal(nid, labels[nid], "no_next_state",
                            f"{state.value.replace('_', ' ')} has no next step; "
                            "choose a state with t")
                    for nid in group
                )
                continue
            part = self.transition_numbers(group, target)
            outcome.applied.extend(part.applied)
            outcome.refused.extend(part.refused)
        return outcome

    def number_state_counts(self, **where: str) -> dict[PortState, int]:
        t = table_of(EntityKind.NUMBER)
        conds = [t.c.project_id == self.project_id]
        conds += [t.c[name] == value for name, value in where.items()]
        stmt = select(t.c.porting_state, func.count()).where(and_(*conds)).group_by(
            t.c.porting_state
        )
        with self.read_engine.connect() as conn:
            return {PortState(state): int(n) for state, n in conn.execute(stmt)}

    def counts_by_order(self) -> dict[str, dict[PortState, int]]:
        t = table_of(EntityKind.NUMBER)
        stmt = (
            select(t.c.order_id, t.c.porting_state, func.count())
            .where(t.c.project_id == self.project_id)
            .group_by(t.c.order_id, t.c.porting_state)
        )
        counts: dict[str, dict[PortState, int]] = {}
        with self.read_engine.connect() as conn:
            for order_id, state, n in conn.execute(stmt):
                counts.setdefault(order_id or "", {})[PortState(state)] = int(n)
        return counts

    def carriers(self) -> list[str]:
        return sorted({order.carrier for order in self.orders()})

    def gate(self) -> GateResult:
        return evaluate_gate(
            checklist=self.checklist(), orders=self.orders(), sites=self.sites(),
            issues=self.issues(),
        )

    # -- outbox and problems (read by the sync engine and the status line) ---------------

    def outbox_count(self) -> int:
        t = OutboxRow.__table__  # type: ignore[attr-defined]
        with self.read_engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t)).scalar_one())

    def outbox_batch(self, limit: int = 500, after: int = 0) -> list[Op]:
        """The oldest ``limit`` queued ops whose ``client_seq`` is above ``after``."""
        t = OutboxRow.__table__  # type: ignore[attr-defined]
        with self.read_engine.connect() as conn:
            rows = conn.execute(
                select(t).where(t.c.client_seq > after).order_by(t.c.client_seq).limit(limit)
            ).mappings()
            return [_op_from_outbox(self.client_id, dict(r)) for r in rows]

    def problems(self) -> list[ProblemRow]:
        with self.session() as s:
            stmt = sm_select(ProblemRow).where(col(ProblemRow.project_id) == self.project_id)
            return list(s.exec(stmt.order_by(col(ProblemRow.at).desc())).all())

    def iter_records(self, kind: EntityKind) -> Iterator[Record]:
        t = table_of(kind)
        with self.read_engine.connect() as conn:
            for row in conn.execute(select(t).where(t.c.project_id == self.project_id)).mappings():
                yield dict(row)


def _kept_by(current: Mapping[str, Any] | None, me: str) -> dict[str, Any]:
    """Who made the change a conflict kept, and when, as the server's record says.

    When the server applied the op's other fields, the record's last change is this
    user's own: then who changed the conflicting field is not known here.
    """
    if not current or not current.get("updated_by") or current["updated_by"] == me:
        return {}
    return {"kept_by": current["updated_by"], "kept_at": encode_value(current.get("updated_at"))}


def _newer(shadow: Mapping[str, Any] | None, version: Any) -> bool:
    """Whether the server's ``version`` is newer than what the shadow holds."""
    if shadow is None or version is None:
        return True
    return int(version) > int(shadow.get("version") or 0)


def _op_from_outbox(client_id: str, row: Mapping[str, Any]) -> Op:
    return Op(
        op_id=row["op_id"], client_id=client_id, client_seq=row["client_seq"],
        entity=EntityKind(row["entity"]), entity_id=row["entity_id"],
        action=OpAction(row["action"]), fields=row["fields"],
        base_version=row["base_version"], client_time=row["client_time"],
    )


def _label(record: Mapping[str, Any] | None) -> str:
    if not record:
        return "?"
    for name in ("e164", "ref", "key", "pon", "code", "name", "title"):
        if record.get(name):
            return str(record[name])
    return str(record.get("id", "?"))


def _shadow(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as the server would send it: the shadow copy keeps no cache-only column."""
    return encode_record(record, omit="pending")


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


__all__ = ["BulkOutcome", "Change", "LocalStore", "Refusal"]
