"""One shape for every error the API answers, ``{"error": {"code", "message", "details"}}``,
whatever raised it: our own refusals, FastAPI's request validation, Starlette's routing,
oversize bodies or an unexpected exception."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic_core import to_jsonable_python
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from golive_tui.domain.ops import MAX_FIELDS_DEPTH
from golive_tui.domain.wire import MAX_OPS_PER_PUSH
from golive_tui.server.feed import CursorGone

log = logging.getLogger(__name__)


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


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(code, message, details), status_code=status,
        headers=dict(headers) if headers else None,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, exc.detail, exc.details, exc.headers)
    status = exc.status_code
    message = str(exc.detail)
    if status == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI's answer to a body that is not UTF-8 text, so not JSON either
        return error_response(
            422, "malformed_json",
            "The request body is not valid JSON (it is not UTF-8 text); send a JSON object.",
        )
    if status == 400 and isinstance(exc.__cause__, RecursionError):
        return error_response(
            422, "malformed_json",
            "The request body nests deeper than the server reads; an op's fields nest at "
            f"most {MAX_FIELDS_DEPTH} deep. Nothing was changed.",
        )
    if status == 404 and message == "Not Found":
        message = f"There is no {request.url.path} here; see /openapi.json for the API."
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
    return error_response(status, _CODES.get(status, "error"), message, None, exc.headers)


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts) or "request"


async def validation_error(request: Request, exc: Exception) -> Response:
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
        return error_response(
            422, "malformed_json",
            f"The request body is not valid JSON ({reason or 'decode error'}); send a JSON object.",
            {"errors": problems},
        )
    if any(e.get("type") == "too_long" and list(e.get("loc", ()))[-1:] == ["ops"] for e in errors):
        return error_response(
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
    return error_response(
        422, "invalid_request",
        "The request is not valid: " + "; ".join(said) + more + ". Nothing was changed.",
        {"errors": to_jsonable_python(problems)},
    )


def cursor_gone(gone: CursorGone) -> ApiError:
    return ApiError(410, gone.code, gone.message, details=gone.details)


def no_such_project(project_id: str) -> ApiError:
    # the same answer whether the project does not exist or the caller is not a member,
    # so that outsiders cannot learn which projects exist
    return ApiError(
        404, "not_found",
        f"No project {project_id} here, or you are not a member of it; ask its IPM to add you.",
    )


async def unknown_project(request: Request, exc: Exception) -> Response:
    return await http_error(request, no_such_project(str(exc)))


async def unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500, "internal",
        "The server hit an unexpected error. Trying again is safe (every change applies "
        "at most once); tell the server's administrator if it persists.",
    )


def rate_limited(seconds: int) -> ASGIApp:
    return error_response(
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
                    response = error_response(413, err.code, err.detail, err.details,
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
