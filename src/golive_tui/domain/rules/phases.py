"""A project's lifecycle: a phase event and a phase move checked against the phase log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive_tui.domain import lifecycle
from golive_tui.domain.enums import (
    EntityKind,
    LifecyclePhase,
    PhaseAction,
)
from golive_tui.domain.errors import IllegalTransition, ValidationFailed
from golive_tui.domain.rules.facts import Facts, Record
from golive_tui.domain.rules.reasons import reason_problem


def _project(facts: Facts) -> Record:
    found = facts.find(EntityKind.PROJECT)
    if not found:
        raise ValidationFailed("This project has no project record to move.")
    return dict(found[0])


def check_phase_event(fields: Record, facts: Facts) -> None:
    """Check closing or reopening a phase against the project's lifecycle; fill in ``unmet``.

    Only the current phase closes. It closes when its exit criteria are met; otherwise only
    with a reason that says why the project goes on without them (the criteria unmet then
    are recorded). Only a closed phase reopens, with a reason. Who may do either is the
    permissions' (the IPM).
    """
    try:
        phase = LifecyclePhase(str(fields.get("phase")))
        action = PhaseAction(str(fields.get("action")))
    except ValueError:
        return  # validation names the bad value
    reason = fields.get("reason")
    reason = " ".join(reason.split()) if isinstance(reason, str) else ""
    project = _project(facts)
    current = LifecyclePhase(project["phase"])
    events = facts.find(EntityKind.PHASE_EVENT)
    closed = lifecycle.is_closed(phase, events)
    unmet: list[str] = []
    if action is PhaseAction.CLOSED:
        if closed:
            raise IllegalTransition(
                f"{lifecycle.phase_text(phase)} is already closed.",
                details={"phase": phase.value},
            )
        if phase is not current:
            raise IllegalTransition(
                f"Only the current phase closes: the project is in "
                f"{lifecycle.phase_text(current)}, not {phase.label}.",
                details={"phase": phase.value, "current": current.value},
            )
        missing = lifecycle.unmet_criteria(
            phase, facts.find(EntityKind.MILESTONE), facts.find(EntityKind.CHECKLIST_ITEM)
        )
        unmet = [str(c) for c in missing]
        if missing:
            n = len(missing)
            problem = reason_problem(
                reason, f"Closing {phase.label} with {n} exit criteri{'a' if n != 1 else 'on'} "
                "unmet")
            if problem is not None:
                names = "; ".join(unmet[:5]) + ("; …" if n > 5 else "")
                raise ValidationFailed(
                    f"{problem}, saying why the project goes on without them ({names}).",
                    details={"field": "reason", "unmet": unmet},
                )
    else:
        if not closed:
            raise IllegalTransition(
                f"{phase.label} is not closed, so there is nothing to reopen.",
                details={"phase": phase.value},
            )
        problem = reason_problem(reason, f"Reopening {phase.label}")
        if problem is not None:
            raise ValidationFailed(f"{problem}, saying what is not finished.",
                                   details={"field": "reason"})
    fields.update(reason=reason, unmet=unmet)


def check_phase_move(record: Mapping[str, Any], target: LifecyclePhase, facts: Facts) -> None:
    """The project's phase follows its log: forward only past a phase just closed, to the
    first later phase still open; back only to a phase just reopened."""
    current = LifecyclePhase(record["phase"])
    events = facts.find(EntityKind.PHASE_EVENT)
    latest = lifecycle.latest_events(events)
    if target is current:
        raise IllegalTransition(f"The project is already in {lifecycle.phase_text(current)}.")
    if target.number > current.number:
        event = latest.get(current)
        if event is None or PhaseAction(event["action"]) is not PhaseAction.CLOSED:
            raise IllegalTransition(
                f"Close {current.label} first: the project leaves a phase only once its "
                "exit criteria are met or the IPM closed it with a reason.",
                details={"phase": current.value},
            )
        expected = lifecycle.phase_after_close(current, events)
        if target is not expected:
            raise IllegalTransition(
                f"After {current.label} the project goes to {expected.label}, not "
                f"{target.label}.",
                details={"expected": expected.value},
            )
        return
    event = latest.get(target)
    if event is None or PhaseAction(event["action"]) is not PhaseAction.REOPENED:
        raise IllegalTransition(
            f"Reopen {target.label} first (with a reason); the project goes back only to a "
            "reopened phase.",
            details={"phase": target.value},
        )
