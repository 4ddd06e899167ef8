"""The exit status of every ``golive`` command: one table, the same for every command.

A script can rely on these numbers; docs/scripting.md lists them. A new meaning gets a new
number, never an old one.
"""

from __future__ import annotations

import signal
from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    """What a ``golive`` command's exit status means."""

    OK = 0
    """Done."""
    ERROR = 1
    """An unexpected error; the message (and the log, for the app) says what."""
    USAGE = 2
    """A mistake on the command line, or no saved connection to use."""
    NO_TERMINAL = 3
    """The app was started without a terminal to draw on."""
    NOT_INSTALLED = 4
    """The command needs a part of golive that is not installed (an extra, e.g. server)."""
    REFUSED = 5
    """The input was refused: a file too big or already there, a row or a value the rules
    refuse, plain HTTP to another machine, a request the server refused."""
    OFFLINE = 6
    """The server could not be reached (or failed); a command that can answer from the
    cache still prints its answer, marked as coming from the cache."""
    AUTH = 7
    """No token, or the server refused it (401) or refused this user the action (403)."""
    NOT_FOUND = 8
    """No such project on the server, or the user is not a member of it."""
    TERMINAL_LOST = 128 + signal.SIGHUP
    """The app's terminal went away while it ran (as a shell reports a hang-up)."""
