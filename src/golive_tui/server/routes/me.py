"""``/v1/me``: who the caller is and the projects they are a member of."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from golive_tui.domain.enums import Role
from golive_tui.domain.wire import Me, ProjectRole
from golive_tui.server.access import current_user
from golive_tui.server.accounts import display_name_of
from golive_tui.server.routes.responses import ERRORS, V1
from golive_tui.server.state import State
from golive_tui.server.tables import member, project

router = APIRouter(tags=["projects"])


@router.get(
    "/v1/me", response_model=Me, dependencies=V1,
    responses={k: v for k, v in ERRORS.items() if k != 404},
)
def me(state: State, user: Annotated[str, Depends(current_user)]) -> Me:
    """The caller, their projects and their role in each."""
    with state.db.read() as conn:
        rows = conn.execute(
            select(member.c.project_id, member.c.role, project.c.name, project.c.customer)
            .join(project, project.c.id == member.c.project_id)
            .where(member.c.user == user)
            .order_by(project.c.name)
        ).all()
        display = display_name_of(conn, user)
    return Me(
        user=user,
        display_name=display,
        projects=[
            ProjectRole(project_id=r.project_id, name=r.name, customer=r.customer,
                        role=Role(r.role))
            for r in rows
        ],
    )
