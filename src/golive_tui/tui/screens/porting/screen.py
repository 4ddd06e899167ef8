"""The number-porting tracker: every number, its order, carrier, FOC and state.

The numbers list is paged from SQLite: the table only ever holds one screenful, so it is
as fast with 100,000 numbers as with 100."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import Input, Select

from golive_tui.domain.clock import utcnow
from golive_tui.domain.enums import EntityKind, OrderState, PortState, RejectionCode
from golive_tui.domain.port_orders import EASTERN, FEDERAL
from golive_tui.domain.time_text import parse_typed_time, typed_time_text
from golive_tui.domain.transitions import NEXT_PORT_STATE, PORTING
from golive_tui.resources import styles_dir
from golive_tui.store.intents import ImportNumbers, MoveNumbers, MoveOrder, SaveRecord
from golive_tui.tui.screens.porting.orders import (
    activation_problem,
    changed_fields,
    foc_fields,
    foc_problem,
    form_fields,
    form_problem,
    move_choices,
    outcome_text,
    rejection_choices,
)
from golive_tui.tui.screens.porting.table import CONFIRM_ABOVE, Page, PagedTable, national
from golive_tui.tui.screens.porting.view import PortingView
from golive_tui.tui.widgets.forms import FormField, PickerModal, RecordForm

if TYPE_CHECKING:
    from golive_tui.store.local import BulkOutcome
    from golive_tui.store.queries import NumberQuery


class PortingScreen(PortingView):
    """Numbers and port orders; filter, select, move in bulk."""

    SCREEN_TITLE = "Porting"
    # Screen declares these as instance variables, so no ClassVar here
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    CSS_PATH = str(styles_dir() / "porting.tcss")
    AUTO_FOCUS = "#numbers"
    # the project: its holiday list, which the orders' warnings count
    WATCHES = frozenset({EntityKind.NUMBER, EntityKind.PORT_ORDER, EntityKind.SITE,
                         EntityKind.PROJECT})
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
        # the orders view's own keys (check_action: only while it shows)
        Binding("f", "order_foc", "FOC", id="porting.order_foc"),
        Binding("x", "order_reject", "Reject", id="porting.order_reject"),
        Binding("t", "order_move", "Move to…", id="porting.order_move"),
        Binding("v", "order_activate", "Activated", id="porting.order_activate"),
        Binding("b", "order_snapback", "Snapback", id="porting.order_snapback"),
        Binding("e", "order_edit", "Edit", id="porting.order_edit"),
        Binding("n", "order_new", "New order", id="porting.order_new"),
        Binding("h", "project_settings", "Holidays", id="porting.holidays", show=False),
    ]

    #: the actions of the numbers (hidden in the orders view) and of the orders
    NUMBER_ACTIONS = frozenset({
        "focus_search", "toggle_select", "advance", "transition", "select_filter", "clear",
        "filter_rejected", "copy", "import_numbers", "export_numbers",
    })
    ORDER_ACTIONS = frozenset({
        "order_foc", "order_reject", "order_move", "order_activate", "order_snapback",
        "order_edit", "order_new", "project_settings",
    })

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.ORDER_ACTIONS:
            return self.orders_view
        if action in self.NUMBER_ACTIONS:
            return not self.orders_view
        return True

    def action_toggle_orders(self) -> None:
        super().action_toggle_orders()
        self.refresh_bindings()

    # -- port orders -------------------------------------------------------------------

    def action_project_settings(self) -> None:
        """The project's holiday list, which the activation and freeze warnings count."""
        from golive_tui.tui.screens.project_settings import open_project_settings

        open_project_settings(self)

    def action_order_new(self) -> None:
        self._order_form(None)

    def action_order_edit(self) -> None:
        order = self.current_order()
        if order is not None:
            self._order_form(order)

    def _order_form(self, order: Any | None) -> None:
        current = None if order is None else order.model_dump(exclude={"pending"})
        cutovers = self.page.cutovers if self.page is not None else []
        holidays = self.page.holidays if self.page is not None else FEDERAL

        def saved(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            changed = changed_fields(current, values)
            if not changed:
                return
            order_id = None if current is None else str(current["id"])
            pon = values.get("pon") or "Port order"
            self.golive.run_command(SaveRecord(EntityKind.PORT_ORDER, order_id, changed),
                                    success=f"{pon} saved")

        title = "New port order" if order is None else f"Edit {order.pon}"
        self.app.push_screen(
            RecordForm(title, form_fields(order, cutovers), zone=EASTERN,
                       check=lambda values: form_problem(current, values, holidays)),
            saved,
        )

    def _move_order(self, order: Any, to: OrderState, **extra: Any) -> None:
        pon = order.pon

        def done(outcome: BulkOutcome) -> None:
            self.notify(outcome_text(pon, to, outcome), title="Port order", timeout=6)

        self.golive.run_command(MoveOrder(order.id, to, extra), done=done)

    def action_order_foc(self) -> None:
        order = self.current_order()
        if order is None:
            return
        current = order.model_dump(exclude={"pending"})
        changing = order.confirmed_foc is not None and OrderState(order.status) in (
            OrderState.FOC_CONFIRMED, OrderState.FOC_MISSED, OrderState.ACTIVATION_FAILED)

        def confirmed(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            foc = parse_typed_time(str(values["foc"]), EASTERN)
            assert foc is not None
            extra: dict[str, Any] = {"confirmed_foc": foc.isoformat()}
            if values.get("reason"):
                extra["reason"] = values["reason"]
            self._move_order(order, OrderState.FOC_CONFIRMED, **extra)

        title = f"Change the FOC of {order.pon}" if changing else f"Confirm the FOC of {order.pon}"
        self.app.push_screen(
            RecordForm(title, foc_fields(order), zone=EASTERN,
                       check=lambda values: foc_problem(current, values, self.golive.now())),
            confirmed,
        )

    def action_order_reject(self) -> None:
        order = self.current_order()
        if order is None:
            return

        def coded(code: str | None) -> None:
            if code:
                self._move_order(order, OrderState.REJECTED, rejection_code=code)

        self.app.push_screen(PickerModal(f"{order.pon}: the carrier's rejection code",
                                         rejection_choices()), coded)

    def action_order_activate(self) -> None:
        order = self.current_order()
        if order is None:
            return
        current = order.model_dump(exclude={"pending"})

        def recorded(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            at = parse_typed_time(str(values["activated_at"]), EASTERN)
            assert at is not None
            self._move_order(order, OrderState.ACTIVATED, activated_at=at.isoformat())

        self.app.push_screen(
            RecordForm(f"{order.pon} went live", [FormField(
                "activated_at", "Activated (ET)", "text",
                typed_time_text(utcnow(), EASTERN), required=True,
                placeholder="when the numbers went live: 2026-12-14 12:20")],
                zone=EASTERN, check=lambda values: activation_problem(current, values)),
            recorded,
        )

    def action_order_snapback(self) -> None:
        order = self.current_order()
        if order is None:
            return
        if OrderState(order.status) is not OrderState.SNAPBACK_REQUESTED:
            self._move_order(order, OrderState.SNAPBACK_REQUESTED)
            return

        def answered(to: OrderState | None) -> None:
            if to is not None:
                self._move_order(order, to)

        self.app.push_screen(PickerModal(f"{order.pon}: the carrier's answer to the snapback", [
            (OrderState.SNAPPED_BACK, "snapped back: the numbers went back"),
            (OrderState.ACTIVATED, "refused: the numbers stay on Zoom"),
        ]), answered)

    def action_order_move(self) -> None:
        order = self.current_order()
        if order is None:
            return

        def picked(to: OrderState | None) -> None:
            if to is None:
                return
            if to is OrderState.FOC_CONFIRMED:
                self.action_order_foc()
            elif to is OrderState.REJECTED:
                self.action_order_reject()
            else:
                self._move_order(order, to)

        self.app.push_screen(PickerModal(f"Move {order.pon} to…",
                                         move_choices(OrderState(order.status))), picked)

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
            self._apply_change(ids, label, "their next states", None, {})
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
        self._apply_change(ids, label, state.value.replace("_", " "), state, extra)

    def _apply_change(
        self,
        ids: list[str] | None,
        label: str,
        to: str,
        state: PortState | None,
        extra: dict[str, Any],
    ) -> None:
        """Move ``ids`` (None: every number of the filter) to ``state`` (None: each to its
        own next step) in a thread, then say what it did.

        More than ``CONFIRM_ABOVE`` numbers are moved only once the user says so.
        """
        command = MoveNumbers(ids, self.query_state, state, extra)
        count = len(ids) if ids is not None else (self.page.total if self.page else 0)

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
                self.golive.run_command(command, done=done)

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

    def action_import_numbers(self) -> None:
        from golive_tui.tui.widgets.reason_dialog import ReasonDialog

        def chosen(raw: str | None) -> None:
            if not raw or self.store is None:
                return
            from golive_tui.tui.screens.number_import import NumberImportScreen

            self.app.push_screen(NumberImportScreen(self.store, Path(raw).expanduser()),
                                 self._accepted)

        self.app.push_screen(
            ReasonDialog("Import numbers", "CSV file from the carrier or the customer:",
                         placeholder="~/Downloads/numbers.csv", required="Give a file path.",
                         confirm="import", check=_import_path_problem),
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

        self.golive.run_command(ImportNumbers(rows), done=done)

    def action_export_numbers(self) -> None:
        from golive_tui.tui.widgets.reason_dialog import ReasonDialog

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
            ReasonDialog("Export numbers", f"Write the {page.total:,} numbers of this view to:",
                         initial=str(_default_export_path()), placeholder="a file path",
                         required="Give a file path.", confirm="export"),
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


def _import_path_problem(raw: str) -> str | None:
    """Why ``raw`` names no file to import, said while the path can still be corrected."""
    path = Path(raw).expanduser()
    if path.is_dir():
        return f"{path} is a folder: add the file's name."
    if not path.is_file():
        return f"No file at {path}: check the folder and the name."
    from golive_tui.domain.number_import import FILE_HEAD_BYTES, file_problem

    try:
        with path.open("rb") as handle:
            head = handle.read(FILE_HEAD_BYTES)
        size = path.stat().st_size
    except OSError as exc:
        return f"{path} cannot be read: {exc.strerror or exc}."
    problem = file_problem(head, size)
    return None if problem is None else f"{path.name}: {problem}."


def _default_export_path() -> Path:
    return Path.cwd() / f"golive-numbers-{datetime.now().strftime('%Y%m%d-%H%M')}.csv"
