"""What a running API holds (its settings, database, writer and live streams), and the
dependency that hands it to a route."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from golive_tui.server.db import Database
from golive_tui.server.live import Broadcaster, PgChangeListener
from golive_tui.server.metrics import Metrics
from golive_tui.server.settings import ServerSettings
from golive_tui.server.writer import PushWriter


@dataclass
class ServerState:
    settings: ServerSettings
    db: Database
    writer: PushWriter
    broadcaster: Broadcaster = field(default_factory=Broadcaster)
    loop: asyncio.AbstractEventLoop | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    listener: PgChangeListener | None = None
    metrics: Metrics = field(init=False)

    def __post_init__(self) -> None:
        self.metrics = Metrics(self.db, self.broadcaster)

    def shutdown_streams(self) -> None:
        """End every live event stream; safe to call from any thread."""
        if self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self.broadcaster.close)


async def server_state(request: Request) -> ServerState:
    """The app's state; async, so that resolving it never takes a worker thread."""
    state: ServerState = request.app.state.golive
    return state


#: a route's parameter for the app's state
State = Annotated[ServerState, Depends(server_state)]
