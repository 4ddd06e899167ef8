"""``golive connect URL --token TOKEN [--project PID]``: check a server and remember it.

Checks ``/healthz`` (reachable, same protocol) and ``/v1/me`` (the token is accepted), then
saves the token in its own 0600 file and the server, user and project in the config file.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO

from golive_tui.config import load_settings, save_token, update_config
from golive_tui.domain.wire import Health, Me
from golive_tui.sync.client import (
    ProtocolMismatch,
    SyncClient,
    SyncError,
    Transient,
    Unauthorized,
)

__all__ = ["add_connect_arguments", "connect_command"]

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_UNREACHABLE = 2


def add_connect_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments ``connect_command`` reads: ``url``, ``--token``, ``--project``."""
    parser.add_argument("url", help="the golive server, e.g. https://golive.example.net")
    parser.add_argument(
        "--token", required=True, help="your API token (shown once when it was made)"
    )
    parser.add_argument(
        "--project", default=None, metavar="PID",
        help="the project to open by default (asked of the server when you have several)",
    )


def connect_command(
    args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run ``golive connect``; returns the process exit code (0 connected, 1 refused, 2 unreachable)."""
    out = out or sys.stdout
    err = err or sys.stderr
    url = str(args.url).strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    token = str(args.token).strip()
    if not token:
        print("golive connect: the token is empty; pass --token TOKEN.", file=err)
        return EXIT_REFUSED
    try:
        health, me = asyncio.run(_check(url, token))
    except Transient as exc:
        print(
            f"golive connect: cannot reach {url}: {exc.message}\n"
            "Check the address and that the server is running (`golive server`).",
            file=err,
        )
        return EXIT_UNREACHABLE
    except Unauthorized:
        print(
            f"golive connect: {url} refused the token. Check it (tokens are shown once when "
            "they are made) or ask your IPM for a new one.",
            file=err,
        )
        return EXIT_REFUSED
    except ProtocolMismatch as exc:
        print(f"golive connect: {exc.message}", file=err)
        return EXIT_REFUSED
    except SyncError as exc:
        print(f"golive connect: {url} answered but refused: {exc.message}", file=err)
        return EXIT_REFUSED

    project_id: str | None = args.project
    chosen = None
    if project_id is not None:
        chosen = next((p for p in me.projects if p.project_id == project_id), None)
        if chosen is None:
            known = ", ".join(p.project_id for p in me.projects) or "none"
            print(
                f"golive connect: {me.user} is not a member of project {project_id} on {url} "
                f"(your projects: {known}). Nothing was saved.",
                file=err,
            )
            return EXIT_REFUSED
    elif len(me.projects) == 1:
        chosen = me.projects[0]
        project_id = chosen.project_id

    settings = load_settings()
    save_token(settings.token_file, token)
    path = update_config({"server_url": url, "user": me.user, "project_id": project_id})

    print(
        f"Connected to {url} (golive server {health.version}, {health.database}, "
        f"protocol {health.protocol}) as {me.display_name or me.user} ({me.user}).",
        file=out,
    )
    if chosen is not None:
        print(
            f"Project: {chosen.name} for {chosen.customer} ({chosen.project_id}), "
            f"your role: {chosen.role.value}.",
            file=out,
        )
    elif me.projects:
        print("You are a member of several projects; pick one with --project:", file=out)
        for p in me.projects:
            print(f"  {p.project_id}  {p.name} ({p.customer}), {p.role.value}", file=out)
    else:
        print("You are not a member of any project yet; ask the project's IPM.", file=out)
    print(f"Token saved to {settings.token_file} (mode 600); settings in {path}.", file=out)
    return EXIT_OK


async def _check(url: str, token: str) -> tuple[Health, Me]:
    async with SyncClient(url, token, timeout=10.0) as client:
        health = await client.health()
        me = await client.me()
    return health, me
