"""The lifecycle screen: the seven phases as a timeline with their milestones, exit criteria
and what is late; and tabs for the stakeholders, the kickoff, the RAID log and the change
requests, each with its forms."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from golive_tui.domain import lifecycle
from golive_tui.domain.enums import (
    ActionSource,
    ActionStatus,
    ChangeRequestState,
    EntityKind,
    LifecyclePhase,
    MilestoneStatus,
    RaidStatus,
    RaidType,
    StakeholderRole,
)
from golive_tui.domain.permissions import may_decide_changes, may_move_phases
from golive_tui.domain.phone import format_number
from golive_tui.domain.rules import phase_reason_problem
from golive_tui.domain.time_text import local_time
from golive_tui.resources import styles_dir
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.screens.lifecycle.data import LifecycleData, PhaseView, load_lifecycle
from golive_tui.tui.widgets.forms import FormField, RecordForm, record_problem, save_record
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
#: a short name per phase for the timeline at 80 columns
SHORT = {
    LifecyclePhase.IPM_ASSIGNED: "IPM",
    LifecyclePhase.INITIAL_SETUP: "Setup",
    LifecyclePhase.KICKOFF: "Kickoff",
    LifecyclePhase.IMPLEMENTATION: "Build",
    LifecyclePhase.GO_LIVE: "Go-live",
    LifecyclePhase.HYPERCARE: "Hypercare",
    LifecyclePhase.ACCEPTANCE: "Acceptance",
}
STATUS_STYLE = {
    MilestoneStatus.DONE: "$success",
    MilestoneStatus.LATE: "bold $error",
    MilestoneStatus.AT_RISK: "bold $warning",
    MilestoneStatus.ON_TRACK: "",
    MilestoneStatus.PLANNED: "$text-muted",
}
RAID_SHORT = {RaidType.RISK: "Risk", RaidType.ASSUMPTION: "Asm.", RaidType.ISSUE: "Issue",
              RaidType.DEPENDENCY: "Dep."}
PHASE_ROW = "phase:"
#: the width at and above which the tables show every column
WIDE = 120
#: the phases' side panel (criteria and the log), from WIDE columns
SIDE_WIDTH = 54


def _label(value: str) -> str:
    return value.replace("_", " ")


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

    def _show_all(self) -> None:
        with self.app.batch_update():
            self._show_timeline()
            self._fill("phases", self._phase_columns(), self._phase_rows())
            self._fill("people", self._people_columns(), self._people_rows())
            self._show_kickoff()
            self._fill("kickoff", self._action_columns(), self._action_rows())
            self._fill("raid", self._raid_columns(), self._raid_rows())
            self._fill("changes", self._change_columns(), self._change_rows())
            self._show_detail()
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
        for key, label, width in columns:
            table.add_column(label, width=width or flexible, key=key)
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

    def _when(self, when: datetime | None, *, done: bool = False) -> Text:
        if when is None:
            return Text("—", style="dim")
        here = when.astimezone(self.zone)
        if self.wide:
            text = local_time(when, self.zone, self.golive.now(), compact=True)
        else:  # six columns: the time today, else the day
            today = self.golive.now().astimezone(self.zone).date()
            text = f"{here:%H:%M}" if here.date() == today else f"{here:%d %b}"
        return Text(text, style="dim" if done else "")

    # -- the timeline ---------------------------------------------------------------------

    def _show_timeline(self) -> None:
        data = self.data
        assert data is not None
        now = self.golive.now()
        parts: list[Content | tuple[str, str] | str] = []
        for view in data.phases:
            if parts:
                parts.append(("─", "$text-muted"))
            name = view.phase.label if self.wide else SHORT[view.phase]
            if view.closed:
                mark, style = "✓", "$success"
            elif view.current:
                mark, style = "▶", "bold reverse $accent"
            else:
                mark, style = "○", "$text-muted"
            parts.append((f"{mark}{view.phase.number} {name}", style))
            if self.wide and view.closed and view.event is not None and view.event.at:
                parts.append((f" {view.event.at.astimezone(self.zone):%d %b}", "$text-muted"))
        current = next(v for v in data.phases if v.phase is data.phase)
        late = [m for v in data.phases for m in v.late(now)]
        # at 80 columns the title line already names the phase
        summary: list[Content | tuple[str, str] | str] = [
            (f"{lifecycle.phase_text(data.phase)} · " if self.wide else "", "bold")]
        if current.closed:
            summary.append(("closed · ", "$success"))
        unmet = len(current.unmet)
        summary.append((f"exit criteria {len(current.criteria) - unmet}/"
                        f"{len(current.criteria)} met", "$warning" if unmet else "$success"))
        summary.append((f" · {len(late)} late", "bold $error") if late else (" · none late",
                                                                            "$success"))
        open_actions = sum(a.status is ActionStatus.OPEN for a in data.actions)
        open_raid = sum(r.status is not RaidStatus.CLOSED for r in data.raid)
        proposed = sum(c.state is ChangeRequestState.PROPOSED for c in data.changes)
        summary.append((f" · {open_actions} actions open · {open_raid} RAID open"
                        f" · {proposed} CR to decide", "$text-muted"))
        self.query_one("#lifecycle-timeline", Static).update(
            Content.assemble(*parts, "\n", *summary))

    # -- phases and milestones ------------------------------------------------------------

    def _phase_columns(self) -> list[tuple[str, str, int]]:
        if self.wide:
            return [("name", "Phase / milestone", 0), ("owner", "Owner", 16),
                    ("planned", "Planned", 11), ("forecast", "Forecast", 11),
                    ("actual", "Actual", 11), ("status", "Status", 9)]
        return [("name", "Phase / milestone", 0), ("owner", "Owner", 9),
                ("planned", "Plan", 6), ("forecast", "Fcst", 6),
                ("actual", "Actual", 6), ("status", "Status", 8)]

    def _phase_rows(self) -> list[tuple[str, list[Any]]]:
        data = self.data
        assert data is not None
        now = self.golive.now()
        rows: list[tuple[str, list[Any]]] = []
        for view in data.phases:
            head = Text(no_wrap=True, overflow="ellipsis")
            if view.closed:
                status = Text("closed", style="green")
                head.append(f"✓ {view.phase.number} {view.phase.label}", style="bold")
            elif view.current:
                status = Text("current", style="bold reverse")
                head.append(f"▶ {view.phase.number} {view.phase.label}", style="bold")
            else:
                status = Text("ahead", style="dim")
                head.append(f"○ {view.phase.number} {view.phase.label}", style="dim")
            unmet = len(view.unmet)
            if unmet and not view.closed:
                head.append(f"  {unmet} unmet", style="yellow")
            late = len(view.late(now)) + len(view.overdue(now))
            if late and not view.closed:
                head.append(f" {late} late", style="bold red")
            closed_at = view.event.at if view.closed and view.event is not None else None
            rows.append((f"{PHASE_ROW}{view.phase.value}",
                         [head, "", "", "", self._when(closed_at, done=True), status]))
            for m in view.milestones:
                state = lifecycle.milestone_status(m.model_dump(), now)
                name = Text(f"   {m.name}", no_wrap=True, overflow="ellipsis",
                            style="dim" if state is MilestoneStatus.DONE else "")
                if m.pending:
                    name.append(" ⟳", style="dim")
                owner = data.name(m.owner)
                rows.append((m.id, [
                    name,
                    Text(owner if self.wide else owner.split(" ")[0], no_wrap=True,
                         overflow="ellipsis"),
                    self._when(m.due_at, done=True),
                    self._when(m.forecast_at),
                    self._when(m.done_at),
                    Text.from_markup(_status_markup(state)),
                ]))
        return rows

    def _phase_side(self, key: str) -> Content:
        """The highlighted phase's every exit criterion, and the whole phase log."""
        data = self.data
        assert data is not None
        view = self._phase_of(key) or next(v for v in data.phases if v.current)
        parts: list[Content | tuple[str, str] | str] = [
            (f"Exit criteria · {view.phase.label}", "bold"), "\n"]
        for criterion in view.criteria:
            parts += [("✓ " if criterion.met else "✗ ", "$success" if criterion.met
                       else "bold $error"), str(criterion), "\n"]
        if not view.criteria:
            parts += [("none: the IPM closes it when ready", "$text-muted"), "\n"]
        now = self.golive.now()
        late = [f"Milestone {m.name}" for m in view.late(now)] + [
            f"Checklist {key}" for key in view.overdue(now)]
        if late and not view.closed:
            parts += ["\n", ("Late", "bold $error"), "\n"]
            for name in late:
                parts += [("! ", "bold $error"), name, "\n"]
        parts += ["\n", ("Phase log", "bold"), "\n"]
        for event in reversed(data.events):
            when = event.at.astimezone(self.zone).strftime("%d %b %H:%M") if event.at else "?"
            style = "$success" if event.action == "closed" else "$warning"
            parts += [(f"{when} ", "$text-muted"),
                      (f"{event.action} {LifecyclePhase(event.phase).label}", style),
                      (f" · {event.by}", "$text-muted"), "\n"]
            if event.reason:
                parts += [(f"  {event.reason}", "italic"), "\n"]
        return Content.assemble(*parts)

    def _phase_detail(self, key: str) -> Content:
        data = self.data
        assert data is not None
        now = self.golive.now()
        if key.startswith(PHASE_ROW):
            view = next(v for v in data.phases if v.phase.value == key[len(PHASE_ROW):])
            return self._phase_text(view, now)
        milestone = next((m for v in data.phases for m in v.milestones if m.id == key), None)
        if milestone is None:
            return Content("")
        state = lifecycle.milestone_status(milestone.model_dump(), now)
        person = data.person(milestone.owner)
        phone = format_number(person.phone) if person and person.phone else ""
        who = (f"{person.name} ({person.role.label}{', ' + phone if phone else ''})"
               if person else "no owner")
        parts: list[Content | tuple[str, str] | str] = [
            (milestone.name, "bold"), " · ", (_label(state.value), STATUS_STYLE[state]), "\n",
            (f"{LifecyclePhase(milestone.phase).label} · owner {who}", "$text-muted"),
        ]
        slip = lifecycle.milestone_slip(milestone.model_dump())
        if slip is not None and abs(slip) >= 0.04:
            parts.append((f" · {'+' if slip > 0 else ''}{slip:.1f} d against plan",
                          "$warning" if slip > 0 else "$text-muted"))
        parts.append(("\ne edit owner, forecast and actual", "$text-muted"))
        return Content.assemble(*parts)

    def _phase_text(self, view: PhaseView, now: datetime) -> Content:
        parts: list[Content | tuple[str, str] | str] = [
            (lifecycle.phase_text(view.phase), "bold")]
        unmet = view.unmet
        if view.closed and view.event is not None:
            when = view.event.at.astimezone(self.zone).strftime("%a %d %b %H:%M") \
                if view.event.at else "?"
            parts.append((f" · closed {when} by {view.event.by}", "$success"))
            if view.event.reason:
                parts += ["\n", (view.event.reason, "italic")]
            if view.event.unmet:
                parts += ["\n", (f"Closed over {len(view.event.unmet)} unmet: "
                                 + "; ".join(view.event.unmet), "$warning")]
            parts.append(("  · o reopens it", "$text-muted"))
            return Content.assemble(*parts)
        if view.event is not None:
            parts.append((f" · reopened by {view.event.by}: {view.event.reason}", "$warning"))
        late = [m.name for m in view.late(now)] + [
            f"{key} overdue" for key in view.overdue(now)]
        if late:
            parts += ["\n", ("Late: " + "; ".join(late), "bold $error")]
        if unmet:
            parts += ["\n", (f"Exit criteria unmet ({len(unmet)} of {len(view.criteria)}): "
                             + "; ".join(str(c) for c in unmet), "$warning")]
        else:
            parts += ["\n", (f"Exit criteria met ({len(view.criteria)})", "$success")]
        if view.current:
            parts.append(("  · c closes it", "$text-muted"))
        return Content.assemble(*parts)

    # -- stakeholders ---------------------------------------------------------------------

    def _people_columns(self) -> list[tuple[str, str, int]]:
        if self.wide:
            return [("level", "Esc", 3), ("name", "Name", 20), ("role", "Role", 16),
                    ("org", "Organisation", 0), ("title", "Title", 24),
                    ("email", "E-mail", 36), ("phone", "Phone", 15)]
        return [("level", "Esc", 3), ("name", "Name", 16), ("role", "Role", 9),
                ("org", "Organisation", 0), ("phone", "Phone", 14)]

    def _people_rows(self) -> list[tuple[str, list[Any]]]:
        assert self.data is not None
        rows: list[tuple[str, list[Any]]] = []
        for p in self.data.stakeholders:
            cells: dict[str, Any] = {
                "level": Text(str(p.escalation_level) if p.escalation_level else "",
                              style="bold"),
                "name": Text(p.name + (" ⟳" if p.pending else ""), no_wrap=True,
                             overflow="ellipsis"),
                "role": p.role.label, "org": Text(p.organisation, no_wrap=True,
                                                  overflow="ellipsis"),
                "title": Text(p.title, no_wrap=True, overflow="ellipsis"),
                "email": p.email, "phone": format_number(p.phone) if p.phone else "",
            }
            rows.append((p.id, [cells[key] for key, _l, _w in self._people_columns()]))
        return rows

    def _people_detail(self, key: str) -> Content:
        data = self.data
        assert data is not None
        path = sorted((p for p in data.stakeholders if p.escalation_level),
                      key=lambda p: p.escalation_level)
        parts: list[Content | tuple[str, str] | str] = [("Escalation: ", "bold")]
        parts.append(" → ".join(f"{p.escalation_level} {p.name}" for p in path)
                     or ("nobody on the path yet", "$text-muted"))
        person = data.person(key)
        if person is not None:
            parts += ["\n", (person.name, "bold"),
                      f" · {person.role.label} · {person.title or person.organisation}"]
            phone = format_number(person.phone, "international") if person.phone else ""
            contact = " · ".join(x for x in (person.email, phone) if x)
            if contact:
                parts += ["\n", (contact, "$text-muted")]
            if person.user:
                parts.append((f" · signs in as {person.user}", "$text-muted"))
        return Content.assemble(*parts)

    # -- kickoff and actions --------------------------------------------------------------

    def _show_kickoff(self) -> None:
        data = self.data
        assert data is not None
        record = self.query_one("#kickoff-record", Static)
        kickoff = data.kickoff
        if kickoff is None:
            record.update(Content.styled(
                "No kickoff recorded yet: k records who came, the scope agreed and the "
                "decisions.", "$text-muted"))
            return
        held = kickoff.held_at.astimezone(self.zone).strftime("%a %d %b %Y %H:%M") \
            if kickoff.held_at else "date not set"
        names = ", ".join(data.name(a) for a in kickoff.attendees) or "nobody recorded"
        decisions = "; ".join(kickoff.decisions) or "none recorded"
        record.update(Content.assemble(
            ("Kickoff ", "bold"), held, (f" · {len(kickoff.attendees)} attended: ", "$text-muted"),
            names, "\n", ("Scope: ", "bold"), kickoff.agreed_scope or "—", "\n",
            ("Decisions: ", "bold"), decisions,
        ))

    def _action_columns(self) -> list[tuple[str, str, int]]:
        if self.wide:
            return [("done", "", 1), ("title", "Action", 0), ("owner", "Owner", 20),
                    ("due", "Due", 11), ("source", "From", 10), ("closed", "Done", 11)]
        return [("done", "", 1), ("title", "Action", 0), ("owner", "Owner", 10),
                ("due", "Due", 6)]

    def _action_rows(self) -> list[tuple[str, list[Any]]]:
        data = self.data
        assert data is not None
        now = self.golive.now()
        rows: list[tuple[str, list[Any]]] = []
        for a in data.actions:
            done = a.status is ActionStatus.DONE
            overdue = not done and a.due_at is not None and a.due_at < now
            due = self._when(a.due_at, done=done)
            if overdue:
                due.stylize("bold red")
            owner = data.name(a.owner)
            cells: dict[str, Any] = {
                "done": Text("✓", style="green") if done else Text("○"),
                "title": Text(a.title + (" ⟳" if a.pending else ""), no_wrap=True,
                              overflow="ellipsis", style="dim" if done else ""),
                "owner": Text(owner if self.wide else owner.split(" ")[0], no_wrap=True,
                              overflow="ellipsis"),
                "due": due, "source": _label(a.source.value),
                "closed": self._when(a.done_at, done=True),
            }
            rows.append((a.id, [cells[key] for key, _l, _w in self._action_columns()]))
        return rows

    def _action_detail(self, key: str) -> Content:
        assert self.data is not None
        action = next((a for a in self.data.actions if a.id == key), None)
        if action is None:
            return Content.styled("No actions yet: a adds one.", "$text-muted")
        return Content.assemble(
            (action.title, "bold"), "\n",
            (f"{_label(action.status.value)} · owner {self.data.name(action.owner) or 'nobody'}"
             f" · from the {_label(action.source.value)}", "$text-muted"),
            ("  · x done / open again · e edit", "$text-muted"),
        )

    # -- RAID -----------------------------------------------------------------------------

    def _raid_columns(self) -> list[tuple[str, str, int]]:
        if self.wide:
            return [("type", "Type", 10), ("title", "Title", 0), ("owner", "Owner", 18),
                    ("status", "Status", 10), ("due", "Due", 11), ("decision", "Decision", 40)]
        return [("type", "Type", 5), ("title", "Title", 0), ("owner", "Owner", 9),
                ("status", "Status", 10), ("due", "Due", 6)]

    def _raid_rows(self) -> list[tuple[str, list[Any]]]:
        data = self.data
        assert data is not None
        rows: list[tuple[str, list[Any]]] = []
        for r in data.raid:
            closed = r.status is RaidStatus.CLOSED
            owner = data.name(r.owner)
            cells: dict[str, Any] = {
                "type": Text(r.raid_type.value if self.wide else RAID_SHORT[r.raid_type],
                             style="bold" if r.raid_type is RaidType.RISK and not closed else ""),
                "title": Text(r.title + (" ⟳" if r.pending else ""), no_wrap=True,
                              overflow="ellipsis", style="dim" if closed else ""),
                "owner": Text(owner if self.wide else owner.split(" ")[0], no_wrap=True,
                              overflow="ellipsis"),
                "status": Text(r.status.value, style="dim" if closed else ""),
                "due": self._when(r.due_at, done=closed),
                "decision": Text(r.decision, no_wrap=True, overflow="ellipsis", style="dim"),
            }
            rows.append((r.id, [cells[key] for key, _l, _w in self._raid_columns()]))
        return rows

    def _raid_detail(self, key: str) -> Content:
        assert self.data is not None
        item = next((r for r in self.data.raid if r.id == key), None)
        if item is None:
            return Content.styled("The RAID log is empty: a adds a risk, assumption, issue "
                                  "or dependency.", "$text-muted")
        return Content.assemble(
            (f"{item.raid_type.value.capitalize()}: ", "bold"), (item.title, "bold"), "\n",
            (item.description or "", "$text-muted"), "\n",
            ("Decision: ", "bold"), item.decision or ("none yet", "$text-muted"),
        )

    # -- change requests ------------------------------------------------------------------

    def _change_columns(self) -> list[tuple[str, str, int]]:
        if self.wide:
            return [("title", "Change request", 0), ("owner", "Owner", 18),
                    ("state", "State", 10), ("decided", "Decided", 30), ("impact", "Impact", 40)]
        return [("title", "Change request", 0), ("owner", "Owner", 9), ("state", "State", 9),
                ("decided", "When", 6)]

    def _change_rows(self) -> list[tuple[str, list[Any]]]:
        data = self.data
        assert data is not None
        rows: list[tuple[str, list[Any]]] = []
        styles = {ChangeRequestState.APPROVED: "green", ChangeRequestState.REJECTED: "red",
                  ChangeRequestState.WITHDRAWN: "dim", ChangeRequestState.PROPOSED: "bold yellow"}
        for c in data.changes:
            owner = data.name(c.owner)
            decided = self._when(c.decided_at, done=True) if c.decided_at else Text("—",
                                                                                  style="dim")
            if self.wide and c.decided_at:
                decided = Text(f"{self._when(c.decided_at).plain} by {c.decided_by}",
                               style="dim")
            cells: dict[str, Any] = {
                "title": Text(c.title + (" ⟳" if c.pending else ""), no_wrap=True,
                              overflow="ellipsis"),
                "owner": Text(owner if self.wide else owner.split(" ")[0], no_wrap=True,
                              overflow="ellipsis"),
                "state": Text(c.state.value, style=styles[c.state]),
                "decided": decided,
                "impact": Text(c.impact, no_wrap=True, overflow="ellipsis", style="dim"),
            }
            rows.append((c.id, [cells[key] for key, _l, _w in self._change_columns()]))
        return rows

    def _change_detail(self, key: str) -> Content:
        assert self.data is not None
        change = next((c for c in self.data.changes if c.id == key), None)
        if change is None:
            return Content.styled("No change requests against the statement of work: a "
                                  "adds one.", "$text-muted")
        parts: list[Content | tuple[str, str] | str] = [
            (change.title, "bold"), " · ", change.state.value, "\n",
            ("Impact: ", "bold"), change.impact or ("not said", "$text-muted"), "\n"]
        if change.state is ChangeRequestState.PROPOSED:
            parts.append(("y approves · n rejects · w withdraws (each with its reason)",
                          "$text-muted"))
        else:
            parts += [("Decision: ", "bold"), change.decision_reason]
        return Content.assemble(*parts)

    # -- the detail line ------------------------------------------------------------------

    def _show_detail(self) -> None:
        if self.data is None:
            return
        for tab, show in (("phases", self._phase_detail), ("people", self._people_detail),
                          ("kickoff", self._action_detail), ("raid", self._raid_detail),
                          ("changes", self._change_detail)):
            key = self._row_key(tab)
            self.query_one(f"#{tab}-detail", Static).update(show(key or ""))
        if self.wide:
            self.query_one("#phases-side", Static).update(
                self._phase_side(self._row_key("phases") or ""))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.data is not None:
            self._show_detail()
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
            view = self._phase_of(key)
            allowed = (view is not None and may_move_phases(self.data.role) and (
                view.current and not view.closed if action == "close_phase" else view.closed))
            return True if allowed else None
        if action in ("toggle_action", "edit_kickoff"):
            return tab == "kickoff"
        if action == "decide":
            if tab != "changes":
                return False
            change = next((c for c in self.data.changes if c.id == key), None)
            allowed = (change is not None and change.state is ChangeRequestState.PROPOSED
                       and may_decide_changes(self.data.role))
            return True if allowed else None
        if action == "add":
            return tab != "phases"
        return True

    def _phase_of(self, key: str) -> PhaseView | None:
        assert self.data is not None
        if key.startswith(PHASE_ROW):
            return next(v for v in self.data.phases if v.phase.value == key[len(PHASE_ROW):])
        return next((v for v in self.data.phases if any(m.id == key for m in v.milestones)),
                    None)

    # -- actions: tabs --------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_next_tab(self, step: int) -> None:
        ids = [tab for tab, _t, _k in TABS]
        self.action_show_tab(ids[(ids.index(self.tab) + step) % len(ids)])

    # -- actions: phases ------------------------------------------------------------------

    def action_close_phase(self) -> None:
        view = self._phase_of(self._row_key("phases") or "")
        if view is None or self.data is None:
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
                check=(lambda reason: phase_reason_problem(reason, what)) if unmet else None,
            ),
            lambda reason: self._move_phase(phase, reason, close=True),
        )

    def action_reopen_phase(self) -> None:
        view = self._phase_of(self._row_key("phases") or "")
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
                check=lambda reason: phase_reason_problem(reason, what),
            ),
            lambda reason: self._move_phase(phase, reason, close=False),
        )

    def _move_phase(self, phase: LifecyclePhase, reason: str | None, *, close: bool) -> None:
        if reason is None:
            return
        self.golive.run_change(
            (lambda store: store.close_phase(phase, reason)) if close
            else (lambda store: store.reopen_phase(phase, reason)),
            kinds=frozenset({K.PHASE_EVENT, K.PROJECT}),
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
            self._open_form(K.KICKOFF, self.data.kickoff, self._kickoff_fields(), "the kickoff")

    def _form(self, tab: str, key: str | None) -> None:
        data = self.data
        if data is None:
            return
        if tab == "phases":
            milestone = next((m for v in data.phases for m in v.milestones if m.id == key), None)
            if milestone is not None:
                self._open_form(K.MILESTONE, milestone, self._milestone_fields(milestone),
                                milestone.name)
        elif tab == "people":
            person = data.person(key or "")
            self._open_form(K.STAKEHOLDER, person, self._person_fields(person),
                            person.name if person else "a stakeholder")
        elif tab == "kickoff":
            action = next((a for a in data.actions if a.id == key), None)
            self._open_form(K.ACTION_ITEM, action, self._action_fields(action),
                            "an action" if action is None else "the action")
        elif tab == "raid":
            item = next((r for r in data.raid if r.id == key), None)
            self._open_form(K.RAID_ITEM, item, self._raid_fields(item),
                            "a RAID entry" if item is None else "the RAID entry")
        elif tab == "changes":
            change = next((c for c in data.changes if c.id == key), None)
            self._open_form(K.CHANGE_REQUEST, change, self._change_fields(change),
                            "a change request" if change is None else "the change request")

    def _open_form(
        self, kind: EntityKind, record: Any, fields: list[FormField], what: str
    ) -> None:
        current = record.model_dump(exclude={"pending"}) if record is not None else None
        verb = "Edit" if record is not None else "Add"
        self.app.push_screen(
            RecordForm(f"{verb} {what}", fields, zone=self.zone,
                       check=lambda values: _problem(kind, current, values)),
            lambda values: self._save(kind, current, values),
        )

    def _save(self, kind: EntityKind, current: dict[str, Any] | None,
              values: dict[str, Any] | None) -> None:
        if values is None:
            return
        save_record(self.golive, kind, current, _record_values(kind, values),
                    f"{_label(kind.value).capitalize()} saved")

    def _people(self) -> list[tuple[str, str]]:
        return self.data.people() if self.data is not None else []

    def _milestone_fields(self, m: Any) -> list[FormField]:
        return [
            FormField("owner", "Owner", "choice", m.owner, self._people(), blank="Nobody"),
            FormField("forecast_at", "Forecast", "time", m.forecast_at),
            FormField("done_at", "Actual", "time", m.done_at,
                      placeholder="when it was done (empty: not yet)"),
            FormField("due_at", "Planned", "time", m.due_at),
        ]

    def _person_fields(self, p: Any) -> list[FormField]:
        return [
            FormField("name", "Name", "text", p.name if p else "", required=True),
            FormField("role", "Role", "choice", p.role if p else StakeholderRole.CUSTOMER_CONTACT,
                      [(r, r.label) for r in StakeholderRole]),
            FormField("organisation", "Organisation", "text", p.organisation if p else ""),
            FormField("title", "Title", "text", p.title if p else ""),
            FormField("email", "E-mail", "text", p.email if p else ""),
            FormField("phone", "Phone", "text", p.phone if p else "",
                      placeholder="+1 303-555-0100"),
            FormField("escalation_level", "Escalation", "choice",
                      p.escalation_level if p else 0,
                      [(0, "not on the path"), *[(n, f"level {n}") for n in range(1, 10)]]),
            FormField("user", "Signs in as", "choice", p.user if p else "",
                      [(user, f"{name} ({user})") for user, name in
                       (self.data.members if self.data is not None else ())],
                      blank="Not a member of the project"),
        ]

    def _kickoff_fields(self) -> list[FormField]:
        k = self.data.kickoff if self.data is not None else None
        return [
            FormField("held_at", "Held", "time", k.held_at if k else None),
            FormField("attendees", "Attendees", "people", list(k.attendees) if k else [],
                      self._people()),
            FormField("agreed_scope", "Scope", "long", k.agreed_scope if k else ""),
            FormField("decisions", "Decisions", "long", "\n".join(k.decisions) if k else "",
                      placeholder="one per line"),
            FormField("notes", "Notes", "long", k.notes if k else ""),
        ]

    def _action_fields(self, a: Any) -> list[FormField]:
        kickoff = self.data.kickoff if self.data is not None else None
        fields = [
            FormField("title", "Action", "text", a.title if a else "", required=True),
            FormField("owner", "Owner", "choice", a.owner if a else "", self._people(),
                      blank="Nobody"),
            FormField("due_at", "Due", "time", a.due_at if a else None),
            FormField("source", "From", "choice",
                      a.source if a else (ActionSource.KICKOFF if kickoff else ActionSource.OTHER),
                      [(s, _label(s.value)) for s in ActionSource]),
        ]
        return fields

    def _raid_fields(self, r: Any) -> list[FormField]:
        return [
            FormField("raid_type", "Type", "choice", r.raid_type if r else RaidType.RISK,
                      [(t, t.value) for t in RaidType]),
            FormField("title", "Title", "text", r.title if r else "", required=True),
            FormField("description", "Description", "long", r.description if r else ""),
            FormField("owner", "Owner", "choice", r.owner if r else "", self._people(),
                      blank="Nobody"),
            FormField("status", "Status", "choice", r.status if r else RaidStatus.OPEN,
                      [(s, s.value) for s in RaidStatus]),
            FormField("decision", "Decision", "long", r.decision if r else ""),
            FormField("due_at", "Due", "time", r.due_at if r else None),
        ]

    def _change_fields(self, c: Any) -> list[FormField]:
        return [
            FormField("title", "Title", "text", c.title if c else "", required=True),
            FormField("description", "Description", "long", c.description if c else ""),
            FormField("impact", "Impact", "long", c.impact if c else "",
                      placeholder="scope, dates and cost"),
            FormField("owner", "Owner", "choice", c.owner if c else "", self._people(),
                      blank="Nobody"),
        ]

    # -- actions: kickoff's actions and change requests ------------------------------------

    def action_toggle_action(self) -> None:
        data = self.data
        key = self._row_key("kickoff")
        action = next((a for a in data.actions if a.id == key), None) if data else None
        if action is None:
            return
        to = ActionStatus.OPEN if action.status is ActionStatus.DONE else ActionStatus.DONE
        action_id = action.id
        self.golive.run_change(
            lambda store: store.transition_record(K.ACTION_ITEM, action_id, to.value),
            kinds=frozenset({K.ACTION_ITEM}), success=f"Action {to.value}")

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
                self.golive.run_change(
                    lambda store: store.transition_record(K.CHANGE_REQUEST, change_id,
                                                          target.value, reason=reason),
                    kinds=frozenset({K.CHANGE_REQUEST}), success=f"Change request {to}")

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


def _status_markup(state: MilestoneStatus) -> str:
    style = {MilestoneStatus.DONE: "green", MilestoneStatus.LATE: "bold red",
             MilestoneStatus.AT_RISK: "bold yellow", MilestoneStatus.ON_TRACK: "",
             MilestoneStatus.PLANNED: "dim"}[state]
    text = _label(state.value)
    return f"[{style}]{text}[/]" if style else text


def _record_values(kind: EntityKind, values: dict[str, Any]) -> dict[str, Any]:
    """A form's values as the record's fields: a kickoff's decisions are one per line."""
    values = dict(values)
    if kind is K.KICKOFF and isinstance(values.get("decisions"), str):
        values["decisions"] = [line.strip() for line in values["decisions"].splitlines()
                               if line.strip()]
    return values


def _problem(kind: EntityKind, current: dict[str, Any] | None, values: dict[str, Any]) -> str | None:
    return record_problem(kind, current, _record_values(kind, values))
