"""What the checklist screen shows: each item as a view of its row (with what it waits on),
the filters, and the columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from golive_tui.domain.enums import ChecklistStatus, ChecklistStream, LifecyclePhase, Role
from golive_tui.tui.widgets.people import People

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore


FINISHED = frozenset({ChecklistStatus.DONE, ChecklistStatus.SKIPPED})
OPEN = frozenset({ChecklistStatus.TODO, ChecklistStatus.IN_PROGRESS, ChecklistStatus.BLOCKED})
GATE_MARK = "◆"
WAIT_MARK = "◷"
#: an item the gate derives from records (shown, not ticked)
DERIVED_MARK = "⚙"


#: the quick filters: key, name on the bar, what it keeps
FILTERS: tuple[tuple[str, str, str], ...] = (
    ("m", "mine", "assigned to you"),
    ("o", "overdue", "past due and not finished"),
    ("g", "gate", "go / no-go gate items"),
    ("w", "waiting", "blocked, or waiting on an unfinished predecessor"),
)
FILTER_NAMES = tuple(name for _key, name, _about in FILTERS)
STATUS_GLYPHS: dict[ChecklistStatus, str] = {
    ChecklistStatus.TODO: "○",
    ChecklistStatus.IN_PROGRESS: "◐",
    ChecklistStatus.BLOCKED: "✗",
    ChecklistStatus.DONE: "✓",
    ChecklistStatus.SKIPPED: "–",
}
SKIP_NEEDS_COMMENT = (
    "Skipping a checklist item needs a comment saying why. Type one, or press Esc to "
    "leave the item as it is."
)


@dataclass(frozen=True, slots=True)
class ItemView:
    """One checklist item as the screen shows it."""

    id: str
    key: str
    title: str
    phase: LifecyclePhase
    stream: ChecklistStream
    owner_role: Role
    assignee: str
    assignee_name: str
    due_at: datetime | None
    status: ChecklistStatus
    gate: bool
    #: keys of every predecessor, and of those not done or skipped yet
    predecessors: tuple[str, ...]
    waits_on: tuple[str, ...]
    skip_comment: str
    done_at: datetime | None
    done_by: str
    pending: bool
    #: the gate rule that derives it (domain.gate.GateRule value); "" for a ticked item
    evidence: str = ""

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def waiting(self) -> bool:
        return not self.finished and bool(self.waits_on)

    def overdue(self, now: datetime) -> bool:
        return not self.finished and self.due_at is not None and self.due_at < now


@dataclass(frozen=True, slots=True)
class ChecklistData:
    zone: str
    actor: str
    items: tuple[ItemView, ...]
    #: who an item is assigned to: the stakeholders who sign in
    people: People = field(default_factory=People)


def load_checklist(store: LocalStore) -> ChecklistData:
    """The items in reading order: by phase, then stream, then the plan's own order."""
    project = store.project()
    people = People.of(store.stakeholders(), store.members())
    names = {user: people.name_of_user(user) for user, _name, _role in people.members}
    rows = store.checklist()
    by_id = {row.id: row for row in rows}
    phases = list(LifecyclePhase)
    streams = list(ChecklistStream)
    rows.sort(key=lambda r: (phases.index(r.phase), streams.index(r.stream), r.sort_order,
                             r.key))
    items = []
    for row in rows:
        preds = [by_id[p] for p in row.predecessors if p in by_id]
        items.append(ItemView(
            id=row.id, key=row.key, title=row.title, phase=row.phase, stream=row.stream,
            owner_role=row.owner_role, assignee=row.assignee,
            assignee_name=names.get(row.assignee, row.assignee),
            due_at=row.due_at, status=row.status, gate=row.gate,
            predecessors=tuple(p.key for p in preds),
            waits_on=tuple(p.key for p in preds if p.status not in FINISHED),
            skip_comment=row.skip_comment, done_at=row.done_at,
            done_by=names.get(row.done_by, row.done_by), pending=bool(row.pending),
            evidence=row.evidence,
        ))
    return ChecklistData(
        zone=project.time_zone if project is not None else "America/New_York",
        actor=store.actor,
        items=tuple(items),
        people=people,
    )


def keeps(item: ItemView, filters: frozenset[str], *, actor: str, now: datetime) -> bool:
    """Whether an item passes every active quick filter (they combine with AND)."""
    if "mine" in filters and item.assignee != actor:
        return False
    if "overdue" in filters and not item.overdue(now):
        return False
    if "gate" in filters and not item.gate:
        return False
    return not (
        "waiting" in filters
        and not (item.status is ChecklistStatus.BLOCKED or item.waiting)
    )


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int


PHASE_ROW = "phase:"
