"""What the porting screen shows: the paged number table, a page of numbers with what it
refers to, and how states, numbers and times are written in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual.message import Message

from golive_tui.domain.enums import OrderState, PortState
from golive_tui.domain.port_orders import FEDERAL, Holidays
from golive_tui.tui.widgets.fast_table import FastTable

if TYPE_CHECKING:
    from golive_tui.store.queries import NumberQuery


#: a move of more numbers than this asks first, saying how many and to which state
CONFIRM_ABOVE = 50
STATE_STYLE: dict[PortState, str] = {
    PortState.DRAFT: "dim",
    PortState.LOA_PENDING: "yellow",
    PortState.SUBMITTED: "cyan",
    PortState.FOC_CONFIRMED: "bold cyan",
    PortState.PORTED: "green",
    PortState.VERIFIED: "bold green",
    PortState.REJECTED: "bold red",
    PortState.CANCELLED: "dim strike",
    PortState.NOT_PORTABLE: "red",
    PortState.SNAPBACK_REQUESTED: "bold magenta",
}

ORDER_STATE_STYLE: dict[OrderState, str] = {
    OrderState.DRAFT: "dim",
    OrderState.LOA_PENDING: "yellow",
    OrderState.SUBMITTED: "cyan",
    OrderState.REJECTED: "bold red",
    OrderState.FOC_CONFIRMED: "bold cyan",
    OrderState.FOC_MISSED: "bold red",
    OrderState.ACTIVATED: "green",
    OrderState.ACTIVATION_FAILED: "bold red",
    OrderState.SNAPBACK_REQUESTED: "bold magenta",
    OrderState.SNAPPED_BACK: "magenta",
    OrderState.CANCELLED: "dim strike",
    OrderState.NOT_PORTABLE: "red",
}


def state_text(state: PortState | OrderState) -> Text:
    style = (ORDER_STATE_STYLE.get(state, "") if isinstance(state, OrderState)
             else STATE_STYLE.get(state, ""))
    return Text(state.value.replace("_", " "), style=style)


def national(e164: str) -> str:
    if e164.startswith("+1") and len(e164) == 12:
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    return e164


class PagedTable(FastTable):
    """A DataTable holding one page; moving past its edges asks the screen for more."""

    class Edge(Message):
        def __init__(self, step: int, keep_row: bool = False) -> None:
            super().__init__()
            self.step = step
            self.keep_row = keep_row

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.Edge(+1))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.Edge(-1))
        else:
            super().action_cursor_up()

    def action_page_down(self) -> None:
        self.post_message(self.Edge(+1, keep_row=True))

    def action_page_up(self) -> None:
        self.post_message(self.Edge(-1, keep_row=True))

    def action_scroll_home(self) -> None:
        self.post_message(self.Edge(-(10**9)))

    def action_scroll_end(self) -> None:
        self.post_message(self.Edge(10**9))


def cell_width(cell: Any) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


@dataclass
class Page:
    query: NumberQuery
    offset: int
    total: int
    rows: list[Any]
    sites: dict[str, str] = field(default_factory=dict)
    orders: dict[str, Any] = field(default_factory=dict)
    counts: dict[PortState, int] = field(default_factory=dict)
    #: per order, numbers by state: loaded only while the orders view shows
    orders_counts: dict[str, dict[PortState, int]] = field(default_factory=dict)
    #: the project's cutover waves (id, name), for the order form
    cutovers: list[tuple[str, str]] = field(default_factory=list)
    #: the days no port activates (the project's list, or the US federal holidays)
    holidays: Holidays = FEDERAL


def assigned_width(width: int) -> int:
    """The names' column: what 80 columns leave beside the rest up to the code (the
    columns before it take 53 cells, the code 15), 16 on a wide terminal."""
    return 16 if width >= 100 else max(6, min(16, width - 70))
