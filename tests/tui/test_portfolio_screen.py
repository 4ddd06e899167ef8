"""The portfolio screen, opened from the command palette of an app connected to a real
server: it lists every project of the user (and no other) at 80x24, with the queue."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from textual.command import CommandList
from textual.widgets import DataTable, Static

from golive_tui.server import admin
from golive_tui.store.local import LocalStore
from golive_tui.tui.connected import sync_starter
from golive_tui.tui.factory import create_app
from golive_tui.tui.screens.portfolio import PortfolioScreen
from tests.waiting import wait_for_async


async def test_the_palette_opens_the_portfolio_of_every_project_of_the_user(
    sqlite_server: Any, tmp_path: Path,
) -> None:
    pid = sqlite_server.project_id
    db = admin.open_database(sqlite_server.db_url)
    try:
        beacon, _ = admin.create_project(db, name="Beacon Dental go-live",
                                         customer="Beacon Dental", project_id=str(uuid.uuid4()))
        admin.grant(db, "ipm", beacon, "ipm")
    finally:
        db.dispose()

    app = create_app(
        lambda: LocalStore(tmp_path / "ipm.sqlite", actor="ipm", project_id=pid),
        start_sync=sync_starter(sqlite_server.url, sqlite_server.tokens["ipm"], pid,
                                user="ipm"),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await app.store_ready.wait()
        await pilot.press("ctrl+p")
        await pilot.press(*"Portfolio")

        def offered() -> bool:
            lists = app.screen.query(CommandList)
            if not lists:
                return False
            first = lists.first()
            return (first.option_count > 0 and first.highlighted == 0
                    and "Portfolio" in str(first.get_option_at_index(0).prompt))

        await wait_for_async(offered, "the palette offers the portfolio", step=pilot.pause)
        await pilot.press("enter")

        def listed() -> bool:
            screen = app.screen
            return isinstance(screen, PortfolioScreen) and screen.query_one(
                "#portfolio-projects", DataTable).row_count == 2

        await wait_for_async(listed, "both projects listed", step=pilot.pause)
        screen = app.screen
        table = screen.query_one("#portfolio-projects", DataTable)
        names = {str(table.get_row_at(row)[0]) for row in range(2)}
        assert "Beacon Dental go-live" in names
        assert not any("Another customer" in name for name in names)
        state = str(screen.query_one("#portfolio-state", Static).render())
        assert "2 projects" in state
        queue = screen.query_one("#portfolio-queue", DataTable)
        assert queue.row_count > 0
        assert "BREACHED" in str(queue.get_row_at(0)[0])
        await pilot.press("escape")
        await wait_for_async(lambda: not isinstance(app.screen, PortfolioScreen),
                             "the portfolio closed", step=pilot.pause)
