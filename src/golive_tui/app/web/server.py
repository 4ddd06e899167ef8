"""textual-serve's server with golive's sign-in in front of every page and socket, and
:func:`serve`, which runs it until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import html
import shlex
import signal
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from golive_tui.app.exit_codes import ExitCode
from golive_tui.app.web.pages import (
    APP_BODY,
    APP_HEAD,
    PROJECT_BODY,
    login_page,
    page,
    project_choice,
    security_headers,
)
from golive_tui.app.web.sessions import (
    SESSION_COOKIE,
    SESSION_IDLE_SECONDS,
    BrowserSession,
    BrowserSessions,
    CacheSlots,
)
from golive_tui.config import save_token
from golive_tui.domain.wire import Me, ProjectRole
from golive_tui.sync.client import SyncClient, SyncError, Transient, Unauthorized
from golive_tui.tui.terminal import WEB_DRIVER

DEFAULT_PORT = 8767

#: environment of the web server that must not reach a browser's process: the web
#: server's own connection (the browser's is set in its place)
_PRIVATE_ENV = (
    "GOLIVE_PROFILE",
    "GOLIVE_INSECURE",
    "GOLIVE_TOKEN",
    "GOLIVE_TOKEN_FILE",
    "GOLIVE_CONFIG",
    "GOLIVE_SERVER_URL",
    "GOLIVE_USER",
    "GOLIVE_PROJECT_ID",
    "GOLIVE_DATA_DIR",
)


@dataclass(frozen=True)
class WebSettings:
    """What ``golive web`` serves, where, and for which golive server."""

    server_url: str
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    project_id: str | None = None
    ssl_context: ssl.SSLContext | None = None
    title: str = "golive"
    #: said on the console once serving (the demo's token, say)
    notice: str = ""
    #: the golive server is plain HTTP on another machine, and the user said so is fine
    insecure: bool = False


class _BrowserApp(AppService):
    """textual-serve's app process, run with one browser's connection in its environment."""

    def __init__(self, command: str, *, env: dict[str, str], **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self._env = env

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        for name in _PRIVATE_ENV:
            environment.pop(name, None)
        environment.update(self._env)
        return environment


class GoliveWebServer(Server):
    """textual-serve's server with golive's sign-in in front of every page and socket."""

    def __init__(self, settings: WebSettings) -> None:
        command = shlex.join([sys.executable, "-m", "golive_tui", "run"])
        super().__init__(command, host=settings.host, port=settings.port, title=settings.title)
        self.settings = settings
        self.sessions = BrowserSessions()
        self.slots = CacheSlots(settings.data_dir / "browsers", settings.server_url)
        self.tls = settings.ssl_context is not None
        self.url = ""

    # -- the aiohttp application --------------------------------------------------------

    async def make_app(self) -> web.Application:
        app = web.Application(middlewares=[security_headers])
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/login", self.handle_login_page, name="login"),
                web.post("/login", self.handle_login),
                web.get("/project", self.handle_project_page, name="project"),
                web.post("/project", self.handle_project),
                web.post("/logout", self.handle_logout),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_shutdown.append(self._close_sockets)
        return app

    def _session(self, request: web.Request) -> BrowserSession | None:
        return self.sessions.get(request.cookies.get(SESSION_COOKIE))

    def _same_origin(self, request: web.Request) -> bool:
        """A request a page of this server made: browsers name the page's origin on a POST
        and on opening a WebSocket; a client that names none is no browser to trick."""
        origin = request.headers.get("Origin")
        return origin is None or origin == f"{request.scheme}://{request.host}"

    # -- pages --------------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            raise web.HTTPSeeOther("/login")
        if session.project is None:
            raise web.HTTPSeeOther("/project")
        scheme = "wss" if request.secure else "ws"
        title = f"golive – {session.project.customer} – {session.me.user}"
        return page(
            title,
            APP_BODY.format(
                ws_url=html.escape(f"{scheme}://{request.host}/ws", quote=True),
                font_size=to_int(request.query.get("fontsize", "16"), 16),
                title=html.escape(title),
            ),
            head=APP_HEAD,
        )

    async def handle_login_page(self, request: web.Request) -> web.Response:
        if self._session(request) is not None:
            raise web.HTTPSeeOther("/")
        return login_page()

    async def handle_login(self, request: web.Request) -> web.Response:
        if not self._same_origin(request):
            raise web.HTTPForbidden(text="Sign in from golive's own page.")
        form = await request.post()
        token = str(form.get("token", "")).strip()
        if not token:
            return login_page("Paste your golive token.", status=400)
        try:
            async with SyncClient(self.settings.server_url, token, timeout=10.0) as client:
                me = await client.me()
        except Unauthorized:
            return login_page(
                "The golive server refused this token. Check it (tokens are shown once, when "
                "they are made) or ask your IPM for a new one.",
                status=401,
            )
        except Transient as exc:
            return login_page(f"The golive server cannot be reached: {exc.message}", status=503)
        except SyncError as exc:
            return login_page(f"The golive server refused: {exc.message}", status=502)
        project, refusal = self._pick_project(me)
        if refusal is not None:
            return login_page(refusal, status=403)
        session = self.sessions.open(token, me, project)
        response = web.HTTPSeeOther("/" if project is not None else "/project")
        response.set_cookie(
            SESSION_COOKIE,
            session.key,
            httponly=True,
            secure=self.tls,
            samesite="Strict",
            path="/",
            max_age=SESSION_IDLE_SECONDS,
        )
        raise response

    def _pick_project(self, me: Me) -> tuple[ProjectRole | None, str | None]:
        wanted = self.settings.project_id
        if wanted is not None:
            chosen = next((p for p in me.projects if p.project_id == wanted), None)
            if chosen is None:
                return None, f"{me.user} is not a member of project {wanted} on this server."
            return chosen, None
        if not me.projects:
            return None, (f"{me.user} is not a member of any project yet; ask the project's IPM.")
        return (me.projects[0] if len(me.projects) == 1 else None), None

    async def handle_project_page(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            raise web.HTTPSeeOther("/login")
        items = "".join(project_choice(p) for p in session.me.projects)
        return page(
            "golive – choose a project",
            PROJECT_BODY.format(
                user=html.escape(session.me.display_name or session.me.user), items=items
            ),
        )

    async def handle_project(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            raise web.HTTPSeeOther("/login")
        if not self._same_origin(request):
            raise web.HTTPForbidden(text="Choose the project on golive's own page.")
        wanted = str((await request.post()).get("project", ""))
        chosen = next((p for p in session.me.projects if p.project_id == wanted), None)
        if chosen is None:
            raise web.HTTPSeeOther("/project")
        session.project = chosen
        raise web.HTTPSeeOther("/")

    async def handle_logout(self, request: web.Request) -> web.Response:
        if not self._same_origin(request):
            raise web.HTTPForbidden(text="Sign out on golive's own page.")
        key = request.cookies.get(SESSION_COOKIE)
        session = self.sessions.close(key) if key else None
        if session is not None:
            for socket in list(session.sockets):
                await socket.close()
        response = web.HTTPSeeOther("/login")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        if self._session(request) is None:
            raise web.HTTPUnauthorized(text="Sign in first.")
        response: web.StreamResponse = await super().handle_download(request)
        return response

    # -- the app, one process per tab ---------------------------------------------------

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        session = self._session(request)
        if session is None or session.project is None:
            raise web.HTTPUnauthorized(text="Sign in first.")
        if not self._same_origin(request):
            raise web.HTTPForbidden(text="Open golive from its own page.")
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        websocket = web.WebSocketResponse(heartbeat=15)
        slot = self.slots.take(session.me.user)
        token_file = slot / "token"
        try:
            save_token(token_file, session.token)
            await websocket.prepare(request)
            session.sockets.add(websocket)
            service = _BrowserApp(
                self.command,
                env=self._process_env(session, slot),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            try:
                await self._process_messages(websocket, service)
            finally:
                await service.stop()
        finally:
            session.sockets.discard(websocket)
            token_file.unlink(missing_ok=True)
            self.slots.release(slot)
        return websocket

    def _process_env(self, session: BrowserSession, slot: Path) -> dict[str, str]:
        assert session.project is not None
        return {
            "TEXTUAL_DRIVER": WEB_DRIVER,
            # a config file of the tab's own (none): the web server's user's settings and
            # saved connection are not the browser user's
            "GOLIVE_CONFIG": str(slot / "config.toml"),
            "GOLIVE_SERVER_URL": self.settings.server_url,
            "GOLIVE_USER": session.me.user,
            "GOLIVE_PROJECT_ID": session.project.project_id,
            "GOLIVE_DATA_DIR": str(slot),
            "GOLIVE_TOKEN_FILE": str(slot / "token"),
            **({"GOLIVE_INSECURE": "true"} if self.settings.insecure else {}),
        }

    async def _close_sockets(self, _app: web.Application) -> None:
        for session in self.sessions.all():
            for socket in list(session.sockets):
                await socket.close()

    # -- serving ------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, ready: Callable[[str], None]) -> None:
        """Serve until ``stop`` is set; ``ready`` gets the URL once the port is bound."""
        runner = web.AppRunner(await self.make_app(), handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(
                runner,
                self.settings.host,
                self.settings.port,
                ssl_context=self.settings.ssl_context,
            )
            await site.start()
            port = _bound_port(runner)
            host = self.settings.host
            shown = f"[{host}]" if ":" in host else host
            self.url = f"{'https' if self.tls else 'http'}://{shown}:{port}"
            ready(self.url)
            await stop.wait()
        finally:
            await runner.cleanup()


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise RuntimeError("the web server bound no TCP port")


def serve(settings: WebSettings) -> int:
    """Run ``golive web`` until interrupted; its exit status."""
    server = GoliveWebServer(settings)

    def ready(url: str) -> None:
        print(
            f"golive web: serving {url} for the golive server {settings.server_url}; "
            "sign in there with a golive token. Ctrl+C stops it.",
            file=sys.stderr,
            flush=True,
        )
        if settings.notice:
            print(settings.notice, file=sys.stderr, flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        await server.run(stop, ready)

    try:
        asyncio.run(main())
    except OSError as exc:
        print(
            f"golive web: cannot serve on {settings.host}:{settings.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    print("golive web: stopped", file=sys.stderr)
    return ExitCode.OK
