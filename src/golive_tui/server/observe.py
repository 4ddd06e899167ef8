"""One line per request, and the request metrics: who asked what, how it went, how long.

:class:`Observe` is the outermost ASGI middleware, so it sees every answer, a rate limit's
429 and a body limit's 413 included. It gives each request an id (the client's
``X-Request-ID`` when it sends a short, plain one; else a new one), answers it back in the
same header, and when the answer is complete (for a live event stream: when it closes) logs
``golive.access``: request id, method, path, route, status, duration, project and user.
The token is never logged: the user is what the server found it belongs to.

``--log-format json`` writes every log record, these and the server's others, as one JSON
object a line (:class:`JsonLines`).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from golive_tui.server.metrics import UNMATCHED, Metrics

access_log = logging.getLogger("golive.access")

#: a request id a client may choose: short, and nothing a log line could be forged with
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: who the request turned out to be from, filled in by the sign-in checks
_caller: ContextVar[dict[str, str] | None] = ContextVar("golive_caller", default=None)
#: the attributes of a log record that are fields of its JSON line
ACCESS_FIELDS = ("request_id", "method", "path", "route", "status", "duration_ms",
                 "project", "user")


def caller() -> dict[str, str]:
    """Where this request's caller is noted. It is shared with worker threads that run the
    request's dependencies; a thread without the request's context (the push writer) is
    handed it explicitly."""
    holder = _caller.get()
    return holder if holder is not None else {}


def note_caller(user: str) -> None:
    caller()["user"] = user


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if _CLIENT_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


class Observe:
    """ASGI middleware: the request line in the log and the request metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        holder: dict[str, str] = {}
        token = _caller.set(holder)
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", ()))
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            _caller.reset(token)
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            method = str(scope.get("method", ""))
            self.metrics.request(method, template, status, seconds)
            project = str(scope.get("path_params", {}).get("pid", ""))
            fields = {
                "request_id": request_id, "method": method, "path": str(scope.get("path", "")),
                "route": template, "status": status,
                "duration_ms": round(seconds * 1000, 2), "project": project,
                "user": holder.get("user", ""),
            }
            access_log.info(
                "%s %s %s %.1f ms%s", method, fields["path"], status, seconds * 1000,
                f" user={fields['user']}" if fields["user"] else "", extra=fields,
            )


class JsonLines(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message, and the request's
    fields on ``golive.access`` lines."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str, log_format: str) -> None:
    """The server process's logging: text (the default) or JSON lines, on stderr, for
    golive's loggers and uvicorn's alike."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        # uvicorn's own lines go through the same handler, in the same format
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
