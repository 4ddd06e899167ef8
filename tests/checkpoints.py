"""What a test of the log's checkpoints reads after each write: the log copied whole, and
bounded by one write's pages rather than growing with every write."""

from __future__ import annotations

from pathlib import Path

from golive_tui.sqlite_setup import Checkpointer
from tests.waiting import bound


class CheckpointsSeen:
    """The pages each checkpoint copied and the log's size after it, write by write."""

    def __init__(self, checkpointer: Checkpointer, wal: Path) -> None:
        self.checkpointer = checkpointer
        self.wal = wal
        self.copied: list[int] = []
        self.sizes: list[int] = []

    def after_write(self) -> None:
        """Wait for the checkpoint after a write; it must have copied every page of the log."""
        assert self.checkpointer.wait_idle(timeout=bound())
        assert self.checkpointer.last is not None
        busy, in_log, done = self.checkpointer.last
        assert (busy, done) == (0, in_log)  # every page of the log is in the file
        self.copied.append(in_log)
        self.sizes.append(self.wal.stat().st_size)

    def assert_one_write_each(self) -> None:
        """Each checkpoint copied one write's pages, not every write's so far."""
        assert self.copied[0] > 100
        assert max(self.copied) < 2 * self.copied[0], self.copied
        assert max(self.sizes) < 2 * self.sizes[0], self.sizes
