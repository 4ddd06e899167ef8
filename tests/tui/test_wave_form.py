"""Cutover waves added and edited on the dashboard: a name, a window and sites; a window
that ends before it starts is refused in place and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.widgets import Input, SelectionList

from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.widgets.forms import RecordForm

from .conftest import until, wait_ready

DENVER = ZoneInfo("America/Denver")


def field(app: GoLiveApp, name: str) -> Input:
    return app.screen.query_one(f"#field-{name}", Input)


def form_error(app: GoLiveApp) -> str:
    return str(app.screen.query_one("#record-form-error").render())


async def test_a_wave_is_added_with_its_window_and_sites_then_edited(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        store = app.store
        assert store is not None
        waves_before = len(store.cutovers())
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        field(app, "name").value = "Wave 5 – Chicago retry"
        field(app, "starts_at").value = "2026-12-14 09:30"
        field(app, "ends_at").value = "2026-12-14 09:00"
        chi = next(site for site in store.sites() if site.code == "CHI")
        app.screen.query_one("#field-site_ids", SelectionList).select(chi.id)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "ends after it starts" in form_error(app))
        assert isinstance(app.screen, RecordForm), "refused in place, the form stays open"
        assert len(store.cutovers()) == waves_before

        field(app, "ends_at").value = "2026-12-14 12:30"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(store.cutovers()) == waves_before + 1)
        wave = next(c for c in store.cutovers() if c.name == "Wave 5 – Chicago retry")
        assert wave.site_ids == [chi.id]
        assert wave.starts_at == datetime(2026, 12, 14, 9, 30, tzinfo=DENVER)
        assert wave.ends_at == datetime(2026, 12, 14, 12, 30, tzinfo=DENVER)

        # the dashboard shows today's wave; e edits it, and only what changed is sent
        await until(pilot, lambda: not isinstance(app.screen, RecordForm))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        shown = field(app, "name").value
        assert shown == "Wave 3 – New York"
        field(app, "name").value = "Wave 3 – New York (Chelsea)"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(
            c.name == "Wave 3 – New York (Chelsea)" for c in store.cutovers()))
