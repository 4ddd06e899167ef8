"""The wire's records, typed: what a change, a snapshot and a conflict carry for each entity.

Each entity's record type is made from its fields in :mod:`golive_tui.domain.entities`
(written once there): a ``TypedDict`` per entity kind, so a record read from the wire is a
plain dict whose times are datetimes, and the API schema (``/openapi.json``) lists every
field with its type. States and other enums are typed by their values (a ``Literal``):
they read back as text equal to the enum member, at a fraction of an enum's cost for a
snapshot of 100,000 numbers. Values are written by :mod:`golive_tui.domain.codec`.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any, NotRequired, Required

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

from golive_tui.domain.entities import ENTITY_BASES
from golive_tui.domain.enums import EntityKind


def _wire_type(annotation: Any) -> Any:
    """A field's type on the wire: an enum becomes the literal set of its values."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return typing.Literal[tuple(member.value for member in annotation)]
    args = typing.get_args(annotation)
    if args and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _wire_type(inner[0]) | None
    return annotation


def _record_type(kind: EntityKind, *, partial: bool) -> Any:
    base = ENTITY_BASES[kind]
    name = base.__name__.removesuffix("Base") + ("Fields" if partial else "Record")
    fields = {
        field_name: (
            NotRequired[_wire_type(info.annotation)]
            if partial or not info.is_required()
            else Required[_wire_type(info.annotation)]
        )
        for field_name, info in base.model_fields.items()
    }
    return TypedDict(name, fields)  # type: ignore[operator]


#: each entity kind's record as it travels: ``{"number": NumberRecord, …}``
RECORD_TYPES: dict[EntityKind, Any] = {
    kind: _record_type(kind, partial=False) for kind in EntityKind
}
#: the same fields, each optional: what an ``update`` sends
FIELD_TYPES: dict[EntityKind, Any] = {kind: _record_type(kind, partial=True) for kind in EntityKind}


@cache
def record_adapter(kind: EntityKind) -> TypeAdapter[dict[str, Any]]:
    return TypeAdapter(RECORD_TYPES[kind])


@cache
def _fields_adapter(kind: EntityKind) -> TypeAdapter[dict[str, Any]]:
    return TypeAdapter(FIELD_TYPES[kind])


def decode_record(kind: EntityKind, data: Mapping[str, Any]) -> dict[str, Any]:
    """A record read from JSON values, typed by its entity's fields (raises on a bad one)."""
    return record_adapter(kind).validate_python(data)


def decode_fields(kind: EntityKind, fields: Mapping[str, Any]) -> dict[str, Any]:
    """An op's fields with their values typed where they are the entity's own fields.

    Values that do not read as their field's type, and names that are no field, are kept as
    sent: the rules refuse them with a message that says why.
    """
    try:
        typed = _fields_adapter(kind).validate_python(fields)
    except ValidationError:
        return dict(fields)
    return {**fields, **typed}


__all__ = ["FIELD_TYPES", "RECORD_TYPES", "decode_fields", "decode_record", "record_adapter"]
