"""Intent operations and the pure rules that apply them.

A client records every change as an :class:`Op`; its local cache applies it at once with
:func:`apply_op`, and the server applies the same op with the same function, so client and
server can never disagree on what a change means.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Annotated, Any, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from golive_tui.domain import closure, port_orders, rules, runbook, sites
from golive_tui.domain.clock import ensure_aware
from golive_tui.domain.codec import encode_value
from golive_tui.domain.entities import ENTITY_BASES, SYSTEM_FIELDS, EntityBase
from golive_tui.domain.enums import (
    LEGACY_ORDER_STATES,
    ActionStatus,
    ChangeRequestState,
    ChecklistStatus,
    CutoverState,
    EntityKind,
    IssueState,
    LifecyclePhase,
    OpAction,
    OrderState,
    PortState,
    Priority,
    RejectionCode,
    SignoffKind,
    StepRunState,
)
from golive_tui.domain.errors import IllegalTransition, NotFound, ValidationFailed
from golive_tui.domain.records import OpFieldsSchema, decode_fields
from golive_tui.domain.rules import Facts, check_text
from golive_tui.domain.sla import SlaPolicy, hold_seconds
from golive_tui.domain.transitions import (
    ACTION,
    CHANGE_REQUEST,
    CHECKLIST,
    CUTOVER,
    ISSUE,
    ORDER,
    PORTING,
    STEP_RUN,
    StateMachine,
)

Record = dict[str, Any]
S = TypeVar(
    "S", PortState, OrderState, IssueState, ChecklistStatus, LifecyclePhase, ChangeRequestState,
    ActionStatus, CutoverState, StepRunState,
)

#: the phases, for reading a project transition's target; which moves are legal is the
#: lifecycle's (rules.check_phase_move), from the phase log
PHASE_MACHINE = StateMachine[LifecyclePhase](subject="A project phase", moves={})


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

    op_id: str = Field(
        default_factory=lambda: str(uuid.uuid4()), min_length=36, max_length=36, pattern=UUID_TEXT,
        description="A UUID the client makes for this op, e.g. 3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c",
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


def new_id() -> str:
    return str(uuid.uuid4())


def issue_ref(issue_id: str) -> str:
    """A short human handle for an issue, stable offline (made from its UUID)."""
    return "GL-" + issue_id.replace("-", "")[:5].upper()


def validate_record(kind: EntityKind, record: Mapping[str, Any]) -> Record:
    """Validate a whole record against its entity's rules; unknown fields are refused."""
    base = ENTITY_BASES[kind]
    unknown = set(record) - set(base.model_fields)
    if unknown:
        raise ValidationFailed(
            f"Unknown field{'s' if len(unknown) > 1 else ''} for {kind.value}: "
            f"{', '.join(sorted(unknown))}.",
            details={"unknown": sorted(unknown)},
        )
    # The model's own validator, straight into a new instance: SQLModel's model_validate
    # adds what only table models need and, through its __init__, validates twice
    # (a third of the server's work on a push of appends).
    model = base.__new__(base)
    try:
        base.__pydantic_validator__.validate_python(dict(record), self_instance=model)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or kind.value}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ValidationFailed(
            f"Invalid {kind.value.replace('_', ' ')}: " + "; ".join(problems),
            details={"errors": problems},
        ) from None
    return cast(Record, base.__pydantic_serializer__.to_python(model))


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
    record = {k: v for k, v in current.items() if k in names}
    if not changed:
        return record
    probe = _probe(kind)
    validator = ENTITY_BASES[kind].__pydantic_validator__
    try:
        for name, value in changed.items():
            validator.validate_assignment(probe, name, value)
            record[name] = probe.__dict__[name]
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or kind.value}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ValidationFailed(
            f"Invalid {kind.value.replace('_', ' ')}: " + "; ".join(problems),
            details={"errors": problems},
        ) from None
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


def apply_op(
    current: Mapping[str, Any] | None,
    op: Op,
    *,
    project_id: str,
    actor: str,
    now: datetime,
    policy: SlaPolicy | None = None,
    facts: Facts | None,
) -> Record | None:
    """The record after ``op``, or None when the op deletes it. Raises a DomainError.

    ``facts`` are what the rules may look up beyond this record (the gate behind a
    decision, a checklist item's predecessors, the retest behind an E911 fix), read from
    the state of whoever applies the op. None replays an op whose rules were checked when
    it was applied first (the client's rebase over the server's records): only the rules
    of the record itself run then.
    """
    now = ensure_aware(now)
    check_fields_bounds(op)
    base = ENTITY_BASES[op.entity]
    fields = dict(op.fields)
    touched = set(fields) & SYSTEM_FIELDS
    if touched:
        raise ValidationFailed(
            f"{', '.join(sorted(touched))} cannot be set by a change; the server keeps them.",
            details={"fields": sorted(touched)},
        )
    # What a change asks for, not what is stored: a record an older server kept with one
    # must still load and rebase. PostgreSQL cannot store a NUL in text or JSON.
    check_text(op.entity, fields)
    if facts is not None:
        project = facts.records(EntityKind.PROJECT, [project_id]).get(project_id)
        closure.check_project_open(project, op.entity, op.action, fields, facts.role)
    if op.action in (OpAction.CREATE, OpAction.APPEND):
        if current is not None:
            raise ValidationFailed(
                f"A {op.entity.value} with id {op.entity_id} already exists.",
                details={"entity_id": op.entity_id},
            )
        if (op.action is OpAction.APPEND) != base.append_only:
            verb = "append" if base.append_only else "create"
            raise ValidationFailed(f"Use '{verb}' to add a {op.entity.value}.")
        record = _defaults_on_create(op.entity, fields, op.entity_id, actor, now)
        if op.entity is EntityKind.PORT_ORDER:
            port_orders.check_order(None, record, now)
        elif op.entity is EntityKind.PROJECT:
            port_orders.check_holidays(record)
        sites.prepare(op.entity, record, None, facts, now)
        record.update(id=op.entity_id, project_id=project_id)
        if facts is not None:
            _check_create(op.entity, record, facts)
        return _stamp(validate_record(op.entity, record), actor, now, version=1)

    if current is None:
        raise NotFound(
            f"No {op.entity.value.replace('_', ' ')} with id {op.entity_id}; "
            "it may have been deleted by someone else.",
            details={"entity_id": op.entity_id},
        )
    if base.append_only:
        raise ValidationFailed(
            f"A {op.entity.value.replace('_', ' ')} is append-only: add a new entry instead."
        )
    if op.action is OpAction.DELETE:
        return None
    if op.action is OpAction.UPDATE:
        if base.state_field and base.state_field in fields:
            raise ValidationFailed(
                f"{base.state_field} changes through a transition, not an update.",
                details={"field": base.state_field},
            )
        sites.prepare(op.entity, fields, current, facts, now)
        _check_update(op.entity, current, fields, facts)
        if op.entity is EntityKind.PORT_ORDER:
            port_orders.check_order(current, fields, now, port_orders.holidays_of(facts))
        elif op.entity is EntityKind.PROJECT:
            port_orders.check_holidays(fields)
            closure.prepare_project_update(current, fields, facts, actor, now)
        merged = {**current, **fields}
        record = revalidate(op.entity, current, merged)
        return _stamp(record, actor, now, int(current["version"]) + 1)
    # transition
    merged = _transition(op.entity, dict(current), fields, actor, now, policy, facts)
    return _stamp(revalidate(op.entity, current, merged), actor, now, int(current["version"]) + 1)


def _stamp(record: Record, actor: str, now: datetime, version: int) -> Record:
    record.update(version=version, updated_at=now, updated_by=actor)
    return record


def _defaults_on_create(
    kind: EntityKind, fields: Record, entity_id: str, actor: str, now: datetime
) -> Record:
    record = dict(fields)
    if kind is EntityKind.ISSUE:
        record.setdefault("ref", issue_ref(entity_id))
        record.setdefault("opened_at", now)
        record.setdefault("reporter", actor)
        if record.get("source") in ("portal", "email"):
            # cases from a portal or e-mail start at P4 until someone triages them
            record["priority"] = Priority.P4
        if record.get("state", IssueState.NEW) != IssueState.NEW:
            raise ValidationFailed("A new issue starts in state new.")
    elif kind is EntityKind.VERIFICATION:
        record.setdefault("tested_at", now)
        record.setdefault("tester", actor)
    elif kind is EntityKind.ISSUE_NOTE:
        record.setdefault("at", now)
        record.setdefault("author", actor)
    elif kind is EntityKind.DECISION:
        record.setdefault("at", now)
        record["by"] = actor  # who made the call is the audit log's: never the op's to say
    elif kind in (EntityKind.SIGNOFF, EntityKind.FEEDBACK, EntityKind.HANDOFF):
        record.setdefault("at", now)
        record["by"] = actor  # who signed is the audit log's: never the op's to say
    elif kind is EntityKind.CUTOVER and record.get(
        "state", CutoverState.PLANNED
    ) != CutoverState.PLANNED:
        raise ValidationFailed("A new cutover starts in state planned.")
    elif kind is EntityKind.RUNBOOK_STEP_RUN:
        if record.get("state", StepRunState.PENDING) != StepRunState.PENDING:
            raise ValidationFailed("A runbook step's timing starts pending; start it afterwards.")
        record.update(started_at=None, finished_at=None)
    elif kind is EntityKind.CHECKLIST_ITEM and record.get(
        "status", ChecklistStatus.TODO
    ) != ChecklistStatus.TODO:
        raise ValidationFailed("A new checklist item starts in status todo.")
    elif kind is EntityKind.PHASE_EVENT:
        # when and by whom a phase moved is the log's: never the op's to say
        record.update(at=now, by=actor)
    elif kind is EntityKind.CHANGE_REQUEST:
        if record.get("state", ChangeRequestState.PROPOSED) != ChangeRequestState.PROPOSED:
            raise ValidationFailed("A new change request starts proposed; decide it afterwards.")
        record.update(decision_reason="", decided_by="", decided_at=None)
    elif kind is EntityKind.ACTION_ITEM:
        if record.get("status", ActionStatus.OPEN) != ActionStatus.OPEN:
            raise ValidationFailed("A new action starts open.")
        record["done_at"] = None
    return record


def _check_create(kind: EntityKind, record: Record, facts: Facts) -> None:
    rules.check_references(kind, record, facts)
    if kind is EntityKind.DECISION:
        rules.decide(record, facts)
    elif kind is EntityKind.SIGNOFF:
        rules.check_signoff(record, facts)
        if record.get("signoff_kind") == SignoffKind.HANDOFF_ACK.value:
            closure.check_handoff_ack(facts)
    elif kind is EntityKind.FEEDBACK:
        closure.check_feedback(record, facts)
    elif kind is EntityKind.HANDOFF:
        closure.check_handoff(record, facts)
    elif kind is EntityKind.ISSUE:
        rules.check_linked_issue(record, facts)
    elif kind is EntityKind.PHASE_EVENT:
        rules.check_phase_event(record, facts)
    elif kind is EntityKind.CHECKLIST_ITEM:
        rules.check_checklist_key(record, facts)
    elif kind is EntityKind.RUNBOOK_STEP:
        runbook.check_step(record, facts)
    elif kind is EntityKind.RUNBOOK_STEP_RUN:
        runbook.check_step_run_created(record, facts)


def _check_update(
    kind: EntityKind, current: Mapping[str, Any], fields: Record, facts: Facts | None
) -> None:
    runbook.check_fixed(kind, current, fields)
    if facts is not None:
        rules.check_references(kind, fields, facts, current)
        if kind is EntityKind.RUNBOOK_STEP and "depends_on" in fields:
            runbook.check_step({**current, **fields}, facts)
    if kind is EntityKind.ISSUE:
        rules.check_reprioritised(current, fields)
        if facts is not None and fields.get("verification_id") not in (
            None, current.get("verification_id")
        ):
            rules.check_linked_issue(fields, facts)
    elif kind is EntityKind.CHECKLIST_ITEM and facts is not None:
        rules.check_checklist_update(current, fields, facts)


def _target(fields: Record) -> str:
    target = fields.pop("to", None)
    if not isinstance(target, str) or not target:
        raise ValidationFailed("A transition names its target state in 'to'.")
    return target


def _parse_state(
    machine: StateMachine[S], enum: type[S], raw: str
) -> S:
    try:
        return enum(raw)
    except ValueError:
        states = ", ".join(s.value for s in enum)
        raise ValidationFailed(
            f"'{raw}' is not a state of {machine.subject.split()[-1]}s; use one of: {states}."
        ) from None


def _require_text(fields: Record, name: str, why: str) -> str:
    value = fields.pop(name, None)
    if not isinstance(value, str) or not value.strip():
        raise IllegalTransition(why, details={"missing": name})
    return value.strip()


def _transition(
    kind: EntityKind,
    record: Record,
    fields: Record,
    actor: str,
    now: datetime,
    policy: SlaPolicy | None,
    facts: Facts | None,
) -> Record:
    raw = _target(fields)
    if kind is EntityKind.NUMBER:
        current = PortState(record["porting_state"])
        target = _parse_state(PORTING, PortState, raw)
        PORTING.check(current, target)
        if facts is not None:
            port_orders.check_number_move(record, target, facts)
        _rejection(record, fields, target.value)
        record["porting_state"] = target
    elif kind is EntityKind.PORT_ORDER:
        current_o = OrderState(record["status"])
        # a client older than the order states still names activation "ported"
        legacy = LEGACY_ORDER_STATES.get(raw)
        target_o = legacy if legacy is not None else _parse_state(ORDER, OrderState, raw)
        if not port_orders.move_in_place(current_o, target_o):
            ORDER.check(current_o, target_o)
        _rejection(record, fields, target_o.value)
        port_orders.move_order(record, current_o, target_o, fields, actor, now)
        record["status"] = target_o
    elif kind is EntityKind.CUTOVER:
        current_w = CutoverState(record["state"])
        target_w = _parse_state(CUTOVER, CutoverState, raw)
        CUTOVER.check(current_w, target_w)
        if target_w is CutoverState.LIVE and facts is not None:
            runbook.check_cutover_live(record, facts)
        record["state"] = target_w
    elif kind is EntityKind.RUNBOOK_STEP_RUN:
        current_s = StepRunState(record["state"])
        target_s = _parse_state(STEP_RUN, StepRunState, raw)
        STEP_RUN.check(current_s, target_s)
        if facts is not None:
            runbook.check_step_move(record, target_s, facts)
        runbook.move_step_run(record, target_s, fields, actor, now)
    elif kind is EntityKind.ISSUE:
        _issue_transition(record, fields, raw, actor, now, policy, facts)
    elif kind is EntityKind.CHECKLIST_ITEM:
        current_c = ChecklistStatus(record["status"])
        target_c = _parse_state(CHECKLIST, ChecklistStatus, raw)
        CHECKLIST.check(current_c, target_c)
        if facts is not None:
            rules.check_checklist_move(record, target_c, facts)
        if target_c is ChecklistStatus.SKIPPED:
            record["skip_comment"] = _require_text(
                fields, "comment", "Skipping a checklist item needs a comment saying why."
            )
        if target_c is ChecklistStatus.DONE:
            record.update(done_at=now, done_by=actor)
        elif target_c is ChecklistStatus.TODO:
            record.update(done_at=None, done_by="", skip_comment="")
        record["status"] = target_c
    elif kind is EntityKind.PROJECT:
        target_p = _parse_state(PHASE_MACHINE, LifecyclePhase, raw)
        if facts is not None:
            rules.check_phase_move(record, target_p, facts)
        record["phase"] = target_p
    elif kind is EntityKind.CHANGE_REQUEST:
        current_r = ChangeRequestState(record["state"])
        target_r = _parse_state(CHANGE_REQUEST, ChangeRequestState, raw)
        CHANGE_REQUEST.check(current_r, target_r)
        verb = {ChangeRequestState.APPROVED: "Approving", ChangeRequestState.REJECTED:
                "Rejecting", ChangeRequestState.WITHDRAWN: "Withdrawing"}[target_r]
        record.update(
            decision_reason=_require_text(
                fields, "reason", f"{verb} a change request needs the reason for the decision."
            ),
            decided_by=actor, decided_at=now, state=target_r,
        )
    elif kind is EntityKind.ACTION_ITEM:
        current_a = ActionStatus(record["status"])
        target_a = _parse_state(ACTION, ActionStatus, raw)
        ACTION.check(current_a, target_a)
        record.update(status=target_a, done_at=now if target_a is ActionStatus.DONE else None)
    else:
        raise ValidationFailed(f"A {kind.value.replace('_', ' ')} has no states to move between.")
    fields.pop("comment", None)
    extra = set(fields)
    if extra:
        raise ValidationFailed(
            f"Unexpected field{'s' if len(extra) > 1 else ''} in a transition: "
            f"{', '.join(sorted(extra))}.",
            details={"unknown": sorted(extra)},
        )
    return record


def _rejection(record: Record, fields: Record, target: str) -> None:
    """A rejection carries the carrier's code; not portable carries its own; others none."""
    if target == PortState.REJECTED.value:
        code = fields.pop("rejection_code", None)
        if code not in RejectionCode.__members__:
            codes = ", ".join(RejectionCode)
            raise IllegalTransition(
                f"A rejection needs the carrier's rejection code, one of: {codes}.",
                details={"missing": "rejection_code"},
            )
        record["rejection_code"] = code
    elif target == PortState.NOT_PORTABLE.value:
        record["rejection_code"] = RejectionCode.NOT_PORTABLE.value
    else:
        record["rejection_code"] = None


def _issue_transition(
    record: Record,
    fields: Record,
    raw: str,
    actor: str,
    now: datetime,
    policy: SlaPolicy | None,
    facts: Facts | None,
) -> None:
    current = IssueState(record["state"])
    target = _parse_state(ISSUE, IssueState, raw)
    ISSUE.check(current, target)
    if target is IssueState.RESOLVED and facts is not None:
        rules.check_retest(record, facts)
    if "assignee" in fields:
        record["assignee"] = str(fields.pop("assignee"))
    if current is IssueState.ON_HOLD and record.get("on_hold_since") is not None:
        since = record["on_hold_since"]
        if isinstance(since, str):
            since = datetime.fromisoformat(since)
        policy = policy or SlaPolicy.default()
        record["paused_seconds"] = float(record.get("paused_seconds") or 0.0) + hold_seconds(
            since, now, Priority(record["priority"]), policy
        )
        record["on_hold_since"] = None
        record["hold_reason"] = ""
    if target is not IssueState.CANCELLED and record.get("responded_at") is None:
        # taking it, holding it for the customer or resolving it all answer the reporter
        record["responded_at"] = now
    if target is IssueState.ON_HOLD:
        record["hold_reason"] = _require_text(
            fields,
            "reason",
            "Putting an issue on hold needs a reason (awaiting customer, vendor or change).",
        )
        record["on_hold_since"] = now
    elif target is IssueState.RESOLVED:
        record["resolution"] = _require_text(
            fields, "resolution", "Resolving an issue needs a resolution note."
        )
        record["resolved_at"] = now
    elif target is IssueState.IN_PROGRESS and current is IssueState.RESOLVED:
        record["resolved_at"] = None
    elif target is IssueState.CLOSED:
        record["closed_at"] = now
    elif target is IssueState.CANCELLED:
        record["resolution"] = _require_text(
            fields, "reason", "Cancelling an issue needs a reason."
        )
        record["closed_at"] = now
    if target is IssueState.IN_PROGRESS and not record.get("assignee"):
        record["assignee"] = actor
    record["state"] = target


def merge_update(
    current: Mapping[str, Any],
    field_versions: Mapping[str, tuple[int, str]],
    base_version: int | None,
    fields: Mapping[str, Any],
    client_id: str,
    kind: EntityKind | None = None,
) -> tuple[Record, Record]:
    """Field-level merge for an ``update``: (fields to apply, fields in conflict).

    ``field_versions`` says, per field, the version that last changed it and the client
    that made that change. A field nobody else changed since ``base_version`` applies; a
    field another client changed since then, to a value other than this op's, is a
    conflict and keeps the current value (returned so the client can show it). A client's
    own earlier changes never conflict with its later ones: its ops arrive in order.
    Values are compared as the codec writes them; with ``kind``, a contested value is
    first typed by its field (:func:`golive_tui.domain.records.decode_fields`), so one instant
    written in another zone is still the same value.
    """
    apply: Record = {}
    conflicts: Record = {}
    base = base_version or 0
    for name, value in fields.items():
        changed_at, changed_by = field_versions.get(name, (0, ""))
        mine = changed_by == client_id
        if changed_at > base and not mine:
            sent = value if kind is None else decode_fields(kind, {name: value})[name]
            if encode_value(current.get(name)) != encode_value(sent):
                conflicts[name] = current.get(name)
                continue
        apply[name] = value
    for group in TOGETHER.get(kind, ()) if kind is not None else ():
        if any(name in conflicts for name in group):
            for name in group:
                if name in apply:
                    del apply[name]
                    conflicts[name] = current.get(name)
    return apply, conflicts


#: fields that apply together or not at all (a new priority and the reason for it)
TOGETHER: dict[EntityKind, tuple[tuple[str, ...], ...]] = {
    EntityKind.ISSUE: (("priority", "priority_reason"),),
}


def entity_base(kind: EntityKind) -> type[EntityBase]:
    return ENTITY_BASES[kind]
