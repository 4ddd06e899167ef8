"""The portfolio: every project a person is a member of, at a glance, and what collides
across them (two cutover windows at once; one support queue sorted by SLA urgency).

Pure functions of each project's records; the server reads the records and answers
``GET /v1/portfolio`` with these models, the CLI and the TUI show them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from golive_tui.domain.entities import CutoverBase, IssueBase, ProjectBase
from golive_tui.domain.enums import OPEN_ISSUE_STATES, EntityKind, LifecyclePhase, Priority
from golive_tui.domain.gate import GateEvidence, current_cutover, gate_for_cutover
from golive_tui.domain.network import NetworkThresholds
from golive_tui.domain.port_orders import project_holidays
from golive_tui.domain.sla import issue_clocks, project_policy, sla_urgency

__all__ = [
    "PORTFOLIO_KINDS",
    "Collision",
    "Portfolio",
    "PortfolioProject",
    "ProjectRecords",
    "QueueIssue",
    "WaveGate",
    "build_portfolio",
    "collisions",
    "queue_key",
    "step_owners",
]

#: the kinds of record a portfolio summary reads (the gate's evidence, the waves, issues)
PORTFOLIO_KINDS: tuple[EntityKind, ...] = (
    EntityKind.CUTOVER,
    EntityKind.SITE,
    EntityKind.PORT_ORDER,
    EntityKind.CHECKLIST_ITEM,
    EntityKind.EMERGENCY_LOCATION,
    EntityKind.VERIFICATION,
    EntityKind.ISSUE,
    EntityKind.SIGNOFF,
    EntityKind.RUNBOOK_STEP,
    EntityKind.STAKEHOLDER,
)


class WaveGate(BaseModel):
    """The current or next cutover wave of a project and its go / no-go gate."""

    cutover_id: str | None = Field(description="The wave's id; null for a project without waves")
    name: str = Field(description="The wave's name ('' for a project without waves)")
    state: str | None = Field(description="The wave's state (planned, in_progress, …)")
    starts_at: datetime | None
    ends_at: datetime | None
    verdict: str = Field(description="GO or NO-GO")
    unmet: int = Field(description="How many gate conditions are unmet (0 when GO)")


class PortfolioProject(BaseModel):
    """One project of the portfolio."""

    project_id: str
    name: str
    customer: str
    role: str = Field(description="The caller's role in the project")
    phase: LifecyclePhase = Field(description="The project's current lifecycle phase")
    wave: WaveGate = Field(description="The wave the team is on now or next, and its gate")
    open_p1: int = Field(description="Open P1 issues")
    open_p2: int = Field(description="Open P2 issues")
    sla_breaches: int = Field(description="Open issues with a breached SLA clock")
    last_activity: datetime | None = Field(description="When the project last changed")


class Collision(BaseModel):
    """Two cutover windows (of projects the caller sees) that overlap in time."""

    first_project_id: str
    first_project: str
    first_cutover_id: str
    first_cutover: str
    second_project_id: str
    second_project: str
    second_cutover_id: str
    second_cutover: str
    overlap_starts_at: datetime
    overlap_ends_at: datetime
    people: list[str] = Field(
        default_factory=list,
        description="Who owns runbook steps in both windows: one person in two cutovers at "
                    "once (a stakeholder, matched across projects by the member they sign in "
                    "as, else by e-mail)")


class QueueIssue(BaseModel):
    """An open issue in the combined support queue."""

    project_id: str
    project: str = Field(description="The project's name")
    customer: str
    issue_id: str
    ref: str
    title: str
    priority: Priority
    state: str
    breached: bool
    seconds_to_breach: float | None = Field(
        description="Real seconds until the nearest running SLA clock is due (negative once "
                    "breached); null when every clock is paused or stopped")


class Portfolio(BaseModel):
    """``GET /v1/portfolio``: the caller's projects, their collisions and support queue."""

    generated_at: datetime
    projects: list[PortfolioProject]
    collisions: list[Collision]
    queue: list[QueueIssue]


class ProjectRecords(BaseModel):
    """What one project's summary is computed from (read by the server)."""

    project: dict[str, Any]
    role: str
    records: dict[EntityKind, list[dict[str, Any]]]
    last_activity: datetime | None = None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _zone(name: str) -> ZoneInfo | Any:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return UTC


def _summary(
    source: ProjectRecords, now: datetime
) -> tuple[PortfolioProject, list[CutoverBase], list[QueueIssue]]:
    project = ProjectBase.model_validate(source.project)
    records = source.records
    waves = [CutoverBase.model_validate(r) for r in records.get(EntityKind.CUTOVER, ())]
    evidence = GateEvidence.from_records(
        records, NetworkThresholds.from_stored(project.network_thresholds or None),
        project_holidays(source.project))
    wave = current_cutover(waves, now, _zone(project.time_zone))
    gate = gate_for_cutover(wave, evidence)
    policy = project_policy(project.sla_policy, project.time_zone)
    pid = str(source.project["id"])

    counts = {Priority.P1: 0, Priority.P2: 0}
    breaches = 0
    queue: list[tuple[float, QueueIssue]] = []
    for record in records.get(EntityKind.ISSUE, ()):
        issue = IssueBase.model_validate(record)
        if issue.state not in OPEN_ISSUE_STATES:
            continue
        if issue.priority in counts:
            counts[issue.priority] += 1
        clocks = issue_clocks(issue, policy, now)
        breached = any(c.breached for c in clocks)
        breaches += int(breached)
        urgency = sla_urgency(clocks, now)
        running = any(not c.stopped and not c.paused and c.due_at for c in clocks)
        queue.append((urgency, QueueIssue(
            project_id=pid, project=project.name, customer=project.customer,
            issue_id=str(record["id"]), ref=issue.ref, title=issue.title,
            priority=issue.priority, state=issue.state.value, breached=breached,
            seconds_to_breach=urgency if running else None,
        )))
    summary = PortfolioProject(
        project_id=pid,
        name=project.name,
        customer=project.customer,
        role=source.role,
        phase=project.phase,
        wave=WaveGate(
            cutover_id=wave.id if wave else None,
            name=wave.name if wave else "",
            state=str(wave.state.value) if wave else None,
            starts_at=_aware(wave.starts_at) if wave else None,
            ends_at=_aware(wave.ends_at) if wave else None,
            verdict="GO" if gate.ready else "NO-GO",
            unmet=len(gate.unmet),
        ),
        open_p1=counts[Priority.P1],
        open_p2=counts[Priority.P2],
        sla_breaches=breaches,
        last_activity=_aware(source.last_activity),
    )
    return summary, waves, [item for _u, item in sorted(queue, key=lambda q: q[0])]


#: who owns runbook steps in one cutover window: {a person's key: their name}
Owners = Mapping[str, str]


def step_owners(project_id: str, records: Mapping[EntityKind, Sequence[Mapping[str, Any]]]
                ) -> dict[str, dict[str, str]]:
    """Who owns runbook steps in each cutover of a project: {cutover id: owners}.

    A person is keyed by the member they sign in as, else by e-mail, so that the same
    engineer is one person across projects; a stakeholder with neither is only ever
    themself (their id within the project).
    """
    people: dict[str, tuple[str, str]] = {}
    for record in records.get(EntityKind.STAKEHOLDER, ()):
        user = str(record.get("user") or "").strip()
        email = str(record.get("email") or "").strip().casefold()
        key = (f"user:{user}" if user else f"email:{email}" if email
               else f"stakeholder:{project_id}:{record['id']}")
        people[str(record["id"])] = (key, str(record.get("name") or user or email))
    found: dict[str, dict[str, str]] = {}
    for step in records.get(EntityKind.RUNBOOK_STEP, ()):
        if step.get("withdrawn_at") is not None:
            continue  # withdrawn from the runbook: its owner is not due in that window
        person = people.get(str(step.get("owner") or ""))
        if person is not None:
            found.setdefault(str(step["cutover_id"]), {}).setdefault(*person)
    return found


def collisions(
    windows: Sequence[tuple[PortfolioProject, CutoverBase]],
    owners: Mapping[tuple[str, str], Owners] | None = None,
) -> list[Collision]:
    """Every pair of cutover windows that overlap in time (a window needs its start and
    end; touching ends do not overlap), earliest overlap first, each with the people who
    own runbook steps in both (``owners``: {(project id, cutover id): owners})."""
    owners = owners or {}
    timed = [
        (p, w, s, e) for p, w in windows
        if (s := _aware(w.starts_at)) is not None and (e := _aware(w.ends_at)) is not None
        and s < e
    ]
    found: list[Collision] = []
    for i, (p1, w1, s1, e1) in enumerate(timed):
        for p2, w2, s2, e2 in timed[i + 1:]:
            start, end = max(s1, s2), min(e1, e2)
            if start < end:
                first = owners.get((p1.project_id, w1.id), {})
                second = owners.get((p2.project_id, w2.id), {})
                found.append(Collision(
                    first_project_id=p1.project_id, first_project=p1.name,
                    first_cutover_id=w1.id, first_cutover=w1.name,
                    second_project_id=p2.project_id, second_project=p2.name,
                    second_cutover_id=w2.id, second_cutover=w2.name,
                    overlap_starts_at=start, overlap_ends_at=end,
                    people=sorted(first[key] for key in first.keys() & second.keys()),
                ))
    found.sort(key=lambda c: (c.overlap_starts_at, c.first_project, c.first_cutover))
    return found


def build_portfolio(sources: Iterable[ProjectRecords], now: datetime) -> Portfolio:
    """The portfolio of the projects in ``sources`` at ``now``."""
    projects: list[PortfolioProject] = []
    windows: list[tuple[PortfolioProject, CutoverBase]] = []
    owners: dict[tuple[str, str], Owners] = {}
    queue: list[QueueIssue] = []
    for source in sources:
        summary, waves, issues = _summary(source, now)
        projects.append(summary)
        windows.extend((summary, w) for w in waves)
        queue.extend(issues)
        for cutover_id, people in step_owners(summary.project_id, source.records).items():
            owners[summary.project_id, cutover_id] = people
    projects.sort(key=lambda p: (p.name.casefold(), p.project_id))
    queue.sort(key=queue_key)
    return Portfolio(generated_at=now, projects=projects,
                     collisions=collisions(windows, owners), queue=queue)


def queue_key(item: QueueIssue) -> tuple[bool, float, int, str]:
    """Breached first, then by time to the nearest breach (the longest-breached leading);
    issues whose clocks are all paused or stopped last, by priority."""
    rank = list(Priority).index(item.priority)
    due = item.seconds_to_breach
    return (not item.breached, math.inf if due is None else due, rank, item.ref)
