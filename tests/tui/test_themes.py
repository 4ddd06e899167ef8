"""Each golive theme, chosen at start (config or flag), styles the very first frame."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.color import Color
from textual.widget import Widget

from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.themes import THEMES

from .conftest import steady_cursors, wait_ready, wait_still


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


@pytest.mark.parametrize(
    ("theme", "key"),
    [("golive-dark", ""), ("golive-light", ""), ("golive-dark", "2"), ("golive-dark", "3"),
     ("golive-dark", "4"), ("golive-dark", "5")],
)
async def test_each_screen_is_first_styled_as_a_full_restyle_would_style_it(
    make_app: Callable[..., GoLiveApp], theme: str, key: str
) -> None:
    # Start-up leaves out Textual's re-parse and restyle of the first screen, and styles the
    # app before building it; the other screens bring their own sheets and are restyled when
    # switched to. What each shows the first time must be what a full restyle makes of it.
    app = make_app(theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        if key:
            await pilot.press(key)
            await wait_ready(pilot)
        # what is compared is what the screen shows, not the phase of a blinking cursor:
        # on a slow run the restyle below outlasts a blink
        steady_cursors(pilot)
        await wait_still(pilot)

        def styles() -> dict[str, tuple[str, str]]:
            return {
                f"{type(w).__name__}#{w.id}:{n}": (str(w.rich_style), str(w.styles.background))
                for n, w in enumerate(app.screen.walk_children(Widget, with_self=True))
            }

        def drawn() -> dict[str, list[str]]:
            # what each widget puts on the terminal, line by line, with its colours
            return {
                f"{type(w).__name__}#{w.id}:{n}": [
                    repr(list(w.render_line(y))) for y in range(w.size.height)
                ]
                for n, w in enumerate(app.screen.walk_children(Widget, with_self=True))
            }

        before = styles()
        assert len(before) > 5
        shown = drawn()
        app.refresh_css(animate=False)
        await pilot.pause()
        assert styles() == before
        # a widget that worked out its colours before its ancestors had theirs keeps them,
        # which the styles above do not show: "Cutover" was once drawn dark on dark
        assert drawn() == shown


async def test_an_unknown_theme_from_the_config_is_named_and_the_default_shown(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app(theme="solarised-nope")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "golive-dark"
        said = [f"{n.title} {n.message}" for n in app._notifications]
        assert any("no theme 'solarised-nope'" in text and "golive-light" in text
                   for text in said), said
