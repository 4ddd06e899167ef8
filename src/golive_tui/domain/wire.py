"""The sync protocol v1: the wire's pydantic models, shared by the client and the server.

See ARCHITECTURE.md §3. The op itself is :class:`golive_tui.domain.ops.Op`; each entity's
record is typed in :mod:`golive_tui.domain.records`, and values are written by
:mod:`golive_tui.domain.codec`.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from typing_extensions import TypedDict

from golive_tui.domain.enums import EntityKind, Role
from golive_tui.domain.ops import NO_NUL, Op
from golive_tui.domain.records import RECORD_TYPES, one_of

PROTOCOL_VERSION = 1
PROTOCOL_HEADER = "X-Golive-Protocol"
MAX_OPS_PER_PUSH = 500
MAX_BODY_BYTES = 1024 * 1024
DEFAULT_CHANGES_LIMIT = 1000
MAX_CHANGES_LIMIT = 5000
SSE_PING_SECONDS = 15.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(_Strict):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorResponse(_Strict):
    """Every error the API returns: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorBody


class Health(BaseModel):
    status: str = "ok"
    version: str
    protocol: int = PROTOCOL_VERSION
    database: str


class ProjectRole(BaseModel):
    project_id: str
    name: str
    customer: str
    role: Role


class Me(BaseModel):
    user: str
    display_name: str
    projects: list[ProjectRole]


class PushRequest(_Strict):
    client_id: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    ops: list[Op] = Field(max_length=MAX_OPS_PER_PUSH)


class OpStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    CONFLICT = "conflict"


class OpResult(BaseModel):
    """The server's answer for one op. A ``duplicate`` carries the first answer's fields."""

    op_id: str
    client_seq: int
    status: OpStatus
    seq: int | None = None
    version: int | None = None
    #: for rejected: the domain error code (illegal_transition, validation, permission, …)
    code: str | None = None
    reason: str | None = None
    #: for conflict: the server's current entity; for duplicate: the first status
    current: dict[str, Any] | None = None
    conflicts: dict[str, Any] | None = None
    first_status: OpStatus | None = None

    @property
    def outcome(self) -> OpStatus:
        """What happened to the op: a ``duplicate`` says what happened the first time."""
        if self.status is OpStatus.DUPLICATE:
            return self.first_status or OpStatus.APPLIED
        return self.status


class PushResponse(BaseModel):
    results: list[OpResult]
    server_seq: int


class Change(BaseModel):
    """One change of the feed: ``data`` is the whole record after it, None when deleted.

    The feed sends one model per entity kind (``NumberChange``, …), told apart by
    ``entity``, whose ``data`` is that kind's record (:mod:`golive_tui.domain.records`).
    """

    seq: int
    entity: EntityKind
    entity_id: str
    version: int
    deleted: bool = False
    data: dict[str, Any] | None = None
    op_id: str | None = None
    by: str = ""
    at: datetime


def _change_of(kind: EntityKind) -> type[Change]:
    name = RECORD_TYPES[kind].__name__.removesuffix("Record") + "Change"
    only_this_kind: Any = Literal[kind]
    return create_model(
        name,
        __base__=Change,
        __doc__=f"A change of a {kind.value.replace('_', ' ')}.",
        entity=(only_this_kind, ...),
        data=(RECORD_TYPES[kind] | None, None),
    )


#: the change model of each entity kind
CHANGE_TYPES: dict[EntityKind, type[Change]] = {kind: _change_of(kind) for kind in EntityKind}

if TYPE_CHECKING:
    AnyChange = Change
    SnapshotEntities = dict[str, list[dict[str, Any]]]
else:
    AnyChange = Annotated[one_of(*CHANGE_TYPES.values()), Field(discriminator="entity")]
    SnapshotEntities = TypedDict(
        "SnapshotEntities",
        {kind.value: NotRequired[list[RECORD_TYPES[kind]]] for kind in EntityKind},
    )


class ChangeFeedPage(BaseModel):
    changes: list[AnyChange]
    server_seq: int
    more: bool


class Snapshot(BaseModel):
    """Every entity of a project and the ``server_seq`` it reflects."""

    project_id: str
    server_seq: int
    #: each entity kind's records: ``{"number": [NumberRecord, …], …}``
    entities: SnapshotEntities


#: the snapshot as lines of JSON, sent to a client whose ``Accept`` names it: a
#: :class:`SnapshotHead`, then :data:`SnapshotPiece` lines. A server that does not know it
#: answers with the JSON document (``application/json``), which such a client reads too.
SNAPSHOT_LINES = "application/x-ndjson"
#: what a client adds to :data:`SNAPSHOT_LINES` in its ``Accept`` to have each record sent as
#: an array of its values (:data:`SNAPSHOT_LINES_OF_ARRAYS`): about two thirds of the bytes,
#: and half the validation. A server that does not know it sends the lines of objects, and
#: says so in its ``Content-Type``.
SNAPSHOT_ARRAYS = "records=arrays"
SNAPSHOT_LINES_OF_ARRAYS = f"{SNAPSHOT_LINES}; {SNAPSHOT_ARRAYS}"


class SnapshotHead(BaseModel):
    """The first line of a snapshot sent as lines."""

    project_id: str
    server_seq: int
    #: how many records of each kind the lines after this one carry
    counts: dict[str, int]
    #: sent as arrays: each kind's columns, in the order of a record's values
    columns: dict[str, list[str]] | None = None


def snapshot_rows(columns: Mapping[str, Sequence[str]]) -> TypeAdapter[dict[str, Any]]:
    """What validates a line of a snapshot sent as arrays, with the head's ``columns``:
    ``{"entity": kind, "rows": [[value, …], …]}``, each row a tuple of the values of its
    kind's columns, each typed as the record's field of that name (a column that is no
    field of the record is taken as it comes, as a record's unknown keys are ignored).

    Raises ValueError when a kind's columns lack a field its records must have, or name
    one twice.
    """
    return _snapshot_rows(tuple((kind, tuple(names)) for kind, names in columns.items()))


@functools.lru_cache(maxsize=4)
def _snapshot_rows(
    columns: tuple[tuple[str, tuple[str, ...]], ...],
) -> TypeAdapter[dict[str, Any]]:
    lines = []
    for raw_kind, names in columns:
        kind = EntityKind(raw_kind)
        record = RECORD_TYPES[kind]
        types = typing.get_type_hints(record)
        if len(set(names)) != len(names) or not record.__required_keys__ <= set(names):
            raise ValueError(f"the columns of {kind.value} are not its record's fields")
        row: Any = tuple[tuple(types.get(name, Any) for name in names)]  # type: ignore[misc]
        only_this_kind: Any = Literal[kind.value]
        lines.append(TypedDict(  # type: ignore[operator]
            record.__name__.removesuffix("Record") + "Rows",
            {"entity": only_this_kind, "rows": list[row]},
        ))
    if not lines:
        raise ValueError("no columns")
    line: Any = Annotated[one_of(*lines), Field(discriminator="entity")]
    return TypeAdapter(line)


def _snapshot_piece(kind: EntityKind) -> Any:
    only_this_kind: Any = Literal[kind.value]
    records: Any = list[RECORD_TYPES[kind]]  # type: ignore[valid-type]
    return TypedDict(  # type: ignore[operator]
        RECORD_TYPES[kind].__name__.removesuffix("Record") + "Piece",
        {"entity": only_this_kind, "records": records},
    )


if TYPE_CHECKING:
    SnapshotPiece = dict[str, Any]
else:
    #: a line after the head: some of one kind's records, in the order the kind's lines come
    SnapshotPiece = Annotated[one_of(*(_snapshot_piece(k) for k in EntityKind)),
                              Field(discriminator="entity")]
