"""What the outside world is told about: the events an outbound webhook can subscribe to.

Pure functions of a record before and after a change (or of the gate, or of an issue's
SLA clocks at a moment). The server calls them inside the write transaction of the change
and queues one delivery per matching webhook there, so an event is never lost nor sent
for a change that did not commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from golive_tui.domain.codec import encode_value
from golive_tui.domain.enums import (
    CLOSED_CUTOVER_STATES,
    LEGACY_ORDER_STATES,
    OPEN_ISSUE_STATES,
    CutoverState,
    DecisionKind,
    EntityKind,
    IssueState,
    OrderState,
    PortState,
    Priority,
)
from golive_tui.domain.gate import GateResult
from golive_tui.domain.rules.decisions import cutovers_of, gate_of
from golive_tui.domain.rules.facts import Facts
from golive_tui.domain.sla import SlaClock, SlaPolicy, issue_clocks
from golive_tui.domain.time_text import span


class EventKind(StrEnum):
    """The events a webhook subscribes to (its filter names these)."""

    P1_OPENED = "p1_opened"
    GATE_CHANGED = "gate_changed"
    DECISION_RECORDED = "decision_recorded"
    FOC_CHANGED = "foc_changed"
    PORT_ACTIVATED = "port_activated"
    SLA_AT_RISK = "sla_at_risk"

    @property
    def label(self) -> str:
        return {
            EventKind.P1_OPENED: "P1 issue opened",
            EventKind.GATE_CHANGED: "Go / no-go gate changed",
            EventKind.DECISION_RECORDED: "GO / NO-GO / rollback recorded",
            EventKind.FOC_CHANGED: "FOC confirmed or changed",
            EventKind.PORT_ACTIVATED: "Port activated",
            EventKind.SLA_AT_RISK: "SLA about to breach",
        }[self]


#: the entity kinds whose changes can raise an event by themselves
EVENT_KINDS = frozenset(
    {EntityKind.ISSUE, EntityKind.DECISION, EntityKind.PORT_ORDER, EntityKind.NUMBER}
)
#: the entity kinds the gate weighs (domain.rules.gate_of): a change to one may open or
#: close the gate
GATE_KINDS = frozenset(
    {EntityKind.CHECKLIST_ITEM, EntityKind.PORT_ORDER, EntityKind.SITE, EntityKind.ISSUE,
     EntityKind.CUTOVER, EntityKind.EMERGENCY_LOCATION, EntityKind.VERIFICATION,
     EntityKind.SIGNOFF, EntityKind.PROJECT}
)

_ACTIVATED = frozenset({PortState.PORTED, PortState.VERIFIED})


def _order_state(value: Any) -> OrderState:
    """An order's state, reading one stored before orders had their own states."""
    return LEGACY_ORDER_STATES.get(str(value)) or OrderState(value)


@dataclass(frozen=True)
class Event:
    """One thing that happened, worded for a person and with its facts for a program."""

    kind: EventKind
    entity: EntityKind | None
    entity_id: str | None
    #: one line a person reads in chat
    summary: str
    #: the facts, as JSON values
    data: dict[str, Any] = field(default_factory=dict)


def _text(record: Mapping[str, Any], name: str) -> Any:
    return encode_value(record.get(name))


def _is_open_p1(record: Mapping[str, Any] | None) -> bool:
    return (
        record is not None
        and Priority(record["priority"]) is Priority.P1
        and IssueState(record["state"]) in OPEN_ISSUE_STATES
    )


def events_of_change(
    kind: EntityKind, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[Event]:
    """The events a change of one record raises (none for most changes)."""
    if after is None or kind not in EVENT_KINDS:
        return []
    if kind is EntityKind.ISSUE:
        return _issue_events(before, after)
    if kind is EntityKind.DECISION:
        return [] if before is not None else [_decision_event(after)]
    if kind is EntityKind.PORT_ORDER:
        return _order_events(before, after)
    return _number_events(before, after)


def _issue_events(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Event]:
    if not _is_open_p1(after):
        return []
    if before is not None and Priority(before["priority"]) is Priority.P1:
        return []  # already a P1 (reopening one is not a new P1)
    how = "opened" if before is None else "raised to P1"
    reason = str(after.get("priority_reason") or "")
    summary = f"P1 {after['ref']} {how}: {after['title']}"
    if before is not None and reason:
        summary += f" ({reason})"
    return [
        Event(
            EventKind.P1_OPENED, EntityKind.ISSUE, str(after["id"]), summary,
            {
                "ref": after["ref"],
                "title": after["title"],
                "priority": Priority.P1.value,
                "previous_priority": None if before is None else _text(before, "priority"),
                "priority_reason": reason,
                "state": _text(after, "state"),
                "category": _text(after, "category"),
                "reporter": after.get("reporter", ""),
                "assignee": after.get("assignee", ""),
                "opened_at": _text(after, "opened_at"),
            },
        )
    ]


_DECISION_WORDS = {DecisionKind.GO: "GO", DecisionKind.NO_GO: "NO-GO",
                   DecisionKind.ROLLBACK: "ROLLBACK"}


def _decision_event(after: Mapping[str, Any]) -> Event:
    decision = DecisionKind(after["decision"])
    unmet = [str(u) for u in after.get("unmet") or []]
    summary = f"{_DECISION_WORDS[decision]} recorded by {after.get('by') or 'someone'}"
    if after.get("override"):
        summary += f", overriding {len(unmet)} unmet gate condition{'s' if len(unmet) != 1 else ''}"
    if after.get("reason"):
        summary += f": {after['reason']}"
    return Event(
        EventKind.DECISION_RECORDED, EntityKind.DECISION, str(after["id"]), summary,
        {
            "decision": decision.value,
            "by": after.get("by", ""),
            "at": _text(after, "at"),
            "reason": after.get("reason", ""),
            "override": bool(after.get("override")),
            "unmet": unmet,
            "cutover_id": after.get("cutover_id"),
        },
    )


def _order_events(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Event]:
    events: list[Event] = []
    status = _order_state(after["status"])
    was = None if before is None else _order_state(before["status"])
    foc = _text(after, "confirmed_foc")
    old_foc = None if before is None else _text(before, "confirmed_foc")
    facts = {
        "pon": after["pon"],
        "carrier": after["carrier"],
        "btn": after.get("btn", ""),
        "status": status.value,
        "previous_status": None if was is None else was.value,
        "confirmed_foc": foc,
        "previous_confirmed_foc": old_foc,
        "requested_foc": _text(after, "requested_foc"),
        "cutover_id": after.get("cutover_id"),
    }
    confirmed = status is OrderState.FOC_CONFIRMED and was is not OrderState.FOC_CONFIRMED
    moved = before is not None and foc != old_foc and foc is not None
    if confirmed or moved:
        when = foc or "no date yet"
        summary = (
            f"FOC confirmed for {after['pon']} ({after['carrier']}): {when}" if confirmed
            else f"FOC of {after['pon']} ({after['carrier']}) changed from {old_foc or 'none'} "
                 f"to {when}"
        )
        events.append(Event(EventKind.FOC_CHANGED, EntityKind.PORT_ORDER, str(after["id"]),
                            summary, facts))
    if status is OrderState.ACTIVATED and was is not OrderState.ACTIVATED:
        events.append(
            Event(EventKind.PORT_ACTIVATED, EntityKind.PORT_ORDER, str(after["id"]),
                  f"Port order {after['pon']} ({after['carrier']}) is activated", facts)
        )
    return events


def _number_events(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Event]:
    state = PortState(after["porting_state"])
    was = None if before is None else PortState(before["porting_state"])
    if before is None or state not in _ACTIVATED or was in _ACTIVATED:
        return []
    return [
        Event(
            EventKind.PORT_ACTIVATED, EntityKind.NUMBER, str(after["id"]),
            f"{after['e164']} is ported",
            {
                "e164": after["e164"],
                "order_id": after.get("order_id"),
                "site_id": after.get("site_id"),
                "porting_state": state.value,
                "previous_porting_state": None if was is None else was.value,
            },
        )
    ]


# --------------------------------------------------------------------------- the gate


#: the gate of a project without cutover waves: everything in one scope
PROJECT_SCOPE = "project"


@dataclass(frozen=True)
class GateScope:
    """One gate of a project: a wave's, or the project's own when it has no waves."""

    #: what its last state is kept under: the wave's id (a rename keeps it), or "project"
    key: str
    #: what people read: the wave's name, or "project"
    name: str
    cutover_id: str | None
    gate: GateResult


def gate_scopes(facts: Facts) -> list[GateScope]:
    """Every gate of the project as the facts hold it now: one per wave that is not over,
    or the project's own when it has no waves."""
    waves = cutovers_of(facts)
    if not waves:
        return [GateScope(PROJECT_SCOPE, PROJECT_SCOPE, None, gate_of(facts))]
    return [
        GateScope(str(wave["id"]), str(wave["name"]), str(wave["id"]),
                  gate_of(facts, str(wave["id"])))
        for wave in waves if CutoverState(wave["state"]) not in CLOSED_CUTOVER_STATES
    ]


def gate_event(scope: GateScope, was_ready: bool | None) -> Event | None:
    """The event when a gate became GO-able or stopped being so (None: no change).

    ``was_ready`` is None the first time a gate is looked at: that is its baseline, not a
    change.
    """
    gate = scope.gate
    if was_ready is None or was_ready == gate.ready:
        return None
    unmet = [str(condition) for condition in gate.unmet]
    where = "" if scope.cutover_id is None else f" of {scope.name}"
    if gate.ready:
        summary = f"The gate{where} is open: every condition holds, GO can be recorded"
    else:
        summary = f"The gate{where} closed: {unmet[0]}" + (
            f" (and {len(unmet) - 1} more)" if len(unmet) > 1 else ""
        )
    return Event(
        EventKind.GATE_CHANGED, None, None, summary,
        {"scope": scope.name, "cutover_id": scope.cutover_id, "ready": gate.ready,
         "unmet": unmet},
    )


# --------------------------------------------------------------------------- SLA


@dataclass(frozen=True)
class _Clocked:
    priority: Priority
    state: IssueState
    opened_at: datetime | None
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    on_hold_since: datetime | None
    paused_seconds: float


def sla_warnings(
    issue: Mapping[str, Any], policy: SlaPolicy, now: datetime, lead_seconds: float
) -> list[tuple[str, Event]]:
    """The running clocks of an open issue due within ``lead_seconds`` and not yet breached.

    Each comes with its key (issue, clock, priority): a warning is sent once per key, so an
    issue warns once per target, and again when a new priority gives it a new target.
    """
    state = IssueState(issue["state"])
    if state not in OPEN_ISSUE_STATES or issue.get("opened_at") is None:
        return []
    clocked = _Clocked(
        Priority(issue["priority"]), state, issue["opened_at"], issue.get("responded_at"),
        issue.get("resolved_at"), issue.get("closed_at"), issue.get("on_hold_since"),
        float(issue.get("paused_seconds") or 0.0),
    )
    warnings: list[tuple[str, Event]] = []
    for clock in issue_clocks(clocked, policy, now):
        if not _about_to_breach(clock, lead_seconds):
            continue
        key = f"sla:{issue['id']}:{clock.kind}:{clocked.priority.value}"
        summary = (
            f"{clocked.priority.value} {issue['ref']} will miss its {clock.kind} target in "
            f"{span(clock.remaining_seconds)}: {issue['title']}"
        )
        warnings.append((key, Event(
            EventKind.SLA_AT_RISK, EntityKind.ISSUE, str(issue["id"]), summary,
            {
                "ref": issue["ref"],
                "title": issue["title"],
                "priority": clocked.priority.value,
                "clock": clock.kind,
                "remaining_seconds": round(clock.remaining_seconds),
                "due_at": encode_value(clock.due_at),
                "assignee": issue.get("assignee", ""),
                "state": state.value,
            },
        )))
    return warnings


def _about_to_breach(clock: SlaClock, lead_seconds: float) -> bool:
    return (
        not clock.stopped and not clock.paused and 0 < clock.remaining_seconds <= lead_seconds
    )
