"""The API's routes, one router per resource; :func:`~golive_tui.server.app.create_app`
includes them in this order, which is the order of the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from golive_tui.server.routes import (
    changes,
    events,
    health,
    me,
    metrics,
    ops,
    portfolio,
    snapshot,
    webhooks,
)

#: every router of the API, in the order its paths are documented
ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    me.router,
    portfolio.router,
    snapshot.router,
    ops.router,
    changes.router,
    events.router,
    webhooks.router,
    # not in the API document
    metrics.router,
)
