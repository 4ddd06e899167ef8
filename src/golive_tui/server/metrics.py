"""What a replica counts for Prometheus: requests, pushed ops, the feed, live clients.

Each app has its own registry (tests run several servers in one process). Counters are
per replica, as Prometheus expects: sum them over the replicas it scrapes. What the database
knows (each project's head) is read when ``/metrics`` is scraped; what only this replica
knows (its live streams, how far their clients have read) comes from memory.

The feed lag of a project is its head minus the cursor of the slowest client that has a
live stream open on this replica (the ``after`` it last asked the change feed for): how far
the furthest-behind connected person is from what everyone else already sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import anyio
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from golive_tui.domain.clock import utcnow
from golive_tui.domain.wire import OpResult
from golive_tui.server.db import Database
from golive_tui.server.tables import project_counter, webhook_delivery

if TYPE_CHECKING:
    from golive_tui.server.live import Broadcaster

# the "_created" series (when each counter was first used) only double what is scraped
disable_created_metrics()  # type: ignore[no-untyped-call]

#: request durations, in seconds: a push is milliseconds, a big snapshot seconds
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: the route label of requests that matched no route, so that scanners cannot make labels
UNMATCHED = "unmatched"


class Metrics:
    """One replica's metrics, in a registry of its own."""

    def __init__(self, db: Database, broadcaster: Broadcaster) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "golive_http_requests", "HTTP requests answered, by route and status",
            ["method", "route", "status"], registry=self.registry,
        )
        self.duration = Histogram(
            "golive_http_request_duration_seconds",
            "Time to answer a request (a live event stream: how long it stayed open)",
            ["method", "route"], buckets=BUCKETS, registry=self.registry,
        )
        self.push_ops = Counter(
            "golive_push_ops", "Ops received in pushes, by outcome (applied, rejected, "
            "conflict, duplicate: a replay answered from the op log)",
            ["outcome"], registry=self.registry,
        )
        self.compacted = Counter(
            "golive_feed_compacted_changes", "Changes deleted by the periodic compaction",
            registry=self.registry,
        )
        self.webhook_attempts = Counter(
            "golive_webhook_attempts", "Webhook delivery attempts made by this replica, by "
            "outcome: delivered (answered 2xx), retrying (no 2xx; tried again later), "
            "failed (no 2xx at the last attempt: given up)",
            ["outcome"], registry=self.registry,
        )
        #: (project, token id) -> the cursor the client last asked the change feed after
        self.cursors: dict[tuple[str, str], int] = {}
        self._live = _LiveCollector()
        self.registry.register(self._live)
        self.db = db
        self.broadcaster = broadcaster

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)

    def pushed(self, results: Sequence[OpResult]) -> None:
        counts: dict[str, int] = {}
        for result in results:
            counts[result.status.value] = counts.get(result.status.value, 0) + 1
        for outcome, count in counts.items():
            self.push_ops.labels(outcome).inc(count)

    def webhook_attempt(self, *, delivered: bool, last: bool) -> None:
        outcome = "delivered" if delivered else "failed" if last else "retrying"
        self.webhook_attempts.labels(outcome).inc()

    def read_feed(self, project_id: str, token_id: str, after: int) -> None:
        self.cursors[(project_id, token_id)] = after

    async def exposition(self) -> bytes:
        """The text exposition of every metric. On the event loop, which owns the live
        streams; the database is read in a worker thread."""
        heads, outbox = await anyio.to_thread.run_sync(_read, self.db)
        streams = self.broadcaster.streams()
        live = {(pid, token) for pid, token in streams if token is not None}
        cursors = self.cursors.copy()  # one step under the GIL, whatever threads add
        for key in cursors.keys() - live:
            # the client has no stream here any more: its cursor is not news
            self.cursors.pop(key, None)
        # no await from here on: the collector's data is this scrape's alone
        self._live.data = (heads, streams, {k: v for k, v in cursors.items() if k in live},
                           outbox)
        return generate_latest(self.registry)


#: webhook deliveries waiting to be sent, and the age in seconds of the oldest of them
_Outbox = tuple[int, float]


def _read(db: Database) -> tuple[dict[str, tuple[int, int]], _Outbox]:
    with db.read() as conn:
        heads = {
            str(r.project_id): (int(r.seq), int(r.compacted_through))
            for r in conn.execute(select(
                project_counter.c.project_id, project_counter.c.seq,
                project_counter.c.compacted_through,
            ))
        }
        pending, oldest = conn.execute(
            select(func.count(), func.min(webhook_delivery.c.created_at))
            .where(webhook_delivery.c.status == "pending")
        ).one()
    age = 0.0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())
    return heads, (int(pending), age)


_Data = tuple[
    dict[str, tuple[int, int]], list[tuple[str, str | None]], dict[tuple[str, str], int],
    _Outbox,
]


class _LiveCollector(Collector):
    """Gauges of one scrape: project heads, live clients and their lag."""

    def __init__(self) -> None:
        self.data: _Data = ({}, [], {}, (0, 0.0))

    def describe(self) -> Iterable[Metric]:
        return []  # known at scrape time only

    def collect(self) -> Iterator[Metric]:
        heads, streams, cursors, (pending, oldest) = self.data
        head = GaugeMetricFamily("golive_feed_head_seq", "The newest change of each project",
                                 labels=["project"])
        kept = GaugeMetricFamily("golive_feed_compacted_through_seq",
                                 "Changes up to this seq were compacted away",
                                 labels=["project"])
        for pid, (seq, through) in sorted(heads.items()):
            head.add_metric([pid], seq)
            kept.add_metric([pid], through)
        live = GaugeMetricFamily("golive_live_clients",
                                 "Open live event streams (SSE subscribers) on this replica",
                                 labels=["project"])
        lag = GaugeMetricFamily(
            "golive_feed_lag", "Head seq minus the cursor of the slowest client with a live "
            "stream on this replica", labels=["project"])
        counts: dict[str, int] = {}
        for pid, _token in streams:
            counts[pid] = counts.get(pid, 0) + 1
        for pid, count in sorted(counts.items()):
            live.add_metric([pid], count)
            seen = [after for (p, _t), after in cursors.items() if p == pid]
            if seen and pid in heads:
                lag.add_metric([pid], max(0, heads[pid][0] - min(seen)))
        waiting = GaugeMetricFamily("golive_webhook_outbox_pending",
                                    "Webhook deliveries waiting to be sent (all replicas)")
        waiting.add_metric([], pending)
        age = GaugeMetricFamily("golive_webhook_outbox_oldest_seconds",
                                "Age of the oldest webhook delivery still waiting (0: none)")
        age.add_metric([], oldest)
        yield from (head, kept, live, lag, waiting, age)
