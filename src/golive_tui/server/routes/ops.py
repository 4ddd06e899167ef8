"""``/v1/projects/{pid}/ops``: a push of ops, each applied all-or-nothing.

A push by a member whose role may not make some of its changes is still answered ``200``:
each such op is ``rejected`` with code ``permission`` in its result, the way any other
refusal by the rules is, and the others apply.
"""

from __future__ import annotations

import email.message
import json
import re
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
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


#: a JSON escape of half a surrogate pair (``\\ud800`` to ``\\udfff``), or text just like one
_HALF_PAIR_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def may_hold_half_pairs(raw: bytes) -> bool:
    """Whether a body's strings may hold half a surrogate pair, from its bytes alone.

    An ASCII body holds one only through a ``\\u`` escape of one (a surrogate written as
    bytes is never ASCII, in any encoding a JSON body may come in); almost every push is
    such a body without one, and :func:`_unstorable` then has nothing to walk.
    """
    return not raw.isascii() or _HALF_PAIR_ESCAPE.search(raw) is not None


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


_PUSH = TypeAdapter(PushRequest)


def read_push(raw: bytes, content_type: str | None) -> PushRequest:
    """The push in a request's body, read from its bytes in one pass of the model's
    compiled validator (no Python objects for the JSON first, then the model again).

    A body that does not read so (not JSON, not a push, nested deeper than the fast
    reader follows) is read again the way the framework reads a declared body, so that
    every refusal is the very answer it always was (:func:`_read_as_declared`).
    """
    if raw and _is_json(content_type):
        try:
            return PushRequest.model_validate_json(raw)
        except ValidationError:
            pass
    return _read_as_declared(raw, content_type)


def read_storable_push(raw: bytes, content_type: str | None) -> PushRequest:
    """:func:`read_push`, refused as the request's error when a database could not record
    it (:func:`_unstorable`)."""
    body = read_push(raw, content_type)
    if may_hold_half_pairs(raw):
        errors = _unstorable(body)
        if errors:
            raise RequestValidationError(errors)
    return body


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    if content_type == "application/json":
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def _read_as_declared(raw: bytes, content_type: str | None) -> PushRequest:
    """The push as FastAPI reads a body declared as :class:`PushRequest`, and its errors."""
    if not raw:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
        )
    value: Any = raw
    if _is_json(content_type):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise RequestValidationError([{
                "type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error",
                "input": {}, "ctx": {"error": exc.msg},
            }]) from None
        except Exception as exc:  # not UTF-8, nested deeper than the parser goes
            raise HTTPException(400, "There was an error parsing the body") from exc
    try:
        return _PUSH.validate_python(value, from_attributes=True)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


#: the body as the API schema shows it (the route reads it itself: :func:`read_push`)
_PUSH_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}},
}


@router.post(
    "/v1/projects/{pid}/ops", response_model=PushResponse, dependencies=V1,
    responses={**ERRORS, 413: {"model": ErrorResponse, "description": "Body over 1 MiB"}},
    openapi_extra={"requestBody": _PUSH_BODY},
)
async def push(
    state: State, request: Request, pid: ProjectId, credentials: Credentials
) -> Response:
    """Apply ops in order, each all-or-nothing; one result per op.

    Refusals by the rules, including a role that may not make a change, are per-op
    ``rejected`` results in a ``200`` answer, not errors of the whole push.
    """
    body = read_storable_push(await request.body(), request.headers.get("content-type"))
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
                    authorize=authorize, token=token)
        )
    except WriterStopped as exc:
        raise ApiError(503, "unavailable", str(exc), headers={"Retry-After": "1"}) from None
    if outcome.last_seq is not None:
        state.broadcaster.publish(pid, outcome.last_seq)
    state.metrics.pushed(outcome.results)
    answer = PushResponse(results=outcome.results, server_seq=outcome.server_seq)
    # written by the model itself: the framework would first validate every result again
    return Response(answer.model_dump_json(), media_type="application/json")
