"""The HTML ``golive web`` serves itself (sign-in, project choice, the app's page) and the
security headers on every response."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from aiohttp import web

from golive_tui.domain.wire import ProjectRole

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        protect(response)
        raise
    protect(response)
    return response


def protect(response: web.StreamResponse) -> None:
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


def page(title: str, body: str, *, status: int = 200, head: str = "") -> web.Response:
    text = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>{head}</head>"
        f"<body>{body}</body></html>"
    )
    return web.Response(text=text, content_type="text/html", status=status)


def project_choice(project: ProjectRole) -> str:
    value = html.escape(project.project_id, quote=True)
    return (
        f'<li><button name="project" value="{value}">{html.escape(project.name)} for '
        f"{html.escape(project.customer)}, as {html.escape(project.role.value)}"
        "</button></li>"
    )


def login_page(error: str = "", *, status: int = 200) -> web.Response:
    shown = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return page("golive – sign in", LOGIN_BODY.format(error=shown), status=status)


LOGIN_BODY = """<main>
<h1>Sign in to golive</h1>
<form method="post" action="/login" autocomplete="off">
<label for="token">Your golive token (the one <code>golive connect</code> takes)</label>
<input type="password" id="token" name="token" autocomplete="off" required autofocus>
{error}
<button type="submit">Sign in</button>
</form>
</main>"""

PROJECT_BODY = """<main>
<h1>Which project, {user}?</h1>
<form method="post" action="/project"><ul>{items}</ul></form>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>
</main>"""

# textual-serve's own page (its template), with the fonts it ships and a sign-out
APP_HEAD = """<link rel="stylesheet" href="/static/css/xterm.css">
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

APP_BODY = """<div class="ended" role="dialog">
<p>The golive session ended.</p>
<button type="button" onclick="window.location.reload()">Open it again</button>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>
</div>
<div id="terminal" class="textual-terminal" aria-label="{title}"
 data-session-websocket-url="{ws_url}" data-font-size="{font_size}"></div>"""
