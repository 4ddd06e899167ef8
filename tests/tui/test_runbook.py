"""The Runbook screen: today's wave's live run, steps started and finished with keys, the
rules' refusals said, the rehearsal and the comparison with plan, and another wave."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, SelectionList, Static

from golive_tui.domain.enums import EntityKind, Role, RunbookRunKind, StepRunState
from golive_tui.store.intents import SaveRecord
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.factory import create_demo_app
from golive_tui.tui.screens.runbook import RunbookScreen
from golive_tui.tui.widgets.forms import RecordForm
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

from .conftest import DEMO_DAY, FROZEN_NOW, settle, store_of, until, wait_ready


async def open_runbook(pilot: Pilot[Any]) -> RunbookScreen:
    await wait_ready(pilot)
    await pilot.press("8")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RunbookScreen)
    await until(pilot, lambda: table(screen).row_count > 0)
    return screen


def table(screen: RunbookScreen) -> DataTable[Any]:
    return screen.query_one("#rb-table", DataTable)


def head(screen: RunbookScreen) -> str:
    return str(screen.query_one("#rb-head", Static).render())


def row_text(screen: RunbookScreen, title: str) -> str:
    t = table(screen)
    for key in t.rows:
        cells = " ".join(str(c) for c in t.get_row(key))
        if title in cells:
            return cells
    raise AssertionError(f"no row with {title!r}")


def select(screen: RunbookScreen, title: str) -> None:
    step = next(v for v in screen.views if str(v.step["title"]).startswith(title))
    t = table(screen)
    t.move_cursor(row=t.get_row_index(str(step.step["id"])))


def state_of(app: GoLiveApp, screen: RunbookScreen, title: str) -> StepRunState:
    assert app.store is not None and screen.data is not None
    step = next(s for s in screen.data.steps if s.title.startswith(title))
    run = screen.data.latest(RunbookRunKind.LIVE)
    assert run is not None
    found = [t for t in app.store.runbook_timings([run.id]) if t.step_id == step.id]
    return StepRunState(found[0].state) if found else StepRunState.PENDING


def notices(app: GoLiveApp) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_live_run_is_driven_with_keys_and_the_rules_refuse_with_their_reason(
    make_app: Callable[..., GoLiveApp], size: tuple[int, int],
) -> None:
    app = make_app()
    async with app.run_test(size=size, notifications=True) as pilot:
        screen = await open_runbook(pilot)
        assert "Wave 3 – New York" in head(screen)
        assert "Live run" in head(screen)
        assert "Next: now: Customer co-sign" in head(screen)
        assert "blocked" in row_text(screen, "Go / no-go")
        assert "done" in row_text(screen, "Change freeze")

        # a blocked step: refused with what it waits for, nothing recorded
        select(screen, "Go / no-go")
        await pilot.press("s")
        await until(pilot, lambda: any("waits for" in n for n in notices(app)))
        assert state_of(app, screen, "Go / no-go") is StepRunState.PENDING

        select(screen, "Customer co-sign")
        await pilot.press("f")
        await until(pilot, lambda: state_of(app, screen, "Customer co-sign")
                    is StepRunState.DONE)
        await until(pilot, lambda: "done" in row_text(screen, "Customer co-sign"))
        select(screen, "Go / no-go")
        await pilot.press("s")
        await until(pilot, lambda: state_of(app, screen, "Go / no-go")
                    is StepRunState.IN_PROGRESS)
        # the checkpoint waits for the wave's GO
        await pilot.press("f")
        await until(pilot, lambda: any("gate is not GO" in n for n in notices(app)))
        assert state_of(app, screen, "Go / no-go") is StepRunState.IN_PROGRESS

        # a skip asks why
        await until(pilot, lambda: "running" in row_text(screen, "Go / no-go"))
        select(screen, "Rollback: tell staff")
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, ReasonDialog))
        app.screen.query_one(Input).value = "Staff were told at the huddle"
        await pilot.press("enter")
        await until(pilot, lambda: state_of(app, screen, "Rollback: tell staff")
                    is StepRunState.SKIPPED)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_rehearsal_against_plan_and_another_wave(
    make_app: Callable[..., GoLiveApp], size: tuple[int, int],
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_runbook(pilot)
        await pilot.press("r")
        await until(pilot, lambda: "Rehearsal run" in head(screen))
        assert "skipped" in row_text(screen, "Rollback: request a snap")
        await pilot.press("c")
        await until(pilot, lambda: "Reh" in [str(c.label) for c in table(screen).columns.values()])
        # planned 45 minutes, 80 in the rehearsal, 60 live
        assert "45 80 60 +35" in row_text(screen, "Desk phones")
        assert screen.size.width <= size[0]
        await pilot.press("w")
        await until(pilot, lambda: "Wave 4 – Chicago" in head(screen))
        assert "No rehearsal run yet" in head(screen)
        await pilot.press("n")
        await until(pilot, lambda: "Rehearsal run started" in head(screen))


async def test_a_step_past_its_planned_start_stands_out_as_late(
    tmp_path: Path, demo_cache_template: Path,
) -> None:
    """At 11:10 ET the go / no-go call (planned 11:00 ET) has not started: it is late."""
    shutil.copyfile(demo_cache_template, tmp_path / "cache.db")
    app = create_demo_app(tmp_path / "cache.db", demo_day=DEMO_DAY,
                          clock=lambda: FROZEN_NOW + timedelta(minutes=70))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_runbook(pilot)
        assert "late" in row_text(screen, "Go / no-go")
        assert "1 late" in head(screen)
        assert "late" not in row_text(screen, "Release the orders")
        assert "running" in row_text(screen, "Customer co-sign")


async def test_a_step_is_added_and_edited_in_a_form_at_80x24(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_runbook(pilot)
        assert app.store is not None and screen.data is not None
        cutover = screen.data.cutover
        assert cutover is not None
        before = len(screen.data.steps)
        freeze = next(s for s in screen.data.steps if s.title.startswith("Change freeze"))

        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        assert isinstance(app.screen, RecordForm)
        form = app.screen
        form.query_one("#field-title", Input).value = "Paging zones re-tested at reception"
        form.query_one("#field-offset_minutes", Input).value = "T-1:30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        # minutes it cannot read are said in place; the form keeps what was typed
        assert app.screen is form
        assert "whole minutes" in str(form.query_one("#record-form-error", Static).render())
        form.query_one("#field-offset_minutes", Input).value = "-90"
        form.query_one("#field-depends_on", SelectionList).select(freeze.id)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(store_of(app).runbook_steps(cutover.id)) == before + 1)
        added = next(s for s in app.store.runbook_steps(cutover.id)
                     if s.title == "Paging zones re-tested at reception")
        assert (added.offset_minutes, added.duration_minutes, added.depends_on) == (
            -90, 15, [freeze.id])
        await until(pilot, lambda: "T-1:30" in row_text(screen, "Paging zones"))

        select(screen, "Paging zones")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = app.screen
        assert isinstance(form, RecordForm)
        assert form.query_one("#field-offset_minutes", Input).value == "-90"
        form.query_one("#field-duration_minutes", Input).value = "25"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: next(
            s for s in store_of(app).runbook_steps(cutover.id) if s.id == added.id
        ).duration_minutes == 25)
        assert len(app.store.runbook_steps(cutover.id)) == before + 1


async def test_a_step_is_withdrawn_with_a_reason_and_leaves_the_run(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_runbook(pilot)
        assert app.store is not None and screen.data is not None
        cutover = screen.data.cutover
        assert cutover is not None
        app.run_command(SaveRecord(EntityKind.RUNBOOK_STEP, None, {
            "cutover_id": cutover.id, "offset_minutes": 30, "title": "Paging zones re-tested"}))
        await until(pilot, lambda: any(str(v.step["title"]) == "Paging zones re-tested"
                                       for v in screen.views))
        select(screen, "Paging zones")
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ReasonDialog))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog), "a withdrawal needs its reason"
        app.screen.query_one(Input).value = "Paging was retired last week"
        await pilot.press("enter")
        await until(pilot, lambda: not any(str(v.step["title"]) == "Paging zones re-tested"
                                           for v in screen.views))
        step = next(s for s in app.store.runbook_steps(cutover.id)
                    if s.title == "Paging zones re-tested")
        assert step.withdrawn_at is not None and step.withdrawn_by == "demo"
        assert step.withdraw_reason == "Paging was retired last week"


@pytest.mark.parametrize(("role", "may_run"), [(Role.CUSTOMER, False), (Role.VIEWER, False),
                                               (Role.ENGINEER, True), (Role.IPM, True)])
async def test_keys_a_role_may_not_use_are_dimmed_by_the_domains_permissions(
    make_app: Callable[..., GoLiveApp], role: Role, may_run: bool,
) -> None:
    app = make_app(role=role, actor="someone")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_runbook(pilot)
        expected = True if may_run else None
        for action in ("move", "skip", "new_run", "add_step", "edit_step", "withdraw_step"):
            assert screen.check_action(action, ()) is expected, action
        for action in ("other_run", "compare", "wave"):
            assert screen.check_action(action, ()) is True, action
