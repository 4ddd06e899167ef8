"""Per-token rate limiting: a token bucket for each token, ``429`` with ``Retry-After`` past it.

Each token may make ``rate`` requests a second on average and ``burst`` in a row. The buckets
live in the process: with several replicas behind a load balancer each replica keeps its
own, so a token's effective limit is up to ``rate`` times the number of replicas it reaches.
Requests without a bearer token are not limited here (they get 401 before any work).

It is plain ASGI, so a refused request costs no body read, no database and no thread, and a
live event stream that is let through is never buffered.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

#: past this many buckets, the ones that have refilled (idle tokens) are forgotten
MAX_BUCKETS = 50_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """``take(key)``: 0 when a request may go now, else the seconds until it may."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limit needs a rate above 0 and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        full = [
            key for key, b in self._buckets.items()
            if b.tokens + (now - b.stamp) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]


def bearer_token_id(scope: Scope) -> str | None:
    """The id part of the request's bearer token (never the secret part), if it sends one."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = bytes(value).decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip().partition(".")[0]
            return None
    return None


#: the answer to a refused request, given the whole seconds to wait
Refusal = Callable[[int], ASGIApp]


class RateLimit:
    """ASGI middleware: each bearer token's requests through its own bucket."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets, refusal: Refusal) -> None:
        self.app = app
        self.buckets = buckets
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            key = bearer_token_id(scope)
            if key is not None:
                wait = self.buckets.take(key)
                if wait > 0:
                    # whole seconds on the wire, rounded up: the client that waits that long
                    # finds a request's worth in its bucket
                    await self.refusal(max(1, math.ceil(wait)))(scope, receive, send)
                    return
        await self.app(scope, receive, send)
