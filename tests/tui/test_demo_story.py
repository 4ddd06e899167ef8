"""The demo's story, through the real app at 80x24: today's wave goes from NO-GO to GO
without an override, each of its blockers cleared with the keys a person presses."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from golive_tui.domain.enums import DecisionKind, Role, VerificationResult
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.factory import create_demo_app
from golive_tui.tui.screens.dashboard import DashboardScreen
from golive_tui.tui.screens.porting import PortingScreen
from golive_tui.tui.screens.verification import VerificationLogScreen
from golive_tui.tui.widgets.forms import PickerModal, RecordForm
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

from .conftest import DEMO_DAY, FROZEN_NOW, settle, until, wait_ready

SIZE = (80, 24)


@pytest.fixture
def make_app(tmp_path: Path, demo_cache_template: Path) -> Callable[..., GoLiveApp]:
    """The demo app on one cache file shared by every app the test opens, on a clock that
    starts at the demo's 10:00 Eastern and moves: the cache makes its changes at the app's
    time, so an FOC for 11:30 today is still to come and a 933 test is recorded after the
    address it checks last changed, whatever the day the test runs."""
    shutil.copyfile(demo_cache_template, tmp_path / "cache.db")
    started = time.monotonic()

    def clock() -> datetime:
        return FROZEN_NOW + timedelta(seconds=time.monotonic() - started)

    def factory(**kwargs: Any) -> GoLiveApp:
        return create_demo_app(tmp_path / "cache.db", demo_day=DEMO_DAY, clock=clock,
                               changes_on_clock=True, **kwargs)

    return factory


def badge(app: GoLiveApp) -> str:
    return str(app.screen.query_one("#dash-gate-badge", Static).render())


def unmet_prompts(screen: DashboardScreen) -> list[str]:
    """The gate's unmet conditions as the dashboard lists them (met ones and derived items
    follow them, marked ✓ and ≡)."""
    listed = screen.query_one("#dash-unmet", OptionList)
    prompts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
    return [p for p in prompts if not p.startswith(("✓", "≡"))]


async def on_dashboard(pilot: Any) -> DashboardScreen:
    await pilot.press("1")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


async def highlight(pilot: Any, screen: DashboardScreen, name: str) -> None:
    """Arrow down the gate's list to the condition that names ``name``."""
    listed = screen.query_one("#dash-unmet", OptionList)
    listed.focus()
    await pilot.press("home")
    index = next(i for i, p in enumerate(unmet_prompts(screen)) if name in p)
    for _ in range(index):
        await pilot.press("down")
    await settle(pilot)
    option = listed.highlighted_option
    assert option is not None and name in str(option.prompt)


async def test_an_ipm_takes_todays_wave_from_no_go_to_go_by_clearing_its_blockers(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert isinstance(app.screen, DashboardScreen)
        screen = app.screen
        assert "NO-GO  4 unmet conditions" in badge(app)
        assert [p.split("  ")[0] for p in unmet_prompts(screen)] == [
            "⇄ Port order RVP-PO-1008", "✚ Location NYC Floor 2", "☎ 933 NYC Floor 2",
            "✎ Customer co-sign"]
        # the IPM does not co-sign for the customer: the key is dimmed
        assert screen.check_action("cosign", ()) is None

        # 1. the carrier's FOC for today, confirmed on the order (Porting, orders, f)
        await pilot.press("3")
        await wait_ready(pilot)
        await pilot.press("o")
        await wait_ready(pilot)
        porting = app.screen
        assert isinstance(porting, PortingScreen) and porting.page is not None
        table = porting.query_one("#orders", DataTable)
        table.focus()
        pons = [o.pon for o in porting.page.orders.values()]
        await pilot.press("home")
        for _ in range(pons.index("RVP-PO-1008")):
            await pilot.press("down")
        await settle(pilot)
        current = porting.current_order()
        assert current is not None and current.pon == "RVP-PO-1008"
        await pilot.press("f")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        # the carrier confirmed the FOC asked for: today at 11:30 ET, already filled in
        assert form.query_one("#field-foc", Input).value.endswith("11:30")
        await pilot.press("ctrl+s")
        screen = await on_dashboard(pilot)
        await until(pilot, lambda: "3 unmet conditions" in badge(app), "the FOC to count")
        assert not any("RVP-PO-1008" in p for p in unmet_prompts(screen))

        # 2. Zoom validated Floor 2's dispatchable address (Enter on it, then validated)
        await highlight(pilot, screen, "Location NYC Floor 2")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PickerModal)
        await pilot.press("enter")
        await until(pilot, lambda: "2 unmet conditions" in badge(app), "the validation")

        # 3. a 933 call from Floor 2 passed (Verification: target, test, note, p, floor)
        await pilot.press("4")
        await wait_ready(pilot)
        assert isinstance(app.screen, VerificationLogScreen)
        await pilot.press(*"NYC", "enter", *"e9", "enter", *"933 from Floor 2 ok", "enter")
        await settle(pilot)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PickerModal), "the floor picker")
        picker = app.screen
        assert isinstance(picker, PickerModal)
        floors = [str(label) for label in picker.labels]
        await pilot.press("home")
        for _ in range(next(i for i, f in enumerate(floors) if f.startswith("Floor 2"))):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert app.store is not None
        logged = app.store.verifications()[-1]
        assert (logged.test_case, logged.result) == ("E911-01", VerificationResult.PASS)
        screen = await on_dashboard(pilot)
        await until(pilot, lambda: "1 unmet condition" in badge(app), "the 933 test")
        assert [p.split("  ")[0] for p in unmet_prompts(screen)] == ["✎ Customer co-sign"]

    # 4. the customer's main contact signs in and co-signs today's wave (c)
    customer = make_app(actor="dana.whitfield", role=Role.CUSTOMER)
    async with customer.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert isinstance(customer.screen, DashboardScreen)
        screen = customer.screen
        assert screen.check_action("cosign", ()) is True
        assert screen.check_action("decide", ()) is None, "the customer makes no call"
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(customer.screen, ReasonDialog)
        await pilot.press(*"NYC staff briefed; go", "enter")
        await until(pilot, lambda: "GO " in badge(customer) and "NO-GO" not in
                    badge(customer), "the co-sign to open the gate")

    # 5. the IPM's call: GO, and no override
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert "every condition holds" in badge(app) and "NO-GO" not in badge(app)
        assert isinstance(app.screen, DashboardScreen)
        screen = app.screen
        assert screen.data is not None
        assert any(e.who == "Dana Whitfield" and e.text == "co-signed Wave 3 – New York: "
                   "NYC staff briefed; go" for e in screen.data.feed)
        await pilot.press("g")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        await pilot.press(*"Every blocker cleared", "enter")
        await settle(pilot)
        assert app.store is not None
        await until(pilot, lambda: bool(app.store and app.store.decisions()
                                        and app.store.decisions()[-1].reason
                                        == "Every blocker cleared"), "the call")
        call = app.store.decisions()[-1]
        assert call.decision is DecisionKind.GO
        assert call.override is False and list(call.unmet) == []
        wave = next(c for c in app.store.cutovers() if c.name == "Wave 3 – New York")
        assert call.cutover_id == wave.id
        assert "Last call  GO " in str(app.screen.query_one("#dash-decision", Static).render())
