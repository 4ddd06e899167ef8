"""What the lifecycle screen shows, read from the cache in one go (in a worker thread)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from golive_tui.domain import lifecycle
from golive_tui.domain.enums import LifecyclePhase, PhaseAction, Role
from golive_tui.domain.lifecycle import Criterion
from golive_tui.tui.widgets.people import People

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.store.tables import (
        ActionItemRow,
        ChangeRequestRow,
        KickoffRow,
        MilestoneRow,
        PhaseEventRow,
        RaidItemRow,
        StakeholderRow,
    )


#: a phase's own row in the phases table is keyed by this and the phase
PHASE_ROW = "phase:"


@dataclass(frozen=True)
class PhaseView:
    """One phase: where it stands, its milestones, its exit criteria and its last event."""

    phase: LifecyclePhase
    current: bool
    closed: bool
    #: the latest close or reopen of this phase, if any
    event: PhaseEventRow | None
    milestones: tuple[MilestoneRow, ...]
    criteria: tuple[Criterion, ...]
    #: its checklist items, as records, for what is overdue at the moment it is shown
    checklist: tuple[dict[str, object], ...] = ()

    @property
    def unmet(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.met]

    def late(self, now: datetime) -> list[MilestoneRow]:
        return [m for m in self.milestones if lifecycle.is_late(m.model_dump(), now)]

    def overdue(self, now: datetime) -> list[str]:
        """The keys of its checklist items past due and still open."""
        return [str(i["key"]) for i in lifecycle.overdue_items(self.phase, self.checklist, now)]


@dataclass(frozen=True)
class LifecycleData:
    zone: str
    role: Role
    phase: LifecyclePhase
    project_id: str
    phases: tuple[PhaseView, ...]
    events: tuple[PhaseEventRow, ...]
    stakeholders: tuple[StakeholderRow, ...]
    kickoff: KickoffRow | None
    actions: tuple[ActionItemRow, ...]
    raid: tuple[RaidItemRow, ...]
    changes: tuple[ChangeRequestRow, ...]
    #: the project's members as (user, display name), for linking a stakeholder to one
    members: tuple[tuple[str, str], ...] = ()
    #: the stakeholders as every person picker offers them
    people: People = field(default_factory=People)

    def name(self, stakeholder_id: str) -> str:
        """A stakeholder's name ("" for nobody; the id when it is not known here)."""
        if not stakeholder_id:
            return ""
        for person in self.stakeholders:
            if person.id == stakeholder_id:
                return person.name
        return stakeholder_id[:8]

    def person(self, stakeholder_id: str) -> StakeholderRow | None:
        return next((p for p in self.stakeholders if p.id == stakeholder_id), None)

    def phase_of(self, key: str) -> PhaseView | None:
        """The phase of a row of the phases table: its own row, or one of its milestones."""
        if key.startswith(PHASE_ROW):
            return next(v for v in self.phases if v.phase.value == key[len(PHASE_ROW):])
        return next((v for v in self.phases if any(m.id == key for m in v.milestones)), None)


def load_lifecycle(store: LocalStore) -> LifecycleData:
    project = store.project()
    assert project is not None
    events = store.phase_events()
    event_dicts = [e.model_dump() for e in events]
    latest = lifecycle.latest_events(event_dicts)
    by_id = {e.id: e for e in events}
    milestones = store.milestones()
    milestone_dicts = [m.model_dump() for m in milestones]
    checklist = [c.model_dump() for c in store.checklist()]
    current = LifecyclePhase(project.phase)
    phases = []
    for phase in lifecycle.PHASES:
        last = latest.get(phase)
        phases.append(PhaseView(
            phase=phase,
            current=phase is current,
            closed=last is not None and PhaseAction(last["action"]) is PhaseAction.CLOSED,
            event=by_id.get(last["id"]) if last is not None else None,
            milestones=tuple(m for m in milestones if LifecyclePhase(m.phase) is phase),
            criteria=tuple(lifecycle.exit_criteria(phase, milestone_dicts, checklist)),
            checklist=tuple(c for c in checklist if LifecyclePhase(c["phase"]) is phase),
        ))
    kickoffs = store.kickoffs()
    stakeholders = store.stakeholders()
    members = store.members()
    return LifecycleData(
        zone=project.time_zone,
        role=store.role,
        phase=current,
        project_id=project.id,
        phases=tuple(phases),
        events=tuple(events),
        stakeholders=tuple(stakeholders),
        kickoff=kickoffs[-1] if kickoffs else None,
        actions=tuple(store.action_items()),
        raid=tuple(store.raid_items()),
        changes=tuple(store.change_requests()),
        members=tuple((m.user, m.display_name or m.user) for m in members),
        people=People.of(stakeholders, members),
    )
