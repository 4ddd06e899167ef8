"""The triage actions the queue and the detail screen share: take, hold, resolve, close,
assign, priority and cancel, each asked and moved one way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.binding import Binding, BindingType

from golive_tui.domain.enums import IssueState, Priority
from golive_tui.domain.phone import format_number
from golive_tui.domain.rules import reprioritise_reason_problem
from golive_tui.domain.sla import SlaClock
from golive_tui.domain.time_text import local_time
from golive_tui.store.intents import MoveIssue, TakeIssue, UpdateIssue
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.screens.issues.data import HOLD_CHOICES, PRIORITIES, STATE_LABELS, IssueContext
from golive_tui.tui.widgets.forms import PRIORITY_MEANINGS, PickerModal
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

if TYPE_CHECKING:
    from golive_tui.store.tables import IssueRow

@dataclass(frozen=True)
class NoteAsk:
    """What moving an issue to a state that needs a note asks, and says once it moved.

    ``title`` names the issue as ``{ref}``; ``done`` names it and the note (``{note}``).
    """

    field: str  # the transition's field the note fills
    title: str
    prompt: str
    required: str
    confirm: str
    done: str
    placeholder: str = "Why?"
    choices: tuple[str, ...] = ()


NOTE_ASKS: dict[IssueState, NoteAsk] = {
    IssueState.ON_HOLD: NoteAsk(
        "reason", "Put {ref} on hold",
        "Who or what is it waiting for? The resolve clock pauses while on hold.",
        "A reason is required: say who or what the issue is waiting for.", "put on hold",
        "{ref} on hold: {note}. Its resolve clock is paused.",
        placeholder="e.g. Awaiting customer: bill copy for the port",
        choices=tuple(HOLD_CHOICES.values())),
    IssueState.RESOLVED: NoteAsk(
        "resolution", "Resolve {ref}", "What fixed it? Support and the customer read this note.",
        "A resolution note is required: say what fixed it.", "resolve", "{ref} resolved.",
        placeholder="e.g. Re-assigned (213) 555-0100 to LAX Main AR; inbound calls ring"),
    IssueState.CANCELLED: NoteAsk(
        "reason", "Cancel {ref}", "Why is it cancelled (duplicate, not an issue, raised in error)?",
        "A reason is required to cancel an issue.", "cancel the issue", "{ref} cancelled.",
        choices=("Duplicate", "Not an issue", "Raised in error")),
}

TRIAGE_BINDINGS: list[BindingType] = [
    Binding("t", "take", "Take", id="issues.take"),
    Binding("h", "hold", "Hold", id="issues.hold"),
    Binding("r", "resolve", "Resolve", id="issues.resolve"),
    Binding("a", "assign", "Assign", id="issues.assign"),
    Binding("c", "close", "Close", id="issues.close", show=False),
    Binding("plus", "bump(-1)", "Raise priority", id="issues.raise", key_display="+",
            show=False),
    Binding("minus", "bump(1)", "Lower priority", id="issues.lower", key_display="-",
            show=False),
    Binding("P", "pick_priority", "Set priority", id="issues.priority", show=False),
    Binding("x", "cancel_issue", "Cancel issue", id="issues.cancel", show=False),
]


class IssueTriageScreen(GoLiveScreen):
    """The triage actions the queue and the detail screen share."""

    _ctx: IssueContext | None = None

    def target_issue(self) -> IssueRow | None:
        """The issue the triage keys act on."""
        raise NotImplementedError

    def _person(self, user: str) -> str:
        if not user:
            return ""
        if self._ctx is None:
            return user
        return self._ctx.names.get(user, user)

    def _site_code(self, site_id: str | None) -> str:
        if not site_id or self._ctx is None:
            return ""
        return self._ctx.sites.get(site_id, ("?", ""))[0]

    def _issue_or_warn(self) -> IssueRow | None:
        issue = self.target_issue()
        if issue is None:
            self.notify("Select an issue first.", severity="warning")
        return issue

    def action_take(self) -> None:
        issue = self._issue_or_warn()
        if issue is None or self.store is None:
            return
        me = self.store.actor
        self.golive.run_command(TakeIssue(issue.id, issue.ref, me),
                                success=f"{issue.ref} is yours, in progress.")

    def _move_with_note(self, to: IssueState) -> None:
        """Ask for the note that moving the selected issue ``to`` a state needs, then move
        it (what is asked and said: :data:`NOTE_ASKS`)."""
        issue = self._issue_or_warn()
        if issue is None:
            return
        issue_id, ref = issue.id, issue.ref
        ask = NOTE_ASKS[to]

        def got(note: str | None) -> None:
            if note is None:
                return
            self.golive.run_command(MoveIssue(issue_id, to, {ask.field: note}),
                                    success=ask.done.format(ref=ref, note=note))

        self.app.push_screen(
            ReasonDialog(ask.title.format(ref=ref), ask.prompt, choices=ask.choices,
                         placeholder=ask.placeholder, required=ask.required,
                         confirm=ask.confirm),
            got,
        )

    def action_hold(self) -> None:
        self._move_with_note(IssueState.ON_HOLD)

    def action_resolve(self) -> None:
        self._move_with_note(IssueState.RESOLVED)

    def action_cancel_issue(self) -> None:
        self._move_with_note(IssueState.CANCELLED)

    def action_close(self) -> None:
        issue = self._issue_or_warn()
        if issue is None:
            return
        self.golive.run_command(MoveIssue(issue.id, IssueState.CLOSED),
                                success=f"{issue.ref} closed.")

    def action_assign(self) -> None:
        issue = self._issue_or_warn()
        if issue is None or self._ctx is None:
            return
        issue_id, ref = issue.id, issue.ref
        me = self._ctx.actor
        options: list[tuple[str, str]] = [
            ("", "Unassigned"), *self._ctx.people.by_user(me=me, keep=issue.assignee)]

        def got(user: str | None) -> None:
            if user is None:
                return
            who = self._person(user) or "nobody"
            self.golive.run_command(
                UpdateIssue(issue_id, {"assignee": user}),
                success=f"{ref} assigned to {who}." if user else f"{ref} is unassigned.",
            )

        self.app.push_screen(
            PickerModal(f"Assign {ref}", options, current=issue.assignee), got
        )

    def _set_priority(self, issue: IssueRow, priority: Priority) -> None:
        issue_id, ref = issue.id, issue.ref

        def got(reason: str | None) -> None:
            if reason is None:
                return
            self.golive.run_command(
                UpdateIssue(issue_id, {"priority": priority, "priority_reason": reason}),
                success=f"{ref} is now {priority.value} ({PRIORITY_MEANINGS[priority]}).",
            )

        self.app.push_screen(
            ReasonDialog(
                f"{ref}: {issue.priority.value} → {priority.value}",
                "Why does its priority change? Support and the customer read this.",
                placeholder="e.g. Workaround in place: calls route to the LAX queue",
                required="A reason is required to change an issue's priority.",
                check=lambda reason: reprioritise_reason_problem(reason, ref),
                confirm="change it",
            ),
            got,
        )

    def action_bump(self, step: int) -> None:
        issue = self._issue_or_warn()
        if issue is None:
            return
        index = PRIORITIES.index(issue.priority) + step
        if not 0 <= index < len(PRIORITIES):
            edge = "highest" if step < 0 else "lowest"
            self.notify(f"{issue.ref} is already {issue.priority.value}, the {edge} priority.",
                        severity="warning")
            return
        self._set_priority(issue, PRIORITIES[index])

    def action_pick_priority(self) -> None:
        issue = self._issue_or_warn()
        if issue is None:
            return

        def got(priority: Priority | None) -> None:
            if priority is not None and priority is not issue.priority:
                self._set_priority(issue, priority)

        self.app.push_screen(
            PickerModal(
                f"Priority of {issue.ref}",
                [(p, f"{p.value} · {meaning}") for p, meaning in PRIORITY_MEANINGS.items()],
                current=issue.priority,
            ),
            got,
        )

    # -- shared rendering -------------------------------------------------------------------

    def _colours(self) -> dict[str, str]:
        theme = self.app.current_theme
        return {
            "bad": theme.error or "red",
            "good": theme.success or "green",
            "warn": theme.warning or "yellow",
            "accent": theme.primary or "blue",
        }

    def _clock_text(self, clock: SlaClock) -> Text:
        colours = self._colours()
        label = clock.label()
        if clock.stopped:
            style = f"dim {colours['good']}" if clock.met else colours["bad"]
        elif clock.breached:
            style = f"bold {colours['bad']}"
        elif clock.paused:
            style = "dim italic"
        elif clock.fraction_used >= 0.75:
            style = colours["warn"]
        else:
            style = ""
        # what still does not fit its column ("BREACHED 1d 12h (paused)") ends in "…"
        return Text(label, style=style, no_wrap=True, overflow="ellipsis")

    def _priority_text(self, priority: Priority) -> Text:
        colours = self._colours()
        style = {
            Priority.P1: f"bold reverse {colours['bad']}",
            Priority.P2: f"bold {colours['bad']}",
            Priority.P3: colours["warn"],
            Priority.P4: "dim",
        }[priority]
        return Text(priority.value, style=style)

    def _state_text(self, state: IssueState) -> Text:
        colours = self._colours()
        style = {
            IssueState.NEW: f"bold {colours['accent']}",
            IssueState.IN_PROGRESS: "",
            IssueState.ON_HOLD: "italic",
            IssueState.RESOLVED: colours["good"],
            IssueState.CLOSED: "dim",
            IssueState.CANCELLED: "dim strike",
        }[state]
        return Text(STATE_LABELS[state], style=style, no_wrap=True)

    def _links_text(self, issue: IssueRow) -> Text:
        context = self._ctx
        text = Text(no_wrap=True, overflow="ellipsis")
        if context is None:
            return text
        if issue.verification_id:
            code, result, _note = context.verifications.get(
                issue.verification_id, ("test", "", ""))
            mark = "✗" if result == "fail" else "✓" if result == "pass" else ""
            text.append(f"⚑ {code} {mark}".rstrip(), style=self._colours()["warn"])
        if issue.number_id and issue.number_id in context.numbers:
            if text:
                text.append(" ")
            text.append(format_number(context.numbers[issue.number_id]))
        return text

    def _when(self, at: datetime | None) -> str:
        if at is None or self._ctx is None:
            return "—"
        try:
            zone = ZoneInfo(self._ctx.time_zone)
        except (KeyError, ValueError):
            zone = ZoneInfo("America/New_York")
        return local_time(at, zone, self.golive.now())
