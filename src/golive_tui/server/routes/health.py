"""``/healthz``: liveness, with no sign-in."""

from __future__ import annotations

from fastapi import APIRouter

import golive_tui
from golive_tui.domain.wire import Health
from golive_tui.server.state import State

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz(state: State) -> Health:
    """Liveness: the server's version, protocol and kind of database."""
    return Health(version=golive_tui.__version__, database=state.db.kind)
