"""The daily hypercare summary, for one day in the project's zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from golive_tui.domain.entities import ActionItemBase, IssueBase, PortOrderBase
from golive_tui.domain.hypercare import HypercareDay, day_bounds, hypercare_day
from golive_tui.domain.sla import SlaPolicy

ZONE = "America/Denver"
DAY = date(2026, 12, 8)  # a Tuesday
NOW = datetime(2026, 12, 9, 18, 0, tzinfo=UTC)


def issue(ref: str, opened: str, **fields: Any) -> IssueBase:
    return IssueBase.model_validate({
        "id": ref, "project_id": "p", "ref": ref, "title": ref, "priority": "P3",
        "opened_at": datetime.fromisoformat(opened), **fields,
    })


def summary(issues: Sequence[IssueBase], orders: Sequence[PortOrderBase] = (),
            actions: Sequence[ActionItemBase] = ()) -> HypercareDay:
    return hypercare_day(DAY, ZONE, issues=issues, orders=orders, actions=actions,
                         policy=SlaPolicy.default(ZONE), now=NOW)


def test_the_day_is_the_projects_local_day() -> None:
    start, end = day_bounds(DAY, ZONE)
    assert start == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 9, 7, 0, tzinfo=UTC)


def test_new_and_resolved_count_by_local_day() -> None:
    late_monday_local = issue("A", "2026-12-08T06:30:00+00:00")  # Monday 23:30 in Denver
    tuesday = issue("B", "2026-12-08T16:00:00+00:00", state="resolved", responded_at=
                    datetime(2026, 12, 8, 16, 5, tzinfo=UTC),
                    resolved_at=datetime(2026, 12, 8, 18, 0, tzinfo=UTC))
    day = summary([late_monday_local, tuesday])
    assert [i.ref for i in day.new_issues] == ["B"]
    assert [i.ref for i in day.resolved_issues] == ["B"]


def test_an_issue_unanswered_past_its_target_is_in_breach_and_one_answered_is_not() -> None:
    ignored = issue("OLD", "2026-12-01T16:00:00+00:00")
    answered = issue("OK", "2026-12-08T16:00:00+00:00",
                     responded_at=datetime(2026, 12, 8, 16, 5, tzinfo=UTC))
    finished_before = issue("DONE", "2026-12-01T16:00:00+00:00", state="closed",
                            closed_at=datetime(2026, 12, 2, 16, 0, tzinfo=UTC))
    assert [i.ref for i in summary([ignored, answered, finished_before]).breached_issues] == [
        "OLD"]


def test_ports_completed_that_day_and_open_actions_by_due_date() -> None:
    order = PortOrderBase.model_validate({
        "id": "o1", "project_id": "p", "pon": "PON-1", "carrier": "Lumen",
        "activated_at": datetime(2026, 12, 8, 17, 0, tzinfo=UTC)})
    earlier = PortOrderBase.model_validate({
        "id": "o2", "project_id": "p", "pon": "PON-2", "carrier": "Lumen",
        "activated_at": datetime(2026, 12, 7, 17, 0, tzinfo=UTC)})
    actions = [
        ActionItemBase.model_validate({"id": "a1", "project_id": "p", "title": "Later",
                                       "due_at": datetime(2026, 12, 12, tzinfo=UTC)}),
        ActionItemBase.model_validate({"id": "a2", "project_id": "p", "title": "Sooner",
                                       "due_at": datetime(2026, 12, 9, tzinfo=UTC)}),
        ActionItemBase.model_validate({"id": "a3", "project_id": "p", "title": "Done",
                                       "status": "done"}),
    ]
    day = summary([], [order, earlier], actions)
    assert [o.pon for o in day.ports_completed] == ["PON-1"]
    assert [a.title for a in day.open_actions] == ["Sooner", "Later"]
