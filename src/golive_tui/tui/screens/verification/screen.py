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

The form keeps its text when a target is refused; only the note clears, once it is logged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Input, Label, Static

from golive_tui.domain.enums import EntityKind, VerificationResult
from golive_tui.domain.network import CALL_QUALITY_TEST
from golive_tui.domain.phone import format_number
from golive_tui.domain.sites import TEST_933
from golive_tui.domain.test_plan import PLAN, TEST_CASES, failure_issue, latest_results
from golive_tui.resources import styles_dir
from golive_tui.store.intents import LogVerification, OpenFailureIssue
from golive_tui.tui.screens.verification.form import VerificationForm
from golive_tui.tui.screens.verification.plan import (
    E911_WORDS,
    MEASURE_FIELDS,
    TALL,
    WIDE,
    FormError,
    LogRequest,
    VerificationData,
    measures_problem,
    resolve_test_case,
)
from golive_tui.tui.widgets.fast_table import FastTable
from golive_tui.tui.widgets.forms import FormField, PickerModal, RecordForm
from golive_tui.tui.widgets.reason_dialog import ReasonDialog
from golive_tui.tui.widgets.text_entry import TextField

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore


class VerificationLogScreen(VerificationForm):
    """Quick entry of test calls, the test × site matrix and the append-only log."""

    SCREEN_TITLE = "Verification"
    CSS_PATH = str(styles_dir() / "verification.tcss")
    WATCHES = frozenset({
        EntityKind.VERIFICATION, EntityKind.ISSUE, EntityKind.SITE, EntityKind.MEMBER,
        EntityKind.PROJECT, EntityKind.NUMBER, EntityKind.EMERGENCY_LOCATION,
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
        Binding("a", "record('not_applicable')", "N/A", id="verification.not_applicable"),
        Binding("o", "open_issue", "Open issue", id="verification.open_issue"),
        Binding("escape", "focus_matrix", "Matrix", id="verification.matrix"),
        Binding("slash", "focus_target", "Target", id="verification.target", key_display="/",
                show=False),
        Binding("n", "focus_note", "Note", id="verification.note", show=False),
        Binding("l", "focus_log", "Log", id="verification.log", show=False),
    ]

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
            locations=store.emergency_locations(),
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
            return
        floor = next((loc for loc in self._ver_data.locations if loc.id == record_id), None)
        site = self._sites_by_id.get(floor.site_id) if floor is not None else None
        if floor is not None and site is not None:
            # a 933 test to log from this floor (the gate's 933 condition): the form is
            # filled in, the note is next, and p offers this floor first
            self._pending_focus = None
            self._floor_first = floor.id
            self._field("target").value = site.code
            self._field("test").value = TEST_933
            self._field("note").focus()

    @on(Input.Submitted, "#ver-note")
    def _note_entered(self) -> None:
        self.action_focus_matrix()

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
        self._ask_details(request, lambda ready: self._submit(ready, expect_site, from_input))

    def _ask_details(self, request: LogRequest, then: Callable[[LogRequest], None]) -> None:
        """Ask what this result needs besides the form: why a test does not apply, the
        emergency location a 933 test was dialled from, a call's measured values."""
        code, site = request.case.code, request.site
        if request.result is VerificationResult.NOT_APPLICABLE:
            if site is None:
                self._show_error(f"{code} is marked not applicable for a site: type its code.")
                return
            if request.note:
                then(request)
                return

            def reason(text: str | None) -> None:
                if text:
                    then(replace(request, note=text))

            self.app.push_screen(ReasonDialog(
                f"{code} not applicable at {site.code}",
                f"Why does {code} not apply at {site.code}? It then does not count as "
                "planned there.", placeholder="e.g. no fax line at this site",
                required="Say why the test does not apply here."), reason)
            return
        if code == TEST_933:
            self._ask_location(request, then)
            return
        if code == CALL_QUALITY_TEST and request.result is VerificationResult.PASS:
            self._ask_measures(request, then)
            return
        then(request)

    def _ask_location(self, request: LogRequest, then: Callable[[LogRequest], None]) -> None:
        site = request.site
        if site is None:
            self._show_error("A 933 test is logged against the site code and a floor of it; "
                             "type the site code in Target.")
            return
        data = self._ver_data
        floors = [loc for loc in (data.locations if data else []) if loc.site_id == site.id]
        if not floors:
            self._show_error(f"{site.code} has no emergency locations yet: add its floors "
                             "with their dispatchable addresses, then log the 933 test from one.")
            return

        def picked(location_id: str | None) -> None:
            if location_id is not None:
                then(replace(request, extra={"emergency_location_id": location_id}))

        options = [(loc.id, f"{loc.name} · {E911_WORDS.get(str(loc.status), str(loc.status))}"
                            f" · {loc.address}") for loc in floors]
        first = self._floor_first if any(loc.id == self._floor_first for loc in floors) \
            else None
        self.app.push_screen(PickerModal(
            f"933 test at {site.code}: dialled from", options, current=first,
            hint="↑↓ the emergency location · Enter log · Esc cancel"), picked)

    def _ask_measures(self, request: LogRequest, then: Callable[[LogRequest], None]) -> None:
        where = request.site.code if request.site else "this site"

        def check(values: dict[str, Any]) -> str | None:
            return measures_problem(values)

        def entered(values: dict[str, Any] | None) -> None:
            if values is not None:
                then(replace(request, extra={k: float(v) for k, v in values.items()}))

        fields = [FormField(name, label, required=True, placeholder=hint)
                  for name, label, hint in MEASURE_FIELDS]
        self.app.push_screen(RecordForm(
            f"{CALL_QUALITY_TEST} at {where}: what was measured", fields,
            zone=ZoneInfo(self._ver_data.time_zone if self._ver_data else "UTC"),
            check=check), entered)

    def _submit(self, request: LogRequest, expect_site: str | None, from_input: bool) -> None:
        command = LogVerification(
            request.case.code, request.case.scope == "number", request.result,
            site_id=request.site.id if request.site else None,
            site_code=request.site.code if request.site else "",
            e164=request.e164, expect_site=expect_site,
            site_codes={site_id: site.code for site_id, site in self._sites_by_id.items()},
            note=request.note, fields=request.extra,
        )

        def done(record: Any) -> None:
            self._logged(record, request, from_input)

        self.golive.run_command(command, done=done)

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

        command = OpenFailureIssue(
            entry.id, entry.test_case, entry.target, where, entry.note, description,
            site_id=entry.site_id, number_id=entry.number_id,
        )

        def done(record: Any) -> None:
            self._set_notice(Text.assemble(
                ("⚑ ", "bold"), (f"Opened {record['ref']}", "bold"),
                f" ({record['priority']}) for {entry.test_case} at {where}",
                " · 5 shows the issue queue",
            ))
            self.notify(f"{record['ref']} ({record['priority']}) opened.",
                        title="Issue opened", timeout=4)

        self.golive.run_command(command, done=done)
