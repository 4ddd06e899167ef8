"""What the issue screens read: the issues' context (names, sites, links, SLA policy), the
queue's filters, and the labels of states and hold reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from golive_tui.domain.enums import HoldReason, IssueState, Priority
from golive_tui.domain.sla import SlaClock, SlaPolicy
from golive_tui.tui.widgets.people import People

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.store.tables import IssueNoteRow, IssueRow


CLOCK_REFRESH_SECONDS = 30.0
PRIORITIES = list(Priority)
STATE_LABELS = {
    IssueState.NEW: "new",
    IssueState.IN_PROGRESS: "in progress",
    IssueState.ON_HOLD: "on hold",
    IssueState.RESOLVED: "resolved",
    IssueState.CLOSED: "closed",
    IssueState.CANCELLED: "cancelled",
}
HOLD_CHOICES = {
    HoldReason.AWAITING_CUSTOMER: "Awaiting customer",
    HoldReason.AWAITING_VENDOR: "Awaiting vendor",
    HoldReason.AWAITING_CHANGE: "Awaiting change",
}
FILTERS: tuple[tuple[str, str, str], ...] = (
    # (name, key, label)
    ("open", "o", "Open"),
    ("mine", "m", "Mine"),
    ("unassigned", "u", "Unassigned"),
    ("breached", "b", "Breached"),
    ("urgent", "p", "P1/P2"),
)


def hold_reason_label(reason: str) -> str:
    try:
        return HOLD_CHOICES[HoldReason(reason)]
    except ValueError:
        return reason


def is_breached(clocks: tuple[SlaClock, SlaClock]) -> bool:
    return any(clock.breached for clock in clocks)


@dataclass(frozen=True)
class IssueContext:
    """What the issue screens show next to the issues: names, sites, links, policy."""

    sites: dict[str, tuple[str, str]]  # id -> (code, name)
    names: dict[str, str]  # user -> display name
    #: the stakeholders (and members) an issue is assigned to
    people: People
    verifications: dict[str, tuple[str, str, str]]  # id -> (test case, result, note)
    numbers: dict[str, str]  # id -> e164
    policy: SlaPolicy
    actor: str
    time_zone: str


@dataclass(frozen=True)
class IssueQueueData:
    issues: list[IssueRow]
    context: IssueContext


def load_context(store: LocalStore, issues: list[IssueRow]) -> IssueContext:
    """Runs in a thread: the names, sites and links the issues refer to."""
    from golive_tui.store.tables import NumberRow, VerificationRow

    verifications: dict[str, tuple[str, str, str]] = {}
    numbers: dict[str, str] = {}
    for issue in issues:
        if issue.verification_id and issue.verification_id not in verifications:
            entry = store.get(VerificationRow, issue.verification_id)
            if entry is not None:
                verifications[entry.id] = (entry.test_case, entry.result.value, entry.note)
        if issue.number_id and issue.number_id not in numbers:
            number = store.get(NumberRow, issue.number_id)
            if number is not None:
                numbers[number.id] = number.e164
    members = store.members()
    project = store.project()
    return IssueContext(
        sites={site.id: (site.code, site.name) for site in store.sites()},
        names={m.user: m.display_name or m.user for m in members},
        people=People.of(store.stakeholders(), members),
        verifications=verifications,
        numbers=numbers,
        policy=store.policy(),
        actor=store.actor,
        time_zone=project.time_zone if project is not None else "America/New_York",
    )


@dataclass
class Filters:
    open: bool = True
    mine: bool = False
    unassigned: bool = False
    breached: bool = False
    urgent: bool = False


@dataclass(frozen=True)
class IssueDetailData:
    issue: IssueRow | None
    notes: list[IssueNoteRow]
    context: IssueContext
