"""``/v1/projects/{pid}/ops``: a push of ops, each applied all-or-nothing.

A push by a member whose role may not make some of its changes is still answered ``200``:
each such op is ``rejected`` with code ``permission`` in its result, the way any other
refusal by the rules is, and the others apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy import Connection

from golive_tui.domain.ops import fields_beyond_bounds
from golive_tui.domain.wire import ErrorResponse, PushRequest, PushResponse
from golive_tui.server.access import Credentials, ProjectId, access_on, token_of
from golive_tui.server.apply import Actor, PushJob
from golive_tui.server.errors import ApiError
from golive_tui.server.observe import caller
from golive_tui.server.routes.responses import ERRORS, V1
from golive_tui.server.state import State
from golive_tui.server.writer import WriterStopped

router = APIRouter(tags=["sync"])


def _unstorable(body: PushRequest) -> list[dict[str, Any]]:
    """What in a push no database can record, as request validation errors.

    The model already bounds ``client_seq`` to a 64-bit column and keeps NUL out of ids
    (:class:`~golive_tui.domain.ops.Op`). What it cannot say is that every string inside
    ``fields`` must be Unicode text: a JSON escape of half a surrogate pair is not, and
    pydantic refuses it only in typed fields.
    """
    return [
        {"type": "string_unicode", "loc": ("body", *loc),
         "msg": "Input should be a valid string, unable to parse raw data as a unicode string"}
        for index, op in enumerate(body.ops)
        # fields beyond the rules' bounds are that op's refusal, never walked here
        if fields_beyond_bounds(op.fields) is None
        for loc in _not_unicode(op.fields, ("ops", index, "fields"))
    ]


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_unicode(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    """Where in a JSON value a string (or an object's key) is not Unicode text."""
    if isinstance(value, str):
        if not _is_unicode(value):
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if not _is_unicode(key):
                yield loc  # the key itself cannot be named in the answer
            else:
                yield from _not_unicode(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _not_unicode(item, (*loc, index))


@router.post(
    "/v1/projects/{pid}/ops", response_model=PushResponse, dependencies=V1,
    responses={**ERRORS, 413: {"model": ErrorResponse, "description": "Body over 1 MiB"}},
)
async def push(
    state: State, body: PushRequest, pid: ProjectId, credentials: Credentials
) -> Response:
    """Apply ops in order, each all-or-nothing; one result per op.

    Refusals by the rules, including a role that may not make a change, are per-op
    ``rejected`` results in a ``200`` answer, not errors of the whole push.
    """
    errors = _unstorable(body)
    if errors:
        raise RequestValidationError(errors)
    token = token_of(credentials)
    if "\x00" in pid:
        # names no project: answered (401 or 404) here, never in a write transaction
        with state.db.read() as conn:
            access_on(conn, token, pid)

    seen = caller()  # the writer thread runs without this request's context

    def authorize(conn: Connection) -> Actor:
        access = access_on(conn, token, pid)
        seen["user"] = access.user
        return Actor(user=access.user, role=access.role)

    try:
        outcome = await state.writer.push(
            PushJob(project_id=pid, ops=body.ops, client_id=body.client_id,
                    authorize=authorize)
        )
    except WriterStopped as exc:
        raise ApiError(503, "unavailable", str(exc), headers={"Retry-After": "1"}) from None
    if outcome.last_seq is not None:
        state.broadcaster.publish(pid, outcome.last_seq)
    state.metrics.pushed(outcome.results)
    answer = PushResponse(results=outcome.results, server_seq=outcome.server_seq)
    # written by the model itself: the framework would first validate every result again
    return Response(answer.model_dump_json(), media_type="application/json")
