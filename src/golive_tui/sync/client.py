"""The HTTP client of the sync protocol (ARCHITECTURE.md §3): one method per call, typed errors.

Every failure becomes one of the :class:`SyncError` subclasses (``sync/errors.py``), each
with a message a person can act on; the engine decides from the class alone whether to
retry, re-bootstrap, or stop and tell the user.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired, TypeVar
from urllib.parse import urlsplit

import httpx
from httpx_sse import EventSource, ServerSentEvent, SSEError
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.ops import Op
from golive_tui.domain.portfolio import Portfolio
from golive_tui.domain.records import RECORD_TYPES, one_of
from golive_tui.domain.wire import (
    DEFAULT_CHANGES_LIMIT,
    MAX_BODY_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SNAPSHOT_ARRAYS,
    SNAPSHOT_LINES,
    SNAPSHOT_LINES_OF_ARRAYS,
    SSE_PING_SECONDS,
    Health,
    Me,
    PushRequest,
    PushResponse,
    Snapshot,
    SnapshotHead,
    SnapshotPiece,
    snapshot_rows,
)
from golive_tui.sync.errors import (
    Gone,
    NotFoundError,
    ProtocolMismatch,
    Refused,
    SyncError,
    Transient,
    Unauthorized,
    error_for,
)

__all__ = [
    "FeedPage",
    "Gone",
    "Later",
    "NotFoundError",
    "ProtocolMismatch",
    "Refused",
    "SnapshotPieceRead",
    "SnapshotRowsRead",
    "SyncClient",
    "SyncError",
    "Transient",
    "Unauthorized",
    "error_for",
    "is_loopback",
    "plain_http_refusal",
]

M = TypeVar("M", bound=BaseModel)

DEFAULT_TIMEOUT = 30.0
#: a live stream that has been silent for two pings (and a margin) is dead
LIVE_READ_TIMEOUT = SSE_PING_SECONDS * 2 + 5.0


def _change_dict(kind: EntityKind) -> Any:
    """A change of one kind as a dict: what ``domain.wire.CHANGE_TYPES`` validates."""
    only_this_kind: Any = Literal[kind]
    return TypedDict(  # type: ignore[operator]
        RECORD_TYPES[kind].__name__.removesuffix("Record") + "ChangeDict",
        {"seq": int, "entity": only_this_kind, "entity_id": str, "version": int,
         "deleted": NotRequired[bool], "data": NotRequired[RECORD_TYPES[kind] | None],
         "op_id": NotRequired[str | None], "by": NotRequired[str], "at": datetime},
    )


if TYPE_CHECKING:
    AnyChangeDict = dict[str, Any]
else:
    AnyChangeDict = Annotated[one_of(*(_change_dict(k) for k in EntityKind)),
                              Field(discriminator="entity")]


class FeedPage(TypedDict):
    """A page of the change feed (``ChangeFeedPage``) as plain dicts: each change is the
    ``Change`` model's fields, its ``data`` the record typed by its kind."""

    changes: list[AnyChangeDict]
    server_seq: int
    more: bool


#: a page validated in one call straight into dicts: no model per change to build and dump
_FEED_PAGE: TypeAdapter[FeedPage] = TypeAdapter(FeedPage)
#: a line of a snapshot sent as lines, after its head
_SNAPSHOT_PIECE: TypeAdapter[SnapshotPiece] = TypeAdapter(SnapshotPiece)
#: some of one kind's records, validated: ``(kind, records)``
SnapshotPieceRead = tuple[str, list[dict[str, Any]]]
#: some of one kind's records sent as arrays, validated: ``(kind, columns, rows)``
SnapshotRowsRead = tuple[str, Sequence[str], list[tuple[Any, ...]]]
#: a line of a snapshot read but not yet validated (``snapshot_pieces(later=True)``): called,
#: its piece; the last one gives None, or raises when the lines were not whole
Later = Callable[[], SnapshotPieceRead | SnapshotRowsRead | None]
#: what a change the server sent without these fields has (the ``Change`` model's defaults)
_CHANGE_DEFAULTS = {"deleted": False, "data": None, "op_id": None, "by": ""}


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: ``localhost`` or a loopback address."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_refusal(url: str, *, insecure: bool = False) -> str | None:
    """Why a token must not go to ``url``, or None when it may.

    A token sent over plain HTTP can be read by anyone on the way; on this machine there
    is no way, so ``http://localhost`` and ``http://127.0.0.1`` are fine. Elsewhere HTTPS is
    needed, unless the user says ``--insecure``.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "http" or insecure:
        return None
    host = parts.hostname or ""
    if is_loopback(host):
        return None
    return (
        f"{url} is plain HTTP to another machine: the token would cross the network "
        f"readable by anyone on the way. Use https://{parts.netloc}{parts.path}, or say "
        "--insecure if this network is yours alone."
    )


def _parse(model: type[M], response: httpx.Response, what: str) -> M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise _bad_answer(exc, what, response) from exc


def _bad_answer(exc: ValidationError, what: str, response: httpx.Response) -> Refused:
    return Refused(
        f"The server's answer to {what} is not what protocol {PROTOCOL_VERSION} expects "
        f"({exc.error_count()} problems); is it a golive server?",
        status=response.status_code,
        code="bad_response",
    )


class SyncClient:
    """An async client for one golive server and one token.

    ``transport`` replaces the network (tests inject faults through it); every request
    carries the bearer token and the protocol version header.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            # a reconnect after the server restarted must not reuse a dead connection forever
            limits=httpx.Limits(max_keepalive_connections=4, keepalive_expiry=5.0),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> SyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- plumbing ------------------------------------------------------------------------

    def _network_error(self, exc: Exception, what: str) -> Transient:
        if isinstance(exc, httpx.TimeoutException):
            text = f"The server at {self.base_url} did not answer in time while {what}."
        else:
            text = f"Cannot reach the server at {self.base_url} while {what} ({exc.__class__.__name__})."
        return Transient(text, code="network")

    async def _request(
        self,
        method: str,
        url: str,
        what: str,
        *,
        content: bytes | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = await self._http.request(
                method, url, content=content, params=params, headers=headers
            )
        except httpx.TransportError as exc:
            raise self._network_error(exc, what) from exc
        if response.status_code >= 400:
            raise error_for(response, what)
        return response

    # -- the calls -----------------------------------------------------------------------

    async def health(self) -> Health:
        """``GET /healthz``; raises :class:`ProtocolMismatch` for another protocol version."""
        response = await self._request("GET", "/healthz", "checking the server")
        health = _parse(Health, response, "/healthz")
        if health.protocol != PROTOCOL_VERSION:
            raise ProtocolMismatch(
                f"This server speaks protocol {health.protocol}; this golive speaks protocol "
                f"{PROTOCOL_VERSION}. Install the golive version that matches the server.",
                server_protocol=health.protocol,
                code="protocol_mismatch",
            )
        return health

    async def me(self) -> Me:
        response = await self._request("GET", "/v1/me", "checking the token")
        return _parse(Me, response, "/v1/me")

    async def portfolio(self) -> Portfolio:
        """``GET /v1/portfolio``: every project of the user, their collisions and queue."""
        response = await self._request("GET", "/v1/portfolio", "loading the portfolio")
        return _parse(Portfolio, response, "/v1/portfolio")

    async def snapshot(self, project_id: str) -> Snapshot:
        """The whole project, read as a stream and parsed once by pydantic-core (Rust)."""
        what = "loading the project"
        try:
            async with self._http.stream("GET", self._snapshot_url(project_id)) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_for(response, what)
                raw = await _body(response)
        except httpx.TransportError as exc:
            raise self._network_error(exc, what) from exc
        return _whole_snapshot(raw)

    async def snapshot_pieces(
        self, project_id: str, *, later: bool = False, arrays: bool = False,
    ) -> AsyncGenerator[SnapshotHead | SnapshotPieceRead | SnapshotRowsRead | Later, None]:
        """The whole project as it arrives: its :class:`SnapshotHead`, then ``(kind,
        records)`` pieces, each validated as it comes (the records typed as in
        :meth:`snapshot`).

        The server is asked for the snapshot as lines (``SNAPSHOT_LINES``); one that
        answers with the JSON document is read whole and given in the same pieces. A
        stream that ends before the head's counts are met raises :class:`Transient`.

        ``later``: each line is given as it was read, a :data:`Later` that validates it
        when called, in whichever thread calls it (the one that writes the pieces: then
        the thread reading the download holds the interpreter lock only briefly); the last
        one checks the counts. Called in order, they give what the pieces would have been
        and raise what reading them would have raised.

        ``arrays``: the server is asked for each record as an array of its values
        (``SNAPSHOT_LINES_OF_ARRAYS``); a server that sends them gives ``(kind, columns,
        rows)`` pieces, each row a tuple of the typed values of those columns. One that
        does not sends records, given as without ``arrays``.
        """
        what = "loading the project"
        try:
            async with self._http.stream(
                "GET", self._snapshot_url(project_id),
                headers={"Accept": (f"{SNAPSHOT_LINES_OF_ARRAYS}, " if arrays else "")
                         + f"{SNAPSHOT_LINES};q=0.9, application/json;q=0.5"},
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_for(response, what)
                media_type = response.headers.get("content-type", "")
                if media_type.startswith(SNAPSHOT_LINES):
                    async for item in _read_lines(
                        response, later=later, arrays=arrays and SNAPSHOT_ARRAYS in media_type,
                    ):
                        yield item
                    return
                whole = _whole_snapshot(await _body(response))
        except httpx.TransportError as exc:
            raise self._network_error(exc, what) from exc
        entities: dict[str, list[dict[str, Any]]] = dict(whole.entities)
        yield SnapshotHead(project_id=whole.project_id, server_seq=whole.server_seq,
                           counts={kind: len(records) for kind, records in entities.items()})
        for kind, records in entities.items():
            if records:
                yield kind, records

    @staticmethod
    def _snapshot_url(project_id: str) -> str:
        return f"/v1/projects/{project_id}/snapshot"

    async def push(self, project_id: str, client_id: str, ops: Sequence[Op]) -> PushResponse:
        """``POST`` up to 500 ops; one result per op comes back."""
        answer = await self.send_push(project_id, self.push_body(client_id, ops), len(ops))
        return self.read_push(answer)

    # a push in three steps, for a caller that encodes the next push while one is on the
    # wire and reads an answer while the next push is (the sync engine)

    @staticmethod
    def push_body(client_id: str, ops: Sequence[Op]) -> bytes:
        """The body of a push of ``ops``."""
        return PushRequest.model_construct(client_id=client_id, ops=list(ops)).model_dump_json(
        ).encode()

    @staticmethod
    def push_body_of(client_id: str, ops: Sequence[str]) -> bytes:
        """The body of a push of ops already written as JSON text (``QueuedOp.json``)."""
        return f'{{"client_id":{json.dumps(client_id)},"ops":[{",".join(ops)}]}}'.encode()

    async def send_push(self, project_id: str, body: bytes, count: int) -> httpx.Response:
        """``POST`` a push body of ``count`` ops; the answer is read by :meth:`read_push`."""
        if len(body) > MAX_BODY_BYTES:
            # refused here rather than by the server: it would answer 413 before reading the
            # body, and the upload would end as a reset connection (a retry forever)
            raise Refused(
                f"{count} change{'s' if count != 1 else ''} make {len(body):,} bytes, "
                f"more than the {MAX_BODY_BYTES:,} a push may carry.",
                status=413,
                code="payload_too_large",
            )
        return await self._request(
            "POST",
            f"/v1/projects/{project_id}/ops",
            "sending changes",
            content=body,
            headers={"Content-Type": "application/json"},
        )

    @staticmethod
    def read_push(answer: httpx.Response) -> PushResponse:
        return _parse(PushResponse, answer, "pushing changes")

    async def changes(
        self, project_id: str, after: int, limit: int = DEFAULT_CHANGES_LIMIT
    ) -> FeedPage:
        """One page of the change feed after ``after``; raises :class:`Gone` on 410."""
        what = "fetching changes"
        response = await self._request(
            "GET", f"/v1/projects/{project_id}/changes", what,
            params={"after": after, "limit": limit},
        )
        try:
            page = _FEED_PAGE.validate_json(response.content)
        except ValidationError as exc:
            raise _bad_answer(exc, what, response) from exc
        for change in page["changes"]:
            if len(change) < 9:  # fields left out take the model's defaults
                for name, value in _CHANGE_DEFAULTS.items():
                    change.setdefault(name, value)
        return page

    async def events(
        self,
        project_id: str,
        last_event_id: int | None = None,
        *,
        on_open: Callable[[], None] | None = None,
    ) -> AsyncIterator[int]:
        """Live pokes: yields the ``seq`` of each ``change`` event until the stream ends.

        Pings and comments are skipped. A stream that ends or breaks raises
        :class:`Transient`, so a caller's reconnect loop sees every disconnect the same way.
        ``on_open`` is called once the server has accepted the stream.
        """
        what = "listening for live changes"
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        timeout = httpx.Timeout(self._timeout, read=LIVE_READ_TIMEOUT)
        try:
            async with self._http.stream(
                "GET", f"/v1/projects/{project_id}/events", headers=headers, timeout=timeout
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_for(response, what)
                if on_open is not None:
                    on_open()
                try:
                    async for event in EventSource(response).aiter_sse():
                        seq = _seq_of(event)
                        if seq is not None:
                            yield seq
                except SSEError as exc:  # not text/event-stream
                    raise Refused(
                        f"The server at {self.base_url} answered the live stream with "
                        "something other than an event stream; is it a golive server?",
                        status=response.status_code,
                        code="bad_response",
                    ) from exc
        except httpx.TransportError as exc:
            raise self._network_error(exc, what) from exc
        raise Transient("The live stream was closed by the server.", code="stream_closed")


def _seq_of(event: ServerSentEvent) -> int | None:
    """The ``seq`` a ``change`` event announces: its data's ``seq``, else its id."""
    if event.event != "change":
        return None
    try:
        payload = json.loads(event.data)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and type(payload.get("seq")) is int:
        return int(payload["seq"])
    if type(payload) is int:
        return payload
    if event.id.strip().isdigit():
        return int(event.id)
    return None


async def _body(response: httpx.Response) -> bytes:
    buffer = bytearray()
    async for chunk in response.aiter_bytes(1 << 20):
        buffer += chunk
    return bytes(buffer)


def _whole_snapshot(raw: bytes) -> Snapshot:
    try:
        return Snapshot.model_validate_json(raw)
    except ValidationError as exc:
        raise _bad_snapshot(exc) from exc


def _bad_snapshot(exc: ValidationError) -> Refused:
    return Refused(
        f"The project snapshot from the server is not valid ({exc.error_count()} problems).",
        code="bad_response",
    )


class _Lines:
    """What the lines of one snapshot held so far: each line validated, and at the end
    whether they held the head's counts."""

    def __init__(self, head: SnapshotHead) -> None:
        self.head = head
        self.got: dict[str, int] = {}

    def read(self, line: bytes) -> SnapshotPieceRead | SnapshotRowsRead:
        try:
            piece = _SNAPSHOT_PIECE.validate_json(line)
        except ValidationError as exc:
            raise _bad_snapshot(exc) from exc
        kind, records = piece["entity"], piece["records"]
        self.got[kind] = self.got.get(kind, 0) + len(records)
        return kind, records

    def end(self, rest: bytes) -> None:
        """The stream ended with ``rest`` after its last line: :class:`Transient` unless
        the lines held every record the head counted."""
        counts, got = self.head.counts, self.got
        if rest.strip() or any(got.get(kind, 0) != n for kind, n in counts.items()) or (
            set(got) - set(counts)
        ):
            raise Transient("The project snapshot was cut off on the way; loading it again.",
                            code="network")


class _LinesOfArrays(_Lines):
    """The same, for a snapshot sent as arrays: each line's rows, typed by their columns."""

    def __init__(self, head: SnapshotHead) -> None:
        super().__init__(head)
        self.columns = head.columns or {}
        try:
            self.rows = snapshot_rows(self.columns)
        except ValueError as exc:
            raise Refused(f"The project snapshot from the server is not valid ({exc}).",
                          code="bad_response") from exc

    def read(self, line: bytes) -> SnapshotPieceRead | SnapshotRowsRead:
        try:
            piece = self.rows.validate_json(line)
        except ValidationError as exc:
            raise _bad_snapshot(exc) from exc
        kind, rows = piece["entity"], piece["rows"]
        self.got[kind] = self.got.get(kind, 0) + len(rows)
        return kind, self.columns[kind], rows


async def _read_lines(
    response: httpx.Response, *, later: bool = False, arrays: bool = False,
) -> AsyncIterator[SnapshotHead | SnapshotPieceRead | SnapshotRowsRead | Later]:
    """A snapshot sent as lines: the head, then each line's records as they arrive (or,
    ``later``, each line as a :data:`Later`, and one more that checks the counts);
    ``arrays``: sent as arrays, each line's rows."""
    buffer = bytearray()
    seen = 0  # the buffer before this holds no line's end
    lines: _Lines | None = None
    async for chunk in response.aiter_bytes():
        buffer += chunk
        while (end := buffer.find(b"\n", seen)) >= 0:
            line = bytes(buffer[:end])
            del buffer[: end + 1]
            seen = 0
            if lines is None:
                try:
                    head = SnapshotHead.model_validate_json(line)
                except ValidationError as exc:
                    raise _bad_snapshot(exc) from exc
                lines = _LinesOfArrays(head) if arrays else _Lines(head)
                yield head
            elif later:
                yield functools.partial(lines.read, line)
            else:
                yield lines.read(line)
        seen = len(buffer)
    if lines is None:
        raise Transient("The project snapshot was cut off on the way; loading it again.",
                        code="network")
    if later:
        yield functools.partial(lines.end, bytes(buffer))
    else:
        lines.end(bytes(buffer))

