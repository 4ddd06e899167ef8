"""The local cache: every change goes through one write path that also fills the outbox.

:class:`LocalStore` is built in layers, each a module: the file and its engines
(:mod:`~golive_tui.store.cache`), reads (:mod:`~golive_tui.store.reads`), the write path and
its outbox (:mod:`~golive_tui.store.outbox`), settling what the server sends
(:mod:`~golive_tui.store.rebase`) and the named changes (:mod:`~golive_tui.store.commands`).
"""

from __future__ import annotations

from typing import TypeVar

from golive_tui.store.commands import Commands
from golive_tui.store.intents import Command, Outcome
from golive_tui.store.outbox import BulkOutcome, Change, Refusal

R = TypeVar("R")


class LocalStore(Commands):
    """A golive cache file: the project's records, the outbox and the sync bookkeeping.

    Thread-safe: the TUI calls it from worker threads. Writes queue on SQLite's lock.
    """

    def execute(self, command: Command[R]) -> Outcome[R]:
        """Run what a person asked for (:mod:`~golive_tui.store.intents`); what it gave
        and the kinds of record it changed. A refusal raises the domain's error."""
        return Outcome(command.run(self), command.changes())


__all__ = ["BulkOutcome", "Change", "LocalStore", "Refusal"]
