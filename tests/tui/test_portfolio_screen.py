"""The portfolio screen, opened from the command palette of an app connected to a real
server: it lists every project of the user (and no other) at 80x24, with the queue; Enter
on a project switches the running app to it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from textual.command import CommandList
from textual.widgets import DataTable, Static

from golive_tui.domain.enums import EntityKind, Role
from golive_tui.server import admin
from golive_tui.store.intents import OpenIssue
from golive_tui.store.local import LocalStore
from golive_tui.tui.connected import Connection, sync_starter
from golive_tui.tui.factory import create_app
from golive_tui.tui.screens.base import ScreenTitle
from golive_tui.tui.screens.dashboard import DashboardScreen
from golive_tui.tui.screens.portfolio import PortfolioScreen
from tests.conftest import ServerUnderTest
from tests.waiting import wait_for_async


def _beacon_for_the_ipm(server: ServerUnderTest) -> str:
    """A second project on the server, Beacon Dental's, with the IPM a member of it."""
    db = admin.open_database(server.db_url)
    try:
        beacon, _ = admin.create_project(db, name="Beacon Dental go-live",
                                         customer="Beacon Dental", project_id=str(uuid.uuid4()))
        admin.grant(db, "ipm", beacon, "ipm")
    finally:
        db.dispose()
    return beacon


async def test_the_palette_opens_the_portfolio_of_every_project_of_the_user(
    sqlite_server: ServerUnderTest, tmp_path: Path,
) -> None:
    pid = sqlite_server.project_id
    _beacon_for_the_ipm(sqlite_server)

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


def _records(server: ServerUnderTest, project_id: str, kind: str) -> list[dict[str, Any]]:
    """The project's records of ``kind`` on the server, as the IPM reads them."""
    with server.client("ipm") as client:
        response = client.get(server.project_path("snapshot", project_id))
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["entities"].get(kind, [])
    return records


def _issue_titles(server: ServerUnderTest, project_id: str) -> set[str]:
    return {issue["title"] for issue in _records(server, project_id, "issue")}


async def _open_from_portfolio(app: Any, pilot: Any, project_id: str) -> None:
    """Open the portfolio, put the cursor on the project's row and press Enter."""
    app.action_portfolio()

    def listed() -> bool:
        screen = app.screen
        if not isinstance(screen, PortfolioScreen):
            return False
        tables = screen.query("#portfolio-projects").results(DataTable)
        return any(table.row_count == 2 for table in tables)

    await wait_for_async(listed, "both projects listed", step=pilot.pause)
    table = app.screen.query_one("#portfolio-projects", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(project_id))
    await pilot.pause()
    await pilot.press("enter")


async def test_enter_on_a_project_switches_the_app_to_it_and_both_keep_syncing(
    sqlite_server: ServerUnderTest, tmp_path: Path,
) -> None:
    """The IPM switches from the demo project to Beacon and back without a restart: each
    shows its own dashboard and title, and a change made in each reaches the server."""
    pid = sqlite_server.project_id
    beacon = _beacon_for_the_ipm(sqlite_server)
    (demo_project,) = _records(sqlite_server, pid, "project")
    demo_name = str(demo_project["name"])

    connection = Connection(sqlite_server.url, sqlite_server.tokens["ipm"], "ipm",
                            lambda project: tmp_path / f"cache-{project}.sqlite")
    open_store, start_sync = connection.project(pid, Role.IPM)
    app = create_app(open_store, start_sync=start_sync, open_project=connection.project)

    def on(project_id: str, name: str) -> bool:
        store, screen = app.store, app.screen
        return (store is not None and store.project_id == project_id
                and app.engine is not None and isinstance(screen, DashboardScreen)
                and screen.query_one(ScreenTitle).project_text == name)

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_async(lambda: on(pid, demo_name), "the demo project's dashboard",
                             step=pilot.pause)
        first = app.store
        assert first is not None
        app.run_command(OpenIssue("Demo: hold music too quiet"))

        await _open_from_portfolio(app, pilot, beacon)
        await wait_for_async(lambda: on(beacon, "Beacon Dental go-live"),
                             "Beacon's dashboard, its cache loaded from the server",
                             step=pilot.pause)
        assert app.store is not first
        # the demo project's cache was closed cleanly, its change sent before it was
        assert "Demo: hold music too quiet" in _issue_titles(sqlite_server, pid)
        app.run_command(OpenIssue("Beacon: fax line not ported"))
        await wait_for_async(
            lambda: "Beacon: fax line not ported" in _issue_titles(sqlite_server, beacon),
            "Beacon's change reaches the server", step=pilot.pause)

        await _open_from_portfolio(app, pilot, pid)
        await wait_for_async(lambda: on(pid, demo_name), "back on the demo project",
                             step=pilot.pause)
        store = app.store
        assert store is not None
        # its own cache again: the issue made before the switch is in it
        assert any(issue["title"] == "Demo: hold music too quiet"
                   for issue in store.iter_records(EntityKind.ISSUE))
        app.run_command(OpenIssue("Demo: paging group silent"))
        await wait_for_async(
            lambda: "Demo: paging group silent" in _issue_titles(sqlite_server, pid),
            "the demo project's second change reaches the server", step=pilot.pause)

    assert "Beacon: fax line not ported" not in _issue_titles(sqlite_server, pid)
    assert "Demo: paging group silent" not in _issue_titles(sqlite_server, beacon)

