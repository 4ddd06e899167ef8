"""On-site verification: log a test call in two keys, watch the matrix fill, open an issue.

The fastest paths, all on the keyboard:

- Type the target (a site code such as ``LAX`` or a number in any format), Enter; the test
  (type-ahead: ``e9`` completes to ``E911-01``; ``933`` works too), Enter; a note if any,
  Enter. The matrix cell of that test and site is now selected: ``p`` or ``f``.
- From any field, ``alt+p`` / ``alt+x`` records at once (``alt+f`` too where the terminal
  reports Alt as a modifier: sent as an Esc prefix, as tmux and most Linux terminals do,
  Alt+F is read as "word right").
- In the matrix, arrows to a cell and ``p`` / ``f``; in the log, ``p`` / ``f`` retests the
  selected entry (the log appends: the newest entry is the current result).
- ``o`` on a failed entry or cell opens its linked issue, priority and category from the
  test plan. Right after a failure the hint line offers it.

The form keeps its text when a target is refused; only the note clears, once it is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.coordinate import Coordinate
from textual.events import Resize
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Input, Label, Static
from textual.widgets.data_table import CellDoesNotExist, ColumnDoesNotExist, RowDoesNotExist

from golive_tui.domain.enums import (
    EntityKind,
    NumberType,
    VerificationResult,
)
from golive_tui.domain.phone import InvalidPhoneNumber, format_number, normalise_number
from golive_tui.domain.test_plan import (
    PLAN,
    TEST_CASES,
    TestCase,
    failure_issue,
    latest_results,
)
from golive_tui.domain.time_text import local_time
from golive_tui.resources import styles_dir
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.widgets.fast_table import FastTable
from golive_tui.tui.widgets.text_entry import TextField

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.store.tables import SiteRow, VerificationRow

_NUMBER_TYPES = {
    NumberType.DID: "DID",
    NumberType.MAIN: "main number",
    NumberType.TOLL_FREE: "toll-free",
    NumberType.FAX: "fax",
    NumberType.COMMON_AREA: "common area",
}
#: things people type for a test case that are not its code
_TEST_ALIASES = {"933": "E911-01", "911": "E911-01"}
#: how many log entries the screen shows (the newest); the matrix always uses them all
LOG_LIMIT = 300
#: terminal sizes from which the screens use the room (160x48 looks its best)
WIDE = 120
TALL = 36


def size_classes(width: int, height: int, *, tall: int) -> str:
    """The breakpoint classes Textual would give a screen of this size."""
    return " ".join((
        "-wide" if width >= WIDE else "-narrow",
        "-tall" if height >= tall else "-short",
    ))


def _squash(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def resolve_test_case(text: str) -> TestCase | None:
    """The test case a (partial) code names: exact code, alias, else first by prefix."""
    key = _squash(text)
    if not key:
        return None
    if key in _TEST_ALIASES:
        return TEST_CASES[_TEST_ALIASES[key]]
    for case in PLAN:
        if _squash(case.code) == key:
            return case
    for case in PLAN:
        if _squash(case.code).startswith(key):
            return case
    return None


class RankedText(Text):
    """A table cell that carries its row's sort rank (DataTable sorts by cell values)."""

    def __init__(self, text: str, rank: float, style: str = "") -> None:
        super().__init__(text, style=style, no_wrap=True, overflow="ellipsis")
        self.rank = rank


@dataclass(frozen=True)
class NumberInfo:
    id: str
    e164: str
    site_id: str | None
    number_type: NumberType
    porting_state: str
    assigned_to: str


@dataclass(frozen=True)
class VerificationData:
    sites: list[SiteRow]
    entries: list[VerificationRow]
    #: verification id -> (issue ref, issue id) of the issue it opened
    linked: dict[str, tuple[str, str]]
    names: dict[str, str]
    time_zone: str


@dataclass(frozen=True)
class LogRequest:
    """A validated form: what ``p`` / ``f`` will log."""

    case: TestCase
    result: VerificationResult
    site: SiteRow | None
    e164: str | None
    note: str


class FormError(Exception):
    """The form cannot be logged; the message says what to fix."""


class VerificationLogScreen(GoLiveScreen):
    """Quick entry of test calls, the test × site matrix and the append-only log."""

    SCREEN_TITLE = "Verification"
    CSS_PATH = str(styles_dir() / "verification.tcss")
    WATCHES = frozenset({
        EntityKind.VERIFICATION, EntityKind.ISSUE, EntityKind.SITE, EntityKind.MEMBER,
        EntityKind.PROJECT, EntityKind.NUMBER,
    })
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"), (WIDE, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (TALL, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "record('pass')", "Pass", id="verification.pass"),
        Binding("f", "record('fail')", "Fail", id="verification.fail"),
        # Before the fields see them: a terminal that sends Alt as an Esc prefix (tmux, most
        # Linux terminals) gives alt+p with the character "p", which a field would type.
        # Esc f is read as ctrl+right (word right, as in readline and iTerm), so alt+f
        # arrives only from terminals that report modifiers; alt+x (✗) arrives from all.
        Binding("alt+p", "record('pass')", "Pass", id="verification.pass_from_field",
                priority=True),
        Binding("alt+x,alt+f", "record('fail')", "Fail", id="verification.fail_from_field",
                priority=True),
        Binding("o", "open_issue", "Open issue", id="verification.open_issue"),
        Binding("escape", "focus_matrix", "Matrix", id="verification.matrix"),
        Binding("slash", "focus_target", "Target", id="verification.target", key_display="/",
                show=False),
        Binding("n", "focus_note", "Note", id="verification.note", show=False),
        Binding("l", "focus_log", "Log", id="verification.log", show=False),
    ]

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

    # -- layout ---------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="ver-form"):
            yield Label("Target", classes="ver-label")
            yield TextField(placeholder="LAX or (213) 555-0100", id="ver-target")
            yield Label("Test", classes="ver-label")
            yield TextField(
                placeholder="E911-01",
                id="ver-test",
                suggester=SuggestFromList([case.code for case in PLAN], case_sensitive=False),
            )
            yield Label("Note", classes="ver-label")
            yield TextField(placeholder="optional · Enter → matrix", id="ver-note")
        yield Static(id="ver-hint")
        with Horizontal(id="ver-main"):
            with Horizontal(id="ver-top"):
                matrix: DataTable[Any] = FastTable(id="ver-matrix", cursor_type="cell")
                matrix.border_title = "Matrix"
                yield matrix
                summary = Static(id="ver-summary")
                summary.border_title = "Sites"
                yield summary
            log: DataTable[Any] = FastTable(id="ver-log", cursor_type="row")
            log.border_title = "Log"
            yield log

    def on_mount(self) -> None:
        # GoLiveScreen.on_mount runs as well (Textual calls the handler of each class)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._render_hint()

    def _theme_changed(self, _theme: object) -> None:
        if self._ver_data is not None:
            self._matrix_shape = None
            self._log_wide = None
            self.query_one("#ver-log", DataTable).clear(columns=True)
            self.show(self._ver_data)

    def on_resize(self, event: Resize) -> None:
        shape = self._matrix_shape
        if self._ver_data is None or shape is None:
            return
        if shape[1] != self._wide() or self._log_wide != (self._wide(), self._note_width()):
            self.show(self._ver_data)

    def _wide(self) -> bool:
        return self.size.width >= WIDE

    @property
    def _matrix_table(self) -> DataTable[Any]:
        return self.query_one("#ver-matrix", DataTable)

    @property
    def _log_table(self) -> DataTable[Any]:
        return self.query_one("#ver-log", DataTable)

    # -- loading --------------------------------------------------------------------------

    def load(self, store: LocalStore) -> VerificationData:
        linked: dict[str, tuple[str, str]] = {}
        for issue in store.issues():
            if issue.verification_id:
                linked.setdefault(issue.verification_id, (issue.ref, issue.id))
        project = store.project()
        return VerificationData(
            sites=store.sites(),
            entries=store.verifications(),
            linked=linked,
            names={m.user: m.display_name or m.user for m in store.members()},
            time_zone=project.time_zone if project is not None else "America/New_York",
        )

    def show(self, data: VerificationData) -> None:
        self._ver_data = data
        self._sites_by_code = {site.code.upper(): site for site in data.sites}
        self._sites_by_id = {site.id: site for site in data.sites}
        self._entries_by_id = {entry.id: entry for entry in data.entries}
        self._latest = latest_results(data.entries)
        self._numbers.clear()  # numbers may have moved site or state: look them up again
        with self.app.batch_update():
            self._show_matrix(data)
            self._show_log(data)
            self._show_summary(data)
        self._apply_pending_focus()
        self._render_hint()
        self._refresh_keys()

    # -- the matrix -----------------------------------------------------------------------

    def _colours(self) -> dict[str, str]:
        theme = self.app.current_theme
        return {
            "pass": theme.success or "green",
            "fail": theme.error or "red",
            "warn": theme.warning or "yellow",
        }

    def _site_entries(self, case: TestCase, site: SiteRow) -> list[VerificationRow]:
        """The current result(s) of one cell: one entry per site, or one per number."""
        if case.scope == "site":
            entry = self._latest.get((case.code, site.code))
            return [entry] if entry is not None else []
        return [
            entry for (code, _target), entry in self._latest.items()
            if code == case.code and entry.site_id == site.id
        ]

    def _cell(self, case: TestCase, site: SiteRow, wide: bool) -> Text:
        colours = self._colours()
        entries = self._site_entries(case, site)
        if not entries:
            return Text("·", style="dim", justify="center")
        fails = [e for e in entries if e.result is VerificationResult.FAIL]
        passes = [e for e in entries if e.result is VerificationResult.PASS]
        newest = max(entries, key=lambda e: e.tested_at or datetime.min)
        if fails:
            symbol, style = "✗", f"bold {colours['fail']}"
        elif passes:
            symbol, style = "✓", colours["pass"]
        else:
            symbol, style = "·", "dim"
        if case.scope == "number":
            tested = len(passes) + len(fails)
            symbol += f"{len(fails)}/{tested}" if fails else str(tested)
        if wide:
            symbol += " " + self._short_when(newest.tested_at)
        return Text(symbol, style=style, justify="center")

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
                if any(e.result is VerificationResult.FAIL for e in entries):
                    failed += 1
                elif any(e.result is VerificationResult.PASS for e in entries):
                    passed += 1
                else:
                    untested += 1
            table.add_row(
                Text.assemble((site.code, "bold"), f" {site.name}"),
                str(passed), str(failed or ""), str(untested or ""),
            )
        failures = sorted(
            (e for e in self._latest.values() if e.result is VerificationResult.FAIL),
            key=lambda e: e.tested_at or datetime.min, reverse=True,
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

    # -- the log --------------------------------------------------------------------------

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

    def _log_cells(self, entry: VerificationRow, data: VerificationData) -> list[Any]:
        colours = self._colours()
        rank = -(entry.tested_at.timestamp() if entry.tested_at else 0.0)
        if entry.result is VerificationResult.FAIL:
            result = Text("✗ fail", style=f"bold {colours['fail']}")
        elif entry.result is VerificationResult.PASS:
            result = Text("✓ pass", style=colours["pass"])
        else:
            result = Text("· n/t", style="dim")
        link = data.linked.get(entry.id)
        issue = Text(link[0], style=colours["warn"]) if link else Text("")
        when = self._when(entry.tested_at) + (" ⇡" if entry.pending else "")
        site = self._sites_by_id.get(entry.site_id or "")
        target = self._target_label(entry)
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
            issue,
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
        columns = ("when", "result", "test", "target", "issue", "note", "tester")
        for entry in shown:
            cells = self._log_cells(entry, data)
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
            return max(pool, key=lambda e: e.tested_at or datetime.min)
        key = self._selected_log_key()
        return self._entries_by_id.get(key) if key else None

    def focus_record(self, record_id: str) -> None:
        """Select a verification entry in the log (or a site's column in the matrix)."""
        self._pending_focus = record_id
        if self._ver_data is not None:
            self._apply_pending_focus()

    def _apply_pending_focus(self) -> None:
        record_id = self._pending_focus
        if record_id is None or self._ver_data is None:
            return
        log = self._log_table
        if record_id in log.rows:
            self._pending_focus = None
            log.move_cursor(row=log.get_row_index(record_id))
            log.focus()
            if self._notice is not None:
                self._notice_position = ("log", record_id)  # the notice is about this row
            if self._open_when_focused:
                self._open_when_focused = False
                self.action_open_issue()
            return
        if record_id in self._sites_by_id:
            self._pending_focus = None
            matrix = self._matrix_table
            matrix.move_cursor(column=matrix.get_column_index(record_id))
            matrix.focus()

    # -- the form -------------------------------------------------------------------------

    def _field(self, name: str) -> Input:
        return self.query_one(f"#ver-{name}", Input)

    def _site_codes(self) -> str:
        data = self._ver_data
        return ", ".join(site.code for site in data.sites) if data else "a site code"

    def _parse_target(self, text: str) -> tuple[SiteRow | None, str | None]:
        """(site, None) for a site code, (None, e164) for a number; raises FormError."""
        text = text.strip()
        if self._ver_data is None:
            raise FormError("The project is still loading; the target is checked in a moment.")
        if not text:
            raise FormError(
                f"Type a target: a site code ({self._site_codes()}) or a phone number."
            )
        site = self._sites_by_code.get(text.upper())
        if site is not None:
            return site, None
        if not any(ch.isdigit() for ch in text):
            raise FormError(
                f"{text!r} is not a site of this project ({self._site_codes()}) "
                "and not a phone number."
            )
        try:
            return None, normalise_number(text)
        except InvalidPhoneNumber as exc:
            raise FormError(
                f"{text!r} is not a valid number: {exc.reason}. Fix it, or type a site code "
                f"({self._site_codes()})."
            ) from None

    def _request(self, result: VerificationResult) -> LogRequest:
        case_text = self._field("test").value
        case = resolve_test_case(case_text)
        if case is None:
            if case_text.strip():
                raise FormError(
                    f"{case_text.strip()!r} is not a test of the plan; use one of: "
                    + ", ".join(TEST_CASES) + "."
                )
            raise FormError("Type a test case (E911-01, DID, NET-01…); the suggestion fills in.")
        site, e164 = self._parse_target(self._field("target").value)
        if case.scope == "number" and e164 is None:
            assert site is not None
            main = format_number(site.main_number) if site.main_number else "(303) 555-0100"
            raise FormError(
                f"{case.code} is tested per number: type the number in Target "
                f"(e.g. {main}), not the site code."
            )
        return LogRequest(case, result, site, e164, self._field("note").value.strip())

    def _render_hint(self) -> None:
        hint = self.query_one("#ver-hint", Static)
        if self._notice is not None:
            hint.update(self._notice)
            return
        focused = self.focused
        if focused is self._matrix_table and self._ver_data is not None:
            hint.update(self._cell_hint())
            return
        if focused is self._log_table and self._ver_data is not None:
            hint.update(self._entry_hint())
            return
        hint.update(self._form_hint())

    def _form_hint(self) -> Text:
        target_text = self._field("target").value.strip()
        case_text = self._field("test").value.strip()
        if not target_text and not case_text:
            return Text.assemble(
                ("Target ", "bold"), f"a site ({self._site_codes()}) or a number · ",
                ("Test ", "bold"), "type-ahead · ", ("Enter", "bold"), " moves on, then ",
                ("p", "bold"), "/", ("f", "bold"), " · ", ("alt+p", "bold"), "/",
                ("alt+x", "bold"), " from any field · ", ("Esc", "bold"), " leaves the form",
                style="dim",
            )
        text = Text(no_wrap=False)
        if target_text:
            try:
                site, e164 = self._parse_target(target_text)
            except FormError as exc:
                text.append("✗ ", style=f"bold {self._colours()['fail']}")
                text.append(str(exc), style=self._colours()["fail"])
                return text
            text.append("→ ", style="bold")
            if site is not None:
                text.append(site.code, style="bold")
                text.append(f" {site.name}")
            elif e164 is not None:
                text.append(format_number(e164), style="bold")
                if e164 not in self._numbers:
                    self._lookup_number(e164)
                    text.append(" looking it up…", style="dim")
                else:
                    info = self._numbers[e164]
                    if info is None:
                        text.append(" not a number of this project", style=self._colours()["fail"])
                    else:
                        number_site = self._sites_by_id.get(info.site_id or "")
                        text.append(f" {_NUMBER_TYPES.get(info.number_type, '')}")
                        if number_site is not None:
                            text.append(f" · {number_site.code}", style="bold")
                        text.append(f" · {info.porting_state.replace('_', ' ')}")
                        if info.assigned_to:
                            text.append(f" · {info.assigned_to}", style="dim")
        case = resolve_test_case(case_text)
        if case_text:
            text.append("   ")
            if case is None:
                text.append(f"✗ {case_text!r} is not a test of the plan",
                            style=self._colours()["fail"])
            else:
                text.append(case.code, style="bold")
                text.append(f" {case.name}", style="")
                text.append(f" · expect {case.expected}", style="dim")
        return text

    def _cell_hint(self) -> Text:
        cell = self._matrix_cell()
        if cell is None:
            return Text("")
        case, site = cell
        text = Text.assemble((case.code, "bold"), f" at {site.code}: ")
        entries = self._site_entries(case, site)
        if not entries:
            text.append("not tested yet", style="dim")
        else:
            newest = max(entries, key=lambda e: e.tested_at or datetime.min)
            text.append_text(self._entry_summary(newest))
            fails = [e for e in entries if e.result is VerificationResult.FAIL]
            if case.scope == "number":
                text.append(f" · {len(entries)} numbers tested, {len(fails)} failing", style="dim")
        text.append(" · p/f logs this cell", style="dim")
        return text

    def _entry_hint(self) -> Text:
        key = self._selected_log_key()
        entry = self._entries_by_id.get(key) if key else None
        if entry is None:
            return Text("")
        text = Text.assemble((entry.test_case, "bold"), f" {self._target_label(entry)}: ")
        text.append_text(self._entry_summary(entry))
        text.append(" · p/f retests it", style="dim")
        return text

    def _entry_summary(self, entry: VerificationRow) -> Text:
        colours = self._colours()
        assert self._ver_data is not None
        fail = entry.result is VerificationResult.FAIL
        text = Text()
        text.append("✗ fail" if fail else "✓ pass",
                    style=f"bold {colours['fail']}" if fail else colours["pass"])
        tester = self._ver_data.names.get(entry.tester, entry.tester)
        text.append(f" {self._when(entry.tested_at)} by {tester}")
        if entry.note:
            text.append(f" — {entry.note}", style="italic")
        link = self._ver_data.linked.get(entry.id)
        if link:
            text.append(f" · issue {link[0]}", style=colours["warn"])
        elif fail:
            text.append(" · o opens an issue", style="bold")
        return text

    @on(Input.Changed, "#ver-target, #ver-test")
    def _form_changed(self, event: Input.Changed) -> None:
        if event.input.has_focus:  # the user typing, not p / f filling the form in
            self._notice = None
        self._render_hint()

    @on(DataTable.CellHighlighted, "#ver-matrix")
    @on(DataTable.RowHighlighted, "#ver-log")
    def _table_moved(self) -> None:
        position = self._cursor_position()
        if self._notice is not None and position != self._notice_position:
            self._notice = None
        self._render_hint()
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        # tell the key bar only when a key's state really changed
        state = self.check_action("open_issue", ())
        if state != self._open_issue_state:
            self._open_issue_state = state
            self.refresh_bindings()

    def _cursor_position(self) -> tuple[object, ...]:
        """Where the user is: the focused table and its cursor (a notice stays until it moves)."""
        focused = self.focused
        if focused is self._matrix_table:
            return ("matrix", self._matrix_cell())
        if focused is self._log_table:
            return ("log", self._selected_log_key())
        return ("form",)

    def _set_notice(self, text: Text | None) -> None:
        self._notice = text
        self._notice_position = self._cursor_position()
        self._render_hint()

    def on_descendant_focus(self) -> None:
        self._render_hint()

    @work(thread=True, exclusive=True, group="verification-lookup", exit_on_error=False)
    def _lookup_number(self, e164: str) -> None:
        store = self.store
        if store is None:
            return
        row = store.number_by_e164(e164)
        info = None if row is None else NumberInfo(
            row.id, row.e164, row.site_id, row.number_type, str(row.porting_state),
            row.assigned_to,
        )
        self.app.call_from_thread(self._number_found, e164, info)

    def _number_found(self, e164: str, info: NumberInfo | None) -> None:
        self._numbers[e164] = info
        self._render_hint()

    @on(Input.Submitted, "#ver-target")
    def _target_entered(self) -> None:
        self._field("test").focus()

    @on(Input.Submitted, "#ver-test")
    def _test_entered(self) -> None:
        entry = self._field("test")
        case = resolve_test_case(entry.value)
        if case is not None and entry.value != case.code:
            entry.value = case.code  # accept the type-ahead
        self._field("note").focus()

    @on(Input.Submitted, "#ver-note")
    def _note_entered(self) -> None:
        self.action_focus_matrix()

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_matrix":
            return isinstance(self.focused, Input)
        if action == "open_issue":
            if self._pending_focus is not None and self._notice is not None:
                return True  # the failure just logged, not in the log yet: o waits for it
            if isinstance(self.focused, Input):
                return False
            data = self._ver_data
            entry = self._selected_entry() if data is not None else None
            if entry is None or entry.result is not VerificationResult.FAIL:
                return None
            return None if data is not None and entry.id in data.linked else True
        return True

    def action_focus_matrix(self) -> None:
        matrix = self._matrix_table
        case = resolve_test_case(self._field("test").value)
        try:
            site, e164 = self._parse_target(self._field("target").value)
        except FormError:
            site, e164 = None, None
        if e164 is not None and e164 in self._numbers and self._numbers[e164] is not None:
            info = self._numbers[e164]
            assert info is not None
            site = self._sites_by_id.get(info.site_id or "")
        if case is not None and site is not None:
            self._select_cell(case.code, site.id)
        matrix.focus()

    def action_focus_target(self) -> None:
        self._field("target").focus()

    def action_focus_note(self) -> None:
        self._field("note").focus()

    def action_focus_log(self) -> None:
        self._log_table.focus()

    def _load_selection_into_form(self) -> str | None:
        """p / f in a table log the selected cell or entry: put it in the form first.

        Returns the site a matrix cell requires of a typed number (per-number tests), so
        the change can refuse a number of another site. A typed target is never cleared.
        """
        focused = self.focused
        if focused is self._matrix_table:
            cell = self._matrix_cell()
            if cell is None:
                return None
            case, site = cell
            self._field("test").value = case.code
            target = self._field("target")
            if case.scope == "site":
                target.value = site.code
                return None
            try:
                _site, e164 = self._parse_target(target.value)
            except FormError:
                e164 = None
            if e164 is None:
                main = format_number(site.main_number) if site.main_number else "a number"
                raise FormError(
                    f"{case.code} at {site.code} is tested per number: type a {site.code} "
                    f"number in Target (e.g. {main}), then p / f."
                )
            info = self._numbers.get(e164)
            if info is not None and info.site_id != site.id:
                other = self._sites_by_id.get(info.site_id or "")
                raise FormError(
                    f"{format_number(e164)} is a {other.code if other else 'different'} "
                    f"number, not {site.code}: pick its own site's cell, or type a "
                    f"{site.code} number."
                )
            return site.id
        if focused is self._log_table:
            key = self._selected_log_key()
            entry = self._entries_by_id.get(key) if key else None
            if entry is not None:
                self._field("test").value = entry.test_case
                self._field("target").value = self._target_label(entry)
        return None

    def action_record(self, result: str) -> None:
        outcome = VerificationResult(result)
        if self._ver_data is None or self.store is None:
            self.notify("The cache is still opening; try again in a moment.", severity="warning")
            return
        from_input = isinstance(self.focused, Input)
        try:
            expect_site = self._load_selection_into_form()
            request = self._request(outcome)
        except FormError as exc:
            self._show_error(str(exc))
            return
        sites_by_id = dict(self._sites_by_id)

        def change(store: LocalStore) -> VerificationRow | dict[str, Any]:
            from golive_tui.domain.errors import ValidationFailed

            site_id = request.site.id if request.site else None
            target = request.site.code if request.site else ""
            number_id = None
            if request.e164 is not None:
                number = store.number_by_e164(request.e164)
                if number is None:
                    raise ValidationFailed(
                        f"{format_number(request.e164)} is not a number of this project. Check "
                        "the digits, or log the test against the site code."
                    )
                number_id = number.id
                site_id = number.site_id
                if expect_site is not None and site_id != expect_site:
                    here = sites_by_id.get(expect_site)
                    raise ValidationFailed(
                        f"{format_number(number.e164)} is not a "
                        f"{here.code if here else 'this site'} number; pick its own "
                        "site's cell, or type a number of this site."
                    )
                if request.case.scope == "number":
                    target = number.e164
                else:
                    site = sites_by_id.get(site_id or "")
                    if site is None:
                        raise ValidationFailed(
                            f"{format_number(number.e164)} has no site yet, so a "
                            f"{request.case.code} result cannot be placed; type the site code."
                        )
                    target = site.code
            return store.log_verification(
                request.case.code, target, outcome, site_id=site_id, number_id=number_id,
                note=request.note,
            )

        def done(record: Any) -> None:
            self._logged(record, request, from_input)

        self.golive.run_change(change, kinds=frozenset({EntityKind.VERIFICATION}), done=done)

    def _logged(self, record: Any, request: LogRequest, from_input: bool) -> None:
        self._field("note").value = ""
        record_id = str(record["id"])
        colours = self._colours()
        target = str(record["target"])
        where = format_number(target) if target.startswith("+") else target
        site = self._sites_by_id.get(record.get("site_id") or "")
        if request.result is VerificationResult.FAIL:
            info = self._numbers.get(request.e164) if request.e164 else None
            priority = failure_issue(request.case.code, where, request.note,
                                     info.number_type if info else None).priority
            text = Text.assemble(
                ("✗ ", f"bold {colours['fail']}"),
                (f"{request.case.code} failed at {where}", f"bold {colours['fail']}"),
                " logged · press ", ("o", "bold reverse"),
                f" to open a linked {priority.value} issue",
            )
            self.notify(f"{request.case.code} failed at {where}: o opens a linked issue.",
                        title="Failure logged", severity="warning", timeout=4)
            # o must reach this entry: from the text fields, or from another entry of the
            # log, select it in the log (a matrix cell's o takes its newest failure)
            if from_input or self.focused is self._log_table:
                self._pending_focus = record_id
        else:
            text = Text.assemble(
                ("✓ ", f"bold {colours['pass']}"),
                (f"{request.case.code} passed at {where}", colours["pass"]),
                " logged",
            )
            if site is not None and request.case.scope == "number":
                text.append(f" ({site.code})", style="dim")
        self._set_notice(text)
        self._refresh_keys()

    def _show_error(self, message: str) -> None:
        colours = self._colours()
        self._set_notice(
            Text.assemble(("✗ ", f"bold {colours['fail']}"), (message, colours["fail"])))
        self.notify(message, title="Not logged", severity="error", timeout=8)

    def action_open_issue(self) -> None:
        data = self._ver_data
        if data is None:
            return
        if self._pending_focus is not None and self._notice is not None:
            self._open_when_focused = True  # done once the reload selects the new failure
            return
        entry = self._selected_entry()
        if entry is None:
            self.notify("Select a failed test in the log or the matrix first.",
                        severity="warning")
            return
        if entry.result is not VerificationResult.FAIL:
            self.notify(f"This {entry.test_case} test passed; only a failure opens an issue.",
                        severity="warning")
            return
        link = data.linked.get(entry.id)
        if link is not None:
            self.notify(f"{link[0]} is already open for this failure; press 5 for the queue.",
                        title="Already linked", severity="warning")
            return
        site = self._sites_by_id.get(entry.site_id or "")
        site_code = site.code if site is not None else self._target_label(entry)
        where = site_code
        if entry.target.startswith("+"):
            where = f"{site_code} {format_number(entry.target)}" if site else format_number(
                entry.target)
        case = TEST_CASES.get(entry.test_case)
        lines = [f"On-site test {entry.test_case} failed at {where}."]
        if case is not None:
            lines.append(f"Test: {case.name}. Expected: {case.expected}.")
        tester = data.names.get(entry.tester, entry.tester)
        lines.append(f"Tested {self._when(entry.tested_at)} by {tester}.")
        if entry.note:
            lines.append(f"Note: {entry.note}")
        if entry.mos is not None:
            lines.append(f"MOS {entry.mos:g}" + (
                f", loss {entry.loss_pct:g} %" if entry.loss_pct is not None else ""))
        description = "\n".join(lines)

        def change(store: LocalStore) -> Any:
            number_type = None
            if entry.target.startswith("+"):
                number = store.number_by_e164(entry.target)
                number_type = number.number_type if number is not None else None
            # the rules refuse a second issue linked to one failed test
            draft = failure_issue(entry.test_case, where, entry.note, number_type)
            return store.open_issue(
                draft.title, priority=draft.priority, category=draft.category,
                description=description, site_id=entry.site_id, number_id=entry.number_id,
                verification_id=entry.id,
            )

        def done(record: Any) -> None:
            self._set_notice(Text.assemble(
                ("⚑ ", "bold"), (f"Opened {record['ref']}", "bold"),
                f" ({record['priority']}) for {entry.test_case} at {where}",
                " · 5 shows the issue queue",
            ))
            self.notify(f"{record['ref']} ({record['priority']}) opened.",
                        title="Issue opened", timeout=4)

        self.golive.run_change(change, kinds=frozenset({EntityKind.ISSUE}), done=done)
