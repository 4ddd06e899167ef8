"""Which of golive's optional parts are installed.

``pip install golive`` brings the app; the shared backend (``golive[server]``) and serving
the app in a browser (``golive[web]``) are extras. A command that needs a part that is not
there says what to install instead of failing on an import.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from typing import TextIO

from golive_tui.app.exit_codes import ExitCode

__all__ = ["EXIT_NOT_INSTALLED", "SERVER", "WEB", "Extra", "missing_extra"]

#: the exit status of a command whose part of golive is not installed
EXIT_NOT_INSTALLED = ExitCode.NOT_INSTALLED


@dataclass(frozen=True)
class Extra:
    """An optional part of golive: its name in ``golive[NAME]`` and the modules it brings."""

    name: str
    what: str
    modules: tuple[str, ...]

    def missing(self) -> list[str]:
        """The modules of this part that cannot be imported here."""
        return [m for m in self.modules if importlib.util.find_spec(m) is None]


SERVER = Extra("server", "the server components", ("fastapi", "uvicorn", "alembic", "psycopg",
                                                      "prometheus_client"))
WEB = Extra("web", "the browser components", ("textual_serve", "aiohttp"))


def missing_extra(command: str, *extras: Extra, err: TextIO | None = None) -> int | None:
    """``EXIT_NOT_INSTALLED`` after saying what to install, when a part ``command`` needs is
    missing; None when everything is there."""
    absent = [(extra, extra.missing()) for extra in extras]
    absent = [(extra, modules) for extra, modules in absent if modules]
    if not absent:
        return None
    names = ",".join(extra.name for extra, _ in absent)
    parts = " and ".join(extra.what for extra, _ in absent)
    modules = ", ".join(m for _, missing in absent for m in missing)
    print(
        f"golive {command} needs {parts}, which are not installed (missing: {modules}).\n"
        f"Install them with: pip install 'golive[{names}]'",
        file=err or sys.stderr,
    )
    return EXIT_NOT_INSTALLED
