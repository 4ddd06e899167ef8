"""What every ``golive server`` and ``golive admin`` command shares: the ``--db`` option,
the database it opens, and the one way a refusal ends a command (one line on stderr, exit 2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from golive_tui.server import admin
from golive_tui.server.admin import AdminError
from golive_tui.server.db import Database

Handler = Callable[[argparse.Namespace], int]

_DB_HELP = (
    "the server database: sqlite:///PATH or postgresql://USER@HOST/DB "
    "(default: $GOLIVE_SERVER_DB_URL, else server.db in the user data folder)"
)


def db_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's --db must not reset one given before the subcommand
    parser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=_DB_HELP)


def db_url(args: argparse.Namespace) -> str | None:
    url: str | None = getattr(args, "db", None)
    return url


@contextmanager
def with_db(args: argparse.Namespace) -> Iterator[Database]:
    """The database the command names (migrated to this release's schema), disposed of
    when the command is done with it."""
    db = admin.open_database(db_url(args))
    try:
        yield db
    finally:
        db.dispose()


def guarded(handler: Handler) -> Handler:
    """``handler``, with an :class:`AdminError` printed as one line and exit status 2."""
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except AdminError as exc:
            print(f"golive: {exc}", file=sys.stderr)
            return 2

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Handler,
    help_text: str,
) -> argparse.ArgumentParser:
    """A subcommand with ``--db`` that runs ``handler``."""
    parser = sub.add_parser(name, help=help_text, description=help_text)
    db_option(parser)
    parser.set_defaults(handler=handler)
    return parser


def print_help(parser: argparse.ArgumentParser) -> int:
    """What a command group without its subcommand does: its help on stderr, exit 2."""
    parser.print_help(sys.stderr)
    return 2
