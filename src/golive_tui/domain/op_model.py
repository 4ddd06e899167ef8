"""An intent operation as a client records it and the server receives it: the :class:`Op`
model, its ids, and the bounds on what its fields may hold."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from golive_tui.domain.enums import (
    EntityKind,
    OpAction,
)
from golive_tui.domain.errors import ValidationFailed
from golive_tui.domain.records import OpFieldsSchema

#: the largest integer a 64-bit database column holds, as an op's client_seq must
MAX_STORED_INT = 2**63 - 1
#: ids are keys in text columns, which on PostgreSQL cannot hold NUL
NO_NUL = r"^[^\x00]*$"
#: an op's id: a UUID as text, in either case
UUID_TEXT = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
#: the start of an RFC 3339 date and time; pydantic reads the rest
DATE_TIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
#: how deep a value in an op's fields may nest (a record's deepest, an SLA policy, is 3)
MAX_FIELDS_DEPTH = 16
#: how many values (entries of objects and items of lists, at every depth) an op's fields hold
MAX_FIELDS_VALUES = 2_000


class Op(BaseModel):
    """One intent operation, as recorded by a client and sent to the server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # one UUID is one key in either case: kept in lower case, as the client makes them
    op_id: Annotated[str, StringConstraints(to_lower=True)] = Field(
        default_factory=lambda: new_id(), min_length=36, max_length=36, pattern=UUID_TEXT,
        description="A UUID the client makes for this op, e.g. 01a2536d-8d8b-7000-accb-52ce9f4b862a. "
        "Any version is taken; golive's own clients make time-ordered ones (version 7), "
        "which the server stores fastest.",
    )
    client_id: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    client_seq: int = Field(ge=1, le=MAX_STORED_INT)
    entity: EntityKind
    entity_id: str = Field(min_length=1, max_length=36, pattern=NO_NUL)
    action: OpAction
    fields: Annotated[dict[str, Any], OpFieldsSchema] = Field(
        default_factory=dict,
        description=f"What the change sets. Values nest at most {MAX_FIELDS_DEPTH} deep and "
        f"hold at most {MAX_FIELDS_VALUES} values in all; an op beyond that is rejected.",
    )
    base_version: int | None = None
    client_time: datetime = Field(description="When the client made the change: RFC 3339 text")

    @field_validator("client_time", mode="before")
    @classmethod
    def _time_as_text(cls, value: Any) -> Any:
        # pydantic would also take a number of seconds, or its digits as text
        if isinstance(value, datetime) or (isinstance(value, str) and DATE_TIME_TEXT.match(value)):
            return value
        raise ValueError("a date and time as text is needed, such as 2026-12-01T14:30:00Z")


#: the last id's time and sequence (48 bits of milliseconds, then 12 of sequence), so that
#: the ids of one process keep the order they were made in, even inside one millisecond
_last_stamp = 0
_stamp_lock = threading.Lock()
#: the first digit of an id's fourth group: the variant's two bits (10), two random bits
_VARIANT = "89ab"


def new_id() -> str:
    return next(new_ids(1))


def new_ids(count: int) -> Iterator[str]:
    """``count`` new ids: UUIDs of version 7 (RFC 9562), in lower case.

    An id starts with the time it was made (milliseconds since 1970, then a sequence in
    the millisecond) and ends with 62 random bits. Records and ops are keyed by these ids
    in the server's database and the cache: a new key then lands at the end of its index
    instead of on a random page, so that a push of 500 new records writes a few pages of
    each index rather than hundreds, and the cost of an insert does not grow with the
    table (docs/decisions.md, "Time-ordered ids"). The ids of one process are increasing;
    a clock set back does not make them go back. All ``count`` come from one read of the
    system's random source: a bulk move makes 10,000 ops at once.
    """
    global _last_stamp
    if count <= 0:
        return
    now = time.time_ns() // 1_000_000 << 12
    with _stamp_lock:
        first = max(now, _last_stamp + 1)
        _last_stamp = first + count - 1
    random = os.urandom(8 * count).hex()
    for index in range(count):
        stamp = f"{first + index:015x}"
        tail = random[16 * index : 16 * index + 16]
        yield (f"{stamp[:8]}-{stamp[8:12]}-7{stamp[12:]}-"
               f"{_VARIANT[int(tail[0], 16) & 3]}{tail[1:4]}-{tail[4:]}")


def issue_ref(issue_id: str) -> str:
    """A short human handle for an issue, stable offline (made from its UUID)."""
    return "GL-" + issue_id.replace("-", "")[:5].upper()


_CONTAINERS = (dict, list, tuple)


def fields_beyond_bounds(fields: Mapping[str, Any]) -> str | None:
    """Why these fields are too deep or too large for a change, or None when they are not.

    Walks without recursion, so that no nesting, however deep, can exhaust the stack.
    """
    if len(fields) <= MAX_FIELDS_VALUES:
        for value in fields.values():
            if isinstance(value, _CONTAINERS):
                break
        else:
            return None  # flat, as almost every change: nothing to walk
    count = 0
    stack: list[tuple[Any, int]] = [(value, 1) for value in fields.values()]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_FIELDS_VALUES:
            return f"the fields hold more than {MAX_FIELDS_VALUES} values in all"
        if isinstance(value, dict | list | tuple) and value:
            if depth >= MAX_FIELDS_DEPTH:
                return f"a value nests deeper than {MAX_FIELDS_DEPTH} levels"
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return None


def check_fields_bounds(op: Op) -> None:
    """Refuse a change whose fields nest too deep or hold too much for any record."""
    problem = fields_beyond_bounds(op.fields)
    if problem is not None:
        raise ValidationFailed(
            f"Invalid {op.entity.value.replace('_', ' ')}: {problem}; no record holds that. "
            "Send the values the record's fields take.",
            details={"max_depth": MAX_FIELDS_DEPTH, "max_values": MAX_FIELDS_VALUES},
        )
