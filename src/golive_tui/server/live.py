"""Live fan-out: who should pull now.

Every replica keeps an in-process :class:`Broadcaster`. A push publishes its last ``seq``
there as soon as it is committed. With PostgreSQL, a :class:`PgChangeListener` on one
dedicated connection per replica ``LISTEN``s to ``golive_changes`` (each push sends
``NOTIFY golive_changes, 'project_id:last seq'``, delivered on commit), so a push through
replica A reaches the event streams of replica B. A :class:`CounterPoller` reads the
counters of the watched projects every few seconds, which catches whatever a lost
notification, a reconnect or an admin command in another process left unsaid.

Events are pokes, not data: a subscriber only learns the newest ``seq`` and pulls the
change feed, so coalescing many publishes into one event loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import anyio
import psycopg

from golive_tui.server.accounts import live_access
from golive_tui.server.apply_rules import NOTIFY_CHANNEL
from golive_tui.server.db import Database, libpq_conninfo
from golive_tui.server.feed import head_seqs

log = logging.getLogger(__name__)


class Subscription:
    """One event stream's view of a project: the newest ``seq`` heard, and a wake-up."""

    def __init__(self, project_id: str, token_id: str | None = None) -> None:
        self.project_id = project_id
        #: the token the stream was opened with; the stream ends when it loses access
        self.token_id = token_id
        self.latest = 0
        self.closed = False
        self._wake = asyncio.Event()

    def offer(self, seq: int) -> None:
        if seq > self.latest:
            self.latest = seq
            self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def wait(self, timeout: float) -> bool:
        """Wait for news (or closing) up to ``timeout`` seconds; False when nothing came."""
        try:
            # asyncio.timeout, not wait_for: no task of its own for each wait, which a
            # publish to a thousand streams would make and schedule a thousand times over
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        except TimeoutError:
            return False
        self._wake.clear()
        return True


class Broadcaster:
    """In-process fan-out of "project P is now at seq N" to every open event stream."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}
        self.closed = False

    def subscribe(self, project_id: str, token_id: str | None = None) -> Subscription:
        sub = Subscription(project_id, token_id)
        if self.closed:
            sub.close()
        self._subscribers.setdefault(project_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subscribers.get(sub.project_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subscribers[sub.project_id]

    def publish(self, project_id: str, seq: int) -> None:
        for sub in list(self._subscribers.get(project_id, ())):
            sub.offer(seq)

    def watched_projects(self) -> list[str]:
        return list(self._subscribers)

    def watching_tokens(self) -> set[str]:
        """The tokens that open streams were opened with."""
        return {
            sub.token_id
            for subs in self._subscribers.values()
            for sub in subs
            if sub.token_id is not None
        }

    def end_streams_without(self, access: set[tuple[str, str]]) -> int:
        """End each stream whose (token, project) is not in ``access``; returns how many."""
        ended = 0
        for project_id, subs in self._subscribers.items():
            for sub in subs:
                if sub.token_id is not None and (sub.token_id, project_id) not in access:
                    sub.close()
                    ended += 1
        return ended

    def streams(self) -> list[tuple[str, str | None]]:
        """(project, token id) of every open stream."""
        return [
            (project_id, sub.token_id)
            for project_id, subs in self._subscribers.items()
            for sub in subs
        ]

    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

    def close(self) -> None:
        """End every stream (server shutting down); clients reconnect elsewhere."""
        self.closed = True
        for subs in self._subscribers.values():
            for sub in subs:
                sub.close()


class CounterPoller:
    """Publishes the counters of watched projects every ``interval`` seconds.

    It also ends the streams of tokens revoked since, or of people no longer members of
    the project: a stream delivers at most ``interval`` seconds after its access ended.
    """

    def __init__(self, db: Database, broadcaster: Broadcaster, interval: float) -> None:
        self.db = db
        self.broadcaster = broadcaster
        self.interval = interval

    async def poll_once(self) -> None:
        projects = self.broadcaster.watched_projects()
        if not projects:
            return
        tokens = self.broadcaster.watching_tokens()
        if tokens:
            access = await anyio.to_thread.run_sync(self._live_access, tokens)
            ended = self.broadcaster.end_streams_without(access)
            if ended:
                log.info("ended %d event streams whose token or membership is gone", ended)
        heads = await anyio.to_thread.run_sync(head_seqs, self.db, projects)
        for project_id, seq in heads.items():
            self.broadcaster.publish(project_id, seq)

    def _live_access(self, tokens: set[str]) -> set[tuple[str, str]]:
        with self.db.read() as conn:
            return live_access(conn, tokens)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.poll_once()
            except Exception:
                log.warning("the fallback poll of the change counters failed", exc_info=True)


class PgChangeListener:
    """``LISTEN golive_changes`` on one dedicated connection; reconnects with backoff."""

    def __init__(
        self,
        db: Database,
        broadcaster: Broadcaster,
        on_connect: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.conninfo = libpq_conninfo(db.url)
        self.broadcaster = broadcaster
        self.on_connect = on_connect
        self.listening = asyncio.Event()

    def _handle(self, payload: str) -> None:
        project_id, _, raw_seq = payload.rpartition(":")
        try:
            seq = int(raw_seq)
        except ValueError:
            log.warning("ignored a malformed %s payload: %r", NOTIFY_CHANNEL, payload)
            return
        self.broadcaster.publish(project_id, seq)

    async def run(self) -> None:
        delay = 0.5
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.listening.set()
                    delay = 0.5
                    if self.on_connect is not None:
                        # whatever was committed while we were not listening
                        await self.on_connect()
                    async for notice in conn.notifies():
                        self._handle(notice.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.listening.clear()
                log.warning("LISTEN %s lost (%s); reconnecting in %.1fs", NOTIFY_CHANNEL, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)


async def cancel_and_wait(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
