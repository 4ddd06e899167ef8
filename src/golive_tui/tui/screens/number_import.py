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

from golive_tui.domain.number_import import site_key
from golive_tui.domain.phone import is_toll_free
from golive_tui.tui.screens.site_map import SiteMapScreen
from golive_tui.tui.widgets.fast_table import FastTable

if TYPE_CHECKING:
    from golive_tui.domain.number_import import ColumnMapping, ImportPreview, ParsedTable
    from golive_tui.store.imports import NumbersPlan
    from golive_tui.store.local import LocalStore

MAPPED_FIELDS = ("number", "site", "order", "assigned_to", "number_type")
PREVIEW_LINES = 300


class ImportDialog(ModalScreen[Any]):
    """What every import dialog does: read the file in a thread, preview it with
    :meth:`_plan`, show it with :meth:`_show`, or say why the file cannot be read."""

    def __init__(self, store: LocalStore, path: Path) -> None:
        super().__init__()
        self.store = store
        self.path = path

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _read(self) -> None:
        from golive_tui.domain.number_import import NumberImportError, check_import_size, sniff

        try:
            check_import_size(self.path.stat().st_size)
            planned = self._plan(sniff(self.path.read_bytes()))
        except (OSError, NumberImportError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, planned)

    def _plan(self, table: ParsedTable) -> Any:
        raise NotImplementedError

    def _show(self, planned: Any) -> None:
        raise NotImplementedError

    def _failed(self, message: str) -> None:
        self.query_one("#import-summary", Static).update(Text(message, style="bold red"))
        self.notify(message, title="Cannot import", severity="error", timeout=10)


class NumberImportScreen(ImportDialog):
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
        Binding("ctrl+o", "map_sites", "Map site names", id="import.map_sites",
                priority=True),
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
    ]

    def __init__(self, store: LocalStore, path: Path) -> None:
        super().__init__(store, path)
        self.table: ParsedTable | None = None
        self.mapping: ColumnMapping | None = None
        self.preview: ImportPreview | None = None
        self.plan: NumbersPlan | None = None
        #: site values as written → the code the user confirmed in the mapping step
        self.chosen: dict[str, str] = {}
        self.sites_confirmed = False
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
            yield Label("Ctrl+S import the valid rows · Ctrl+O map site names · Esc cancel",
                        classes="hint")

    def on_mount(self) -> None:
        table = self.query_one("#import-preview", DataTable)
        # the reason beside the number, before site and order: at 80 columns it is what
        # the line is about, and columns past the edge are cut
        table.add_columns("Line", "Outcome", "Number", "Detail", "Site", "Order")
        self._detail_width = 0
        self._read()

    def _fit_detail(self, grid: DataTable[Any]) -> int:
        """The detail column's width: what the line, outcome and number leave of the
        table's width (at least 20), so a reason wraps there instead of being cut."""
        fixed = (("Line", 5), ("Outcome", 9), ("Number", 16))
        room = (grid.scrollable_content_region.width or grid.size.width or 72) - 1
        width = max(20, room - sum(w + 2 * grid.cell_padding for _, w in fixed)
                    - 2 * grid.cell_padding)
        if width != self._detail_width:
            self._detail_width = width
            grid.clear(columns=True)
            for label, fixed_width in fixed:
                grid.add_column(label, width=fixed_width)
            grid.add_column("Detail", width=width)
            grid.add_columns("Site", "Order")
        return width

    def _plan(self, table: ParsedTable) -> Any:
        from golive_tui.store.imports import plan_numbers

        return plan_numbers(self.store, table)

    def _build(self, table: ParsedTable, mapping: ColumnMapping) -> None:
        from golive_tui.store.imports import plan_numbers

        self.plan = plan_numbers(self.store, table, mapping=mapping, chosen=self.chosen,
                                 auto=not self.sites_confirmed)
        self.preview = self.plan.preview

    def _show(self, plan: NumbersPlan) -> None:
        self.plan, self.table, self.mapping = plan, plan.table, plan.mapping
        self.preview = plan.preview
        table = plan.table
        options = [(table.column_label(i), i) for i in range(len(table.headers))]
        self._filling = True
        for name in MAPPED_FIELDS:
            select = self.query_one(f"#map-{name}", Select)
            select.set_options(options)
            column = plan.mapping.column_of(name)  # type: ignore[arg-type]
            if column is not None:
                select.value = column
        self._filling = False
        self._render_preview()

    @property
    def sites_to_confirm(self) -> bool:
        """Whether the site column holds values matched to a site only in part, or to
        several: their codes wait for the user to confirm or choose them. (A value that
        matches no site is an error on its lines until the user maps it.)"""
        plan = self.plan
        if plan is None or plan.mapping.site is None or self.sites_confirmed:
            return False
        return any(match.how in ("unique", "ambiguous") for match in plan.matches)

    def _render_preview(self) -> None:
        summary = self.query_one("#import-summary", Static)
        grid = self.query_one("#import-preview", DataTable)
        grid.clear()
        preview = self.preview
        if preview is None:
            summary.update(Text("Choose the column that holds the numbers.", style="bold yellow"))
            return
        text = Text(preview.summary(), style="bold")
        for warning in self.table.warnings if self.table is not None else ():
            text.append(f"\nWarning: {warning}", style="yellow")
        if self.sites_to_confirm:
            text.append("\nSite names to confirm: Ctrl+O maps them to site codes.",
                        style="bold yellow")
        elif preview.valid_count:
            count = preview.valid_count
            text.append(f"\nCtrl+S imports the {count:,} valid number{'s' if count != 1 else ''} "
                        "as draft.",
                        style="green")
        summary.update(text)
        lines: list[tuple[int, Text, str, str, str, str]] = []
        for error in preview.errors:
            lines.append((error.line, Text("error", style="bold red"), error.raw, error.reason,
                          "", ""))
        for dup in preview.duplicates:
            lines.append((dup.line, Text("duplicate", style="yellow"), dup.e164,
                          f"same as line {dup.first_line}", "", ""))
        for review in preview.review:
            lines.append((review.line, Text("review", style="bold yellow"), review.raw,
                          review.reason, "", ""))
        for present in preview.already_present:
            lines.append((present.line, Text("present", style="dim"), present.e164,
                          "already in the project", "", ""))
        for row in preview.rows:
            if len(lines) >= PREVIEW_LINES * 2:
                break
            if is_toll_free(row.e164):
                lines.append((row.line, Text("toll-free", style="cyan"), row.e164,
                              "own order: separate LOA, RespOrg", row.site or "",
                              row.order or ""))
                continue
            lines.append((row.line, Text("ok", style="green"), row.e164, row.assigned_to or "",
                          row.site or "", row.order or ""))
        lines.sort(key=lambda item: item[0])
        width = self._fit_detail(grid)
        for line, outcome, number, detail, site, order in lines[:PREVIEW_LINES * 2]:
            # a reason longer than its column wraps onto a second line, never cut
            grid.add_row(str(line), outcome, number, Text(detail, overflow="fold"), site, order,
                         height=1 if len(detail) <= width else None)

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
        self.sites_confirmed = False
        self._build(self.table, self.mapping)
        self._render_preview()

    def action_map_sites(self) -> None:
        plan = self.plan
        if plan is None or plan.mapping.site is None or not plan.matches:
            self.notify("No site column is mapped: choose it above first.", severity="warning")
            return
        sites = [(site.code, site.name) for site in self.store.sites()]
        current = {m.value: plan.site_map.get(site_key(m.value)) for m in plan.matches}

        def confirmed(chosen: dict[str, str] | None) -> None:
            if chosen is None or self.table is None or self.mapping is None:
                return
            self.chosen = chosen
            self.sites_confirmed = True
            self._build(self.table, self.mapping)
            self._render_preview()

        self.app.push_screen(SiteMapScreen(plan.matches, sites, current), confirmed)

    def action_accept(self) -> None:
        preview = self.preview
        if preview is None or not preview.valid_count:
            self.notify("Nothing to import: no valid numbers in this file.", severity="warning")
            return
        if self.sites_to_confirm:
            self.action_map_sites()
            return
        self.dismiss(preview)

    def action_cancel(self) -> None:
        self.dismiss(None)
