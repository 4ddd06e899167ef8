"""Which cutover windows collide: an overlap in time, never touching ends or a window
without both ends; who is due in two of them at once; and the combined queue's order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from golive_tui.domain.entities import CutoverBase
from golive_tui.domain.enums import EntityKind, LifecyclePhase, Priority
from golive_tui.domain.portfolio import (
    PortfolioProject,
    QueueIssue,
    WaveGate,
    collisions,
    queue_key,
    step_owners,
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


def _owners(
    pid: str, people: list[tuple[str, str, str, str]], steps: list[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, str]]:
    """Who owns steps in each window of project ``pid``: stakeholders (id, name, member,
    e-mail) and runbook steps (window, owner)."""
    found = step_owners(pid, {
        EntityKind.STAKEHOLDER: [{"id": i, "name": n, "user": u, "email": e}
                                 for i, n, u, e in people],
        EntityKind.RUNBOOK_STEP: [{"id": f"{pid}-{k}", "cutover_id": w, "owner": o}
                                  for k, (w, o) in enumerate(steps)],
    })
    return {(pid, window): owners for window, owners in found.items()}


def test_the_same_engineer_owning_steps_in_two_overlapping_windows_is_flagged() -> None:
    """One engineer is a stakeholder of both projects (signing in as the same member, or
    with the same e-mail) and owns runbook steps in two windows that overlap: the collision
    names them. Someone with steps in one window only, or with the same name but no member
    or e-mail in common, is not named."""
    a, b = _project("alpha"), _project("beta")
    owners = _owners("alpha", [
        ("s1", "Sam Ortiz", "sam", ""), ("s2", "Lee Park", "", "Lee@Example.com"),
        ("s3", "Kim Diaz", "", ""), ("s4", "Ana Ruiz", "ana", ""),
    ], [("a1", "s1"), ("a1", "s2"), ("a1", "s3"), ("a1", "s1"), ("a1", ""),
        ("a9", "s4")])  # Ana: in another wave
    owners |= _owners("beta", [
        ("t1", "Samuel Ortiz", "sam", ""), ("t2", "Lee Park", "", "lee@example.com"),
        ("t3", "Kim Diaz", "", ""), ("t4", "Ana Ruiz", "ana", ""),
    ], [("b1", "t1"), ("b1", "t2"), ("b1", "t3"), ("b1", "t4")])
    (found,) = collisions([
        (a, _wave("a1", T0, 4)),
        (b, _wave("b1", T0 + timedelta(hours=3), 4)),
    ], owners)
    assert found.people == ["Lee Park", "Sam Ortiz"]
    # the same people in windows that do not overlap collide with nothing
    assert collisions([(a, _wave("a1", T0, 2)), (b, _wave("b1", T0 + timedelta(hours=3), 4))],
                      owners) == []


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
