"""``/v1/portfolio``: every project the caller is a member of, at a glance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from golive_tui.domain.clock import utcnow
from golive_tui.domain.portfolio import Portfolio, build_portfolio
from golive_tui.server.access import current_user
from golive_tui.server.portfolio import portfolio_records
from golive_tui.server.routes.responses import ERRORS, V1
from golive_tui.server.state import State

router = APIRouter(tags=["projects"])


@router.get(
    "/v1/portfolio", response_model=Portfolio, dependencies=V1,
    responses={k: v for k, v in ERRORS.items() if k != 404},
)
def portfolio(state: State, user: Annotated[str, Depends(current_user)]) -> Portfolio:
    """Each of the caller's projects (phase, current or next wave and its gate, open P1 and
    P2, SLA breaches, last activity), the cutover windows that overlap across them, and
    their open issues in one queue, most urgent first."""
    with state.db.read() as conn:
        sources = portfolio_records(conn, user)
    return build_portfolio(sources, utcnow())
