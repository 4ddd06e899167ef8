"""``golive server`` and ``golive admin``: argparse wiring for the shared backend.

:func:`register` adds both commands to the ``golive`` CLI's subparsers. Every parser it adds
sets ``handler`` (``args.handler(args) -> int``, the exit code), so the caller dispatches
with ``return args.handler(args)``. Refusals print one line on stderr and exit with 2.

The commands live by group: :mod:`.serve` (``server``, ``server migrate``), :mod:`.manage`
(``admin``), :mod:`.webhook` (``admin webhook``), on :mod:`.common`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from golive_tui.server.cli import manage, serve
from golive_tui.server.cli.common import Handler


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``server`` and ``admin`` to the ``golive`` CLI (each parser sets ``handler``)."""
    serve.register(subparsers)
    manage.register(subparsers)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive_tui.server``: the same commands without the rest of ``golive``."""
    parser = argparse.ArgumentParser(prog="golive", description="golive shared backend")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register(subparsers)
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    return handler(args)
