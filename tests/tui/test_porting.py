"""The porting tracker, driven through the real app on a real demo cache."""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Select, Static

from golive_tui.domain.enums import EntityKind, PortState
from golive_tui.store.intents import MoveNumbers, SaveRecord
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.porting import PortingScreen
from golive_tui.tui.widgets.forms import PickerModal
from golive_tui.tui.widgets.reason_dialog import ReasonDialog
from golive_tui.tui.widgets.status import SyncStatusBar
from tests.waiting import bound, wait_for_async

from .conftest import Layouts, until, wait_ready


def notices(app: GoLiveApp) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


async def open_porting(pilot: Pilot[None]) -> PortingScreen:
    await wait_ready(pilot)
    await pilot.press("3")
    await wait_ready(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PortingScreen)
    return screen


async def open_rejected(pilot: Pilot[None]) -> PortingScreen:
    """The tracker filtered to rejected numbers (200 in the demo)."""
    screen = await open_porting(pilot)
    await pilot.press("r")
    await wait_ready(pilot)
    return screen


async def move_to(pilot: Pilot[None], label: str) -> str:
    """Press t and pick the first state whose label starts with ``label`` (the legal ones
    come first); returns the whole label picked, once the move is done."""
    await pilot.press("t")
    await pilot.pause()
    options = pilot.app.screen.query_one(OptionList)
    labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    index = next(i for i, text in enumerate(labels) if text.startswith(label))
    options.highlighted = index
    await pilot.press("enter")
    await wait_ready(pilot)
    return labels[index]


async def answer_confirmation(pilot: Pilot[None], move: bool) -> str:
    """Answer the question a large move asks first; returns its title."""
    screen = pilot.app.screen
    assert isinstance(screen, PickerModal), "a move of this many numbers asks first"
    title = screen.picker_title
    screen.query_one(OptionList).highlighted = screen.values.index(move)
    await pilot.press("enter")
    await wait_ready(pilot)
    return title


def table_numbers(screen: PortingScreen) -> list[str]:
    table = screen.query_one("#numbers", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def search(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash")
    for ch in text:
        await pilot.press(ch if ch != " " else "space")
    await pilot.press("enter")
    await wait_ready(pilot)


async def test_filter_to_rejected_shows_only_rejected_numbers(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_rejected(pilot)
        assert screen.page is not None
        assert screen.page.total == 200
        states = {row.porting_state for row in screen.page.rows}
        assert states == {PortState.REJECTED}
        assert all(row.rejection_code == "ADDR_MISMATCH" for row in screen.page.rows)


async def test_typing_a_number_in_any_format_finds_it(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_porting(pilot)
        await search(pilot, "(970) 555-0107")
        assert table_numbers(screen) == ["(970) 555-0107"]


async def test_foc_confirmed_number_moves_to_ported_and_is_queued(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_porting(pilot)
        await search(pilot, "2125550101")
        assert table_numbers(screen) == ["(212) 555-0101"]
        # the first choice offered is the first legal target; pick "ported" by its label
        assert await move_to(pilot, "ported") == "ported"
        assert app.store is not None
        number = app.store.number_by_e164("+12125550101")
        assert number is not None
        assert number.porting_state is PortState.PORTED
        assert number.pending == 1
        assert app.store.outbox_count() == 1


async def test_draft_number_is_refused_straight_to_ported_with_the_reason(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_porting(pilot)
        await search(pilot, "9705550100")
        assert table_numbers(screen) == ["(970) 555-0100"]
        assert "not from draft" in await move_to(pilot, "ported")
        assert any("submitted and FOC-confirmed" in text for text in notices(app))
        assert app.store is not None
        number = app.store.number_by_e164("+19705550100")
        assert number is not None and number.porting_state is PortState.DRAFT
        assert app.store.outbox_count() == 0


async def open_denver_mix(pilot: Pilot[None]) -> PortingScreen:
    """The tracker filtered to Denver's 555-01xx numbers: ported, verified and draft ones."""
    screen = await open_porting(pilot)
    await search(pilot, "555-01")
    assert screen.page is not None
    screen.query_one("#filter-site", Select).value = next(
        sid for sid, code in screen.page.sites.items() if code == "DEN"
    )
    await wait_ready(pilot)
    return screen


async def test_bulk_move_of_a_selection_reports_each_refusal(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_denver_mix(pilot)
        await pilot.press("a")  # the whole filter: DEN ported, verified and draft numbers
        assert screen.filter_selected
        assert await move_to(pilot, "verified") == "verified"
        await answer_confirmation(pilot, move=True)
        assert app.store is not None
        assert screen.query_state is not None and screen.query_state.site_id is not None
        counts = app.store.number_state_counts(site_id=screen.query_state.site_id)
        # ported numbers became verified; the draft ones were refused and stayed draft
        assert counts.get(PortState.PORTED, 0) == 0
        assert counts[PortState.DRAFT] == 30
        assert any("refused" in text and "draft" in text for text in notices(app))


async def test_moving_the_whole_filter_out_of_it_empties_it(
    make_app: Callable[..., GoLiveApp],
) -> None:
    # the tracker keeps each filter's count until numbers change: a move must renew it
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_rejected(pilot)
        assert screen.page is not None and screen.page.total == 200
        await pilot.press("n")  # the one under the cursor goes back to submitted
        await wait_ready(pilot)
        assert screen.page.total == 199
        await pilot.press("a")
        assert await move_to(pilot, "submitted") == "submitted"
        await answer_confirmation(pilot, move=True)
        assert screen.page.total == 0
        assert screen.page.rows == []
        assert app.store is not None
        assert app.store.number_state_counts().get(PortState.REJECTED, 0) == 0


async def test_next_state_on_a_selection_moves_each_number_one_step(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_denver_mix(pilot)
        assert app.store is not None
        assert screen.query_state is not None and screen.query_state.site_id is not None
        site = screen.query_state.site_id
        before = app.store.number_state_counts(site_id=site)
        assert before[PortState.PORTED] and before[PortState.DRAFT] and before[PortState.VERIFIED]
        await pilot.press("a", "n")  # the whole filter, each number one step on
        await wait_ready(pilot)
        await answer_confirmation(pilot, move=True)
        after = app.store.number_state_counts(site_id=site)
        assert after.get(PortState.PORTED, 0) == 0 and after.get(PortState.DRAFT, 0) == 0
        assert after[PortState.LOA_PENDING] == before.get(PortState.LOA_PENDING, 0) + before[
            PortState.DRAFT]
        assert after[PortState.VERIFIED] == before[PortState.VERIFIED] + before[PortState.PORTED]
        # verified numbers have no next step: each is refused, and the notice says why
        assert any("verified has no next step" in text for text in notices(app))
        assert not screen.filter_selected


async def test_page_down_shows_the_next_page(make_app: Callable[..., GoLiveApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_porting(pilot)
        first = table_numbers(screen)
        await pilot.press("pagedown")
        await wait_ready(pilot)
        second = table_numbers(screen)
        assert screen.page is not None and screen.page.offset == len(first)
        assert second and second[0] > first[-1]
        assert not set(first) & set(second)


async def test_import_of_a_messy_file_adds_only_the_accepted_valid_rows(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    messy = tmp_path / "carrier list.csv"
    messy.write_bytes(
        "\ufeffPhone Number;Location;User;Notes\r\n"
        "(303) 555-0150;DEN;Dana;already in the project\r\n"
        "+1 970 555 0140;DEN;Fax line;\r\n"
        "970-555-0141 - 0145;DEN;;range\r\n"
        "\r\n"
        "not a number;DEN;;junk\r\n"
        "970.555.0140;DEN;;duplicate in the file\r\n".encode()
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_porting(pilot)
        assert app.store is not None
        before = app.store.existing_numbers()
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#reason-input", Input).value = str(messy)
        await pilot.press("enter")
        await wait_ready(pilot)
        summary = str(app.screen.query_one("#import-summary").render())
        assert "6 numbers ready" in summary
        assert "line 6" in summary
        assert app.store.existing_numbers() == before  # nothing until accepted
        await pilot.press("ctrl+s")
        await wait_ready(pilot)
        added = app.store.existing_numbers() - before
        assert added == {"+19705550140", "+19705550141", "+19705550142", "+19705550143",
                         "+19705550144", "+19705550145"}
        fax = app.store.number_by_e164("+19705550140")
        assert fax is not None and fax.porting_state is PortState.DRAFT


async def test_export_writes_the_filtered_view_to_the_path_typed_over_the_default(
    make_app: Callable[..., GoLiveApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_rejected(pilot)
        await pilot.press("e")
        await pilot.pause()
        field = app.screen.query_one("#reason-input", Input)
        assert str(field.value).endswith(".csv")
        # typed over the default (a picked text is kept only where reasons are offered)
        await pilot.press(*"rejected.csv", "enter")
        await wait_ready(pilot)
    target = tmp_path / "rejected.csv"
    assert target.exists()
    with target.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 200
    assert {row["state"] for row in rows} == {"rejected"}
    # a spreadsheet would read "+1…" as a formula: the cell is marked as text
    assert rows[0]["number"].startswith("'+1")


async def test_export_to_a_file_that_is_there_asks_and_keeps_it_unless_told_to_replace(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    target = tmp_path / "numbers.csv"
    target.write_text("the carrier's own list\n")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_rejected(pilot)
        for replace in (False, True):
            await pilot.press("e")
            await pilot.pause()
            app.screen.query_one("#reason-input", Input).value = str(target)
            await pilot.press("enter")
            await wait_ready(pilot)
            title = await answer_confirmation(pilot, move=replace)
            assert title == "numbers.csv already exists"
            if not replace:
                assert target.read_text() == "the carrier's own list\n"
        await wait_for_async(lambda: target.read_text() != "the carrier's own list\n",
                             "the export replacing the file")
    with target.open(newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 200


async def test_an_import_file_over_20_mb_is_refused_before_it_is_read(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    huge = tmp_path / "numbers.csv"
    with huge.open("wb") as fh:  # a sparse file: its size without writing 21 MB
        fh.truncate(21 * 1024 * 1024)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_porting(pilot)
        await _import_path(pilot, str(huge))
        assert isinstance(app.screen, ReasonDialog), "the prompt stays, with the path"
        error = str(app.screen.query_one("#reason-error", Static).render())
        assert "this file is 21.0 MB; an import reads at most 20 MB" in error


async def test_a_carrier_filter_counts_again_when_an_order_changes_carrier(
    make_app: Callable[..., GoLiveApp],
) -> None:
    # the count kept per filter is renewed by a change of port orders, not only of numbers
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_porting(pilot)
        store = app.store
        assert store is not None and screen.page is not None
        orders = store.orders()
        carrier = sorted({o.carrier for o in orders})[0]
        screen.query_one("#filter-carrier", Select).value = carrier
        await wait_ready(pilot)
        before = screen.page.total
        other = next(o for o in orders if o.carrier != carrier)
        app.run_command(SaveRecord(EntityKind.PORT_ORDER, other.id, {"carrier": carrier}))
        await wait_ready(pilot)
        assert screen.page.total == store.count_numbers(screen.page.query) > before


async def test_a_name_with_brackets_shows_as_typed_and_does_not_break_the_table(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    # brackets in a carrier's or customer's list are text, not markup
    listing = tmp_path / "users.csv"
    listing.write_text("Phone Number,Location,User\n(970) 555-0177,DEN,Ops [n] [/]\n"
                       "(970) 555-0178,DEN,[/] night\n")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_porting(pilot)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#reason-input", Input).value = str(listing)
        await pilot.press("enter")
        await wait_ready(pilot)
        # the preview draws them too: a closing tag with nothing to close once stopped it
        preview = app.screen.query_one("#import-preview", DataTable)
        users = {str(preview.get_row_at(i)[3]) for i in range(preview.row_count)}
        assert {"Ops [n] [/]", "[/] night"} <= users
        assert any("[/] night" in "".join(s.text for s in preview.render_line(y))
                   for y in range(preview.size.height))
        await pilot.press("ctrl+s")
        await wait_ready(pilot)
        assert app.return_code is None
        await search(pilot, "9705550177")
        assert table_numbers(screen) == ["(970) 555-0177"]
        table = screen.query_one("#numbers", DataTable)
        assert str(table.get_row_at(0)[5]) == "Ops [n] [/]"
        drawn = "".join(segment.text for segment in table.render_line(1))
        assert "Ops [n] [/]" in drawn


async def test_a_search_typed_on_and_taken_back_shows_what_the_cache_finds_for_it(
    make_app: Callable[..., GoLiveApp],
) -> None:
    # a longer digit search is narrowed from the numbers the shorter one found, and its
    # pages read by rowid: the same numbers, in the same order, as the cache's own query
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_porting(pilot)
        store = app.store
        assert store is not None
        await pilot.press("slash")
        await wait_ready(pilot)
        seen = []
        for key in ("0", "1", "0", "7", "1", "backspace", "backspace", "2", "backspace"):
            await pilot.press(key)
            await wait_ready(pilot)
            page, query = screen.page, screen.query_state
            assert page is not None and query is not None and page.query == query
            assert page.total == store.count_numbers(query), query.text
            expected = store.numbers_page(query, 0, screen.page_size)
            assert [row.id for row in page.rows] == [row.id for row in expected], query.text
            seen.append((query.text, page.total))
        assert seen[2][1] > seen[3][1] > 0  # "010" finds more than "0107", which finds some


async def test_an_older_load_that_finishes_last_does_not_cover_the_newer(
    make_app: Callable[..., GoLiveApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a load is not stopped when a newer one starts: its answer must not be shown over
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_rejected(pilot)
        assert screen.page is not None and screen.page.total == 200
        moved = screen.page.rows[0].id

        real, real_loaded = PortingScreen.load, PortingScreen._loaded
        read, release = threading.Event(), threading.Event()
        answered: list[int] = []

        def slow_first(self: PortingScreen, store: Any) -> Any:
            data = real(self, store)
            if not read.is_set():
                read.set()
                release.wait(bound())  # the older load finishes after the newer one
            return data

        def loaded(self: PortingScreen, load: int, *rest: Any) -> None:
            answered.append(load)
            real_loaded(self, load, *rest)

        monkeypatch.setattr(PortingScreen, "load", slow_first)
        monkeypatch.setattr(PortingScreen, "_loaded", loaded)
        # the older load in a worker (a page of a kept query is read on the event loop)
        monkeypatch.setattr(PortingScreen, "loads_quickly", lambda self: False)
        screen.reload()
        older = screen._loads
        await wait_for_async(read.is_set, "the older load to read the cache")
        app.run_command(MoveNumbers([moved], None, PortState.SUBMITTED))
        await until(pilot, lambda: screen.page is not None and screen.page.total == 199,
                    "the newer load to show the moved number gone")
        release.set()
        await until(pilot, lambda: older in answered, "the older load to hand in its answer")
        assert screen.page.total == 199
        assert moved not in {row.id for row in screen.page.rows}


async def test_a_move_of_hundreds_asks_first_and_cancel_moves_none(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_rejected(pilot)
        await pilot.press("a")
        await move_to(pilot, "submitted")
        title = await answer_confirmation(pilot, move=False)
        assert title == "Move 200 numbers to submitted?"
        assert app.store is not None
        assert app.store.number_state_counts()[PortState.REJECTED] == 200
        assert screen.page is not None and screen.page.total == 200


async def test_a_move_where_every_number_is_refused_says_nothing_moved(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_rejected(pilot)
        await pilot.press("a")
        await move_to(pilot, "ported")  # not from rejected: every number is refused
        await answer_confirmation(pilot, move=True)
        await until(pilot, lambda: any("refused" in text for text in notices(app)))
        said = [text for text in notices(app) if "refused" in text]
        assert said[-1].startswith("Nothing moved to ported: all refused")
        assert not any(text.startswith("Moved") for text in notices(app))


async def _import_path(pilot: Pilot[None], path: str) -> None:
    await pilot.press("i")
    await pilot.pause()
    pilot.app.screen.query_one("#reason-input", Input).value = path
    await pilot.press("enter")
    await wait_ready(pilot)


async def test_the_import_preview_counts_rows_it_would_refuse_as_errors_not_as_ready(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    listing = tmp_path / "numbers.csv"
    listing.write_text("Number,Site\n970-555-0160,DEN\n970-555-0161,DEN\n970-555-0162,Dallas\n")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_porting(pilot)
        assert app.store is not None
        before = app.store.existing_numbers()
        await _import_path(pilot, str(listing))
        summary = str(app.screen.query_one("#import-summary").render())
        assert "2 numbers ready" in summary
        assert "1 row with errors (line 4)" in summary
        assert "imports the 2 valid numbers" in summary
        grid = app.screen.query_one("#import-preview", DataTable)
        row = [str(cell) for cell in grid.get_row_at(grid.row_count - 1)]
        assert row[:4] == ["4", "error", "970-555-0162", "unknown site 'Dallas'"]
        await pilot.press("ctrl+s")
        await wait_ready(pilot)
        assert app.store.existing_numbers() - before == {"+19705550160", "+19705550161"}


async def test_a_wrong_import_path_keeps_the_prompt_open_with_what_was_typed(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    typed = str(tmp_path / "Downloads" / "numbrs.csv")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_porting(pilot)
        await _import_path(pilot, typed)
        assert isinstance(app.screen, ReasonDialog), "the prompt stays open"
        assert app.screen.query_one("#reason-input", Input).value == typed
        error = str(app.screen.query_one("#reason-error", Static).render())
        assert error.startswith(f"No file at {typed}")


async def test_a_binary_file_is_said_not_to_be_a_csv_file_and_keeps_the_prompt(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    sheet = tmp_path / "numbers.xlsx"
    sheet.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(range(256)) * 40)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_porting(pilot)
        await _import_path(pilot, str(sheet))
        # no preview with column pickers: the prompt stays, with the path as typed
        assert isinstance(app.screen, ReasonDialog), "the prompt stays open"
        assert app.screen.query_one("#reason-input", Input).value == str(sheet)
        error = str(app.screen.query_one("#reason-error", Static).render())
        assert error.startswith("numbers.xlsx: this is not a CSV file")


async def test_a_refusal_is_taken_down_once_the_move_goes_through_and_sits_above_the_status(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_rejected(pilot)
        await move_to(pilot, "ported")  # not from rejected
        await until(pilot, lambda: any(text.startswith("Refused") for text in notices(app)))
        await until(pilot, lambda: bool(app.screen.query("Toast")))
        status = screen.query_one(SyncStatusBar).region
        for toast in app.screen.query("Toast"):
            assert toast.region.bottom <= status.y, "a notice covers the status line"

        await pilot.press("n")  # what the rules allow: back to submitted
        await until(pilot, lambda: any("→ submitted" in text for text in notices(app)))
        assert not [text for text in notices(app) if text.startswith("Refused")]


async def test_at_80_columns_the_rejection_code_is_whole_and_a_long_name_ends_in_an_ellipsis(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_rejected(pilot)
        assert screen.page is not None
        first = screen.page.rows[0]
        assert first.rejection_code and len(first.assigned_to) > 10
        table = screen.query_one("#numbers", DataTable)
        drawn = "".join(segment.text for segment in table.render_line(1))
        assert first.rejection_code in drawn
        assert "…" in drawn.split(first.rejection_code)[0], "the name is cut with an ellipsis"


async def test_at_80_columns_an_import_reason_wraps_in_view_instead_of_being_cut(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    listing = tmp_path / "numbers.csv"
    listing.write_text("Number,Site\n970-555-0160,DEN\n12345,DEN\n"
                       "+44 20 7946 0958,Dallas Fort Worth Main Office\n")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_porting(pilot)
        await _import_path(pilot, str(listing))
        grid = app.screen.query_one("#import-preview", DataTable)
        await until(pilot, lambda: grid.row_count == 3)
        summary = str(app.screen.query_one("#import-summary").render())
        assert "Ctrl+S imports the 1 valid number as draft." in summary
        columns = grid.ordered_columns
        detail = next(i for i, c in enumerate(columns) if c.label.plain == "Detail")
        # the columns up to the detail fit the preview: nothing of a reason is past the edge
        shown = sum(column.get_render_width(grid) for column in columns[:detail + 1])
        assert shown <= grid.scrollable_content_region.width
        width = columns[detail].width
        reasons = [str(grid.get_row_at(row)[detail]) for row in range(grid.row_count)]
        long = [row for row, reason in enumerate(reasons) if len(reason) > width]
        assert long, reasons  # "too short for a US number (need 10 digits, …)"
        for row in long:  # each takes the lines its whole reason needs
            assert grid.ordered_rows[row].height >= 2, reasons[row]


async def test_the_number_under_the_cursor_stays_under_it_when_the_terminal_is_resized(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_porting(pilot)
        screen.query_one("#numbers").focus()
        for _ in range(30):
            await pilot.press("down")
        await wait_ready(pilot)
        table = screen.query_one("#numbers", DataTable)
        chosen = screen.row_ids[table.cursor_row]
        assert table.cursor_row == 30
        # narrower and shorter: the columns are laid out again and a page holds fewer rows
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: screen.page is not None and 0 < len(screen.page.rows) < 30)
        await wait_ready(pilot)
        assert screen.row_ids[table.cursor_row] == chosen
        # and back
        await pilot.resize_terminal(160, 48)
        await until(pilot, lambda: screen.page is not None and len(screen.page.rows) > 30)
        await wait_ready(pilot)
        assert screen.row_ids[table.cursor_row] == chosen


async def test_a_key_typed_into_the_search_is_drawn_in_one_frame_with_the_page_it_finds(
    make_app: Callable[..., GoLiveApp],
) -> None:
    # no frame shows the search box ahead of what it finds: the field's value and the page
    # of that search are put out together, once a key, and nothing is laid out for it (the
    # box and the table keep their sizes whatever the value and the number of rows)
    hook = Layouts()
    layouts = hook.widgets

    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        screen = await open_porting(pilot)
        await pilot.press("slash")
        await wait_ready(pilot)
        field = screen.query_one("#porting-search", Input)
        field.cursor_blink = False  # the blink's frames come with time, not with keys
        await wait_ready(pilot)
        frames: list[tuple[str, str | None]] = []
        display = app._display

        def shown(to: Any, update: Any) -> None:
            display(to, update)
            if update is not None:
                page = screen.page
                frames.append((field.value, page.query.text if page is not None else None))

        app._display = shown  # type: ignore[method-assign,assignment]
        rows = []
        for key in ("0", "1", "0", "7", "backspace", "backspace", "backspace", "backspace"):
            frames.clear()
            layouts.clear()
            await pilot.press(key)
            await wait_ready(pilot)
            assert frames == [(field.value, field.value)], key
            assert layouts == [], key
            rows.append(screen.query_one("#numbers", DataTable).row_count)
        assert len(set(rows)) > 1, f"the searches' pages should differ in length: {rows}"
