"""The app on a cache written by golive 0.1.0: it opens migrated, and its problems screen
says when each refused change was made where the cache knows it. A cache from a newer
golive is refused with a notice that says so."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.widgets import DataTable, Static

from golive_tui.domain.time_text import local_time
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.store.local import LocalStore
from golive_tui.store.migrations import LATEST
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine
from golive_tui.tui.connected import sync_starter
from golive_tui.tui.factory import create_app, create_demo_app
from golive_tui.tui.screens.problems import ProblemsScreen
from golive_tui.tui.widgets.status import SyncStatusBar
from tests.conftest import ServerUnderTest
from tests.waiting import wait_for_async

from .conftest import DEMO_DAY, Notices, frozen_clock, until, wait_ready
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
    project = store.project()
    assert project is not None
    zone = ZoneInfo(project.time_zone)
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

    made = local_time(op.client_time, zone, frozen_clock())  # the project's zone
    assert "Not on this order." in shown[op.op_id]
    assert f"Made at {made}, answered at " in shown[op.op_id]
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


async def running(pilot: Any, check: Callable[[], bool], message: str) -> None:
    """Until ``check()`` holds, with the sync engine running for good: settling (waiting
    for every worker, as ``until`` does) would never end."""
    await wait_for_async(check, message, step=pilot.pause)


async def _synced(store: LocalStore, server: ServerUnderTest, user: str) -> None:
    async with SyncClient(server.url, server.tokens[user]) as client:
        await SyncEngine(store, client, server.project_id, live=False).sync_once()


async def test_conflicts_say_whose_change_was_kept_and_leave_the_status_line_once_dropped(
    sqlite_server: ServerUnderTest, tmp_path: Path,
) -> None:
    """Two people change the same two issue titles; the engineer's reach the server first.
    The IPM's app shows both conflicts, in the project's time zone and with who made the
    change that was kept; once both are dropped the status line has nothing to review."""
    pid = sqlite_server.project_id
    engineer = LocalStore(tmp_path / "engineer.sqlite", actor="engineer", project_id=pid)
    ipm_path = tmp_path / "ipm.sqlite"
    ipm = LocalStore(ipm_path, actor="ipm", project_id=pid)
    await _synced(engineer, sqlite_server, "engineer")
    await _synced(ipm, sqlite_server, "ipm")
    issues = sorted(ipm.issues(), key=lambda issue: issue.ref)[:2]
    for issue in issues:
        engineer.update_issue(issue.id, title=f"{issue.title} (engineer's words)")
        ipm.update_issue(issue.id, title=f"{issue.title} (IPM's words)")
    await _synced(engineer, sqlite_server, "engineer")
    project = ipm.project()
    assert project is not None
    zone = ZoneInfo(project.time_zone)
    ipm.close()

    app = create_app(
        lambda: LocalStore(ipm_path, actor="ipm", project_id=pid),
        start_sync=sync_starter(sqlite_server.url, sqlite_server.tokens["ipm"], pid,
                                user="ipm"),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await app.store_ready.wait()
        await running(pilot, lambda: app.sync_status.conflicts == 2, "two conflicts counted")
        bar = app.screen.query_one(SyncStatusBar)
        assert "2 to review" in str(bar.render())

        app.action_problems()
        await running(pilot, lambda: isinstance(app.screen, ProblemsScreen)
                      and any(t.row_count == 2 for t in app.screen.query(DataTable)),
                      "the two conflicts listed")
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        table = screen.query_one(DataTable)
        for row in range(2):
            problem = screen.problems[list(screen.problems)[row]]
            when, _outcome, _change, why = (str(cell) for cell in table.get_row_at(row))
            assert when == local_time(problem.at, zone, app.now())
            assert "(kept engineer's of " in why
        # at 80 columns: the help line wraps whole, the columns fit, and what does not fit
        # its column ends in "…" (the line under the table says it whole)
        help_line = screen.query_one("#problems-help", Static)
        assert help_line.size.height >= 2 and "d drops it" in str(help_line.render())
        shown = sum(column.get_render_width(table) for column in table.ordered_columns)
        assert shown <= table.scrollable_content_region.width
        for row in range(2):
            for cell in table.get_row_at(row)[2:]:
                assert isinstance(cell, Text) and cell.overflow == "ellipsis"

        def rows_are(count: int) -> Callable[[], bool]:
            return lambda: table.row_count == count

        for remaining in (1, 0):
            await pilot.press("d")
            await running(pilot, rows_are(remaining),
                          "the dropped conflict gone from the list")
            assert table.row_count == remaining
        await pilot.press("escape")
        await running(pilot, lambda: app.sync_status.conflicts == 0, "no conflict counted")
        assert app.sync_status.conflicts == 0
        await running(pilot, lambda: "to review" not in str(
            app.screen.query_one(SyncStatusBar).render()), "the status line cleared")
        assert "to review" not in str(app.screen.query_one(SyncStatusBar).render())
