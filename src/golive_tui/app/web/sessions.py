"""The browsers signed in to ``golive web`` (by the random key in their cookie), and the
cache folder each open tab's process gets."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from golive_tui.domain.wire import Me, ProjectRole

SESSION_COOKIE = "golive_session"
#: how long a sign-in lasts without being used
SESSION_IDLE_SECONDS = 12 * 3600


@dataclass
class BrowserSession:
    """One browser's sign-in: the token it gave, who it is, and the project it opened."""

    key: str
    token: str
    me: Me
    project: ProjectRole | None
    last_seen: float
    sockets: set[web.WebSocketResponse] = field(default_factory=set)


class BrowserSessions:
    """The signed-in browsers, by the random key in their cookie (kept in memory: a
    restart of the web server signs everyone out)."""

    def __init__(
        self,
        idle_seconds: float = SESSION_IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._by_key: dict[str, BrowserSession] = {}
        self._idle = idle_seconds
        self._clock = clock

    def open(self, token: str, me: Me, project: ProjectRole | None) -> BrowserSession:
        self._forget_lapsed()  # sign-ins nobody came back to
        session = BrowserSession(secrets.token_urlsafe(32), token, me, project, self._clock())
        self._by_key[session.key] = session
        return session

    def get(self, key: str | None) -> BrowserSession | None:
        session = self._by_key.get(key or "")
        if session is None:
            return None
        if self._lapsed(session):
            del self._by_key[session.key]
            return None
        session.last_seen = self._clock()
        return session

    def _lapsed(self, session: BrowserSession) -> bool:
        return self._clock() - session.last_seen > self._idle and not session.sockets

    def _forget_lapsed(self) -> None:
        for session in [s for s in self._by_key.values() if self._lapsed(s)]:
            del self._by_key[session.key]

    def close(self, key: str) -> BrowserSession | None:
        return self._by_key.pop(key, None)

    def all(self) -> list[BrowserSession]:
        return list(self._by_key.values())


class CacheSlots:
    """A cache folder per open tab: ``<root>/<user>-<hash>/<n>``, the lowest ``n`` free."""

    def __init__(self, root: Path, server_url: str) -> None:
        self.root = root
        self._server_url = server_url
        self._taken: set[Path] = set()

    def take(self, user: str) -> Path:
        digest = hashlib.sha256(f"{self._server_url}\n{user}".encode()).hexdigest()[:10]
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in user)[:40] or "user"
        folder = self.root / f"{safe}-{digest}"
        n = 0
        while folder / str(n) in self._taken:
            n += 1
        slot = folder / str(n)
        self._taken.add(slot)
        slot.mkdir(parents=True, exist_ok=True, mode=0o700)
        return slot

    def release(self, slot: Path) -> None:
        self._taken.discard(slot)
