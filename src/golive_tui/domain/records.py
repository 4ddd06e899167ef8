"""The wire's records, typed: what a change, a snapshot and an op carry for each entity.

Each entity's record type is made from its fields in :mod:`golive_tui.domain.entities`
(written once there): a ``TypedDict`` per entity kind, so a record read from the wire is a
plain dict whose times are datetimes, and the API schema (``/openapi.json``) lists every
field with its type. States and other enums are typed by their values (a ``Literal``):
they read back as text equal to the enum member, at a fraction of an enum's cost for a
snapshot of 100,000 numbers. Values are written by :mod:`golive_tui.domain.codec`.

An op's ``fields`` are, by its action: the record's fields (``create``, ``append``), some
of them (``update``), or a move to another state (``transition``): the target state in
``to`` and what that move needs, one model per entity with states (:data:`TRANSITIONS`).
The rules (:func:`golive_tui.domain.ops.apply_op`) say which of them a given move needs;
these models are what the API schema shows of them.
"""

from __future__ import annotations

import functools
import operator
import typing
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, NotRequired, Required

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from typing_extensions import TypedDict

from golive_tui.domain.entities import ENTITY_BASES, SYSTEM_FIELDS
from golive_tui.domain.enums import (
    ActionStatus,
    ChangeRequestState,
    ChecklistStatus,
    CutoverState,
    EntityKind,
    IssueState,
    LifecyclePhase,
    OrderState,
    PortState,
    RejectionCode,
    StepRunState,
)


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


def one_of(*types: Any) -> Any:
    """The union of these types (their number is known only at run time)."""
    return functools.reduce(operator.or_, types)


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
        if not (partial and field_name in SYSTEM_FIELDS)
    }
    return TypedDict(name, fields)  # type: ignore[operator]


#: each entity kind's record as it travels: ``{"number": NumberRecord, …}``
RECORD_TYPES: dict[EntityKind, Any] = {
    kind: _record_type(kind, partial=False) for kind in EntityKind
}
#: the fields a change may set, each optional: what an ``update`` sends
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


class _Transition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(default=None, description="A note on the move")


class NumberTransition(_Transition):
    """A number's porting state moves (``transition`` on a ``number``)."""

    to: _wire_type(PortState)  # type: ignore[valid-type]
    rejection_code: _wire_type(RejectionCode) | None = Field(  # type: ignore[valid-type]
        default=None, description="The carrier's code: needed when ``to`` is rejected"
    )


class PortOrderTransition(_Transition):
    """A port order's state moves (``transition`` on a ``port_order``)."""

    to: _wire_type(OrderState)  # type: ignore[valid-type]
    rejection_code: _wire_type(RejectionCode) | None = Field(  # type: ignore[valid-type]
        default=None, description="The carrier's code: needed when ``to`` is rejected"
    )
    confirmed_foc: datetime | None = Field(
        default=None,
        description="The carrier's committed date and time: needed for foc_confirmed "
        "unless the order already has one",
    )


class IssueTransition(_Transition):
    """An issue's state moves (``transition`` on an ``issue``)."""

    to: _wire_type(IssueState)  # type: ignore[valid-type]
    assignee: str | None = Field(default=None, description="Who takes it on")
    reason: str | None = Field(
        default=None, description="Why: needed to put it on hold or to cancel it"
    )
    resolution: str | None = Field(default=None, description="How: needed to resolve it")


class ChecklistItemTransition(_Transition):
    """A checklist item's status moves (``transition`` on a ``checklist_item``); skipping
    one needs a ``comment`` saying why."""

    to: _wire_type(ChecklistStatus)  # type: ignore[valid-type]


class ProjectTransition(_Transition):
    """The project's phase moves (``transition`` on the ``project``): only past a phase
    the log just closed, or back to one it just reopened (a ``phase_event`` first)."""

    to: _wire_type(LifecyclePhase)  # type: ignore[valid-type]


class ChangeRequestTransition(_Transition):
    """A change request is decided (``transition`` on a ``change_request``)."""

    to: _wire_type(ChangeRequestState)  # type: ignore[valid-type]
    reason: str | None = Field(default=None, description="Why: needed for every decision")


class ActionItemTransition(_Transition):
    """An action is done, or open again (``transition`` on an ``action_item``)."""

    to: _wire_type(ActionStatus)  # type: ignore[valid-type]
class CutoverTransition(_Transition):
    """A cutover wave's state moves (``transition`` on a ``cutover``)."""

    to: _wire_type(CutoverState)  # type: ignore[valid-type]


class RunbookStepRunTransition(_Transition):
    """A step of a runbook run starts, finishes, fails or is skipped (``transition`` on a
    ``runbook_step_run``); skipping one needs a ``comment`` saying why."""

    to: _wire_type(StepRunState)  # type: ignore[valid-type]


#: what a ``transition`` op carries in its ``fields``, per entity kind with states
TRANSITIONS: dict[EntityKind, type[_Transition]] = {
    EntityKind.NUMBER: NumberTransition,
    EntityKind.PORT_ORDER: PortOrderTransition,
    EntityKind.ISSUE: IssueTransition,
    EntityKind.CHECKLIST_ITEM: ChecklistItemTransition,
    EntityKind.PROJECT: ProjectTransition,
    EntityKind.CHANGE_REQUEST: ChangeRequestTransition,
    EntityKind.ACTION_ITEM: ActionItemTransition,
    EntityKind.CUTOVER: CutoverTransition,
    EntityKind.RUNBOOK_STEP_RUN: RunbookStepRunTransition,
}

_OP_FIELDS: Any = one_of(*TRANSITIONS.values(), *FIELD_TYPES.values())
_OP_FIELDS_SCHEMA: CoreSchema = TypeAdapter(_OP_FIELDS).core_schema


class OpFieldsSchema:
    """Annotates an op's ``fields`` so that the API schema lists what they may be, by the
    op's action: the record's fields (create, append), some of them (update), or a move to
    another state (transition). Reading them is the rules' job."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(_OP_FIELDS_SCHEMA)


__all__ = [
    "FIELD_TYPES",
    "RECORD_TYPES",
    "TRANSITIONS",
    "OpFieldsSchema",
    "decode_fields",
    "decode_record",
    "record_adapter",
]
