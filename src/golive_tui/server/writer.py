"""The server's one writer: a thread that applies every push of this process, in groups.

Requests hand their push to :meth:`PushWriter.push` and wait. The thread takes the push at
the head of the queue and every push queued behind it (up to :data:`GROUP_OPS` ops), and
applies them in one write transaction with :func:`~golive_tui.server.apply.apply_group`.
Fifty clients that each push one op then cost one commit between them instead of fifty,
the event loop hands work to one thread instead of to a pool contending for the write lock,
and a client's push is answered as soon as the group it rode in has committed.

Replicas on PostgreSQL each run their own writer; the counter row locks in the
transaction keep their groups in ``seq`` order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from dataclasses import dataclass

from golive_tui.domain.wire import MAX_OPS_PER_PUSH
from golive_tui.server.apply import PushJob, PushOutcome, apply_group
from golive_tui.server.db import Database

log = logging.getLogger(__name__)


class WriterStopped(RuntimeError):
    """The server is shutting down and takes no more pushes."""


#: a group stops growing past this many ops, so one group never holds the lock for long
GROUP_OPS = 4 * MAX_OPS_PER_PUSH


@dataclass
class _Waiting:
    job: PushJob
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[PushOutcome]


def _settle(future: asyncio.Future[PushOutcome], outcome: PushOutcome | Exception) -> None:
    if future.done():  # the request went away; its push is applied all the same
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class PushWriter:
    """Applies pushes on one thread, several per transaction; see the module's text."""

    def __init__(self, db: Database, *, group_ops: int = GROUP_OPS) -> None:
        self._db = db
        self._group_ops = group_ops
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> PushWriter:
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="golive-writer", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Apply what is queued, then end the thread."""
        if self._thread is None:
            return
        self._stopping = True
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    async def push(self, job: PushJob) -> PushOutcome:
        """Queue ``job`` and wait for its outcome (its error is raised here)."""
        if self._thread is None or self._stopping:
            raise WriterStopped("The server is shutting down; push again in a moment.")
        loop = asyncio.get_running_loop()
        waiting = _Waiting(job, loop, loop.create_future())
        self._queue.put(waiting)
        return await waiting.future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            size = len(first.job.ops)
            stop = False
            while size < self._group_ops:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
                size += len(more.job.ops)
            self._apply(group)
            if stop:
                return

    def _apply(self, group: list[_Waiting]) -> None:
        try:
            outcomes = apply_group(self._db, [w.job for w in group])
        except Exception as exc:  # apply_group answers per push; this is a last resort
            log.exception("applying a group of %d pushes failed", len(group))
            outcomes = [exc] * len(group)
        for waiting, outcome in zip(group, outcomes, strict=True):
            with contextlib.suppress(RuntimeError):  # that request's loop has closed
                waiting.loop.call_soon_threadsafe(_settle, waiting.future, outcome)
