"""The error answers the routes document, and what every route of sync protocol v1 checks."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from fastapi.params import Depends as DependsParam

from golive_tui.domain.wire import ErrorResponse
from golive_tui.server.access import check_protocol

#: the dependencies of every ``/v1`` route
V1: list[DependsParam] = [Depends(check_protocol)]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No token, or an unknown or revoked one"},
    404: {"model": ErrorResponse, "description": "No such project, or not a member of it"},
    409: {"model": ErrorResponse, "description": "The client speaks another protocol version"},
    422: {"model": ErrorResponse, "description": "The request is not valid"},
    429: {
        "model": ErrorResponse,
        "description": "Too many requests with this token (when the server sets a rate "
                       "limit): send it again after Retry-After seconds",
        "headers": {"Retry-After": {"description": "Seconds to wait",
                                    "schema": {"type": "integer", "minimum": 1}}},
    },
}
#: the change feed's answer, and the live stream's, to a cursor the feed cannot serve
CURSOR_GONE: dict[str, Any] = {
    "model": ErrorResponse,
    "description": "The cursor is older than the feed keeps (or ahead of the server): "
                   "bootstrap from the snapshot again",
}
