"""What the rules of a change may look up, read from the cache.

:class:`CacheFacts` is the cache's :class:`golive_tui.domain.rules.Facts`: it reads on the
connection of the change's write transaction, so it sees the changes made here that the
server has not confirmed yet. The server weighs the same op again against its own state.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, select

from golive_tui.domain.entities import ENTITY_BASES
from golive_tui.domain.enums import EntityKind, Role
from golive_tui.domain.ops import Record
from golive_tui.domain.rules import StoredFacts, id_chunks
from golive_tui.store.tables import ROWS

#: what ``_known`` answers for an id not read yet
_UNREAD: Any = object()


def _table(kind: EntityKind) -> Table:
    return ROWS[kind].__table__  # type: ignore[attr-defined, no-any-return]


class CacheFacts(StoredFacts):
    """The records of one project in the cache, for the rules of one change."""

    def __init__(self, conn: Connection, project_id: str, role: Role | None) -> None:
        super().__init__(role)
        self._conn = conn
        self._project_id = project_id
        #: records changed earlier in this batch and not written yet, by kind and id
        self._batch: dict[EntityKind, dict[str, Record]] = {}
        #: records read from the cache, by kind and id (None: not there). A batch writes
        #: nothing until it ends and notes what it changes, so a read stays true for it:
        #: 10,000 numbers moved at once ask for their ~1,000 orders once, not 10,000 times.
        self._known: dict[EntityKind, dict[str, Record | None]] = {}

    def note(self, kind: EntityKind, record: Record) -> None:
        """A record this batch changed: later changes of the batch see it as it is now."""
        self._batch.setdefault(kind, {})[record["id"]] = record

    def records(self, kind: EntityKind, ids: Collection[str]) -> Mapping[str, Record]:
        if len(ids) == 1:  # what the rules ask for a change: its project, its order
            (one,) = ids
            batch = self._batch.get(kind)
            if batch is not None and one in batch:
                return {one: dict(batch[one])}
            record = self._known.get(kind, {}).get(one, _UNREAD)
            if record is not _UNREAD:
                return {} if record is None else {one: dict(record)}
        known = self._known.setdefault(kind, {})
        missing = [i for i in ids if i not in known]
        if missing:  # most asks of a batch find what an earlier one read
            for part in id_chunks(list(dict.fromkeys(missing))):
                known.update(self.read(kind, part))
                for i in part:
                    known.setdefault(i, None)
        found: dict[str, Record] = {}
        for i in ids:
            record = known[i]
            if record is not None:
                found[i] = dict(record)
        batch = self._batch.get(kind)
        if batch:
            found.update({i: dict(batch[i]) for i in ids if i in batch})
        return found

    def read(self, kind: EntityKind, ids: Sequence[str]) -> Mapping[str, Record]:
        stmt = self._select(kind).where(_table(kind).c.id.in_(ids))
        return {row["id"]: dict(row) for row in self._conn.execute(stmt).mappings()}

    def find(self, kind: EntityKind, **equal: Any) -> Sequence[Record]:
        t = _table(kind)
        stmt = self._select(kind).where(*(t.c[k] == v for k, v in equal.items()))
        found = {row["id"]: dict(row) for row in self._conn.execute(stmt).mappings()}
        for entity_id, record in self._batch.get(kind, {}).items():
            # a record changed earlier in this batch is found as it is now
            found.pop(entity_id, None)
            if all(str(record.get(k)) == str(v) for k, v in equal.items()):
                found[entity_id] = dict(record)
        return list(found.values())

    def _select(self, kind: EntityKind) -> Any:
        t = _table(kind)
        columns = [t.c[name] for name in ENTITY_BASES[kind].model_fields]
        return select(*columns).where(t.c.project_id == self._project_id)
