"""Starting golive for real: on the embedded demo server, or on a connected server."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from golive_tui.domain.enums import Role

if TYPE_CHECKING:
    from golive_tui.tui.app import GoLiveApp

DEMO_USER = "demo"
#: who the demo signs in as, by the role asked for with ``golive demo --as``: the IPM, the
#: demo project's customer main contact (she co-signs a wave's go-live and accepts the
#: project), or its service desk (he acknowledges the hand-off)
DEMO_MEMBERS: dict[Role, tuple[str, str]] = {
    Role.IPM: (DEMO_USER, "Demo IPM"),
    Role.CUSTOMER: ("dana.whitfield", "Dana Whitfield"),
    Role.SUPPORT: ("sanjay.patel", "Sanjay Patel"),
}
#: the client's log, beside its cache
LOG_NAME = "golive.log"
#: the demo project's id, in the demo's folder
DEMO_PROJECT_FILE = "project"

log = logging.getLogger(__name__)


def log_to(folder: Path) -> Path:
    """Send golive's log (why it stopped, what the sync engine ran into) to a file there.

    The screen is the terminal's, so nothing is logged to it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=1, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("golive_tui")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path


def run_app(app: GoLiveApp) -> int:
    """Run the app until it is quit or its terminal goes; its exit status, said in the log."""
    app.run()
    # What the app made is left for the interpreter's exit, whose collections would walk
    # it all again: most of a second on a busy machine, when a lost terminal has 2 s.
    gc.freeze()
    status = app.return_code or 0
    store = app.store
    queued = "no cache open"
    if store is not None:
        try:
            count = store.outbox_count()
        except Exception as exc:  # the log line matters more than the count
            queued = f"the outbox could not be read: {exc}"
        else:
            queued = f"{count} change{'' if count == 1 else 's'} in the outbox"
        finally:
            store.close()
    if app.terminal_lost is not None:
        log.warning("stopping with status %d: %s; %s for the next start",
                    status, app.terminal_lost, queued)
    else:
        log.info("quit with status %d; %s", status, queued)
    return status


@dataclass(frozen=True)
class DemoServer:
    """The demo's server database in its folder, its project and the demo user's token."""

    db_url: str
    project_id: str
    token: str


def demo_files(role: Role) -> tuple[str, str]:
    """The token file and the cache file of the demo member with ``role``."""
    if role is Role.IPM:
        return "token", "cache.db"
    return f"token-{role.value}", f"cache-{role.value}.db"


def prepare_demo(workdir: Path, role: Role = Role.IPM) -> DemoServer:
    """The demo's server database, made with the demo project and user at the first start
    and kept after: a restart continues where the last one stopped. ``role`` picks the
    member signed in (its own token and cache)."""
    from golive_tui.config import load_token, save_token
    from golive_tui.server.admin import (
        create_project,
        ensure_user,
        grant,
        issue_token,
        list_projects,
        open_database,
    )

    db_url = f"sqlite:///{workdir / 'server.db'}"
    user, display = DEMO_MEMBERS[role]
    token_file = workdir / demo_files(role)[0]
    db = open_database(db_url)
    ids = [p.id for p in list_projects(db)]
    token = load_token(token_file)
    # the demo's own project, kept by id: projects added to the demo server beside it (to
    # try the portfolio) must not take its place at the next start
    project_file = workdir / DEMO_PROJECT_FILE
    known = project_file.read_text().strip() if project_file.exists() else ""
    project_id = known if known in ids else (ids[0] if ids else "")
    if not project_id or token is None:
        project_id = project_id or create_project(db, demo=True)[0]
        ensure_user(db, user, display)
        grant(db, user, project_id, role)
        token = issue_token(db, user).token
        save_token(token_file, token)
    db.dispose()
    if known != project_id:
        project_file.write_text(project_id)
    return DemoServer(db_url=db_url, project_id=project_id, token=token)


def run_embedded_demo(
    workdir: Path, *, theme: str | None = None, role: Role = Role.IPM
) -> int:
    """``golive demo``: a server on a free loopback port, the demo project, and the app."""
    from golive_tui.config import load_settings
    from golive_tui.server.embedded import EmbeddedServer
    from golive_tui.tui.connected import Connection
    from golive_tui.tui.factory import create_app

    ui = load_settings().ui
    demo = prepare_demo(workdir, role)
    project_id = demo.project_id
    cache = workdir / demo_files(role)[1]

    def cache_for(project: str) -> Path:
        return cache if project == project_id else cache.with_stem(f"{cache.stem}-{project}")

    with EmbeddedServer(db_url=demo.db_url) as server:
        print(f"golive demo: server at {server.url}, data in {workdir}", file=sys.stderr)
        log.info("demo server at %s, data in %s", server.url, workdir)
        connection = Connection(server.url, demo.token, DEMO_MEMBERS[role][0], cache_for)
        open_store, start_sync = connection.project(project_id, role)
        app = create_app(
            open_store,
            start_sync=start_sync,
            open_project=connection.project,
            theme=theme or ui.theme,
            keymap=ui.keymap,
        )
        status = run_app(app)
    log.info("demo server stopped")
    return status


def run_connected(cache: Path | None = None) -> int:
    """``golive``: open the app on the server saved by ``golive connect``."""
    from golive_tui.app.exit_codes import ExitCode
    from golive_tui.config import load_settings, load_token
    from golive_tui.sync.client import plain_http_refusal
    from golive_tui.tui.connected import Connection
    from golive_tui.tui.factory import create_app

    settings = load_settings()
    if not settings.server_url:
        print("golive is not connected to a server yet.\n"
              "  golive connect URL   connect to your team's server (it asks for your token)\n"
              "  golive demo          try it on the demo go-live",
              file=sys.stderr)
        return ExitCode.USAGE
    refusal = plain_http_refusal(settings.server_url, insecure=settings.insecure)
    if refusal is not None:
        print(f"golive: {refusal}", file=sys.stderr)
        return ExitCode.REFUSED
    try:
        token = load_token(settings.token_file)
    except PermissionError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return ExitCode.AUTH
    if not token or not settings.project_id or not settings.user:
        print("golive: the saved connection is incomplete; run golive connect again.",
              file=sys.stderr)
        return ExitCode.USAGE
    role = _role(settings.server_url, token, settings.project_id)
    path = cache or settings.cache_path()
    project_id = settings.project_id

    def cache_for(project: str) -> Path:
        # the app's cache holds the project it was connected to; every other its own
        return path if project == project_id else settings.cache_path(project_id=project)

    connection = Connection(settings.server_url, token, settings.user, cache_for)
    open_store, start_sync = connection.project(project_id, role)
    app = create_app(
        open_store,
        start_sync=start_sync,
        open_project=connection.project,
        keymap=settings.ui.keymap,
        theme=settings.ui.theme,
    )
    log_to(settings.data_dir)
    return run_app(app)


def _role(server_url: str, token: str, project_id: str) -> Role:
    """The user's role in the project, asked of the server; offline, the server decides."""
    from golive_tui.sync.client import SyncClient, SyncError

    async def ask() -> Role | None:
        client = SyncClient(server_url, token)
        try:
            me = await client.me()
        finally:
            await client.aclose()
        return next((p.role for p in me.projects if p.project_id == project_id), None)

    try:
        role = asyncio.run(asyncio.wait_for(ask(), timeout=5))
    except (SyncError, TimeoutError, OSError):
        role = None
    # offline: allow the edit locally; the server checks every op and refuses with a reason
    return role or Role.IPM
