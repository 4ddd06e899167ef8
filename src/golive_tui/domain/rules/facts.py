"""What the rules may look up beyond the record an op changes (:class:`Facts`), over
stored rows (:class:`StoredFacts`) or records in memory (:class:`RecordFacts`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, Protocol

from golive_tui.domain.enums import (
    EntityKind,
    Role,
)

Record = dict[str, Any]


class Facts(Protocol):
    """What the rules may look up beyond the record an op changes, in one project."""

    @property
    def role(self) -> Role | None:
        """The acting member's role; None for the server's own admin commands."""

    def records(self, kind: EntityKind, ids: Collection[str]) -> Mapping[str, Record]:
        """The records of these ids that exist, by id."""

    def find(self, kind: EntityKind, **equal: Any) -> Sequence[Record]:
        """The records of a kind whose fields equal these values."""


#: how many ids one read of stored rows asks for at once
ID_CHUNK = 500


def id_chunks(ids: Collection[str]) -> Iterator[list[str]]:
    """The ids, each once and in order, in parts of at most :data:`ID_CHUNK`."""
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), ID_CHUNK):
        yield wanted[start : start + ID_CHUNK]


class StoredFacts(ABC):
    """:class:`Facts` over one project's stored rows: the cache's tables or the server's.

    The role and the look-up by id (in parts of :data:`ID_CHUNK`) are the same for both;
    only the reading of rows differs: :meth:`read` (records of these ids) and :meth:`find`.
    """

    def __init__(self, role: Role | None) -> None:
        self._role = role

    @property
    def role(self) -> Role | None:
        return self._role

    def records(self, kind: EntityKind, ids: Collection[str]) -> Mapping[str, Record]:
        found: dict[str, Record] = {}
        for part in id_chunks(ids):
            found.update(self.read(kind, part))
        return found

    @abstractmethod
    def read(self, kind: EntityKind, ids: Sequence[str]) -> Mapping[str, Record]:
        """The stored records of these ids (at most :data:`ID_CHUNK`) that exist, by id."""

    @abstractmethod
    def find(self, kind: EntityKind, **equal: Any) -> Sequence[Record]:
        """The records of a kind whose fields equal these values."""


class RecordFacts:
    """Facts over records held in memory: a project document being loaded, a test."""

    def __init__(
        self, role: Role | None = Role.IPM,
        records: Mapping[EntityKind, Sequence[Record]] | None = None,
    ) -> None:
        self._role = role
        self.by_kind: dict[EntityKind, list[Record]] = {
            kind: list(rows) for kind, rows in (records or {}).items()
        }
        #: by kind and id, so that a look-up by id costs no scan of a large project
        self._by_id: dict[EntityKind, dict[str, Record]] = {
            kind: {r["id"]: r for r in rows} for kind, rows in self.by_kind.items()
        }

    @property
    def role(self) -> Role | None:
        return self._role

    def add(self, kind: EntityKind, record: Record) -> None:
        self.by_kind.setdefault(kind, []).append(record)
        self._by_id.setdefault(kind, {})[record["id"]] = record

    def records(self, kind: EntityKind, ids: Collection[str]) -> Mapping[str, Record]:
        known = self._by_id.get(kind, {})
        return {i: known[i] for i in ids if i in known}

    def find(self, kind: EntityKind, **equal: Any) -> Sequence[Record]:
        return [
            r for r in self.by_kind.get(kind, [])
            if all(r.get(k) == v or str(r.get(k)) == str(v) for k, v in equal.items())
        ]
