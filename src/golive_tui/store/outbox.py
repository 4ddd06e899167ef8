"""The one write path: every local change is applied by the domain's ``apply_op`` and
written with its outbox row (and the record's shadow) in one transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Connection, delete

from golive_tui.domain.codec import encode_record
from golive_tui.domain.enums import EntityKind, OpAction
from golive_tui.domain.errors import DomainError
from golive_tui.domain.ops import Op, Record, apply_op, new_ids
from golive_tui.domain.permissions import check_permission
from golive_tui.domain.rules import REFERENCES
from golive_tui.store.bulk import (
    as_bound,
    bulk_insert,
    execute_in,
    select_in,
    select_rows,
    table_of,
    update_changed,
)
from golive_tui.store.facts import CacheFacts
from golive_tui.store.outbox_rows import label_of, shadow_of
from golive_tui.store.reads import CacheReads
from golive_tui.store.tables import OutboxRow


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


#: an outbox row, its columns in the order :meth:`Outbox._submit` writes them
_OUTBOX_INSERT = (
    "INSERT INTO outbox (client_seq, op_id, project_id, entity, entity_id, action, fields, "
    "base_version, client_time, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
)


class Outbox(CacheReads):
    """Changes made here, applied at once and queued for the server."""

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
        now = self.clock()
        policy = self.policy() if any(c.entity is EntityKind.ISSUE for c in changes) else None
        for change in changes:
            check_permission(self.role, change.entity, change.action)
        with self._lock, self.write_engine.begin() as conn:
            seq = int(self._get_state(conn, "next_client_seq") or "1")
            by_kind: dict[EntityKind, list[Change]] = {}
            for change in changes:
                by_kind.setdefault(change.entity, []).append(change)
            #: each record as read, and as the batch has it so far
            stored: dict[EntityKind, dict[str, Record]] = {}
            currents: dict[str, Record] = {}
            for kind, group in by_kind.items():
                stored[kind] = select_rows(conn, table_of(kind), [c.entity_id for c in group])
                currents.update((i, dict(row)) for i, row in stored[kind].items())
            shadowed = self._shadowed_ids(conn, list(currents) + [c.entity_id for c in changes])
            shadows: list[tuple[str, str, str]] = []
            inserts: dict[EntityKind, list[Record]] = {}
            updates: dict[EntityKind, list[Record]] = {}
            deletes: dict[EntityKind, list[str]] = {}
            outbox: list[tuple[Any, ...]] = []
            #: each distinct ``fields`` of the batch, encoded once (a bulk move shares one)
            encoded: dict[int, tuple[dict[str, Any], str]] = {}
            client_time = as_bound(conn, OutboxRow.__table__.c.client_time, now)  # type: ignore[attr-defined]
            facts = CacheFacts(conn, self.project_id, self.role)
            _read_named_records(facts, by_kind, currents)
            op_ids = new_ids(len(changes))
            for change in changes:
                current = currents.get(change.entity_id)
                fields = encoded.get(id(change.fields))
                if fields is None:
                    as_json = encode_record(change.fields)
                    fields = encoded[id(change.fields)] = (as_json, json.dumps(as_json))
                op = Op(
                    op_id=next(op_ids),
                    client_id=self.client_id,
                    client_seq=seq,
                    entity=change.entity,
                    entity_id=change.entity_id,
                    action=change.action,
                    fields=fields[0],
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
                        Refusal(change.entity_id, label_of(current), exc.code, exc.message)
                    )
                    continue
                seq += 1
                if change.entity_id not in shadowed:
                    shadowed.add(change.entity_id)
                    shadows.append((change.entity_id, change.entity.value,
                                    "null" if current is None else _json(shadow_of(current))))
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
                    facts.note(change.entity, new)
                records.append(new)
                outcome.applied.append(change.entity_id)
                outbox.append((op.client_seq, op.op_id, self.project_id, op.entity.value,
                               op.entity_id, op.action.value, fields[1], op.base_version,
                               client_time))
            for kind, rows in inserts.items():
                bulk_insert(conn, table_of(kind), rows)
            for kind, rows in updates.items():
                self._update_rows(conn, kind, rows, stored[kind])
            for kind, ids in deletes.items():
                t = table_of(kind)
                conn.execute(delete(t).where(t.c.id.in_(ids)))
            if outbox:
                conn.exec_driver_sql(_OUTBOX_INSERT, outbox)
            if shadows:
                conn.exec_driver_sql(
                    "INSERT INTO shadow (entity_id, entity, data) VALUES (?, ?, ?)", shadows
                )
            self._set_state(conn, "next_client_seq", str(seq))
        return outcome, records

    @staticmethod
    def _update_rows(
        conn: Connection, kind: EntityKind, rows: list[Record], stored: Mapping[str, Record]
    ) -> None:
        t = table_of(kind)
        # collapse several changes of one row in a batch to its final value
        final = {row["id"]: row for row in rows}
        # a row as read is updated where it changed; one made earlier in this batch (not
        # in ``stored``) is written again whole: deleted, and inserted with one executemany
        update_changed(conn, t, [r for i, r in final.items() if i in stored], stored)
        made = [i for i in final if i not in stored]
        execute_in(conn, f"DELETE FROM {t.name} WHERE id IN ({{marks}})", made)
        bulk_insert(conn, t, [final[i] for i in made])

    @staticmethod
    def _shadowed_ids(conn: Connection, ids: Sequence[str]) -> set[str]:
        return {eid for (eid,) in select_in(
            conn, "SELECT entity_id FROM shadow WHERE entity_id IN ({marks})",
            list(dict.fromkeys(ids)),
        )}


def _json(value: Any) -> str:
    """JSON text of encoded values, as the JSON columns read it back (non-finite floats as
    Python's ``json`` writes them)."""
    return to_json(value, inf_nan_mode="constants").decode()


def _read_named_records(
    facts: CacheFacts,
    by_kind: Mapping[EntityKind, Sequence[Change]],
    currents: Mapping[str, Record],
) -> None:
    """Read the records that a batch's records name (a number's order and site), a few
    queries for the whole batch, so that the rules asking for them one change at a time
    find them already read."""
    named: dict[EntityKind, set[str]] = {}
    for kind, group in by_kind.items():
        references = REFERENCES.get(kind, {})
        if not references:
            continue
        # the records as they are, and each distinct ``fields`` once (a bulk move shares one)
        records: list[Mapping[str, Any] | None] = [currents.get(c.entity_id) for c in group]
        records += {id(change.fields): change.fields for change in group}.values()
        for name, target in references.items():
            ids = named.setdefault(target, set())
            for record in records:
                value = record.get(name) if record else None
                if isinstance(value, list | tuple):
                    ids.update(str(v) for v in value if v)
                elif value:
                    ids.add(str(value))
    for target, ids in named.items():
        if ids:
            facts.records(target, ids)
