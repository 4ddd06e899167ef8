"""The hypercare queue: issues by SLA urgency, triaged from the keyboard.

The queue is sorted by :func:`sla_urgency` (breached first, then the clock due soonest,
then paused, then stopped). The respond / resolve clocks tick every 30 s from the rows
already loaded; the cache is read again only when something changed.

Keys (also in help, ``?``, and the command palette, ``ctrl+p``): ``enter`` details and
notes, ``n`` new issue, ``t`` take it (in progress, assigned to me), ``h`` hold (reason
required), ``r`` resolve (resolution required), ``c`` close, ``a`` assign, ``+`` / ``-``
raise / lower the priority, ``P`` pick a priority, ``x`` cancel (reason required).
Filters toggle with ``o`` open / all, ``m`` mine, ``u`` unassigned, ``b`` breached,
``p`` P1/P2 only; the filter bar shows which are on (and can be clicked).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.events import Resize
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import CellDoesNotExist

from golive_tui.domain.enums import (
    OPEN_ISSUE_STATES,
    EntityKind,
    HoldReason,
    IssueState,
    Priority,
)
from golive_tui.domain.phone import format_number
from golive_tui.domain.sla import SlaClock, SlaPolicy, issue_clocks, sla_urgency
from golive_tui.domain.time_text import local_time
from golive_tui.resources import styles_dir
from golive_tui.tui.screens.base import GoLiveScreen, ScreenTitle
from golive_tui.tui.screens.verification import TALL, WIDE, size_classes
from golive_tui.tui.widgets.fast_table import FastTable
from golive_tui.tui.widgets.forms import (
    PRIORITY_MEANINGS,
    IssueDraft,
    NewIssueForm,
    PickerModal,
    ReasonPrompt,
    category_label,
)
from golive_tui.tui.widgets.text_entry import TextField

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.store.tables import IssueNoteRow, IssueRow

CLOCK_REFRESH_SECONDS = 30.0
_PRIORITIES = list(Priority)
_STATE_LABELS = {
    IssueState.NEW: "new",
    IssueState.IN_PROGRESS: "in progress",
    IssueState.ON_HOLD: "on hold",
    IssueState.RESOLVED: "resolved",
    IssueState.CLOSED: "closed",
    IssueState.CANCELLED: "cancelled",
}
_HOLD_CHOICES = {
    HoldReason.AWAITING_CUSTOMER: "Awaiting customer",
    HoldReason.AWAITING_VENDOR: "Awaiting vendor",
    HoldReason.AWAITING_CHANGE: "Awaiting change",
}
_FILTERS: tuple[tuple[str, str, str], ...] = (
    # (name, key, label)
    ("open", "o", "Open"),
    ("mine", "m", "Mine"),
    ("unassigned", "u", "Unassigned"),
    ("breached", "b", "Breached"),
    ("urgent", "p", "P1/P2"),
)


def hold_reason_label(reason: str) -> str:
    try:
        return _HOLD_CHOICES[HoldReason(reason)]
    except ValueError:
        return reason


def is_breached(clocks: tuple[SlaClock, SlaClock]) -> bool:
    return any(clock.breached for clock in clocks)


class RankedText(Text):
    """A table cell that carries its row's sort rank (DataTable sorts by cell values)."""

    def __init__(self, text: str, rank: float, style: str = "") -> None:
        super().__init__(text, style=style, no_wrap=True, overflow="ellipsis")
        self.rank = rank


@dataclass(frozen=True)
class IssueContext:
    """What the issue screens show next to the issues: names, sites, links, policy."""

    sites: dict[str, tuple[str, str]]  # id -> (code, name)
    names: dict[str, str]  # user -> display name
    members: list[tuple[str, str, str]]  # (user, display name, role)
    verifications: dict[str, tuple[str, str, str]]  # id -> (test case, result, note)
    numbers: dict[str, str]  # id -> e164
    policy: SlaPolicy
    actor: str
    time_zone: str


@dataclass(frozen=True)
class IssueQueueData:
    issues: list[IssueRow]
    context: IssueContext


def load_context(store: LocalStore, issues: list[IssueRow]) -> IssueContext:
    """Runs in a thread: the names, sites and links the issues refer to."""
    from golive_tui.store.tables import NumberRow, VerificationRow

    verifications: dict[str, tuple[str, str, str]] = {}
    numbers: dict[str, str] = {}
    for issue in issues:
        if issue.verification_id and issue.verification_id not in verifications:
            entry = store.get(VerificationRow, issue.verification_id)
            if entry is not None:
                verifications[entry.id] = (entry.test_case, entry.result.value, entry.note)
        if issue.number_id and issue.number_id not in numbers:
            number = store.get(NumberRow, issue.number_id)
            if number is not None:
                numbers[number.id] = number.e164
    members = store.members()
    project = store.project()
    return IssueContext(
        sites={site.id: (site.code, site.name) for site in store.sites()},
        names={m.user: m.display_name or m.user for m in members},
        members=[(m.user, m.display_name or m.user, m.role.value) for m in members],
        verifications=verifications,
        numbers=numbers,
        policy=store.policy(),
        actor=store.actor,
        time_zone=project.time_zone if project is not None else "America/New_York",
    )


@dataclass
class Filters:
    open: bool = True
    mine: bool = False
    unassigned: bool = False
    breached: bool = False
    urgent: bool = False


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

    def _change(
        self, change: Callable[[LocalStore], Any], success: str,
        done: Callable[[Any], None] | None = None,
    ) -> None:
        self.golive.run_change(
            change, kinds=frozenset({EntityKind.ISSUE, EntityKind.ISSUE_NOTE}),
            success=success, done=done,
        )

    def action_take(self) -> None:
        issue = self._issue_or_warn()
        if issue is None or self.store is None:
            return
        me = self.store.actor
        issue_id, ref = issue.id, issue.ref

        def change(store: LocalStore) -> Any:
            from golive_tui.domain.errors import NotFound, ValidationFailed
            from golive_tui.store.tables import IssueRow

            current = store.get(IssueRow, issue_id)
            if current is None:
                raise NotFound(f"{ref} is no longer in the cache; it may have been removed.")
            if current.state is IssueState.IN_PROGRESS:
                if current.assignee == me:
                    raise ValidationFailed(f"{ref} is already yours and in progress.")
                return store.update_issue(issue_id, assignee=me)
            return store.transition_issue(issue_id, IssueState.IN_PROGRESS, assignee=me)

        self._change(change, f"{ref} is yours, in progress.")

    def _move_with_note(
        self, to: IssueState, field: str, prompt: Callable[[str], ReasonPrompt],
        done: Callable[[str, str], str],
    ) -> None:
        """Ask for the note that moving the selected issue ``to`` a state needs (``field`` of
        the transition), then move it; ``done`` says what happened, from the ref and note."""
        issue = self._issue_or_warn()
        if issue is None:
            return
        issue_id, ref = issue.id, issue.ref

        def got(note: str | None) -> None:
            if note is None:
                return
            self._change(
                lambda store: store.transition_issue(issue_id, to, **{field: note}),
                done(ref, note),
            )

        self.app.push_screen(prompt(ref), got)

    def action_hold(self) -> None:
        self._move_with_note(
            IssueState.ON_HOLD, "reason",
            lambda ref: ReasonPrompt(
                f"Put {ref} on hold",
                "Who or what is it waiting for? The resolve clock pauses while on hold.",
                choices=list(_HOLD_CHOICES.values()),
                placeholder="e.g. Awaiting customer: bill copy for the port",
                required="A reason is required: say who or what the issue is waiting for.",
            ),
            lambda ref, reason: f"{ref} on hold: {reason}. Its resolve clock is paused.",
        )

    def action_resolve(self) -> None:
        self._move_with_note(
            IssueState.RESOLVED, "resolution",
            lambda ref: ReasonPrompt(
                f"Resolve {ref}",
                "What fixed it? Support and the customer read this note.",
                placeholder="e.g. Re-assigned (213) 555-0100 to LAX Main AR; inbound calls ring",
                required="A resolution note is required: say what fixed it.",
            ),
            lambda ref, _note: f"{ref} resolved.",
        )

    def action_cancel_issue(self) -> None:
        self._move_with_note(
            IssueState.CANCELLED, "reason",
            lambda ref: ReasonPrompt(
                f"Cancel {ref}",
                "Why is it cancelled (duplicate, not an issue, raised in error)?",
                choices=["Duplicate", "Not an issue", "Raised in error"],
                required="A reason is required to cancel an issue.",
            ),
            lambda ref, _reason: f"{ref} cancelled.",
        )

    def action_close(self) -> None:
        issue = self._issue_or_warn()
        if issue is None:
            return
        issue_id = issue.id
        self._change(
            lambda store: store.transition_issue(issue_id, IssueState.CLOSED),
            f"{issue.ref} closed.",
        )

    def action_assign(self) -> None:
        issue = self._issue_or_warn()
        if issue is None or self._ctx is None:
            return
        issue_id, ref = issue.id, issue.ref
        me = self._ctx.actor
        options: list[tuple[str, str]] = [("", "Unassigned")]
        users = {user for user, _name, _role in self._ctx.members}
        if me not in users:
            options.append((me, f"Me ({me})"))
        options += [
            (user, f"{name} · {role}" + (" (me)" if user == me else ""))
            for user, name, role in self._ctx.members
            if role != "viewer"
        ]

        def got(user: str | None) -> None:
            if user is None:
                return
            who = self._person(user) or "nobody"
            self._change(
                lambda store: store.update_issue(issue_id, assignee=user),
                f"{ref} assigned to {who}." if user else f"{ref} is unassigned.",
            )

        self.app.push_screen(
            PickerModal(f"Assign {ref}", options, current=issue.assignee), got
        )

    def _set_priority(self, issue: IssueRow, priority: Priority) -> None:
        issue_id, ref = issue.id, issue.ref

        def got(reason: str | None) -> None:
            if reason is None:
                return
            self._change(
                lambda store: store.update_issue(issue_id, priority=priority,
                                                 priority_reason=reason),
                f"{ref} is now {priority.value} ({PRIORITY_MEANINGS[priority]}).",
            )

        self.app.push_screen(
            ReasonPrompt(
                f"{ref}: {issue.priority.value} → {priority.value}",
                "Why does its priority change? Support and the customer read this.",
                placeholder="e.g. Workaround in place: calls route to the LAX queue",
                required="A reason is required to change an issue's priority.",
            ),
            got,
        )

    def action_bump(self, step: int) -> None:
        issue = self._issue_or_warn()
        if issue is None:
            return
        index = _PRIORITIES.index(issue.priority) + step
        if not 0 <= index < len(_PRIORITIES):
            edge = "highest" if step < 0 else "lowest"
            self.notify(f"{issue.ref} is already {issue.priority.value}, the {edge} priority.",
                        severity="warning")
            return
        self._set_priority(issue, _PRIORITIES[index])

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
        return Text(label, style=style, no_wrap=True)

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
        return Text(_STATE_LABELS[state], style=style, no_wrap=True)

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


class IssueQueueScreen(IssueTriageScreen):
    """The post-go-live queue, most urgent first."""

    SCREEN_TITLE = "Issues"
    CSS_PATH = str(styles_dir() / "issues.tcss")
    WATCHES = frozenset({
        EntityKind.ISSUE, EntityKind.ISSUE_NOTE, EntityKind.SITE, EntityKind.MEMBER,
        EntityKind.PROJECT, EntityKind.VERIFICATION,
    })
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"), (WIDE, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [
        (0, "-short"), (TALL, "-tall"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_detail", "Open", id="issues.open", priority=True,
                tooltip="Details, SLA clocks and the notes thread"),
        Binding("n", "new_issue", "New", id="issues.new"),
        *TRIAGE_BINDINGS,
        Binding("o", "toggle_filter('open')", "Filter: open only / all",
                id="issues.filter_open", show=False),
        Binding("m", "toggle_filter('mine')", "Filter: mine", id="issues.filter_mine", show=False),
        Binding("u", "toggle_filter('unassigned')", "Filter: unassigned",
                id="issues.filter_unassigned", show=False),
        Binding("b", "toggle_filter('breached')", "Filter: SLA breached",
                id="issues.filter_breached", show=False),
        Binding("p", "toggle_filter('urgent')", "Filter: P1/P2 only", id="issues.filter_urgent",
                show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        # the breakpoint classes from the start, so the first resize does not restyle it all
        self.set_classes(size_classes(self.app.size.width, self.app.size.height, tall=TALL))
        self._queue_data: IssueQueueData | None = None
        self._issues: dict[str, IssueRow] = {}
        self._clocks: dict[str, tuple[SlaClock, SlaClock]] = {}
        self._queue_filters = Filters()
        self._columns: tuple[tuple[str, str, int], ...] = ()
        self._pending_focus: str | None = None
        self._clock_timer: Timer | None = None
        self._notes: dict[str, list[IssueNoteRow]] = {}
        self._had_selection = True

    def compose_body(self) -> ComposeResult:
        yield Static(id="issue-filters")
        table: DataTable[Any] = FastTable(id="issue-table", cursor_type="row")
        yield table
        with VerticalScroll(id="issue-preview"):
            yield Static(id="issue-preview-text")

    def on_mount(self) -> None:
        # GoLiveScreen.on_mount runs as well (Textual calls the handler of each class)
        self._clock_timer = self.set_interval(CLOCK_REFRESH_SECONDS, self.refresh_clocks)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._render_filters(0, 0)

    def _theme_changed(self, _theme: object) -> None:
        if self._queue_data is not None:
            self._render_table()

    def on_screen_suspend(self) -> None:
        # another mode or the detail is in front: nobody sees these clocks until resumed
        if self._clock_timer is not None:
            self._clock_timer.pause()

    def on_screen_resume(self) -> None:
        if self._clock_timer is not None:
            self._clock_timer.resume()

    def on_resize(self, event: Resize) -> None:
        if self._queue_data is not None:
            self._render_table()

    @property
    def _table(self) -> DataTable[Any]:
        return self.query_one("#issue-table", DataTable)

    # -- loading --------------------------------------------------------------------------

    def load(self, store: LocalStore) -> IssueQueueData:
        issues = store.issues()
        return IssueQueueData(issues=issues, context=load_context(store, issues))

    def show(self, data: IssueQueueData) -> None:
        self._queue_data = data
        self._ctx = data.context
        self._issues = {issue.id: issue for issue in data.issues}
        self._notes.clear()
        self._render_table()
        self._apply_pending_focus()

    def refresh_clocks(self) -> None:
        """Recompute the SLA clocks from the loaded rows (no cache read) and re-sort."""
        if self._queue_data is not None:
            self._render_table()

    # -- the table ------------------------------------------------------------------------

    def _visible(self, now: datetime) -> list[tuple[IssueRow, tuple[SlaClock, SlaClock]]]:
        assert self._queue_data is not None
        context = self._queue_data.context
        filters = self._queue_filters
        rows = []
        self._clocks = {}
        for issue in self._queue_data.issues:
            clocks = issue_clocks(issue, context.policy, now)
            self._clocks[issue.id] = clocks
            if filters.open and issue.state not in OPEN_ISSUE_STATES:
                continue
            if filters.mine and issue.assignee != context.actor:
                continue
            if filters.unassigned and issue.assignee:
                continue
            if filters.breached and not is_breached(clocks):
                continue
            if filters.urgent and issue.priority not in (Priority.P1, Priority.P2):
                continue
            rows.append((issue, clocks))
        never = datetime.max.replace(tzinfo=now.tzinfo)
        rows.sort(key=lambda row: (sla_urgency(row[1], now), row[0].priority.value,
                                   row[0].opened_at or never))
        return rows

    def _cells(
        self, rank: int, issue: IssueRow, clocks: tuple[SlaClock, SlaClock]
    ) -> dict[str, Any]:
        respond, resolve = clocks
        title = Text(issue.title, no_wrap=True, overflow="ellipsis")
        if issue.pending:
            title = Text.assemble(("⇡ ", "dim"), title, no_wrap=True, overflow="ellipsis")
        return {
            "ref": RankedText(issue.ref, rank, style="bold" if is_breached(clocks) else ""),
            "priority": self._priority_text(issue.priority),
            "state": self._state_text(issue.state),
            "title": title,
            "respond": self._clock_text(respond),
            "resolve": self._clock_text(resolve),
            "assignee": Text(self._person(issue.assignee) or "—",
                             style="" if issue.assignee else "dim italic"),
            "site": self._site_code(issue.site_id),
            "category": Text(category_label(issue.category.value), no_wrap=True,
                             overflow="ellipsis"),
            "links": self._links_text(issue),
        }

    def _layout(self, width: int) -> tuple[tuple[str, str, int], ...]:
        """The columns (key, label, width) for a terminal this wide.

        At 80 columns ref, priority, title and both SLA clocks stay in view (state and the
        rest scroll; the preview line repeats them). Wide terminals show every column but
        the links (in the preview too), and the title takes what is left.
        """
        wide = width >= WIDE
        widths = {"ref": 8, "priority": 2, "state": 11, "respond": 14, "resolve": 18,
                  "assignee": 14, "site": 4, "category": 20, "links": 22}
        labels = {"ref": "Ref", "priority": "P", "state": "State", "title": "Title",
                  "respond": "Respond", "resolve": "Resolve", "assignee": "Assignee",
                  "site": "Site", "category": "Category", "links": "Links"}
        order: tuple[str, ...]
        in_view: tuple[str, ...]
        if wide:
            order = ("ref", "priority", "state", "title", "respond", "resolve", "assignee",
                     "site", "category", "links")
            in_view = order[:-1]
        else:
            order = ("ref", "priority", "title", "respond", "resolve", "state", "assignee",
                     "site", "category", "links")
            in_view = order[:5]
        used = sum(widths.get(key, 0) for key in in_view) + 2 * len(in_view) + 1
        widths["title"] = max(18, min(90, width - used))
        return tuple((key, labels[key], widths[key]) for key in order)

    def _build_columns(self, layout: tuple[tuple[str, str, int], ...]) -> None:
        table = self._table
        table.clear(columns=True)
        for key, label, width in layout:
            table.add_column(label, key=key, width=width)
        self._columns = layout

    def _render_table(self) -> None:
        table = self._table
        now = self.golive.now()
        rows = self._visible(now)
        selected = self._selected_key()
        layout = self._layout(self.size.width or 80)
        with self.app.batch_update():
            if layout != self._columns or not table.columns:
                self._build_columns(layout)
            keys = [key for key, _label, _width in layout]
            wanted = {issue.id for issue, _clocks in rows}
            for row_key in list(table.rows):
                if row_key.value not in wanted:
                    table.remove_row(row_key)
            for rank, (issue, clocks) in enumerate(rows):
                cells = self._cells(rank, issue, clocks)
                if issue.id in table.rows:
                    for column in keys:
                        table.update_cell(issue.id, column, cells[column])
                else:
                    table.add_row(*[cells[column] for column in keys], key=issue.id)
            table.sort("ref", key=lambda cell: cell.rank if isinstance(cell, RankedText) else 0)
            if selected is not None and selected in table.rows:
                table.move_cursor(row=table.get_row_index(selected), scroll=False)
        total = len(self._queue_data.issues) if self._queue_data else 0
        self._render_filters(len(rows), total)
        self._render_preview()
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        # tell the key bar only when the triage keys change state
        selected = self.target_issue() is not None
        if selected != self._had_selection:
            self._had_selection = selected
            self.refresh_bindings()

    def _selected_key(self) -> str | None:
        table = self._table
        if not table.row_count:
            return None
        try:
            row_key, _ = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0))
        except CellDoesNotExist:
            return None
        return str(row_key.value)

    def target_issue(self) -> IssueRow | None:
        key = self._selected_key()
        return self._issues.get(key) if key else None

    # -- filters --------------------------------------------------------------------------

    def _render_filters(self, shown: int, total: int) -> None:
        colours = self._colours()
        parts: list[str] = []
        for name, key, label in _FILTERS:
            active = getattr(self._queue_filters, name)
            style = f"bold {colours['accent']} underline" if active else "dim"
            parts.append(
                f"[@click=screen.toggle_filter('{name}')][bold]{key}[/] [{style}]{label}[/][/]"
            )
        breached = sum(
            1 for issue_id, clocks in self._clocks.items()
            if is_breached(clocks) and issue_id in self._issues
            and self._issues[issue_id].state in OPEN_ISSUE_STATES
        )
        summary = f"  {shown} of {total}"
        if breached:
            summary += f" · [bold {colours['bad']}]{breached} breached[/]"
        self.query_one("#issue-filters", Static).update("  ".join(parts) + summary)

    def action_toggle_filter(self, name: str) -> None:
        filters = self._queue_filters
        setattr(filters, name, not getattr(filters, name))
        if name == "mine" and filters.mine:
            filters.unassigned = False
        elif name == "unassigned" and filters.unassigned:
            filters.mine = False
        if self._queue_data is not None:
            self._render_table()
        else:
            self._render_filters(0, 0)

    # -- preview and detail ---------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#issue-table")
    def _highlighted(self) -> None:
        self._render_preview()
        self._refresh_keys()

    def _render_preview(self) -> None:
        preview = self.query_one("#issue-preview-text", Static)
        issue = self.target_issue()
        if issue is None:
            preview.update(Text(
                "No issues match these filters." if self._queue_data else "Loading the queue…",
                style="dim"))
            return
        preview.update(self._preview(issue))
        if self.size.height >= TALL and issue.id not in self._notes:
            self._load_notes(issue.id)

    def _preview(self, issue: IssueRow) -> Text:
        tall = self.size.height >= TALL
        text = Text(no_wrap=not tall, overflow="ellipsis")
        text.append(f"{issue.ref} ", style="bold")
        text.append_text(self._priority_text(issue.priority))
        text.append(" ")
        text.append_text(self._state_text(issue.state))
        facts = [
            self._person(issue.assignee) or "unassigned",
            self._site_code(issue.site_id) or "no site",
            category_label(issue.category.value),
            f"opened {self._when(issue.opened_at)}",
        ]
        if issue.state is IssueState.ON_HOLD and issue.hold_reason:
            facts.append(f"on hold: {hold_reason_label(issue.hold_reason)}")
        text.append(" · " + " · ".join(facts), style="dim")
        links = self._links_text(issue)
        if links:
            text.append(" · ", style="dim")
            text.append_text(links)
        text.append(f"\n{issue.title}", style="bold")
        if not tall:
            return text
        text.append("  ⏎ details, notes", style="dim")
        if issue.description:
            text.append("\n\n")
            text.append(issue.description)
        if issue.resolution:
            text.append("\n\nResolution: ", style="bold")
            text.append(issue.resolution)
        notes = self._notes.get(issue.id)
        if notes:
            text.append(f"\n\nNotes ({len(notes)})", style="bold underline")
            for note in notes[-6:]:
                text.append(f"\n{self._when(note.at)} {self._person(note.author)}: ",
                            style="bold")
                text.append(note.body)
        return text

    @work(thread=True, exclusive=True, group="issue-preview", exit_on_error=False)
    def _load_notes(self, issue_id: str) -> None:
        store = self.store
        if store is None:
            return
        notes = store.issue_notes(issue_id)
        self.app.call_from_thread(self._notes_loaded, issue_id, notes)

    def _notes_loaded(self, issue_id: str, notes: list[IssueNoteRow]) -> None:
        self._notes[issue_id] = notes
        if self._selected_key() == issue_id:
            self._render_preview()

    def action_open_detail(self) -> None:
        issue = self.target_issue()
        if issue is None:
            self.notify("No issue selected.", severity="warning")
            return
        self.app.push_screen(IssueDetailScreen(issue.id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        triage = {"take", "hold", "resolve", "assign", "close", "bump", "pick_priority",
                  "cancel_issue", "open_detail"}
        if action in triage and self._queue_data is not None and self.target_issue() is None:
            return None
        return True

    # -- new issue ------------------------------------------------------------------------

    def action_new_issue(self) -> None:
        context = self._ctx
        sites = [
            (site_id, f"{code} · {name}") for site_id, (code, name) in
            sorted((context.sites if context else {}).items(), key=lambda item: item[1][0])
        ]

        def got(draft: IssueDraft | None) -> None:
            if draft is None:
                return

            def change(store: LocalStore) -> Any:
                return store.open_issue(
                    draft.title, priority=draft.priority, category=draft.category,
                    description=draft.description, site_id=draft.site_id,
                )

            def done(record: Any) -> None:
                self.focus_record(str(record["id"]))

            self._change(change, f"Opened {draft.priority.value}: {draft.title}", done)

        self.app.push_screen(NewIssueForm(sites), got)

    # -- focus ----------------------------------------------------------------------------

    def focus_record(self, record_id: str) -> None:
        """Select an issue in the queue, widening the filters if they hide it."""
        self._pending_focus = record_id
        if self._queue_data is not None:
            self._apply_pending_focus()

    def _apply_pending_focus(self) -> None:
        record_id = self._pending_focus
        if record_id is None or self._queue_data is None or record_id not in self._issues:
            return
        table = self._table
        if record_id not in table.rows:
            self._queue_filters = Filters(open=False)
            self._render_table()
        if record_id in table.rows:
            self._pending_focus = None
            table.move_cursor(row=table.get_row_index(record_id))
            table.focus()


@dataclass(frozen=True)
class IssueDetailData:
    issue: IssueRow | None
    notes: list[IssueNoteRow]
    context: IssueContext


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
        issue_id = issue.id

        def done(_record: Any) -> None:
            event.input.value = ""
            self.query_one("#issue-thread", VerticalScroll).scroll_end(animate=False)

        self._change(lambda store: store.add_issue_note(issue_id, body),
                     f"Note added to {issue.ref}.", done)

    def action_focus_note(self) -> None:
        self.query_one("#issue-note", Input).focus()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#issue-thread").focus()
            return
        self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "focus_note" and isinstance(self.focused, Input))
