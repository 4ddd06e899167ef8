"""The command palette: every screen, and every action of the screen it was opened over."""

from __future__ import annotations

from collections.abc import Callable

from textual.command import CommandList, CommandPalette

from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

from .conftest import until, wait_ready


def _listed(app: GoLiveApp) -> list[str]:
    if not isinstance(app.screen, CommandPalette):
        return []
    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_the_palette_finds_the_dashboards_no_go_and_runs_it(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"no-go")
        await until(pilot, lambda: any("No-go" in line for line in _listed(app)))
        found = [line for line in _listed(app) if "No-go" in line]
        assert found, _listed(app)
        assert "Dashboard: key n" in found[0]

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReasonDialog))
        assert isinstance(app.screen, ReasonDialog)  # no-go asks for its reason
