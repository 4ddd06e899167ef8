"""The HTTP API of the shared backend (ARCHITECTURE.md §3), as a FastAPI app factory.

The routes live in :mod:`golive_tui.server.routes`, one router per resource, and reach the
app's state through the :data:`~golive_tui.server.state.State` dependency. Every error has
one shape (:mod:`golive_tui.server.errors`); who may call what is
:mod:`golive_tui.server.access`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

import golive_tui
from golive_tui.server.apply import UnknownProject
from golive_tui.server.backup import serving_lock
from golive_tui.server.db import Database
from golive_tui.server.delivery import Answer, DeliveryWorker, check_clocks_forever
from golive_tui.server.errors import (
    BodySizeLimit,
    http_error,
    rate_limited,
    unexpected,
    unknown_project,
    validation_error,
)
from golive_tui.server.live import CounterPoller, PgChangeListener, cancel_and_wait
from golive_tui.server.migrate import upgrade
from golive_tui.server.observe import Observe
from golive_tui.server.openapi import GoliveApi
from golive_tui.server.projects import compact_for_retention
from golive_tui.server.ratelimit import RateLimit, TokenBuckets
from golive_tui.server.routes import ROUTERS
from golive_tui.server.settings import ServerSettings
from golive_tui.server.state import ServerState
from golive_tui.server.writer import PushWriter

log = logging.getLogger(__name__)


#: whether this process has frozen what it holds for life (:func:`_freeze_what_lives_as_long_as_the_process`)
_frozen = [False]


def _freeze_what_lives_as_long_as_the_process() -> None:
    """Leave what the server has built by now (modules, the app, its models) out of every
    later garbage collection, once per process.

    Reading a push of 500 ops allocates enough to set off collections, and each full one
    walked every object of FastAPI, SQLAlchemy and pydantic the process holds for life: in
    a profile of the push path, more than half of the time of reading the pushes' bodies.
    Once per process, so that one running many servers (the tests) does not also keep
    what earlier ones left behind.
    """
    if not _frozen[0]:
        _frozen[0] = True
        gc.freeze()


def create_app(settings: ServerSettings | None = None, *, db: Database | None = None) -> FastAPI:
    """The API over ``settings.db_url`` (or an already open ``db``)."""
    settings = settings or ServerSettings()
    database = db or Database(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    state = ServerState(settings=settings, db=database, writer=PushWriter(database))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.loop = asyncio.get_running_loop()
        serving = contextlib.ExitStack()
        # a restore refuses while this is held
        serving.enter_context(serving_lock(database))
        if settings.migrate_on_start:
            before, after = await anyio.to_thread.run_sync(upgrade, database)
            if before != after:
                log.info("database migrated from %s to %s", before or "empty", after)
        state.writer.start()
        poller = CounterPoller(database, state.broadcaster, settings.poll_seconds)
        state.tasks.append(asyncio.create_task(poller.run(), name="golive-counter-poll"))
        if database.is_postgresql:
            state.listener = PgChangeListener(database, state.broadcaster, poller.poll_once)
            state.tasks.append(asyncio.create_task(state.listener.run(), name="golive-listen"))
        if settings.change_retention > 0 or settings.change_retention_days > 0:
            state.tasks.append(asyncio.create_task(_compact_forever(), name="golive-compact"))
        worker = DeliveryWorker(database, settings, on_answers=_count_webhook_attempts)
        state.tasks.append(asyncio.create_task(worker.run(), name="golive-webhooks"))
        state.tasks.append(asyncio.create_task(check_clocks_forever(database, settings),
                                               name="golive-webhook-clocks"))
        _freeze_what_lives_as_long_as_the_process()
        try:
            yield
        finally:
            state.broadcaster.close()
            await cancel_and_wait(state.tasks)
            state.tasks.clear()
            await anyio.to_thread.run_sync(state.writer.stop)
            if db is None:
                database.dispose()
            serving.close()

    def _count_webhook_attempts(answers: Sequence[Answer]) -> None:
        for answer in answers:
            state.metrics.webhook_attempt(
                delivered=answer.ok,
                last=answer.claimed.attempt >= settings.webhook_max_attempts,
            )

    async def _compact_forever() -> None:
        while True:
            try:
                done = await anyio.to_thread.run_sync(
                    compact_for_retention, database, settings.change_retention,
                    settings.change_retention_days,
                )
                if any(done.values()):
                    state.metrics.compacted.inc(sum(done.values()))
                    log.info("compacted the change feed: %s", done)
            except Exception:
                log.warning("periodic compaction failed", exc_info=True)
            await asyncio.sleep(settings.compact_every_seconds)

    app = GoliveApi(
        title="golive server",
        version=golive_tui.__version__,
        summary="The shared backend of golive: sync protocol v1 (ARCHITECTURE.md §3).",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.golive = state
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(UnknownProject, unknown_project)
    app.add_exception_handler(Exception, unexpected)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.rate_limit > 0:
        buckets = TokenBuckets(settings.rate_limit, settings.rate_limit_burst)
        app.add_middleware(RateLimit, buckets=buckets, refusal=rate_limited)
    # outermost: it sees every answer, the limits' included
    app.add_middleware(Observe, metrics=state.metrics)

    for router in ROUTERS:
        app.include_router(router)
    return app
