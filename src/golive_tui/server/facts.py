"""What the rules of an op may look up, read from the server's tables.

:class:`ServerFacts` is the server's :class:`golive_tui.domain.rules.Facts`: it reads on
the connection of the op's write transaction, so a decision is weighed against the gate
as the server holds it at that moment (the project's counter row is locked), never
against a client's view of it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from golive_tui.domain.enums import EntityKind, Role
from golive_tui.domain.ops import Record
from golive_tui.domain.rules import StoredFacts
from golive_tui.server.tables import entity_columns, table_of

#: reads records by id as the write transaction sees them: {id: the row, None if absent}
RowReader = Callable[[EntityKind, Collection[str], str], Mapping[str, Record]]


class ServerFacts(StoredFacts):
    """The records of one project on the server, for the rules of one op.

    ``rows``, when given, answers :meth:`records` (the records of this project among some
    ids): the writer's reader, which answers from what its push already read and sends its
    held writes first when one of them is asked for (``server/apply.py``), so a push of
    10,000 numbers does not query their orders one number at a time.
    """

    def __init__(
        self, conn: Connection, project_id: str, role: Role | None, rows: RowReader | None = None
    ) -> None:
        super().__init__(role)
        self._conn = conn
        self._project_id = project_id
        self._rows = rows

    def records(self, kind: EntityKind, ids: Collection[str]) -> Mapping[str, Record]:
        if self._rows is None:
            return super().records(kind, ids)
        return self._rows(kind, ids, self._project_id)

    def read(self, kind: EntityKind, ids: Sequence[str]) -> Mapping[str, Record]:
        t = table_of(kind)
        stmt = select(*(t.c[n] for n in entity_columns(kind))).where(
            t.c.project_id == self._project_id, t.c.id.in_(ids)
        )
        return {row["id"]: dict(row) for row in self._conn.execute(stmt).mappings()}

    def find(self, kind: EntityKind, **equal: Any) -> Sequence[Record]:
        t = table_of(kind)
        stmt = select(*(t.c[n] for n in entity_columns(kind))).where(
            t.c.project_id == self._project_id, *(t.c[k] == v for k, v in equal.items())
        )
        return [dict(row) for row in self._conn.execute(stmt).mappings()]
