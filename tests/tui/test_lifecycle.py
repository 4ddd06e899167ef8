"""The lifecycle screen at 80x24: the phase and what is late at a glance, closing a phase
with a reason, and the people-and-scope tabs with their forms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from golive_tui.domain.enums import ChangeRequestState, LifecyclePhase, RaidType, Role
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.base import ScreenTitle
from golive_tui.tui.screens.lifecycle import LifecycleScreen
from golive_tui.tui.screens.lifecycle.data import PHASE_ROW
from golive_tui.tui.widgets.forms import RecordForm
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

from .conftest import (
    DEMO_DAY,
    FROZEN_NOW,
    Notices,
    settle,
    store_of,
    until,
    wait_ready,
    wait_still,
)

REASON = "New York ported; open items carried into hypercare with the MPOC"


@pytest.fixture(autouse=True)
def demo_on_the_frozen_clock(tmp_path: Path) -> None:
    """The demo anchored on the tests' frozen clock, so "late" means the same every run."""
    from golive_tui.seed import load_demo
    from golive_tui.store.local import LocalStore

    store = LocalStore(tmp_path / "cache.db", actor="demo")
    store.write_document(load_demo(demo_day=DEMO_DAY, now=FROZEN_NOW))
    store.close()


async def open_lifecycle(pilot: Pilot[Any]) -> LifecycleScreen:
    await wait_ready(pilot)
    await pilot.press("6")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LifecycleScreen)
    await until(pilot, lambda: screen.data is not None, "the lifecycle to load")
    return screen


def text_of(widget: Static) -> str:
    return str(widget.render())


def title_of(app: GoLiveApp) -> str:
    return app.screen.query_one(ScreenTitle).render().plain


async def put_cursor(pilot: Pilot[Any], table: DataTable[Any], key: str) -> None:
    keys = [row.key.value for row in table.ordered_rows]
    table.move_cursor(row=keys.index(key))
    await pilot.pause()


def phase_of(app: GoLiveApp) -> LifecyclePhase:
    assert app.store is not None
    project = app.store.project()
    assert project is not None
    return LifecyclePhase(project.phase)


async def test_the_screen_shows_the_phase_and_what_is_late(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lifecycle(pilot)
        assert "Phase 5/7 Go-live" in title_of(app)
        timeline = text_of(screen.query_one("#lifecycle-timeline", Static))
        assert "✓4 Build" in timeline and "▶5 Go-live" in timeline
        # the build milestone past its plan, and POR-04 past due in the current phase
        assert "2 late" in timeline

        table = screen.query_one("#phases-table", DataTable)
        keys = [str(row.key.value) for row in table.ordered_rows]
        assert keys.count(PHASE_ROW + "go_live") == 1 and len(keys) == 7 + 8
        # the build milestone's plan passed two business days ago, and it is not done
        assert app.store is not None
        build = next(m for m in app.store.milestones() if m.name.startswith("Build complete"))
        assert "late" in str(table.get_cell(build.id, "status"))
        assert "Theo" in str(table.get_cell(build.id, "owner"))
        # the cursor starts on the current phase, whose detail lists its unmet criteria
        assert keys[table.cursor_row] == PHASE_ROW + "go_live"
        detail = text_of(screen.query_one("#phases-detail", Static))
        assert "Exit criteria unmet" in detail and "Checklist GL-04: todo" in detail
        # and what of it is late: its checklist items past due and still open
        assert "Late: POR-04 overdue" in detail

        # every screen carries the phase on its title line
        await pilot.press("3")
        await settle(pilot)
        assert "Phase 5/7 Go-live" in title_of(app)


async def test_closing_a_phase_over_unmet_criteria_takes_a_reason_and_moves_the_project(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await wait_ready(pilot)
        await pilot.press("3")  # the porting tracker, seen before the phase moves
        await settle(pilot)
        screen = await open_lifecycle(pilot)
        await put_cursor(pilot, screen.query_one("#phases-table", DataTable),
                         PHASE_ROW + "go_live")

        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        # a thin reason is refused in place, by the domain's rule, and nothing is recorded
        dialog.query_one(Input).value = "done"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert notices.about("needs a reason of at least 20 characters")
        assert phase_of(app) is LifecyclePhase.GO_LIVE

        dialog.query_one(Input).value = REASON
        await pilot.press("enter")
        await until(pilot, lambda: phase_of(app) is LifecyclePhase.HYPERCARE,
                    "the project to move to hypercare")
        assert app.store is not None
        event = app.store.phase_events()[-1]
        assert (event.phase, event.action, event.reason) == ("go_live", "closed", REASON)
        assert "Checklist GL-04: todo" in event.unmet
        await until(pilot, lambda: "Phase 6/7 Hypercare" in title_of(app),
                    "the title to show the new phase")
        timeline = text_of(screen.query_one("#lifecycle-timeline", Static))
        assert "✓5 Go-live" in timeline and "▶6 Hypercare" in timeline
        # a screen shown before the move says the new phase when it is shown again
        await pilot.press("3")
        await until(pilot, lambda: "Phase 6/7 Hypercare" in title_of(app),
                    "the porting tracker's title to show the new phase")
        await pilot.press("6")
        await settle(pilot)

        # and reopened: the IPM takes the project back, with a reason
        await put_cursor(pilot, screen.query_one("#phases-table", DataTable),
                         PHASE_ROW + "go_live")
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        app.screen.query_one(Input).value = "The carrier snapped back the Chelsea numbers"
        await pilot.press("enter")
        await until(pilot, lambda: phase_of(app) is LifecyclePhase.GO_LIVE,
                    "the project to go back to go-live")


async def test_the_customer_sees_dimmed_what_the_permissions_keep_from_her(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app(role=Role.CUSTOMER, actor="dana.whitfield")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lifecycle(pilot)
        expected = {"people": (None, None), "raid": (None, None), "changes": (True, None)}
        for tab, (add, edit) in expected.items():
            screen.action_show_tab(tab)
            await settle(pilot)
            assert (screen.check_action("add", ()), screen.check_action("edit", ())) == (
                add, edit), tab
        screen.action_show_tab("kickoff")
        await settle(pilot)
        assert screen.check_action("toggle_action", ()) is True, "she ticks off her actions"
        assert screen.check_action("edit_kickoff", ()) is None


async def test_an_engineer_cannot_close_a_phase(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app(role=Role.ENGINEER, actor="joy.okafor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lifecycle(pilot)
        await put_cursor(pilot, screen.query_one("#phases-table", DataTable),
                         PHASE_ROW + "go_live")
        # the key is there but dimmed: the permissions say only the IPM moves phases
        assert screen.check_action("close_phase", ()) is None
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is screen
        assert phase_of(app) is LifecyclePhase.GO_LIVE


async def test_a_raid_entry_is_added_through_its_form_with_an_owner_from_the_stakeholders(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lifecycle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert screen.tab == "raid"
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        owners = next(f for f in form.fields if f.name == "owner").choices
        assert app.store is not None
        priya = next(p for p in app.store.stakeholders() if p.name == "Priya Raman")
        assert (priya.id, "Priya Raman · Customer contact") in owners

        form.query_one("#field-title", Input).value = "AT&T change freeze in December"
        form.query_one("#field-owner", Select).value = priya.id
        form.query_one("#field-due_at", Input).value = "next Friday"
        await pilot.press("ctrl+s")
        await settle(pilot)
        # a date it cannot read is said in place; the form keeps what was typed
        assert app.screen is form
        assert "is not a date" in text_of(form.query_one("#record-form-error", Static))

        form.query_one("#field-due_at", Input).value = "2026-12-04 12:00"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(r.title.startswith("AT&T change freeze")
                                       for r in store_of(app).raid_items()),
                    "the RAID entry to be stored")
        entry = next(r for r in app.store.raid_items() if r.title.startswith("AT&T"))
        assert (entry.raid_type, entry.owner) == (RaidType.RISK, priya.id)
        assert entry.due_at is not None and entry.due_at.hour == 19  # 12:00 Denver, in UTC


async def test_a_change_request_is_rejected_with_its_reason(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lifecycle(pilot)
        await pilot.press("C")
        await settle(pilot)
        assert app.store is not None
        proposed = next(c for c in app.store.change_requests()
                        if c.state is ChangeRequestState.PROPOSED)
        await put_cursor(pilot, screen.query_one("#changes-table", DataTable), proposed.id)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        app.screen.query_one(Input).value = "Out of scope; quoted separately"
        await pilot.press("enter")
        await until(pilot, lambda: any(
            c.id == proposed.id and c.state is ChangeRequestState.REJECTED
            for c in store_of(app).change_requests()), "the change request to be rejected")
        decided = app.store.get(type(proposed), proposed.id)
        assert decided is not None and decided.decision_reason.startswith("Out of scope")


async def test_a_stakeholder_is_added_with_a_phone_checked_in_the_form_and_a_member_linked(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lifecycle(pilot)
        await pilot.press("S")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#field-name", Input).value = "Lena Chen"
        form.query_one("#field-role", Select).value = "support"
        form.query_one("#field-phone", Input).value = "303-555"
        form.query_one("#field-user", Select).value = "lena.chen"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # the domain's word on the number, said in place
        assert "phone" in text_of(form.query_one("#record-form-error", Static))

        form.query_one("#field-phone", Input).value = "(303) 555-0161"
        await pilot.press("ctrl+s")
        assert app.store is not None
        await until(pilot, lambda: any(p.name == "Lena Chen"
                                       for p in store_of(app).stakeholders()),
                    "the stakeholder to be stored")
        lena = next(p for p in app.store.stakeholders() if p.name == "Lena Chen")
        assert (lena.phone, lena.user, lena.role.value) == ("+13035550161", "lena.chen", "support")
        assert screen.tab == "people"


# --------------------------------------------------------------------------- snapshots


async def _on_lifecycle(pilot: Pilot[Any]) -> None:
    await open_lifecycle(pilot)
    await wait_still(pilot)


def test_snapshot_lifecycle_80x24(snap_compare: Any, make_app: Callable[..., GoLiveApp]) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_on_lifecycle)


def test_snapshot_lifecycle_160x48(snap_compare: Any, make_app: Callable[..., GoLiveApp]) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=_on_lifecycle)
