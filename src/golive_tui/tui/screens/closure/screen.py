"""Hypercare and closure on one screen.

The top panel says where acceptance and closure stand (the customer's acceptance and its
exceptions, the feedback, the hand-off and support's acknowledgement, whether the project
is closed and what closing still waits for); the table is the daily hypercare summary of
one day in the project's zone (``[`` and ``]`` move a day). Keys: ``s`` signs the
acceptance (the customer), ``f`` records feedback, ``h`` hands off to support (the IPM),
``k`` acknowledges the hand-off (support), ``c`` closes the project (the IPM), ``g`` adds
an adoption or training gap (the table lists them), ``e`` edits the gap under the cursor,
``d`` withdraws it (raised in error: with a reason, kept on record; ``d`` again restores
it) and ``l`` records the final call. Who may do what is the domain's: the cache and the
server refuse the rest, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Static

from golive_tui.domain.closure import acceptance_problem
from golive_tui.domain.enums import (
    AdoptionGapStatus,
    EntityKind,
    Role,
    SignoffKind,
    StakeholderRole,
)
from golive_tui.domain.hypercare import HypercareDay
from golive_tui.domain.permissions import (
    may_close_project,
    may_give_feedback,
    may_hand_off,
    may_record_final_call,
    may_sign,
    may_track_adoption,
)
from golive_tui.domain.rules import reason_is_thin
from golive_tui.reports.documents import write_reports
from golive_tui.store.intents import AcknowledgeHandoff, CloseProject, GiveFeedback, HandOff, Sign
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.widgets.fast_table import FastTable
from golive_tui.tui.widgets.forms import FormField, RecordForm, record_problem, save_record
from golive_tui.tui.widgets.people import People, attendees_field, owner_field
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.store.tables import (
        AdoptionGapRow,
        FeedbackRow,
        FinalCallRow,
        HandoffRow,
        ProjectRow,
        SignoffRow,
    )

K = EntityKind


@dataclass(frozen=True)
class ClosureData:
    project: ProjectRow | None
    role: Role | None
    #: who is signed in (the acceptance is the customer's main contact's alone)
    actor: str
    day: HypercareDay
    signoffs: list[SignoffRow]
    feedback: list[FeedbackRow]
    handoffs: list[HandoffRow]
    gaps: list[str]
    adoption_gaps: list[AdoptionGapRow]
    final_calls: list[FinalCallRow]
    #: the stakeholders, for an owner or the attendees
    people: People

    def signed(self, kind: SignoffKind) -> SignoffRow | None:
        found = [s for s in self.signoffs if str(s.signoff_kind) == kind.value]
        return found[-1] if found else None


def parse_feedback(text: str) -> tuple[int, str] | None:
    """"4 Smooth cut-over" → (4, "Smooth cut-over"); None when it does not start with a
    score (the domain says whether the score is in range)."""
    head, _, rest = text.strip().partition(" ")
    return (int(head), rest.strip()) if head.isdigit() else None


class ClosureScreen(GoLiveScreen):
    """Hypercare's daily summary and the acceptance, hand-off and closing of the project."""

    SCREEN_TITLE = "Hypercare & closure"
    WATCHES = frozenset({K.PROJECT, K.SIGNOFF, K.FEEDBACK, K.HANDOFF, K.ISSUE, K.PORT_ORDER,
                         K.ACTION_ITEM, K.ADOPTION_GAP, K.FINAL_CALL, K.STAKEHOLDER})
    DEFAULT_CSS = """
    ClosureScreen #closure-status {
        height: auto;
        max-height: 8;
        border: round $primary 50%;
        border-title-style: bold;
        padding: 0 1;
    }
    ClosureScreen #hypercare-table {
        height: 1fr;
        border: round $primary 50%;
        border-title-style: bold;
    }
    ClosureScreen #hypercare-table:focus {
        border: round $primary;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "accept", "Accept", id="closure.accept"),
        Binding("f", "feedback", "Feedback", id="closure.feedback"),
        Binding("h", "hand_off", "Hand off", id="closure.hand_off"),
        Binding("k", "acknowledge", "Ack hand-off", id="closure.acknowledge"),
        Binding("c", "close_project", "Close project", id="closure.close"),
        Binding("p", "write_reports", "Reports", id="closure.reports"),
        # after the reports: at 80 columns the bar leaves keys out from the end
        Binding("g", "add_gap", "Add gap", id="closure.add_gap"),
        Binding("e", "edit_gap", "Edit gap", id="closure.edit_gap"),
        Binding("d", "withdraw_gap", "Withdraw gap", id="closure.withdraw_gap", show=False),
        Binding("l", "final_call", "Final call", id="closure.final_call"),
        Binding("left_square_bracket", "move_day(-1)", "Day -1", id="closure.previous_day"),
        Binding("right_square_bracket", "move_day(1)", "Day +1", id="closure.next_day"),
    ]

    data: ClosureData | None = None
    #: the day the summary shows; None: today in the project's zone
    day: date | None = None

    def compose_body(self) -> ComposeResult:
        status = Static(id="closure-status")
        status.border_title = "Acceptance and closure"
        yield status
        table: DataTable[Any] = FastTable(id="hypercare-table", cursor_type="row")
        yield table

    @property
    def _table(self) -> DataTable[Any]:
        return self.query_one("#hypercare-table", DataTable)

    def on_mount(self) -> None:
        super().on_mount()
        self._table.add_columns("What", "Ref", "Detail")
        self._table.focus()

    def load(self, store: LocalStore) -> ClosureData:
        project = store.project()
        now = self.golive.now()
        zone = ZoneInfo(project.time_zone if project is not None else "America/New_York")
        day = self.day or now.astimezone(zone).date()
        return ClosureData(
            project=project, role=store.role, actor=store.actor, day=store.hypercare_day(day, now),
            signoffs=store.signoffs(), feedback=store.feedback(), handoffs=store.handoffs(),
            gaps=store.closure_gaps(), adoption_gaps=store.adoption_gaps(),
            final_calls=store.final_calls(),
            people=People.of(store.stakeholders(), store.members()),
        )

    def show(self, data: ClosureData) -> None:
        self.data = data
        self.query_one("#closure-status", Static).update(self._status_text(data))
        day = data.day
        table = self._table
        table.border_title = (
            f"Hypercare {day.day:%a %d %b %Y} · {len(day.new_issues)} new · "
            f"{len(day.resolved_issues)} resolved · {len(day.breached_issues)} SLA breached · "
            f"{len(day.ports_completed)} ports · {len(day.open_actions)} open actions")
        table.clear()
        for label, style, issues in (("new", "", day.new_issues),
                                     ("resolved", "green", day.resolved_issues),
                                     ("SLA breached", "bold red", day.breached_issues)):
            for issue in issues:
                table.add_row(Text(label, style=style), issue.ref,
                              f"{issue.priority} {issue.title}")
        for order in day.ports_completed:
            table.add_row(Text("port done", style="green"), order.pon, order.carrier)
        for action in day.open_actions:
            due = f"due {action.due_at:%d %b} " if action.due_at is not None else ""
            table.add_row(Text("open action", style="yellow"), "", f"{due}{action.title}")
        for gap in data.adoption_gaps:
            owner = f" · {data.people.name(gap.owner)}" if gap.owner else ""
            if gap.withdrawn_at is not None:
                table.add_row(Text("adoption gap", style="dim strike"), gap.site_or_group,
                              Text(f"withdrawn: {gap.withdraw_reason} · {gap.topic}",
                                   style="dim"), key=gap.id)
                continue
            table.add_row(Text("adoption gap", style="dim" if gap.status == "closed" else "cyan"),
                          gap.site_or_group,
                          f"{gap.status.replace('_', ' ')}{owner} · {gap.topic}", key=gap.id)
        if not table.row_count:
            table.add_row(Text("nothing that day", style="dim"), "", "")
        self.refresh_bindings()

    def _status_text(self, data: ClosureData) -> Text:
        text = Text()
        project = data.project
        if project is not None and project.closed_at is not None:
            text.append(f"CLOSED {project.closed_at:%Y-%m-%d} by "
                        f"{data.people.name_of_user(project.closed_by)}",
                        style="bold reverse")
            text.append(" · read-only\n")
        accepted = data.signed(SignoffKind.ACCEPTANCE)
        text.append("Acceptance  ", style="bold")
        if accepted is not None:
            exc = f" · exceptions: {'; '.join(accepted.exceptions)}" if accepted.exceptions else ""
            text.append(f"✓ {data.people.name_of_user(accepted.by)}{exc}\n", style="green")
        else:
            mains = [p.name for p in data.people.persons
                     if p.role is StakeholderRole.MPOC] or ["the customer's main contact"]
            text.append(f"not signed ({', '.join(mains)}, the MPOC, signs)\n",
                        style="yellow")
        text.append("Feedback    ", style="bold")
        if data.feedback:
            last = data.feedback[-1]
            text.append(f"{'★' * last.score}{'☆' * (5 - last.score)} {last.comments}\n")
        else:
            text.append("none yet\n", style="yellow")
        text.append("Hand-off    ", style="bold")
        ack = data.signed(SignoffKind.HANDOFF_ACK)
        if data.handoffs:
            package = data.handoffs[-1]
            text.append(f"{len(package.open_issues)} open issues handed over by "
                        f"{data.people.name_of_user(package.by)}")
            text.append(f" · support owns them: {data.people.name_of_user(ack.by)}\n" if ack
                        else " · awaiting support\n",
                        style="green" if ack else "yellow")
        else:
            text.append("not prepared\n", style="yellow")
        text.append("Final call  ", style="bold")
        if data.final_calls:
            call = data.final_calls[-1]
            held = f"held {call.held_at:%Y-%m-%d}" if call.held_at is not None else "recorded"
            text.append(f"{held} · {len(call.attendees)} attendees · "
                        f"{call.open_items or 'no open items'}\n")
        else:
            text.append("not held yet\n", style="yellow")
        if data.gaps and (project is None or project.closed_at is None):
            text.append("Closing waits for: " + "; ".join(data.gaps), style="dim")
        elif project is None or project.closed_at is None:
            text.append("Ready to close", style="bold green")
        return text

    # -- actions --------------------------------------------------------------------------

    def action_move_day(self, step: int) -> None:
        if self.data is not None:
            self.day = self.data.day.day + timedelta(days=step)
            self.reload()

    @property
    def _zone(self) -> ZoneInfo:
        project = self.data.project if self.data is not None else None
        return ZoneInfo(project.time_zone if project is not None else "America/New_York")

    def _open_form(self, kind: EntityKind, record: Any, fields: list[FormField],
                   title: str, success: str) -> None:
        current = record.model_dump(exclude={"pending"}) if record is not None else None

        def saved(values: dict[str, Any] | None) -> None:
            if values is not None:
                save_record(self.golive, kind, current, values, success)
        self.app.push_screen(
            RecordForm(title, fields, zone=self._zone,
                       check=lambda values: record_problem(kind, current, values)),
            saved)

    def _gap_under_cursor(self) -> AdoptionGapRow | None:
        data = self.data
        table = self._table
        if data is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((g for g in data.adoption_gaps if g.id == key), None)

    def _withdrawn_gap(self) -> bool:
        gap = self._gap_under_cursor()
        return gap is not None and gap.withdrawn_at is not None

    def _gap_fields(self, gap: AdoptionGapRow | None) -> list[FormField]:
        people = self.data.people if self.data is not None else People()
        return [
            FormField("site_or_group", "Site / group", "text",
                      gap.site_or_group if gap else "", required=True,
                      placeholder="a site code or a group of users"),
            FormField("topic", "Topic", "text", gap.topic if gap else "", required=True),
            owner_field(gap.owner if gap else "", people),
            FormField("follow_up", "Follow-up", "long", gap.follow_up if gap else ""),
            FormField("due_at", "Due", "time", gap.due_at if gap else None),
            FormField("status", "Status", "choice",
                      gap.status if gap else AdoptionGapStatus.OPEN,
                      [(s, s.value.replace("_", " ")) for s in AdoptionGapStatus]),
        ]

    def action_add_gap(self) -> None:
        if self.data is not None:
            self._open_form(K.ADOPTION_GAP, None, self._gap_fields(None),
                            "Add an adoption or training gap", "Adoption gap saved")

    def action_edit_gap(self) -> None:
        gap = self._gap_under_cursor()
        if gap is None:
            self.notify("Put the cursor on an adoption gap to edit it (g adds one).",
                        title="Edit gap", severity="warning")
            return
        self._open_form(K.ADOPTION_GAP, gap, self._gap_fields(gap),
                        f"Edit the gap at {gap.site_or_group}", "Adoption gap saved")

    def action_withdraw_gap(self) -> None:
        """A gap raised in error leaves the list with a reason (it stays on record); a
        withdrawn one is restored."""
        gap = self._gap_under_cursor()
        if gap is None:
            self.notify("Put the cursor on an adoption gap to withdraw it.",
                        title="Withdraw gap", severity="warning")
            return
        current = gap.model_dump(exclude={"pending"})
        where = gap.site_or_group
        if gap.withdrawn_at is not None:
            save_record(self.golive, K.ADOPTION_GAP, current, {"withdrawn_at": None},
                        f"The gap at {where} is back on the list")
            return

        def withdraw(reason: str | None) -> None:
            if reason:
                save_record(self.golive, K.ADOPTION_GAP, current,
                            {"withdrawn_at": self.golive.now(), "withdraw_reason": reason},
                            f"The gap at {where} is withdrawn")
        self.app.push_screen(ReasonDialog(
            f"Withdraw the gap at {where}",
            body=f"{gap.topic!r} leaves the list; it stays on record with the reason.",
            placeholder="e.g. raised twice: the same gap as the night shift's",
            required="Say why the gap is withdrawn: it stays on record with the reason.",
            confirm="withdraw it", danger=True), withdraw)

    def action_final_call(self) -> None:
        data = self.data
        if data is None:
            return
        call = data.final_calls[-1] if data.final_calls else None
        self._open_form(K.FINAL_CALL, call, [
            FormField("held_at", "Held at", "time", call.held_at if call else None),
            attendees_field(list(call.attendees) if call else [], data.people),
            FormField("tuning", "Tuning", "long", call.tuning if call else "",
                      placeholder="performance and access tuning agreed"),
            FormField("open_items", "Open items", "long", call.open_items if call else ""),
            FormField("adoption_review", "Adoption", "long",
                      call.adoption_review if call else "",
                      placeholder="training and adoption review"),
        ], "Edit the final call" if call else "Record the final call", "Final call saved")

    def action_accept(self) -> None:
        def signed(answer: str | None) -> None:
            if answer is None:
                return
            exceptions = [e.strip() for e in answer.split(";") if e.strip()]
            if [e.lower() for e in exceptions] == ["none"]:
                exceptions = []
            self.golive.run_command(Sign(SignoffKind.ACCEPTANCE, exceptions=exceptions),
                                    success="Acceptance signed")
        self.app.push_screen(ReasonDialog(
            "Sign the acceptance",
            body="The customer's main contact accepts the project. List any exceptions "
                 "accepted as outstanding, separated by ';', or none.",
            placeholder="Exceptions accepted, separated by ';' (or: none)",
            required="The acceptance lists its exceptions, or says none.",
            confirm="sign the acceptance"), signed)

    def action_feedback(self) -> None:
        def given(answer: str | None) -> None:
            parsed = parse_feedback(answer or "")
            if parsed is None:
                return
            score, comments = parsed
            self.golive.run_command(GiveFeedback(score, comments), success="Feedback recorded")
        self.app.push_screen(ReasonDialog(
            "Customer feedback",
            body="A score from 1 (poor) to 5 (excellent), then comments.",
            placeholder="Score and comments: 5 Smooth cut-over, staff trained",
            required="Feedback starts with a score from 1 to 5.",
            check=lambda text: None if parse_feedback(text) else
            "Feedback starts with a score from 1 to 5, e.g. 4 Good support.",
            confirm="record the feedback"), given)

    def action_hand_off(self) -> None:
        def handed(answer: str | None) -> None:
            if answer is None:
                return
            self.golive.run_command(HandOff(answer),
                                    success="Hand-off recorded; support acknowledges it")
        self.app.push_screen(ReasonDialog(
            "Hand off to Service & Support",
            body="The package lists every open issue with its owner, the accepted "
                 "exceptions and the project's contacts. Add the as-built summary.",
            placeholder="As built: sites, auto receptionists, call queues, devices",
            required="The hand-off needs an as-built summary.",
            confirm="hand off"), handed)

    def action_acknowledge(self) -> None:
        self.golive.run_command(AcknowledgeHandoff(),
                                success="Hand-off acknowledged: the open issues are yours now")

    def action_close_project(self) -> None:
        data = self.data
        if data is None:
            return
        gaps = data.gaps

        def closed(answer: str | None) -> None:
            if answer is None:
                return
            self.golive.run_command(CloseProject(answer),
                                    success="Project closed, and its lifecycle with it")
        body: Content = (
            Content.assemble(("Closing now goes without these; ", "bold $warning"),
                             "a reason of at least four words says why.")
            if gaps else Content.styled(
                "Acceptance, feedback and an acknowledged hand-off are recorded. The project "
                "becomes read-only for everyone.", "$success"))
        self.app.push_screen(ReasonDialog(
            "Close the project", body=body, lines=gaps,
            placeholder="Why it closes now" + (" (required)" if gaps else " (optional)"),
            required="Closing without all of them needs a reason." if gaps else None,
            check=(lambda reason: "A reason of at least four words is needed."
                   if reason_is_thin(reason) else None) if gaps else None,
            confirm="close the project", danger=bool(gaps)), closed)

    def action_write_reports(self) -> None:
        day = self.data.day.day if self.data is not None else None

        def chosen(answer: str | None) -> None:
            if answer:
                self._write_reports(Path(answer).expanduser(), day)
        self.app.push_screen(ReasonDialog(
            "Write the reports",
            body="The go-live, hypercare (of the day shown), hand-off and closure reports, "
                 "as HTML that prints well and Markdown, their tables as CSV, into a folder.",
            initial="golive-reports", placeholder="Folder", required="Name a folder.",
            confirm="write the reports"), chosen)

    @work(thread=True, exclusive=True, group="reports", exit_on_error=False)
    def _write_reports(self, directory: Path, day: date | None) -> None:
        store = self.store
        if store is None:
            return
        try:
            written = write_reports(store, directory, now=self.golive.now(), day=day)
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"Cannot write to {directory}: "
                                      f"{exc.strerror or exc}", title="Refused",
                                      severity="error")
            return
        self.app.call_from_thread(self.notify, f"Wrote {len(written)} files to {directory}",
                                  title="Reports")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key the signed-in member may not use is shown dimmed: who may do what is the
        domain's (the same rules the cache and the server apply)."""
        data = self.data
        if data is None or not self.is_mounted or action in ("move_day", "write_reports"):
            return True
        closed = data.project is not None and data.project.closed_at is not None
        if closed:
            return None
        role = data.role
        if role is None:
            return True
        allowed = {
            "accept": acceptance_problem(role, data.actor, data.people.records()) is None,
            "feedback": may_give_feedback(role),
            "hand_off": may_hand_off(role),
            "acknowledge": may_sign(role, SignoffKind.HANDOFF_ACK) and bool(data.handoffs),
            "close_project": may_close_project(role),
            "add_gap": may_track_adoption(role),
            "edit_gap": may_track_adoption(role) and not self._withdrawn_gap(),
            "withdraw_gap": may_track_adoption(role),
            "final_call": may_record_final_call(role),
        }.get(action, True)
        return True if allowed else None
