"""The verification screen's log: every entry, newest first, and the one selected."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets.data_table import CellDoesNotExist

from golive_tui.domain.enums import VerificationResult
from golive_tui.domain.phone import format_number
from golive_tui.domain.test_plan import recorded_order
from golive_tui.tui.screens.verification.matrix import VerificationMatrix
from golive_tui.tui.screens.verification.plan import (
    LOG_LIMIT,
    TALL,
    WIDE,
    VerificationData,
)
from golive_tui.tui.widgets.fast_table import RankedText

if TYPE_CHECKING:
    from golive_tui.store.tables import VerificationRow


class VerificationLog(VerificationMatrix):
    """The append-only log below the matrix (its newest entries)."""

    def _log_cells(self, entry: VerificationRow, data: VerificationData,
                   wide: bool = True) -> list[Any]:
        """A log row's cells. Narrow (80 columns), a failure's linked issue is said in its
        result ("✗GL-1A2B3"), where an issue column past the target would be cut, and a
        number is written 303-555-0100."""
        colours = self._colours()
        rank = -(entry.tested_at.timestamp() if entry.tested_at else 0.0)
        if entry.result is VerificationResult.FAIL:
            result = Text("✗ fail", style=f"bold {colours['fail']}")
        elif entry.result is VerificationResult.PASS:
            result = Text("✓ pass", style=colours["pass"])
        elif entry.result is VerificationResult.NOT_APPLICABLE:
            result = Text("– n/a", style="dim")
        else:
            result = Text("· n/t", style="dim")
        link = data.linked.get(entry.id)
        issue = Text(link[0], style=colours["warn"]) if link else Text("")
        if link and not wide:
            result = Text.assemble(result[:1], issue)
        when = self._when(entry.tested_at) + (" ⇡" if entry.pending else "")
        site = self._sites_by_id.get(entry.site_id or "")
        target = self._target_label(entry)
        if not wide and target.startswith("(") and entry.target.startswith("+1"):
            # 303-555-0100: two columns fewer, so the row fits 80 columns
            target = format_number(entry.target, "international").removeprefix("+1 ")
        if entry.number_id and site is not None and not entry.target.startswith("+"):
            target = site.code
        note = entry.note
        if entry.mos is not None:
            note = f"MOS {entry.mos:g}" + (f", loss {entry.loss_pct:g} %" if entry.loss_pct
                                          is not None else "") + (f" · {note}" if note else "")
        return [
            RankedText(when, rank),
            result,
            entry.test_case,
            target,
            *([issue] if wide else []),
            Text(note, no_wrap=True, overflow="ellipsis"),
            data.names.get(entry.tester, entry.tester),
        ]

    def _show_log(self, data: VerificationData) -> None:
        log = self._log_table
        wide = self._wide()
        if self._log_wide != (wide, self._note_width()) or not log.columns:
            log.clear(columns=True)
            log.add_column("When", key="when")
            log.add_column("Result", key="result")
            log.add_column("Test", key="test")
            log.add_column("Target", key="target")
            if wide:
                log.add_column("Issue", key="issue")
            log.add_column("Note", key="note", width=self._note_width())
            log.add_column("Tester", key="tester")
            self._log_wide = (wide, self._note_width())
        selected = self._selected_log_key()
        shown = data.entries[-LOG_LIMIT:]
        keep = {entry.id for entry in shown}
        for row_key in list(log.rows):
            if row_key.value not in keep:
                log.remove_row(row_key)
        columns = ("when", "result", "test", "target", *(("issue",) if wide else ()), "note",
                   "tester")
        for entry in shown:
            cells = self._log_cells(entry, data, wide)
            if entry.id in log.rows:
                for column, value in zip(columns, cells, strict=True):
                    log.update_cell(entry.id, column, value)
            else:
                log.add_row(*cells, key=entry.id)
        log.sort("when", key=lambda cell: cell.rank if isinstance(cell, RankedText) else 0.0)
        count = len(data.entries)
        fails = sum(1 for e in self._latest.values() if e.result is VerificationResult.FAIL)
        log.border_title = f"Log · {count:,} entries" + (f" · {fails} failing now" if fails else "")
        if selected is not None and selected in log.rows:
            log.move_cursor(row=log.get_row_index(selected), scroll=False)

    def _note_width(self) -> int:
        """Notes get what a full-width log leaves (tall terminals), else a fixed share."""
        width = self.size.width or 80
        if width >= WIDE and self.size.height >= TALL:
            return max(40, width - 80)
        return 40 if width >= WIDE else 32

    def _selected_log_key(self) -> str | None:
        log = self._log_table
        if not log.row_count:
            return None
        try:
            row_key, _ = log.coordinate_to_cell_key(Coordinate(log.cursor_row, 0))
        except CellDoesNotExist:
            return None
        return str(row_key.value)

    def _selected_entry(self) -> VerificationRow | None:
        """The entry ``o`` acts on: the log's row, or the matrix cell's latest failure."""
        if self.focused is self._matrix_table:
            cell = self._matrix_cell()
            if cell is None:
                return None
            entries = self._site_entries(*cell)
            if not entries:
                return None
            fails = [e for e in entries if e.result is VerificationResult.FAIL]
            pool = fails or entries
            return max(pool, key=recorded_order)
        key = self._selected_log_key()
        return self._entries_by_id.get(key) if key else None
