"""The Hypercare & closure screen: the day's summary, acceptance by the customer,
feedback, the hand-off, support's acknowledgement and closing, at 80x24 and 160x48."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from golive_tui.domain.enums import Role
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.closure import ClosureScreen
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

from .conftest import settle, until, wait_ready


async def open_closure(pilot: Pilot[Any]) -> ClosureScreen:
    await wait_ready(pilot)
    await pilot.press("9")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ClosureScreen)
    await until(pilot, lambda: screen.data is not None)
    return screen


async def answer(pilot: Pilot[Any], key: str, text: str) -> None:
    app = pilot.app
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ReasonDialog))
    app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)


def status(screen: ClosureScreen) -> str:
    return str(screen.query_one("#closure-status", Static).render())


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_ipm_hands_off_and_closes_with_a_reason_and_the_project_turns_read_only(
    make_app: Callable[..., GoLiveApp], size: tuple[int, int],
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_closure(pilot)
        assert app.store is not None
        table = screen.query_one("#hypercare-table", DataTable)
        assert table.row_count > 0 and "Hypercare" in str(table.border_title)
        assert "Closing waits for" in status(screen)

        await answer(pilot, "h", "3 hospitals, 2 auto receptionists, 140 desk phones")
        await until(pilot, lambda: len(app.store.handoffs()) == 1)
        package = app.store.handoffs()[0]
        assert package.open_issues and all(e["owner"] for e in package.open_issues)
        await until(pilot, lambda: "awaiting support" in status(screen))

        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ReasonDialog))
        app.screen.query_one(Input).value = "fine"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog), "a thin reason is refused in place"
        app.screen.query_one(Input).value = "Customer sponsor accepted by email on Friday"
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: "CLOSED" in status(screen))
        project = app.store.project()
        assert project is not None and project.closed_by == "demo"
        assert project.phase == "acceptance", "the lifecycle closes with the project"
        assert {e.phase for e in app.store.phase_events() if e.action == "closed"} >= {
            "go_live", "hypercare", "acceptance"}

        before = len(app.store.feedback())
        app.run_change(lambda store: store.give_feedback(5, "late"))
        await settle(pilot)
        assert len(app.store.feedback()) == before
        assert any("read-only" in str(n.message) for n in app._notifications)


async def test_acceptance_and_acknowledgement_are_refused_to_the_ipm(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_closure(pilot)
        assert app.store is not None
        assert screen.check_action("accept", ()) is None  # dimmed: the customer signs
        app.run_change(lambda store: store.give_feedback(9, "too high"))
        await settle(pilot)
        assert app.store.feedback() == []


async def test_the_customer_signs_the_acceptance_with_its_exceptions(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app(role=Role.CUSTOMER, actor="mpoc")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_closure(pilot)
        assert app.store is not None
        await answer(pilot, "s", "Fax line at DEN; Paging at LAX")
        await until(pilot, lambda: "Fax line at DEN" in status(screen))
        await answer(pilot, "f", "4 Smooth cut-over")
        await until(pilot, lambda: "★★★★☆" in status(screen))
        assert [f.score for f in app.store.feedback()] == [4]


async def test_the_reports_are_written_from_the_screen_into_a_folder(
    make_app: Callable[..., GoLiveApp], tmp_path: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_closure(pilot)
        folder = tmp_path / "reports"
        await answer(pilot, "p", str(folder))
        await until(pilot, lambda: (folder / "closure.html").exists())
        await settle(pilot)
        names = {p.name for p in folder.iterdir()}
        assert {"go-live.html", "hypercare.md", "handoff.html", "closure.md"} <= names
        assert "@media print" in (folder / "go-live.html").read_text(encoding="utf-8")
