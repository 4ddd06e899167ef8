"""The verification screen's state and its test × site matrix, with the per-site summary."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist, ColumnDoesNotExist, RowDoesNotExist

from golive_tui.domain.enums import VerificationResult
from golive_tui.domain.phone import format_number
from golive_tui.domain.sites import TEST_933
from golive_tui.domain.test_plan import PLAN, TEST_CASES, TestCase, recorded_order
from golive_tui.domain.time_text import local_time
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.screens.verification.plan import (
    TALL,
    WIDE,
    NumberInfo,
    VerificationData,
    size_classes,
)

if TYPE_CHECKING:
    from golive_tui.store.tables import SiteRow, VerificationRow


class VerificationMatrix(GoLiveScreen):
    """The matrix of current results, one column per site, and the summary beside it."""

    def __init__(self) -> None:
        super().__init__()
        # the breakpoint classes from the start: set on the first resize, they would restyle
        # every widget once more (a visible delay on the first visit over SSH)
        self.set_classes(size_classes(self.app.size.width, self.app.size.height, tall=TALL))
        self._ver_data: VerificationData | None = None
        self._sites_by_code: dict[str, SiteRow] = {}
        self._sites_by_id: dict[str, SiteRow] = {}
        self._entries_by_id: dict[str, VerificationRow] = {}
        self._latest: dict[tuple[str, str], VerificationRow] = {}
        self._numbers: dict[str, NumberInfo | None] = {}
        self._matrix_shape: tuple[tuple[str, ...], bool] | None = None
        self._log_wide: tuple[bool, int] | None = None
        self._notice: Text | None = None
        self._notice_position: tuple[object, ...] = ()
        self._open_issue_state: bool | None = True
        self._pending_focus: str | None = None
        #: o was pressed before the failure just logged reached the log
        self._open_when_focused = False
        #: the floor a 933 test is to be logged from, offered first (the gate sent here)
        self._floor_first: str | None = None

    def _wide(self) -> bool:
        return self.size.width >= WIDE

    @property
    def _matrix_table(self) -> DataTable[Any]:
        return self.query_one("#ver-matrix", DataTable)

    @property
    def _log_table(self) -> DataTable[Any]:
        return self.query_one("#ver-log", DataTable)

    def _colours(self) -> dict[str, str]:
        theme = self.app.current_theme
        return {
            "pass": theme.success or "green",
            "fail": theme.error or "red",
            "warn": theme.warning or "yellow",
        }

    def _site_entries(self, case: TestCase, site: SiteRow) -> list[VerificationRow]:
        """The current result(s) of one cell: one entry per site, or one per number."""
        if case.code == TEST_933:
            return self._latest_933(site)
        if case.scope == "site":
            entry = self._latest.get((case.code, site.code))
            return [entry] if entry is not None else []
        return [
            entry for (code, _target), entry in self._latest.items()
            if code == case.code and entry.site_id == site.id
        ]

    def _latest_933(self, site: SiteRow) -> list[VerificationRow]:
        """A site's current 933 results: the one recorded last from each emergency location
        (a 933 test is one per floor or suite, not one per site)."""
        data = self._ver_data
        latest: dict[str, VerificationRow] = {}
        for entry in data.entries if data is not None else ():
            if entry.test_case != TEST_933 or entry.site_id != site.id:
                continue
            where = entry.emergency_location_id or entry.target
            seen = latest.get(where)
            if seen is None or recorded_order(entry) >= recorded_order(seen):
                latest[where] = entry
        return list(latest.values())

    def _cell(self, case: TestCase, site: SiteRow, wide: bool) -> Text:
        colours = self._colours()
        entries = self._site_entries(case, site)
        if not entries:
            return Text("·", style="dim", justify="center")
        fails = [e for e in entries if e.result is VerificationResult.FAIL]
        passes = [e for e in entries if e.result is VerificationResult.PASS]
        newest = max(entries, key=recorded_order)
        if fails:
            symbol, style = "✗", f"bold {colours['fail']}"
        elif passes:
            symbol, style = "✓", colours["pass"]
        elif any(e.result is VerificationResult.NOT_APPLICABLE for e in entries):
            symbol, style = "n/a", "dim"
        else:
            symbol, style = "·", "dim"
        floors = self._floors(site) if case.code == TEST_933 else 0
        if floors and not fails and symbol != "n/a" and len(passes) < floors:
            # some floors not tested (or not passing) yet: not a tick for the site
            symbol, style = f"{len(passes)}/{floors}", colours["warn"]
        elif case.scope == "number" or (case.code == TEST_933 and len(entries) > 1):
            tested = len(passes) + len(fails)
            symbol += f"{len(fails)}/{tested}" if fails else str(tested)
        if wide:
            symbol += " " + self._short_when(newest.tested_at)
        return Text(symbol, style=style, justify="center")

    def _floors(self, site: SiteRow) -> int:
        data = self._ver_data
        return sum(1 for loc in data.locations if loc.site_id == site.id) if data else 0

    def _short_when(self, at: datetime | None) -> str:
        """``14:05`` today, else the day alone (``Wed``, ``19 Nov``): fits a matrix cell."""
        if at is None:
            return ""
        when = self._when(at)
        return when.split(" ")[0] if " " in when and ":" in when else when

    def _show_summary(self, data: VerificationData) -> None:
        """Per site: tests passing, failing and still to do; then every current failure."""
        colours = self._colours()
        table = Table(box=None, expand=True, pad_edge=False, show_edge=False)
        table.add_column("Site", no_wrap=True, overflow="ellipsis", ratio=1)
        table.add_column("✓", justify="right", style=colours["pass"])
        table.add_column("✗", justify="right", style=f"bold {colours['fail']}")
        table.add_column("to test", justify="right", style="dim")
        for site in data.sites:
            passed = failed = untested = 0
            for case in PLAN:
                entries = self._site_entries(case, site)
                passing = sum(1 for e in entries if e.result is VerificationResult.PASS)
                if any(e.result is VerificationResult.FAIL for e in entries):
                    failed += 1
                elif case.code == TEST_933 and passing and passing < self._floors(site):
                    untested += 1  # a floor still to dial 933 from
                elif passing:
                    passed += 1
                elif any(e.result is VerificationResult.NOT_APPLICABLE for e in entries):
                    continue  # not applicable here: not planned at this site
                else:
                    untested += 1
            table.add_row(
                Text.assemble((site.code, "bold"), f" {site.name}"),
                str(passed), str(failed or ""), str(untested or ""),
            )
        failures = sorted(
            (e for e in self._latest.values() if e.result is VerificationResult.FAIL),
            key=recorded_order, reverse=True,
        )
        lines = Text(no_wrap=True, overflow="ellipsis")
        lines.append(f"\nFailing now ({len(failures)})\n" if failures else "\nNo failures.",
                     style="bold")
        for entry in failures:
            where = self._sites_by_id.get(entry.site_id or "")
            lines.append("✗ ", style=f"bold {colours['fail']}")
            lines.append(entry.test_case, style="bold")
            target = self._target_label(entry)
            lines.append(f" {target}" + (f" ({where.code})" if where and where.code != target
                                          else ""))
            lines.append(f" {self._when(entry.tested_at)}", style="dim")
            link = data.linked.get(entry.id)
            lines.append(f" {link[0]}" if link else " no issue", style=colours["warn"]
                         if link else "dim italic")
            if entry.note:
                lines.append(f" · {entry.note}", style="italic")
            lines.append("\n")
        self.query_one("#ver-summary", Static).update(Group(table, lines))

    def _show_matrix(self, data: VerificationData) -> None:
        matrix = self._matrix_table
        wide = self._wide()
        shape = (tuple(site.id for site in data.sites), wide)
        if shape != self._matrix_shape:
            cursor = matrix.cursor_coordinate
            matrix.clear(columns=True)
            matrix.add_column("Test", key="code")
            if wide:
                matrix.add_column("", key="name", width=26)
            for site in data.sites:
                matrix.add_column(Text(site.code, justify="center"), key=site.id)
            for case in PLAN:
                cells: list[Any] = [Text(case.code, style="bold")]
                if wide:
                    cells.append(Text(case.name, style="dim", no_wrap=True, overflow="ellipsis"))
                cells += [self._cell(case, site, wide) for site in data.sites]
                matrix.add_row(*cells, key=case.code)
            self._matrix_shape = shape
            first = 2 if wide else 1
            matrix.move_cursor(row=cursor.row, column=max(cursor.column, first), scroll=False)
            return
        for case in PLAN:
            for site in data.sites:
                matrix.update_cell(case.code, site.id, self._cell(case, site, wide))

    def _matrix_cell(self) -> tuple[TestCase, SiteRow] | None:
        matrix = self._matrix_table
        if not matrix.row_count:
            return None
        try:
            row_key, column_key = matrix.coordinate_to_cell_key(matrix.cursor_coordinate)
        except CellDoesNotExist:
            return None
        case = TEST_CASES.get(str(row_key.value))
        site = self._sites_by_id.get(str(column_key.value))
        if case is None or site is None:
            return None
        return case, site

    def _select_cell(self, code: str, site_id: str) -> None:
        matrix = self._matrix_table
        try:
            row = matrix.get_row_index(code)
            column = matrix.get_column_index(site_id)
        except (RowDoesNotExist, ColumnDoesNotExist):
            return
        matrix.move_cursor(row=row, column=column)

    def _zone(self) -> ZoneInfo:
        name = self._ver_data.time_zone if self._ver_data is not None else "America/New_York"
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):
            return ZoneInfo("America/New_York")

    def _when(self, at: datetime | None) -> str:
        """``14:05`` today (project time), ``Tue 14:05`` two days either side, else ``19 Nov``."""
        if at is None:
            return "—"
        return local_time(at, self._zone(), self.golive.now(), compact=True)

    def _target_label(self, entry: VerificationRow) -> str:
        if entry.target.startswith("+"):
            return format_number(entry.target)
        return entry.target
