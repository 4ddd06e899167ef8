"""Who is calling: the protocol check, the bearer token, and the caller's role in a project.

Only authentication (401) and membership (404, so a project's existence is not revealed to
outsiders) refuse a whole request; everything a role may not do is refused op by op.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Header, Path, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from golive_tui.domain.enums import Role
from golive_tui.domain.wire import PROTOCOL_HEADER, PROTOCOL_VERSION
from golive_tui.server.accounts import authenticate, token_access, token_id_of
from golive_tui.server.errors import ApiError, no_such_project
from golive_tui.server.observe import note_caller
from golive_tui.server.state import State


@dataclass(frozen=True)
class Access:
    user: str
    project_id: str
    role: Role
    #: the id of the token the caller signed in with
    token_id: str = ""


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


def token_of(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The bearer token sent, or 401 if none was."""
    if credentials is None or not credentials.credentials:
        raise _unauthorized(
            "Sign in first: send 'Authorization: Bearer <token>'. An administrator issues "
            "tokens with: golive admin issue-token USER."
        )
    return credentials.credentials


def current_user(state: State, credentials: Credentials) -> str:
    token = token_of(credentials)
    with state.db.read() as conn:
        user = authenticate(conn, token)
    if user is None:
        raise _unauthorized("That token is unknown or was revoked; ask for a new one.")
    note_caller(user)
    return user


def access_on(conn: Connection, token: str, pid: str) -> Access:
    """The caller of ``token`` and their role in ``pid``, read on ``conn``."""
    found = token_access(conn, token, pid)
    if found is None:
        raise _unauthorized("That token is unknown or was revoked; ask for a new one.")
    user, role = found
    note_caller(user)
    if role is None:
        raise no_such_project(pid)
    return Access(user=user, project_id=pid, role=Role(role), token_id=token_id_of(token))


def project_access(state: State, pid: ProjectId, credentials: Credentials) -> Access:
    """The caller and their role in ``pid``; 404 for projects they are not a member of."""
    token = token_of(credentials)
    with state.db.read() as conn:
        return access_on(conn, token, pid)
