"""Intent operations and the pure rules that apply them.

A client records every change as an :class:`Op`; its local cache applies it at once with
:func:`apply_op`, and the server applies the same op with the same function, so client and
server can never disagree on what a change means.

The parts apply_op uses live beside it: the op itself (:mod:`.op_model`), record
validation (:mod:`.validation`), transitions (:mod:`.op_transitions`) and the field-level
merge of updates (:mod:`.merge`); their public names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from golive_tui.domain import (
    closure,
    port_orders,
    project_settings,
    rules,
    runbook,
    sites,
    waves,
    withdrawal,
)
from golive_tui.domain.clock import ensure_aware
from golive_tui.domain.entities import ENTITY_BASES, SYSTEM_FIELDS
from golive_tui.domain.enums import (
    ActionStatus,
    ChangeRequestState,
    ChecklistStatus,
    CutoverState,
    EntityKind,
    IssueState,
    OpAction,
    Priority,
    SignoffKind,
    StepRunState,
)
from golive_tui.domain.errors import DomainError, NotFound, ValidationFailed
from golive_tui.domain.merge import TOGETHER, merge_update
from golive_tui.domain.op_model import (
    DATE_TIME_TEXT,
    MAX_FIELDS_DEPTH,
    MAX_FIELDS_VALUES,
    MAX_STORED_INT,
    NO_NUL,
    UUID_TEXT,
    Op,
    check_fields_bounds,
    fields_beyond_bounds,
    issue_ref,
    new_id,
    new_ids,
)
from golive_tui.domain.op_transitions import PHASE_MACHINE, apply_transition
from golive_tui.domain.rules import Facts, check_text, flat_and_plain
from golive_tui.domain.sla import SlaPolicy
from golive_tui.domain.validation import (
    entity_base,
    revalidate,
    validate_record,
    validate_records,
)

__all__ = [
    "DATE_TIME_TEXT",
    "MAX_FIELDS_DEPTH",
    "MAX_FIELDS_VALUES",
    "MAX_STORED_INT",
    "NEW_APART",
    "NO_NUL",
    "PHASE_MACHINE",
    "TOGETHER",
    "UUID_TEXT",
    "Op",
    "Record",
    "apply_new_run",
    "apply_op",
    "check_fields_bounds",
    "entity_base",
    "fields_beyond_bounds",
    "issue_ref",
    "merge_update",
    "new_id",
    "new_ids",
    "revalidate",
    "validate_record",
]

Record = dict[str, Any]


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
    fields = _asked(op)
    if facts is not None:
        project = facts.records(EntityKind.PROJECT, [project_id]).get(project_id)
        closure.check_project_open(project, op.entity, op.action, fields, facts.role)
    base = ENTITY_BASES[op.entity]
    if op.action in (OpAction.CREATE, OpAction.APPEND):
        if current is not None:
            raise ValidationFailed(
                f"{op.entity.a_noun.capitalize()} with id {op.entity_id} already exists.",
                details={"entity_id": op.entity_id},
            )
        return _new_record(op, fields, project_id, actor, now, facts)

    if current is None:
        raise NotFound(
            f"No {op.entity.value.replace('_', ' ')} with id {op.entity_id}; "
            "it may have been deleted by someone else.",
            details={"entity_id": op.entity_id},
        )
    if base.append_only:
        raise ValidationFailed(
            f"{op.entity.a_noun.capitalize()} is append-only: add a new entry instead."
        )
    if op.action is OpAction.DELETE:
        withdrawal.check_not_deleted(op.entity)
        return None
    if op.action is OpAction.UPDATE:
        if base.state_field and base.state_field in fields:
            raise ValidationFailed(
                f"{base.state_field} changes through a transition, not an update.",
                details={"field": base.state_field},
            )
        sites.prepare(op.entity, fields, current, facts, now)
        waves.check_window(op.entity, fields, current)
        if withdrawal.prepare_update(op.entity, current, fields, actor, now) and (
                facts is not None and op.entity is EntityKind.RUNBOOK_STEP):
            runbook.check_step_withdrawn(current, facts)
        _check_update(op.entity, current, fields, facts)
        if op.entity is EntityKind.PORT_ORDER:
            port_orders.check_order(current, fields, now, port_orders.holidays_of(facts))
        elif op.entity is EntityKind.PROJECT:
            project_settings.check_settings(fields)
            closure.prepare_project_update(current, fields, facts, actor, now)
        merged = {**current, **fields}
        record = revalidate(op.entity, current, merged)
        return _stamp(record, actor, now, int(current["version"]) + 1)
    # transition
    merged = apply_transition(op.entity, dict(current), fields, actor, now, policy, facts)
    return _stamp(revalidate(op.entity, current, merged), actor, now, int(current["version"]) + 1)


#: kinds whose new records are made by rules that read no record of their own kind (a
#: test result reads its site, number, emergency location and project; a note its issue):
#: the new records of a run of such ops cannot see one another, which lets
#: :func:`apply_new_run` check what the run shares once
NEW_APART = frozenset({EntityKind.VERIFICATION, EntityKind.ISSUE_NOTE})


def apply_new_run(
    ops: Sequence[Op],
    *,
    project_id: str,
    actor: str,
    now: datetime,
    facts: Facts | None,
) -> list[Record | DomainError]:
    """What :func:`apply_op` gives each of a run of ops that add a record under an id no
    record has: the new record, or the refusal it raises. One call for the run, so that
    what every op of it would look up alike (the project: is it closed?) is looked up once.

    Every op adds a record of a kind in :data:`NEW_APART` (``create`` or ``append``), and
    no two name one id: none of them then changes what another one's rules read, and each
    gets what it would get applied alone, in order.
    """
    now = ensure_aware(now)
    if facts is not None:
        project = facts.records(EntityKind.PROJECT, [project_id]).get(project_id)
        closed = closure.is_closed(project)
    else:
        closed = False
    # fields that are flat and hold no control character (almost every run) are not
    # walked again op by op: nothing in them is beyond the bounds nor refused as text
    plain = all(len(op.fields) <= MAX_FIELDS_VALUES for op in ops) and flat_and_plain(
        [op.fields for op in ops])
    out: list[Record | DomainError] = []
    #: the records that passed every rule before their model's, by kind: (where in
    #: ``out``, the record), validated together once the run is walked
    unchecked: dict[EntityKind, tuple[list[int], list[Record]]] = {}
    for op in ops:
        if op.entity not in NEW_APART or op.action not in _ADDS:
            raise ValueError(f"{op.action} {op.entity} is not a new record of a kind apart")
        try:
            if closed:  # rare: each op then takes the whole path, and its refusal
                new = apply_op(None, op, project_id=project_id, actor=actor, now=now,
                               facts=facts)
                assert new is not None  # an op that adds a record never deletes one
                out.append(new)
            else:
                record = _new_unvalidated(op, _asked(op, checked=plain), project_id, actor,
                                          now, facts)
                held = unchecked.get(op.entity)
                if held is None:
                    held = unchecked[op.entity] = ([], [])
                held[0].append(len(out))
                held[1].append(record)
                out.append(record)  # its place; the validated record takes it below
        except DomainError as refused:
            out.append(refused)
    # the model's validation is each record's last rule (nothing after it can refuse)
    for kind, (places, records) in unchecked.items():
        for place, found in zip(places, validate_records(kind, records), strict=True):
            out[place] = found if isinstance(found, DomainError) else _stamp(
                found, actor, now, version=1)
    return out


_ADDS = (OpAction.CREATE, OpAction.APPEND)


def _asked(op: Op, *, checked: bool = False) -> Record:
    """The fields an op sets, checked for what no change may set (a copy); ``checked``:
    its fields are known to be within the bounds and free of control characters."""
    if not checked:
        check_fields_bounds(op)
    fields = dict(op.fields)
    touched = set(fields) & SYSTEM_FIELDS
    if touched:
        raise ValidationFailed(
            f"{', '.join(sorted(touched))} cannot be set by a change; the server keeps them.",
            details={"fields": sorted(touched)},
        )
    # What a change asks for, not what is stored: a record an older server kept with one
    # must still load and rebase. PostgreSQL cannot store a NUL in text or JSON.
    if not checked:
        check_text(op.entity, fields)
    return fields


def _new_record(
    op: Op, fields: Record, project_id: str, actor: str, now: datetime, facts: Facts | None
) -> Record:
    """The record an op adds (``create`` or ``append``) under an id no record has."""
    record = _new_unvalidated(op, fields, project_id, actor, now, facts)
    return _stamp(validate_record(op.entity, record), actor, now, version=1)


def _new_unvalidated(
    op: Op, fields: Record, project_id: str, actor: str, now: datetime, facts: Facts | None
) -> Record:
    """:func:`_new_record` up to its model's validation: every other rule of a new record,
    in order."""
    base = ENTITY_BASES[op.entity]
    if (op.action is OpAction.APPEND) != base.append_only:
        verb = "append" if base.append_only else "create"
        raise ValidationFailed(f"Use '{verb}' to add {op.entity.a_noun}.")
    record = _defaults_on_create(op.entity, fields, op.entity_id, actor, now)
    if op.entity is EntityKind.PORT_ORDER:
        port_orders.check_order(None, record, now)
    elif op.entity is EntityKind.PROJECT:
        project_settings.check_settings(record)
    sites.prepare(op.entity, record, None, facts, now)
    waves.check_window(op.entity, record, None)
    record.update(id=op.entity_id, project_id=project_id)
    if facts is not None:
        _check_create(op.entity, record, facts)
    return record


def _stamp(record: Record, actor: str, now: datetime, version: int) -> Record:
    record.update(version=version, updated_at=now, updated_by=actor)
    return record


def _defaults_on_create(
    kind: EntityKind, fields: Record, entity_id: str, actor: str, now: datetime
) -> Record:
    record = dict(fields)
    if kind in withdrawal.WITHDRAWN_NOT_DELETED and record.get("withdrawn_at") is not None:
        raise ValidationFailed(f"A new {kind.words} starts in the plan; "
                               "withdraw it afterwards.")
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
            closure.check_handoff_ack(record, facts)
        elif record.get("signoff_kind") == SignoffKind.ACCEPTANCE.value:
            closure.check_acceptance(record, facts)
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
        rules.check_reprioritised(current, fields, facts)
        if facts is not None and fields.get("verification_id") not in (
            None, current.get("verification_id")
        ):
            rules.check_linked_issue(fields, facts)
    elif kind is EntityKind.CHECKLIST_ITEM and facts is not None:
        rules.check_checklist_update(current, fields, facts)
