"""A record validated against its entity's model: whole (:func:`validate_record`), or only
the fields a change touched (:func:`revalidate`)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import ValidationError

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
