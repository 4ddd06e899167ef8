"""``/metrics``: the replica's metrics in Prometheus' text format (not in the API document).

With ``GOLIVE_SERVER_METRICS_TOKEN`` set, a scraper sends it as a bearer token; without it,
only requests from this machine are answered, so a server bound to a public address does
not show its projects' activity to anyone who asks.
"""

from __future__ import annotations

import ipaddress
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from golive_tui.server.errors import ApiError
from golive_tui.server.state import State

router = APIRouter(tags=["operations"])


def _from_this_machine(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/metrics", include_in_schema=False)
async def metrics(state: State, request: Request) -> Response:
    expected = state.settings.metrics_token
    if expected:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            sent.strip().encode(), expected.encode()
        ):
            raise ApiError(
                401, "unauthorized",
                "/metrics needs the metrics token: send 'Authorization: Bearer <token>' "
                "(the server's GOLIVE_SERVER_METRICS_TOKEN).",
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif not _from_this_machine(request):
        raise ApiError(
            403, "forbidden",
            "/metrics answers only this machine unless the server has a metrics token; "
            "set GOLIVE_SERVER_METRICS_TOKEN (or --metrics-token-file) and send it as a "
            "bearer token.",
        )
    return Response(await state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
