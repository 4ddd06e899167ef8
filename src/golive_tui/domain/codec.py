"""The row codec: how a record's values are written as JSON, by the client and the server.

Every record that travels (an op's fields, a change, a snapshot, the client's shadow copy)
is written by :func:`encode_record`, so one instant is one text everywhere:

- a time is UTC, ISO 8601, with ``Z`` and microseconds only when there are some
  (``2026-11-26T16:30:00Z``, ``2026-11-26T16:30:00.250000Z``), whatever zone it was made in;
- an enum is its value; a float is the shortest text that reads back as the same float;
  text, integers, booleans and ``null`` are themselves; lists and dicts are encoded item by
  item.

The encoding is canonical: equal values give equal JSON, so comparing two encoded values
compares the values. Reading back is typed by each entity's fields
(:mod:`golive_tui.domain.records`). The snapshot is written by the database itself in the same
format (``server/feed.py``); a test holds the two to each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

_PLAIN = frozenset({str, int, float, bool, type(None)})


def encode_time(value: datetime) -> str:
    """``value`` as UTC ISO 8601 with ``Z``; a time without a zone is refused."""
    last = _last_time[0]
    if value is last[0]:  # a change stamps one time in several fields of its record
        return last[1]
    when = value
    if when.tzinfo is not UTC:
        if when.tzinfo is None:
            raise ValueError("naive datetime refused: every time in golive carries a time zone")
        when = when.astimezone(UTC)
    # what isoformat() gives, without its general formatter (a third of the time)
    fields = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    micro = when.microsecond
    text = _MICRO % (*fields, micro) if micro else _WHOLE % fields
    _last_time[0] = (value, text)  # one tuple: a reader on another thread sees a pair
    return text


_WHOLE = "%04d-%02d-%02dT%02d:%02d:%02dZ"
_MICRO = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ"
#: the last time :func:`encode_time` wrote, and its text
_last_time: list[tuple[datetime | None, str]] = [(None, "")]


def decode_time(text: str) -> datetime:
    """A time written by :func:`encode_time` (or any ISO 8601 time with a zone), in UTC."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"time without a time zone: {text!r}")
    return value.astimezone(UTC)


def encode_value(value: Any) -> Any:
    """One value as JSON (see the module's docstring)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, datetime):
        return encode_time(value)
    if isinstance(value, Enum):
        return value._value_  # what .value returns, without its descriptor
    if isinstance(value, (list, tuple)):
        return [encode_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode_value(item) for key, item in value.items()}
    # any other type (a UUID, a date, a model): pydantic's encoder, read only when one comes,
    # so that the dashboard's first paint (the port-order rules write times) does not load it
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value)


def encode_record(record: Mapping[str, Any], omit: str | None = None) -> dict[str, Any]:
    """A record (or an op's fields) as JSON values; ``omit`` names a column left out.

    Most values are plain, so they are copied without a call (a bulk move encodes 10,000
    records).
    """
    out: dict[str, Any] = {}
    plain = _PLAIN
    for key, value in record.items():
        kind = type(value)
        if kind in plain:
            out[key] = value
        elif key != omit:
            out[key] = encode_time(value) if kind is datetime else encode_value(value)
    if omit is not None:
        out.pop(omit, None)
    return out


__all__ = ["decode_time", "encode_record", "encode_time", "encode_value"]
