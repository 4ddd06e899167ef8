"""The checklist: every item of the implementation, by phase, with its owner, due time and
what it waits on; tick items off in one keystroke."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable

from golive_tui.domain.enums import ChecklistStatus, EntityKind
from golive_tui.resources import styles_dir
from golive_tui.store.intents import SaveRecord, SetChecklistStatus
from golive_tui.tui.screens.checklist.data import (
    FILTER_NAMES,
    PHASE_ROW,
    SKIP_NEEDS_COMMENT,
    ChecklistData,
    ItemView,
    load_checklist,
)
from golive_tui.tui.screens.checklist.new_item import (
    new_item_fields,
    new_item_problem,
    new_item_record,
)
from golive_tui.tui.screens.checklist.table import ChecklistTable, ChecklistTableView
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore


class ChecklistScreen(ChecklistTableView):
    """Every item of the plan: mark done in one key, skip with a reason, filter fast."""

    SCREEN_TITLE = "Checklist"
    CSS_PATH = str(styles_dir() / "checklist.tcss")
    WATCHES = frozenset({EntityKind.CHECKLIST_ITEM, EntityKind.MEMBER, EntityKind.PROJECT})
    # Screen declares these as instance variables, so no ClassVar here
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    AUTO_FOCUS = "#checklist-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,x", "mark_done", "Done", id="checklist.done", key_display="x"),
        Binding("i", "start", "Start", id="checklist.start"),
        Binding("a", "add_item", "Add item", id="checklist.add", show=False),
        Binding("b", "block", "Block", id="checklist.block", show=False),
        Binding("s", "skip", "Skip", id="checklist.skip"),
        Binding("p", "assign", "Assign", id="checklist.assign", show=False),
        Binding("t", "reopen", "Back to todo", id="checklist.reopen", show=False),
        Binding("m", "toggle_filter('mine')", "Filter: mine", id="checklist.filter_mine",
                show=False),
        Binding("o", "toggle_filter('overdue')", "Filter: overdue",
                id="checklist.filter_overdue", show=False),
        Binding("g", "toggle_filter('gate')", "Filter: gate items",
                id="checklist.filter_gate", show=False),
        Binding("w", "toggle_filter('waiting')", "Filter: blocked or waiting",
                id="checklist.filter_waiting", show=False),
        Binding("escape", "clear_filters", "Clear filters", id="checklist.clear_filters",
                show=False),
    ]

    #: seconds between reloads, so "overdue" follows the clock without a change
    RELOAD_EVERY = 60.0

    def on_mount(self) -> None:
        self._show_filters()
        self.set_interval(self.RELOAD_EVERY, self._periodic_reload)

    def _periodic_reload(self) -> None:
        if self.store is not None and self.is_current:
            self.reload()

    def load(self, store: LocalStore) -> ChecklistData:
        return load_checklist(store)

    def show(self, data: Any) -> None:
        if not isinstance(data, ChecklistData):
            return
        self.data = data
        self._render_table()
        self._apply_focus()

    @on(DataTable.RowHighlighted, "#checklist-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = event.cursor_row
        if row != event.data_table.cursor_row:
            return  # stale: the cursor moved again since (a rebuild, a jump)
        if 0 <= row < len(self._row_keys) and self._row_keys[row].startswith(PHASE_ROW):
            # headings are not items: step over them in the direction the cursor went
            step = -1 if row < self._last_row else 1
            target = self._first_item_row(row + step, step)
            if self._row_keys[target].startswith(PHASE_ROW):
                target = self._first_item_row(row - step, -step)
            if target != row:
                self._last_row = target
                event.data_table.move_cursor(row=target)
                return
        if 0 <= row < len(self._row_keys) and self._row_keys[row] != self._centred_key:
            self._centred_key = None  # the user moved on: a rebuild keeps their scroll
        self._last_row = row
        self._show_detail()

    def focus_record(self, item_id: str) -> None:
        """Put the cursor on an item (the dashboard's jump to an unmet gate item)."""
        self._focus_id = item_id
        self._apply_focus()

    def _apply_focus(self) -> None:
        item_id = self._focus_id
        if item_id is None or self.data is None:
            return
        item = self.item(item_id)
        self._focus_id = None
        if item is None:
            self.notify("That checklist item is no longer in the plan.", severity="warning")
            return
        if item.id not in self._row_keys:
            self.filters = frozenset()
            self._render_table()
            self.notify(f"Filters cleared to show {item.key}.", timeout=3)
        self._move_to(self._row_keys.index(item.id), centre=True)
        self.query_one(ChecklistTable).focus()

    def action_toggle_filter(self, name: str) -> None:
        if name not in FILTER_NAMES:
            return
        self.filters = self.filters ^ {name}
        self._render_table()

    def action_clear_filters(self) -> None:
        if self.filters:
            self.filters = frozenset()
            self._render_table()

    def _with_item(self, act: Callable[[ItemView], None]) -> None:
        item = self.current_item()
        if item is None:
            self.notify("Put the cursor on an item first.", severity="warning", timeout=3)
            return
        act(item)

    def _change(self, item: ItemView, to: ChecklistStatus, comment: str | None = None) -> None:
        self.golive.run_command(
            SetChecklistStatus(item.id, to, comment),
            success=f"{item.key} {to.value.replace('_', ' ')}",
        )

    def action_mark_done(self) -> None:
        """Done, or back to todo when it is done already."""
        self._with_item(lambda item: self._change(
            item, ChecklistStatus.TODO if item.status is ChecklistStatus.DONE
            else ChecklistStatus.DONE))

    def action_start(self) -> None:
        self._with_item(lambda item: self._change(
            item, ChecklistStatus.TODO if item.status is ChecklistStatus.IN_PROGRESS
            else ChecklistStatus.IN_PROGRESS))

    def action_block(self) -> None:
        self._with_item(lambda item: self._change(
            item, ChecklistStatus.TODO if item.status is ChecklistStatus.BLOCKED
            else ChecklistStatus.BLOCKED))

    def action_reopen(self) -> None:
        self._with_item(lambda item: self._change(item, ChecklistStatus.TODO))

    def action_add_item(self) -> None:
        """A new item of the plan: the form asks the domain before it closes."""
        from zoneinfo import ZoneInfo

        from golive_tui.tui.widgets.forms import RecordForm

        store, data = self.store, self.data
        if store is None or data is None:
            return
        project = store.project()
        fields = new_item_fields(data, store.cutovers(),
                                 project.phase if project is not None else None)
        self.app.push_screen(
            RecordForm("Add a checklist item", fields, zone=ZoneInfo(data.zone),
                       check=lambda values: new_item_problem(data, values)),
            self._add,
        )

    def _add(self, values: dict[str, Any] | None) -> None:
        if values is None:
            return
        record = new_item_record(values)
        self.golive.run_command(
            SaveRecord(EntityKind.CHECKLIST_ITEM, None, record),
            success=f"{record['key']} added",
        )

    def action_assign(self) -> None:
        """Who does the item: one of the stakeholders who sign in, or nobody."""
        from golive_tui.tui.widgets.forms import PickerModal  # read when first picked

        data = self.data
        if data is None:
            return

        def ask(item: ItemView) -> None:
            options = [("", f"Nobody: the {item.owner_role.value} role"),
                       *data.people.by_user(me=data.actor, keep=item.assignee)]
            item_id, key = item.id, item.key

            def picked(user: str | None) -> None:
                if user is None or user == item.assignee:
                    return
                who = data.people.name_of_user(user)
                self.golive.run_command(
                    SaveRecord(EntityKind.CHECKLIST_ITEM, item_id, {"assignee": user}),
                    success=f"{key} assigned to {who}" if user else f"{key} unassigned")

            self.app.push_screen(PickerModal(f"Assign {key}", options,
                                             current=item.assignee), picked)

        self._with_item(ask)

    def action_skip(self) -> None:
        def ask(item: ItemView) -> None:
            if item.status is ChecklistStatus.SKIPPED:
                self._change(item, ChecklistStatus.TODO)
                return

            def skipped(comment: str | None) -> None:
                if comment is not None:
                    self._change(item, ChecklistStatus.SKIPPED, comment)

            self.app.push_screen(
                ReasonDialog(
                    f"Skip {item.key}",
                    body=Content.assemble((item.title, "bold"), "\n",
                                          ("A skipped item counts as finished for the gate.",
                                           "$text-muted")),
                    placeholder="Why is it skipped? (required)",
                    required=SKIP_NEEDS_COMMENT,
                    confirm="skip it",
                ),
                skipped,
            )

        self._with_item(ask)
