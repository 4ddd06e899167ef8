"""The records a caller's portfolio is computed from, read in one transaction."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.portfolio import PORTFOLIO_KINDS, ProjectRecords
from golive_tui.server.facts import ServerFacts
from golive_tui.server.tables import change, entity_columns, member, project

__all__ = ["portfolio_records"]


def portfolio_records(conn: Connection, user: str) -> list[ProjectRecords]:
    """Every project ``user`` is a member of, with the records its summary weighs."""
    memberships = conn.execute(
        select(member.c.project_id, member.c.role).where(member.c.user == user)
    ).all()
    if not memberships:
        return []
    roles = {row.project_id: str(row.role) for row in memberships}
    names = entity_columns(EntityKind.PROJECT)
    projects = conn.execute(
        select(*(project.c[n] for n in names)).where(project.c.id.in_(list(roles)))
    ).mappings().all()
    latest = {
        pid: at for pid, at in conn.execute(
            select(change.c.project_id, func.max(change.c.at))
            .where(change.c.project_id.in_(list(roles)))
            .group_by(change.c.project_id)
        ).all()
    }
    found: list[ProjectRecords] = []
    for row in projects:
        pid = row["id"]
        facts = ServerFacts(conn, pid, None)
        found.append(ProjectRecords(
            project=dict(row),
            role=roles[pid],
            records={kind: list(facts.find(kind)) for kind in PORTFOLIO_KINDS},
            last_activity=latest.get(pid),
        ))
    return found
