"""The Sites screen: sites and their emergency locations added, edited and validated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from golive_tui.domain.enums import E911Status
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.sites import SitesScreen
from golive_tui.tui.widgets.forms import RecordForm

from .conftest import settle, store_of, until, wait_ready


async def open_sites(pilot: Pilot[Any]) -> SitesScreen:
    await wait_ready(pilot)
    await pilot.press("7")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SitesScreen)
    await until(pilot, lambda: screen.query_one("#sites-table", DataTable).row_count > 0)
    return screen


def form_field(app: GoLiveApp, name: str) -> Input:
    return app.screen.query_one(f"#field-{name}", Input)


def form_error(app: GoLiveApp) -> str:
    return str(app.screen.query_one("#record-form-error").render())


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_a_site_and_its_floor_are_added_a_bad_time_zone_and_address_refused_in_place(
    make_app: Callable[..., GoLiveApp], size: tuple[int, int],
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_sites(pilot)
        assert app.store is not None
        sites_before = len(app.store.sites())
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form_field(app, "code").value = "bos"
        form_field(app, "name").value = "Back Bay Clinic"
        form_field(app, "address").value = "200 Newbury St, Boston, MA 02116"
        form_field(app, "time_zone").value = "America/Bostn"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RecordForm), "refused in place, the form stays open"
        assert "not an IANA time zone name" in form_error(app)
        assert len(app.store.sites()) == sites_before
        form_field(app, "time_zone").value = "America/New_York"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(store_of(app).sites()) == sites_before + 1)
        site = next(s for s in app.store.sites() if s.code == "BOS")
        assert site.time_zone == "America/New_York"

        sites = app.screen.query_one("#sites-table", DataTable)
        # the site just added is selected, so its first floor follows in one key
        await until(pilot, lambda: site.id in sites.rows
                    and sites.cursor_row == sites.get_row_index(site.id))
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form_field(app, "name").value = "Floor 1"
        form_field(app, "address").value = "Floor 1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "does not start with a house number" in form_error(app)
        assert not [loc for loc in app.store.emergency_locations() if loc.site_id == site.id]
        form_field(app, "address").value = "200 Newbury St, Floor 1, Boston, MA 02116"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(
            loc.site_id == site.id for loc in store_of(app).emergency_locations()))
        floor = next(loc for loc in app.store.emergency_locations() if loc.site_id == site.id)
        assert floor.status is E911Status.PENDING
        assert floor.address_changed_at is not None


async def test_a_floor_is_validated_and_a_new_address_sends_it_back_to_pending(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sites(pilot)
        assert app.store is not None
        nyc = next(s for s in app.store.sites() if s.code == "NYC")
        pending = next(loc for loc in app.store.emergency_locations()
                       if loc.site_id == nyc.id and loc.status is E911Status.PENDING)
        sites = screen.query_one("#sites-table", DataTable)
        sites.move_cursor(row=sites.get_row_index(nyc.id))
        locations = screen.query_one("#locations-table", DataTable)
        await until(pilot, lambda: pending.id in locations.rows)
        locations.focus()
        locations.move_cursor(row=locations.get_row_index(pending.id))
        await pilot.press("v")

        def status() -> E911Status:
            assert app.store is not None
            return next(loc.status for loc in app.store.emergency_locations()
                        if loc.id == pending.id)

        await until(pilot, lambda: status() is E911Status.VERIFIED)
        await until(pilot, lambda: "validated" in str(locations.get_row(pending.id)[1]))

        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form_field(app, "address").value = "412 W 23rd St, Floor 2, Suite 2F, New York, NY 10011"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: status() is E911Status.PENDING)
        moved = next(loc for loc in app.store.emergency_locations() if loc.id == pending.id)
        assert moved.validated_at is None
        assert moved.address == "412 W 23rd St, Floor 2, Suite 2F, New York, NY 10011"
