"""The cutover runbook of one wave: its steps in T-minus order, one run's timings, what is
next, late and blocked, and rehearsal against plan and live.

Keys: ``s`` starts the selected step, ``f`` finishes it, ``x`` marks it failed, ``k`` skips
it (with a reason); ``r`` shows the other kind of run (live or rehearsal), ``n`` starts a
new run of the kind shown, ``w`` / ``W`` go to the next or previous wave, ``c`` shows the
durations of plan, rehearsal and live side by side; ``a`` adds a step to the wave's
runbook, ``e`` edits the selected one and ``d`` withdraws it from the runbook (with a
reason; it stays on record, and ``d`` on a withdrawn one restores it). What is allowed is
the domain's (:mod:`golive_tui.domain.runbook`, :mod:`golive_tui.domain.permissions`): keys
a role may not use are dimmed, and the cache and the server refuse the rest with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from golive_tui.domain.enums import (
    EntityKind,
    Role,
    RunbookRunKind,
    RunbookStepKind,
    StepRunState,
)
from golive_tui.domain.permissions import may_run_runbook, may_write_runbook
from golive_tui.domain.runbook import StepView, minutes_between, step_views, whats_next
from golive_tui.domain.time_text import local_time
from golive_tui.store.intents import MoveRunbookStep, StartRunbookRun
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.widgets.fast_table import FastTable
from golive_tui.tui.widgets.forms import FormField, RecordForm, record_problem, save_record
from golive_tui.tui.widgets.people import People, owner_field
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.store.tables import (
        CutoverRow,
        RunbookRunRow,
        RunbookStepRow,
        RunbookStepRunRow,
    )

K = EntityKind

#: how a step's kind is marked before its title
KIND_MARK: dict[str, tuple[str, str]] = {
    RunbookStepKind.STEP.value: ("  ", ""),
    RunbookStepKind.CHECKPOINT.value: ("◆ ", "bold magenta"),
    RunbookStepKind.POINT_OF_NO_RETURN.value: ("⚑ ", "bold red"),
    RunbookStepKind.ROLLBACK.value: ("↺ ", "cyan"),
}
STATE_TEXT: dict[StepRunState, tuple[str, str]] = {
    StepRunState.PENDING: ("·", "dim"),
    StepRunState.IN_PROGRESS: ("▶ running", "bold yellow"),
    StepRunState.DONE: ("✓ done", "green"),
    StepRunState.FAILED: ("✗ failed", "bold red"),
    StepRunState.SKIPPED: ("↷ skipped", "dim"),
}


@dataclass(frozen=True)
class RunbookData:
    cutovers: list[CutoverRow]
    cutover: CutoverRow | None
    steps: list[RunbookStepRow]
    runs: list[RunbookRunRow]
    timings: list[RunbookStepRunRow]
    #: the stakeholders, who own the steps
    people: People
    time_zone: str
    #: the signed-in member's role (None: the server's administrator)
    role: Role | None = None

    def latest(self, kind: RunbookRunKind) -> RunbookRunRow | None:
        runs = [r for r in self.runs if str(r.run_kind) == kind.value]
        return runs[-1] if runs else None

    def timings_of(self, run: RunbookRunRow | None) -> list[dict[str, Any]]:
        if run is None:
            return []
        return [t.model_dump() for t in self.timings if t.run_id == run.id]


def t_minus(minutes: int) -> str:
    """``T-4:00``, ``T+0:10``."""
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"T{sign}{hours}:{rest:02d}"


class RunbookScreen(GoLiveScreen):
    """One wave's runbook and one of its runs."""

    SCREEN_TITLE = "Runbook"
    WATCHES = frozenset({K.CUTOVER, K.RUNBOOK_STEP, K.RUNBOOK_RUN, K.RUNBOOK_STEP_RUN,
                         K.STAKEHOLDER, K.PROJECT})
    DEFAULT_CSS = """
    RunbookScreen #rb-head {
        height: auto;
        max-height: 5;
        padding: 0 1;
        border-bottom: solid $primary 50%;
    }
    RunbookScreen #rb-table {
        height: 1fr;
    }
    RunbookScreen #rb-hint {
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    """
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "move('in_progress')", "Start", id="runbook.start"),
        Binding("f", "move('done')", "Finish", id="runbook.finish"),
        Binding("x", "move('failed')", "Fail", id="runbook.fail"),
        Binding("k", "skip", "Skip", id="runbook.skip"),
        Binding("r", "other_run", "Reh/Live", id="runbook.run"),
        Binding("n", "new_run", "New run", id="runbook.new_run"),
        Binding("w", "wave(1)", "Wave", id="runbook.next_wave"),
        Binding("W", "wave(-1)", "Prev wave", id="runbook.prev_wave", show=False),
        Binding("c", "compare", "Compare", id="runbook.compare"),
        Binding("a", "add_step", "Add step", id="runbook.add_step"),
        Binding("e", "edit_step", "Edit step", id="runbook.edit_step"),
        Binding("d", "withdraw_step", "Withdraw", id="runbook.withdraw_step"),
    ]

    data: RunbookData | None = None
    #: the wave shown (None: the current one)
    cutover_id: str | None = None
    run_kind: RunbookRunKind = RunbookRunKind.LIVE
    comparing = False
    views: list[StepView]

    def compose_body(self) -> ComposeResult:
        self.views = []
        yield Static(id="rb-head")
        yield FastTable(id="rb-table", cursor_type="row")
        yield Static(id="rb-hint")

    @property
    def _table(self) -> DataTable[Any]:
        return self.query_one("#rb-table", DataTable)

    def on_mount(self) -> None:
        super().on_mount()
        self._table.focus()

    def load(self, store: LocalStore) -> RunbookData:
        project = store.project()
        cutovers = store.cutovers()
        cutover = next((c for c in cutovers if c.id == self.cutover_id), None)
        if cutover is None:
            cutover = store.current_cutover(self.golive.now())
        steps = store.runbook_steps(cutover.id) if cutover is not None else []
        runs = store.runbook_runs(cutover.id) if cutover is not None else []
        return RunbookData(
            cutovers=cutovers, cutover=cutover, steps=steps, runs=runs,
            timings=store.runbook_timings([r.id for r in runs]),
            people=People.of(store.stakeholders(), store.members()),
            role=store.role,
            time_zone=project.time_zone if project is not None else "America/New_York",
        )

    # ----------------------------------------------------------------- showing

    @property
    def run(self) -> RunbookRunRow | None:
        return self.data.latest(self.run_kind) if self.data is not None else None

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.data.time_zone if self.data else "UTC")

    def _when(self, at: datetime | None) -> str:
        if at is None:
            return ""
        return local_time(at, self._zone(), self.golive.now(), compact=True)

    def _hm(self, at: datetime | None) -> str:
        """A time of the day, in the project's zone (the header says the day)."""
        return "" if at is None else f"{at.astimezone(self._zone()):%H:%M}"

    def show(self, data: RunbookData) -> None:
        self.data = data
        if data.cutover is not None:
            self.cutover_id = data.cutover.id
        now = self.golive.now()
        run = self.run
        self.views = step_views(
            [s.model_dump() for s in data.steps], data.timings_of(run),
            data.cutover.starts_at if data.cutover is not None else None, now,
            live=run is not None and self.run_kind is RunbookRunKind.LIVE and run.finished_at is None,
        )
        self._show_head()
        self._show_table()
        self._hint()

    def _show_head(self) -> None:
        head = self.query_one("#rb-head", Static)
        data = self.data
        if data is None or data.cutover is None:
            head.update("No cutover waves in this project: the runbook belongs to a wave.")
            return
        cutover, run = data.cutover, self.run
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(cutover.name, style="bold")
        text.append(f"  {self._when(cutover.starts_at)} {self._zone().key}  ", style="dim")
        text.append(f"[{cutover.state}]", style="dim")
        text.append("\n")
        kind = self.run_kind.value
        if run is None:
            text.append(f"No {kind} run yet", style="yellow")
            planned = sum(s.withdrawn_at is None for s in data.steps)
            text.append(f" · n starts one · {planned} steps planned", style="dim")
        else:
            finished = f", finished {self._when(run.finished_at)}" if run.finished_at else ""
            done = sum(1 for v in self.views if v.state in (StepRunState.DONE,
                                                            StepRunState.SKIPPED))
            text.append(f"{kind.capitalize()} run", style="bold reverse" if
                        self.run_kind is RunbookRunKind.LIVE else "bold")
            text.append(f" started {self._when(run.started_at)}{finished} · "
                        f"{done}/{len(self.views)} closed")
            late = sum(1 for v in self.views if v.late)
            if late:
                text.append(f" · {late} late", style="bold red")
        text.append("\n")
        text.append("Next: ", style="bold")
        upcoming = whats_next(self.views) if run is not None and run.finished_at is None else []
        if not upcoming:
            text.append("nothing — the run is over" if run is not None else "start a run",
                        style="dim")
        for index, view in enumerate(upcoming):
            if index:
                text.append(" · ", style="dim")
            style = "bold yellow" if view.state is StepRunState.IN_PROGRESS else (
                "bold red" if view.late else "")
            word = "now: " if view.state is StepRunState.IN_PROGRESS else ""
            text.append(f"{word}{view.step['title']}", style=style)
        head.update(text)

    def _columns(self) -> list[str]:
        wide = self.size.width >= 120
        if self.comparing:
            cols = ["T", "Step", "Plan", "Reh", "Live", "Δ reh"]
            return [*cols, "Owner"] if wide else cols
        if wide:
            return ["T", "Plan", "Min", "Step", "State", "Start", "End", "Owner",
                    "Blocked by / note"]
        return ["T", "Plan", "Min", "Step", "State", "Actual"]

    def _show_table(self) -> None:
        table = self._table
        selected = self._selected_step_id()
        table.clear(columns=True)
        table.add_columns(*self._columns())
        data = self.data
        if data is None:
            return
        wide = self.size.width >= 120
        title_width = 48 if wide else 28 if not self.comparing else 36
        reh = {t["step_id"]: t for t in data.timings_of(data.latest(RunbookRunKind.REHEARSAL))}
        live = {t["step_id"]: t for t in data.timings_of(data.latest(RunbookRunKind.LIVE))}
        timing_of_run = {t["step_id"]: t for t in data.timings_of(self.run)}
        for view in self.views:
            step = view.step
            mark, mark_style = KIND_MARK.get(str(step["step_kind"]), ("  ", ""))
            title = Text(mark, style=mark_style)
            title.append(str(step["title"])[: title_width - 2],
                         style="dim strike" if view.withdrawn else "bold red" if view.late
                         else "dim" if view.blocked_by else "")
            owner = self.data.people.name(str(step["owner"])) if self.data else ""
            if self.comparing:
                planned = int(step["duration_minutes"])
                r = _minutes(reh.get(step["id"]))
                lv = _minutes(live.get(step["id"]))
                delta = "" if r is None else f"{r - planned:+d}"
                row: list[Any] = [t_minus(int(step["offset_minutes"])), title, str(planned),
                                  _num(r), _num(lv),
                                  Text(delta, style="red" if r is not None and r > planned
                                       else "green")]
                if wide:
                    row.append(owner)
            else:
                words, style = STATE_TEXT[view.state]
                if view.state is StepRunState.PENDING and view.blocked_by:
                    words, style = "⧗ blocked", "yellow"
                if view.late:
                    words, style = "! late", "bold red"
                if view.withdrawn:
                    words, style = f"{words} · withdrawn", "dim"
                if not wide:
                    actual = self._hm(view.started_at)
                    if view.finished_at is not None:
                        actual += "–" + self._hm(view.finished_at)
                    row = [t_minus(int(step["offset_minutes"])), self._hm(view.planned_start),
                           str(step["duration_minutes"]), title, Text(words, style=style),
                           actual]
                else:
                    row = [t_minus(int(step["offset_minutes"])), self._when(view.planned_start),
                           str(step["duration_minutes"]), title, Text(words, style=style),
                           self._when(view.started_at), self._when(view.finished_at)]
                    timing = timing_of_run.get(step["id"], {})
                    extra = ("waits for " + ", ".join(view.blocked_by)) if view.blocked_by \
                        else str(timing.get("note") or "")
                    row += [owner, extra]
            table.add_row(*row, key=str(step["id"]))
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))

    def _selected_step_id(self) -> str | None:
        table = self._table
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _view(self) -> StepView | None:
        step_id = self._selected_step_id()
        return next((v for v in self.views if str(v.step["id"]) == step_id), None)

    @on(DataTable.RowHighlighted, "#rb-table")
    def _moved(self) -> None:
        self._hint()

    def on_resize(self) -> None:
        if self.data is not None:
            self._show_table()

    def _hint(self) -> None:
        hint = self.query_one("#rb-hint", Static)
        view = self._view()
        if view is None:
            hint.update("w another wave · r rehearsal/live · n new run")
            return
        step = view.step
        owner = self.data.people.name(str(step["owner"])) if self.data else ""
        parts = [str(step["title"])]
        if owner:
            parts.append(owner)
        if view.withdrawn:
            parts.append(f"withdrawn by {step.get('withdrawn_by')}: "
                         f"{step.get('withdraw_reason')} (d restores it)")
        elif view.blocked_by:
            parts.append("waits for " + ", ".join(view.blocked_by))
        elif step.get("expected"):
            parts.append("expect: " + str(step["expected"]))
        hint.update(Text(" · ".join(parts), no_wrap=True, overflow="ellipsis"))

    # ----------------------------------------------------------------- actions

    def action_other_run(self) -> None:
        self.run_kind = (RunbookRunKind.REHEARSAL if self.run_kind is RunbookRunKind.LIVE
                         else RunbookRunKind.LIVE)
        if self.data is not None:
            self.show(self.data)

    def action_compare(self) -> None:
        self.comparing = not self.comparing
        if self.data is not None:
            self._show_table()

    def action_wave(self, step: int) -> None:
        if self.data is None or not self.data.cutovers:
            return
        ids = [c.id for c in self.data.cutovers]
        at = ids.index(self.cutover_id) if self.cutover_id in ids else 0
        self.cutover_id = ids[(at + step) % len(ids)]
        self.reload()

    def action_new_run(self) -> None:
        cutover = self.data.cutover if self.data is not None else None
        if cutover is None:
            self.notify("This project has no cutover wave to run.", severity="warning")
            return
        kind, cutover_id, now = self.run_kind, cutover.id, self.golive.now()
        self.golive.run_command(StartRunbookRun(cutover_id, kind, now),
                                success=f"{kind.value.capitalize()} run of {cutover.name} started")

    def _step_form(self, step: RunbookStepRow | None) -> None:
        data = self.data
        cutover = data.cutover if data is not None else None
        if data is None or cutover is None:
            self.notify("This project has no cutover wave to plan.", severity="warning")
            return
        current = step.model_dump(exclude={"pending"}) if step is not None else None
        others = [(s.id, f"{t_minus(s.offset_minutes)} {s.title}")
                  for s in data.steps if step is None or s.id != step.id]
        fixed = {} if step is not None else {
            "cutover_id": cutover.id,
            "sort_order": max((s.sort_order for s in data.steps), default=0) + 1}
        fields = [
            FormField("title", "Title", "text", step.title if step else "", required=True),
            FormField("offset_minutes", "Start", "text", step.offset_minutes if step else 0,
                      placeholder="minutes from the wave's start: -240 is T-4:00"),
            FormField("duration_minutes", "Duration", "text",
                      step.duration_minutes if step else 15, placeholder="minutes"),
            owner_field(step.owner if step else "", data.people),
            FormField("step_kind", "Kind", "choice",
                      step.step_kind if step else RunbookStepKind.STEP,
                      [(k, k.value.replace("_", " ")) for k in RunbookStepKind]),
            FormField("snapback", "Snapback", "choice", step.snapback if step else False,
                      [(False, "no"), (True, "yes: asks the losing carrier to snap back")]),
            FormField("precondition", "Precondition", "text", step.precondition if step else ""),
            FormField("expected", "Expected", "text", step.expected if step else ""),
            FormField("depends_on", "Depends on", "people",
                      list(step.depends_on) if step else [], others),
        ]

        def check(values: dict[str, Any]) -> str | None:
            record = _step_values(values)
            if isinstance(record, str):
                return record
            return record_problem(K.RUNBOOK_STEP, current, {**fixed, **record})

        def saved(values: dict[str, Any] | None) -> None:
            record = _step_values(values) if values is not None else None
            if isinstance(record, dict):
                save_record(self.golive, K.RUNBOOK_STEP, current, {**fixed, **record},
                            "Runbook step saved")

        title = f"Edit step {step.title}" if step else f"Add a step to {cutover.name}"
        self.app.push_screen(RecordForm(title, fields, zone=self._zone(), check=check), saved)

    def action_add_step(self) -> None:
        self._step_form(None)

    def action_edit_step(self) -> None:
        step_id = self._selected_step_id()
        step = next((s for s in self.data.steps if s.id == step_id), None) if self.data else None
        if step is None:
            self.notify("Select a step to edit (a adds one).", severity="warning")
            return
        self._step_form(step)

    def action_withdraw_step(self) -> None:
        """Take the selected step out of the runbook, with a reason (it stays on record and
        in the runs that timed it); on a withdrawn step, put it back."""
        view = self._view()
        if view is None:
            self.notify("Select a step to withdraw.", severity="warning")
            return
        title = str(view.step["title"])
        current = dict(view.step)

        def withdraw(reason: str | None) -> None:
            if reason:
                save_record(self.golive, K.RUNBOOK_STEP, current,
                            {"withdrawn_at": self.golive.now(), "withdraw_reason": reason},
                            f"{title}: withdrawn from the runbook")

        if view.withdrawn:
            save_record(self.golive, K.RUNBOOK_STEP, current, {"withdrawn_at": None},
                        f"{title}: back in the runbook")
            return
        self.app.push_screen(ReasonDialog(
            "Withdraw a step",
            f"{title!r} leaves the runbook; it stays on record, with the timings runs "
            "already have for it.",
            placeholder="e.g. the paging system was retired before the cutover",
            required="Say why the step is withdrawn: it stays on record with the reason.",
            confirm="withdraw it", danger=True), withdraw)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys this role may not use are dimmed, by the domain's permissions (the cache
        and the server refuse the same); so is editing a withdrawn step."""
        role = self.data.role if self.data is not None else None
        if role is None or not self.is_mounted:
            return True
        if action in ("move", "skip", "new_run"):
            return True if may_run_runbook(role) else None
        if action in ("add_step", "edit_step", "withdraw_step"):
            if not may_write_runbook(role):
                return None
            view = self._view()
            if action == "edit_step" and view is not None and view.withdrawn:
                return None
        return True

    def action_move(self, to: str, note: str | None = None) -> None:
        view, run = self._view(), self.run
        if view is None:
            return
        if run is None:
            self.notify(f"Start a {self.run_kind.value} run first (n).", severity="warning")
            return
        step_id, run_id = str(view.step["id"]), run.id
        timing = next((t for t in self.data.timings if t.run_id == run_id
                       and t.step_id == step_id), None) if self.data else None
        timing_id = timing.id if timing is not None else None
        extra = {"comment": note} if note else {}
        title = str(view.step["title"])
        words = {"in_progress": "started", "done": "done", "failed": "failed",
                 "skipped": "skipped"}.get(to, to)
        self.golive.run_command(MoveRunbookStep(run_id, step_id, to, timing_id, extra),
                                success=f"{title}: {words}")

    def action_skip(self) -> None:
        view = self._view()
        if view is None:
            return

        def reason(text: str | None) -> None:
            if text:
                self.action_move(StepRunState.SKIPPED.value, text)

        self.app.push_screen(ReasonDialog(
            "Skip a step", f"Why is {view.step['title']!r} skipped in this run?",
            placeholder="e.g. no paging system at this site",
            required="Say why the step is skipped: the steps after it rely on it."), reason)


def _minutes(timing: dict[str, Any] | None) -> int | None:
    if timing is None:
        return None
    return minutes_between(timing.get("started_at"), timing.get("finished_at"))


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


def _step_values(values: dict[str, Any]) -> dict[str, Any] | str:
    """A step form's values as the record's fields; what cannot be read, in words."""
    values = dict(values)
    for name, label in (("offset_minutes", "Start"), ("duration_minutes", "Duration")):
        text = str(values.get(name) or "0").strip()
        try:
            values[name] = int(text)
        except ValueError:
            return f"{label} is whole minutes ({text!r} is not), e.g. -240 for T-4:00."
    return values
