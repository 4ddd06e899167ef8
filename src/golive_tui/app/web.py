"""``golive web``: the app in a browser, through Textual's own web serving (textual-serve).

A browser signs in with the person's golive token, which is checked against the golive
server (``/v1/me``) and kept on this web server, under a random key held in an HttpOnly,
SameSite=Strict cookie (Secure under TLS); it never goes in a URL. Each browser tab then
runs its own ``golive`` process, connected to the golive server with that token: the
token reaches the process in a file readable by its owner only, named by an environment
variable, never on a command line. Each tab's process has a cache folder of its own
(``browsers/<user>/<n>``), reused by the next tab once it closes, so queued changes survive
a reload and two tabs never share a cache.

Serving beyond this machine (a host other than loopback) needs TLS (``--certfile`` and
``--keyfile``) or an explicit ``--insecure-bind``: over plain HTTP, anyone on the network
could read the tokens people sign in with.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import secrets
import shlex
import signal
import ssl
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from golive_tui.app.exit_codes import ExitCode
from golive_tui.config import save_token
from golive_tui.domain.wire import Me, ProjectRole
from golive_tui.sync.client import SyncClient, SyncError, Transient, Unauthorized, is_loopback
from golive_tui.tui.terminal import WEB_DRIVER

__all__ = [
    "DEFAULT_PORT",
    "SESSION_COOKIE",
    "BrowserSessions",
    "WebSettings",
    "bind_refusal",
    "serve",
    "tls_context",
]

DEFAULT_PORT = 8767
SESSION_COOKIE = "golive_session"
#: how long a sign-in lasts without being used
SESSION_IDLE_SECONDS = 12 * 3600

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


# --------------------------------------------------------------------------- binding


def bind_refusal(host: str, *, tls: bool, insecure_bind: bool) -> str | None:
    """Why serving on ``host`` is refused, or None when it is allowed."""
    if tls or insecure_bind or is_loopback(host):
        return None
    return (
        f"golive web: refusing to serve on {host} over plain HTTP: anyone on that network "
        "could read the tokens people sign in with.\n"
        "  --certfile CERT --keyfile KEY   serve over HTTPS (recommended)\n"
        "  --host 127.0.0.1                serve this machine only (e.g. behind a TLS proxy)\n"
        "  --insecure-bind                 serve plain HTTP anyway, on a network you trust"
    )


def tls_context(certfile: Path | None, keyfile: Path | None) -> ssl.SSLContext | None:
    """The server's TLS context from a certificate and its key (PEM); ValueError with a
    message a person can act on when they are missing or unusable."""
    if certfile is None and keyfile is None:
        return None
    if certfile is None or keyfile is None:
        raise ValueError("golive web: TLS needs both --certfile and --keyfile.")
    for what, path in (("certificate", certfile), ("key", keyfile)):
        if not path.is_file():
            raise ValueError(f"golive web: the {what} file {path} does not exist.")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(
            f"golive web: cannot use {certfile} with {keyfile} for TLS ({exc}); both must "
            "be PEM files, the key matching the certificate."
        ) from None
    return context


# --------------------------------------------------------------------------- sessions


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


# --------------------------------------------------------------------------- the server


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
        app = web.Application(middlewares=[_security_headers])
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
        return _page(
            title,
            _APP_BODY.format(
                ws_url=html.escape(f"{scheme}://{request.host}/ws", quote=True),
                font_size=to_int(request.query.get("fontsize", "16"), 16),
                title=html.escape(title),
            ),
            head=_APP_HEAD,
        )

    async def handle_login_page(self, request: web.Request) -> web.Response:
        if self._session(request) is not None:
            raise web.HTTPSeeOther("/")
        return _login_page()

    async def handle_login(self, request: web.Request) -> web.Response:
        if not self._same_origin(request):
            raise web.HTTPForbidden(text="Sign in from golive's own page.")
        form = await request.post()
        token = str(form.get("token", "")).strip()
        if not token:
            return _login_page("Paste your golive token.", status=400)
        try:
            async with SyncClient(self.settings.server_url, token, timeout=10.0) as client:
                me = await client.me()
        except Unauthorized:
            return _login_page(
                "The golive server refused this token. Check it (tokens are shown once, when "
                "they are made) or ask your IPM for a new one.",
                status=401,
            )
        except Transient as exc:
            return _login_page(f"The golive server cannot be reached: {exc.message}", status=503)
        except SyncError as exc:
            return _login_page(f"The golive server refused: {exc.message}", status=502)
        project, refusal = self._pick_project(me)
        if refusal is not None:
            return _login_page(refusal, status=403)
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
        items = "".join(_project_choice(p) for p in session.me.projects)
        return _page(
            "golive – choose a project",
            _PROJECT_BODY.format(
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


# --------------------------------------------------------------------------- HTML

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _protect(response)
        raise
    _protect(response)
    return response


def _protect(response: web.StreamResponse) -> None:
    if response.prepared:  # a WebSocket, a download under way
        return
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: with no-referrer a browser names no origin on a POST
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self' 'unsafe-inline'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
    )
    if response.content_type == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")


_STYLE = """
body { background: #0c181f; color: #e8eef2; font-family: system-ui, sans-serif; margin: 0; }
main { max-width: 34rem; margin: 12vh auto; padding: 2rem; background: #12232d; }
h1 { font-size: 1.4rem; margin-top: 0; }
label, p { display: block; line-height: 1.5; }
input[type=password] { width: 100%; box-sizing: border-box; padding: .6rem; margin: .5rem 0 1rem; }
button { padding: .6rem 1.4rem; background: #2f6fdf; color: #fff; border: 0; cursor: pointer; }
ul { list-style: none; padding: 0; } li { margin: .5rem 0; }
.error { color: #ffb4a8; }
"""


def _page(title: str, body: str, *, status: int = 200, head: str = "") -> web.Response:
    text = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>{head}</head>"
        f"<body>{body}</body></html>"
    )
    return web.Response(text=text, content_type="text/html", status=status)


def _project_choice(project: ProjectRole) -> str:
    value = html.escape(project.project_id, quote=True)
    return (
        f'<li><button name="project" value="{value}">{html.escape(project.name)} for '
        f"{html.escape(project.customer)}, as {html.escape(project.role.value)}"
        "</button></li>"
    )


def _login_page(error: str = "", *, status: int = 200) -> web.Response:
    shown = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return _page("golive – sign in", _LOGIN_BODY.format(error=shown), status=status)


_LOGIN_BODY = """<main>
<h1>Sign in to golive</h1>
<form method="post" action="/login" autocomplete="off">
<label for="token">Your golive token (the one <code>golive connect</code> takes)</label>
<input type="password" id="token" name="token" autocomplete="off" required autofocus>
{error}
<button type="submit">Sign in</button>
</form>
</main>"""

_PROJECT_BODY = """<main>
<h1>Which project, {user}?</h1>
<form method="post" action="/project"><ul>{items}</ul></form>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>
</main>"""

# textual-serve's own page (its template), with the fonts it ships and a sign-out
_APP_HEAD = """<link rel="stylesheet" href="/static/css/xterm.css">
<script src="/static/js/textual.js"></script>
<style>
@font-face { font-family: "Roboto Mono";
  src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf"); }
html, body { height: 100%; overflow: hidden; }
#terminal { position: absolute; inset: 0; }
.ended { display: none; position: absolute; inset: 0; align-items: center;
  justify-content: center; flex-direction: column; gap: 1rem; background: #0c181f; z-index: 10; }
body.-closed .ended { display: flex; }
</style>"""

_APP_BODY = """<div class="ended" role="dialog">
<p>The golive session ended.</p>
<button type="button" onclick="window.location.reload()">Open it again</button>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>
</div>
<div id="terminal" class="textual-terminal" aria-label="{title}"
 data-session-websocket-url="{ws_url}" data-font-size="{font_size}"></div>"""
