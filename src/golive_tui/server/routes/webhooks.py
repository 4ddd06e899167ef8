"""``/v1/projects/{pid}/webhooks``: a project's outbound webhooks, for the server's
administrators only (the users named in ``GOLIVE_SERVER_ADMINS``).

The same as ``golive admin webhook add|list|remove|deliveries``, for an administrator
without a shell on the server; not in the API document, which is the sync protocol's. An administrator need not be a member of the project; any
other caller is refused with 403 and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from golive_tui.domain.notifications import EventKind
from golive_tui.domain.wire import ErrorResponse
from golive_tui.server import webhooks
from golive_tui.server.access import ProjectId, current_user
from golive_tui.server.errors import ApiError
from golive_tui.server.routes.responses import ERRORS, V1
from golive_tui.server.state import State
from golive_tui.server.tables import project

#: operations, like /metrics, not the sync protocol: kept out of the API document
router = APIRouter(tags=["webhooks"], include_in_schema=False)

WebhookId = Annotated[str, Path(min_length=1, max_length=16, description="The webhook's id")]
RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": ErrorResponse, "description": "The caller is not a server administrator"},
    404: {"model": ErrorResponse, "description": "No such project, or no such webhook in it"},
}


class WebhookIn(BaseModel):
    """A webhook to add: where to send, what, and in which shape."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000, description="http(s) URL of the receiver")
    events: list[EventKind] | None = Field(
        default=None, description="The events to send (default: every event)"
    )
    format: Literal["json", "slack", "teams"] = "json"
    secret: str | None = Field(
        default=None, min_length=webhooks.MIN_SECRET_LENGTH, max_length=200,
        description="The HMAC-SHA256 signing secret (default: one is generated and answered once)",
    )


class WebhookOut(BaseModel):
    id: str
    project_id: str
    url: str
    events: list[EventKind]
    format: Literal["json", "slack", "teams"]
    created_at: str
    created_by: str


class WebhookCreated(WebhookOut):
    #: the signing secret: answered here only, never listed
    secret: str


class AttemptOut(BaseModel):
    attempt: int
    at: str
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(BaseModel):
    id: str
    webhook_id: str
    event: str
    summary: str
    created_at: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: str | None
    last_status_code: int | None
    last_error: str
    finished_at: str | None
    log: list[AttemptOut]


def server_admin(state: State, user: Annotated[str, Depends(current_user)]) -> str:
    """The caller, if they are one of the server's administrators; 403 otherwise."""
    if user not in state.settings.admin_users():
        raise ApiError(
            403, "forbidden",
            "Only the server's administrators manage webhooks (GOLIVE_SERVER_ADMINS); ask "
            "one of them, or use 'golive admin webhook' on the server.",
        )
    return user


Admin = Annotated[str, Depends(server_admin)]


def _project(state: State, pid: str) -> str:
    with state.db.read() as conn:
        found = conn.execute(select(project.c.id).where(project.c.id == pid)).first()
    if found is None:
        raise ApiError(404, "not_found", f"There is no project {pid} on this server.")
    return pid


def _hook(state: State, pid: str, wid: str) -> webhooks.Webhook:
    try:
        return webhooks.get_webhook(state.db, wid, _project(state, pid))
    except webhooks.WebhookError:
        raise ApiError(404, "not_found", f"Project {pid} has no webhook {wid}.") from None


@router.get("/v1/projects/{pid}/webhooks", dependencies=V1, response_model=list[WebhookOut],
            responses=RESPONSES)
def list_webhooks(state: State, admin: Admin, pid: ProjectId) -> list[dict[str, Any]]:
    """The project's webhooks (their secrets are never shown again)."""
    return [h.as_json() for h in webhooks.list_webhooks(state.db, _project(state, pid))]


@router.post("/v1/projects/{pid}/webhooks", dependencies=V1, response_model=WebhookCreated,
             status_code=201, responses=RESPONSES)
def add_webhook(state: State, admin: Admin, pid: ProjectId, body: WebhookIn) -> dict[str, Any]:
    """Send the project's events to a URL; the answer carries the signing secret, once."""
    try:
        new = webhooks.add_webhook(
            state.db, _project(state, pid), body.url,
            events=None if body.events is None else [e.value for e in body.events],
            format=body.format, secret=body.secret, by=admin,
        )
    except webhooks.WebhookError as exc:
        raise ApiError(422, "invalid_webhook", str(exc)) from None
    return {**new.webhook.as_json(), "secret": new.secret}


@router.delete("/v1/projects/{pid}/webhooks/{wid}", dependencies=V1, status_code=204,
               response_class=Response, responses=RESPONSES)
def remove_webhook(state: State, admin: Admin, pid: ProjectId, wid: WebhookId) -> Response:
    """Remove a webhook with its queued deliveries and their log."""
    webhooks.remove_webhook(state.db, _hook(state, pid, wid).id)
    return Response(status_code=204)


@router.get("/v1/projects/{pid}/webhooks/{wid}/deliveries", dependencies=V1,
            response_model=list[DeliveryOut], responses=RESPONSES)
def list_deliveries(
    state: State, admin: Admin, pid: ProjectId, wid: WebhookId,
    limit: Annotated[int, Query(ge=1, le=1000, description="The newest this many")] = 50,
    status: Annotated[
        Literal["pending", "delivered", "failed"] | None, Query(description="Only these")
    ] = None,
) -> list[dict[str, Any]]:
    """The webhook's newest deliveries, each with every attempt to send it."""
    hook = _hook(state, pid, wid)
    return [d.as_json() for d in webhooks.list_deliveries(state.db, hook.id, limit=limit,
                                                          status=status)]
