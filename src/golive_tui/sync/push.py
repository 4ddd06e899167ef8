"""Pushing the outbox: batches of ops sent in order, their answers settled in the cache, a
batch the server refuses as a whole split until the culprit is found."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from golive_tui.domain.wire import OpResult, OpStatus, PushResponse
from golive_tui.store.outbox_rows import QueuedOp
from golive_tui.sync.client import Refused, SyncError
from golive_tui.sync.core import EngineCore
from golive_tui.sync.status import SyncNotice

#: whole-request refusals that are about the ops themselves (too big, malformed), so
#: splitting the batch finds the culprit; 401/403/404 are about us and keep every op
_BATCH_REFUSALS = frozenset({400, 413, 422})


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A batch of the outbox, and the body of its push."""

    ops: list[QueuedOp]
    body: bytes


class PushingEngine(EngineCore):
    """The push half of the engine."""

    async def _push_all(self) -> None:
        """Push the outbox batch after batch, settling each answer while the next is out.

        One push is on the wire at a time, so the server applies them in queue order. The
        next batch is read and encoded (in a thread) while one is on the wire, and goes out
        as soon as that one's answer arrives, before the answer is read; the cache settles
        batch n (in a thread) while batch n + 1 is on its way. The server then waits on
        the client only for the answer to travel.
        """
        settling: asyncio.Future[int] | None = None
        self._behind_target = 0
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
            try:
                await self._settled(settling)
            finally:
                await self._behind_done()

    def _prepare(self, after: int) -> _Prepared:
        """Runs in a thread: the next batch of the outbox after ``after``, and its body (the
        ops' JSON text joined: nothing is decoded or encoded again)."""
        ops = self.store.outbox_queued(self.batch_size, after)
        return _Prepared(ops, self._body(ops) if ops else b"")

    def _body(self, ops: Sequence[QueuedOp]) -> bytes:
        return self.client.push_body_of(self.store.client_id, [op.json for op in ops])

    async def _send(self, prepared: _Prepared) -> httpx.Response:
        return await self.client.send_push(self.project_id, prepared.body, len(prepared.ops))

    async def _settle_answer(self, batch: Sequence[QueuedOp], answer: httpx.Response) -> int:
        """Read a push's answer and settle it in the cache, both in a thread; returns how
        many ops were settled."""
        problems, settled, seq = await self._store(self._read_and_settle, batch, answer)
        await self._report(problems)
        if seq > self._behind_target:
            self._behind_target = seq
            if self._behind is None or self._behind.done():
                self._behind = asyncio.ensure_future(self._pull_behind())
        return settled

    async def _pull_behind(self) -> None:
        """Pull the feed up to the highest seq of the pushes settled so far, while the
        next pushes are on the wire: those changes are this cache's own ops, settled, so
        each is written as a plain record (nothing pending on it, no shadow), and the pull
        after the last push has only the last push's changes left to bring.

        Only whole pages are asked for, each no further than that seq (the feed's seqs
        leave no gap, so ``page_size`` changes after the cursor end there or before); what
        is left short of a page goes with the pull after the pushes. Best effort: a
        failure here leaves the cursor where it is, and that pull meets it again."""
        cursor = await self._store(lambda: self.store.cursor)
        while self._behind_target - cursor >= self.page_size and not self._stopping:
            try:
                page = await self.client.changes(self.project_id, cursor, self.page_size)
            except SyncError:
                return
            changes = page["changes"]
            if not changes:
                return
            reached = max(int(c["seq"]) for c in changes)
            await self._write_page(changes, reached)
            cursor = reached

    async def _behind_done(self) -> None:
        """Wait for the pull behind the pushes, if any (a store error is raised here)."""
        behind, self._behind = self._behind, None
        if behind is not None:
            await behind

    def _read_and_settle(
        self, batch: Sequence[QueuedOp], answer: httpx.Response
    ) -> tuple[list[dict[str, Any]], int, int]:
        results = _results_for(batch, self.client.read_push(answer))
        if not results:
            raise Refused(
                "The server answered a push without settling any change; stopping to "
                "avoid a loop. The changes stay queued.",
                code="no_progress",
            )
        problems = self.store.apply_push_results(results)
        return problems, len(results), max((r.seq or 0 for r in results), default=0)

    async def _settled(self, settling: asyncio.Future[int] | None) -> None:
        """Wait for the batch being settled, if any (its errors are raised here)."""
        if settling is not None:
            await settling
            await self._publish()

    async def _push(self, batch: Sequence[QueuedOp]) -> int:
        """Push one batch and settle its results before anything else; returns ops settled."""
        try:
            answer = await self.client.send_push(self.project_id, self._body(batch), len(batch))
            response = self.client.read_push(answer)
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


def _results_for(batch: Sequence[QueuedOp], response: PushResponse) -> list[OpResult]:
    """The server's answers to the ops of ``batch`` (anything else it sent is ignored)."""
    sent = {op.op_id for op in batch}
    return [r for r in response.results if r.op_id in sent]
