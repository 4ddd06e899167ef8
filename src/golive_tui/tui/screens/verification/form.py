"""The verification screen's form: target, test and note, read and explained as they are typed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.widgets import DataTable, Input, Static

from golive_tui.domain.enums import VerificationResult
from golive_tui.domain.phone import InvalidPhoneNumber, format_number, normalise_number
from golive_tui.domain.test_plan import TEST_CASES, recorded_order
from golive_tui.tui.screens.verification.log import VerificationLog
from golive_tui.tui.screens.verification.plan import (
    NUMBER_TYPES,
    FormError,
    LogRequest,
    NumberInfo,
    resolve_test_case,
)

if TYPE_CHECKING:
    from golive_tui.store.tables import SiteRow, VerificationRow


class VerificationForm(VerificationLog):
    """The three fields and the hint line that says what p / f will log."""

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
                        text.append(f" {NUMBER_TYPES.get(info.number_type, '')}")
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
            newest = max(entries, key=recorded_order)
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
