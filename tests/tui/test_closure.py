"""The Hypercare & closure screen: the day's summary, acceptance by the customer,
feedback, the hand-off, support's acknowledgement and closing, at 80x24 and 160x48."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, SelectionList, Static, TextArea

from golive_tui.domain.enums import Role, SignoffKind
from golive_tui.store.intents import GiveFeedback, Sign
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.closure import ClosureScreen
from golive_tui.tui.widgets.forms import RecordForm
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

from .conftest import settle, store_of, until, wait_ready


async def open_closure(pilot: Pilot[Any]) -> ClosureScreen:
    await wait_ready(pilot)
    await pilot.press("9")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ClosureScreen)
    await until(pilot, lambda: screen.data is not None)
    return screen


async def answer(pilot: Pilot[Any], key: str, text: str) -> None:
    app = pilot.app
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ReasonDialog))
    app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)


def status(screen: ClosureScreen) -> str:
    return str(screen.query_one("#closure-status", Static).render())


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_ipm_hands_off_and_closes_with_a_reason_and_the_project_turns_read_only(
    make_app: Callable[..., GoLiveApp], size: tuple[int, int],
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_closure(pilot)
        assert app.store is not None
        table = screen.query_one("#hypercare-table", DataTable)
        assert table.row_count > 0 and "Hypercare" in str(table.border_title)
        assert "Closing waits for" in status(screen)

        await answer(pilot, "h", "3 hospitals, 2 auto receptionists, 140 desk phones")
        await until(pilot, lambda: len(store_of(app).handoffs()) == 1)
        package = app.store.handoffs()[0]
        assert package.open_issues and all(e["owner"] for e in package.open_issues)
        await until(pilot, lambda: "awaiting support" in status(screen))

        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ReasonDialog))
        app.screen.query_one(Input).value = "fine"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog), "a thin reason is refused in place"
        app.screen.query_one(Input).value = "Customer sponsor accepted by email on Friday"
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: "CLOSED" in status(screen))
        from golive_tui.tui.screens.base import ScreenTitle
        await until(pilot, lambda: "Closed · read-only" in app.screen.query_one(
            ScreenTitle).render().plain)
        project = app.store.project()
        assert project is not None and project.closed_by == "demo"
        assert project.phase == "acceptance", "the lifecycle closes with the project"
        assert {e.phase for e in app.store.phase_events() if e.action == "closed"} >= {
            "go_live", "hypercare", "acceptance"}

        before = len(app.store.feedback())
        app.run_command(GiveFeedback(5, "late"))
        await settle(pilot)
        assert len(app.store.feedback()) == before
        assert any("read-only" in str(n.message) for n in app._notifications)


async def test_acceptance_and_acknowledgement_are_refused_to_the_ipm(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_closure(pilot)
        assert app.store is not None
        assert screen.check_action("accept", ()) is None  # dimmed: the customer signs
        app.run_command(GiveFeedback(9, "too high"))
        await settle(pilot)
        assert app.store.feedback() == []


async def test_the_customer_signs_the_acceptance_with_its_exceptions(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app(role=Role.CUSTOMER, actor="dana.whitfield")  # the demo's MPOC
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_closure(pilot)
        assert app.store is not None
        assert screen.check_action("accept", ()) is True
        assert screen.check_action("feedback", ()) is True
        assert screen.check_action("hand_off", ()) is None, "the IPM hands off"
        assert screen.check_action("close_project", ()) is None
        await answer(pilot, "s", "Fax line at DEN; Paging at LAX")
        await until(pilot, lambda: "Fax line at DEN" in status(screen))
        await answer(pilot, "f", "4 Smooth cut-over")
        await until(pilot, lambda: "★★★★☆" in status(screen))
        assert [f.score for f in app.store.feedback()] == [4]


async def test_another_customer_contact_sees_the_acceptance_dimmed_and_is_refused(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app(role=Role.CUSTOMER, actor="omar.haddad")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_closure(pilot)
        assert app.store is not None
        assert screen.check_action("accept", ()) is None, "only the main contact signs"
        assert "not signed (Dana Whitfield, the MPOC, signs)" in status(screen)
        assert screen.check_action("feedback", ()) is True
        app.run_command(Sign(SignoffKind.ACCEPTANCE))
        await settle(pilot)
        assert not [s for s in app.store.signoffs()
                    if s.signoff_kind == SignoffKind.ACCEPTANCE]
        assert any("Only the customer's main contact (Dana Whitfield)" in str(n.message)
                   for n in app._notifications)


async def test_support_acknowledges_the_hand_off_and_may_not_close(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app(role=Role.SUPPORT, actor="sanjay.patel")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_closure(pilot)
        assert screen.check_action("acknowledge", ()) is None, "nothing handed off yet"
        assert screen.check_action("accept", ()) is None
        assert screen.check_action("close_project", ()) is None
        assert screen.check_action("final_call", ()) is None
        assert screen.check_action("add_gap", ()) is True
        assert screen.check_action("write_reports", ()) is True


async def test_support_acknowledges_the_hand_off_and_takes_over_its_open_issues(
    make_app: Callable[..., GoLiveApp], tmp_path: Path,
) -> None:
    from golive_tui.store.local import LocalStore

    ipm = LocalStore(tmp_path / "cache.db", actor="demo", role=Role.IPM)
    package = ipm.prepare_handoff("3 hospitals, 2 auto receptionists, 140 desk phones")
    ipm.close()
    handed = {str(e["issue_id"]) for e in package["open_issues"]}
    assert handed
    app = make_app(role=Role.SUPPORT, actor="sanjay.patel")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_closure(pilot)
        assert screen.check_action("acknowledge", ()) is True
        await pilot.press("k")
        await until(pilot, lambda: "support owns them: Sanjay Patel" in status(screen))
        owners = {i.id: i.assignee for i in store_of(app).issues() if i.id in handed}
        assert set(owners.values()) == {"sanjay.patel"}, owners


async def test_the_reports_are_written_from_the_screen_into_a_folder(
    make_app: Callable[..., GoLiveApp], tmp_path: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_closure(pilot)
        folder = tmp_path / "reports"
        await answer(pilot, "p", str(folder))
        await until(pilot, lambda: (folder / "closure.html").exists())
        await settle(pilot)
        names = {p.name for p in folder.iterdir()}
        assert {"go-live.html", "hypercare.md", "handoff.html", "closure.md"} <= names
        assert "@media print" in (folder / "go-live.html").read_text(encoding="utf-8")


def _form(pilot: Pilot[Any]) -> RecordForm:
    form = pilot.app.screen
    assert isinstance(form, RecordForm)
    return form


async def test_an_adoption_gap_is_added_and_edited_from_the_screen_at_80x24(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_closure(pilot)
        assert app.store is not None
        before = len(app.store.adoption_gaps())
        assert before > 0, "the demo carries gaps into hypercare"
        omar = next(p for p in app.store.stakeholders() if p.name == "Omar Haddad")

        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = _form(pilot)
        form.query_one("#field-site_or_group", Input).value = "CHI front desk"
        form.query_one("#field-due_at", Input).value = "next Friday"
        await pilot.press("ctrl+s")
        await settle(pilot)
        # the topic is required and the date cannot be read: said in place, nothing lost
        assert app.screen is form
        assert "required" in str(form.query_one("#record-form-error", Static).render())
        form.query_one("#field-topic", Input).value = "Hunt group members never log in"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "Due" in str(form.query_one("#record-form-error", Static).render())
        assert form.query_one("#field-site_or_group", Input).value == "CHI front desk"
        form.query_one("#field-due_at", Input).value = "2026-12-10 09:00"
        form.query_one("#field-owner", Select).value = omar.id
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(store_of(app).adoption_gaps()) == before + 1)
        gap = next(g for g in app.store.adoption_gaps() if g.site_or_group == "CHI front desk")
        assert (gap.topic, gap.owner, gap.status) == (
            "Hunt group members never log in", omar.id, "open")

        table = screen.query_one("#hypercare-table", DataTable)
        await until(pilot, lambda: gap.id in [r.value for r in table.rows])
        table.move_cursor(row=table.get_row_index(gap.id))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = _form(pilot)
        assert form.query_one("#field-topic", Input).value == gap.topic
        form.query_one("#field-status", Select).value = "following_up"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: next(
            g for g in store_of(app).adoption_gaps() if g.id == gap.id).status == "following_up")
        assert len(app.store.adoption_gaps()) == before + 1


async def test_a_gap_raised_in_error_is_withdrawn_with_a_reason_and_kept(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app(role=Role.SUPPORT, actor="lena.chen")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_closure(pilot)
        assert app.store is not None
        gap = app.store.adoption_gaps()[0]
        table = screen.query_one("#hypercare-table", DataTable)
        table.move_cursor(row=table.get_row_index(gap.id))
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ReasonDialog))
        app.screen.query_one(Input).value = "Raised twice: the night shift's gap"
        await pilot.press("enter")
        await until(pilot, lambda: next(g for g in store_of(app).adoption_gaps()
                                        if g.id == gap.id).withdrawn_at is not None)
        kept = next(g for g in app.store.adoption_gaps() if g.id == gap.id)
        assert (kept.withdrawn_by, kept.withdraw_reason) == (
            "lena.chen", "Raised twice: the night shift's gap")
        await until(pilot, lambda: "withdrawn: Raised twice" in " ".join(
            str(c) for c in table.get_row(gap.id)))
        table.move_cursor(row=table.get_row_index(gap.id))
        await settle(pilot)
        assert screen.check_action("edit_gap", ()) is None, "restore it before editing"


async def test_the_final_call_is_recorded_and_edited_from_the_screen_at_80x24(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_closure(pilot)
        assert app.store is not None and app.store.final_calls() == []
        assert "not held yet" in status(screen)

        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = _form(pilot)
        form.query_one("#field-held_at", Input).value = "2026-12-18 10:00"
        attendees = form.query_one("#field-attendees", SelectionList)
        attendees.select_all()
        form.query_one("#field-tuning", TextArea).text = "LAX queue overflow raised to 90 s"
        form.query_one("#field-open_items", TextArea).text = "Fax line at the Denver clinic"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(store_of(app).final_calls()) == 1)
        call = app.store.final_calls()[0]
        assert call.tuning == "LAX queue overflow raised to 90 s"
        assert len(call.attendees) == len(app.store.stakeholders())
        await until(pilot, lambda: "Fax line at the Denver clinic" in status(screen))

        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = _form(pilot)
        assert form.query_one("#field-tuning", TextArea).text == call.tuning
        form.query_one("#field-adoption_review", TextArea).text = "DEN night shift retrained"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: store_of(app).final_calls()[0].adoption_review
                    == "DEN night shift retrained")
        assert len(app.store.final_calls()) == 1
