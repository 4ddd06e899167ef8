"""Import a list of sites or port orders: preview every line, then accept.

As for numbers, nothing is written until the user accepts; the valid rows are then
written all together or not at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from golive_tui.store.intents import WriteImport
from golive_tui.tui.screens.number_import import ImportDialog
from golive_tui.tui.widgets.fast_table import FastTable

if TYPE_CHECKING:
    from golive_tui.domain.number_import import ParsedTable
    from golive_tui.domain.record_import import RecordPreview
    from golive_tui.store.local import LocalStore

RecordKind = Literal["sites", "orders"]
_TITLES = {"sites": "sites", "orders": "port orders"}


class RecordImportScreen(ImportDialog):
    """Preview and accept a sites or port orders file. Dismisses with the preview or None."""

    DEFAULT_CSS = """
    RecordImportScreen { align: center middle; }
    RecordImportScreen > Vertical {
        width: 96%; height: 94%; border: round $primary; background: $surface;
        padding: 0 1;
    }
    RecordImportScreen #import-summary { height: auto; }
    RecordImportScreen #import-preview { height: 1fr; }
    RecordImportScreen #import-detail { height: auto; max-height: 3; color: $text-muted; }
    RecordImportScreen .hint { color: $text-muted; height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "accept", "Import valid rows", id="import.accept", priority=True),
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
    ]

    def __init__(self, store: LocalStore, path: Path, kind: RecordKind) -> None:
        super().__init__(store, path)
        self.kind = kind
        self.preview: RecordPreview | None = None
        self.details: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Import {_TITLES[self.kind]}: {self.path.name}"
            yield Static("Reading the file…", id="import-summary")
            yield FastTable(id="import-preview", cursor_type="row", zebra_stripes=True)
            yield Static("", id="import-detail")
            yield Label("Ctrl+S import the valid rows · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#import-preview", DataTable).add_columns("Line", "Outcome", "Value",
                                                                 "Detail")
        self._read()

    def _plan(self, table: ParsedTable) -> tuple[RecordPreview, tuple[str, ...]]:
        from golive_tui.store.imports import preview_records

        return preview_records(self.store, self.kind, table, datetime.now(UTC)), table.warnings

    def _show(self, planned: tuple[RecordPreview, tuple[str, ...]]) -> None:
        preview, warnings = planned
        self.preview = preview
        text = Text(preview.summary(), style="bold")
        for warning in warnings:
            text.append(f"\nWarning: {warning}", style="yellow")
        if preview.valid_count:
            text.append(f"\nCtrl+S imports {preview.summary().split(';')[0].removesuffix(' ready')}.",
                        style="green")
        self.query_one("#import-summary", Static).update(text)
        lines: list[tuple[int, Text, str, str]] = []
        lines += [(line, Text("error", style="bold red"), raw, reason)
                  for line, raw, reason in preview.errors]
        lines += [(line, Text("duplicate", style="yellow"), key, f"same as line {first}")
                  for line, key, first in preview.duplicates]
        lines += [(line, Text("present", style="dim"), key, "already in the project")
                  for line, key in preview.already_present]
        lines += [(row.line, Text("ok", style="green"), row.key,
                   str(row.fields.get("name") or row.fields.get("carrier") or ""))
                  for row in preview.rows]
        grid = self.query_one("#import-preview", DataTable)
        self.details = {}
        for line, outcome, key, detail in sorted(lines, key=lambda item: item[0]):
            self.details[str(line)] = f"Line {line}: {detail}"
            grid.add_row(str(line), outcome, key, detail, key=str(line))

    @on(DataTable.RowHighlighted)
    def _detail(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted line's whole reason: at 80 columns the table cuts it."""
        detail = self.details.get(str(event.row_key.value), "")
        self.query_one("#import-detail", Static).update(detail)

    def action_accept(self) -> None:
        preview = self.preview
        if preview is None or not preview.valid_count:
            self.notify(f"Nothing to import: no valid {_TITLES[self.kind]} in this file.",
                        severity="warning")
            return
        self.dismiss(preview)

    def action_cancel(self) -> None:
        self.dismiss(None)


def start_record_import(screen: Any, kind: RecordKind) -> None:
    """Ask for the file, preview it, and write the accepted rows (from the palette)."""
    from golive_tui.domain.enums import EntityKind
    from golive_tui.tui.screens.porting.screen import _import_path_problem
    from golive_tui.tui.widgets.reason_dialog import ReasonDialog

    app = screen.app
    store = app.store
    if store is None:
        return
    entity = EntityKind.SITE if kind == "sites" else EntityKind.PORT_ORDER

    def accepted(preview: RecordPreview | None) -> None:
        if preview is None:
            return
        def done(outcome: Any) -> None:
            app.notify(f"Imported {len(outcome.applied):,} {_TITLES[kind]}.", title="Import",
                       timeout=8)

        app.run_command(WriteImport(preview, entity), done=done)

    def chosen(raw: str | None) -> None:
        if raw:
            app.push_screen(RecordImportScreen(store, Path(raw).expanduser(), kind), accepted)

    app.push_screen(
        ReasonDialog(f"Import {_TITLES[kind]}", "CSV file with a header row:",
                     placeholder=f"~/Downloads/{kind}.csv", required="Give a file path.",
                     confirm="import", check=_import_path_problem),
        chosen,
    )
