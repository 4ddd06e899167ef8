"""A ``transition`` op applied to its record: the target state read and checked against the
entity's state machine, and what the move sets (reasons, times, the SLA's paused time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from golive_tui.domain import port_orders, rules, runbook
from golive_tui.domain.enums import (
    LEGACY_ORDER_STATES,
    ActionStatus,
    ChangeRequestState,
    ChecklistStatus,
    CutoverState,
    EntityKind,
    IssueState,
    LifecyclePhase,
    OrderState,
    PortState,
    Priority,
    RejectionCode,
    StepRunState,
)
from golive_tui.domain.errors import IllegalTransition, ValidationFailed
from golive_tui.domain.rules.facts import Facts
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


def apply_transition(
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
        raise ValidationFailed(f"{kind.a_noun.capitalize()} has no states to move between.")
    fields.pop("comment", None)
    extra = set(fields)
    if extra:
        raise ValidationFailed(
            f"Unexpected field{'s' if len(extra) > 1 else ''} in a transition: "
            f"{', '.join(sorted(extra))}.",
            details={"unknown": sorted(extra)},
        )
    return record


_REJECTED = PortState.REJECTED.value
_NOT_PORTABLE = PortState.NOT_PORTABLE.value


def _rejection(record: Record, fields: Record, target: str) -> None:
    """A rejection carries the carrier's code; not portable carries its own; others none."""
    if target == _REJECTED:
        code = fields.pop("rejection_code", None)
        if code not in RejectionCode.__members__:
            codes = ", ".join(RejectionCode)
            raise IllegalTransition(
                f"A rejection needs the carrier's rejection code, one of: {codes}.",
                details={"missing": "rejection_code"},
            )
        record["rejection_code"] = code
    elif target == _NOT_PORTABLE:
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
