"""Import a carrier's or customer's number list: map columns, preview, then accept.

Nothing is imported until the user accepts the valid rows; every other line is shown
with its line number and the reason it was left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Select, Static

from golive_tui.tui.widgets.fast_table import FastTable

if TYPE_CHECKING:
    from golive_tui.domain.number_import import ColumnMapping, ImportPreview, ParsedTable
    from golive_tui.store.local import LocalStore

MAPPED_FIELDS = ("number", "site", "order", "assigned_to", "number_type")
PREVIEW_LINES = 300


class NumberImportScreen(ModalScreen[Any]):
    """Map, preview and accept a number list. Dismisses with the import outcome or None."""

    DEFAULT_CSS = """
    NumberImportScreen { align: center middle; }
    NumberImportScreen > Vertical {
        width: 96%; height: 94%; border: round $primary; background: $surface;
        padding: 0 1;
    }
    NumberImportScreen #import-mapping { height: 1; }
    NumberImportScreen #import-mapping Select { width: 1fr; }
    NumberImportScreen #import-summary { height: auto; margin: 0 0 0 0; }
    NumberImportScreen #import-preview { height: 1fr; }
    NumberImportScreen .hint { color: $text-muted; height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "accept", "Import valid rows", id="import.accept", priority=True),
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
    ]

    def __init__(self, store: LocalStore, path: Path) -> None:
        super().__init__()
        self.store = store
        self.path = path
        self.table: ParsedTable | None = None
        self.mapping: ColumnMapping | None = None
        self.preview: ImportPreview | None = None
        self.existing: set[str] = set()
        self.known_sites: set[str] = set()
        self.known_orders: set[str] = set()
        self._filling = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Import {self.path.name}"
            with Horizontal(id="import-mapping"):
                for name in MAPPED_FIELDS:
                    yield Select[int]([], prompt=name.replace("_", " "), id=f"map-{name}",
                                      compact=True)
            yield Static("Reading the file…", id="import-summary")
            yield FastTable(id="import-preview", cursor_type="row", zebra_stripes=True)
            yield Label("Ctrl+S import the valid rows · Esc cancel · map columns above",
                        classes="hint")

    def on_mount(self) -> None:
        table = self.query_one("#import-preview", DataTable)
        # the reason beside the number, before site and order: at 80 columns it is what
        # the line is about, and columns past the edge are cut
        table.add_columns("Line", "Outcome", "Number", "Detail", "Site", "Order")
        self._read()

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _read(self) -> None:
        from golive_tui.domain.number_import import (
            NumberImportError,
            check_import_size,
            guess_mapping,
            sniff,
        )

        try:
            check_import_size(self.path.stat().st_size)
            data = self.path.read_bytes()
            table = sniff(data)
            mapping = guess_mapping(table.headers, sample_rows=[r for _, r in table.rows[:50]])
            existing = self.store.existing_numbers()
            self.known_sites = {name.casefold() for site in self.store.sites()
                                for name in (site.code, site.name)}
            self.known_orders = {order.pon.casefold() for order in self.store.orders()}
            preview = self._build(table, mapping, existing) if mapping.can_import else None
        except (OSError, NumberImportError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, table, mapping, preview, existing)

    def _build(self, table: ParsedTable, mapping: ColumnMapping,
               existing: set[str]) -> ImportPreview:
        from golive_tui.domain.number_import import build_import

        return build_import(table, mapping, existing=existing, sites=self.known_sites,
                            orders=self.known_orders)

    def _failed(self, message: str) -> None:
        self.query_one("#import-summary", Static).update(Text(message, style="bold red"))
        self.notify(message, title="Cannot import", severity="error", timeout=10)

    def _show(self, table: ParsedTable, mapping: ColumnMapping, preview: ImportPreview | None,
              existing: set[str]) -> None:
        self.table, self.mapping, self.preview, self.existing = table, mapping, preview, existing
        options = [(table.column_label(i), i) for i in range(len(table.headers))]
        self._filling = True
        for name in MAPPED_FIELDS:
            select = self.query_one(f"#map-{name}", Select)
            select.set_options(options)
            column = mapping.column_of(name)  # type: ignore[arg-type]
            if column is not None:
                select.value = column
        self._filling = False
        self._render_preview()

    def _render_preview(self) -> None:
        summary = self.query_one("#import-summary", Static)
        grid = self.query_one("#import-preview", DataTable)
        grid.clear()
        preview = self.preview
        if preview is None:
            summary.update(Text("Choose the column that holds the numbers.", style="bold yellow"))
            return
        text = Text(preview.summary(), style="bold")
        if preview.valid_count:
            text.append(f"\nCtrl+S imports the {preview.valid_count:,} valid numbers as draft.",
                        style="green")
        summary.update(text)
        lines: list[tuple[int, Text, str, str, str, str]] = []
        for error in preview.errors:
            lines.append((error.line, Text("error", style="bold red"), error.raw, error.reason,
                          "", ""))
        for dup in preview.duplicates:
            lines.append((dup.line, Text("duplicate", style="yellow"), dup.e164,
                          f"same as line {dup.first_line}", "", ""))
        for present in preview.already_present:
            lines.append((present.line, Text("present", style="dim"), present.e164,
                          "already in the project", "", ""))
        for row in preview.rows:
            if len(lines) >= PREVIEW_LINES * 2:
                break
            lines.append((row.line, Text("ok", style="green"), row.e164, row.assigned_to or "",
                          row.site or "", row.order or ""))
        lines.sort(key=lambda item: item[0])
        for line, outcome, number, detail, site, order in lines[:PREVIEW_LINES * 2]:
            grid.add_row(str(line), outcome, number, detail, site, order)

    @on(Select.Changed)
    def _remap(self, event: Select.Changed) -> None:
        if self._filling or self.table is None:
            return
        from golive_tui.domain.number_import import ColumnMapping

        values: dict[str, int | None] = {}
        for name in MAPPED_FIELDS:
            value = self.query_one(f"#map-{name}", Select).value
            values[name] = value if isinstance(value, int) else None
        self.mapping = ColumnMapping(**values)
        self.preview = (
            self._build(self.table, self.mapping, self.existing)
            if self.mapping.can_import else None
        )
        self._render_preview()

    def action_accept(self) -> None:
        preview = self.preview
        if preview is None or not preview.valid_count:
            self.notify("Nothing to import: no valid numbers in this file.", severity="warning")
            return
        self.dismiss(preview)

    def action_cancel(self) -> None:
        self.dismiss(None)
