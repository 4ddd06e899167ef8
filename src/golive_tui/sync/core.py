"""The sync engine's state and plumbing: store calls in threads, the status it publishes,
the notices it sends, and the kicks and sleeps of its loop."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from golive_tui.domain.wire import DEFAULT_CHANGES_LIMIT, MAX_OPS_PER_PUSH
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.status import (
    Backoff,
    NoticeCallback,
    StatusCallback,
    SyncNotice,
    SyncState,
    SyncStatus,
)

#: one logger for the whole engine, under the name it has always logged as
log = logging.getLogger("golive_tui.sync.engine")
T = TypeVar("T")


def last_sync_of(store: LocalStore, project_id: str) -> datetime | None:
    """When the cache last reached the server for ``project_id`` (None: never, as far as
    it recorded; the engine records it at most once a minute while it runs)."""
    stamp = store.get_state(f"last_sync:{project_id}")
    if stamp:
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(stamp)
    return None


class EngineCore:
    """The engine's state, and the plumbing every part of it uses."""

    def __init__(
        self,
        store: LocalStore,
        client: SyncClient,
        project_id: str,
        *,
        on_status: StatusCallback | None = None,
        on_changes: NoticeCallback | None = None,
        poll_interval: float = 30.0,
        backoff: Backoff | None = None,
        batch_size: int = MAX_OPS_PER_PUSH,
        page_size: int = DEFAULT_CHANGES_LIMIT,
        live: bool = True,
    ) -> None:
        if not store.project_id:
            store.project_id = project_id
        elif store.project_id != project_id:
            raise ValueError(
                f"This cache holds project {store.project_id}, not {project_id}; "
                "open the project's own cache."
            )
        self.store = store
        self.client = client
        self.project_id = project_id
        self.on_status = on_status
        self.on_changes = on_changes
        self.poll_interval = poll_interval
        self.backoff = backoff or Backoff()
        self.live_backoff = Backoff(base=self.backoff.base, cap=self.backoff.cap,
                                    retry_after_cap=self.backoff.retry_after_cap)
        self.batch_size = min(batch_size, MAX_OPS_PER_PUSH)
        self.page_size = page_size
        self.live = live
        self._status = SyncStatus()
        self._state: SyncState = "offline"
        self._last_error = ""
        self._last_sync: datetime | None = None
        self._saved_sync: datetime | None = None
        #: len(store.problems()), re-counted only when a push recorded some (or on request)
        self._conflicts: int | None = None
        self._kick_event: asyncio.Event | None = None
        self._poke_event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._cycle_lock: asyncio.Lock | None = None
        self._inflight: set[asyncio.Future[Any]] = set()
        self._run_task: asyncio.Task[None] | None = None
        self._live_task: asyncio.Task[None] | None = None
        self._refresh_task: asyncio.Future[None] | None = None
        #: the highest seq this cache has applied, so live pokes for it are not re-pulled
        self._known_seq = 0
        #: the pull behind the pushes (``PushingEngine._pull_behind``), and the seq it goes to
        self._behind: asyncio.Future[None] | None = None
        self._behind_target = 0

    @property
    def status(self) -> SyncStatus:
        return self._status

    def kick(self) -> None:
        """A local change was made: push it now, and count it in the status at once.

        Safe to call from any thread. While backing off from an unreachable server a kick
        does not cut the wait short, but the status still shows the new queue length.
        """
        loop = self._loop
        if loop is None or self._kick_event is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._on_kick()
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._on_kick)

    def _on_kick(self) -> None:
        assert self._kick_event is not None
        self._kick_event.set()
        if self._refresh_task is None or self._refresh_task.done():
            self._refresh_task = asyncio.ensure_future(self._publish())

    def _bind_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._kick_event = asyncio.Event()
            self._poke_event = asyncio.Event()
            self._cycle_lock = asyncio.Lock()

    async def _sleep(self, seconds: float, *, kicks: bool) -> None:
        """Wait ``seconds``; a live poke or a stop ends it early, and so does a kick if asked.

        While backing off, local changes do not cut the wait short (they would hammer an
        unreachable server); the live stream coming back does.
        """
        assert self._poke_event is not None and self._kick_event is not None
        if self._stopping:
            return
        waiters = [asyncio.ensure_future(self._poke_event.wait())]
        if kicks:
            waiters.append(asyncio.ensure_future(self._kick_event.wait()))
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._poke_event.clear()
        if kicks:
            self._kick_event.clear()

    async def _store(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store call in a thread; a stop waits for it rather than abandoning it."""
        future: asyncio.Future[T] = asyncio.ensure_future(asyncio.to_thread(fn, *args))
        self._inflight.add(future)
        future.add_done_callback(self._inflight.discard)
        return await asyncio.shield(future)

    async def _drain_inflight(self) -> None:
        pending = [f for f in self._inflight if not f.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _load_last_sync(self) -> None:
        stamp = await self._store(last_sync_of, self.store, self.project_id)
        if stamp is not None:
            self._last_sync = self._saved_sync = stamp

    async def _reached(self) -> None:
        """The server answered: from offline (or error), the state is syncing again."""
        if self._state != "syncing":
            await self._set("syncing")

    async def _set(self, state: SyncState, error: str | None = None) -> None:
        self._state = state
        if error is not None:
            self._last_error = error
        await self._publish()

    async def _publish(self) -> None:
        queued, conflicts = await self._store(self._counts)
        status = SyncStatus(
            state=self._state,
            queued=queued,
            last_sync=self._last_sync,
            conflicts=conflicts,
            last_error=self._last_error,
        )
        if status == self._status:
            return
        self._status = status
        if self.on_status is not None:
            await self._call(self.on_status, status)

    def _counts(self) -> tuple[int, int]:
        if self._conflicts is None:
            self._conflicts = len(self.store.problems())
        return self.store.outbox_count(), self._conflicts

    async def _write_page(self, changes: list[dict[str, Any]], reached: int) -> None:
        """A page of the feed written to the cache, its cursor moved to ``reached`` (the
        page's last seq); the screens are told of the records it changed."""
        fresh = await self._store(self.store.apply_changes, changes, reached)
        self._known_seq = max(self._known_seq, reached)
        if fresh:
            await self._notify(SyncNotice(changes=fresh))

    async def _notify(self, notice: SyncNotice) -> None:
        if self.on_changes is not None:
            await self._call(self.on_changes, notice)

    @staticmethod
    async def _call(callback: Callable[[Any], Any], value: Any) -> None:
        try:
            result = callback(value)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("sync callback %r failed", callback)
