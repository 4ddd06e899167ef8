"""The daily hypercare summary: what happened on one day in the project's time zone.

New issues (opened that day), resolved issues (resolved that day), issues in breach of
their SLA at the day's end (or now, for today), port orders activated that day, and the
actions still open. Screens and reports read it from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from golive_tui.domain.clock import as_time
from golive_tui.domain.entities import ActionItemBase, IssueBase, PortOrderBase
from golive_tui.domain.enums import ActionStatus
from golive_tui.domain.sla import SlaPolicy, issue_clocks


@dataclass(frozen=True)
class HypercareDay:
    """One day of hypercare, in the project's zone."""

    day: date
    time_zone: str
    start: datetime
    end: datetime
    new_issues: tuple[IssueBase, ...]
    resolved_issues: tuple[IssueBase, ...]
    breached_issues: tuple[IssueBase, ...]
    ports_completed: tuple[PortOrderBase, ...]
    open_actions: tuple[ActionItemBase, ...]


def day_bounds(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """The day's first instant and the next day's, in the zone (a DST day is 23 or 25 h)."""
    zone = ZoneInfo(time_zone)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start, end


def _within(value: object, start: datetime, end: datetime) -> bool:
    moment = as_time(value)
    return moment is not None and start <= moment < end


def hypercare_day(
    day: date,
    time_zone: str,
    *,
    issues: Sequence[IssueBase],
    orders: Sequence[PortOrderBase],
    actions: Sequence[ActionItemBase],
    policy: SlaPolicy,
    now: datetime,
) -> HypercareDay:
    """The summary of ``day``; an issue is in breach when, at the day's end (or ``now``
    if sooner), its respond or resolve clock has passed its target unmet."""
    start, end = day_bounds(day, time_zone)
    cut = min(end, now)
    new = [i for i in issues if _within(i.opened_at, start, end)]
    resolved = [i for i in issues if _within(i.resolved_at, start, end)]
    breached = []
    for issue in issues:
        opened = as_time(issue.opened_at)
        if opened is None or opened >= cut:
            continue
        finished = as_time(issue.resolved_at) or as_time(issue.closed_at)
        if finished is not None and finished < start:
            continue  # done before the day began
        clocks = issue_clocks(issue, policy, cut)
        if any(c.breached or c.met is False for c in clocks):
            breached.append(issue)
    ports = [o for o in orders if _within(o.activated_at, start, end)]
    open_actions = [a for a in actions if ActionStatus(a.status) is ActionStatus.OPEN]
    by_due = sorted(open_actions, key=lambda a: (as_time(a.due_at) is None,
                                                  as_time(a.due_at) or start, a.title))
    return HypercareDay(
        day=day, time_zone=time_zone, start=start, end=end,
        new_issues=tuple(new), resolved_issues=tuple(resolved),
        breached_issues=tuple(breached), ports_completed=tuple(ports),
        open_actions=tuple(by_due),
    )
