"""The port orders view: orders as a carrier holds them, their moves, forms and warnings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Input, OptionList, Static

from golive_tui.domain.enums import OrderState, PortState
from golive_tui.domain.port_orders import EASTERN
from golive_tui.store.tables import PortOrderRow
from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.porting import PortingScreen
from golive_tui.tui.widgets.forms import PickerModal, RecordForm

from .conftest import settle, store_of, until, wait_ready


def text_of(widget: Static) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


def notices(app: GoLiveApp) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


async def open_orders(pilot: Any) -> PortingScreen:
    await wait_ready(pilot)
    await pilot.press("3")
    await wait_ready(pilot)
    await pilot.press("o")
    await wait_ready(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PortingScreen) and screen.orders_view
    return screen


async def press_on(pilot: Any, pon: str, key: str) -> Any:
    """Open the orders, put the cursor on ``pon``, press ``key``: the screen it opens."""
    screen = await open_orders(pilot)
    await cursor_on(pilot, screen, pon)
    await pilot.press(key)
    await settle(pilot)
    return pilot.app.screen


async def cursor_on(pilot: Any, screen: PortingScreen, pon: str) -> None:
    table = screen.query_one("#orders", DataTable)
    assert screen.page is not None
    pons = [o.pon for o in screen.page.orders.values()]
    table.move_cursor(row=pons.index(pon))
    await settle(pilot)
    current = screen.current_order()
    assert current is not None and current.pon == pon


def order(app: GoLiveApp, pon: str) -> PortOrderRow:
    assert app.store is not None
    return next(o for o in app.store.orders() if o.pon == pon)


def row_of(screen: PortingScreen, pon: str) -> list[str]:
    table = screen.query_one("#orders", DataTable)
    for index in range(table.row_count):
        cells = [str(c) for c in table.get_row_at(index)]
        if cells[0] == pon:
            return cells
    raise AssertionError(f"{pon} is not shown")


async def test_orders_show_the_pin_masked_status_foc_numbers_and_warnings(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        row = row_of(screen, "RVP-PO-1002")
        assert row[:4] == ["RVP-PO-1002", "Verizon Business", "••••", "foc confirmed"]
        # the demo's clock is 10:00 ET on its day: 1 h 30 to the 11:30 window
        assert row[4] == "26 Nov 11:30 in 1h 30m"
        assert row[5] == "400 ⚠ 3"  # numbers, and the warnings counted beside them
        assert "7301" not in app.export_screenshot()  # the PIN itself is never on screen
        await cursor_on(pilot, screen, "RVP-PO-1002")
        detail = text_of(screen.query_one("#order-detail", Static))
        assert "over Zoom's 100-number web-port limit" in detail
        assert "In its change freeze" in detail
        # the tests' demo day, 26 Nov 2026, is Thanksgiving: Zoom activates no port then
        assert "FOC on Thu 26 Nov, Thanksgiving Day" in detail
        # the keys of the orders, not those of the numbers
        assert screen.check_action("order_foc", ()) and not screen.check_action("advance", ())


async def test_an_foc_is_confirmed_with_a_date_and_a_time_and_the_numbers_follow(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await press_on(pilot, "RVP-PO-1008", "f")
        screen = app.screen_stack[-2]
        assert isinstance(form, RecordForm) and isinstance(screen, PortingScreen)
        day = (datetime.now(UTC) + timedelta(days=30)).astimezone(EASTERN).date()
        form.query_one("#field-foc", Input).value = day.isoformat()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # a date without a time is said in place
        assert "give the date and the time" in text_of(form.query_one("#record-form-error",
                                                                       Static))
        form.query_one("#field-foc", Input).value = f"{day.isoformat()} 11:30"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: order(app, "RVP-PO-1008").status is OrderState.FOC_CONFIRMED,
                    "the order to be FOC confirmed")
        moved = order(app, "RVP-PO-1008")
        assert moved.confirmed_foc is not None
        assert moved.confirmed_foc.astimezone(EASTERN).strftime("%H:%M") == "11:30"
        assert app.store is not None
        assert app.store.counts_by_order()[moved.id] == {PortState.FOC_CONFIRMED: 10}
        await until(pilot, lambda: any("10 numbers followed" in n for n in notices(app)),
                    "the outcome to be shown")
        await until(pilot, lambda: "FOC history" in text_of(
            screen.query_one("#order-detail", Static)), "the FOC history")

        # changing it asks for the carrier's reason, and the history keeps both
        await pilot.press("f")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#field-foc", Input).value = f"{day.isoformat()} 11:30"
        form.query_one("#field-foc", Input).value = (
            f"{(day + timedelta(days=1)).isoformat()} 11:30")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "Reason is required" in text_of(form.query_one("#record-form-error", Static))
        form.query_one("#field-reason", Input).value = "Carrier backlog"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(order(app, "RVP-PO-1008").foc_history) == 2,
                    "the FOC change to be kept")
        assert order(app, "RVP-PO-1008").foc_history[-1]["reason"] == "Carrier backlog"


async def test_a_rejection_takes_a_code_from_the_picker_and_its_numbers_follow(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await press_on(pilot, "RVP-PO-1008", "x")
        assert isinstance(picker, PickerModal)
        assert picker.values[0] == "PARTIAL_ORDER_COMMIT_FAILURE"
        await pilot.press("enter")
        await until(pilot, lambda: order(app, "RVP-PO-1008").status is OrderState.REJECTED,
                    "the order to be rejected")
        assert order(app, "RVP-PO-1008").rejection_code == "PARTIAL_ORDER_COMMIT_FAILURE"
        assert app.store is not None
        assert app.store.counts_by_order()[order(app, "RVP-PO-1008").id] == {
            PortState.REJECTED: 10}


async def test_an_illegal_move_is_refused_with_the_reason_and_changes_nothing(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await press_on(pilot, "RVP-PO-1007", "t")  # a draft without a signed LOA
        assert isinstance(picker, PickerModal)
        picker.query_one(OptionList).highlighted = picker.values.index(OrderState.SUBMITTED)
        await pilot.press("enter")
        await until(pilot, lambda: any("signed LOA" in n for n in notices(app)),
                    "the refusal to be shown")
        assert order(app, "RVP-PO-1007").status is OrderState.DRAFT
        assert app.store is not None and app.store.outbox_count() == 0


async def test_a_new_order_form_says_what_the_carrier_would_refuse_and_keeps_it(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_orders(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#field-pon", Input).value = "RVP-PO-1009"
        form.query_one("#field-carrier", Input).value = "AT&T"
        form.query_one("#field-btn", Input).value = "(303) 555-0150"
        form.query_one("#field-pin", Input).value = "12a4"
        assert form.query_one("#field-pin", Input).password
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        error = text_of(form.query_one("#record-form-error", Static))
        assert error.startswith("pin: AT&T takes a port-out PIN of digits only")
        assert form.query_one("#field-carrier", Input).value == "AT&T"  # nothing lost
        form.query_one("#field-pin", Input).value = "1204"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(o.pon == "RVP-PO-1009" for o in store_of(app).orders()),
                    "the order to be stored")
        new = order(app, "RVP-PO-1009")
        assert (new.carrier, new.btn, new.pin, new.status) == (
            "AT&T", "+13035550150", "1204", OrderState.DRAFT)


async def test_at_160_columns_the_orders_show_btn_loa_and_numbers_by_state(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_orders(pilot)
        table = screen.query_one("#orders", DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[:4] == ["PON", "Carrier", "BTN", "PIN"]
        assert "LOA signed by" in labels and "By state" in labels
        row = row_of(screen, "RVP-PO-1004")
        assert "ADDR_MISMATCH" in row and "rejected 200" in row[-1]


async def test_activation_records_the_time_typed_and_a_snapback_is_asked_for(
    make_app: Callable[..., GoLiveApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await press_on(pilot, "RVP-PO-1002", "v")  # FOC confirmed in the demo
        assert isinstance(form, RecordForm)
        later = (datetime.now(UTC) + timedelta(hours=2)).astimezone(EASTERN)
        form.query_one("#field-activated_at", Input).value = f"{later:%Y-%m-%d %H:%M}"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # a time still to come is refused in place
        assert "still to come" in text_of(form.query_one("#record-form-error", Static))
        went_live = (datetime.now(UTC) - timedelta(minutes=30)).astimezone(EASTERN)
        form.query_one("#field-activated_at", Input).value = f"{went_live:%Y-%m-%d %H:%M}"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: order(app, "RVP-PO-1002").status is OrderState.ACTIVATED,
                    "the order to be activated")
        activated = order(app, "RVP-PO-1002")
        assert activated.activated_at == went_live.replace(second=0, microsecond=0)
        assert app.store is not None
        assert app.store.counts_by_order()[activated.id] == {PortState.PORTED: 400}

        await pilot.press("b")
        await until(pilot, lambda: order(app, "RVP-PO-1002").status is (
            OrderState.SNAPBACK_REQUESTED), "the snapback to be asked for")
        await pilot.press("b")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerModal)
        picker.query_one(OptionList).highlighted = picker.values.index(OrderState.ACTIVATED)
        await pilot.press("enter")
        await until(pilot, lambda: order(app, "RVP-PO-1002").status is OrderState.ACTIVATED,
                    "the refused snapback to leave the order active")
        assert order(app, "RVP-PO-1002").activated_at == activated.activated_at
