"""The checklist: every item of the implementation, by phase, with its owner, due time and
what it waits on; tick items off in one keystroke."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Static

from golive_tui.domain.enums import (
    ChecklistStatus,
    ChecklistStream,
    EntityKind,
    LifecyclePhase,
    Role,
)
from golive_tui.domain.time_text import local_time, span
from golive_tui.domain.transitions import CHECKLIST
from golive_tui.resources import styles_dir
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.widgets.fast_table import FastTable
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore

FINISHED = frozenset({ChecklistStatus.DONE, ChecklistStatus.SKIPPED})
OPEN = frozenset({ChecklistStatus.TODO, ChecklistStatus.IN_PROGRESS, ChecklistStatus.BLOCKED})

GATE_MARK = "◆"
WAIT_MARK = "◷"

#: the quick filters: key, name on the bar, what it keeps
FILTERS: tuple[tuple[str, str, str], ...] = (
    ("m", "mine", "assigned to you"),
    ("o", "overdue", "past due and not finished"),
    ("g", "gate", "go / no-go gate items"),
    ("w", "waiting", "blocked, or waiting on an unfinished predecessor"),
)
FILTER_NAMES = tuple(name for _key, name, _about in FILTERS)

STATUS_GLYPHS: dict[ChecklistStatus, str] = {
    ChecklistStatus.TODO: "○",
    ChecklistStatus.IN_PROGRESS: "◐",
    ChecklistStatus.BLOCKED: "✗",
    ChecklistStatus.DONE: "✓",
    ChecklistStatus.SKIPPED: "–",
}

SKIP_NEEDS_COMMENT = (
    "Skipping a checklist item needs a comment saying why. Type one, or press Esc to "
    "leave the item as it is."
)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class ItemView:
    """One checklist item as the screen shows it."""

    id: str
    key: str
    title: str
    phase: LifecyclePhase
    stream: ChecklistStream
    owner_role: Role
    assignee: str
    assignee_name: str
    due_at: datetime | None
    status: ChecklistStatus
    gate: bool
    #: keys of every predecessor, and of those not done or skipped yet
    predecessors: tuple[str, ...]
    waits_on: tuple[str, ...]
    skip_comment: str
    done_at: datetime | None
    done_by: str
    pending: bool

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def waiting(self) -> bool:
        return not self.finished and bool(self.waits_on)

    def overdue(self, now: datetime) -> bool:
        return not self.finished and self.due_at is not None and self.due_at < now


@dataclass(frozen=True, slots=True)
class ChecklistData:
    zone: str
    actor: str
    items: tuple[ItemView, ...]


def load_checklist(store: LocalStore) -> ChecklistData:
    """The items in reading order: by phase, then stream, then the plan's own order."""
    project = store.project()
    names = {m.user: m.display_name or m.user for m in store.members()}
    rows = store.checklist()
    by_id = {row.id: row for row in rows}
    phases = list(LifecyclePhase)
    streams = list(ChecklistStream)
    rows.sort(key=lambda r: (phases.index(r.phase), streams.index(r.stream), r.sort_order,
                             r.key))
    items = []
    for row in rows:
        preds = [by_id[p] for p in row.predecessors if p in by_id]
        items.append(ItemView(
            id=row.id, key=row.key, title=row.title, phase=row.phase, stream=row.stream,
            owner_role=row.owner_role, assignee=row.assignee,
            assignee_name=names.get(row.assignee, row.assignee),
            due_at=row.due_at, status=row.status, gate=row.gate,
            predecessors=tuple(p.key for p in preds),
            waits_on=tuple(p.key for p in preds if p.status not in FINISHED),
            skip_comment=row.skip_comment, done_at=row.done_at,
            done_by=names.get(row.done_by, row.done_by), pending=bool(row.pending),
        ))
    return ChecklistData(
        zone=project.time_zone if project is not None else "America/New_York",
        actor=store.actor,
        items=tuple(items),
    )


def keeps(item: ItemView, filters: frozenset[str], *, actor: str, now: datetime) -> bool:
    """Whether an item passes every active quick filter (they combine with AND)."""
    if "mine" in filters and item.assignee != actor:
        return False
    if "overdue" in filters and not item.overdue(now):
        return False
    if "gate" in filters and not item.gate:
        return False
    return not (
        "waiting" in filters
        and not (item.status is ChecklistStatus.BLOCKED or item.waiting)
    )


# --------------------------------------------------------------------------- table


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int


PHASE_ROW = "phase:"


class ChecklistTable(FastTable):
    """The items, one row each, under a heading row per lifecycle phase."""

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        # Textual moves the scrollbar's thumb only while the bar is shown: a scroll made
        # before it appears (the jump to the first open item) would leave the thumb behind
        if shown:
            self.vertical_scrollbar.position = self.scroll_y


class ChecklistScreen(GoLiveScreen):
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
        Binding("b", "block", "Block", id="checklist.block", show=False),
        Binding("s", "skip", "Skip", id="checklist.skip"),
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

    def __init__(self) -> None:
        super().__init__()
        self.data: ChecklistData | None = None
        self.filters: frozenset[str] = frozenset()
        self._columns: tuple[Column, ...] = ()
        self._cells: dict[str, tuple[Any, ...]] = {}
        self._row_keys: list[str] = []
        self._focus_id: str | None = None
        self._last_row = 0
        #: the item the cursor was last centred on by a jump (None once the user moves)
        self._centred_key: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="checklist-filters")
        table = ChecklistTable(id="checklist-table", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static(id="checklist-detail")

    def on_mount(self) -> None:
        self._show_filters()
        self.set_interval(self.RELOAD_EVERY, self._periodic_reload)

    def _periodic_reload(self) -> None:
        if self.store is not None and self.is_current:
            self.reload()

    # -- loading and showing --------------------------------------------------------------

    def load(self, store: LocalStore) -> ChecklistData:
        return load_checklist(store)

    def show(self, data: Any) -> None:
        if not isinstance(data, ChecklistData):
            return
        self.data = data
        self._render_table()
        self._apply_focus()

    def on_resize(self) -> None:
        if self.data is not None and self._layout() != self._columns:
            self._render_table()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.data.zone if self.data else "America/New_York")

    def visible_items(self) -> list[ItemView]:
        if self.data is None:
            return []
        now = self.golive.now()
        return [i for i in self.data.items
                if keeps(i, self.filters, actor=self.data.actor, now=now)]

    def item(self, item_id: str) -> ItemView | None:
        if self.data is None:
            return None
        return next((i for i in self.data.items if i.id == item_id), None)

    def current_item(self) -> ItemView | None:
        table = self.query_one(ChecklistTable)
        if not self._row_keys or not 0 <= table.cursor_row < len(self._row_keys):
            return None
        return self.item(self._row_keys[table.cursor_row])

    def _layout(self) -> tuple[Column, ...]:
        """Columns for the width the screen has: fewer and tighter below 120 columns."""
        width = self.app.size.width
        key_width = max([7, *(len(i.key) for i in self.data.items)] if self.data else [7])
        key_width = min(key_width, 12)
        if width >= 120:
            fixed = [Column("gate", "", 1), Column("key", "Key", key_width),
                     Column("title", "Item", 0), Column("stream", "Stream", 8),
                     Column("role", "Role", 8), Column("owner", "Assignee", 15),
                     Column("due", "Due", 16), Column("status", "Status", 13),
                     Column("waits", "Depends on", 18)]
        else:
            fixed = [Column("gate", "", 1), Column("key", "Key", key_width),
                     Column("title", "Item", 0), Column("owner", "Owner", 8),
                     Column("due", "Due", 9), Column("status", "Status", 13)]
        # each column has one cell of padding each side; keep room for the scrollbar
        used = sum(c.width for c in fixed) + 2 * len(fixed) + 2
        title = max(width - used, 16)
        return tuple(Column(c.key, c.label, title) if c.key == "title" else c for c in fixed)

    def _render_table(self) -> None:
        table = self.query_one(ChecklistTable)
        layout = self._layout()
        rows = self._rows(layout)
        keys = [key for key, _cells in rows]
        current = self._row_keys[table.cursor_row] if self._row_keys and \
            0 <= table.cursor_row < len(self._row_keys) else None
        with self.app.batch_update():
            if layout != self._columns or keys != self._row_keys:
                # a different set or order of rows: rebuild, keeping the cursor on its item
                table.clear(columns=layout != self._columns)
                if layout != self._columns:
                    for column in layout:
                        table.add_column(column.label, width=column.width, key=column.key)
                    self._columns = layout
                for key, cells in rows:
                    table.add_row(*cells, key=key)
                self._row_keys = keys
                self._cells = dict(rows)
                if current in keys:
                    # a rebuild (a new width, say) scrolls back to the top: a cursor that
                    # was centred on its item is centred again
                    self._move_to(keys.index(current), centre=current == self._centred_key)
                else:
                    self._move_to(self._first_open_row(), centre=True)
            else:
                # the same rows: change only the cells that changed
                for key, cells in rows:
                    old = self._cells.get(key)
                    if old == cells:
                        continue
                    for column, cell, before in zip(layout, cells, old or (), strict=False):
                        if cell != before:
                            table.update_cell(key, column.key, cell)
                    self._cells[key] = cells
        self._show_filters()
        self._show_detail()

    def _rows(self, layout: Sequence[Column]) -> list[tuple[str, tuple[Any, ...]]]:
        if self.data is None:
            return []
        items = self.visible_items()
        now = self.golive.now()
        wide = any(c.key == "waits" for c in layout)
        rows: list[tuple[str, tuple[Any, ...]]] = []
        phase: LifecyclePhase | None = None
        all_items = self.data.items
        for item in items:
            if item.phase is not phase:
                phase = item.phase
                in_phase = [i for i in all_items if i.phase is phase]
                done = sum(i.finished for i in in_phase)
                heading = Text(no_wrap=True, overflow="ellipsis")
                heading.append(f"{phase.number} {phase.label}", style=f"bold {self._colour('primary')}")
                heading.append(f"  {done}/{len(in_phase)} done", style="dim")
                cells = tuple(heading if c.key == "title" else
                              Text("──", style="dim") if c.key == "key" else ""
                              for c in layout)
                rows.append((f"{PHASE_ROW}{phase.value}", cells))
            rows.append((item.id, tuple(self._cell(item, c, now, wide) for c in layout)))
        return rows

    def _colour(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")

    def _cell(self, item: ItemView, column: Column, now: datetime, wide: bool) -> Any:
        key = column.key
        if key == "gate":
            return Text(GATE_MARK, style=self._colour("accent")) if item.gate else ""
        if key == "key":
            return Text(item.key, style="bold" if not item.finished else "dim")
        if key == "title":
            style = "dim" if item.finished else ""
            text = Text(item.title, style=style, no_wrap=True, overflow="ellipsis")
            if item.pending:
                text.append(" ⟳", style="dim")
            return text
        if key == "stream":
            return Text(item.stream.value, style="dim")
        if key == "role":
            return Text(item.owner_role.value, style="dim")
        if key == "owner":
            name = item.assignee_name or item.owner_role.value
            if not wide:
                name = name.split(" ")[0]
            mine = self.data is not None and item.assignee == self.data.actor
            return Text(name, no_wrap=True, overflow="ellipsis",
                        style=f"bold {self._colour('primary')}" if mine else "")
        if key == "due":
            if item.due_at is None:
                return Text("—", style="dim")
            due = self._due_text(item.due_at, now, long=wide)
            if item.overdue(now):
                return Text(due, style=f"bold {self._colour('error')}")
            return Text(due, style="dim" if item.finished else "")
        if key == "status":
            if item.waiting and not wide:
                return Text(f"{WAIT_MARK} waits {item.waits_on[0]}"
                            + (f"+{len(item.waits_on) - 1}" if len(item.waits_on) > 1 else ""),
                            style=self._colour("warning"), no_wrap=True, overflow="ellipsis")
            return self._status_text(item.status)
        if key == "waits":
            if item.waiting:
                return Text(f"{WAIT_MARK} waits on {', '.join(item.waits_on)}",
                            style=self._colour("warning"), no_wrap=True, overflow="ellipsis")
            if item.predecessors:
                return Text(f"after {', '.join(item.predecessors)}", style="dim",
                            no_wrap=True, overflow="ellipsis")
            return ""
        return ""

    def _status_text(self, status: ChecklistStatus) -> Text:
        style = {
            ChecklistStatus.DONE: self._colour("success"),
            ChecklistStatus.SKIPPED: "dim",
            ChecklistStatus.IN_PROGRESS: f"bold {self._colour('primary')}",
            ChecklistStatus.BLOCKED: f"bold {self._colour('error')}",
            ChecklistStatus.TODO: "",
        }[status]
        return Text(f"{STATUS_GLYPHS[status]} {status.value.replace('_', ' ')}", style=style)

    def _due_text(self, due: datetime, now: datetime, *, long: bool) -> str:
        zone = self.zone
        here = due.astimezone(zone)
        if long:
            return here.strftime("%a %d %b %H:%M")
        return local_time(due, zone, now, compact=True)

    # -- cursor ---------------------------------------------------------------------------

    def _first_item_row(self, start: int, step: int) -> int:
        index = start
        while 0 <= index < len(self._row_keys):
            if not self._row_keys[index].startswith(PHASE_ROW):
                return index
            index += step
        return max(0, min(start, len(self._row_keys) - 1))

    def _first_open_row(self) -> int:
        """Where work is now: the first unfinished item shown, else the first item."""
        for index, key in enumerate(self._row_keys):
            item = None if key.startswith(PHASE_ROW) else self.item(key)
            if item is not None and not item.finished:
                return index
        return self._first_item_row(0, 1)

    def _move_to(self, row: int, *, centre: bool = False) -> None:
        table = self.query_one(ChecklistTable)
        self._last_row = row
        self._centred_key = self._row_keys[row] if centre and row < len(self._row_keys) else None
        # a centred move scrolls itself: the table's own scroll to the cursor, run later
        # against an older layout, could undo it
        table.move_cursor(row=row, scroll=not centre)
        if centre:
            # a jump lands with some context above it, not on the bottom line
            def scroll(attempts: int = 10) -> None:
                target = max(0, row - table.size.height // 3)
                if table.max_scroll_y < target and attempts > 0:
                    # the table's new rows are not laid out yet: a scroll now would stop
                    # short; try again after the next refresh
                    table.call_after_refresh(scroll, attempts - 1)
                    return
                # forced: Textual ignores a scroll until the layout has also decided that
                # the table shows a scrollbar, which may come a refresh or more later
                table.scroll_to(y=target, animate=False, force=True)

            table.call_after_refresh(scroll)

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

    # -- the filter bar and the detail panel ----------------------------------------------

    def _show_filters(self) -> None:
        parts: list[Content] = []
        for key, name, _about in FILTERS:
            on_ = name in self.filters
            box = "■" if on_ else "□"
            style = "bold $accent" if on_ else "$text-muted"
            parts.append(Content.from_markup(
                f"[@click=screen.toggle_filter('{name}')][{style}]{box} [b]{key}[/b] "
                f"{name}[/][/]"
            ))
        bar = Content(" ").join([Content.styled("Filter", "bold"), *parts])
        if self.data is not None:
            shown = len(self.visible_items())
            total = len(self.data.items)
            tail = f"  {shown} of {total}" if self.filters else f"  {total} items"
            bar = Content.assemble(bar, (tail, "$text-muted"))
            if self.filters:
                bar = Content.assemble(bar, ("  esc clears", "$text-muted"))
        self.query_one("#checklist-filters", Static).update(bar)

    def _show_detail(self) -> None:
        detail = self.query_one("#checklist-detail", Static)
        item = self.current_item()
        if item is None:
            if self.data is not None and not self.visible_items():
                detail.update(Content.styled(
                    "No item matches these filters. Press esc to clear them.", "$text-muted"))
            else:
                detail.update("")
            return
        now = self.golive.now()
        zone = self.zone
        parts: list[str | Content | tuple[str, str]] = []
        if item.gate:
            parts.append((f"{GATE_MARK} gate ", "bold $accent"))
        parts += [(item.key, "bold"), f" {item.title}", "\n"]
        owner = item.assignee_name or "unassigned"
        parts += [(f"{item.phase.label} · {item.stream.value} · {item.owner_role.value} "
                   f"{owner}", "$text-muted")]
        if item.due_at is not None:
            due = item.due_at.astimezone(zone).strftime("%a %d %b %H:%M %Z")
            parts.append((f" · due {due}", "$text-muted"))
            if item.overdue(now):
                late = span((now - item.due_at).total_seconds())
                parts.append((f" · overdue by {late}", "bold $error"))
        parts.append("\n")
        if item.waiting:
            parts.append((f"{WAIT_MARK} waits on {', '.join(item.waits_on)}", "bold $warning"))
            parts.append(" · ")
        if item.status is ChecklistStatus.DONE:
            when = item.done_at.astimezone(zone).strftime("%a %d %b %H:%M") \
                if item.done_at else "?"
            parts.append((f"done by {item.done_by or '?'} at {when}", "$success"))
        elif item.status is ChecklistStatus.SKIPPED:
            parts.append((f"skipped: {item.skip_comment}", "italic"))
        else:
            nxt = sorted(s.value.replace("_", " ") for s in CHECKLIST.allowed(item.status))
            parts.append((f"{item.status.value.replace('_', ' ')} → can go to "
                          f"{', '.join(nxt)}", "$text-muted"))
        detail.update(Content.assemble(*parts))

    # -- actions --------------------------------------------------------------------------

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
        item_id = item.id
        self.golive.run_change(
            lambda store: store.set_checklist_status(item_id, to, comment),
            kinds=frozenset({EntityKind.CHECKLIST_ITEM}),
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
                    required_message=SKIP_NEEDS_COMMENT,
                    confirm="skip it",
                ),
                skipped,
            )

        self._with_item(ask)

