"""The lifecycle screen: the seven phases as a timeline with their milestones, exit criteria
and what is late; and tabs for the stakeholders, the kickoff, the RAID log and the change
requests, each with its forms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from golive_tui.domain import lifecycle
from golive_tui.domain.enums import (
    ActionStatus,
    ChangeRequestState,
    EntityKind,
    LifecyclePhase,
    OpAction,
)
from golive_tui.domain.permissions import can, may_decide_changes, may_move_phases
from golive_tui.domain.rules import reason_problem
from golive_tui.resources import styles_dir
from golive_tui.store.intents import MovePhase, MoveRecord
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.screens.lifecycle import fields as forms
from golive_tui.tui.screens.lifecycle.data import (
    PHASE_ROW,
    LifecycleData,
    load_lifecycle,
)
from golive_tui.tui.screens.lifecycle.frame import label
from golive_tui.tui.screens.lifecycle.phases import PhaseTables
from golive_tui.tui.screens.lifecycle.records import RecordTables
from golive_tui.tui.widgets.forms import FormField, RecordForm, save_record
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore

K = EntityKind

#: the tabs: id, title, the key that opens it
TABS: tuple[tuple[str, str, str], ...] = (
    ("phases", "Phases", "P"),
    ("people", "Stakeholders", "S"),
    ("kickoff", "Kickoff", "K"),
    ("raid", "RAID", "R"),
    ("changes", "Changes", "C"),
)
#: what each tab's rows are, for who may add and edit them
TAB_KINDS = {"phases": K.MILESTONE, "people": K.STAKEHOLDER, "kickoff": K.ACTION_ITEM,
             "raid": K.RAID_ITEM, "changes": K.CHANGE_REQUEST}
#: the width at and above which the tables show every column
WIDE = 120
#: the phases' side panel (criteria and the log), from WIDE columns
SIDE_WIDTH = 54


class LifecycleScreen(GoLiveScreen):
    """Phases, milestones and what is late; people and scope, each in a tab."""

    SCREEN_TITLE = "Lifecycle"
    CSS_PATH = str(styles_dir() / "lifecycle.tcss")
    WATCHES = frozenset({
        K.PROJECT, K.MILESTONE, K.CHECKLIST_ITEM, K.PHASE_EVENT, K.STAKEHOLDER, K.KICKOFF,
        K.ACTION_ITEM, K.RAID_ITEM, K.CHANGE_REQUEST,
    })
    AUTO_FOCUS = "#phases-table"
    # Screen declares these as instance variables, so no ClassVar here
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "close_phase", "Close phase", id="lifecycle.close_phase"),
        Binding("o", "reopen_phase", "Reopen", id="lifecycle.reopen_phase"),
        Binding("a", "add", "Add", id="lifecycle.add"),
        Binding("e", "edit", "Edit", id="lifecycle.edit"),
        Binding("x", "toggle_action", "Action done", id="lifecycle.action_done"),
        Binding("k", "edit_kickoff", "Kickoff record", id="lifecycle.edit_kickoff"),
        Binding("y", "decide('approved')", "Approve", id="lifecycle.approve"),
        Binding("n", "decide('rejected')", "Reject", id="lifecycle.reject"),
        Binding("w", "decide('withdrawn')", "Withdraw", id="lifecycle.withdraw", show=False),
        Binding("right_square_bracket", "next_tab(1)", "Next tab", id="lifecycle.next_tab",
                key_display="]"),
        Binding("left_square_bracket", "next_tab(-1)", "Previous tab",
                id="lifecycle.previous_tab", key_display="[", show=False),
        *[Binding(key, f"show_tab('{tab}')", f"Tab: {title}", id=f"lifecycle.tab_{tab}",
                  show=False) for tab, title, key in TABS],
    ]

    #: seconds between reloads, so "late" follows the clock without a change
    RELOAD_EVERY = 60.0

    def __init__(self) -> None:
        super().__init__()
        self.data: LifecycleData | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="lifecycle-timeline")
        with TabbedContent(id="lifecycle-tabs", initial="phases"):
            for tab, title, key in TABS:
                with TabPane(f"{title} ({key})", id=tab):
                    if tab == "kickoff":
                        yield Static(id="kickoff-record")
                    with Horizontal(classes="lifecycle-body"):
                        yield DataTable(id=f"{tab}-table", cursor_type="row",
                                        zebra_stripes=False)
                        if tab == "phases":
                            # shown from 120 columns: every criterion and the phase log
                            yield Static(id="phases-side")
                    yield Static(id=f"{tab}-detail", classes="lifecycle-detail")

    def on_mount(self) -> None:
        self.set_interval(self.RELOAD_EVERY, self._periodic_reload)

    def _periodic_reload(self) -> None:
        if self.store is not None and self.is_current:
            self.reload()

    # -- loading and showing --------------------------------------------------------------

    def load(self, store: LocalStore) -> LifecycleData:
        return load_lifecycle(store)

    def show(self, data: Any) -> None:
        if not isinstance(data, LifecycleData):
            return
        self.data = data
        self._show_all()

    def on_resize(self) -> None:
        if self.data is not None:
            self._show_all()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.data.zone if self.data else "America/New_York")

    @property
    def wide(self) -> bool:
        return self.app.size.width >= WIDE

    @property
    def tab(self) -> str:
        return self.query_one(TabbedContent).active or "phases"

    def _tables(self) -> tuple[PhaseTables, RecordTables]:
        assert self.data is not None
        frame = (self.data, self.golive.now(), self.zone, self.wide)
        return PhaseTables(*frame), RecordTables(*frame)

    def _show_all(self) -> None:
        phases, records = self._tables()
        with self.app.batch_update():
            self.query_one("#lifecycle-timeline", Static).update(phases.timeline())
            self._fill("phases", phases.phase_columns(), phases.phase_rows())
            self._fill("people", records.people_columns(), records.people_rows())
            self.query_one("#kickoff-record", Static).update(records.kickoff_record())
            self._fill("kickoff", records.action_columns(), records.action_rows())
            self._fill("raid", records.raid_columns(), records.raid_rows())
            self._fill("changes", records.change_columns(), records.change_rows())
            self._show_detail(phases, records)
        self.refresh_bindings()

    def _fill(
        self, tab: str, columns: Sequence[tuple[str, str, int]],
        rows: Sequence[tuple[str, Sequence[Any]]],
    ) -> None:
        """Put ``rows`` in the tab's table, keeping the cursor on the row it was on."""
        table = self.query_one(f"#{tab}-table", DataTable)
        current = self._row_key(tab)
        room = self.app.size.width - (SIDE_WIDTH if tab == "phases" and self.wide else 0)
        flexible = max(room - sum(w for _k, _l, w in columns) - 2 * len(columns) - 4, 12)
        table.clear(columns=True)
        for key, heading, width in columns:
            table.add_column(heading, width=width or flexible, key=key)
        for key, cells in rows:
            table.add_row(*cells, key=key)
        keys = [key for key, _cells in rows]
        if current in keys:
            table.move_cursor(row=keys.index(current), animate=False)
        elif tab == "phases" and self.data is not None:
            target = f"{PHASE_ROW}{self.data.phase.value}"
            if target in keys:
                table.move_cursor(row=keys.index(target), animate=False)

    def _row_key(self, tab: str) -> str | None:
        table = self.query_one(f"#{tab}-table", DataTable)
        if table.row_count == 0 or not 0 <= table.cursor_row < table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return str(key) if key is not None else None

    # -- the detail line ------------------------------------------------------------------

    def _show_detail(self, phases: PhaseTables, records: RecordTables) -> None:
        for tab, show in (("phases", phases.phase_detail), ("people", records.people_detail),
                          ("kickoff", records.action_detail), ("raid", records.raid_detail),
                          ("changes", records.change_detail)):
            key = self._row_key(tab)
            self.query_one(f"#{tab}-detail", Static).update(show(key or ""))
        if self.wide:
            self.query_one("#phases-side", Static).update(
                phases.phase_side(self._row_key("phases") or ""))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.data is not None:
            self._show_detail(*self._tables())
            self.refresh_bindings()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row edits it, as e does (on a phase's own row it does nothing)."""
        key = event.row_key.value
        if key is not None and not str(key).startswith(PHASE_ROW):
            self.action_edit()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id or "phases"
        self.query_one(f"#{pane}-table", DataTable).focus()
        self.refresh_bindings()

    # -- which keys apply here: the tab, the row and what the domain lets this role do --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """False hides a key that has nothing to do on this tab; None shows it dimmed, when
        the row or the role (as the domain's permissions say) does not allow it now."""
        if self.data is None or not self.is_mounted:
            return True
        tab = self.tab
        key = self._row_key(tab) or ""
        if action in ("close_phase", "reopen_phase"):
            if tab != "phases":
                return False
            view = self.data.phase_of(key)
            allowed = (view is not None and may_move_phases(self.data.role) and (
                view.current and not view.closed if action == "close_phase" else view.closed))
            return True if allowed else None
        role = self.data.role
        if action in ("toggle_action", "edit_kickoff"):
            if tab != "kickoff":
                return False
            allowed = (can(role, K.ACTION_ITEM, OpAction.TRANSITION) if action == "toggle_action"
                       else can(role, K.KICKOFF, OpAction.UPDATE))
            return True if allowed else None
        if action == "decide":
            if tab != "changes":
                return False
            change = next((c for c in self.data.changes if c.id == key), None)
            allowed = (change is not None and change.state is ChangeRequestState.PROPOSED
                       and may_decide_changes(self.data.role))
            return True if allowed else None
        if action == "add":
            if tab == "phases":
                return False
            return True if can(role, TAB_KINDS[tab], OpAction.CREATE) else None
        if action == "edit":
            return True if can(role, TAB_KINDS[tab], OpAction.UPDATE) else None
        return True

    # -- actions: tabs --------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_next_tab(self, step: int) -> None:
        ids = [tab for tab, _t, _k in TABS]
        self.action_show_tab(ids[(ids.index(self.tab) + step) % len(ids)])

    # -- actions: phases ------------------------------------------------------------------

    def action_close_phase(self) -> None:
        if self.data is None:
            return
        view = self.data.phase_of(self._row_key("phases") or "")
        if view is None:
            return
        unmet = view.unmet
        phase = view.phase
        what = (f"Closing {phase.label} with {len(unmet)} exit criteri"
                f"{'a' if len(unmet) != 1 else 'on'} unmet")
        body: Content
        if unmet:
            body = Content.assemble(
                (f"{len(unmet)} exit criteria are unmet. ", "bold $warning"),
                "Closing it anyway needs a reason saying why the project goes on without "
                "them; they are kept with the close.")
        else:
            body = Content.styled("Every exit criterion is met. A note is optional.",
                                  "$success")
        self.app.push_screen(
            ReasonDialog(
                f"Close {lifecycle.phase_text(phase)}",
                body=body, lines=[str(c) for c in unmet], max_lines=6,
                placeholder="Why it closes now" + (" (required)" if unmet else " (optional)"),
                required=f"{what} needs a reason." if unmet else None,
                confirm="close the phase", danger=bool(unmet),
                check=(lambda reason: reason_problem(reason, what)) if unmet else None,
            ),
            lambda reason: self._move_phase(phase, reason, close=True),
        )

    def action_reopen_phase(self) -> None:
        view = self.data.phase_of(self._row_key("phases") or "") if self.data else None
        if view is None:
            return
        phase = view.phase
        what = f"Reopening {phase.label}"
        self.app.push_screen(
            ReasonDialog(
                f"Reopen {lifecycle.phase_text(phase)}",
                body=Content.styled("The project goes back to this phase; the reopening "
                                    "is kept in the phase log.", "$warning"),
                placeholder="What is not finished (required)",
                required=f"{what} needs a reason.", confirm="reopen it",
                check=lambda reason: reason_problem(reason, what),
            ),
            lambda reason: self._move_phase(phase, reason, close=False),
        )

    def _move_phase(self, phase: LifecyclePhase, reason: str | None, *, close: bool) -> None:
        if reason is None:
            return
        self.golive.run_command(
            MovePhase(phase, reason, close=close),
            success=f"{phase.label} {'closed' if close else 'reopened'}",
        )

    # -- actions: add and edit ------------------------------------------------------------

    def action_add(self) -> None:
        self._form(self.tab, None)

    def action_edit(self) -> None:
        tab = self.tab
        key = self._row_key(tab)
        if key is None or key.startswith(PHASE_ROW):
            if tab == "phases":
                self.notify("Put the cursor on a milestone to edit it.", timeout=3)
            return
        self._form(tab, key)

    def action_edit_kickoff(self) -> None:
        if self.data is not None:
            self._open_form(K.KICKOFF, self.data.kickoff, forms.kickoff_fields(self.data),
                            "the kickoff")

    def _form(self, tab: str, key: str | None) -> None:
        data = self.data
        if data is None:
            return
        if tab == "phases":
            milestone = next((m for v in data.phases for m in v.milestones if m.id == key), None)
            if milestone is not None:
                self._open_form(K.MILESTONE, milestone, forms.milestone_fields(data, milestone),
                                milestone.name)
        elif tab == "people":
            person = data.person(key or "")
            self._open_form(K.STAKEHOLDER, person, forms.person_fields(data, person),
                            person.name if person else "a stakeholder")
        elif tab == "kickoff":
            action = next((a for a in data.actions if a.id == key), None)
            self._open_form(K.ACTION_ITEM, action, forms.action_fields(data, action),
                            "an action" if action is None else "the action")
        elif tab == "raid":
            item = next((r for r in data.raid if r.id == key), None)
            self._open_form(K.RAID_ITEM, item, forms.raid_fields(data, item),
                            "a RAID entry" if item is None else "the RAID entry")
        elif tab == "changes":
            change = next((c for c in data.changes if c.id == key), None)
            self._open_form(K.CHANGE_REQUEST, change, forms.change_fields(data, change),
                            "a change request" if change is None else "the change request")

    def _open_form(
        self, kind: EntityKind, record: Any, fields: list[FormField], what: str
    ) -> None:
        current = record.model_dump(exclude={"pending"}) if record is not None else None
        verb = "Edit" if record is not None else "Add"
        self.app.push_screen(
            RecordForm(f"{verb} {what}", fields, zone=self.zone,
                       check=lambda values: forms.problem(kind, current, values)),
            lambda values: self._save(kind, current, values),
        )

    def _save(self, kind: EntityKind, current: dict[str, Any] | None,
              values: dict[str, Any] | None) -> None:
        if values is None:
            return
        save_record(self.golive, kind, current, forms.record_values(kind, values),
                    f"{label(kind.value).capitalize()} saved")

    # -- actions: kickoff's actions and change requests ------------------------------------

    def action_toggle_action(self) -> None:
        data = self.data
        key = self._row_key("kickoff")
        action = next((a for a in data.actions if a.id == key), None) if data else None
        if action is None:
            return
        to = ActionStatus.OPEN if action.status is ActionStatus.DONE else ActionStatus.DONE
        self.golive.run_command(MoveRecord(K.ACTION_ITEM, action.id, to.value),
                                success=f"Action {to.value}")

    def action_decide(self, to: str) -> None:
        data = self.data
        key = self._row_key("changes")
        change = next((c for c in data.changes if c.id == key), None) if data else None
        if change is None:
            return
        target = ChangeRequestState(to)
        verb = {"approved": "Approve", "rejected": "Reject", "withdrawn": "Withdraw"}[to]
        change_id = change.id

        def decided(reason: str | None) -> None:
            if reason is not None:
                self.golive.run_command(
                    MoveRecord(K.CHANGE_REQUEST, change_id, target.value, {"reason": reason}),
                    success=f"Change request {to}")

        self.app.push_screen(
            ReasonDialog(
                f"{verb} the change request", body=Content.assemble(
                    (change.title, "bold"), "\n", (change.impact, "$text-muted")),
                placeholder="The reason for the decision (required)",
                required=f"{verb.rstrip('e')}ing a change request needs the reason "
                "for the decision.",
                confirm=verb.lower(), danger=target is ChangeRequestState.REJECTED,
            ),
            decided,
        )

