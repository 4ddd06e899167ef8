"""``golive connect URL [--project PID]``: check a server and remember it.

The token is read from a prompt, from standard input (``--token-stdin``), from
``GOLIVE_TOKEN`` or from a file (``--token-file``), never from the command line, where other
users see it in the process list and the shell keeps it in its history. Checks ``/healthz``
(reachable, same protocol) and ``/v1/me`` (the token is accepted), then saves the token in
its own 0600 file and the server, user and project in the profile's config file.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path
from typing import TextIO

from golive_tui.app.exit_codes import ExitCode
from golive_tui.app.remote import TOKEN_ENV, normalise_url
from golive_tui.config import load_settings, save_token, update_config
from golive_tui.domain.wire import Health, Me
from golive_tui.sync.client import (
    ProtocolMismatch,
    SyncClient,
    SyncError,
    Transient,
    Unauthorized,
    plain_http_refusal,
)

__all__ = ["add_connect_arguments", "connect_command"]

#: the ways to give a token, for the messages that need one
TOKEN_WAYS = (
    "  golive connect URL                          asks for it (typing is not shown)\n"
    "  golive connect URL --token-stdin < FILE     reads it from standard input\n"
    "  golive connect URL --token-file FILE        reads it from a file\n"
    f"  {TOKEN_ENV}=… golive connect URL           reads it from the environment"
)
TOKEN_ON_COMMAND_LINE = (
    "golive connect: --token is no longer accepted: a token on the command line is seen by "
    "every user of this machine (in the process list) and kept in your shell's history. "
    "Give it one of these ways instead:\n" + TOKEN_WAYS
)


def add_connect_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments ``connect_command`` reads."""
    parser.add_argument("url", help="the golive server, e.g. https://golive.example.net")
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--token-stdin", action="store_true",
                       help="read the token from standard input (e.g. from a secret store)")
    given.add_argument("--token-file", type=Path, metavar="FILE",
                       help="read the token from this file")
    # kept only to explain why it is refused and what to do instead
    given.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument(
        "--project", default=None, metavar="PID",
        help="the project to open by default (asked of the server when you have several)",
    )
    parser.add_argument("--insecure", action="store_true",
                        help="allow sending the token over plain HTTP to another machine")


def read_token(args: argparse.Namespace, *, stdin: TextIO | None = None) -> str:
    """The token from stdin, a file, the environment or a prompt; '' when there is none."""
    stdin = stdin or sys.stdin
    if args.token_stdin:
        return stdin.readline().strip()
    if args.token_file is not None:
        return Path(args.token_file).read_text(encoding="utf-8").strip()
    from_env = os.environ.get(TOKEN_ENV, "").strip()
    if from_env:
        return from_env
    if stdin.isatty():
        return getpass.getpass("API token (shown once when it was made): ").strip()
    return ""


def connect_command(
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run ``golive connect``; returns the process exit status (:class:`ExitCode`)."""
    out = out or sys.stdout
    err = err or sys.stderr
    if args.token is not None:
        print(TOKEN_ON_COMMAND_LINE, file=err)
        return ExitCode.USAGE
    url = normalise_url(str(args.url))
    refusal = plain_http_refusal(url, insecure=args.insecure)
    if refusal is not None:
        print(f"golive connect: {refusal}", file=err)
        return ExitCode.REFUSED
    try:
        token = read_token(args, stdin=stdin)
    except OSError as exc:
        print(f"golive connect: cannot read the token: {exc}", file=err)
        return ExitCode.USAGE
    if not token:
        print(f"golive connect: no token given. Give it one of these ways:\n{TOKEN_WAYS}",
              file=err)
        return ExitCode.USAGE
    try:
        health, me = asyncio.run(_check(url, token))
    except Transient as exc:
        print(
            f"golive connect: cannot reach {url}: {exc.message}\n"
            "Check the address and that the server is running (`golive server`).",
            file=err,
        )
        return ExitCode.OFFLINE
    except Unauthorized:
        print(
            f"golive connect: {url} refused the token. Check it (tokens are shown once when "
            "they are made) or ask your IPM for a new one.",
            file=err,
        )
        return ExitCode.AUTH
    except ProtocolMismatch as exc:
        print(f"golive connect: {exc.message}", file=err)
        return ExitCode.REFUSED
    except SyncError as exc:
        print(f"golive connect: {url} answered but refused: {exc.message}", file=err)
        return ExitCode.REFUSED

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
            return ExitCode.NOT_FOUND
    elif len(me.projects) == 1:
        chosen = me.projects[0]
        project_id = chosen.project_id

    settings = load_settings()
    save_token(settings.token_file, token)
    path = update_config({"server_url": url, "user": me.user, "project_id": project_id,
                          "insecure": True if args.insecure else None})

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
    return ExitCode.OK


async def _check(url: str, token: str) -> tuple[Health, Me]:
    async with SyncClient(url, token, timeout=10.0) as client:
        health = await client.health()
        me = await client.me()
    return health, me
