"""The sync engine: push the outbox, pull the change feed, listen for live pokes.

One :class:`SyncEngine` per open project. It owns no data: the :class:`LocalStore` keeps the
records, the outbox, the cursor and the problems; the engine moves them to and from the
server and says how it is going through one :class:`SyncStatus` (the status bar's source).

Every store call runs in a thread (``asyncio.to_thread``): SQLite work never blocks the
TUI's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import httpx

from golive_tui.domain.ops import Op
from golive_tui.domain.wire import (
    DEFAULT_CHANGES_LIMIT,
    MAX_OPS_PER_PUSH,
    OpResult,
    OpStatus,
    PushResponse,
)
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import (
    Gone,
    Refused,
    SyncClient,
    SyncError,
    Transient,
)

__all__ = [
    "RETRY_AFTER_CAP", "Backoff", "SyncEngine", "SyncNotice", "SyncState", "SyncStatus",
    "last_sync_of",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

SyncState = Literal["online", "offline", "syncing", "error"]

#: whole-request refusals that are about the ops themselves (too big, malformed), so
#: splitting the batch finds the culprit; 401/403/404 are about us and keep every op
_BATCH_REFUSALS = frozenset({400, 413, 422})
#: seconds between durable writes of the last sync time
SAVE_LAST_SYNC_EVERY = 60.0


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A batch of the outbox, and the body of its push."""

    ops: list[Op]
    body: bytes


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the status bar says: online / offline / syncing, queue, last sync, conflicts."""

    state: SyncState = "offline"
    queued: int = 0
    last_sync: datetime | None = None
    #: changes the server refused or could not merge, waiting for the user (store.problems())
    conflicts: int = 0
    last_error: str = ""

    def describe(self, now: datetime | None = None) -> str:
        """A one-line summary, e.g. ``offline · 12 queued · synced 3 min ago · 1 conflict``."""
        parts: list[str] = [self.state]
        if self.queued:
            parts.append(f"{self.queued:,} queued")
        if self.last_sync is not None:
            age = ((now or datetime.now(UTC)) - self.last_sync).total_seconds()
            if age < 60:
                parts.append("synced just now")
            elif age < 3600:
                parts.append(f"synced {int(age // 60)} min ago")
            else:
                parts.append(f"synced {self.last_sync.astimezone(UTC):%H:%M} UTC")
        else:
            parts.append("never synced")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflict{'s' if self.conflicts != 1 else ''}")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class SyncNotice:
    """News for the screens: changes that arrived, and changes the server refused."""

    changes: Sequence[Mapping[str, Any]] = ()
    #: problems recorded by the store (rejected or conflicting ops), each with its reason
    problems: Sequence[Mapping[str, Any]] = ()
    #: the cache was reloaded from a snapshot: every screen should re-read
    reloaded: bool = False


#: the longest wait a server's ``Retry-After`` can ask for: past it (a day, from a proxy
#: that means "not today") the client would sit offline with its outbox long after the
#: server is back, so it asks again after five minutes instead
RETRY_AFTER_CAP = 300.0


@dataclass(slots=True)
class Backoff:
    """Capped exponential backoff with full jitter, honouring ``Retry-After`` up to a cap.

    Without ``Retry-After`` a delay is uniform in [0, min(cap, base × 2^attempt)]. With it,
    the delay is the server's wait (at most ``retry_after_cap``) plus that jitter, so the
    clients it turned away do not all come back in the same instant.
    """

    base: float = 0.5
    cap: float = 30.0
    attempt: int = 0
    rng: random.Random = field(default_factory=random.Random)
    retry_after_cap: float = RETRY_AFTER_CAP

    def next_delay(self, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * (2**self.attempt))
        self.attempt = min(self.attempt + 1, 30)
        delay = self.rng.uniform(0.0, ceiling)
        if retry_after is not None:
            delay += min(max(retry_after, 0.0), self.retry_after_cap)
        return delay

    def reset(self) -> None:
        self.attempt = 0


StatusCallback = Callable[[SyncStatus], Any]
NoticeCallback = Callable[[SyncNotice], Any]


class SyncEngine:
    """Keeps one project's cache in sync with the server, offline-first.

    ``on_status`` gets a :class:`SyncStatus` whenever it changes; ``on_changes`` gets a
    :class:`SyncNotice` when changes arrive or the server refuses a change. Both may be
    plain functions or coroutines; an exception in one is logged, never fatal.
    """

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

    # -- public --------------------------------------------------------------------------

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

    async def run(self) -> None:
        """Sync until :meth:`stop`: push, pull, wait for a poke, a kick or the timer."""
        self._bind_loop()
        self._stopping = False
        self._run_task = asyncio.current_task()
        await self._load_last_sync()
        await self._publish()
        if self.live:
            self._live_task = asyncio.create_task(self._live_loop(), name="golive-live")
        try:
            while not self._stopping:
                try:
                    await self._cycle()
                except Transient as exc:
                    await self._set("offline", exc.message)
                    delay = self.backoff.next_delay(exc.retry_after)
                    await self._sleep(delay, kicks=False)
                    continue
                except SyncError as exc:
                    # a refused token, another protocol, a missing project: retrying soon will
                    # not fix it, but keep trying slowly in case the server side is fixed
                    await self._set("error", exc.message)
                    await self._sleep(self.backoff.cap, kicks=False)
                    continue
                except Exception as exc:
                    log.exception("sync cycle failed")
                    await self._set("error", f"Sync failed unexpectedly: {exc}")
                    await self._sleep(self.backoff.cap, kicks=False)
                    continue
                self.backoff.reset()
                await self._sleep(self.poll_interval, kicks=True)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
        finally:
            await self._stop_live()
            await self._drain_inflight()

    async def sync_once(self) -> SyncStatus:
        """Push everything queued, then pull everything new; raises :class:`SyncError`."""
        return await self._once(push=True)

    async def pull_once(self) -> SyncStatus:
        """Bring the cache up to the server's head without sending the outbox.

        For a reader that must not act for the user (``golive status``, ``golive export``):
        the app sends what is queued when the user next opens it. Raises :class:`SyncError`.
        """
        status = await self._once(push=False)
        await self._save_last_sync()  # a reader runs once: its sync time is kept at once
        return status

    async def _once(self, *, push: bool) -> SyncStatus:
        self._bind_loop()
        if self._last_sync is None:
            await self._load_last_sync()
        try:
            await self._cycle(push=push)
        except Transient as exc:
            await self._set("offline", exc.message)
            raise
        except SyncError as exc:
            await self._set("error", exc.message)
            raise
        return self._status

    async def stop(self) -> None:
        """Stop syncing; waits for a store write in progress to finish (nothing half-done)."""
        self._stopping = True
        self._poke()
        task = self._run_task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._stop_live()
        refresh, self._refresh_task = self._refresh_task, None
        if refresh is not None:
            with contextlib.suppress(Exception):
                await refresh
        await self._drain_inflight()
        with contextlib.suppress(Exception):
            await self._save_last_sync()

    async def refresh_status(self) -> SyncStatus:
        """Re-read the queue and problem counts (after a local change or a dismissed problem)."""
        self._conflicts = None
        await self._publish()
        return self._status

    # -- one cycle: bootstrap if needed, push all, pull all -------------------------------

    async def _cycle(self, *, push: bool = True) -> None:
        assert self._cycle_lock is not None
        async with self._cycle_lock:
            if self._state not in ("offline", "error"):
                await self._set("syncing")
            # when offline, the status stays "offline" until the server answers (_reached),
            # so the bar does not flicker to "syncing" on every retry
            if await self._needs_bootstrap():
                await self._bootstrap()
            if push:
                await self._push_all()
            try:
                await self._pull_all()
            except Gone:
                await self._bootstrap()
                await self._pull_all()
            self._last_sync = datetime.now(UTC)
            if (
                self._saved_sync is None
                or (self._last_sync - self._saved_sync).total_seconds() >= SAVE_LAST_SYNC_EVERY
            ):
                await self._save_last_sync()
            await self._set("online", "")

    async def _save_last_sync(self) -> None:
        # a durable write costs an fsync: once a minute is plenty for "last synced at"
        if self._last_sync is None or self._last_sync == self._saved_sync:
            return
        stamp = self._last_sync.isoformat()
        await self._store(self.store.set_state, f"last_sync:{self.project_id}", stamp)
        self._saved_sync = self._last_sync

    async def _reached(self) -> None:
        """The server answered: from offline (or error), the state is syncing again."""
        if self._state != "syncing":
            await self._set("syncing")

    async def _needs_bootstrap(self) -> bool:
        if await self._store(lambda: self.store.cursor) > 0:
            return False
        marker = await self._store(self.store.get_state, f"bootstrapped:{self.project_id}")
        return marker is None

    async def _bootstrap(self) -> None:
        """Load the whole project from the server, keeping the outbox (pending ops rebase)."""
        snapshot = await self.client.snapshot(self.project_id)
        await self._reached()
        await self._store(
            self.store.replace_with_snapshot,
            self.project_id,
            snapshot.entities,
            snapshot.server_seq,
        )
        self._known_seq = snapshot.server_seq
        await self._store(
            self.store.set_state,
            f"bootstrapped:{self.project_id}",
            datetime.now(UTC).isoformat(),
        )
        await self._notify(SyncNotice(reloaded=True))

    async def _push_all(self) -> None:
        """Push the outbox batch after batch, settling each answer while the next is out.

        One push is on the wire at a time, so the server applies them in queue order. The
        next batch is read and encoded (in a thread) while one is on the wire, and goes out
        as soon as that one's answer arrives, before the answer is read; the cache settles
        batch n (in a thread) while batch n + 1 is on its way. The server then waits on
        the client only for the answer to travel.
        """
        settling: asyncio.Future[int] | None = None
        following: asyncio.Future[_Prepared] | None = None
        sending: asyncio.Future[httpx.Response] | None = None
        try:
            current = await self._store(self._prepare, 0)
            while current.ops and not self._stopping:
                batch = current.ops
                if sending is None:
                    sending = asyncio.ensure_future(self._send(current))
                following = asyncio.ensure_future(
                    self._store(self._prepare, batch[-1].client_seq)
                )
                try:
                    answer = await sending
                except Refused as exc:
                    sending = None
                    if exc.status not in _BATCH_REFUSALS:
                        raise
                    await self._settled(settling)
                    settling = None
                    await self._push(batch)  # halves the batch until the culprit is alone
                    await following
                    following = None
                    current = await self._store(self._prepare, 0)
                    continue
                sending = None
                current, following = await following, None
                if current.ops and not self._stopping:
                    sending = asyncio.ensure_future(self._send(current))
                await self._reached()
                await self._settled(settling)
                # the answer is read in the thread that settles it: the loop is free to put
                # the next push on the wire meanwhile
                settling = asyncio.ensure_future(self._settle_answer(batch, answer))
        finally:
            if sending is not None:
                # a push left ahead of an answer that could not be read: the server may have
                # applied it; it stays queued and a later push gets its first answer again
                sending.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await sending
            if following is not None:
                with contextlib.suppress(Exception):
                    await following
            await self._settled(settling)

    def _prepare(self, after: int) -> _Prepared:
        """Runs in a thread: the next batch of the outbox after ``after``, and its body."""
        ops = self.store.outbox_batch(self.batch_size, after)
        body = self.client.push_body(self.store.client_id, ops) if ops else b""
        return _Prepared(ops, body)

    async def _send(self, prepared: _Prepared) -> httpx.Response:
        return await self.client.send_push(self.project_id, prepared.body, len(prepared.ops))

    async def _settle_answer(self, batch: Sequence[Op], answer: httpx.Response) -> int:
        """Read a push's answer and settle it in the cache, both in a thread; returns how
        many ops were settled."""
        problems, settled = await self._store(self._read_and_settle, batch, answer)
        await self._report(problems)
        return settled

    def _read_and_settle(
        self, batch: Sequence[Op], answer: httpx.Response
    ) -> tuple[list[dict[str, Any]], int]:
        results = _results_for(batch, self.client.read_push(answer))
        if not results:
            raise Refused(
                "The server answered a push without settling any change; stopping to "
                "avoid a loop. The changes stay queued.",
                code="no_progress",
            )
        return self.store.apply_push_results(results), len(results)

    async def _settled(self, settling: asyncio.Future[int] | None) -> None:
        """Wait for the batch being settled, if any (its errors are raised here)."""
        if settling is not None:
            await settling
            await self._publish()

    async def _push(self, batch: Sequence[Op]) -> int:
        """Push one batch and settle its results before anything else; returns ops settled."""
        try:
            response = await self.client.push(self.project_id, self.store.client_id, batch)
        except Refused as exc:
            if exc.status not in _BATCH_REFUSALS:
                raise
            if len(batch) > 1:
                # one bad op must not wedge the queue: halve until the culprit is alone
                half = len(batch) // 2
                return await self._push(batch[:half]) + await self._push(batch[half:])
            op = batch[0]
            results = [OpResult(
                op_id=op.op_id, client_seq=op.client_seq, status=OpStatus.REJECTED,
                code=exc.code or "refused", reason=exc.message,
            )]
        else:
            await self._reached()
            results = _results_for(batch, response)
        return await self._settle(results)

    async def _settle(self, results: list[OpResult]) -> int:
        """Settle pushed ops in the cache; returns how many."""
        problems = await self._store(self.store.apply_push_results, results)
        await self._report(problems)
        return len(results)

    async def _report(self, problems: list[dict[str, Any]]) -> None:
        """Tell the screens of the changes a push left refused or in conflict."""
        if problems:
            self._conflicts = None  # count them again
            await self._notify(SyncNotice(problems=problems))

    async def _pull_all(self) -> None:
        cursor = await self._store(lambda: self.store.cursor)
        # each page after the first is asked for while the one before it is written to the
        # cache: its cursor is known as soon as that page arrives
        fetch: asyncio.Future[Any] | None = asyncio.ensure_future(
            self.client.changes(self.project_id, cursor, self.page_size)
        )
        try:
            while fetch is not None and not self._stopping:
                page, fetch = await fetch, None
                await self._reached()
                changes: list[dict[str, Any]] = page.model_dump()["changes"]
                # the cursor moves to the last change received, never to ``server_seq``: that
                # is the head, and anything committed between the two reads would be skipped
                reached = max((int(c["seq"]) for c in changes), default=cursor)
                if page.more and changes:
                    fetch = asyncio.ensure_future(
                        self.client.changes(self.project_id, reached, self.page_size)
                    )
                if changes:
                    fresh = await self._store(self.store.apply_changes, changes, reached)
                    self._known_seq = max(self._known_seq, reached)
                    cursor = reached
                    if fresh:
                        await self._notify(SyncNotice(changes=fresh))
                if page.more and not changes:
                    raise Refused(
                        "The server said more changes follow but sent none; stopping to avoid "
                        "a loop.",
                        code="no_progress",
                    )
        finally:
            if fetch is not None:
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch

    # -- live pokes ----------------------------------------------------------------------

    async def _live_loop(self) -> None:
        """Listen to the event stream; reconnect with backoff, resuming at Last-Event-ID."""
        last_id: int | None = None
        while not self._stopping:
            try:
                if last_id is None:
                    last_id = await self._store(lambda: self.store.cursor) or None
                async for seq in self.client.events(
                    self.project_id, last_id, on_open=self._on_live_open
                ):
                    last_id = max(last_id or 0, seq)
                    self.live_backoff.reset()
                    if seq > self._known_seq:
                        self._poke()
            except asyncio.CancelledError:
                raise
            except Transient as exc:
                delay = self.live_backoff.next_delay(exc.retry_after)
            except Gone:
                # the server cannot serve our cursor (compacted, or restored from a backup):
                # the pull meets the same answer and bootstraps; then resume at its cursor
                last_id = None
                self._poke()
                delay = self.live_backoff.next_delay()
            except SyncError:
                delay = self.live_backoff.cap
            except Exception:  # never let the live listener die silently
                log.exception("live event stream failed")
                delay = self.live_backoff.next_delay()
            else:
                delay = self.live_backoff.next_delay()
            await asyncio.sleep(delay)

    def _on_live_open(self) -> None:
        # connected again: whatever happened while the stream was down, pull it now
        self.live_backoff.reset()
        self._poke()

    def _poke(self) -> None:
        if self._poke_event is not None:
            self._poke_event.set()

    async def _stop_live(self) -> None:
        task, self._live_task = self._live_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- plumbing ------------------------------------------------------------------------

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


def last_sync_of(store: LocalStore, project_id: str) -> datetime | None:
    """When the cache last reached the server for ``project_id`` (None: never, as far as
    it recorded; the engine records it at most once a minute while it runs)."""
    stamp = store.get_state(f"last_sync:{project_id}")
    if stamp:
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(stamp)
    return None


def _results_for(batch: Sequence[Op], response: PushResponse) -> list[OpResult]:
    """The server's answers to the ops of ``batch`` (anything else it sent is ignored)."""
    sent = {op.op_id for op in batch}
    return [r for r in response.results if r.op_id in sent]
