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

from golive_tui.app.web.binding import bind_refusal, tls_context
from golive_tui.app.web.server import DEFAULT_PORT, WebSettings, serve
from golive_tui.app.web.sessions import SESSION_COOKIE, BrowserSessions

__all__ = [
    "DEFAULT_PORT",
    "SESSION_COOKIE",
    "BrowserSessions",
    "WebSettings",
    "bind_refusal",
    "serve",
    "tls_context",
]
