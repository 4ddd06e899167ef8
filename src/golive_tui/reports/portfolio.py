"""``golive portfolio`` for a person: each project on a line, then collisions and the
combined support queue (the JSON is the server's answer as it is)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from golive_tui.domain.codec import encode_time
from golive_tui.domain.portfolio import Collision, Portfolio, PortfolioProject, QueueIssue
from golive_tui.domain.time_text import ago, span

__all__ = ["portfolio_text", "project_line", "queue_line", "sla_text"]


def _time(value: datetime | None) -> str:
    return "not scheduled" if value is None else encode_time(value)


def project_line(project: PortfolioProject, now: datetime) -> str:
    """One project: name, customer, phase, wave and gate, P1/P2, breaches, last change."""
    wave = project.wave
    gate = wave.verdict + (f" ({wave.unmet} unmet)" if wave.unmet else "")
    which = f"{wave.name} {_time(wave.starts_at)}" if wave.cutover_id else "no waves"
    last = ago(project.last_activity, now) if project.last_activity else "no changes kept"
    return (f"{project.name} for {project.customer}: {project.phase.value.replace('_', ' ')}, "
            f"{which}, gate {gate}, P1 {project.open_p1}, P2 {project.open_p2}, "
            f"{project.sla_breaches} SLA breached, last change {last}")


def sla_text(item: QueueIssue) -> str:
    """How near an issue of the queue is to its SLA breach: ``BREACHED 2h 05m``, ``3h left``."""
    due = item.seconds_to_breach
    if item.breached:
        return "BREACHED" + (f" {span(-due)}" if due is not None and due < 0 else "")
    return "paused" if due is None else f"{span(due)} left"


def queue_line(item: QueueIssue) -> str:
    """One issue of the combined queue, naming its customer."""
    return f"{item.priority.value} {item.ref} {item.customer}: {item.title} ({sla_text(item)})"


def portfolio_text(portfolio: Portfolio) -> Iterable[str]:
    now = portfolio.generated_at
    if not portfolio.projects:
        yield "You are not a member of any project on this server."
        return
    yield f"Projects ({len(portfolio.projects)}):"
    for project in portfolio.projects:
        yield f"  {project_line(project, now)}"
    if portfolio.collisions:
        yield f"Cutover windows that overlap ({len(portfolio.collisions)}):"
    for c in portfolio.collisions:
        yield (f"  {c.first_project} / {c.first_cutover} and {c.second_project} / "
               f"{c.second_cutover}: {encode_time(c.overlap_starts_at)} to "
               f"{encode_time(c.overlap_ends_at)}{people_text(c)}")
    yield f"Open issues, most urgent first ({len(portfolio.queue)}):"
    for item in portfolio.queue:
        yield f"  {queue_line(item)}"


def people_text(collision: Collision) -> str:
    """Who is due in both windows at once, said after the collision ('' for no one)."""
    if not collision.people:
        return ""
    return f"; in both: {', '.join(collision.people)}"
