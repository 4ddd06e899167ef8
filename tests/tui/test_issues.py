"""The hypercare queue: most urgent first, SLA clocks that tick, triage in one key, and
nothing that needs a reason goes through without one."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from golive_tui.domain.enums import OPEN_ISSUE_STATES, IssueState, Priority
from golive_tui.domain.sla import sla_urgency
from golive_tui.store.tables import IssueRow
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.issues import (
    IssueDetailScreen,
    IssueQueueScreen,
    is_breached,
    issue_clocks,
)
from golive_tui.tui.widgets.forms import NewIssueForm, PickerModal
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

from .conftest import FROZEN_NOW, Notices, settle, until, wait_ready, wait_still


async def open_queue(pilot: Pilot[Any]) -> IssueQueueScreen:
    await wait_ready(pilot)
    await pilot.press("5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, IssueQueueScreen)
    return screen


def issue_titled(app: GoLiveApp, prefix: str) -> IssueRow:
    assert app.store is not None
    return next(i for i in app.store.issues() if i.title.startswith(prefix))


def fresh(app: GoLiveApp, issue_id: str) -> IssueRow:
    assert app.store is not None
    return next(i for i in app.store.issues() if i.id == issue_id)


def cell(screen: IssueQueueScreen, issue_id: str, column: str) -> str:
    return str(screen.query_one("#issue-table", DataTable).get_cell(issue_id, column))


def shown_ids(screen: IssueQueueScreen) -> list[str]:
    table = screen.query_one("#issue-table", DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


async def select(pilot: Pilot[Any], screen: IssueQueueScreen, issue_id: str) -> None:
    screen.focus_record(issue_id)
    await pilot.pause()
    target = screen.target_issue()
    assert target is not None and target.id == issue_id


async def test_queue_is_sorted_by_sla_urgency_and_shows_open_issues(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        assert app.store is not None
        policy = app.store.policy()
        open_issues = [i for i in app.store.issues() if i.state in OPEN_ISSUE_STATES]
        expected = sorted(
            open_issues,
            key=lambda i: (sla_urgency(issue_clocks(i, policy, FROZEN_NOW), FROZEN_NOW),
                           i.priority.value),
        )
        assert shown_ids(screen) == [i.id for i in expected]
        # the breached P2 leads, the P1 with its resolve clock running comes next
        first = fresh(app, shown_ids(screen)[0])
        assert is_breached(issue_clocks(first, policy, FROZEN_NOW))

        await pilot.press("o")  # open only -> all
        await settle(pilot)
        assert len(shown_ids(screen)) == len(app.store.issues())


async def test_the_open_p1_shows_its_sla_clocks(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        p1 = issue_titled(app, "Main number rings busy at LAX")  # opened 40 min ago
        assert cell(screen, p1.id, "priority") == "P1"
        assert cell(screen, p1.id, "respond") == "met"
        assert cell(screen, p1.id, "resolve") == "20m left"


async def test_a_new_p1_opened_from_the_form_shows_its_clocks(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewIssueForm)
        await pilot.press("enter")  # no title yet: refused in place
        await pilot.pause()
        assert app.screen is form
        assert "A title is required" in str(form.query_one("#issue-form-error").render())

        await pilot.press(*"Denver lobby phone cannot dial out")
        form.query_one("#issue-priority", Select).value = Priority.P1
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, IssueQueueScreen)
        issue = issue_titled(app, "Denver lobby phone cannot dial out")
        assert issue.priority is Priority.P1
        assert issue.state is IssueState.NEW
        # the queue reloads with the new issue, then moves the cursor onto it
        def on_new_issue() -> bool:
            selected = screen.target_issue()
            return selected is not None and selected.id == issue.id

        await until(pilot, on_new_issue, "the new issue selected in the queue")
        selected = screen.target_issue()
        assert selected is not None and selected.id == issue.id
        # opened after the frozen clock: nothing counted yet, the full P1 targets remain
        assert cell(screen, issue.id, "respond") == "15m left"
        assert cell(screen, issue.id, "resolve") == "1h 00m left"


async def test_taking_an_issue_puts_it_in_progress_and_assigns_it_to_me(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        portal = issue_titled(app, "How do staff forward")
        assert portal.state is IssueState.NEW and portal.assignee == ""
        await select(pilot, screen, portal.id)

        await pilot.press("t")
        await settle(pilot)

        taken = fresh(app, portal.id)
        assert taken.state is IssueState.IN_PROGRESS
        assert taken.assignee == "demo"
        assert taken.responded_at is not None
        assert cell(screen, portal.id, "state") == "in progress"

        await pilot.press("m")  # mine: only what I hold
        await settle(pilot)
        assert shown_ids(screen) == [portal.id]


async def start_move(
    pilot: Pilot[Any], title: str, key: str = "h",
) -> tuple[IssueQueueScreen, Any]:
    """Open the queue, put the cursor on the issue titled ``title…`` and press ``key``
    (h: hold, by default)."""
    screen = await open_queue(pilot)
    app = pilot.app
    assert isinstance(app, GoLiveApp)
    issue = issue_titled(app, title)
    await select(pilot, screen, issue.id)
    await pilot.press(key)
    await pilot.pause()
    return screen, issue


async def test_hold_requires_a_reason(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, choppy = await start_move(pilot, "Choppy audio on New York")
        prompt = app.screen
        assert isinstance(prompt, ReasonDialog)
        await pilot.press("tab")  # from the quick reasons to the text
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt, "an empty reason is refused and the prompt stays"
        assert "A reason is required" in str(prompt.query_one("#reason-error").render())
        assert fresh(app, choppy.id).state is IssueState.IN_PROGRESS

        await pilot.press(*"Awaiting vendor: Verizon DSCP ticket")
        await pilot.press("enter")
        await settle(pilot)
        held = fresh(app, choppy.id)
        assert held.state is IssueState.ON_HOLD
        assert held.hold_reason == "Awaiting vendor: Verizon DSCP ticket"
        assert "paused" in cell(screen, choppy.id, "resolve")


async def test_a_quick_hold_reason_takes_two_keys(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _screen, p1 = await start_move(pilot, "Main number rings busy at LAX")
        await pilot.press("enter")  # the first quick reason fills the text
        await pilot.press("enter")  # and saves it
        await settle(pilot)
        held = fresh(app, p1.id)
        assert held.state is IssueState.ON_HOLD
        assert held.hold_reason == "Awaiting customer"


async def test_a_quick_hold_reason_can_be_added_to(make_app: Callable[..., GoLiveApp]) -> None:
    # the picked reason is edited where it stands, not replaced by the first key typed
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _screen, p1 = await start_move(pilot, "Main number rings busy at LAX")
        await pilot.press("down", "enter")  # the second quick reason
        await pilot.pause()
        await pilot.press(*": Comcast ticket 4471", "enter")
        await settle(pilot)
        held = fresh(app, p1.id)
        assert held.state is IssueState.ON_HOLD
        assert held.hold_reason == "Awaiting vendor: Comcast ticket 4471"


async def test_resolve_requires_a_resolution_and_esc_changes_nothing(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        p1 = issue_titled(app, "Main number rings busy at LAX")
        await select(pilot, screen, p1.id)

        await pilot.press("r")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, ReasonDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt
        assert "A resolution note is required" in str(
            prompt.query_one("#reason-error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, IssueQueueScreen)
        assert fresh(app, p1.id).state is IssueState.IN_PROGRESS

        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"Re-assigned the number to LAX Main AR")
        await pilot.press("enter")
        await settle(pilot)
        resolved = fresh(app, p1.id)
        assert resolved.state is IssueState.RESOLVED
        assert resolved.resolution == "Re-assigned the number to LAX Main AR"
        assert p1.id not in shown_ids(screen), "open only: a resolved issue leaves the queue"


async def test_cancel_asks_why_then_cancels(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, choppy = await start_move(pilot, "Choppy audio on New York", "x")
        prompt = app.screen
        assert isinstance(prompt, ReasonDialog)
        await pilot.press("tab")  # from the quick reasons to the text
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt, "no reason, no cancel"
        assert fresh(app, choppy.id).state is not IssueState.CANCELLED

        await pilot.press(*"Raised twice by the front desk")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueQueueScreen)
        assert fresh(app, choppy.id).state is IssueState.CANCELLED
        assert choppy.id not in shown_ids(screen), "open only: a cancelled issue leaves the queue"


async def test_close_before_resolve_is_refused_with_the_reason(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_queue(pilot)
        p1 = issue_titled(app, "Main number rings busy at LAX")
        await select(pilot, screen, p1.id)
        await pilot.press("c")
        await settle(pilot)
        assert fresh(app, p1.id).state is IssueState.IN_PROGRESS
        assert any(m.startswith("Refused:") and "Resolve it first" in m
                   for m in notices.messages), notices.messages


async def test_priority_and_assignee_change_from_the_keyboard(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        portal = issue_titled(app, "How do staff forward")
        await select(pilot, screen, portal.id)

        await pilot.press("plus")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, ReasonDialog), "a new priority asks why"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt, "an empty reason is refused and the prompt stays"
        await pilot.press("full_stop", "enter")
        await pilot.pause()
        assert app.screen is prompt, "a reason of '.' says nothing and the prompt stays"
        assert fresh(app, portal.id).priority is Priority.P4
        await pilot.press("backspace", *"Triaged: a how-to question", "enter")
        await settle(pilot)
        assert fresh(app, portal.id).priority is Priority.P3
        assert fresh(app, portal.id).priority_reason == "Triaged: a how-to question"
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, IssueDetailScreen)
        assert "P3 since: Triaged: a how-to question" in str(
            detail.query_one("#issue-detail-head").render())
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("a")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerModal)
        labels = picker.labels
        assert "Sanjay Patel · Support" in labels, "the stakeholders, with the part they play"
        assert "Dana Whitfield · MPOC" in labels
        index = labels.index("Sanjay Patel · Support")
        await pilot.press(*["down"] * index, "enter")
        await settle(pilot)
        assert fresh(app, portal.id).assignee == "sanjay.patel"
        await until(pilot, lambda: cell(screen, portal.id, "assignee") == "Sanjay Patel",
                    "the new assignee in the queue")
        assert cell(screen, portal.id, "assignee") == "Sanjay Patel"


async def test_a_note_added_in_the_detail_is_stored_on_the_issue(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        assert app.store is not None
        p1 = issue_titled(app, "Main number rings busy at LAX")
        notes_before = len(app.store.issue_notes(p1.id))
        await select(pilot, screen, p1.id)

        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, IssueDetailScreen)
        assert "Reproduced from two mobile carriers" in str(
            detail.query_one("#issue-thread-text").render())

        await pilot.press("n")
        assert isinstance(app.focused, Input)
        await pilot.press(*"Carrier trace shows the call reaching Zoom")
        await pilot.press("enter")
        await settle(pilot)

        notes = app.store.issue_notes(p1.id)
        assert len(notes) == notes_before + 1
        assert notes[-1].body == "Carrier trace shows the call reaching Zoom"
        assert notes[-1].author == "demo"
        assert detail.query_one("#issue-note", Input).value == ""
        assert "Carrier trace shows the call reaching Zoom" in str(
            detail.query_one("#issue-thread-text").render())

        await pilot.press("escape", "escape")  # leave the note, then the detail
        await settle(pilot)
        assert app.screen is screen


async def test_the_breached_filter_shows_only_breached_issues(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        assert app.store is not None
        policy = app.store.policy()
        await pilot.press("b")
        await settle(pilot)

        shown = shown_ids(screen)
        assert shown, "the demo has a breached P2"
        for issue_id in shown:
            assert is_breached(issue_clocks(fresh(app, issue_id), policy, FROZEN_NOW))
        breached_open = {
            i.id for i in app.store.issues()
            if i.state in OPEN_ISSUE_STATES and is_breached(issue_clocks(i, policy, FROZEN_NOW))
        }
        assert set(shown) == breached_open
        assert issue_titled(app, "Main number rings busy at LAX").id not in shown

        await pilot.press("b")
        await settle(pilot)
        assert len(shown_ids(screen)) > len(shown)


async def test_clocks_tick_without_reading_the_cache_again(
    make_app: Callable[..., GoLiveApp], monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [FROZEN_NOW]
    app = make_app()
    monkeypatch.setattr(app, "now", lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        p1 = issue_titled(app, "Main number rings busy at LAX")
        assert cell(screen, p1.id, "resolve") == "20m left"
        loads = 0
        original = screen.load

        def counting_load(store: Any) -> Any:
            nonlocal loads
            loads += 1
            return original(store)

        monkeypatch.setattr(screen, "load", counting_load)
        now[0] = FROZEN_NOW + timedelta(minutes=30)
        screen.refresh_clocks()
        await pilot.pause()
        assert cell(screen, p1.id, "resolve") == "BREACHED 10m"
        assert loads == 0


async def test_at_80_columns_a_breached_clock_reads_whole(
    make_app: Callable[..., GoLiveApp], monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [FROZEN_NOW]
    app = make_app()
    monkeypatch.setattr(app, "now", lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        now[0] = FROZEN_NOW + timedelta(days=4, hours=22)  # "BREACHED 1d 12h": two digits
        screen.refresh_clocks()
        await pilot.pause()
        table = screen.query_one("#issue-table", DataTable)
        widths = {str(column.key.value): column.width for column in table.ordered_columns}
        texts = [cell(screen, str(row.key.value), "respond") for row in table.ordered_rows]
        breached = [text for text in texts if re.fullmatch(r"BREACHED \d+d \d\dh", text)]
        assert breached, texts
        assert all(len(text) <= widths["respond"] for text in texts), (texts, widths)
        for row in table.ordered_rows:
            clock = table.get_cell(row.key, "resolve")
            assert isinstance(clock, Text) and clock.overflow == "ellipsis"
        # both clocks stay in the table's view at 80 columns
        region = table.scrollable_content_region.width
        shown = 0
        for column in table.ordered_columns:
            shown += column.get_render_width(table)
            if column.key.value == "resolve":
                break
        assert shown <= region, (shown, region)


async def _on_issues(pilot: Pilot[Any]) -> None:
    await open_queue(pilot)
    await settle(pilot)
    await wait_still(pilot)


def test_snapshot_issues_80x24(snap_compare: Any, make_app: Callable[..., GoLiveApp]) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_on_issues)


def test_snapshot_issues_160x48(snap_compare: Any, make_app: Callable[..., GoLiveApp]) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=_on_issues)
