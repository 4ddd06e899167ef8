"""Long text in golive's fields: 10,000 characters pasted or typed arrive intact and in order,
a run of typed keys is one edit, and a long value is drawn as Textual's Input draws it."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, TextArea
from textual.widgets.input import Selection

from golive_tui.tui.key_runs import TypedRun, with_runs
from golive_tui.tui.textual_adapter import input_look, input_parser
from golive_tui.tui.widgets.forms import NewIssueForm
from golive_tui.tui.widgets.text_entry import TextBox, TextField
from tests.tui.conftest import Layouts, until, wait_ready

LONG = "".join(f"{i:05d} " for i in range(1700))[:10_000]


def _send(app: App[Any], *items: events.Event) -> None:
    """Hand events to the driver, as a terminal read does, all at once."""
    assert app._driver is not None
    for item in items:
        item.set_sender(app)
        app._driver.send_message(item)


def _keys(text: str) -> list[events.Event]:
    return [events.Key("space" if c == " " else c, c) for c in text]


def _read(app: App[Any], text: str) -> None:
    """Hand ``text`` to the app as one read of the terminal that golive's driver parses
    (``TerminalDriver.run_input_thread``): its printable keys travel as runs."""
    driver = app._driver
    assert driver is not None
    for message in with_runs(input_parser(driver).feed(text)):
        driver.process_message(message)


#: what a terminal sends for these keys
BACKSPACE, LEFT, TAB, SHIFT_TAB = "\x7f", "\x1b[D", "\t", "\x1b[Z"


async def test_a_10000_character_paste_arrives_intact_in_the_title_and_the_details(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        app.push_screen(NewIssueForm([]))
        await until(pilot, lambda: isinstance(app.focused, TextField))
        title = app.screen.query_one("#issue-title", TextField)
        _send(app, events.Paste(LONG))
        await until(pilot, lambda: len(title.value) >= len(LONG))
        assert title.value == LONG
        assert title.cursor_position == len(LONG)

        details = app.screen.query_one("#issue-description", TextBox)
        details.focus()
        await until(pilot, lambda: app.focused is details)
        _send(app, events.Paste(LONG + "\nsecond line"))
        await until(pilot, lambda: "second line" in details.text)
        assert details.text == LONG + "\nsecond line"


@pytest.mark.parametrize("delivery", ["keys", "reads"])
async def test_typed_keys_arrive_in_order_around_edits_as_one_change_per_run(
    make_app: Any, delivery: str,
) -> None:
    changes: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Input.Changed) and message.input.id == "porting-search":
            changes.append(message.value)

    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await wait_ready(pilot)
        await pilot.press("3")
        await until(pilot, lambda: bool(app.screen.query("#porting-search")))
        await pilot.press("slash")
        search = app.screen.query_one("#porting-search", TextField)
        await until(pilot, lambda: app.focused is search)
        changes.clear()
        typed = LONG[:3000]
        # a run of keys, a backspace and a left arrow inside it, and more keys
        if delivery == "keys":  # each key a message, as Textual's own driver posts them
            _send(app, *_keys(typed), events.Key("backspace", None),
                  events.Key("left", None), *_keys("XY"))
        else:  # as golive's driver posts one read of the terminal
            _read(app, typed + BACKSPACE + LEFT + "XY")
        expected = typed[:-2] + "XY" + typed[-2]
        await until(pilot, lambda: search.value == expected)
        assert search.value == expected
        assert search.cursor_position == len(expected) - 1
        # the search ran once for a run of keys, not once a key
        assert changes[-1] == expected
        assert len(changes) < 100, f"{len(changes)} changes for {len(typed) + 4} keys"


class _Twins(App[None]):
    """Textual's Input and golive's TextField side by side, same width, same value."""

    def compose(self) -> ComposeResult:
        yield Input(LONG, id="stock")
        yield TextField(LONG, id="ours")


async def test_a_long_value_is_drawn_as_textual_draws_it_wherever_the_cursor_is() -> None:
    app = _Twins()
    async with app.run_test(size=(60, 8)) as pilot:
        stock = app.query_one("#stock", Input)
        ours = app.query_one("#ours", TextField)
        for field in (stock, ours):
            field.cursor_blink = False
        for position, selection in ((0, None), (1234, None), (len(LONG), None),
                                    (5000, (4990, 5000)), (30, (40, 10))):
            drawn = []
            for field in (stock, ours):
                field.focus()
                await pilot.pause()
                field.cursor_position = position
                if selection is not None:
                    field.selection = Selection(*selection)
                await pilot.pause()
                assert field.scroll_offset.x > 0 or position < 50
                drawn.append(field.render_line(0))
            assert drawn[0] == drawn[1], f"cursor at {position}, selection {selection}"
        # and with the field unfocused
        stock.focus()
        await pilot.pause()
        assert ours.render_line(0).text == Input.render_line(ours, 0).text


async def test_a_value_that_narrows_scrolls_back_as_textual_s_and_lays_out_nothing() -> None:
    hook = Layouts()
    layouts = hook.widgets

    app = _Twins()
    async with app.run_test(size=(60, 8), message_hook=hook) as pilot:
        stock = app.query_one("#stock", Input)
        ours = app.query_one("#ours", TextField)
        for field in (stock, ours):
            field.cursor_blink = False
        # wider than the field, narrower (and wider again: a scrollbar of no size comes and
        # goes, which lays it out), narrower still
        steps = ((LONG, len(LONG), True), (LONG[:3000], 1500, True), ("short", 5, False),
                 (LONG[:80], 80, False), ("ab", 1, False), ("", 0, True))
        for value, position, alone in steps:
            drawn = []
            for field in (stock, ours):
                field.focus()
                await pilot.pause()
                field.cursor_position = len(field.value)
                await pilot.pause()
                layouts.clear()
                field.value = value
                field.cursor_position = position
                await pilot.pause()
                drawn.append((field.scroll_offset, field.virtual_size, field.render_line(0)))
                if field is ours and alone:
                    assert ours not in layouts, f"{len(value)} characters laid the screen out"
            assert drawn[0] == drawn[1], f"{len(value)} characters"


async def test_a_backspace_shows_the_cursor_as_a_typed_key_does() -> None:
    app = _Twins()
    async with app.run_test(size=(60, 8)) as pilot:
        ours = app.query_one("#ours", TextField)
        ours.focus()
        await pilot.press("end")
        for key in ("x", "backspace"):
            # the blink's dark half: the key shows the cursor at once
            await until(pilot, lambda: not input_look(ours)[1], "the cursor's dark half")
            await pilot.press(key)
            assert input_look(ours)[1], f"{key} left the cursor dark"
        assert ours.value == LONG


async def test_a_textarea_run_of_keys_arrives_in_order() -> None:
    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield TextBox(id="box")

    app = Host()
    async with app.run_test(size=(60, 12)) as pilot:
        box = app.query_one(TextBox)
        box.focus()
        await pilot.pause()
        _send(app, *_keys("first"), events.Key("enter", None), *_keys("second"),
              events.Key("backspace", None), *_keys("D"))
        await until(pilot, lambda: box.text.endswith("D"))
        assert box.text == "first\nseconD"
        assert isinstance(box, TextArea)


@pytest.mark.parametrize("delivery", ["keys", "reads"])
async def test_a_burst_typed_into_a_new_form_lands_field_by_field_across_tabs(
    make_app: Any, delivery: str,
) -> None:
    """Keys typed ahead of the app (a fast typist, tmux send-keys) reach the field they
    were typed for: the keys behind a tab go to the next field, not to the first one (a
    field tabbed back into has its value selected, so what is typed replaces it)."""
    from golive_tui.tui.widgets.forms import RecordForm
    from tests.tui.test_sites import form_field, open_sites

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sites(pilot)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, RecordForm)
                    and app.focused is form_field(app, "code"))
        tab, back = events.Key("tab", None), events.Key("shift+tab", None)
        if delivery == "keys":
            _send(app, *_keys("bos"), tab, *_keys("Back Bay"), tab,
                  *_keys("200 Newbury St, Boston, MA 02116"), back, *_keys("Back Bay Clinic"),
                  tab, tab)
        else:
            _read(app, "bos" + TAB + "Back Bay" + TAB + "200 Newbury St, Boston, MA 02116"
                  + SHIFT_TAB + "Back Bay Clinic" + TAB + TAB)
        await until(pilot, lambda: app.focused is form_field(app, "time_zone"))
        await until(pilot, lambda: form_field(app, "address").value.endswith("02116"))
        assert form_field(app, "code").value == "bos"
        assert form_field(app, "name").value == "Back Bay Clinic"
        assert form_field(app, "address").value == "200 Newbury St, Boston, MA 02116"


@pytest.mark.parametrize("delivery", ["keys", "reads"])
async def test_keys_typed_behind_the_key_that_opens_a_form_land_in_the_form(
    make_app: Any, delivery: str,
) -> None:
    """The key that opens a form, then its fields typed without a pause: the keys behind
    it wait until the form is open and focused, instead of reaching the screen under it."""
    from golive_tui.tui.widgets.forms import RecordForm
    from tests.tui.test_sites import form_field, open_sites

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sites(pilot)
        assert app.store is not None
        sites_before = len(app.store.sites())
        tab = events.Key("tab", None)
        if delivery == "keys":
            _send(app, *_keys("abos"), tab, *_keys("Back Bay"), tab, *_keys("200 Newbury St"))
        else:  # "abos" is one run: its "a" opens the form, which "bos" then goes to
            _read(app, "abos" + TAB + "Back Bay" + TAB + "200 Newbury St")
        await until(pilot, lambda: isinstance(app.screen, RecordForm)
                    and form_field(app, "address").value == "200 Newbury St")
        assert form_field(app, "code").value == "bos"
        assert form_field(app, "name").value == "Back Bay"
        # nothing typed ran as a command of the screen under the form
        assert len(app.screen_stack) == 2 and app.screen_stack[0] is screen
        assert len(app.store.sites()) == sites_before


async def test_ten_thousand_keys_read_together_reach_a_field_as_a_few_messages(
    make_app: Any,
) -> None:
    """Keys read from the terminal together travel as runs: the field gets a handful of
    messages for 10,000 keys, and every character in order."""
    runs: list[int] = []
    keys: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, TypedRun) and message._sender is not None:
            runs.append(len(message.keys))
        elif isinstance(message, events.Key) and message.is_printable:
            keys.append(message.key)

    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await wait_ready(pilot)
        app.push_screen(NewIssueForm([]))
        await until(pilot, lambda: isinstance(app.focused, TextField))
        title = app.screen.query_one("#issue-title", TextField)
        runs.clear()
        keys.clear()
        for start in range(0, len(LONG), 4096):  # as the driver reads: 4 KiB at a time
            _read(app, LONG[start:start + 4096])
        await until(pilot, lambda: len(title.value) >= len(LONG))
        assert title.value == LONG
        assert keys == []
        assert 0 < len(runs) <= 6, runs  # three reads: a run each to the app, to the field


class _Limited(Screen[None]):
    """A field that checks each key on its own (a length limit, allowed characters)."""

    def compose(self) -> ComposeResult:
        yield TextField(id="short", max_length=3)
        yield TextField(id="digits", restrict=r"[0-9]*")


async def test_a_run_for_a_field_that_checks_each_key_is_routed_key_by_key(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        screen = _Limited()
        app.push_screen(screen)
        await until(pilot, lambda: bool(screen.query("#digits")))
        short = screen.query_one("#short", TextField)
        short.focus()
        await until(pilot, lambda: app.focused is short)
        _read(app, "abcdef" + TAB + "1a2b3")
        digits = screen.query_one("#digits", TextField)
        await until(pilot, lambda: digits.value == "123")
        assert short.value == "abc"
