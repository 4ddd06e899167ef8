"""The dashboard: the go / no-go gate the IPM watches, the jump to what holds it shut, and
the decision recorded with its reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from golive_tui.domain.enums import ChecklistStatus, DecisionKind, EntityKind, GateRule, Role
from golive_tui.domain.gate import GateResult
from golive_tui.domain.port_orders import next_activation_window
from golive_tui.store.intents import SaveRecord, SetChecklistStatus
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.checklist import ChecklistScreen
from golive_tui.tui.screens.dashboard import DashboardScreen
from golive_tui.tui.widgets.footer import KeyBar
from golive_tui.tui.widgets.forms import PickerModal
from golive_tui.tui.widgets.reason_dialog import ReasonDialog
from golive_tui.tui.widgets.row_lines import RowLines

from .conftest import DEMO_DAY, FROZEN_NOW, Notices, settle, wait_ready, wait_still

if TYPE_CHECKING:
    pass


@pytest.fixture(autouse=True)
def demo_on_the_frozen_clock(tmp_path: Path) -> None:
    """Seed the cache with the demo anchored on the tests' frozen clock.

    The demo's relative times ("opened 40 minutes ago") are otherwise anchored on the wall
    clock, which moves SLA clocks and the feed from one run to the next; make_app opens
    this file as it finds it.
    """
    from golive_tui.seed import load_demo
    from golive_tui.store.local import LocalStore

    store = LocalStore(tmp_path / "cache.db", actor="demo")
    store.write_document(load_demo(demo_day=DEMO_DAY, now=FROZEN_NOW))
    store.close()



def text_of(widget: Static) -> str:
    return str(widget.render())



def gate(app: GoLiveApp) -> GateResult:
    """The gate the dashboard shows: the current wave's, by the app's clock."""
    assert app.store is not None
    return app.store.gate(now=app.now())


def unmet_names(app: GoLiveApp) -> list[str]:
    return [c.name for c in gate(app).unmet]


#: what holds the demo's wave of the day (New York) shut, each clearable in the app
TODAYS_BLOCKERS = ["Port order RVP-PO-1008", "Location NYC Floor 2", "933 NYC Floor 2",
                   "Customer co-sign"]


async def test_dashboard_shows_no_go_and_names_every_unmet_condition(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        assert app.store is not None
        shown = gate(app)
        # today's wave (New York) is held by its own blockers, not by later waves'
        assert shown.cutover_name == "Wave 3 – New York"
        assert [c.name for c in shown.unmet] == TODAYS_BLOCKERS
        assert app.screen.query_one("#dash-gate-col").border_title == (
            "Go / no-go · Wave 3 – New York")

        badge = text_of(app.screen.query_one("#dash-gate-badge", Static))
        assert "NO-GO" in badge
        assert f"{len(shown.unmet)} unmet conditions" in badge

        listed = app.screen.query_one("#dash-unmet", OptionList)
        prompts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        # the unmet conditions first, each naming its record ...
        for cond, prompt in zip(shown.unmet, prompts, strict=False):
            assert cond.name in prompt
            assert cond.detail in prompt
        # ... then every condition that holds, with what it weighed, then the checklist
        # items the gate derives: shown, never ticked
        rest = prompts[len(shown.unmet):]
        met = [rule for rule in GateRule if shown.rule_met(rule)]
        assert [p.startswith("✓") for p in rest[:len(met)]] == [True] * len(met)
        for rule, prompt in zip(met, rest, strict=False):
            assert rule.label in prompt
        derived = rest[len(met):]
        assert derived and all("derived, not ticked" in p for p in derived)
        assert any("E911-03" in p for p in derived)
        assert not any("CHI" in p for p in prompts)
        # the wave: its sites and orders under the gate, its window and state on top
        assert app.screen.query_one("#dash-gate-col").border_subtitle == (
            "NYC · 2 orders · w waves")
        top = text_of(app.screen.query_one("#dash-countdown", Static))
        assert top.startswith("Wave 3 – New York rehearsed Thu 26 Nov 09:30–12:30 MST (11:30 ET)")


async def test_enter_on_an_unmet_gate_item_opens_the_checklist_on_that_item(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        assert app.store is not None
        # two gate items of every wave reopened: today's gate shows them
        items = {i.key: i for i in app.store.checklist()}
        for key in ("E911-01", "GL-01"):
            app.run_command(SetChecklistStatus(items[key].id, ChecklistStatus.TODO))
        await settle(pilot)
        gate_items = [c for c in gate(app).unmet if c.rule is GateRule.GATE_ITEMS]
        assert [c.name for c in gate_items] == ["Gate item E911-01", "Gate item GL-01"]
        target = gate_items[-1]  # not the first: the cursor must really move to it
        listed = app.screen.query_one("#dash-unmet", OptionList)
        listed.focus()
        listed.highlighted = [c.ref_id for c in gate(app).unmet].index(target.ref_id)
        await pilot.press("enter")
        await settle(pilot)

        assert app.current_mode == "checklist"
        screen = app.screen
        assert isinstance(screen, ChecklistScreen)
        current = screen.current_item()
        assert current is not None
        assert current.id == target.ref_id
        assert f"Gate item {current.key}" == target.name
        assert current.key in text_of(screen.query_one("#checklist-detail", Static))


async def test_go_with_unmet_conditions_needs_a_reason_and_is_recorded_as_an_override(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await wait_ready(pilot)
        assert app.store is not None
        unmet = [str(c) for c in gate(app).unmet]

        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")  # no reason
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog), "an override without a reason is refused"
        assert notices.about("Going ahead with unmet conditions needs a reason")
        assert app.store.decisions() == []

        app.screen.query_one(Input).value = "MPOC accepts the risk: CHI and LAX stay on Comcast"
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, DashboardScreen)
        decisions = app.store.decisions()
        assert len(decisions) == 1
        decision = decisions[0]
        assert decision.decision is DecisionKind.GO
        assert decision.override is True
        assert decision.unmet == unmet
        assert decision.cutover_id == gate(app).cutover_id
        assert decision.reason == "MPOC accepts the risk: CHI and LAX stay on Comcast"
        assert decision.by == "demo"

        shown = text_of(app.screen.query_one("#dash-decision", Static))
        assert " GO " in shown
        assert f"OVERRIDE of {len(unmet)} unmet" in shown
        assert "MPOC accepts the risk" in shown


async def test_a_one_character_override_reason_is_refused_and_kept_in_the_dialog(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await wait_ready(pilot)
        assert app.store is not None
        await pilot.press("g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        await pilot.press("x", "enter")
        await settle(pilot)
        assert app.screen is dialog, "a one-character reason carries no override"
        assert notices.about("at least 20 characters and 4 words")
        assert "at least 20 characters" in text_of(dialog.query_one(".reason-error", Static))
        assert dialog.query_one(Input).value == "x", "what was typed is kept"
        assert app.store.decisions() == []


async def test_go_is_dimmed_for_a_role_that_makes_no_call(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app(role=Role.ENGINEER)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot)
        assert app.store is not None
        bar = app.screen.query_one(KeyBar)
        go = next(key for key in bar.keys if key.description == "Go")
        assert not go.enabled, "the engineer makes no go / no-go call: g is shown off"
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen), "no reason is asked for in vain"
        assert app.store.decisions() == []


async def test_no_go_needs_a_reason_and_is_not_an_override(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        assert app.store is not None
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)

        app.screen.query_one(Input).value = "Comcast rejected RVP-PO-1004; resubmit first"
        await pilot.press("enter")
        await settle(pilot)
        decision = app.store.decisions()[-1]
        assert decision.decision is DecisionKind.NO_GO
        assert decision.override is False
        assert "NO-GO" in text_of(app.screen.query_one("#dash-decision", Static))


async def test_enter_on_a_location_not_validated_records_what_zoom_says_of_its_address(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        assert app.store is not None
        unmet = gate(app).unmet
        location = next(c for c in unmet if c.rule is GateRule.E911)
        listed = app.screen.query_one("#dash-unmet", OptionList)
        listed.focus()
        listed.highlighted = [c.ref_id for c in unmet].index(location.ref_id)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "dashboard"
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert picker.picker_title == "Location NYC Floor 2: its address in Zoom"
        await pilot.press("escape")  # nothing recorded
        await settle(pilot)
        assert location.name in unmet_names(app)

        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # the first choice: validated
        await settle(pilot)
        stored = next(e for e in app.store.emergency_locations() if e.id == location.ref_id)
        assert stored.status == "verified" and stored.validated_at is not None
        assert location.name not in unmet_names(app)
        shown = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert not any(location.name in p for p in shown)


async def test_evidence_recorded_elsewhere_drops_its_condition_from_the_dashboard(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        assert app.store is not None
        before = unmet_names(app)
        location = next(c for c in gate(app).unmet if c.rule is GateRule.E911)
        app.run_command(SaveRecord(EntityKind.EMERGENCY_LOCATION, location.ref_id,
                                   {"status": "verified"}))
        await settle(pilot)
        listed = app.screen.query_one("#dash-unmet", OptionList)
        prompts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert not any(location.name in p for p in prompts)
        assert [p for p in prompts if not p.startswith(("✓", "≡"))] == [
            p for p in prompts[:len(before) - 1]]
        assert location.name not in unmet_names(app)


def test_countdown_counts_to_the_next_weekday_activation_window() -> None:
    from datetime import UTC, datetime

    # Thursday 10:00 ET: today's window at 11:30 ET
    start, end = next_activation_window(FROZEN_NOW)
    assert start == datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    assert end == datetime(2026, 11, 26, 19, 30, tzinfo=UTC)
    # Friday 15:00 ET, after the window closed: Monday's
    start, _end = next_activation_window(datetime(2026, 11, 27, 20, 0, tzinfo=UTC))
    assert start == datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


async def test_the_countdown_strip_shows_cutover_window_and_site_times(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        strip = app.screen.query_one("#dash-countdown", Static).render()
        assert isinstance(strip, Content)
        text = strip.plain
        assert "Wave 3 – New York rehearsed Thu 26 Nov 09:30–12:30 MST (11:30 ET)" in text
        assert "in 1h 30m" in text
        assert "FOC window 11:30 ET" in text
        # the wave's own sites, in their local time
        assert "NYC 11:30" in text and "DEN" not in text and "LAX" not in text


# --------------------------------------------------------------------------- snapshots


async def _on_dashboard(pilot: Pilot[Any]) -> None:
    await wait_ready(pilot)
    await settle(pilot)
    await wait_still(pilot)


def test_snapshot_dashboard_80x24(snap_compare: Any, make_app: Callable[..., GoLiveApp]) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_on_dashboard)


def test_snapshot_dashboard_160x48(snap_compare: Any, make_app: Callable[..., GoLiveApp]) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=_on_dashboard)


async def test_at_80_columns_the_activity_feed_wraps_what_happened_instead_of_cutting_it(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        await pilot.press("f")  # on a narrow screen the feed takes the place of issues
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.data is not None
        feed = screen.query_one("#dash-feed", RowLines)
        shown = " ".join(str(feed.render()).split())
        width = feed.content_size.width
        long = [event.text for event in screen.data.feed if len(event.text) > width // 2]
        assert long, "some entries are longer than the room the feed has for them"
        for text in long:
            assert " ".join(text.split()) in shown
        assert "…" not in shown


async def test_w_lists_every_wave_with_its_gate_and_shows_the_one_picked(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        assert isinstance(app.screen, DashboardScreen)
        screen = app.screen
        await pilot.press("w")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerModal)
        labels = [str(label) for label in picker.labels]
        assert [label[2:].split(" · ")[0] for label in labels] == [
            "Wave 1 – Denver pilot", "Wave 2 – Los Angeles", "Wave 3 – New York",
            "Wave 4 – Chicago"]
        # today's wave is marked and highlighted; each wave says its own gate
        assert labels[2].startswith("▶ ") and labels[2].endswith("NO-GO (4 unmet)")
        assert labels[0].endswith("completed · GO")
        assert picker.query_one(OptionList).highlighted == 2
        await pilot.press("down", "enter")  # next week's Chicago
        await settle(pilot)
        assert app.screen is screen
        chicago = screen.query_one("#dash-gate-col").border_title
        assert chicago == "Go / no-go · Wave 4 – Chicago (picked: w)"
        assert "Wave 4 – Chicago planned Thu 03 Dec" in text_of(
            screen.query_one("#dash-countdown", Static))
        assert screen.data is not None and screen.data.wave is not None
        assert screen.data.wave.site_codes == ("CHI",)
        assert [o.pon for o in screen.data.orders] == ["RVP-PO-1004"]
        # Chicago's blockers are its own; today's gate is unchanged by them
        assert len(screen.data.gate.unmet) == 7
        assert len(gate(app).unmet) == 4

        # back on today's wave, the dashboard follows the clock again
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("up", "enter")
        await settle(pilot)
        assert screen.wave_id is None
        assert screen.query_one("#dash-gate-col").border_title == "Go / no-go · Wave 3 – New York"


async def test_t_moves_the_wave_on_through_the_moves_its_state_allows(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        assert app.store is not None
        await pilot.press("t")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert picker.picker_title == "Wave 3 – New York: rehearsed →"
        assert [str(label) for label in picker.labels] == ["planned", "ready"]
        await pilot.press("down", "enter")
        await settle(pilot)
        wave = next(c for c in app.store.cutovers() if c.name == "Wave 3 – New York")
        assert wave.state == "ready"
        assert "Wave 3 – New York ready" in text_of(
            app.screen.query_one("#dash-countdown", Static))


async def test_the_co_sign_key_is_the_customers_alone(
    make_app: Callable[..., GoLiveApp],
) -> None:
    for role, shown in ((Role.IPM, None), (Role.ENGINEER, None), (Role.CUSTOMER, True)):
        app = make_app(role=role)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_ready(pilot)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            assert screen.check_action("cosign", ()) is shown, role
            assert (screen.check_action("move_wave", ()) is True) is (role is Role.IPM), role


async def test_a_wave_with_nothing_in_scope_is_no_go_and_says_what_is_missing(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        assert app.store is not None
        app.run_command(SaveRecord(EntityKind.CUTOVER, None, {"name": "Wave 5 – Boston"}))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await pilot.press("w")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerModal)
        boston = next(i for i, label in enumerate(picker.labels) if "Boston" in str(label))
        assert "no date" in str(picker.labels[boston]) and "NO-GO" in str(picker.labels[boston])
        picker.query_one(OptionList).highlighted = boston
        await pilot.press("enter")
        await settle(pilot)
        badge = text_of(screen.query_one("#dash-gate-badge", Static))
        assert "NO-GO" in badge and "every condition holds" not in badge
        listed = screen.query_one("#dash-unmet", OptionList)
        prompts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert any("Scope: sites" in p and "no sites in Wave 5 – Boston" in p for p in prompts), (
            prompts, badge)
        assert any("Scope: port orders" in p for p in prompts)
        assert "Wave 5 – Boston planned not scheduled" in text_of(
            screen.query_one("#dash-countdown", Static))
