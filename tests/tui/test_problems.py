"""The app on a cache written by golive 0.1.0: it opens migrated, and its problems screen
says when each refused change was made where the cache knows it. A cache from a newer
golive is refused with a notice that says so."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from textual.widgets import DataTable, Static

from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.store.local import LocalStore
from golive_tui.store.migrations import LATEST
from golive_tui.tui.factory import create_demo_app
from golive_tui.tui.screens.problems import ProblemsScreen

# tests/ is not a package mypy can follow; pytest resolves the relative import
from .conftest import DEMO_DAY, Notices, frozen_clock, until, wait_ready  # type: ignore[import-not-found]
from .conftest import settle_screen as settle

CACHE_0_1_0 = Path(__file__).resolve().parents[1] / "fixtures" / "cache-0.1.0.sqlite"


def old_cache(tmp_path: Path) -> Path:
    path = tmp_path / "cache.db"
    shutil.copyfile(CACHE_0_1_0, path)
    return path


async def test_problems_of_a_0_1_0_cache_say_when_the_change_was_made_if_known(
    tmp_path: Path,
) -> None:
    path = old_cache(tmp_path)
    store = LocalStore(path, actor="demo")
    op = store.outbox_batch()[1]
    store.apply_push_results([OpResult(
        op_id=op.op_id, client_seq=op.client_seq, status=OpStatus.REJECTED,
        code="illegal_transition", reason="Not on this order.",
    )])
    (kept,) = [p for p in store.problems() if p.op_id != op.op_id]
    store.close()

    app = create_demo_app(path, demo_day=DEMO_DAY, clock=frozen_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        app.action_problems()
        await until(pilot, lambda: isinstance(app.screen, ProblemsScreen)
                    and any(t.row_count == 2 for t in app.screen.query(DataTable)))
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        table = screen.query_one(DataTable)
        detail = screen.query_one("#problem-detail", Static)
        shown: dict[str, str] = {}
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await settle(pilot)
            shown[list(screen.problems)[row]] = str(detail.render())

    made = op.client_time.astimezone()
    assert "Not on this order." in shown[op.op_id]
    assert f"Made at {made:%H:%M:%S}, answered at " in shown[op.op_id]
    assert "Made at" not in shown[kept.op_id]  # 0.1.0 did not keep it


async def test_a_cache_from_a_newer_golive_is_refused_with_a_notice(tmp_path: Path) -> None:
    path = old_cache(tmp_path)
    LocalStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    before = path.read_bytes()

    app = create_demo_app(path, demo_day=DEMO_DAY, clock=frozen_clock)
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await until(pilot, lambda: bool(notices.about("Cannot open the cache")))
        assert app.store is None

    (notice,) = notices.about("Cannot open the cache")
    assert str(path) in notice
    assert f"cache schema version {LATEST + 1}" in notice
    assert "Upgrade golive" in notice
    assert path.read_bytes() == before
