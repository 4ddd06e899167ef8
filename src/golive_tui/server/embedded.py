"""A real server in a background thread: ``golive demo`` and the tests use it.

uvicorn serves the app on a loopback socket bound before it starts (port 0 picks a free
port, race-free), and :meth:`EmbeddedServer.start` returns once ``/healthz`` answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from types import TracebackType

import uvicorn

from golive_tui.server.app import create_app
from golive_tui.server.settings import ServerSettings
from golive_tui.server.state import ServerState

log = logging.getLogger(__name__)
uvicorn_log = logging.getLogger("uvicorn.error")

#: uvicorn's own methods that :class:`_PromptServer` is a copy of, with the SHA-256 of their
#: source as copied (uvicorn 0.54.0); a test compares these with the installed uvicorn
COPIED_FROM_UVICORN = {
    "main_loop": "afccb353a119333f206ffa120abc9efdc46a1ac60fe93485acfda2a271d75a62",
    "shutdown": "9b33c50562992b1e3cef2a9611408ece6c01d46ee17eaae2091b6091bf826eab",
}
#: what uvicorn waits, at most, between two looks at ``should_exit`` and for the
#: connections it asked to close
_TICK = 0.1


class _PromptServer(uvicorn.Server):
    """uvicorn's server, which stops as soon as it is told to, not at its next tick.

    uvicorn looks at ``should_exit`` every 0.1 s, and once stopping it sleeps 0.1 s whatever
    is open; stopping an embedded server took 0.2 s of nothing. Here :meth:`exit_soon` wakes
    the loop at once, and the shutdown waits for the connections it asked to close only
    while one is still open, for at most the same 0.1 s. Otherwise ``main_loop`` and
    ``shutdown`` are uvicorn's own (``COPIED_FROM_UVICORN``).
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def exit_soon(self) -> None:
        """``should_exit``, seen at once by the serving loop (from any thread)."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: it has stopped
                loop.call_soon_threadsafe(wake.set)

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter += 1
            counter = counter % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), _TICK)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        uvicorn_log.info("Shutting down")

        # Stop accepting new connections.
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()

        # Request shutdown on all existing connections, and give them uvicorn's 0.1 s to close.
        for connection in list(self.server_state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        closed_by = loop.time() + _TICK
        while self.server_state.connections and loop.time() < closed_by:
            await asyncio.sleep(_TICK / 20)

        try:
            await asyncio.wait_for(
                self._wait_tasks_to_complete(),
                timeout=self.config.timeout_graceful_shutdown,
            )
        except TimeoutError:
            uvicorn_log.error(
                "Cancel %s running task(s), timeout graceful shutdown exceeded",
                len(self.server_state.tasks),
            )
            for t in self.server_state.tasks:
                t.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")

        # Send the lifespan shutdown event, and wait for application shutdown.
        if not self.force_exit:
            await self.lifespan.shutdown()


class EmbeddedServerError(RuntimeError):
    """The embedded server did not come up."""


class EmbeddedServer:
    """``with EmbeddedServer(settings) as server: ... server.url ...``"""

    def __init__(
        self,
        settings: ServerSettings | None = None,
        *,
        db_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 30.0,
        log_level: str = "warning",
    ) -> None:
        base = settings or ServerSettings()
        updates: dict[str, object] = {"host": host, "port": port}
        if db_url is not None:
            updates["db_url"] = db_url
        self.settings = base.model_copy(update=updates)
        self.startup_timeout = startup_timeout
        self.log_level = log_level
        self.app = create_app(self.settings)
        self._server: _PromptServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._error: BaseException | None = None
        self.port: int = 0

    @property
    def url(self) -> str:
        if not self.port:
            raise EmbeddedServerError("the embedded server is not running")
        return f"http://{self.settings.host}:{self.port}"

    @property
    def state(self) -> ServerState:
        state: ServerState = self.app.state.golive
        return state

    def start(self) -> EmbeddedServer:
        if self._thread is not None:
            return self
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say
        # they are TCP, and without it every keep-alive response waits ~40 ms (Nagle)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.settings.host, self.settings.port))
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_level=self.log_level,
            lifespan="on",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = _PromptServer(config)
        self._thread = threading.Thread(
            target=self._serve, name=f"golive-server-{self.port}", daemon=True
        )
        self._thread.start()
        self._wait_until_healthy()
        return self

    def _serve(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start()
            self._error = exc

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last: str = "no answer yet"
        while time.monotonic() < deadline:
            if self._thread is not None and not self._thread.is_alive():
                self.port_closed()
                raise EmbeddedServerError(
                    f"the embedded server stopped while starting: {self._error or 'see the log'}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            time.sleep(0.02)
        self.stop()
        raise EmbeddedServerError(
            f"the embedded server did not answer /healthz within {self.startup_timeout:.0f}s "
            f"({last})"
        )

    def port_closed(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def stop(self) -> None:
        """Stop serving: end live streams, let requests finish, join the thread."""
        if self._server is None or self._thread is None:
            return
        self.state.shutdown_streams()
        self._server.exit_soon()
        self._thread.join(timeout=15)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout=5)
        self.port_closed()
        self._thread = None
        self._server = None

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
