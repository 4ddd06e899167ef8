"""What the sync engine reports (its status for the status bar, notices for the screens) and
how it waits between tries (capped exponential backoff, honouring ``Retry-After``)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

SyncState = Literal["online", "offline", "syncing", "error"]


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
