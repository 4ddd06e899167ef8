"""Changes the server refused or could not merge: each shown, to re-apply or drop."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from golive_tui.domain.time_text import local_time
from golive_tui.store.intents import DropProblem, ReapplyProblem
from golive_tui.tui.widgets.fast_table import FastTable

if TYPE_CHECKING:
    from golive_tui.tui.app import GoLiveApp


def describe_change(problem: Any) -> str:
    fields = dict(problem.fields or {})
    target = fields.pop("to", None)
    what = problem.entity.replace("_", " ")
    if problem.action == "transition" and target:
        return f"{what} → {target}"
    if fields:
        shown = ", ".join(f"{k}={v}" for k, v in list(fields.items())[:3])
        return f"{problem.action} {what}: {shown}"
    return f"{problem.action} {what}"


class ProblemsScreen(ModalScreen[None]):
    """Every conflict and refusal, newest first. Nothing is dropped without the user."""

    DEFAULT_CSS = """
    ProblemsScreen { align: center middle; }
    ProblemsScreen > Vertical {
        width: 96%; height: 90%; border: round $error; background: $surface; padding: 0 1;
    }
    ProblemsScreen DataTable { height: 1fr; }
    ProblemsScreen #problem-detail { height: auto; max-height: 6; color: $text-muted; }
    ProblemsScreen #problems-help { height: auto; }
    """
    #: the when and outcome columns' widths; change and why share what is left
    WHEN_WIDTH, OUTCOME_WIDTH = 9, 8
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reapply", "Re-apply", id="problems.reapply"),
        Binding("d", "drop", "Drop", id="problems.drop"),
        Binding("escape,q", "dismiss", "Close", id="problems.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._zone = ZoneInfo("America/New_York")
        self._names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Conflicts and refusals"
            # wrapped at the box's width: at 80 columns it takes two lines, whole
            yield Static("The server refused these changes or kept someone else's value. "
                         "r re-applies yours on top of the current state; d drops it.",
                         id="problems-help")
            yield FastTable(id="problems", cursor_type="row", zebra_stripes=True)
            yield Static(id="problem-detail")

    @property
    def golive(self) -> GoLiveApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self._fitted = 0
        self.reload()

    def _fit_columns(self, table: DataTable[Any]) -> tuple[int, int]:
        """Widths of the change and the why, sharing what the table's width leaves: each
        longer text ends in "…", and the line under the table says it whole."""
        pad = 2 * table.cell_padding
        room = (table.scrollable_content_region.width or table.size.width or 76) - 1
        left = max(30, room - self.WHEN_WIDTH - self.OUTCOME_WIDTH - 4 * pad)
        change = left * 2 // 5
        if room != self._fitted:
            self._fitted = room
            table.clear(columns=True)
            table.add_column("When", width=self.WHEN_WIDTH)
            table.add_column("Outcome", width=self.OUTCOME_WIDTH)
            table.add_column("Change", width=change)
            table.add_column("Why", width=left - change)
        return change, left - change

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        store = self.golive.store
        if store is not None:
            project = store.project()
            zone = project.time_zone if project is not None else "America/New_York"
            names = {m.user: m.display_name or m.user for m in store.members()}
            self.app.call_from_thread(self._show, store.problems(), zone, names)

    def _when(self, at: datetime) -> str:
        """In the project's time zone, as every screen shows times."""
        return local_time(at, self._zone, self.golive.now())

    def _kept(self, problem: Any) -> str:
        """Whose change a conflict kept, and when: ``Dana Whitfield's of 10:02``."""
        details = problem.details or {}
        who = details.get("kept_by")
        if problem.outcome != "conflict" or not who:
            return ""
        text = f"{self._names.get(who, who)}'s"
        kept_at = details.get("kept_at")
        if kept_at:
            with contextlib.suppress(ValueError):  # a time the cache could not read
                text += f" of {self._when(datetime.fromisoformat(str(kept_at)))}"
        return text

    def _show(self, problems: list[Any], zone: str, names: dict[str, str]) -> None:
        try:
            self._zone = ZoneInfo(zone)
        except (KeyError, ValueError):
            self._zone = ZoneInfo("America/New_York")
        self._names = names
        table = self.query_one(DataTable)
        table.clear()
        self._fit_columns(table)
        self.problems = {p.op_id: p for p in problems}
        for problem in problems:
            style = "bold yellow" if problem.outcome == "conflict" else "bold red"
            why = problem.message or problem.code
            kept = self._kept(problem)
            if kept:
                why = f"{why} (kept {kept})"
            table.add_row(self._when(problem.at), Text(problem.outcome, style=style),
                          Text(describe_change(problem), no_wrap=True, overflow="ellipsis"),
                          Text(why, no_wrap=True, overflow="ellipsis"), key=problem.op_id)
        detail = self.query_one("#problem-detail", Static)
        detail.update("Nothing to review: every change was accepted." if not problems else "")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        problem = self.problems.get(str(event.row_key.value)) if event.row_key else None
        if problem is None:
            return
        conflicts = (problem.details or {}).get("conflicts") or {}
        lines = [f"{describe_change(problem)}: {problem.message or problem.code}"]
        if problem.made_at is not None:
            lines.append(f"Made at {self._when(problem.made_at)}, "
                         f"answered at {self._when(problem.at)} ({self._zone.key}).")
        kept = self._kept(problem)
        for name, theirs in conflicts.items():
            mine = (problem.fields or {}).get(name)
            lines.append(f"{name}: yours {mine!r}, kept {theirs!r}"
                         + (f", {kept} change" if kept else ""))
        self.query_one("#problem-detail", Static).update("\n".join(lines))

    def _reload_after(self, _result: Any) -> None:
        self.reload()
        # the status line's count of problems is the engine's, counted again only when told
        self.golive.problems_changed()

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        op_id: str = list(self.problems)[table.cursor_row]
        return op_id

    def action_reapply(self) -> None:
        op_id = self._selected()
        if op_id is None:
            return
        self.golive.run_command(ReapplyProblem(op_id), done=self._reload_after,
                                success="Re-applied: it is queued for the server again")

    def action_drop(self) -> None:
        op_id = self._selected()
        if op_id is None:
            return
        self.golive.run_command(DropProblem(op_id), done=self._reload_after, success="Dropped")
