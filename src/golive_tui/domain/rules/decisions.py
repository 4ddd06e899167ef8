"""A go / no-go decision weighed against the gate of its cutover (or of the project): GO
over unmet conditions needs an override with a substantive reason that names them.
"""

from __future__ import annotations

from collections.abc import Sequence

from golive_tui.domain.enums import (
    DecisionKind,
    EntityKind,
    Priority,
    SignoffKind,
)
from golive_tui.domain.errors import ValidationFailed
from golive_tui.domain.gate import TEST_933, GateResult, gate_from_records
from golive_tui.domain.network import CALL_QUALITY_TEST, NetworkThresholds
from golive_tui.domain.port_orders import project_holidays
from golive_tui.domain.rules.facts import Facts, Record
from golive_tui.domain.rules.reasons import reason_problem


def cutovers_of(facts: Facts) -> Sequence[Record]:
    """The project's cutover waves, as the facts' owner holds them."""
    return facts.find(EntityKind.CUTOVER)


def gate_of(facts: Facts, cutover_id: str | None = None) -> GateResult:
    """One wave's gate as the facts' owner holds it now; with no ``cutover_id``, the gate
    of a project without waves (everything in one scope)."""
    cutover = None
    if cutover_id is not None:
        cutover = facts.records(EntityKind.CUTOVER, [cutover_id]).get(cutover_id)
        if cutover is None:
            raise ValidationFailed(
                f"No cutover with id {cutover_id} in this project.",
                details={"field": "cutover_id", "missing": [cutover_id]},
            )
    projects = facts.find(EntityKind.PROJECT)
    stored = projects[0].get("network_thresholds") if projects else None
    orders = (facts.find(EntityKind.PORT_ORDER) if cutover is None
              else facts.find(EntityKind.PORT_ORDER, cutover_id=cutover_id))
    records: dict[EntityKind, Sequence[Record]] = {
        EntityKind.SITE: facts.find(EntityKind.SITE),
        EntityKind.PORT_ORDER: orders,
        EntityKind.CHECKLIST_ITEM: facts.find(EntityKind.CHECKLIST_ITEM, gate=True),
        EntityKind.EMERGENCY_LOCATION: facts.find(EntityKind.EMERGENCY_LOCATION),
        EntityKind.VERIFICATION: [
            *facts.find(EntityKind.VERIFICATION, test_case=TEST_933),
            *facts.find(EntityKind.VERIFICATION, test_case=CALL_QUALITY_TEST),
        ],
        EntityKind.ISSUE: facts.find(EntityKind.ISSUE, priority=Priority.P1.value),
        EntityKind.SIGNOFF: facts.find(
            EntityKind.SIGNOFF, signoff_kind=SignoffKind.GO_LIVE_COSIGN.value),
    }
    return gate_from_records(
        cutover=cutover, records=records,
        thresholds=NetworkThresholds.from_stored(stored if isinstance(stored, dict) else None),
        holidays=project_holidays(projects[0] if projects else None),
    )


def _decision_cutover(fields: Record, facts: Facts) -> str | None:
    """The wave a call is for: named when the project has waves, none when it has none."""
    cutover_id = fields.get("cutover_id")
    if cutover_id:
        return str(cutover_id)  # check_references found it in this project
    waves = cutovers_of(facts)
    if waves:
        names = ", ".join(sorted(str(w.get("name")) for w in waves))
        raise ValidationFailed(
            f"This project goes live in waves ({names}): a go / no-go call names the wave "
            "it is for (cutover_id).",
            details={"field": "cutover_id"},
        )
    return None


def override_reason_problem(reason: str) -> str | None:
    """Why this reason cannot carry a GO over unmet conditions, or None when it can."""
    problem = reason_problem(reason, "Going ahead over unmet conditions")
    return None if problem is None else f"{problem} saying why it is safe to go"


def decide(fields: Record, facts: Facts) -> None:
    """Check a go / no-go / rollback against the gate held in ``facts``; fill in its record.

    ``unmet`` and ``override`` are the rules' to write: the gate is evaluated here, from
    the state of whoever applies the op, never taken from the op. A GO over unmet
    conditions must name, in ``unmet``, every condition it overrides (by the name the
    gate gives it, e.g. "Site DEN"), so nobody overrides a condition they did not see.
    """
    try:
        decision = DecisionKind(str(fields.get("decision")))
    except ValueError:
        return  # validation names the bad value
    reason = fields.get("reason")
    reason = reason.strip() if isinstance(reason, str) else ""
    gate = gate_of(facts, _decision_cutover(fields, facts))
    unmet = [str(condition) for condition in gate.unmet]
    override = decision is DecisionKind.GO and not gate.ready
    if override:
        n = len(gate.unmet)
        what = f"{n} unmet condition{'s' if n != 1 else ''}"
        problem = override_reason_problem(reason)
        if problem is not None:
            raise ValidationFailed(f"{problem} ({what}).", details={"field": "reason"})
        named = fields.get("unmet")
        listed = {
            str(entry).split(": ", 1)[0].strip()
            for entry in (named if isinstance(named, list) else [])
        }
        missed = [c for c in gate.unmet if c.name not in listed]
        holding = sorted(listed - {c.name for c in gate.unmet})
        if holding and not missed:
            raise ValidationFailed(
                f"This GO overrides {what} but also names {', '.join(holding)}, which "
                f"{'holds' if len(holding) == 1 else 'hold'} now. Look at the gate again and "
                "list exactly the conditions you override.",
                details={"field": "unmet", "holding": holding},
            )
        if missed:
            names = "; ".join(str(c) for c in missed)
            raise ValidationFailed(
                f"This GO overrides {what} but does not name {len(missed)} of them: {names}. "
                "Look at the gate again and list every condition you override.",
                details={"field": "unmet", "missing": [c.name for c in missed]},
            )
    elif decision is not DecisionKind.GO and not reason:
        raise ValidationFailed(
            f"A {decision.value.replace('_', '-')} call needs a reason.",
            details={"field": "reason"},
        )
    fields.update(reason=reason, unmet=unmet, override=override)
