"""Which cutover windows collide: an overlap in time, never touching ends or a window
without both ends; and the combined queue's order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from golive_tui.domain.entities import CutoverBase
from golive_tui.domain.enums import LifecyclePhase, Priority
from golive_tui.domain.portfolio import (
    PortfolioProject,
    QueueIssue,
    WaveGate,
    collisions,
    queue_key,
)

T0 = datetime(2026, 12, 12, 23, 0, tzinfo=UTC)


def _project(pid: str) -> PortfolioProject:
    return PortfolioProject(
        project_id=pid, name=pid.title(), customer=pid, role="ipm",
        phase=LifecyclePhase.GO_LIVE,
        wave=WaveGate(cutover_id=None, name="", state=None, starts_at=None, ends_at=None,
                      verdict="GO", unmet=0),
        open_p1=0, open_p2=0, sla_breaches=0, last_activity=None,
    )


def _wave(wid: str, start: datetime | None, hours: float | None) -> CutoverBase:
    end = None if start is None or hours is None else start + timedelta(hours=hours)
    return CutoverBase(id=wid, project_id="p", name=wid, starts_at=start, ends_at=end)


def test_only_windows_that_share_time_collide() -> None:
    a, b = _project("alpha"), _project("beta")
    found = collisions([
        (a, _wave("a1", T0, 4)),
        (b, _wave("b1", T0 + timedelta(hours=3), 4)),   # overlaps a1 by an hour
        (b, _wave("b2", T0 + timedelta(hours=7), 2)),   # starts as b1 ends: no overlap
        (a, _wave("a2", T0 + timedelta(hours=8), 1)),   # inside b2
        (a, _wave("a3", T0, None)),                     # no end: not weighed
    ])
    pairs = [(c.first_cutover, c.second_cutover) for c in found]
    assert pairs == [("a1", "b1"), ("b2", "a2")]
    assert found[0].overlap_starts_at == T0 + timedelta(hours=3)
    assert found[0].overlap_ends_at == T0 + timedelta(hours=4)


def _issue(ref: str, *, breached: bool, due: float | None, priority: str = "P3") -> QueueIssue:
    return QueueIssue(project_id="p", project="P", customer="C", issue_id=ref, ref=ref,
                      title=ref, priority=Priority(priority), state="new", breached=breached,
                      seconds_to_breach=due)


def test_the_queue_puts_breached_first_then_the_nearest_breach_then_paused() -> None:
    items = [
        _issue("paused", breached=False, due=None, priority="P1"),
        _issue("soon", breached=False, due=600),
        _issue("later", breached=False, due=7200, priority="P1"),
        _issue("held-breached", breached=True, due=None),
        _issue("long-breached", breached=True, due=-90_000),
        _issue("just-breached", breached=True, due=-60),
    ]
    order = [i.ref for i in sorted(items, key=queue_key)]
    assert order == ["long-breached", "just-breached", "held-breached", "soon", "later",
                     "paused"]
