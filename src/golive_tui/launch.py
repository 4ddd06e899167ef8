"""Starting golive for real: on the embedded demo server, or on a connected server."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from golive_tui.domain.enums import Role

DEMO_USER = "demo"


def run_embedded_demo(workdir: Path, *, theme: str | None = None) -> int:
    """``golive demo``: a server on a free loopback port, the demo project, and the app."""
    from golive_tui.config import load_settings, load_token, save_token
    from golive_tui.server.admin import (
        create_project,
        ensure_user,
        grant,
        issue_token,
        list_projects,
        open_database,
    )
    from golive_tui.server.embedded import EmbeddedServer
    from golive_tui.store.local import LocalStore
    from golive_tui.tui.connected import sync_starter
    from golive_tui.tui.factory import create_app

    ui = load_settings().ui
    db_url = f"sqlite:///{workdir / 'server.db'}"
    token_file = workdir / "token"
    db = open_database(db_url)
    projects = list_projects(db)
    token = load_token(token_file)
    if not projects or token is None:
        project_id = projects[0].id if projects else create_project(db, demo=True)[0]
        ensure_user(db, DEMO_USER, "Demo IPM")
        grant(db, DEMO_USER, project_id, Role.IPM)
        token = issue_token(db, DEMO_USER).token
        save_token(token_file, token)
    else:
        project_id = projects[0].id
    db.dispose()
    with EmbeddedServer(db_url=db_url) as server:
        print(f"golive demo: server at {server.url}, data in {workdir}", file=sys.stderr)
        app = create_app(
            lambda: LocalStore(workdir / "cache.db", actor=DEMO_USER, role=Role.IPM,
                               project_id=project_id),
            start_sync=sync_starter(server.url, token, project_id, user=DEMO_USER),
            theme=theme or ui.theme,
            keymap=ui.keymap,
        )
        app.run()
    return 0


def run_connected(cache: Path | None = None) -> int:
    """``golive``: open the app on the server saved by ``golive connect``."""
    from golive_tui.config import load_settings, load_token
    from golive_tui.store.local import LocalStore
    from golive_tui.tui.connected import sync_starter
    from golive_tui.tui.factory import create_app

    settings = load_settings()
    if not settings.server_url:
        print("golive is not connected to a server yet.\n"
              "  golive connect URL --token TOKEN   connect to your team's server\n"
              "  golive demo                        try it on the demo go-live",
              file=sys.stderr)
        return 2
    try:
        token = load_token(settings.token_file)
    except PermissionError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return 2
    if not token or not settings.project_id or not settings.user:
        print("golive: the saved connection is incomplete; run golive connect again.",
              file=sys.stderr)
        return 2
    role = _role(settings.server_url, token, settings.project_id)
    path = cache or settings.cache_path()
    app = create_app(
        lambda: LocalStore(path, actor=settings.user or "", role=role,
                           project_id=settings.project_id),
        start_sync=sync_starter(settings.server_url, token, settings.project_id,
                                user=settings.user),
        keymap=settings.ui.keymap,
        theme=settings.ui.theme,
    )
    app.run()
    return 0


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
