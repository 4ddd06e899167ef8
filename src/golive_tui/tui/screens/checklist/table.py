"""The checklist's table: items by phase, filtered, with their status, owner and due date;
the filter bar above it and the detail of the item under the cursor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from golive_tui.domain.enums import ChecklistStatus, GateRule, LifecyclePhase
from golive_tui.domain.time_text import local_time, span
from golive_tui.domain.transitions import CHECKLIST
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.screens.checklist.data import (
    DERIVED_MARK,
    FILTERS,
    GATE_MARK,
    PHASE_ROW,
    STATUS_GLYPHS,
    WAIT_MARK,
    ChecklistData,
    Column,
    ItemView,
    keeps,
)
from golive_tui.tui.widgets.fast_table import FastTable


class ChecklistTable(FastTable):
    """The items, one row each, under a heading row per lifecycle phase."""

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        # Textual moves the scrollbar's thumb only while the bar is shown: a scroll made
        # before it appears (the jump to the first open item) would leave the thumb behind
        if shown:
            self.vertical_scrollbar.position = self.scroll_y


class ChecklistTableView(GoLiveScreen):
    """The table of items, one phase after another, and where its cursor is."""

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
            if item.evidence:  # the gate works it out: shown, never ticked
                return Text(f"{DERIVED_MARK} derived", style=self._colour("accent"))
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
        if item.evidence:
            rule = (GateRule(item.evidence).label
                    if item.evidence in {r.value for r in GateRule} else item.evidence)
            parts.append((f"{DERIVED_MARK} derived from the records: {rule}. The gate works it "
                          "out for each wave (see the dashboard); nobody ticks it.",
                          "$accent"))
            detail.update(Content.assemble(*parts))
            return
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
