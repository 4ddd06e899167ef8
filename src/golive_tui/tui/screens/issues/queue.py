"""The hypercare queue: issues by SLA urgency, triaged from the keyboard.

The queue is sorted by :func:`sla_urgency` (breached first, then the clock due soonest,
then paused, then stopped). The respond / resolve clocks tick every 30 s from the rows
already loaded; the cache is read again only when something changed.

Keys (also in help, ``?``, and the command palette, ``ctrl+p``): ``enter`` details and
notes, ``n`` new issue, ``t`` take it (in progress, assigned to me), ``h`` hold (reason
required), ``r`` resolve (resolution required), ``c`` close, ``a`` assign, ``+`` / ``-``
raise / lower the priority, ``P`` pick a priority, ``x`` cancel (reason required).
Filters toggle with ``o`` open / all, ``m`` mine, ``u`` unassigned, ``b`` breached,
``p`` P1/P2 only; the filter bar shows which are on (and can be clicked)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.events import Resize
from textual.timer import Timer
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist

from golive_tui.domain.enums import OPEN_ISSUE_STATES, EntityKind, IssueState, Priority
from golive_tui.domain.sla import SlaClock, issue_clocks, sla_urgency
from golive_tui.resources import styles_dir
from golive_tui.store.intents import OpenIssue
from golive_tui.tui.screens.issues.data import (
    CLOCK_REFRESH_SECONDS,
    FILTERS,
    Filters,
    IssueQueueData,
    hold_reason_label,
    is_breached,
    load_context,
)
from golive_tui.tui.screens.issues.detail import IssueDetailScreen
from golive_tui.tui.screens.issues.triage import TRIAGE_BINDINGS, IssueTriageScreen
from golive_tui.tui.screens.verification.plan import TALL, WIDE, size_classes
from golive_tui.tui.widgets.fast_table import FastTable, RankedText
from golive_tui.tui.widgets.forms import IssueDraft, NewIssueForm, category_label

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.store.tables import IssueNoteRow, IssueRow


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
        # a clock's longest common text whole: "BREACHED 10d 12h", "paused 1d 22h left"
        widths = {"ref": 8, "priority": 2, "state": 11, "respond": 16, "resolve": 18,
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
        for name, key, label in FILTERS:
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

            def done(record: Any) -> None:
                self.focus_record(str(record["id"]))

            self.golive.run_command(
                OpenIssue(draft.title, priority=draft.priority, category=draft.category,
                          description=draft.description, site_id=draft.site_id),
                success=f"Opened {draft.priority.value}: {draft.title}", done=done)

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
