"""One issue: its facts, SLA clocks, description and notes thread, and a note input."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Static

from golive_tui.domain.enums import EntityKind, IssueState
from golive_tui.domain.sla import issue_clocks
from golive_tui.store.intents import AddIssueNote
from golive_tui.tui.screens.base import ScreenTitle
from golive_tui.tui.screens.issues.data import (
    CLOCK_REFRESH_SECONDS,
    IssueDetailData,
    hold_reason_label,
    load_context,
)
from golive_tui.tui.screens.issues.triage import TRIAGE_BINDINGS, IssueTriageScreen
from golive_tui.tui.widgets.forms import PRIORITY_MEANINGS, category_label
from golive_tui.tui.widgets.text_entry import TextField

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.store.tables import IssueRow


class IssueDetailScreen(IssueTriageScreen):
    """One issue: its facts, SLA clocks, description and notes thread, and a note input."""

    SCREEN_TITLE = "Issue"
    WATCHES = frozenset({EntityKind.ISSUE, EntityKind.ISSUE_NOTE, EntityKind.MEMBER,
                         EntityKind.SITE})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="issue_detail.back"),
        Binding("n", "focus_note", "Note", id="issue_detail.note"),
        *TRIAGE_BINDINGS,
    ]

    def __init__(self, issue_id: str) -> None:
        super().__init__()
        self.issue_id = issue_id
        self._detail: IssueDetailData | None = None
        self._clock_timer: Timer | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="issue-detail"):
            yield Static(id="issue-detail-head")
            with VerticalScroll(id="issue-thread", can_focus=True):
                yield Static(id="issue-thread-text")
            yield TextField(placeholder="Add a note · Enter saves · Esc leaves the note",
                        id="issue-note")

    def on_mount(self) -> None:
        # GoLiveScreen.on_mount runs as well (Textual calls the handler of each class)
        self._clock_timer = self.set_interval(CLOCK_REFRESH_SECONDS, self._render_detail)
        self.query_one("#issue-thread").focus()

    def load(self, store: LocalStore) -> IssueDetailData:
        from golive_tui.store.tables import IssueRow

        issue = store.get(IssueRow, self.issue_id)
        issues = [issue] if issue is not None else []
        return IssueDetailData(
            issue=issue,
            notes=store.issue_notes(self.issue_id),
            context=load_context(store, issues),
        )

    def show(self, data: IssueDetailData) -> None:
        self._detail = data
        self._ctx = data.context
        self._render_detail()

    def target_issue(self) -> IssueRow | None:
        return self._detail.issue if self._detail else None

    def _render_detail(self) -> None:
        data = self._detail
        head = self.query_one("#issue-detail-head", Static)
        thread = self.query_one("#issue-thread-text", Static)
        if data is None:
            return
        issue = data.issue
        if issue is None:
            head.update(Text("This issue is no longer in the cache.", style="bold"))
            thread.update("")
            return
        respond, resolve = issue_clocks(issue, data.context.policy, self.golive.now())
        text = Text()
        text.append(f"{issue.ref} ", style="bold")
        text.append_text(self._priority_text(issue.priority))
        text.append(f" {PRIORITY_MEANINGS[issue.priority]} · ", style="dim")
        text.append_text(self._state_text(issue.state))
        text.append(f"\n{issue.title}\n", style="bold")
        text.append("Respond ", style="dim")
        text.append_text(self._clock_text(respond))
        text.append("   Resolve ", style="dim")
        text.append_text(self._clock_text(resolve))
        text.append("\n")
        facts = [
            ("Assignee", self._person(issue.assignee) or "unassigned"),
            ("Site", self._site_code(issue.site_id) or "—"),
            ("Category", category_label(issue.category.value)),
            ("Reporter", self._person(issue.reporter) or "—"),
            ("Source", issue.source),
            ("Opened", self._when(issue.opened_at)),
        ]
        for index, (label, value) in enumerate(facts):
            text.append(("" if index == 0 else " · ") + f"{label} ", style="dim")
            text.append(value)
        links = self._links_text(issue)
        if links:
            text.append("\nLinks ", style="dim")
            text.append_text(links)
        if issue.state is IssueState.ON_HOLD and issue.hold_reason:
            text.append("\nOn hold: ", style="dim")
            text.append(hold_reason_label(issue.hold_reason), style="italic")
        if issue.priority_reason:
            text.append(f"\n{issue.priority.value} since: ", style="dim")
            text.append(issue.priority_reason, style="italic")
        if issue.resolution:
            text.append("\nResolution: ", style="dim")
            text.append(issue.resolution)
        head.update(text)

        body = Text()
        if issue.description:
            body.append(issue.description + "\n")
        body.append(f"\nNotes ({len(data.notes)})" if data.notes else "\nNo notes yet.",
                    style="bold underline" if data.notes else "dim")
        for note in data.notes:
            body.append(f"\n{self._when(note.at)}  {self._person(note.author)}", style="bold")
            if note.pending:
                body.append("  ⇡ not synced yet", style="dim")
            body.append(f"\n{note.body}\n")
        thread.update(body)
        title = self.query_one(ScreenTitle)
        title.title_text = f"Issue {issue.ref}"
        title.refresh()

    @on(Input.Submitted, "#issue-note")
    def _add_note(self, event: Input.Submitted) -> None:
        body = event.value.strip()
        if not body:
            self.notify("Type the note first.", severity="warning")
            return
        issue = self.target_issue()
        if issue is None:
            return

        def done(_record: Any) -> None:
            event.input.value = ""
            self.query_one("#issue-thread", VerticalScroll).scroll_end(animate=False)

        self.golive.run_command(AddIssueNote(issue.id, body),
                                success=f"Note added to {issue.ref}.", done=done)

    def action_focus_note(self) -> None:
        self.query_one("#issue-note", Input).focus()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#issue-thread").focus()
            return
        self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "focus_note" and isinstance(self.focused, Input))
