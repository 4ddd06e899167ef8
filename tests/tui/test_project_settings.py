"""The project's settings form: the holiday list the activation warnings count, and the
call-quality thresholds a network test must meet, edited in the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual.command import CommandPalette
from textual.widgets import Input, TextArea

from golive_tui.domain.network import NetworkThresholds
from golive_tui.store.tables import ProjectRow
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.porting import PortingScreen
from golive_tui.tui.screens.project_settings import TITLE
from golive_tui.tui.widgets.forms import RecordForm

from .conftest import DEMO_DAY, settle, store_of, until, wait_ready
from .test_command_palette import _listed
from .test_port_orders import open_orders


def project_of(app: GoLiveApp) -> ProjectRow:
    """The project as the app's cache holds it now."""
    project = store_of(app).project()
    assert project is not None, "the cache holds no project"
    return project


def form_error(app: GoLiveApp) -> str:
    return str(app.screen.query_one("#record-form-error").render())


async def test_the_ipm_lists_the_projects_holidays_and_thresholds_and_the_orders_follow(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        assert isinstance(screen, PortingScreen) and screen.page is not None
        # the demo day is Thanksgiving: with no list of its own the project keeps the
        # federal holidays, and the orders view counts it
        assert screen.page.holidays.name(DEMO_DAY) == "Thanksgiving Day"
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        assert app.screen.query_one("#record-form").border_title == TITLE
        holidays = app.screen.query_one("#field-holidays", TextArea)
        assert holidays.text == ""
        holidays.text = "2026-12-24 Christmas Eve\n24 Dec Boxing Day"
        app.screen.query_one("#field-min_mos", Input).value = "3.6"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RecordForm), "refused in place, the form stays open"
        assert "line 2: '24' is not a date" in form_error(app)
        assert project_of(app).holidays == {}

        holidays.text = "2026-12-24 Christmas Eve\n2026-12-28 Plant shutdown"
        app.screen.query_one("#field-max_loss_pct", Input).value = "120"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "the highest loss (%) must lie between 0 and 100" in form_error(app)

        app.screen.query_one("#field-max_loss_pct", Input).value = "0.5"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: project_of(app).holidays != {})
        project = project_of(app)
        assert project.holidays == {"2026-12-24": "Christmas Eve",
                                    "2026-12-28": "Plant shutdown"}
        assert NetworkThresholds.from_stored(project.network_thresholds) == NetworkThresholds(
            min_mos=3.6, max_jitter_ms=30, max_loss_pct=0.5)
        # the orders view now counts the project's own days, not the federal ones
        await until(pilot, lambda: screen.page is not None
                    and screen.page.holidays.name(date(2026, 12, 28)) == "Plant shutdown")
        assert screen.page.holidays.name(DEMO_DAY) is None

        # opened again, the form shows what is stored
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        assert app.screen.query_one("#field-holidays", TextArea).text.splitlines() == [
            "2026-12-24 Christmas Eve", "2026-12-28 Plant shutdown"]
        assert app.screen.query_one("#field-min_mos", Input).value == "3.6"
        await pilot.press("escape")


async def test_the_palette_opens_the_settings_from_the_verification_screen(
    make_app: Callable[..., GoLiveApp],
) -> None:
    """Where network tests are logged, the thresholds they are judged by are a palette
    command away."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        await pilot.press("4")
        await wait_ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"thresholds")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette) and any(
            "Project settings" in line for line in _listed(app)))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        app.screen.query_one("#field-max_jitter_ms", Input).value = "20"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: project_of(app).network_thresholds.get(
            "max_jitter_ms") == 20)
