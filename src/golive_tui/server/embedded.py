"""A real server in a background thread: ``golive demo`` and the tests use it.

uvicorn serves the app on a loopback socket bound before it starts (port 0 picks a free
port, race-free), and :meth:`EmbeddedServer.start` returns once ``/healthz`` answers.
"""

from __future__ import annotations

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
        self._server: uvicorn.Server | None = None
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
        self._server = uvicorn.Server(config)
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
        self._server.should_exit = True
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
