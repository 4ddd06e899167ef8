"""The sync protocol's failures as typed errors, each with a message a person can act on.

The engine decides from the class alone whether to retry, re-bootstrap, or stop and tell
the user; :func:`error_for` reads a server's error answer into one of them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from golive_tui.domain.wire import PROTOCOL_HEADER, PROTOCOL_VERSION


class SyncError(Exception):
    """Something the server or the network refused; ``message`` says what to do next."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details: dict[str, Any] = details or {}


class Unauthorized(SyncError):
    """401: the token is unknown, revoked or missing."""


class NotFoundError(SyncError):
    """404: no such project (or not one this token may see)."""


class Gone(SyncError):
    """410: the change feed no longer reaches back to our cursor; re-bootstrap."""


class ProtocolMismatch(SyncError):
    """The server speaks another version of the sync protocol."""

    def __init__(self, message: str, *, server_protocol: int | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.server_protocol = server_protocol


class Transient(SyncError):
    """Worth retrying later: network errors, timeouts, 5xx and 429."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class Refused(SyncError):
    """Any other 4xx: the request itself was refused, with the server's reason."""


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _error_body(response: httpx.Response) -> tuple[str, str, dict[str, Any]]:
    """(code, message, details) from ``{"error": {...}}``, tolerant of other bodies."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        details = err.get("details")
        return (
            str(err.get("code") or ""),
            str(err.get("message") or ""),
            details if isinstance(details, dict) else {},
        )
    if isinstance(body, dict) and "detail" in body:  # a bare FastAPI error
        return "", str(body["detail"]), {}
    text = response.text.strip() if response.content else ""
    return "", text[:300], {}


def _server_protocol(response: httpx.Response, details: dict[str, Any]) -> int | None:
    for candidate in (
        details.get("server_protocol"),
        details.get("server"),
        details.get("protocol"),
        response.headers.get(PROTOCOL_HEADER),
    ):
        try:
            if candidate is not None:
                return int(candidate)
        except (TypeError, ValueError):
            continue
    return None


def error_for(response: httpx.Response, what: str) -> SyncError:
    """The typed error for a non-2xx ``response`` to ``what`` (e.g. "pushing changes")."""
    status = response.status_code
    code, message, details = _error_body(response)
    kw: dict[str, Any] = {"status": status, "code": code, "details": details}
    if status == 401:
        return Unauthorized(
            "The server refused the token; run `golive connect URL` again with a valid "
            "token (or set GOLIVE_TOKEN)." + (f" ({message})" if message else ""),
            **kw,
        )
    if status == 409 and code == "protocol_mismatch":
        theirs = _server_protocol(response, details)
        spoken = f"protocol {theirs}" if theirs is not None else "another protocol version"
        return ProtocolMismatch(
            f"This server speaks {spoken}; this golive speaks protocol {PROTOCOL_VERSION}. "
            "Install the golive version that matches the server.",
            server_protocol=theirs,
            **kw,
        )
    if status == 410:
        return Gone(
            message or "The server no longer keeps changes that old; reloading the project.",
            **kw,
        )
    if status == 404:
        return NotFoundError(
            message or f"Not found while {what}: the project may not exist or you are not a "
            "member of it.",
            **kw,
        )
    if status == 429 or status >= 500:
        retry = _retry_after(response.headers.get("Retry-After"))
        reason = message or response.reason_phrase or "server error"
        if status == 429:
            text = f"The server is busy (429) while {what}; retrying shortly."
        else:
            text = f"The server failed ({status}: {reason}) while {what}; retrying shortly."
        return Transient(text, retry_after=retry, **kw)
    return Refused(
        message or f"The server refused the request ({status}) while {what}.",
        **kw,
    )
