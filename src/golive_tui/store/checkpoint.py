"""Copying the cache's write-ahead log back into the file, after a local change's commit
and off its path.

A commit with synchronous=FULL is durable once its pages are in the log and the log is on
the disk: copying them into the file (a checkpoint) adds nothing to that. SQLite's
automatic checkpoint does the copy inside the commit that takes the log past 1,000 pages,
so a bulk move of 10,000 numbers (some 3,000 pages) waited for it before the user was told.
The write engine's connections have it switched off; after each of their transactions this
thread checkpoints instead, so the log is copied back as soon as the change is committed,
and it stays as bounded as it was: the next writer starts the log again from its beginning
once everything in it is in the file.
"""

from __future__ import annotations

from pathlib import Path

from golive_tui import sqlite_setup
from golive_tui.store.db import BUSY_TIMEOUT_MS


class Checkpointer(sqlite_setup.Checkpointer):
    """:class:`golive_tui.sqlite_setup.Checkpointer` on a cache file."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, busy_timeout_ms=BUSY_TIMEOUT_MS)
