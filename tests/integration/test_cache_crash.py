"""A local change survives the process being killed as soon as it is told the change is
done: its commit waited for the log on the disk, and the log's copy into the file, which
comes after it on another thread, is not needed to read it back."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from golive_tui.domain.enums import PortState
from golive_tui.seed import generate_project
from golive_tui.store.local import LocalStore
from golive_tui.store.queries import NumberQuery
from tests.waiting import bound

MOVE_AND_DIE = """
import os, signal, sys
from golive_tui.domain.enums import PortState
from golive_tui.store.local import LocalStore
from golive_tui.store.queries import NumberQuery
store = LocalStore(sys.argv[1], actor="mateo.garcia")
ids = store.number_ids(NumberQuery(store.project_id, states=frozenset({PortState.FOC_CONFIRMED})))
outcome = store.transition_numbers(ids, PortState.PORTED)
print(len(outcome.applied), flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no close, no checkpoint on the way out
"""


def test_a_bulk_move_killed_right_after_it_returned_is_all_there(tmp_path: Path) -> None:
    path = tmp_path / "golive.cache"
    cache = LocalStore(path, actor="mateo.garcia")
    cache.write_document(generate_project(8_000))
    confirmed = cache.number_ids(
        NumberQuery(cache.project_id, states=frozenset({PortState.FOC_CONFIRMED}))
    )
    cache.close()

    child = subprocess.run([sys.executable, "-c", MOVE_AND_DIE, str(path)],
                           capture_output=True, text=True, timeout=bound(120), check=False)

    assert child.returncode == -signal.SIGKILL, child.stderr
    assert int(child.stdout) == len(confirmed) > 1_000
    assert Path(f"{path}-wal").stat().st_size > 0  # left behind: nobody closed the file
    reopened = LocalStore(path, actor="mateo.garcia")
    try:
        assert reopened.outbox_count() == len(confirmed)
        ops = reopened.outbox_batch(limit=len(confirmed) + 1)
        assert {op.entity_id for op in ops} == set(confirmed)
        ported = reopened.number_ids(
            NumberQuery(reopened.project_id, states=frozenset({PortState.PORTED}))
        )
        assert set(confirmed) <= set(ported)
    finally:
        reopened.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
