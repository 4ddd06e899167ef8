"""``/v1/projects/{pid}/events``: live pokes as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse, format_sse_event

from golive_tui.server.access import Access, project_access
from golive_tui.server.errors import cursor_gone
from golive_tui.server.feed import CursorGone, head_seq
from golive_tui.server.routes.responses import CURSOR_GONE, ERRORS, V1
from golive_tui.server.state import State

#: how long the event stream tells a browser-style client to wait before reconnecting
SSE_RETRY_MS = 2_000
#: one event of the event stream, as its fields parse (OpenAPI 3.2 ``itemSchema``); the
#: ``retry`` and comment lines carry no data, so they are not events
SSE_CHANGE_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["event", "id", "data"],
    "properties": {
        "event": {"const": "change"},
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The seq, for Last-Event-ID"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {
                "type": "object",
                "required": ["seq"],
                "properties": {"seq": {"type": "integer", "minimum": 0}},
                "additionalProperties": False,
            },
        },
    },
}


router = APIRouter(tags=["sync"])


def _sse_change(seq: int) -> bytes:
    return format_sse_event(event="change", id=str(seq), data_str=f'{{"seq": {seq}}}')


@router.get(
    "/v1/projects/{pid}/events", dependencies=V1, response_model=None,
    response_class=Response,  # a stream of events, never a JSON body
    responses={200: {"content": {"text/event-stream": {"itemSchema": SSE_CHANGE_EVENT}},
                     "description": "Server-Sent Events: `change` with `{\"seq\": N}`"},
               410: CURSOR_GONE, **ERRORS},
)
async def events(
    state: State,
    access: Annotated[Access, Depends(project_access)],
    last_event_id: Annotated[
        int | None,
        Header(alias="Last-Event-ID", ge=0, description="The last seq the client saw"),
    ] = None,
) -> Response:
    """Live pokes: a ``change`` event (``id`` = seq) when the project moves on, a ping
    comment every 15 s. With ``Last-Event-ID`` behind the server, one ``change`` at once;
    a ``Last-Event-ID`` the change feed cannot serve is refused as the feed refuses it.
    The stream ends within the server's poll interval (2 s by default) of its token
    being revoked or its caller leaving the project."""
    sub = state.broadcaster.subscribe(access.project_id, access.token_id)
    try:
        head = await anyio.to_thread.run_sync(
            head_seq, state.db, access.project_id, last_event_id
        )
    except CursorGone as gone:
        state.broadcaster.unsubscribe(sub)
        raise cursor_gone(gone) from None
    except BaseException:
        state.broadcaster.unsubscribe(sub)
        raise

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield format_sse_event(retry=SSE_RETRY_MS)
            yield format_sse_event(comment=f"connected at {head}")
            sent = head if last_event_id is None else last_event_id
            sub.offer(head)
            while not sub.closed:
                if sub.latest > sent:
                    sent = sub.latest
                    yield _sse_change(sent)
                    continue
                woke = await sub.wait(state.settings.sse_ping_seconds)
                if not woke and not sub.closed:
                    yield format_sse_event(comment="ping")
        finally:
            state.broadcaster.unsubscribe(sub)

    return EventSourceResponse(
        stream(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
