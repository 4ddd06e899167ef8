"""The HTTP API of the shared backend (ARCHITECTURE.md §3), as a FastAPI app factory.

Every error has one shape, ``{"error": {"code", "message", "details"}}``, whatever raised
it: our own refusals, FastAPI's request validation, Starlette's routing, oversize bodies or
an unexpected exception.

A push by a member whose role may not make some of its changes is still answered ``200``:
each such op is ``rejected`` with code ``permission`` in its result, the way any other
refusal by the rules is, and the others apply. Only authentication (401) and membership
(404, so a project's existence is not revealed to outsiders) refuse a whole request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Header, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.sse import EventSourceResponse, format_sse_event
from pydantic_core import to_jsonable_python
from sqlalchemy import Connection, select
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import golive_tui
from golive_tui.domain.enums import Role
from golive_tui.domain.ops import MAX_FIELDS_DEPTH, MAX_STORED_INT, fields_beyond_bounds
from golive_tui.domain.wire import (
    DEFAULT_CHANGES_LIMIT,
    MAX_CHANGES_LIMIT,
    MAX_OPS_PER_PUSH,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    ChangeFeedPage,
    ErrorResponse,
    Health,
    Me,
    ProjectRole,
    PushRequest,
    PushResponse,
    Snapshot,
)
from golive_tui.server.accounts import (
    authenticate,
    display_name_of,
    token_access,
    token_id_of,
)
from golive_tui.server.apply import Actor, PushJob, UnknownProject
from golive_tui.server.backup import serving_lock
from golive_tui.server.db import Database
from golive_tui.server.feed import CursorGone, changes_page, head_seq, snapshot_chunks
from golive_tui.server.live import Broadcaster, CounterPoller, PgChangeListener, cancel_and_wait
from golive_tui.server.migrate import upgrade
from golive_tui.server.projects import compact
from golive_tui.server.ratelimit import RateLimit, TokenBuckets
from golive_tui.server.settings import ServerSettings
from golive_tui.server.tables import member, project
from golive_tui.server.writer import PushWriter, WriterStopped

log = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- errors


class ApiError(StarletteHTTPException):
    """A refusal with a stable ``code`` and a message that says what to do next."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code = code
        self.details = details or {}


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(code, message, details), status_code=status,
        headers=dict(headers) if headers else None,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ApiError):
        return _error_response(exc.status_code, exc.code, exc.detail, exc.details, exc.headers)
    status = exc.status_code
    message = str(exc.detail)
    if status == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI's answer to a body that is not UTF-8 text, so not JSON either
        return _error_response(
            422, "malformed_json",
            "The request body is not valid JSON (it is not UTF-8 text); send a JSON object.",
        )
    if status == 400 and isinstance(exc.__cause__, RecursionError):
        return _error_response(
            422, "malformed_json",
            "The request body nests deeper than the server reads; an op's fields nest at "
            f"most {MAX_FIELDS_DEPTH} deep. Nothing was changed.",
        )
    if status == 404 and message == "Not Found":
        message = f"There is no {request.url.path} here; see /openapi.json for the API."
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
    return _error_response(status, _CODES.get(status, "error"), message, None, exc.headers)


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts) or "request"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    problems = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
         "type": str(e.get("type", ""))}
        for e in errors[:20]
    ]
    if any(e.get("type") == "json_invalid" for e in errors):
        reason = next(
            (str(e.get("ctx", {}).get("error", "")) for e in errors if e.get("type") == "json_invalid"),
            "",
        )
        return _error_response(
            422, "malformed_json",
            f"The request body is not valid JSON ({reason or 'decode error'}); send a JSON object.",
            {"errors": problems},
        )
    if any(e.get("type") == "too_long" and list(e.get("loc", ()))[-1:] == ["ops"] for e in errors):
        return _error_response(
            422, "too_many_ops",
            f"A push carries at most {MAX_OPS_PER_PUSH} ops; send the rest in further pushes.",
            {"errors": problems, "max_ops": MAX_OPS_PER_PUSH},
        )
    said = []
    for e in errors[:5]:
        if e.get("type") == "extra_forbidden":
            said.append(f"{_where(e.get('loc', ()))}: unknown field")
        else:
            said.append(f"{_where(e.get('loc', ()))}: {e.get('msg', '')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return _error_response(
        422, "invalid_request",
        "The request is not valid: " + "; ".join(said) + more + ". Nothing was changed.",
        {"errors": to_jsonable_python(problems)},
    )


def _cursor_gone(gone: CursorGone) -> ApiError:
    return ApiError(410, gone.code, gone.message, details=gone.details)


def _no_such_project(project_id: str) -> ApiError:
    # the same answer whether the project does not exist or the caller is not a member,
    # so that outsiders cannot learn which projects exist
    return ApiError(
        404, "not_found",
        f"No project {project_id} here, or you are not a member of it; ask its IPM to add you.",
    )


async def _unknown_project(request: Request, exc: Exception) -> Response:
    return await _http_error(request, _no_such_project(str(exc)))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_response(
        500, "internal",
        "The server hit an unexpected error. Trying again is safe (every change applies "
        "at most once); tell the server's administrator if it persists.",
    )


def _rate_limited(seconds: int) -> ASGIApp:
    return _error_response(
        429, "too_many_requests",
        f"Too many requests with this token; wait {seconds} s and try again (the server "
        "allows each token a steady rate, with short bursts).",
        {"retry_after": seconds}, {"Retry-After": str(seconds)},
    )


class BodySizeLimit:
    """413 for a body larger than the limit, by its Content-Length or as it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> ApiError:
        return ApiError(
            413, "payload_too_large",
            f"The request body is larger than {self.max_bytes:,} bytes; send fewer ops per push.",
            details={"max_bytes": self.max_bytes},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    err = self._too_large()
                    response = _error_response(413, err.code, err.detail, err.details,
                                               {"Connection": "close"})
                    await response(scope, receive, send)
                    return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, limited, send)


# --------------------------------------------------------------------------- state


@dataclass
class ServerState:
    settings: ServerSettings
    db: Database
    writer: PushWriter
    broadcaster: Broadcaster = field(default_factory=Broadcaster)
    loop: asyncio.AbstractEventLoop | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    listener: PgChangeListener | None = None

    def shutdown_streams(self) -> None:
        """End every live event stream; safe to call from any thread."""
        if self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self.broadcaster.close)


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.golive
    return state


@dataclass(frozen=True)
class Access:
    user: str
    project_id: str
    role: Role
    #: the id of the token the caller signed in with
    token_id: str = ""


# --------------------------------------------------------------------------- dependencies

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A token from `golive admin issue-token USER`, sent as `Authorization: Bearer …`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)]
ProjectId = Annotated[str, Path(min_length=1, max_length=64, description="The project's id")]


async def check_protocol(
    version: Annotated[
        str | None,
        Header(
            alias=PROTOCOL_HEADER,
            description=f"The sync protocol the client speaks; this server speaks {PROTOCOL_VERSION}.",
        ),
    ] = None,
) -> None:
    # a blank value states no version, like no header at all
    if version is None or version.strip() in ("", str(PROTOCOL_VERSION)):
        return
    raise ApiError(
        409, "protocol_mismatch",
        f"This server speaks golive sync protocol {PROTOCOL_VERSION}; your client speaks "
        f"{version.strip()!r}. Install the golive release that matches the server "
        "(or ask its administrator to upgrade it).",
        details={"server": PROTOCOL_VERSION, "client": version.strip()},
    )


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def _token_of(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise _unauthorized(
            "Sign in first: send 'Authorization: Bearer <token>'. An administrator issues "
            "tokens with: golive admin issue-token USER."
        )
    return credentials.credentials


def current_user(request: Request, credentials: Credentials) -> str:
    token = _token_of(credentials)
    with _state(request).db.read() as conn:
        user = authenticate(conn, token)
    if user is None:
        raise _unauthorized("That token is unknown or was revoked; ask for a new one.")
    return user


def access_on(conn: Connection, token: str, pid: str) -> Access:
    """The caller of ``token`` and their role in ``pid``, read on ``conn``."""
    found = token_access(conn, token, pid)
    if found is None:
        raise _unauthorized("That token is unknown or was revoked; ask for a new one.")
    user, role = found
    if role is None:
        raise _no_such_project(pid)
    return Access(user=user, project_id=pid, role=Role(role), token_id=token_id_of(token))


def project_access(request: Request, pid: ProjectId, credentials: Credentials) -> Access:
    """The caller and their role in ``pid``; 404 for projects they are not a member of."""
    token = _token_of(credentials)
    with _state(request).db.read() as conn:
        return access_on(conn, token, pid)


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No token, or an unknown or revoked one"},
    404: {"model": ErrorResponse, "description": "No such project, or not a member of it"},
    409: {"model": ErrorResponse, "description": "The client speaks another protocol version"},
    422: {"model": ErrorResponse, "description": "The request is not valid"},
}
#: the change feed's answer, and the live stream's, to a cursor the feed cannot serve
CURSOR_GONE: dict[str, Any] = {
    "model": ErrorResponse,
    "description": "The cursor is older than the feed keeps (or ahead of the server): "
                   "bootstrap from the snapshot again",
}


# --------------------------------------------------------------------------- helpers


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


def _sse_change(seq: int) -> bytes:
    return format_sse_event(event="change", id=str(seq), data_str=f'{{"seq": {seq}}}')


# --------------------------------------------------------------------------- what a push carries

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


# --------------------------------------------------------------------------- the app


class GoliveApi(FastAPI):
    """FastAPI, with an OpenAPI document that says what the server accepts more exactly."""

    def openapi(self) -> dict[str, Any]:
        schema = super().openapi()
        _parameters_never_null(schema)
        _exact_client_seq_bound(schema)
        return schema


def _exact_client_seq_bound(schema: dict[str, Any]) -> None:
    """Write the op's ``client_seq`` bound as the integer it is. Idempotent.

    FastAPI's schema writes numeric bounds as floats, and 2**63 - 1 as a float is 2**63,
    one past what the server accepts (:data:`~golive_tui.domain.ops.MAX_STORED_INT`).
    """
    op = schema.get("components", {}).get("schemas", {}).get("Op", {}).get("properties", {})
    if "client_seq" in op:
        op["client_seq"]["maximum"] = MAX_STORED_INT


def _parameters_never_null(schema: dict[str, Any]) -> None:
    """Drop the ``null`` that FastAPI derives from ``X | None`` for headers and query values.

    Such a value is text on the wire, never JSON ``null``: an optional one is left out, and
    the text "null" is not a valid value of it. Idempotent.
    """
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", ()):
                value = parameter.get("schema", {})
                branches = value.get("anyOf")
                if not isinstance(branches, list) or {"type": "null"} not in branches:
                    continue
                kept = [branch for branch in branches if branch != {"type": "null"}]
                del value["anyOf"]
                if len(kept) == 1:
                    value.update(kept[0])
                else:
                    value["anyOf"] = kept


def create_app(settings: ServerSettings | None = None, *, db: Database | None = None) -> FastAPI:
    """The API over ``settings.db_url`` (or an already open ``db``)."""
    settings = settings or ServerSettings()
    database = db or Database(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    state = ServerState(settings=settings, db=database, writer=PushWriter(database))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.loop = asyncio.get_running_loop()
        serving = contextlib.ExitStack()
        # a restore refuses while this is held
        serving.enter_context(serving_lock(database))
        if settings.migrate_on_start:
            before, after = await anyio.to_thread.run_sync(upgrade, database)
            if before != after:
                log.info("database migrated from %s to %s", before or "empty", after)
        state.writer.start()
        poller = CounterPoller(database, state.broadcaster, settings.poll_seconds)
        state.tasks.append(asyncio.create_task(poller.run(), name="golive-counter-poll"))
        if database.is_postgresql:
            state.listener = PgChangeListener(database, state.broadcaster, poller.poll_once)
            state.tasks.append(asyncio.create_task(state.listener.run(), name="golive-listen"))
        if settings.change_retention > 0:
            state.tasks.append(asyncio.create_task(_compact_forever(), name="golive-compact"))
        try:
            yield
        finally:
            state.broadcaster.close()
            await cancel_and_wait(state.tasks)
            state.tasks.clear()
            await anyio.to_thread.run_sync(state.writer.stop)
            if db is None:
                database.dispose()
            serving.close()

    async def _compact_forever() -> None:
        while True:
            try:
                done = await anyio.to_thread.run_sync(compact, database, settings.change_retention)
                if any(done.values()):
                    log.info("compacted the change feed: %s", done)
            except Exception:
                log.warning("periodic compaction failed", exc_info=True)
            await asyncio.sleep(settings.compact_every_seconds)

    app = GoliveApi(
        title="golive server",
        version=golive_tui.__version__,
        summary="The shared backend of golive: sync protocol v1 (ARCHITECTURE.md §3).",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.golive = state
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(UnknownProject, _unknown_project)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.rate_limit > 0:
        buckets = TokenBuckets(settings.rate_limit, settings.rate_limit_burst)
        app.add_middleware(RateLimit, buckets=buckets, refusal=_rate_limited)

    v1 = [Depends(check_protocol)]

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def healthz() -> Health:
        """Liveness: the server's version, protocol and kind of database."""
        return Health(version=golive_tui.__version__, database=database.kind)

    @app.get(
        "/v1/me", response_model=Me, dependencies=v1, tags=["projects"],
        responses={k: v for k, v in ERRORS.items() if k != 404},
    )
    def me(request: Request, user: Annotated[str, Depends(current_user)]) -> Me:
        """The caller, their projects and their role in each."""
        with database.read() as conn:
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

    @app.get(
        "/v1/projects/{pid}/snapshot", dependencies=v1, tags=["sync"], response_model=None,
        responses={200: {"model": Snapshot, "description": "Every entity and its server_seq"},
                   **ERRORS},
    )
    async def snapshot(access: Annotated[Access, Depends(project_access)]) -> Response:
        """Every entity of the project and the ``server_seq`` it reflects, streamed."""
        return StreamingResponse(
            _in_thread(lambda: snapshot_chunks(database, access.project_id)),
            media_type="application/json",
        )

    @app.post(
        "/v1/projects/{pid}/ops", response_model=PushResponse, dependencies=v1, tags=["sync"],
        responses={**ERRORS, 413: {"model": ErrorResponse, "description": "Body over 1 MiB"}},
    )
    async def push(body: PushRequest, pid: ProjectId, credentials: Credentials) -> Response:
        """Apply ops in order, each all-or-nothing; one result per op.

        Refusals by the rules, including a role that may not make a change, are per-op
        ``rejected`` results in a ``200`` answer, not errors of the whole push.
        """
        errors = _unstorable(body)
        if errors:
            raise RequestValidationError(errors)
        token = _token_of(credentials)
        if "\x00" in pid:
            # names no project: answered (401 or 404) here, never in a write transaction
            with database.read() as conn:
                access_on(conn, token, pid)

        def authorize(conn: Connection) -> Actor:
            access = access_on(conn, token, pid)
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
        answer = PushResponse(results=outcome.results, server_seq=outcome.server_seq)
        # written by the model itself: the framework would first validate every result again
        return Response(answer.model_dump_json(), media_type="application/json")

    @app.get(
        "/v1/projects/{pid}/changes", dependencies=v1, tags=["sync"], response_model=None,
        responses={200: {"model": ChangeFeedPage, "description": "Changes in server order"},
                   410: CURSOR_GONE, **ERRORS},
    )
    def changes(
        access: Annotated[Access, Depends(project_access)],
        after: Annotated[int, Query(ge=0, description="The last seq the client has")] = 0,
        limit: Annotated[
            int, Query(ge=1, le=MAX_CHANGES_LIMIT, description="At most this many changes")
        ] = DEFAULT_CHANGES_LIMIT,
    ) -> Response:
        """Changes after ``after`` in server order, with ``more`` when the page is full."""
        try:
            body = changes_page(database, access.project_id, after, limit)
        except CursorGone as gone:
            raise _cursor_gone(gone) from None
        return Response(body, media_type="application/json")

    @app.get(
        "/v1/projects/{pid}/events", dependencies=v1, tags=["sync"], response_model=None,
        response_class=Response,  # a stream of events, never a JSON body
        responses={200: {"content": {"text/event-stream": {"itemSchema": SSE_CHANGE_EVENT}},
                         "description": "Server-Sent Events: `change` with `{\"seq\": N}`"},
                   410: CURSOR_GONE, **ERRORS},
    )
    async def events(
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
                head_seq, database, access.project_id, last_event_id
            )
        except CursorGone as gone:
            state.broadcaster.unsubscribe(sub)
            raise _cursor_gone(gone) from None
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
                    woke = await sub.wait(settings.sse_ping_seconds)
                    if not woke and not sub.closed:
                        yield format_sse_event(comment="ping")
            finally:
                state.broadcaster.unsubscribe(sub)

        return EventSourceResponse(
            stream(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )

    return app

