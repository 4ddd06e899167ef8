"""A record validated against its entity's model: whole (:func:`validate_record`), or only
the fields a change touched (:func:`revalidate`)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from pydantic import ValidationError
from pydantic_core import SchemaValidator, core_schema

from golive_tui.domain.entities import ENTITY_BASES, EntityBase
from golive_tui.domain.enums import (
    EntityKind,
)
from golive_tui.domain.errors import ValidationFailed

Record = dict[str, Any]


def validate_record(kind: EntityKind, record: Mapping[str, Any]) -> Record:
    """Validate a whole record against its entity's rules; unknown fields are refused."""
    base = ENTITY_BASES[kind]
    names = _field_names(kind)
    unknown = None if names.issuperset(record) else set(record) - names
    if unknown:
        raise ValidationFailed(
            f"Unknown field{'s' if len(unknown) > 1 else ''} for {kind.value}: "
            f"{', '.join(sorted(unknown))}.",
            details={"unknown": sorted(unknown)},
        )
    # The model's own validator, straight into this thread's scratch instance of the kind
    # (its values are all replaced, and read out at once): SQLModel's model_validate adds
    # what only table models need and, through its __init__, validates twice, and even a
    # new instance costs SQLModel's set-up of it (a third of the server's work on a push of
    # appends, and then a tenth).
    model = _probe(kind)
    try:
        base.__pydantic_validator__.validate_python(record, self_instance=model)
    except ValidationError as exc:
        raise _invalid(kind, exc) from None
    # what the model's serializer gives, since no entity has a serializer of its own (a
    # test holds that): each value as validated, the containers new ones
    return dict(model.__dict__)


def validate_records(
    kind: EntityKind, records: Sequence[Mapping[str, Any]]
) -> list[Record | ValidationFailed]:
    """:func:`validate_record` for each of these records of one kind: each the record it
    returns, or the refusal it raises. A run of new records (a push of test results) is
    validated in one call of the model's compiled validator over the list, not one call
    and one scratch instance per record; when any of them is refused, or the kind's model
    cannot be validated so, each is validated alone, for each its own answer."""
    many = _many(kind)
    names = _field_names(kind)
    if many is not None and len(records) > 1 and all(names.issuperset(r) for r in records):
        try:
            validated = many.validate_python(records)
        except ValidationError:
            pass
        else:
            # the model's fields validator gives (fields, extra, fields set) per record
            return [found[0] for found in validated]
    out: list[Record | ValidationFailed] = []
    for record in records:
        try:
            out.append(validate_record(kind, record))
        except ValidationFailed as refused:
            out.append(refused)
    return out


@cache
def _many(kind: EntityKind) -> SchemaValidator | None:
    """A validator of a list of the kind's records as dicts: the model's own fields
    validator (its schema and config), without the model around it, which is what
    :func:`validate_record` runs on its scratch instance (the model's ``__init__`` is not
    called there either); None for a model with more than its fields to run (a validator
    of the whole model, a ``model_post_init``, a schema that refers to definitions)."""
    schema: Any = ENTITY_BASES[kind].__pydantic_core_schema__
    if (
        schema.get("type") != "model" or schema.get("post_init")
        or schema.get("root_model") or schema["schema"].get("type") != "model-fields"
    ):
        return None
    fields = schema["schema"]
    if "definitions-ref" in repr(fields) or fields.get("extras_schema") is not None:
        return None
    return SchemaValidator(core_schema.list_schema(fields), schema.get("config"))


#: what a refused value is told, where pydantic's own words say less
_SAID = {"timezone_aware": "time without a time zone; give an offset such as Z or -05:00"}


def _invalid(kind: EntityKind, exc: ValidationError) -> ValidationFailed:
    """The refusal of a record whose fields the model rejected, naming each problem."""
    problems = [_problem(kind, err) for err in exc.errors()]
    return ValidationFailed(
        f"Invalid {kind.value.replace('_', ' ')}: " + "; ".join(problems),
        details={"errors": problems},
    )


def _problem(kind: EntityKind, err: Any) -> str:
    where = ".".join(str(p) for p in err["loc"]) or kind.value
    return f"{where}: {_SAID.get(err['type'], err['msg'])}"


@cache
def _field_names(kind: EntityKind) -> frozenset[str]:
    return frozenset(ENTITY_BASES[kind].model_fields)


def revalidate(kind: EntityKind, current: Mapping[str, Any], merged: Mapping[str, Any]) -> Record:
    """Validate only the fields that differ from ``current`` (already a valid record).

    A bulk move of 10,000 numbers changes their state; re-running every validator (the
    phone-number parser above all) on fields that did not change would cost seconds.
    Each changed field goes through the model's own validation of that field.
    """
    names = _field_names(kind)
    if not names.issuperset(merged):
        return validate_record(kind, merged)  # refuses with the full message
    changed = {k: v for k, v in merged.items() if k not in current or current[k] != v}
    # a record as stored has no other fields (the cache's own columns are taken off first)
    record = dict(current) if names.issuperset(current) else {
        k: v for k, v in current.items() if k in names}
    if not changed:
        return record
    probe = _probe(kind)
    validator = ENTITY_BASES[kind].__pydantic_validator__
    try:
        for name, value in changed.items():
            validator.validate_assignment(probe, name, value)
            record[name] = probe.__dict__[name]
    except ValidationError as exc:
        raise _invalid(kind, exc) from None
    return record


_probes = threading.local()


def _probe(kind: EntityKind) -> EntityBase:
    """A scratch instance per entity kind and thread, to validate one field at a time."""
    cache: dict[EntityKind, EntityBase] | None = getattr(_probes, "cache", None)
    if cache is None:
        cache = _probes.cache = {}
    probe = cache.get(kind)
    if probe is None:
        probe = cache[kind] = ENTITY_BASES[kind].model_construct()
    return probe


def entity_base(kind: EntityKind) -> type[EntityBase]:
    return ENTITY_BASES[kind]
