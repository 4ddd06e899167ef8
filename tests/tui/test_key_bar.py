"""The key bar: each screen's keys, fitted to the width, clicked as they are pressed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import DataTable

from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.widgets.footer import KeyBar

from .conftest import settle, wait_ready
from .test_issues import open_queue


def _bar(app: GoLiveApp) -> KeyBar:
    return app.screen.query_one(KeyBar)


def _line(app: GoLiveApp) -> str:
    return _bar(app).render().plain


async def test_each_screen_shows_its_own_keys_then_the_apps(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot)
        shown = [key.description for key in _bar(app).shown]
        assert shown[:3] == ["Open", "Go", "No-go"]
        assert shown[-2:] == ["Help", "palette"]
        assert _line(app).startswith(" ⏎ Open  g Go  n No-go  c Co-sign  w Waves  1 Dash ")
        assert " 9 Close  ? Help " in _line(app)
        assert _line(app).rstrip().endswith("▏^p palette")
        assert len(_line(app)) == 160

        await pilot.press("2")
        await wait_ready(pilot)
        shown = [key.description for key in _bar(app).shown]
        assert shown[:3] == ["Done", "Start", "Skip"]
        assert "Go" not in shown


async def test_at_80_columns_the_keys_close_up_and_help_stays(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        # the dashboard's own keys stay, closed up; the palette's key is the first to go
        # (ctrl+p still opens it), then the modes from the right; help stays
        assert _line(app).startswith("⏎ Open g Go n No-go c Co-sign w Waves 1 Dash 2 Check ")
        assert _line(app).rstrip().endswith(" ? Help")
        assert "palette" not in _line(app)
        assert "9 Close" not in _line(app)
        assert len(_line(app).rstrip()) <= 80

        await pilot.press("3")
        await wait_ready(pilot)
        # the tracker has more: the palette's key goes, then the app's own mode keys from
        # the right; its own keys and help stay
        shown = [key.description for key in _bar(app).shown]
        assert shown[:5] == ["Find", "Select", "Next state", "Move to…", "Orders"]
        assert shown[-1] == "Help"
        assert "palette" not in shown
        assert "Issues" not in shown
        assert len(_line(app).rstrip()) <= 80


async def test_clicking_a_key_does_what_pressing_it_does(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot)
        column = _line(app).index(" 2 Check")
        assert await pilot.click(KeyBar, offset=(column + 1, 0))
        await wait_ready(pilot)
        assert app.current_mode == "checklist"

        # a click between the keys and the palette's key does nothing
        assert await pilot.click(KeyBar, offset=(140, 0))
        await settle(pilot)
        assert app.current_mode == "checklist"


async def test_the_bar_follows_a_key_turning_on_and_off(
    make_app: Callable[..., GoLiveApp], monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await open_queue(pilot)
        take = next(key for key in _bar(app).keys if key.description == "Take")
        assert take.enabled
        # a filter that leaves no issue to act on (none is the demo user's) turns the
        # triage keys off
        screen = app.screen
        await pilot.press("m")
        await pilot.pause()
        assert screen.query_one("#issue-table", DataTable).row_count == 0
        take = next(key for key in _bar(app).keys if key.description == "Take")
        assert not take.enabled
        rendered = _bar(app).render()
        start = rendered.plain.index(" t Take")
        assert any(span.style and "dim" in str(span.style) and span.start <= start + 1 < span.end
                   for span in rendered.spans)
        # clicking a key that is off rings the bell and presses nothing
        bells: list[None] = []
        pressed: list[str] = []
        monkeypatch.setattr(app, "bell", lambda: bells.append(None))
        monkeypatch.setattr(app, "simulate_key", pressed.append)
        assert await pilot.click(KeyBar, offset=(start + 1, 0))
        await settle(pilot)
        assert bells == [None] and pressed == []
        # and one that is on is pressed
        column = rendered.plain.index(" n New")
        assert await pilot.click(KeyBar, offset=(column + 1, 0))
        assert pressed == ["n"]


async def test_hovering_a_key_shows_its_tooltip_and_lights_it(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await open_queue(pilot)
        bar = _bar(app)
        line = bar.render().plain
        column = line.index(" ⏎ Open")
        await pilot.hover(KeyBar, offset=(column + 1, 0))
        await pilot.pause()
        assert bar.tooltip == "Details, SLA clocks and the notes thread"
        lit = bar.get_component_rich_style("key-bar--hover").bgcolor
        assert any(span.style and getattr(span.style, "bgcolor", None) == lit
                   for span in bar.render().spans if span.start <= column + 1 < span.end)
        # off the keys: no tooltip, nothing lit
        await pilot.hover(KeyBar, offset=(135, 0))
        await pilot.pause()
        assert bar.tooltip is None
