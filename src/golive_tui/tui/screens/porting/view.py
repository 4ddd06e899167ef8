"""The porting screen's view: the number tracker page by page, its filters, and the port
orders beside it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.geometry import Size
from textual.widgets import DataTable, Input, Select, Static

from golive_tui.domain.enums import EntityKind, PortState
from golive_tui.domain.port_orders import project_holidays
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.screens.porting.orders import (
    NARROW_CARRIER,
    order_cells,
    order_columns,
    order_detail,
)
from golive_tui.tui.screens.porting.table import (
    STATE_STYLE,
    Page,
    PagedTable,
    assigned_width,
    cell_width,
    national,
    state_text,
)
from golive_tui.tui.widgets.fast_table import FastTable
from golive_tui.tui.widgets.text_entry import TextField

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.store.queries import NumberQuery


class PortingView(GoLiveScreen):
    """Numbers a page at a time, filtered; the port orders instead with o."""

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
        self._found = _Found(-1)
        self.row_ids: list[str] = []

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
        detail = Static(id="order-detail")
        detail.display = False
        yield detail
        yield Static(id="porting-info")

    def _add_number_columns(self, table: DataTable[Any], width: int) -> None:
        """The tracker's columns; the names give way on a narrow terminal, so that the
        rejection code is whole rather than cut by the edge of the screen."""
        self._assigned_width = assigned_width(width)
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
        # The search runs as the value changes, in the turn that inserts the key: its page
        # is drawn in the same frame as the key. Run by the field's Changed message, it came
        # two message hops later, mostly after the field's own frame, and each key drew two.
        self.watch(self.query_one("#porting-search", Input), "value", self._search,
                   init=False)

    #: the size the screen was last resized to
    _sized: Size | None = None

    def on_resize(self) -> None:
        # the number under the cursor stays under it: a page of another height would begin
        # where this one begins, and a table laid out again would put the cursor on top
        current = self._current_id() if self.size != self._sized else None
        self._sized = self.size
        if assigned_width(self.size.width) != self._assigned_width:
            table = self.query_one("#numbers", PagedTable)
            table.clear(columns=True)
            self._add_number_columns(table, self.size.width)
        if self.store is not None and self.page is not None:
            if current is not None and not self.orders_view:
                # it begins the page, which keeps it on the page whatever its new height
                self.page_offset = self.page.offset + self.row_ids.index(current)
                self._pending_cursor = current
            self.reload()

    _last_page_size = 0

    @property
    def page_size(self) -> int:
        table = self.query_one("#numbers", PagedTable)
        if table.size.height:
            self._last_page_size = max(5, table.size.height - 1)
        # hidden (orders view) or not laid out yet: keep the last size, or estimate it
        return self._last_page_size or max(5, self.app.size.height - 8)

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
        found = self._found
        if found.generation != numbers or len(found.totals) > 64:
            found = self._found = _Found(numbers)
        total = found.totals.get(query)
        matches = found.matches.get(query)
        if matches is None and total is None and len(query.digits) >= MATCHES_DIGITS:
            # a search by digits: narrowed from the numbers a shorter search found (typing
            # on), else read in one pass when few match (count and page at once)
            matches = found.narrowed(query)
            if matches is None:
                matches = store.number_matches(query, MATCHES_KEPT)
            if matches is not None:
                found.keep(query, matches)
        if matches is not None:
            total = found.totals[query] = len(matches)
        elif total is None:
            total = found.totals[query] = store.count_numbers(query)
        last = max(0, (total - 1) // size * size)
        offset = min(max(0, self.page_offset), last)
        if matches is not None:
            rows = store.numbers_at([rowid for rowid, _e164 in matches[offset:offset + size]])
        else:
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
            page.cutovers = sorted(
                ((str(c["id"]), str(c["name"])) for c in store.iter_records(EntityKind.CUTOVER)),
                key=lambda c: c[1])
            project = store.project()
            page.holidays = project_holidays(
                None if project is None else project.model_dump(include={"holidays"}))
        return page

    def loads_quickly(self) -> bool:
        # a page, or a filter's count and page, once the sites, orders and counts by state
        # are kept: at most a scan of the numbers' index (a digit search), read on the loop
        return (
            self.page is not None and not self.orders_view
            and self._refs is not None
            and self._refs[0] == self.golive.generation(EntityKind.SITE, EntityKind.PORT_ORDER)
            and self._counts is not None
            and self._counts[0] == self.golive.generation(EntityKind.NUMBER,
                                                          EntityKind.PORT_ORDER)
        )

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
            table.rewrite_rows([self._row_cells(page, row) for row in page.rows])
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
        now = self.golive.now()
        wide = self.size.width >= 140
        columns = order_columns(wide)
        rows: list[tuple[str, tuple[Any, ...]]] = [
            (order.id, order_cells(order, counts.get(order.id, {}), now, wide=wide,
                                   holidays=page.holidays))
            for order in page.orders.values()
        ]
        # Columns as wide as their widest cell, set here rather than measured by the table
        # when it is next idle: a table hidden until now could show before measuring.
        widths = [
            max([cell_len(label), *(cell_width(cells[index]) for _key, cells in rows)])
            for index, (label, _key) in enumerate(columns)
        ]
        if not wide:  # a short carrier; the warnings' text is in the panel below
            widths[1] = min(widths[1], NARROW_CARRIER)
        cursor = table.cursor_row
        if widths != self._order_widths:
            table.clear(columns=True)
            for (label, key), width in zip(columns, widths, strict=True):
                table.add_column(label, key=key, width=width)
            self._order_widths = widths
        else:
            table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=max(0, min(cursor, len(rows) - 1)), scroll=False)
        self._show_order_detail()

    def current_order(self) -> Any | None:
        """The order under the cursor of the orders view."""
        page = self.page
        table = self.query_one("#orders", DataTable)
        if page is None or not self.orders_view or not table.row_count:
            return None
        keys = list(page.orders)
        row = table.cursor_row
        return page.orders[keys[row]] if 0 <= row < len(keys) else None

    def _show_order_detail(self) -> None:
        detail = self.query_one("#order-detail", Static)
        order = self.current_order()
        if order is None or self.page is None:
            detail.update("")
            return
        lines = 2 if self.size.height < 40 else 8
        detail.update(order_detail(order, self.page.orders_counts.get(order.id, {}),
                                   self.golive.now(), lines, self.page.holidays))

    @on(DataTable.RowHighlighted, "#orders")
    def _order_highlighted(self) -> None:
        self._show_order_detail()

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
            text.append("  Enter its numbers · f FOC · x reject · t move · e edit · n new · "
                        "o numbers", style="dim")
            info.update(text, layout=False)
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
        # one line whatever it says (porting.tcss): no layout of the screen for it, which
        # drew every widget again on each page
        info.update(text, layout=False)

    def _set_query(self, **changes: Any) -> None:
        if self.query_state is None:
            return
        self.query_state = self.query_state.with_(**changes)
        self.page_offset = 0
        self.filter_selected = False
        self._pending_cursor = 0
        self.reload()

    def _search(self, value: str) -> None:
        self._set_query(text=value)

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

    def _current_id(self) -> str | None:
        table = self.query_one("#numbers", PagedTable)
        if not table.row_count:
            return None
        if table.cursor_row >= len(self.row_ids):
            return None
        return self.row_ids[table.cursor_row]

    def action_toggle_orders(self) -> None:
        self.orders_view = not self.orders_view
        self.query_one("#orders").display = self.orders_view
        self.query_one("#numbers").display = not self.orders_view
        self.query_one("#order-detail").display = self.orders_view
        self.query_one("#orders" if self.orders_view else "#numbers").focus()
        self.reload()

    @on(DataTable.RowSelected, "#orders")
    def _order_chosen(self, event: DataTable.RowSelected) -> None:
        order_id = str(event.row_key.value)
        self.action_toggle_orders()
        self.query_one("#filter-order", Select).value = order_id


#: a digit search matching at most this many numbers keeps them all (rowid and E.164):
#: its pages are read by rowid, and a longer search typed on narrows them in memory
MATCHES_KEPT = 2000
#: searches of fewer digits match too many numbers to read in one pass (at 100,000, one or
#: two digits match thousands): their count is read as before
MATCHES_DIGITS = 3


class _Found:
    """What the searches of one generation of numbers found: counts per query (a page down
    or a filter typed and taken back asks again for a count it had), and for the last few
    digit searches that matched few numbers, those numbers.

    Kept until numbers or port orders change (the carrier filter reads the orders); each
    load keeps to the one of the generation it read, so a slower, older load cannot put
    its count into a newer generation's."""

    #: digit searches whose numbers are kept
    KEPT = 8

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.totals: dict[NumberQuery, int] = {}
        self.matches: dict[NumberQuery, list[tuple[int, str]]] = {}

    def keep(self, query: NumberQuery, matches: list[tuple[int, str]]) -> None:
        if len(self.matches) >= self.KEPT:
            del self.matches[next(iter(self.matches))]
        self.matches[query] = matches

    def narrowed(self, query: NumberQuery) -> list[tuple[int, str]] | None:
        """The numbers ``query`` matches, from those of a kept search it narrows."""
        digits = query.digits
        for wider, matches in reversed(self.matches.items()):
            if query.narrows(wider):
                return [(rowid, e164) for rowid, e164 in matches if digits in e164]
        return None
