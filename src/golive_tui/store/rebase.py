"""What the server sends back, settled into the cache: push results, the change feed,
snapshots and whole documents. A record with pending ops is rebased: its row becomes the
server's version (the shadow) with those ops applied again on top."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, insert, select

from golive_tui.domain.clock import utcnow
from golive_tui.domain.codec import encode_value
from golive_tui.domain.enums import EntityKind, OpAction
from golive_tui.domain.errors import DomainError, NotFound
from golive_tui.domain.ops import Op, Record, apply_op, validate_record
from golive_tui.domain.sla import SlaPolicy
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.store.bulk import CHUNK, bulk_insert, execute_in, select_in, table_of
from golive_tui.store.outbox import Change, Outbox
from golive_tui.store.outbox_rows import op_from_outbox, shadow_of
from golive_tui.store.tables import OutboxRow, ProblemRow, ShadowRow

#: a snapshot with more records of one kind than this loads them before indexing them
REINDEX_ABOVE = 20_000
#: some of one kind's records, as a snapshot's pieces come: ``(kind, records)``
Piece = tuple[str, Sequence[Mapping[str, Any]]]
#: or as a snapshot sent as arrays gives them: ``(kind, column names, rows of their values)``
RowsPiece = tuple[str, Sequence[str], Sequence[Sequence[Any]]]


def as_records(piece: Piece | RowsPiece) -> Piece:
    """A piece with each record a dict of its fields."""
    if len(piece) == 2:
        return piece
    kind, names, rows = piece
    return kind, [dict(zip(names, row, strict=True)) for row in rows]
#: "the op did not change the shadow" (None means the record is deleted)
_UNCHANGED: Any = object()


#: the outbox's columns a settled op is read with
_OUTBOX_COLUMNS = ("op_id, client_seq, project_id, entity, entity_id, action, fields, "
                   "base_version, client_time")


class _Queued(NamedTuple):
    """An outbox row as SQLite has it: its fields JSON text, its time text."""

    op_id: str
    client_seq: int
    project_id: str
    entity: str
    entity_id: str
    action: str
    fields: str | None
    base_version: int | None
    client_time: str

    def as_dict(self) -> dict[str, Any]:
        """The row as the outbox's model reads it: fields decoded, its time a UTC datetime."""
        return {**self._asdict(), "fields": {} if self.fields is None else json.loads(self.fields),
                "client_time": _utc(datetime.fromisoformat(self.client_time))}


def _utc(when: datetime) -> datetime:
    """A time the cache stored (UTC, without an offset) as a UTC datetime."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class Rebase(Outbox):
    """The server's answers and changes, with the local ones kept on top."""

    @property
    def cursor(self) -> int:
        return int(self.get_state(f"cursor:{self.project_id}") or "0")

    def apply_push_results(self, results: Sequence[OpResult]) -> list[dict[str, Any]]:
        """Settle pushed ops: drop them from the outbox, record refusals, rebase.

        Returns the problems recorded (rejected or conflicting ops), for notices. A batch
        of 500 results is settled with a handful of plain statements, not a dozen per op;
        an op the server applied on a record with nothing else pending needs no decoding.
        """
        by_op = {res.op_id: res for res in results}
        with self._lock, self.settle_engine.begin() as conn:
            op_ids = list(by_op)
            # plain tuples in _OUTBOX_COLUMNS' order: (op_id, client_seq, …, entity_id, …)
            rows = select_in(
                conn, f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE op_id IN ({{marks}})", op_ids
            )
            if not rows:
                return []
            execute_in(conn, "DELETE FROM outbox WHERE op_id IN ({marks})", op_ids)
            rows.sort(key=itemgetter(1))
            entity_ids = list(dict.fromkeys([row[4] for row in rows]))
            # the version each shadow holds (None: a record only local so far), read in SQL
            versions: dict[str, Any] = dict(select_in(
                conn, "SELECT entity_id, json_extract(data, '$.version') FROM shadow "
                "WHERE entity_id IN ({marks})", entity_ids,
            ))
            still_pending = {eid for (eid,) in select_in(
                conn, "SELECT DISTINCT entity_id FROM outbox WHERE entity_id IN ({marks})",
                entity_ids,
            )}
            # Fast path: a record whose pending ops were all applied, in order, keeps its row
            # as it is (it already is the shadow with those ops applied) and only stops being
            # pending; the change feed brings the server's exact version right after.
            confirmed: dict[str, int] = {}
            slow: set[str] = still_pending
            for row in rows:
                res = by_op[row[0]]
                entity_id = row[4]
                version = res.version
                if (
                    res.outcome is not OpStatus.APPLIED or version is None
                    or (entity_id in versions and not _newer_than(versions[entity_id], version))
                ):
                    slow.add(entity_id)
                elif entity_id not in slow:
                    confirmed[entity_id] = max(confirmed.get(entity_id, 0), int(version))
            for entity_id in slow:
                confirmed.pop(entity_id, None)
            kinds = {row[4]: row[3] for row in rows}
            fast: dict[str, list[tuple[int, str]]] = {}
            for entity_id, version in confirmed.items():
                fast.setdefault(kinds[entity_id], []).append((version, entity_id))
            for kind_value, params in fast.items():
                table = table_of(EntityKind(kind_value)).name
                conn.exec_driver_sql(f"UPDATE {table} SET pending = 0, version = ? WHERE id = ?",
                                     params)
            execute_in(conn, "DELETE FROM shadow WHERE entity_id IN ({marks})", list(confirmed))
            rest = [_Queued(*row) for row in rows if row[4] not in confirmed]
            if not rest:
                return []
            return self._settle_rest(conn, rest, by_op)

    def _settle_rest(
        self, conn: Connection, queued: Sequence[_Queued], by_op: Mapping[str, OpResult]
    ) -> list[dict[str, Any]]:
        """Settle the ops the fast path left: replayed on their shadows, or kept as problems."""
        pt = ProblemRow.__table__  # type: ignore[attr-defined]
        problems: list[dict[str, Any]] = []
        now = utcnow()
        rows = [row.as_dict() for row in queued]
        shadows = self._load_shadows(conn, [row["entity_id"] for row in rows])
        changed: dict[str, EntityKind] = {}
        touched: dict[str, EntityKind] = {}
        policy: SlaPolicy | None = None
        for row in rows:
            res = by_op[row["op_id"]]
            kind = EntityKind(row["entity"])
            entity_id = row["entity_id"]
            status = res.outcome
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
                shadows[entity_id] = shadow_of(current)
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
        with self._lock, self.settle_engine.begin() as conn:
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
                    shadows[change["entity_id"]] = None if data is None else shadow_of(data)
                    touched[change["entity_id"]] = kind
                else:
                    plain.setdefault(kind, []).append(change)
            for kind, group in plain.items():
                last: dict[str, Mapping[str, Any]] = {}
                for change in group:
                    last[change["entity_id"]] = change
                t = table_of(kind)
                execute_in(conn, f"DELETE FROM {t.name} WHERE id IN ({{marks}})", list(last))
                rows = [c["data"] for c in last.values()
                        if not c.get("deleted") and c.get("data") is not None]
                bulk_insert(conn, t, rows)
            self._write_shadows(conn, {eid: (kind, shadows[eid]) for eid, kind in touched.items()})
            self._rebase_many(conn, touched, shadows)
            self._set_state(conn, f"cursor:{self.project_id}", str(max(cursor, server_seq)))
        return fresh

    def replace_with_snapshot(
        self,
        project_id: str,
        entities: Mapping[str, Sequence[Mapping[str, Any]]] | Iterable[Piece | RowsPiece],
        server_seq: int,
        counts: Mapping[str, int] | None = None,
    ) -> int:
        """Bootstrap (or re-bootstrap after a 410) from a snapshot, keeping the outbox.

        ``entities`` is each kind's records, or ``(kind, records)`` pieces as they arrive
        (``counts`` then says how many of each kind will come; the pieces may be read while
        they are still being downloaded). One transaction: an error raised by the pieces
        leaves the cache as it was. The snapshot is what the server sends again, so it is
        committed without waiting for the disk (``settle_engine``), as the feed's pages are;
        it writes no local change, and the outbox is only read. It marks the project as
        bootstrapped in the same transaction.
        """
        if isinstance(entities, Mapping):
            counts = {kind: len(records) for kind, records in entities.items()}
            pieces: Iterable[Piece] = entities.items()
        else:
            pieces = map(as_records, entities)
        count = 0
        with self._lock, self.settle_engine.begin() as conn:
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
            # building an index once is cheaper than keeping it up to date per row
            rebuild = [
                index for kind in EntityKind if (counts or {}).get(kind.value, 0) >= REINDEX_ABOVE
                for index in sorted(table_of(kind).indexes, key=lambda i: str(i.name))
            ]
            for index in rebuild:
                index.drop(conn)
            for raw_kind, records in pieces:
                kind = EntityKind(raw_kind)
                if shadows:
                    for record in records:
                        if record["id"] in shadows:
                            shadows[record["id"]] = shadow_of(record)
                # bulk_insert reads each column from the record (pending defaults to 0) and
                # ignores anything else: no per-record copy of 100,000 dicts
                bulk_insert(conn, table_of(kind), records)
                count += len(records)
            for index in rebuild:
                index.create(conn)
            self._write_shadows(conn, {eid: (kinds[eid], shadows[eid]) for eid in kinds})
            self._rebase_many(conn, kinds, shadows)
            self._set_state(conn, f"cursor:{project_id}", str(server_seq))
            self._set_state(conn, f"bootstrapped:{project_id}", utcnow().isoformat())
        self.project_id = self.project_id or project_id
        return count

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

    def _load_shadows(
        self, conn: Connection, entity_ids: Sequence[str]
    ) -> dict[str, dict[str, Any] | None]:
        """The shadows of these records that have one (data None: only local so far)."""
        return {
            str(eid): None if data is None else json.loads(data)
            for eid, data in select_in(
                conn, "SELECT entity_id, data FROM shadow WHERE entity_id IN ({marks})",
                list(dict.fromkeys(entity_ids)),
            )
        }

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
             "data": None if data is None else shadow_of(data)}
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
        op = op_from_outbox(self.client_id, outbox_row)
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
        return shadow_of(new)

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
                ops.setdefault(r["entity_id"], []).append(op_from_outbox(self.client_id, dict(r)))
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


def _kept_by(current: Mapping[str, Any] | None, me: str) -> dict[str, Any]:
    """Who made the change a conflict kept, and when, as the server's record says.

    When the server applied the op's other fields, the record's last change is this
    user's own: then who changed the conflicting field is not known here.
    """
    if not current or not current.get("updated_by") or current["updated_by"] == me:
        return {}
    return {"kept_by": current["updated_by"], "kept_at": encode_value(current.get("updated_at"))}


def _newer_than(shadow_version: Any, version: Any) -> bool:
    """:func:`_newer` for a shadow known by its version alone (None: no record yet)."""
    if shadow_version is None or version is None:
        return True
    return int(version) > int(shadow_version)


def _newer(shadow: Mapping[str, Any] | None, version: Any) -> bool:
    """Whether the server's ``version`` is newer than what the shadow holds."""
    if shadow is None or version is None:
        return True
    return int(version) > int(shadow.get("version") or 0)
