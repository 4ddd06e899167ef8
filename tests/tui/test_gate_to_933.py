"""From the gate's 933 condition to the test that clears it: Enter on it opens the
Verification form filled in for that site, the note next and that floor offered first."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input

from golive_tui.domain.enums import VerificationResult
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.dashboard import DashboardScreen
from golive_tui.tui.screens.verification import VerificationLogScreen
from golive_tui.tui.widgets.forms import PickerModal

from .conftest import settle, until, wait_ready
from .test_demo_story import badge, highlight, on_dashboard


async def test_enter_on_the_933_condition_fills_the_test_in_for_its_floor(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await highlight(pilot, screen, "933 NYC Floor 2")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, VerificationLogScreen)
                    and app.screen.query_one("#ver-target", Input).value == "NYC")
        verification = app.screen
        assert verification.query_one("#ver-test", Input).value == "E911-01"
        await until(pilot, lambda: app.focused is verification.query_one("#ver-note", Input))
        await pilot.press(*"933 read back Floor 2", "enter")
        await settle(pilot)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PickerModal), "the floor picker")
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert str(picker.labels[picker.values.index(picker.current)]).startswith("Floor 2")
        await pilot.press("enter")  # the floor offered first is the one the gate named
        assert app.store is not None
        await until(pilot, lambda: app.store is not None and any(
            v.note == "933 read back Floor 2" for v in app.store.verifications()))
        logged = next(v for v in app.store.verifications() if v.note == "933 read back Floor 2")
        assert (logged.test_case, logged.result) == ("E911-01", VerificationResult.PASS)
        await on_dashboard(pilot)
        await until(pilot, lambda: "933" not in badge(app).split("\n")[1], "the 933 to count")
