"""Each golive theme, chosen at start (config or flag), styles the very first frame."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.color import Color

from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.themes import THEMES

from .conftest import wait_ready


@pytest.mark.parametrize("theme", [t.name for t in THEMES])
async def test_a_theme_chosen_at_start_styles_the_first_frame(
    make_app: Callable[..., GoLiveApp], theme: str
) -> None:
    app = make_app(theme=theme)
    expected = next(t for t in THEMES if t.name == theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        assert app.theme == theme
        assert app.has_class(f"-theme-{theme}")
        assert app.has_class("-dark-mode") == expected.dark
        assert app.has_class("-light-mode") == (not expected.dark)
        assert expected.background is not None
        assert app.screen.styles.background == Color.parse(expected.background)
        # switching later goes through Textual's own path and restyles everything
        other = next(t for t in THEMES if t.name != theme)
        app.theme = other.name
        await pilot.pause()
        assert other.background is not None
        assert app.screen.styles.background == Color.parse(other.background)
        assert not app.has_class(f"-theme-{theme}")
