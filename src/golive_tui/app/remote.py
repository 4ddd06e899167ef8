"""What every command that talks to a server shares: which server, project and token.

``--server URL`` and ``--project ID`` default to the profile's (saved by ``golive connect``);
the token comes from ``GOLIVE_TOKEN`` or the profile's token file, never from the command
line. The profile's token goes only to the profile's own server, and no token goes over
plain HTTP to another machine unless ``--insecure`` is said.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from golive_tui.app.exit_codes import ExitCode
from golive_tui.config import Settings, load_settings, load_token
from golive_tui.sync.client import (
    NotFoundError,
    SyncError,
    Transient,
    Unauthorized,
    plain_http_refusal,
)

__all__ = [
    "TOKEN_ENV",
    "CommandError",
    "Connection",
    "add_server_arguments",
    "exit_code_for",
    "normalise_url",
    "resolve_connection",
]

#: the environment variable a script puts its token in
TOKEN_ENV = "GOLIVE_TOKEN"


class CommandError(Exception):
    """A command stops here: ``message`` for stderr, ``code`` for the exit status."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class Connection:
    """The server, project and token one command uses."""

    server: str
    project_id: str
    token: str
    settings: Settings
    #: the user the profile saved, when the token is the profile's own (else None)
    user: str | None


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """``--server``, ``--project`` and ``--insecure``, the same for every such command."""
    parser.add_argument("--server", metavar="URL", default=None,
                        help="the golive server (default: the one `golive connect` saved)")
    parser.add_argument("--project", metavar="ID", default=None,
                        help="the project (default: the one `golive connect` saved)")
    parser.add_argument("--insecure", action="store_true",
                        help="allow sending the token over plain HTTP to another machine")


def normalise_url(url: str) -> str:
    """A server address as typed, made a base URL: no trailing slash, ``http://`` if bare."""
    url = url.strip().rstrip("/")
    if url and "://" not in url:
        url = f"http://{url}"
    return url


def resolve_connection(args: argparse.Namespace, *, needs_project: bool = True) -> Connection:
    """The connection ``args`` and the profile name; raises :class:`CommandError`.

    ``needs_project=False`` for a command over all of the user's projects (its
    ``project_id`` is then ``""`` unless one was named)."""
    try:
        settings = load_settings()
    except ValueError as exc:
        raise CommandError(str(exc), ExitCode.USAGE) from exc
    saved = normalise_url(settings.server_url or "")
    server = normalise_url(args.server) if args.server else saved
    if not server:
        raise CommandError(
            "no server: say --server URL, or connect this profile once with "
            "`golive connect URL`.",
            ExitCode.USAGE,
        )
    same_server = server == saved
    refusal = plain_http_refusal(
        server, insecure=bool(args.insecure) or (same_server and settings.insecure)
    )
    if refusal is not None:
        raise CommandError(refusal, ExitCode.REFUSED)
    project_id = getattr(args, "project", None) or settings.project_id or ""
    if not project_id and needs_project:
        raise CommandError(
            "no project: say --project ID (your projects are listed by `golive connect URL`).",
            ExitCode.USAGE,
        )
    token = os.environ.get(TOKEN_ENV, "").strip()
    # whose the token is: the profile's user when it is the profile's token; a token from
    # the environment may be anyone's, and the server says whose when asked
    user = None if token or not same_server else settings.user
    if not token:
        if not same_server:
            held = f"belongs to {saved}" if saved else "is not there"
            raise CommandError(
                f"no token for {server}: set {TOKEN_ENV}, or connect a profile to it with "
                f"`golive --profile NAME connect {server}` (this profile's saved token {held}).",
                ExitCode.AUTH,
            )
        try:
            token = load_token(settings.token_file) or ""
        except PermissionError as exc:
            raise CommandError(str(exc), ExitCode.AUTH) from exc
        if not token:
            raise CommandError(
                f"no token: set {TOKEN_ENV}, or run `golive connect {server}` again "
                f"(there is none in {settings.token_file}).",
                ExitCode.AUTH,
            )
    return Connection(server, project_id, token, settings, user)


def exit_code_for(error: SyncError) -> ExitCode:
    """The exit status for what the server (or the network) answered."""
    if isinstance(error, Transient):
        return ExitCode.OFFLINE
    if isinstance(error, Unauthorized) or error.status == 403:
        return ExitCode.AUTH
    if isinstance(error, NotFoundError):
        return ExitCode.NOT_FOUND
    return ExitCode.REFUSED
