"""The checklist: tick items off in one key, skip only with a reason, filter to what matters,
and see what an item waits on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from golive_tui.domain.enums import ChecklistStatus
from golive_tui.store.intents import SetChecklistStatus
from golive_tui.store.tables import ChecklistItemRow
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.checklist import PHASE_ROW, ChecklistScreen
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

from .conftest import DEMO_DAY, FROZEN_NOW, Notices, settle, wait_ready, wait_still

FINISHED = {ChecklistStatus.DONE, ChecklistStatus.SKIPPED}


@pytest.fixture(autouse=True)
def demo_on_the_frozen_clock(tmp_path: Path) -> None:
    """Seed the cache with the demo anchored on the tests' frozen clock (see
    test_dashboard.py): due times and "overdue" then mean the same on every run."""
    from golive_tui.seed import load_demo
    from golive_tui.store.local import LocalStore

    store = LocalStore(tmp_path / "cache.db", actor="demo")
    store.write_document(load_demo(demo_day=DEMO_DAY, now=FROZEN_NOW))
    store.close()



async def open_checklist(pilot: Pilot[Any]) -> ChecklistScreen:
    await wait_ready(pilot)
    await pilot.app.switch_mode("checklist")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ChecklistScreen)
    return screen


def item_ids_shown(screen: ChecklistScreen) -> list[str]:
    table = screen.query_one(DataTable)
    keys = [row.key.value for row in table.ordered_rows]
    return [k for k in keys if k is not None and not k.startswith(PHASE_ROW)]


def by_key(app: GoLiveApp, key: str) -> ChecklistItemRow:
    assert app.store is not None
    return next(i for i in app.store.checklist() if i.key == key)



async def test_marking_an_item_done_stores_it_done_by_the_actor(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_checklist(pilot)
        assert app.store is not None
        item = next(i for i in app.store.checklist() if i.status is ChecklistStatus.IN_PROGRESS)
        screen.focus_record(item.id)
        await pilot.pause()
        rows_before = screen.query_one(DataTable).row_count

        await pilot.press("x")
        await settle(pilot)

        stored = by_key(app, item.key)
        assert stored.status is ChecklistStatus.DONE
        assert stored.done_by == "demo"
        assert stored.done_at is not None
        # updated in place: same rows, cursor still on the item, its status cell says done
        table = screen.query_one(DataTable)
        assert table.row_count == rows_before
        current = screen.current_item()
        assert current is not None and current.id == item.id
        assert "done" in str(table.get_cell(item.id, "status"))

        await pilot.press("space")  # done again: back to todo
        await settle(pilot)
        assert by_key(app, item.key).status is ChecklistStatus.TODO
        assert by_key(app, item.key).done_by == ""


async def test_skipping_needs_a_comment(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_checklist(pilot)
        assert app.store is not None
        item = next(i for i in app.store.checklist() if i.status is ChecklistStatus.TODO)
        screen.focus_record(item.id)
        await pilot.pause()

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")  # no comment
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog), "the dialog stays open to take one"
        assert "Refused: Skipping a checklist item needs a comment saying why. Type one, " \
            "or press Esc to leave the item as it is." in notices.messages
        assert by_key(app, item.key).status is ChecklistStatus.TODO

        app.screen.query_one(Input).value = "Customer has no paging at this site"
        await pilot.press("enter")
        await settle(pilot)
        stored = by_key(app, item.key)
        assert stored.status is ChecklistStatus.SKIPPED
        assert stored.skip_comment == "Customer has no paging at this site"
        detail = str(screen.query_one("#checklist-detail", Static).render())
        assert "skipped: Customer has no paging at this site" in detail


async def test_escape_in_the_skip_dialog_leaves_the_item_alone(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_checklist(pilot)
        item = screen.current_item()
        assert item is not None
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert by_key(app, item.key).status is item.status


async def test_overdue_filter_shows_only_overdue_items(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_checklist(pilot)
        assert app.store is not None
        items = app.store.checklist()
        overdue = {i.id for i in items
                   if i.status not in FINISHED and i.due_at is not None and i.due_at < FROZEN_NOW}
        assert overdue and len(overdue) < len(items)

        await pilot.press("o")
        await pilot.pause()
        assert set(item_ids_shown(screen)) == overdue
        bar = str(screen.query_one("#checklist-filters", Static).render())
        assert f"{len(overdue)} of {len(items)}" in bar
        # overdue items are marked in red in the due column
        due = screen.query_one(DataTable).get_cell(next(iter(overdue)), "due")
        assert app.theme_variables["error"].lower() in str(due.style).lower()

        await pilot.press("escape")
        await pilot.pause()
        assert len(item_ids_shown(screen)) == len(items)


async def test_gate_and_waiting_filters_combine(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_checklist(pilot)
        assert app.store is not None
        items = app.store.checklist()
        await pilot.press("g")
        await pilot.pause()
        assert set(item_ids_shown(screen)) == {i.id for i in items if i.gate}
        await pilot.press("w")
        await pilot.pause()
        shown = [screen.item(i) for i in item_ids_shown(screen)]
        assert shown and all(
            i is not None and i.gate and (i.status is ChecklistStatus.BLOCKED or i.waiting)
            for i in shown
        )


async def test_mine_filter_keeps_the_items_assigned_to_the_actor(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app(actor="joy.okafor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_checklist(pilot)
        assert app.store is not None
        mine = {i.id for i in app.store.checklist() if i.assignee == "joy.okafor"}
        assert mine
        await pilot.press("m")
        await pilot.pause()
        assert set(item_ids_shown(screen)) == mine


async def test_an_item_with_open_predecessors_says_what_it_waits_on(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_checklist(pilot)
        assert app.store is not None
        items = app.store.checklist()
        keys = {i.id: i for i in items}
        waiting = next(
            i for i in items
            if i.status not in FINISHED
            and any(keys[p].status not in FINISHED for p in i.predecessors)
        )
        first_open = next(keys[p].key for p in waiting.predecessors
                          if keys[p].status not in FINISHED)
        screen.focus_record(waiting.id)
        await pilot.pause()

        detail = str(screen.query_one("#checklist-detail", Static).render())
        assert f"waits on {first_open}" in detail
        status = str(screen.query_one(DataTable).get_cell(waiting.id, "status"))
        assert f"waits {first_open}" in status

        # once the predecessor is done it no longer waits on it
        pred = next(keys[p] for p in waiting.predecessors if keys[p].key == first_open)
        app.run_command(SetChecklistStatus(pred.id, ChecklistStatus.DONE))
        await settle(pilot)
        assert f"waits {first_open}" not in str(
            screen.query_one(DataTable).get_cell(waiting.id, "status"))


async def test_a_refused_change_says_why(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_checklist(pilot)
        assert app.store is not None
        blocked = next(i for i in app.store.checklist() if i.status is ChecklistStatus.BLOCKED)
        screen.focus_record(blocked.id)
        await pilot.pause()
        await pilot.press("x")
        await settle(pilot)
        assert any("Unblock it first" in m for m in notices.messages)
        assert by_key(app, blocked.key).status is ChecklistStatus.BLOCKED


async def focus_item(pilot: Pilot[Any], app: GoLiveApp, key: str) -> tuple[ChecklistScreen, Any]:
    """The checklist open with its cursor on the item of this key; the screen and the item."""
    screen = await open_checklist(pilot)
    item = by_key(app, key)
    screen.focus_record(item.id)
    await pilot.pause()
    return screen, item


async def test_an_item_is_not_done_before_what_it_waits_on_and_says_so(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await focus_item(pilot, app, "ACC-06")  # "Project closed", after sign-off and survey
        await pilot.press("x")
        await settle(pilot)
        assert any("ACC-06 cannot be done while ACC-04 (todo), ACC-05 (todo) are open" in m
                   for m in notices.messages), notices.messages
        assert by_key(app, "ACC-06").status is ChecklistStatus.TODO


async def test_the_customers_sign_off_is_not_the_ipms_to_tick(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await focus_item(pilot, app, "ACC-04")
        await pilot.press("x")
        await settle(pilot)
        assert any("Only the customer's main contact" in m and "ACC-04" in m
                   for m in notices.messages), notices.messages
        assert by_key(app, "ACC-04").status is ChecklistStatus.TODO


async def test_an_item_is_assigned_to_a_stakeholder_picked_with_their_role(
    make_app: Callable[..., GoLiveApp],
) -> None:
    from textual.widgets import OptionList

    from golive_tui.tui.widgets.forms import PickerModal

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await focus_item(pilot, app, "ACC-04")
        await pilot.press("p")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert "Dana Whitfield · MPOC" in picker.labels
        assert not any(label.startswith("Omar Haddad") for label in picker.labels), (
            "a stakeholder who does not sign in is no assignee")
        picker.query_one(OptionList).highlighted = picker.labels.index("Dana Whitfield · MPOC")
        await pilot.press("enter")
        await settle(pilot)
        assert by_key(app, "ACC-04").assignee == "dana.whitfield"


async def test_a_derived_gate_item_is_shown_as_derived_and_not_ticked(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        # "Emergency address verified for every site"
        screen, derived = await focus_item(pilot, app, "E911-03")
        detail = str(screen.query_one("#checklist-detail", Static).render())
        assert "derived from the records: Every emergency location" in detail
        assert "nobody ticks it" in detail
        await pilot.press("x")
        await settle(pilot)
        assert any("E911-03 is derived from the records" in m for m in notices.messages), (
            notices.messages)
        assert by_key(app, "E911-03").status is derived.status


# --------------------------------------------------------------------------- snapshots


async def _on_checklist(pilot: Pilot[Any]) -> None:
    await open_checklist(pilot)
    await wait_still(pilot)


def test_snapshot_checklist_80x24(snap_compare: Any, make_app: Callable[..., GoLiveApp]) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_on_checklist)


def test_snapshot_checklist_160x48(snap_compare: Any, make_app: Callable[..., GoLiveApp]) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=_on_checklist)
