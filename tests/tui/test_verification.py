"""On-site verification: log a test call in two keys, keep the form when a target is wrong,
retest by appending, and open a linked issue from a failure in one key."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from textual import events
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from golive_tui.domain.enums import IssueCategory, Priority, VerificationResult
from golive_tui.store.tables import VerificationRow
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.verification import VerificationLogScreen, resolve_test_case
from golive_tui.tui.widgets.forms import PickerModal, RecordForm
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

from .conftest import (
    FROZEN_NOW,
    Notices,
    settle,
    steady_cursors,
    store_of,
    until,
    wait_ready,
    wait_still,
)


async def open_verification(pilot: Pilot[Any]) -> VerificationLogScreen:
    await wait_ready(pilot)
    await pilot.press("4")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, VerificationLogScreen)
    return screen


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*text)


async def fill_form(pilot: Pilot[Any], target: str, test: str, note: str) -> None:
    """Target, Enter, test, Enter, then the note typed (the note field keeps the focus)."""
    await type_text(pilot, target)
    await pilot.press("enter")
    await type_text(pilot, test)
    await pilot.press("enter")
    await type_text(pilot, note)


def site_id(app: GoLiveApp, code: str) -> str:
    assert app.store is not None
    return next(site.id for site in app.store.sites() if site.code == code)


def newest(app: GoLiveApp) -> VerificationRow:
    assert app.store is not None
    return max(app.store.verifications(), key=lambda v: v.tested_at or FROZEN_NOW)


def field(screen: VerificationLogScreen, name: str) -> Input:
    return screen.query_one(f"#ver-{name}", Input)


def matrix_cell(screen: VerificationLogScreen, code: str, site: str) -> str:
    return str(screen.query_one("#ver-matrix", DataTable).get_cell(code, site))


def test_test_cases_resolve_from_what_people_type() -> None:
    def code(text: str) -> str | None:
        case = resolve_test_case(text)
        return case.code if case is not None else None

    assert code("e9") == "E911-01"  # the first by prefix, as the type-ahead suggests
    assert code("E911-02") == "E911-02"
    assert code("e91102") == "E911-02"
    assert code("933") == "E911-01"
    assert code("911") is None, "a 911 call is not a 933 test"
    assert code("did") == "DID"
    assert code("zz") is None
    assert code("") is None


async def test_failed_933_test_at_lax_opens_a_linked_p1_issue_in_one_key(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        before = len(app.store.verifications())
        assert isinstance(app.focused, Input) and app.focused.id == "ver-target"

        await type_text(pilot, "LAX")
        await pilot.press("enter")
        await type_text(pilot, "e9")  # type-ahead: Enter accepts E911-01
        await pilot.press("enter")
        await type_text(pilot, "933 callback address wrong")
        await pilot.press("enter")  # to the matrix, on the E911-01 × LAX cell
        await pilot.pause()
        assert app.focused is screen.query_one("#ver-matrix")
        await pilot.press("f")
        # a 933 test names the floor it was dialled from: LAX has one
        await until(pilot, lambda: isinstance(app.screen, PickerModal))
        assert isinstance(app.screen, PickerModal)
        assert "933 test at LAX" in app.screen.picker_title
        assert len(app.store.verifications()) == before, "nothing logged before the floor"
        await pilot.press("enter")
        await settle(pilot)

        entries = app.store.verifications()
        assert len(entries) == before + 1
        entry = newest(app)
        assert (entry.test_case, entry.target, entry.result) == (
            "E911-01", "LAX", VerificationResult.FAIL)
        floor = next(e for e in app.store.emergency_locations() if e.site_id == entry.site_id)
        assert entry.emergency_location_id == floor.id
        assert entry.note == "933 callback address wrong"
        assert entry.site_id == site_id(app, "LAX")
        assert entry.tester == "demo"
        assert matrix_cell(screen, "E911-01", site_id(app, "LAX")).startswith("✗")
        assert field(screen, "note").value == "", "the note was logged, so it clears"
        assert field(screen, "target").value == "LAX", "target and test stay for a retest"

        await pilot.press("o")
        await settle(pilot)

        linked = [i for i in app.store.issues() if i.verification_id == entry.id]
        assert len(linked) == 1
        issue = linked[0]
        assert issue.priority is Priority.P1
        assert issue.category is IssueCategory.E911_ADDRESS
        assert issue.site_id == site_id(app, "LAX")
        assert issue.title == "E911-01 failed at LAX: 933 callback address wrong"

        await pilot.press("o")  # a second o does not open a duplicate
        await settle(pilot)
        assert len([i for i in app.store.issues() if i.verification_id == entry.id]) == 1


async def test_alt_f_in_the_note_logs_a_failed_main_number_and_its_issue_is_p1(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        await type_text(pilot, "1-213-555-0100")  # LAX's main number, written any way
        await pilot.press("enter")
        await type_text(pilot, "DID")
        await pilot.press("enter")
        await type_text(pilot, "fast busy")
        await pilot.press("alt+f")
        await settle(pilot)

        entry = newest(app)
        assert (entry.test_case, entry.target, entry.result) == (
            "DID", "+12135550100", VerificationResult.FAIL)
        assert entry.site_id == site_id(app, "LAX")
        main = app.store.number_by_e164("+12135550100")
        assert main is not None and entry.number_id == main.id
        # the failure is selected in the log, so o reaches it from here
        assert app.focused is screen.query_one("#ver-log")

        await pilot.press("o")
        await settle(pilot)
        issue = next(i for i in app.store.issues() if i.verification_id == entry.id)
        assert issue.priority is Priority.P1, "a dead main number is a P1"
        assert issue.number_id == main.id
        assert issue.category is IssueCategory.INBOUND_NOT_REACHING


async def test_a_retest_appends_and_the_matrix_shows_the_latest(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        lax = site_id(app, "LAX")
        before = len(app.store.verifications())
        await type_text(pilot, "lax")
        await pilot.press("enter")
        await type_text(pilot, "E911-01")
        await pilot.press("enter", "enter")
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, PickerModal))
        await pilot.press("enter")  # from LAX's one floor
        await settle(pilot)
        assert matrix_cell(screen, "E911-01", lax).startswith("✗")

        await pilot.press("p")  # same cell: the retest passes
        await until(pilot, lambda: isinstance(app.screen, PickerModal))
        await pilot.press("enter")
        await settle(pilot)

        lax_933 = [v for v in app.store.verifications()
                   if v.test_case == "E911-01" and v.target == "LAX"]
        assert [v.result for v in lax_933] == [VerificationResult.FAIL, VerificationResult.PASS]
        assert len(app.store.verifications()) == before + 2, "the log only appends"
        assert matrix_cell(screen, "E911-01", lax).startswith("✓")
        log = screen.query_one("#ver-log", DataTable)
        assert log.row_count == before + 2
        first_row = log.get_row_at(0)
        assert "pass" in first_row[1].plain and str(first_row[2]) == "E911-01"


async def test_a_bad_number_shows_a_clear_notice_and_the_form_keeps_its_text(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        before = len(app.store.verifications())
        await type_text(pilot, "213-555-01")
        await pilot.press("enter")
        await type_text(pilot, "DID")
        await pilot.press("enter")
        await type_text(pilot, "no ring")
        await pilot.press("alt+p")
        await settle(pilot)

        assert len(app.store.verifications()) == before
        assert any(
            m.startswith("Not logged: '213-555-01' is not a valid number: too short")
            for m in notices.messages
        ), notices.messages
        assert "too short" in str(screen.query_one("#ver-hint").render())
        assert field(screen, "target").value == "213-555-01"
        assert field(screen, "test").value == "DID"
        assert field(screen, "note").value == "no ring"


async def test_a_number_outside_the_project_is_refused_and_nothing_is_lost(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        before = len(app.store.verifications())
        await type_text(pilot, "(415) 555-0123")
        await pilot.press("enter")
        await type_text(pilot, "DID")
        await pilot.press("alt+f")
        await settle(pilot)

        assert len(app.store.verifications()) == before
        assert any("(415) 555-0123 is not a number of this project" in m
                   for m in notices.messages), notices.messages
        assert field(screen, "target").value == "(415) 555-0123"


async def test_a_per_number_test_against_a_site_says_to_type_the_number(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await open_verification(pilot)
        assert app.store is not None
        before = len(app.store.verifications())
        await type_text(pilot, "DEN")
        await pilot.press("enter")
        await type_text(pilot, "DID")
        await pilot.press("alt+p")
        await settle(pilot)
        assert len(app.store.verifications()) == before
        assert any("DID is tested per number: type the number in Target" in m
                   for m in notices.messages), notices.messages


async def test_p_on_a_per_number_cell_asks_for_a_number_of_that_site(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        before = len(app.store.verifications())
        await type_text(pilot, "(303) 555-0101")  # a Denver number
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        matrix = screen.query_one("#ver-matrix", DataTable)
        matrix.move_cursor(row=matrix.get_row_index("DID"),
                           column=matrix.get_column_index(site_id(app, "LAX")))
        await pilot.press("f")
        await settle(pilot)
        assert len(app.store.verifications()) == before
        assert any("(303) 555-0101 is a DEN number, not LAX" in m for m in notices.messages), \
            notices.messages
        assert field(screen, "target").value == "(303) 555-0101", "the typed number stays"

        matrix.move_cursor(column=matrix.get_column_index(site_id(app, "DEN")))
        await pilot.press("f")
        await settle(pilot)
        entry = newest(app)
        assert (entry.test_case, entry.target, entry.result) == (
            "DID", "+13035550101", VerificationResult.FAIL)
        assert entry.site_id == site_id(app, "DEN")


async def test_p_on_a_log_entry_retests_it(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        failed = next(v for v in app.store.verifications()
                      if v.test_case == "PAGE-01" and v.target == "NYC")
        screen.focus_record(failed.id)
        await pilot.pause()
        assert app.focused is screen.query_one("#ver-log")

        await pilot.press("p")
        await settle(pilot)
        entry = newest(app)
        assert (entry.test_case, entry.target, entry.result) == (
            "PAGE-01", "NYC", VerificationResult.PASS)
        assert matrix_cell(screen, "PAGE-01", site_id(app, "NYC")).startswith("✓")


async def _on_verification(pilot: Pilot[Any]) -> None:
    await open_verification(pilot)
    steady_cursors(pilot)
    await settle(pilot)
    await wait_still(pilot)


def test_snapshot_verification_80x24(
    snap_compare: Any, make_app: Callable[..., GoLiveApp]
) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_on_verification)


def test_snapshot_verification_160x48(
    snap_compare: Any, make_app: Callable[..., GoLiveApp]
) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=_on_verification)


async def test_alt_p_sent_as_an_esc_prefix_logs_from_the_note_field(
    make_app: Callable[..., GoLiveApp],
) -> None:
    """tmux and most Linux terminals send Alt+P as Esc p, which Textual reads as the key
    alt+p carrying the character "p": the field must not type it."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        before = len(app.store.verifications())
        await fill_form(pilot, "LAX", "NET-01", "registers")
        assert app.focused is field(screen, "note")

        app.post_message(events.Key("alt+p", "p"))
        await until(pilot, lambda: len(store_of(app).verifications()) > before)
        entry = newest(app)
        assert (entry.test_case, entry.target, entry.result, entry.note) == (
            "NET-01", "LAX", VerificationResult.PASS, "registers")


async def test_alt_x_sent_as_an_esc_prefix_logs_a_failure_from_a_field(
    make_app: Callable[..., GoLiveApp],
) -> None:
    """Esc f is read as ctrl+right (word right), so Alt+X is the failure key that arrives
    from every terminal."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        before = len(app.store.verifications())
        await fill_form(pilot, "LAX", "NET-02", "no dial tone")

        app.post_message(events.Key("alt+x", "x"))
        await until(pilot, lambda: len(store_of(app).verifications()) > before)
        entry = newest(app)
        assert (entry.test_case, entry.target, entry.result, entry.note) == (
            "NET-02", "LAX", VerificationResult.FAIL, "no dial tone")
        assert "x" not in field(screen, "note").value


async def test_o_right_after_a_failure_logged_from_the_log_opens_its_issue(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        passed = next(v for v in app.store.verifications()
                      if v.test_case == "CLI-01" and v.target == "NYC"
                      and v.result is VerificationResult.PASS)
        screen.focus_record(passed.id)
        await pilot.pause()
        assert app.focused is screen.query_one("#ver-log")

        await pilot.press("f", "o")  # o at once, as the hint says
        await until(pilot, lambda: any(
            i.verification_id == newest(app).id for i in store_of(app).issues()))
        entry = newest(app)
        assert (entry.test_case, entry.target, entry.result) == (
            "CLI-01", "NYC", VerificationResult.FAIL)
        linked = [i for i in app.store.issues() if i.verification_id == entry.id]
        assert len(linked) == 1
        assert linked[0].title.startswith("CLI-01 failed at NYC")


async def test_the_log_dates_an_entry_older_than_two_days(
    make_app: Callable[..., GoLiveApp],
) -> None:
    """A weekday alone reads as this week or the next: an older entry shows its date."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        old = [v for v in app.store.verifications() if v.tested_at is not None
               and timedelta(days=3) < FROZEN_NOW - v.tested_at < timedelta(days=6)]
        assert old, "the demo has results from last Friday"
        log = screen.query_one("#ver-log", DataTable)
        when = str(log.get_row(old[0].id)[0]).replace(" ⇡", "")
        assert re.fullmatch(r"\d\d (Nov|Dec)", when), when


async def test_net_02_asks_for_its_measures_and_a_test_is_marked_not_applicable_with_a_reason(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        before = len(app.store.verifications())
        await fill_form(pilot, "NYC", "NET-02", "")
        await pilot.press("alt+p")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        await type_text(pilot, "4.3")
        await pilot.press("tab")
        await type_text(pilot, "nine")
        await pilot.press("tab")
        await type_text(pilot, "0.2")
        await pilot.press("enter")  # refused in place: the form stays with what was typed
        await settle(pilot)
        assert isinstance(app.screen, RecordForm)
        assert len(app.store.verifications()) == before
        jitter = app.screen.query_one("#field-jitter_ms", Input)
        jitter.value = "9"
        await pilot.press("enter")
        await until(pilot, lambda: len(store_of(app).verifications()) == before + 1)
        entry = newest(app)
        assert (entry.test_case, entry.result) == ("NET-02", VerificationResult.PASS)
        assert (entry.mos, entry.jitter_ms, entry.loss_pct) == (4.3, 9.0, 0.2)

        field(screen, "target").value = "NYC"
        field(screen, "test").value = "FAX-01"
        field(screen, "note").focus()
        screen.action_record("not_applicable")  # what a on the FAX-01 × NYC cell does
        await until(pilot, lambda: isinstance(app.screen, ReasonDialog))
        await type_text(pilot, "No fax line at this site")
        await pilot.press("enter")
        await until(pilot, lambda: len(store_of(app).verifications()) == before + 2)
        marked = newest(app)
        assert (marked.test_case, marked.result) == ("FAX-01", VerificationResult.NOT_APPLICABLE)
        assert marked.note == "No fax line at this site"
        await until(pilot, lambda: matrix_cell(screen, "FAX-01", site_id(app, "NYC"))
                    .startswith("n/a"))


async def test_the_933_cell_counts_each_emergency_location_of_the_site(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        assert app.store is not None
        nyc = site_id(app, "NYC")
        # NYC has two floors; the demo has a passing 933 from floor 1 only
        assert matrix_cell(screen, "E911-01", nyc).startswith("1/2")
        await fill_form(pilot, "NYC", "E911-01", "")
        await pilot.press("alt+p")
        await until(pilot, lambda: isinstance(app.screen, PickerModal))
        await pilot.press("down", "enter")  # floor 2
        await until(pilot, lambda: matrix_cell(screen, "E911-01", nyc).startswith("✓"))
        floor_2 = newest(app)
        location = next(e for e in app.store.emergency_locations()
                        if e.id == floor_2.emergency_location_id)
        assert location.name == "Floor 2"


async def test_at_80_columns_the_log_says_a_failures_issue_in_its_result(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(pilot)
        log = screen.query_one("#ver-log", DataTable)
        refs = {issue.ref for issue in store_of(app).issues()}
        results = [str(log.get_cell_at(Coordinate(row, 1))) for row in range(log.row_count)]
        linked = [text for text in results if "GL-" in text]
        assert linked, results
        for text in linked:  # the whole ref, never a cut "GL-"
            assert text.startswith("✗GL-") and text[1:] in refs, text
        # the columns up to the target fit the log's width, so none is cut at the edge
        shown = [column.get_render_width(log) for column in log.ordered_columns[:4]]
        assert sum(shown) <= log.scrollable_content_region.width, shown
        # wide, the issue has its own column again
        await pilot.resize_terminal(160, 48)
        await until(pilot, lambda: any(c.label.plain == "Issue" for c in log.ordered_columns))
