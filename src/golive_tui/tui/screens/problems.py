"""Changes the server refused or could not merge: each shown, to re-apply or drop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from golive_tui.tui.widgets.fast_table import FastTable

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
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
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reapply", "Re-apply", id="problems.reapply"),
        Binding("d", "drop", "Drop", id="problems.drop"),
        Binding("escape,q", "dismiss", "Close", id="problems.close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Conflicts and refusals"
            yield Label("The server refused these changes or kept someone else's value. "
                        "r re-applies yours on top of the current state; d drops it.")
            yield FastTable(id="problems", cursor_type="row", zebra_stripes=True)
            yield Static(id="problem-detail")

    @property
    def golive(self) -> GoLiveApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("When", "Outcome", "Change", "Why")
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        store = self.golive.store
        if store is not None:
            self.app.call_from_thread(self._show, store.problems())

    def _show(self, problems: list[Any]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.problems = {p.op_id: p for p in problems}
        for problem in problems:
            style = "bold yellow" if problem.outcome == "conflict" else "bold red"
            when = problem.at.astimezone().strftime("%H:%M:%S")
            table.add_row(when, Text(problem.outcome, style=style), describe_change(problem),
                          problem.message or problem.code, key=problem.op_id)
        detail = self.query_one("#problem-detail", Static)
        detail.update("Nothing to review: every change was accepted." if not problems else "")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        problem = self.problems.get(str(event.row_key.value)) if event.row_key else None
        if problem is None:
            return
        conflicts = (problem.details or {}).get("conflicts") or {}
        lines = [problem.message or problem.code]
        if problem.made_at is not None:
            lines.append(f"Made at {problem.made_at.astimezone():%H:%M:%S}, "
                         f"answered at {problem.at.astimezone():%H:%M:%S}.")
        for name, theirs in conflicts.items():
            mine = (problem.fields or {}).get(name)
            lines.append(f"{name}: yours {mine!r}, kept {theirs!r}")
        self.query_one("#problem-detail", Static).update("\n".join(lines))

    def _reload_after(self, _result: Any) -> None:
        self.reload()

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

        def change(store: LocalStore) -> Any:
            return store.reapply_problem(op_id)

        self.golive.run_change(change, done=self._reload_after,
                               success="Re-applied: it is queued for the server again")

    def action_drop(self) -> None:
        op_id = self._selected()
        if op_id is None:
            return
        self.golive.run_change(lambda store: store.drop_problem(op_id),
                               done=self._reload_after, success="Dropped")
