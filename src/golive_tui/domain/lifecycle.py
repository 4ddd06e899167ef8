"""The lifecycle's rules: a phase's exit criteria, when it may close, where the project is.

A phase closes when its exit criteria are met (its milestones done and its checklist items
done or skipped), or by the IPM with a reason that says why the project goes on without
them; a closed phase may be reopened, by the IPM, with a reason. Each close and reopen is a
``phase_event`` (append-only), and the project's ``phase`` follows the log: it moves only
by a transition that the log's latest event for the phase left behind justifies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from golive_tui.domain.clock import as_time
from golive_tui.domain.enums import (
    ChecklistStatus,
    LifecyclePhase,
    MilestoneStatus,
    PhaseAction,
)

Record = Mapping[str, Any]

PHASES: tuple[LifecyclePhase, ...] = tuple(LifecyclePhase)
_CLOSED_ITEMS = frozenset({ChecklistStatus.DONE, ChecklistStatus.SKIPPED})


def phase_text(phase: LifecyclePhase) -> str:
    """How the current phase reads on every screen: ``Phase 5/7 Go-live``."""
    return f"Phase {phase.number}/{len(PHASES)} {phase.label}"


# ----------------------------------------------------------------------------- milestones


def milestone_status(milestone: Record, now: datetime) -> MilestoneStatus:
    """Done once it has an actual date; late once its forecast (or, without one, its
    planned date) has passed; at risk when forecast after its planned date; on track when
    it has a date still ahead; planned when it has none."""
    if as_time(milestone.get("done_at")) is not None:
        return MilestoneStatus.DONE
    planned = as_time(milestone.get("due_at"))
    forecast = as_time(milestone.get("forecast_at"))
    expected = forecast or planned
    if expected is None:
        return MilestoneStatus.PLANNED
    if expected < now:
        return MilestoneStatus.LATE
    if planned is not None and forecast is not None and forecast > planned:
        return MilestoneStatus.AT_RISK
    return MilestoneStatus.ON_TRACK


def is_late(milestone: Record, now: datetime) -> bool:
    return milestone_status(milestone, now) is MilestoneStatus.LATE


def milestone_slip(milestone: Record) -> float | None:
    """How many days the forecast (or the actual date) lies after the plan; None without both."""
    planned = as_time(milestone.get("due_at"))
    other = as_time(milestone.get("done_at")) or as_time(milestone.get("forecast_at"))
    if planned is None or other is None:
        return None
    return (other - planned).total_seconds() / 86_400


# ----------------------------------------------------------------------------- criteria


class Criterion(NamedTuple):
    """One exit criterion of a phase: a milestone done, a checklist item closed.

    (A named tuple: a frozen dataclass is compiled as the module is imported, which the
    dashboard does before its first frame.)"""

    name: str
    met: bool
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}" if self.detail else self.name


def exit_criteria(
    phase: LifecyclePhase, milestones: Iterable[Record], checklist: Iterable[Record]
) -> list[Criterion]:
    """The phase's milestones (each done) and its checklist items (each done or skipped)."""
    criteria: list[Criterion] = []
    for m in milestones:
        if LifecyclePhase(m["phase"]) is not phase:
            continue
        done = as_time(m.get("done_at")) is not None
        criteria.append(Criterion(f"Milestone {m['name']}", done, "" if done else "not done"))
    for item in checklist:
        if LifecyclePhase(item["phase"]) is not phase:
            continue
        status = ChecklistStatus(item["status"])
        criteria.append(Criterion(
            f"Checklist {item['key']}", status in _CLOSED_ITEMS,
            "" if status in _CLOSED_ITEMS else status.value.replace("_", " "),
        ))
    return criteria


def overdue_items(
    phase: LifecyclePhase, checklist: Iterable[Record], now: datetime
) -> list[Record]:
    """The phase's checklist items whose due time has passed while still open."""
    return [
        item for item in checklist
        if LifecyclePhase(item["phase"]) is phase
        and ChecklistStatus(item["status"]) not in _CLOSED_ITEMS
        and (due := as_time(item.get("due_at"))) is not None and due < now
    ]


def unmet_criteria(
    phase: LifecyclePhase, milestones: Iterable[Record], checklist: Iterable[Record]
) -> list[Criterion]:
    return [c for c in exit_criteria(phase, milestones, checklist) if not c.met]


# ----------------------------------------------------------------------------- the log


def _order(event: Record) -> tuple[datetime, str]:
    at = as_time(event.get("at")) or datetime.min.replace(tzinfo=UTC)
    return at, str(event.get("id", ""))


def latest_events(events: Iterable[Record]) -> dict[LifecyclePhase, Record]:
    """Each phase's latest event, by time (then id, for two at one instant)."""
    latest: dict[LifecyclePhase, Record] = {}
    for event in sorted(events, key=_order):
        latest[LifecyclePhase(event["phase"])] = event
    return latest


def is_closed(phase: LifecyclePhase, events: Iterable[Record]) -> bool:
    event = latest_events(events).get(phase)
    return event is not None and PhaseAction(event["action"]) is PhaseAction.CLOSED


def closed_at(phase: LifecyclePhase, events: Iterable[Record]) -> datetime | None:
    event = latest_events(events).get(phase)
    if event is None or PhaseAction(event["action"]) is not PhaseAction.CLOSED:
        return None
    return as_time(event.get("at"))


def phase_after_close(phase: LifecyclePhase, events: Sequence[Record]) -> LifecyclePhase:
    """Where the project goes when ``phase`` closes: the first later phase still open (the
    last phase stays where it is, closed)."""
    latest = latest_events(events)
    for later in PHASES[PHASES.index(phase) + 1:]:
        event = latest.get(later)
        if event is None or PhaseAction(event["action"]) is not PhaseAction.CLOSED:
            return later
    return phase


def phase_from_log(events: Sequence[Record]) -> LifecyclePhase | None:
    """The phase the log puts the project in: the first phase not closed (the last one when
    all are); None for an empty log."""
    if not events:
        return None
    latest = latest_events(events)
    for phase in PHASES:
        event = latest.get(phase)
        if event is None or PhaseAction(event["action"]) is not PhaseAction.CLOSED:
            return phase
    return PHASES[-1]
