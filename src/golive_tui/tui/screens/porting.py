"""The number-porting tracker: every number, its order, carrier, FOC and state.

The numbers list is paged from SQLite: the table only ever holds one screenful, so it is
as fast with 100,000 numbers as with 100.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static

from golive_tui.domain.enums import EntityKind, PortState, RejectionCode
from golive_tui.domain.transitions import NEXT_PORT_STATE, PORTING
from golive_tui.resources import styles_dir
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.widgets.fast_table import FastTable
from golive_tui.tui.widgets.forms import PickerModal
from golive_tui.tui.widgets.text_entry import TextField

if TYPE_CHECKING:
    from golive_tui.store.local import BulkOutcome, LocalStore
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


def state_text(state: PortState) -> Text:
    return Text(state.value.replace("_", " "), style=STATE_STYLE.get(state, ""))


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


ORDER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("PON", "pon"), ("Carrier", "carrier"), ("BTN", "btn"), ("LOA", "loa"),
    ("Requested FOC", "req"), ("Confirmed FOC", "foc"), ("Status", "status"),
    ("Code", "code"), ("Numbers", "numbers"), ("By state", "states"),
)


def _cell_width(cell: Any) -> int:
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


class PortingScreen(GoLiveScreen):
    """Numbers and port orders; filter, select, move in bulk."""

    SCREEN_TITLE = "Porting"
    # Screen declares these as instance variables, so no ClassVar here
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    CSS_PATH = str(styles_dir() / "porting.tcss")
    AUTO_FOCUS = "#numbers"
    WATCHES = frozenset({EntityKind.NUMBER, EntityKind.PORT_ORDER, EntityKind.SITE})
    DATA_ONLY = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Find", id="porting.find", key_display="/"),
        Binding("space", "toggle_select", "Select", id="porting.select"),
        Binding("n", "advance", "Next state", id="porting.advance"),
        Binding("t", "transition", "Move to…", id="porting.transition"),
        Binding("a", "select_filter", "Select all", id="porting.select_all", show=False),
        Binding("escape", "clear", "Clear", id="porting.clear", show=False),
        Binding("o", "toggle_orders", "Orders", id="porting.orders"),
        Binding("r", "filter_rejected", "Rejected", id="porting.rejected", show=False),
        Binding("c", "copy", "Copy number", id="porting.copy", show=False),
        Binding("i", "import_numbers", "Import CSV", id="porting.import", show=False),
        Binding("e", "export_numbers", "Export CSV", id="porting.export", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state: NumberQuery | None = None
        self.page_offset = 0
        self.page: Page | None = None
        self.selected: set[str] = set()
        self.filter_selected = False
        self._pending_cursor: int | str | None = 0
        self.orders_view = False
        self._refs: tuple[int, dict[str, str], dict[str, Any]] | None = None
        self._counts: tuple[int, dict[PortState, int]] | None = None
        self._totals: tuple[int, dict[NumberQuery, int]] = (-1, {})
        self.row_ids: list[str] = []

    # -- layout ---------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="porting-filters"):
            yield TextField(placeholder="/ number, name or code", id="porting-search", compact=True)
            yield Select[str](
                [(s.value.replace("_", " "), s.value) for s in PortState],
                prompt="state", id="filter-state", compact=True,
            )
            yield Select[str]([], prompt="site", id="filter-site", compact=True)
            yield Select[str]([], prompt="order", id="filter-order", compact=True)
            yield Select[str]([], prompt="carrier", id="filter-carrier", compact=True)
        table = PagedTable(id="numbers", cursor_type="row", zebra_stripes=True)
        self._add_number_columns(table, self.app.size.width)
        yield table
        orders = FastTable(id="orders", cursor_type="row", zebra_stripes=True)
        orders.display = False
        yield orders
        yield Static(id="porting-info")

    def _add_number_columns(self, table: DataTable[Any], width: int) -> None:
        """The tracker's columns; the names give way on a narrow terminal, so that the
        rejection code is whole rather than cut by the edge of the screen."""
        self._assigned_width = _assigned_width(width)
        table.add_column("", key="sel", width=1)
        table.add_column("Number", key="number", width=14)
        table.add_column("State", key="state", width=13)
        table.add_column("Site", key="site", width=4)
        table.add_column("Order", key="order", width=11)
        assigned = "Assigned to" if self._assigned_width >= 11 else "Assigned"
        table.add_column(assigned, key="assigned", width=self._assigned_width)
        table.add_column("Code", key="code", width=13)
        table.add_column("Type", key="type", width=9)

    def on_mount(self) -> None:
        # Textual calls the base class's on_mount too: no super() here
        self._order_widths: list[int] = []

    def on_resize(self) -> None:
        if _assigned_width(self.size.width) != self._assigned_width:
            table = self.query_one("#numbers", PagedTable)
            table.clear(columns=True)
            self._add_number_columns(table, self.size.width)
        if self.store is not None and self.page is not None:
            self.reload()

    _last_page_size = 0

    @property
    def page_size(self) -> int:
        table = self.query_one("#numbers", PagedTable)
        if table.size.height:
            self._last_page_size = max(5, table.size.height - 1)
        # hidden (orders view) or not laid out yet: keep the last size, or estimate it
        return self._last_page_size or max(5, self.app.size.height - 8)

    # -- loading --------------------------------------------------------------------------

    def current_query(self, store: LocalStore) -> NumberQuery:
        from golive_tui.store.queries import NumberQuery

        if self.query_state is None or self.query_state.project_id != store.project_id:
            self.query_state = NumberQuery(project_id=store.project_id)
        return self.query_state

    def load(self, store: LocalStore) -> Page:
        query = self.current_query(store)
        size = self.page_size
        # a page down or a filter typed and taken back asks again for a count it had:
        # kept per query until numbers or port orders change (the carrier filter reads
        # the orders). Each load keeps to the dict of the generation it read, so a slower,
        # older load cannot put its count into a newer generation's.
        numbers = self.golive.generation(EntityKind.NUMBER, EntityKind.PORT_ORDER)
        generation, totals = self._totals
        if generation != numbers or len(totals) > 64:
            generation, totals = self._totals = (numbers, {})
        total = totals.get(query)
        if total is None:
            total = totals[query] = store.count_numbers(query)
        last = max(0, (total - 1) // size * size)
        offset = min(max(0, self.page_offset), last)
        rows = store.numbers_page(query, offset, size)
        page = Page(query, offset, total, rows)
        # sites, orders and the per-state counts change rarely: reuse them until a change
        # of their kind, instead of paying for them on every keystroke and page
        refs = self.golive.generation(EntityKind.SITE, EntityKind.PORT_ORDER)
        if self._refs is None or self._refs[0] != refs:
            self._refs = (refs, {site.id: site.code for site in store.sites()},
                          {order.id: order for order in store.orders()})
        numbers = self.golive.generation(EntityKind.NUMBER, EntityKind.PORT_ORDER)
        if self._counts is None or self._counts[0] != numbers:
            self._counts = (numbers, store.number_state_counts())
        page.sites, page.orders, page.counts = self._refs[1], self._refs[2], self._counts[1]
        if self.orders_view:
            page.orders_counts = store.counts_by_order()
        return page

    _focus_pending: str | None = None

    def show(self, data: Page) -> None:
        first = self.page is None
        self.page = data
        self.page_offset = data.offset
        self._fill_filters(data)
        if self.orders_view:
            self._show_orders(data)
        self._show_numbers(data)
        self._show_info()
        if first and self._focus_pending:
            pending, self._focus_pending = self._focus_pending, None
            self.focus_record(pending)

    def _fill_filters(self, page: Page) -> None:
        site_select = self.query_one("#filter-site", Select)
        if not site_select.is_mounted or getattr(site_select, "_golive_filled", False):
            return
        site_select.set_options(sorted((code, sid) for sid, code in page.sites.items()))
        self.query_one("#filter-order", Select).set_options(
            sorted((o.pon, oid) for oid, o in page.orders.items())
        )
        carriers = sorted({o.carrier for o in page.orders.values()})
        self.query_one("#filter-carrier", Select).set_options([(c, c) for c in carriers])
        site_select._golive_filled = True  # type: ignore[attr-defined]

    def _row_cells(self, page: Page, row: Any) -> tuple[Any, ...]:
        order = page.orders.get(row.order_id or "")
        selected = self.filter_selected or row.id in self.selected
        state = state_text(row.porting_state)
        if row.pending:
            state.append(" •", style="yellow")
        # text, not strings: DataTable reads a string as markup, so a "[" in a name would
        # be taken for a tag (or fail to parse), and parsing costs time on every page
        return (
            Text("✓", style="bold green") if selected else Text(),
            Text(national(row.e164)),
            state,
            Text(page.sites.get(row.site_id or "", "")),
            Text(order.pon if order else ""),
            Text(row.assigned_to, overflow="ellipsis"),
            Text(row.rejection_code or "", style="red", overflow="ellipsis"),
            Text(row.number_type.value.replace("_", " ")),
        )

    def _show_numbers(self, page: Page) -> None:
        table = self.query_one("#numbers", PagedTable)
        cursor = table.cursor_row
        self.row_ids = [row.id for row in page.rows]
        if table.row_count == len(page.rows) and page.rows:
            # same shape: rewrite the cells in place (rows are keyed by position), which is
            # much cheaper than clearing and rebuilding the table on every page or keystroke
            for index, row in enumerate(page.rows):
                for column, value in enumerate(self._row_cells(page, row)):
                    table.update_cell_at(Coordinate(index, column), value)
        else:
            table.clear()
            for index, row in enumerate(page.rows):
                table.add_row(*self._row_cells(page, row), key=str(index))
        target = self._pending_cursor
        self._pending_cursor = None
        if isinstance(target, str):
            index = next((i for i, r in enumerate(page.rows) if r.id == target), 0)
        elif isinstance(target, int):
            index = target if target >= 0 else len(page.rows) + target
        else:
            index = cursor
        if page.rows:
            table.move_cursor(row=max(0, min(index, len(page.rows) - 1)), scroll=False)

    def _show_orders(self, page: Page) -> None:
        table = self.query_one("#orders", DataTable)
        counts = page.orders_counts
        tz = ZoneInfo("America/New_York")
        rows: list[tuple[str, tuple[Any, ...]]] = []
        for order in page.orders.values():
            by_state = counts.get(order.id, {})
            summary = Text()
            for state, n in sorted(by_state.items(), key=lambda kv: list(PortState).index(kv[0])):
                summary.append(f"{state.value.replace('_', ' ')} {n}  ",
                               style=STATE_STYLE.get(state, ""))
            rows.append((order.id, (
                order.pon, order.carrier, national(order.btn) if order.btn else "",
                order.loa_id or "—", _when(order.requested_foc, tz), _when(order.confirmed_foc, tz),
                state_text(order.status), Text(order.rejection_code or "", style="red"),
                str(sum(by_state.values())), summary,
            )))
        # Columns as wide as their widest cell, set here rather than measured by the table
        # when it is next idle: a table hidden until now could show before measuring.
        widths = [
            max([cell_len(label), *(_cell_width(cells[index]) for _key, cells in rows)])
            for index, (label, _key) in enumerate(ORDER_COLUMNS)
        ]
        if widths != self._order_widths:
            table.clear(columns=True)
            for (label, key), width in zip(ORDER_COLUMNS, widths, strict=True):
                table.add_column(label, key=key, width=width)
            self._order_widths = widths
        else:
            table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)

    def _show_info(self) -> None:
        page = self.page
        info = self.query_one("#porting-info", Static)
        if page is None:
            info.update("loading…")
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.orders_view:
            text.append(f"{len(page.orders):,} port orders · {sum(page.counts.values()):,} "
                        "numbers", style="bold")
            text.append("  Enter shows an order's numbers · o back to numbers", style="dim")
            info.update(text)
            return
        if page.total:
            text.append(f"{page.offset + 1:,}–{page.offset + len(page.rows):,} of {page.total:,}",
                        style="bold")
        else:
            text.append("no numbers match", style="bold yellow")
        if self.filter_selected:
            text.append(f"  all {page.total:,} in filter selected", style="bold green")
        elif self.selected:
            text.append(f"  {len(self.selected):,} selected", style="bold green")
        if not page.query.is_filtered:
            for state in (PortState.FOC_CONFIRMED, PortState.PORTED, PortState.REJECTED):
                n = page.counts.get(state, 0)
                if n:
                    text.append(f"  {state.value.replace('_', ' ')} {n:,}",
                                style=STATE_STYLE[state])
        info.update(text)

    # -- filters --------------------------------------------------------------------------

    def _set_query(self, **changes: Any) -> None:
        if self.query_state is None:
            return
        self.query_state = self.query_state.with_(**changes)
        self.page_offset = 0
        self.filter_selected = False
        self._pending_cursor = 0
        self.reload()

    @on(Input.Changed, "#porting-search")
    def _search(self, event: Input.Changed) -> None:
        self._set_query(text=event.value)

    @on(Input.Submitted, "#porting-search")
    def _search_done(self) -> None:
        self.query_one("#numbers").focus()

    @on(Select.Changed)
    def _filter(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else str(event.value)
        name = event.select.id
        if name == "filter-state":
            self._set_query(states=frozenset({PortState(value)}) if value else frozenset())
        elif name == "filter-site":
            self._set_query(site_id=value)
        elif name == "filter-order":
            self._set_query(order_id=value)
        elif name == "filter-carrier":
            self._set_query(carrier=value)

    def action_focus_search(self) -> None:
        self.query_one("#porting-search", Input).focus()

    def action_filter_rejected(self) -> None:
        self.query_one("#filter-state", Select).value = PortState.REJECTED.value

    def focus_record(self, record_id: str) -> None:
        """Show the numbers of a port order (from the dashboard's gate list).

        Before the first page has loaded the id is kept and applied when it arrives.
        """
        if self.page is None:
            self._focus_pending = record_id
            return
        if record_id in self.page.orders:
            self.query_one("#filter-order", Select).value = record_id

    # -- paging ---------------------------------------------------------------------------

    @on(PagedTable.Edge)
    def _edge(self, event: PagedTable.Edge) -> None:
        page = self.page
        if page is None:
            return
        size = self.page_size
        last = max(0, (page.total - 1) // size * size)
        new = max(0, min(last, page.offset + event.step * size))
        if new == page.offset:
            return
        if event.keep_row:
            self._pending_cursor = self.query_one("#numbers", PagedTable).cursor_row
        else:
            self._pending_cursor = 0 if event.step > 0 else -1
        self.page_offset = new
        self.reload()

    # -- selection and changes ------------------------------------------------------------

    def _current_id(self) -> str | None:
        table = self.query_one("#numbers", PagedTable)
        if not table.row_count:
            return None
        if table.cursor_row >= len(self.row_ids):
            return None
        return self.row_ids[table.cursor_row]

    def action_toggle_select(self) -> None:
        number_id = self._current_id()
        if number_id is None:
            return
        if self.filter_selected:
            self.filter_selected = False
        elif number_id in self.selected:
            self.selected.discard(number_id)
        else:
            self.selected.add(number_id)
        table = self.query_one("#numbers", PagedTable)
        row = table.cursor_row
        mark = Text("✓", style="bold green") if number_id in self.selected else ""
        table.update_cell_at(Coordinate(row, 0), mark)
        if row < table.row_count - 1:
            table.move_cursor(row=row + 1)
        self._show_info()

    def action_select_filter(self) -> None:
        self.filter_selected = True
        self.selected.clear()
        if self.page:
            self._show_numbers(self.page)
        self._show_info()

    def action_clear(self) -> None:
        if self.selected or self.filter_selected:
            self.selected.clear()
            self.filter_selected = False
            if self.page:
                self._show_numbers(self.page)
            self._show_info()
        elif self.query_state is not None and self.query_state.is_filtered:
            for select in self.query(Select):
                select.clear()
            self.query_one("#porting-search", Input).value = ""

    def _targets(self) -> tuple[str, list[str] | None]:
        """What a change applies to: the whole filter, the selection, or the cursor row."""
        if self.filter_selected and self.page is not None:
            return f"all {self.page.total:,} numbers in the filter", None
        if self.selected:
            return f"{len(self.selected):,} selected numbers", sorted(self.selected)
        current = self._current_id()
        row = next((r for r in (self.page.rows if self.page else []) if r.id == current), None)
        return (national(row.e164) if row else "this number"), ([current] if current else [])

    def action_advance(self) -> None:
        label, ids = self._targets()
        if ids is None or ids != [self._current_id()]:
            # a selection, or the whole filter: each number to its own next step
            self._apply_change(
                lambda store, targets: store.advance_numbers(targets), ids, label,
                "their next states",
            )
            return
        current = self._current_id()
        row = next((r for r in (self.page.rows if self.page else []) if r.id == current), None)
        if row is None:
            return
        target = NEXT_PORT_STATE.get(row.porting_state)
        if target is None:
            self.notify(f"{national(row.e164)} is {row.porting_state.value}: no next step; "
                        "use t to choose a state.", severity="warning")
            return
        if target is PortState.REJECTED:
            return
        self._apply([row.id], national(row.e164), target, {})

    def action_transition(self) -> None:
        label, ids = self._targets()
        if ids == []:
            return
        choices: list[tuple[Any, PortState]] = [
            (s.value.replace("_", " "), s) for s in PortState
        ]
        if ids is not None and len(ids) == 1 and self.page is not None:
            row = next((r for r in self.page.rows if r.id == ids[0]), None)
            if row is not None:
                # every state is offered; the illegal ones are dimmed and, if picked, refused
                # with the reason, so the rules are learnt where they apply
                allowed = PORTING.allowed(row.porting_state)
                choices = [(s.value.replace("_", " "), s) for s in PortState if s in allowed]
                choices += [
                    (Text(f"{s.value.replace('_', ' ')}  (not from {row.porting_state.value})",
                          style="dim"), s)
                    for s in PortState if s not in allowed and s is not row.porting_state
                ]
        def picked(state: PortState | None) -> None:
            if state is None:
                return
            if state is PortState.REJECTED:
                codes = [(code.value, code.value) for code in RejectionCode]

                def coded(code: str | None) -> None:
                    if code:
                        self._apply(ids, label, state, {"rejection_code": code})

                self.app.push_screen(PickerModal("Carrier's rejection code", codes), coded)
                return
            self._apply(ids, label, state, {})

        self.app.push_screen(
            PickerModal(f"Move {label} to…", [(state, text) for text, state in choices]), picked
        )

    def _apply(
        self, ids: list[str] | None, label: str, state: PortState, extra: dict[str, Any]
    ) -> None:
        self._apply_change(
            lambda store, targets: store.transition_numbers(targets, state, **extra),
            ids, label, state.value.replace("_", " "),
        )

    def _apply_change(
        self,
        move: Callable[[LocalStore, list[str]], BulkOutcome],
        ids: list[str] | None,
        label: str,
        to: str,
    ) -> None:
        """Move ``ids`` (None: every number of the filter) in a thread, then say what it did.

        More than ``CONFIRM_ABOVE`` numbers are moved only once the user says so.
        """
        query = self.query_state
        count = len(ids) if ids is not None else (self.page.total if self.page else 0)

        def change(store: LocalStore) -> BulkOutcome:
            targets = ids if ids is not None else store.number_ids(query)  # type: ignore[arg-type]
            return move(store, targets)

        def done(outcome: BulkOutcome) -> None:
            self.selected.clear()
            self.filter_selected = False
            applied, refused = len(outcome.applied), len(outcome.refused)
            if refused and not applied and refused == 1:
                self.notify(outcome.refused[0].reason, title="Refused", severity="error",
                            timeout=8)
            elif refused and not applied:
                self.notify(outcome.summary(), title=f"Nothing moved to {to}: all refused",
                            severity="error", timeout=10)
            elif refused:
                self.notify(outcome.summary(),
                            title=f"Moved {applied:,} of {applied + refused:,} to {to}",
                            severity="warning", timeout=10)
            else:
                self.notify(f"{label} → {to}", timeout=3)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.golive.run_change(change, kinds=frozenset({EntityKind.NUMBER}), done=done)

        if count <= CONFIRM_ABOVE:
            confirmed(True)
            return
        self.app.push_screen(
            PickerModal(
                f"Move {count:,} numbers to {to}?",
                [(True, f"Move all {count:,} numbers to {to}"), (False, "Cancel: move none")],
                current=False,
            ),
            confirmed,
        )

    def action_toggle_orders(self) -> None:
        self.orders_view = not self.orders_view
        self.query_one("#orders").display = self.orders_view
        self.query_one("#numbers").display = not self.orders_view
        self.query_one("#orders" if self.orders_view else "#numbers").focus()
        self.reload()

    @on(DataTable.RowSelected, "#orders")
    def _order_chosen(self, event: DataTable.RowSelected) -> None:
        order_id = str(event.row_key.value)
        self.action_toggle_orders()
        self.query_one("#filter-order", Select).value = order_id

    def action_import_numbers(self) -> None:
        from golive_tui.tui.widgets.forms import ReasonPrompt

        def chosen(raw: str | None) -> None:
            if not raw or self.store is None:
                return
            from golive_tui.tui.screens.number_import import NumberImportScreen

            self.app.push_screen(NumberImportScreen(self.store, Path(raw).expanduser()),
                                 self._accepted)

        self.app.push_screen(
            ReasonPrompt("Import numbers", "CSV file from the carrier or the customer:",
                         placeholder="~/Downloads/numbers.csv", required="Give a file path.",
                         check=_import_path_problem),
            chosen,
        )

    def _accepted(self, preview: Any) -> None:
        if preview is None:
            return
        rows = list(preview.rows)

        def done(outcome: BulkOutcome) -> None:
            message = f"Imported {len(outcome.applied):,} numbers as draft"
            if outcome.refused:
                message += f"; {len(outcome.refused):,} refused: {outcome.refused[0].reason}"
            self.notify(message, title="Import", severity="warning" if outcome.refused
                        else "information", timeout=10)

        self.golive.run_change(lambda store: store.import_numbers(rows),
                               kinds=frozenset({EntityKind.NUMBER}), done=done)

    def action_export_numbers(self) -> None:
        from golive_tui.tui.widgets.forms import ReasonPrompt

        query = self.query_state
        page = self.page
        if query is None or page is None:
            return

        def chosen(raw: str | None) -> None:
            if not raw:
                return
            path = Path(raw).expanduser()
            if not path.exists():
                self._export(path, query, page, overwrite=False)
                return

            def replace(answer: bool | None) -> None:
                if answer:
                    self._export(path, query, page, overwrite=True)

            self.app.push_screen(
                PickerModal(f"{path.name} already exists",
                            [(True, f"Replace {path.name}"), (False, "Keep it: export nothing")],
                            current=False),
                replace,
            )

        self.app.push_screen(
            ReasonPrompt("Export numbers", f"Write the {page.total:,} numbers of this view to:",
                         initial=str(_default_export_path()), required="Give a file path."),
            chosen,
        )

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, path: Path, query: NumberQuery, page: Page, *, overwrite: bool) -> None:
        from golive_tui.reports.csv_export import write_numbers_csv

        store = self.store
        assert store is not None
        try:
            count = write_numbers_csv(path, store.iter_numbers(query), sites=page.sites,
                                      orders=page.orders, overwrite=overwrite)
        except FileExistsError as exc:  # never replaced without asking: another name, then
            self.app.call_from_thread(self.notify, str(exc), title="Export not written",
                                      severity="error")
            return
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"Cannot write {path}: {exc.strerror}",
                                      title="Export failed", severity="error")
            return
        self.app.call_from_thread(self.notify, f"Wrote {count:,} numbers to {path}",
                                  title="Export", timeout=8)

    def action_copy(self) -> None:
        current = self._current_id()
        row = next((r for r in (self.page.rows if self.page else []) if r.id == current), None)
        if row is not None:
            self.app.copy_to_clipboard(row.e164)
            self.notify(f"Copied {row.e164}", timeout=2)


def _assigned_width(width: int) -> int:
    """The names' column: what 80 columns leave beside the rest up to the code (the
    columns before it take 53 cells, the code 15), 16 on a wide terminal."""
    return 16 if width >= 100 else max(6, min(16, width - 70))


def _import_path_problem(raw: str) -> str | None:
    """Why ``raw`` names no file to import, said while the path can still be corrected."""
    path = Path(raw).expanduser()
    if path.is_dir():
        return f"{path} is a folder: add the file's name."
    if not path.is_file():
        return f"No file at {path}: check the folder and the name."
    return None


def _default_export_path() -> Path:
    return Path.cwd() / f"golive-numbers-{datetime.now().strftime('%Y%m%d-%H%M')}.csv"


def _when(value: datetime | None, tz: ZoneInfo) -> str:
    if value is None:
        return "—"
    return value.astimezone(tz).strftime("%a %d %b %H:%M ET")
