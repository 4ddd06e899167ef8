"""The sync engine: push the outbox, pull the change feed, listen for live pokes.

One :class:`SyncEngine` per open project. It owns no data: the :class:`LocalStore` keeps the
records, the outbox, the cursor and the problems; the engine moves them to and from the
server and says how it is going through one :class:`SyncStatus` (the status bar's source).

Every store call runs in a thread (``asyncio.to_thread``): SQLite work never blocks the
TUI's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import queue
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

from golive_tui.domain.portfolio import Portfolio
from golive_tui.domain.wire import SnapshotHead
from golive_tui.store.rebase import Piece, RowsPiece
from golive_tui.sync.client import Gone, Later, Refused, SyncError, Transient
from golive_tui.sync.core import log
from golive_tui.sync.push import PushingEngine
from golive_tui.sync.status import RETRY_AFTER_CAP, Backoff, SyncNotice, SyncState, SyncStatus

__all__ = ["RETRY_AFTER_CAP", "Backoff", "SyncEngine", "SyncNotice", "SyncState", "SyncStatus"]

#: seconds between durable writes of the last sync time
SAVE_LAST_SYNC_EVERY = 60.0


class SyncEngine(PushingEngine):
    """Keeps one project's cache in sync with the server, offline-first.

    ``on_status`` gets a :class:`SyncStatus` whenever it changes; ``on_changes`` gets a
    :class:`SyncNotice` when changes arrive or the server refuses a change. Both may be
    plain functions or coroutines; an exception in one is logged, never fatal.
    """

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

    async def close(self) -> None:
        """Stop syncing for good and let go of the connection to the server (the outbox
        stays in the cache, sent when the project is opened again)."""
        await self.stop()
        await self.client.aclose()

    async def portfolio(self) -> Portfolio:
        """Every project of this user on the server (``GET /v1/portfolio``)."""
        return await self.client.portfolio()

    async def refresh_status(self) -> SyncStatus:
        """Re-read the queue and problem counts (after a local change or a dismissed problem)."""
        self._conflicts = None
        await self._publish()
        return self._status

    async def _cycle(self, *, push: bool = True) -> None:
        assert self._cycle_lock is not None
        async with self._cycle_lock:
            if self._state not in ("offline", "error"):
                await self._set("syncing")
            # when offline, the status stays "offline" until the server answers (_reached),
            # so the bar does not flicker to "syncing" on every retry
            if await self._needs_bootstrap():
                await self._bootstrap(as_it_comes=True)
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

    async def _needs_bootstrap(self) -> bool:
        if await self._store(lambda: self.store.cursor) > 0:
            return False
        marker = await self._store(self.store.get_state, f"bootstrapped:{self.project_id}")
        return marker is None

    async def _bootstrap(self, *, as_it_comes: bool = False) -> None:
        """Load the whole project from the server, keeping the outbox (pending ops rebase).

        ``as_it_comes``: the pieces are written while the rest downloads (the server, the
        download and the cache's writes overlap). Into an empty cache they go into a new
        file that then takes its place (``load_into_new_file``); otherwise that holds the
        cache's write lock for the whole download, so it is for a first load only, when
        nothing here waits to write; a reload after a 410 downloads first, and the user's
        changes meanwhile go on.
        """
        fresh = as_it_comes and await self._store(self.store.is_empty)
        # written as they come, the lines are validated by the thread that writes them
        pieces = self.client.snapshot_pieces(self.project_id, later=as_it_comes, arrays=fresh)
        try:
            head = await anext(pieces)
            assert isinstance(head, SnapshotHead)
            if not as_it_comes:
                await self._reached()  # written as they come: once the writing has begun
            if fresh:
                if await self._write_as_it_comes(head, pieces, fresh=True) is None:
                    # the cache was not empty by the end, or someone else had it open:
                    # nothing was kept, and the snapshot is loaded again into the cache
                    await pieces.aclose()
                    await self._bootstrap(as_it_comes=False)
                    return
            elif as_it_comes:
                await self._write_as_it_comes(head, pieces)
            else:
                got = [piece async for piece in pieces
                       if not isinstance(piece, SnapshotHead) and not callable(piece)]
                await self._store(self.store.replace_with_snapshot, self.project_id, got,
                                  head.server_seq, head.counts)
        finally:
            await pieces.aclose()
        self._known_seq = head.server_seq
        await self._notify(SyncNotice(reloaded=True))

    async def _write_as_it_comes(
        self, head: SnapshotHead, pieces: AsyncIterator[SnapshotHead | Piece | RowsPiece | Later], *,
        fresh: bool = False,
    ) -> int | None:
        """Hand each piece to the store's writing thread as it arrives; a download that
        fails or is cancelled ends the writing with an error, so nothing is kept.

        A line not yet validated (a :data:`Later`) is validated by the writing thread, so
        that one thread, not two, needs the interpreter lock for each row: the event loop
        only reads the download.

        ``fresh``: the cache is empty, and the pieces go into a new file that takes its
        place (None when it could not: then nothing was kept)."""
        arrived: queue.SimpleQueue[Piece | RowsPiece | Later | BaseException | None] = queue.SimpleQueue()
        write = self.store.load_into_new_file if fresh else self.store.replace_with_snapshot
        writing: asyncio.Future[int | None] = asyncio.ensure_future(self._store(
            write, self.project_id, _taken(arrived), head.server_seq, head.counts,
        ))
        try:
            # the status reads the cache in a thread (the first time, tens of milliseconds):
            # said once the writing has begun, it is not ahead of it on the way
            await self._reached()
            async for piece in pieces:
                if writing.done():
                    break  # the writing failed: its error is raised below
                if not isinstance(piece, SnapshotHead):
                    arrived.put(piece)
        except BaseException as exc:
            arrived.put(exc)
            with contextlib.suppress(Exception):
                await writing
            raise
        arrived.put(None)
        return await writing

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
                changes = page["changes"]
                # the cursor moves to the last change received, never to ``server_seq``: that
                # is the head, and anything committed between the two reads would be skipped
                reached = max((int(c["seq"]) for c in changes), default=cursor)
                if page["more"] and changes:
                    fetch = asyncio.ensure_future(
                        self.client.changes(self.project_id, reached, self.page_size)
                    )
                if changes:
                    await self._write_page(changes, reached)
                    cursor = reached
                if page["more"] and not changes:
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


class _Cut(Exception):
    """The snapshot's download ended early: what was written of it is rolled back."""


def _taken(
    arrived: queue.SimpleQueue[Piece | RowsPiece | Later | BaseException | None],
) -> Iterator[Piece | RowsPiece]:
    """The pieces put in ``arrived``, as they come, until ``None`` (a line not yet
    validated is validated here); a download's error, or a line's, raises here, in the
    writing thread, so that its transaction rolls back."""
    while (item := arrived.get()) is not None:
        if isinstance(item, BaseException):
            raise _Cut(str(item) or type(item).__name__)
        if callable(item):
            piece = item()
            if piece is not None:
                yield piece
        else:
            yield item
