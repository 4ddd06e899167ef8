"""``/v1/projects/{pid}/changes``: the change feed, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from golive_tui.domain.wire import DEFAULT_CHANGES_LIMIT, MAX_CHANGES_LIMIT, ChangeFeedPage
from golive_tui.server.access import Access, project_access
from golive_tui.server.errors import cursor_gone
from golive_tui.server.feed import CursorGone, changes_page
from golive_tui.server.routes.responses import CURSOR_GONE, ERRORS, V1
from golive_tui.server.state import State

router = APIRouter(tags=["sync"])


@router.get(
    "/v1/projects/{pid}/changes", dependencies=V1, response_model=None,
    responses={200: {"model": ChangeFeedPage, "description": "Changes in server order"},
               410: CURSOR_GONE, **ERRORS},
)
def changes(
    state: State,
    access: Annotated[Access, Depends(project_access)],
    after: Annotated[int, Query(ge=0, description="The last seq the client has")] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_CHANGES_LIMIT, description="At most this many changes")
    ] = DEFAULT_CHANGES_LIMIT,
) -> Response:
    """Changes after ``after`` in server order, with ``more`` when the page is full."""
    state.metrics.read_feed(access.project_id, access.token_id, after)
    try:
        body = changes_page(state.db, access.project_id, after, limit)
    except CursorGone as gone:
        raise cursor_gone(gone) from None
    return Response(body, media_type="application/json")
