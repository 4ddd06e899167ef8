"""``/v1/projects/{pid}/snapshot``: every entity of a project, streamed as it is read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from golive_tui.domain.wire import (
    SNAPSHOT_ARRAYS,
    SNAPSHOT_LINES,
    SNAPSHOT_LINES_OF_ARRAYS,
    Snapshot,
    SnapshotHead,
)
from golive_tui.server.access import Access, project_access
from golive_tui.server.feed import snapshot_chunks, snapshot_lines
from golive_tui.server.routes.responses import ERRORS, V1
from golive_tui.server.state import State

router = APIRouter(tags=["sync"])


async def _in_thread(chunks: Callable[[], Generator[bytes, None, None]]) -> AsyncIterator[bytes]:
    """Drive a blocking generator from worker threads, closing it however the stream ends."""
    gen = chunks()
    try:
        while True:
            chunk = await anyio.to_thread.run_sync(next, gen, None)
            if chunk is None:
                return
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(gen.close)


@router.get(
    "/v1/projects/{pid}/snapshot", dependencies=V1, response_model=None,
    responses={200: {
        "model": Snapshot,
        "description": "Every entity and its server_seq. Asked for with `Accept: "
                       f"{SNAPSHOT_LINES}`, the same as lines of JSON: a head (project_id, "
                       "server_seq, the count of each kind's records), then lines of "
                       '`{"entity": kind, "records": [...]}`, each written as it is read; '
                       f'with `Accept: {SNAPSHOT_LINES_OF_ARRAYS}` the head also names each '
                       'kind\'s `columns`, and each record is an array of its values in that '
                       'order, in lines of `{"entity": kind, "rows": [...]}`',
        "content": {SNAPSHOT_LINES: {"schema": SnapshotHead.model_json_schema()}},
    }, **ERRORS},
)
async def snapshot(
    state: State, access: Annotated[Access, Depends(project_access)], request: Request
) -> Response:
    """Every entity of the project and the ``server_seq`` it reflects, streamed."""
    database = state.db
    accept = request.headers.get("accept", "")
    if SNAPSHOT_LINES in accept:
        arrays = SNAPSHOT_ARRAYS in accept
        return StreamingResponse(
            _in_thread(lambda: snapshot_lines(database, access.project_id, arrays=arrays)),
            media_type=SNAPSHOT_LINES_OF_ARRAYS if arrays else SNAPSHOT_LINES,
        )
    return StreamingResponse(
        _in_thread(lambda: snapshot_chunks(database, access.project_id)),
        media_type="application/json",
    )
