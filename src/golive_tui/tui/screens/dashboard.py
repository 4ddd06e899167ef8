"""The dashboard: what the IPM watches all day, and where the go / no-go call is made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from golive_tui.domain.enums import (
    DecisionKind,
    E911Status,
    EntityKind,
    GateRule,
    OpAction,
    SignoffKind,
)
from golive_tui.domain.permissions import can, may_decide, may_move_cutovers, may_sign
from golive_tui.domain.transitions import PORT_DONE_STATES
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.screens.dashboard_panels import (
    DECISION_LABELS,
    NUMBER_PARTS,
    condition_id,
    condition_prompt,
    countdowns,
    decision_text,
    feed_rows,
    gate_badge,
    issue_counts,
    issue_rows,
    met_options,
    order_rows,
    wave_label,
    wrap_items,
)
from golive_tui.tui.widgets.meter import Meter, MeterPart
from golive_tui.tui.widgets.row_lines import RowLines

if TYPE_CHECKING:
    from golive_tui.domain.gate import UnmetCondition
    from golive_tui.store.local import LocalStore
    from golive_tui.tui.screens.dashboard_data import DashboardData, WaveInfo

#: where the IPM goes to fix each kind of unmet condition
RULE_TARGETS: dict[GateRule, tuple[str, str]] = {
    GateRule.SCOPE: ("", "what the wave holds"),
    GateRule.GATE_ITEMS: ("checklist", "Checklist"),
    GateRule.PORT_ORDERS: ("porting", "Porting"),
    GateRule.CHANGE_FREEZE: ("porting", "Porting"),
    GateRule.E911: ("", "record its validation"),
    GateRule.TEST_933: ("verification", "Verification"),
    GateRule.NETWORK: ("verification", "Verification"),
    GateRule.NO_OPEN_P1: ("issues", "Issues"),
    GateRule.CUSTOMER_COSIGN: ("", "who signs"),
}
#: what to do about a condition that no screen holds
RULE_HELP: dict[GateRule, str] = {
    GateRule.SCOPE: "A wave goes live with its sites and the port orders that serve them: "
    "add them to the wave.",
    GateRule.CUSTOMER_COSIGN: "The customer's main contact (a member with the customer role) "
    "co-signs the wave's go-live; the IPM's call comes after it.",
}
#: what Zoom can say of an emergency location's dispatchable address, validated first
E911_CHOICES: dict[E911Status, str] = {
    E911Status.VERIFIED: "validated (Zoom: address status 4, Verified)",
    E911Status.PENDING: "pending (submitted, not yet validated)",
    E911Status.INVALID: "invalid (Zoom could not validate it)",
}

# --------------------------------------------------------------------------- widgets


class UnmetList(OptionList):
    """The unmet gate conditions; enter opens the screen that holds one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", id="dashboard.open"),
    ]


# --------------------------------------------------------------------------- screen


class DashboardScreen(GoLiveScreen):
    """Countdowns, the go / no-go gate, issues, progress and what just happened."""

    SCREEN_TITLE = "Dashboard"
    WATCHES = frozenset({
        EntityKind.PROJECT, EntityKind.SITE, EntityKind.CHECKLIST_ITEM, EntityKind.PORT_ORDER, EntityKind.NUMBER, EntityKind.VERIFICATION,
        EntityKind.ISSUE, EntityKind.DECISION, EntityKind.MEMBER, EntityKind.CUTOVER,
        EntityKind.EMERGENCY_LOCATION, EntityKind.SIGNOFF,
    })
    # Screen declares these as instance variables, so no ClassVar here
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    AUTO_FOCUS = "#dash-unmet"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "decide('go')", "Go", id="dashboard.go"),
        Binding("n", "decide('no_go')", "No-go", id="dashboard.no_go"),
        Binding("r", "decide('rollback')", "Rollback", id="dashboard.rollback", show=False),
        Binding("c", "cosign", "Co-sign", id="dashboard.cosign"),
        Binding("w", "pick_wave", "Waves", id="dashboard.waves"),
        Binding("t", "move_wave", "Wave state", id="dashboard.wave_state", show=False),
        Binding("a", "add_wave", "Add wave", id="dashboard.add_wave", show=False),
        Binding("e", "edit_wave", "Edit wave", id="dashboard.edit_wave", show=False),
        Binding("f", "toggle_feed", "Activity feed", id="dashboard.feed", show=False),
    ]

    #: seconds between reloads, so SLA clocks and the feed move without a change
    RELOAD_EVERY = 30.0

    def __init__(self) -> None:
        super().__init__()
        self.data: DashboardData | None = None
        #: the wave picked with w (None: the current or next one)
        self.wave_id: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="dash-countdown")
        with Horizontal(id="dash-columns"):
            with Vertical(id="dash-gate-col", classes="dash-panel") as gate:
                gate.border_title = "Go / no-go"
                yield Static(id="dash-gate-badge")
                yield UnmetList(id="dash-unmet")
                yield Static(id="dash-unmet-detail")
                yield Static(id="dash-decision")
            with Vertical(id="dash-status-col"):
                with Vertical(id="dash-issues", classes="dash-panel") as issues:
                    issues.border_title = "Open issues"
                    yield Static(id="dash-issue-counts")
                    yield RowLines(id="dash-issue-lines", empty="No open issues.")
                with Vertical(id="dash-orders", classes="dash-panel") as orders:
                    orders.border_title = "Port orders"
                    yield RowLines(id="dash-order-lines", empty="No port orders.")
                with Vertical(id="dash-progress", classes="dash-panel") as progress:
                    progress.border_title = "Progress"
                    yield Meter("Checklist", id="dash-checklist-meter")
                    yield Meter("Numbers", id="dash-numbers-meter")
                    yield Static(id="dash-numbers-legend")
                    yield Static("Site tests passed", id="dash-verif-title")
                    yield Vertical(id="dash-verif")
            with VerticalScroll(id="dash-feed-col", classes="dash-panel") as feed:
                feed.border_title = "Activity"
                yield RowLines(id="dash-feed", empty="Nothing has happened yet.")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick_if_shown)
        self.set_interval(self.RELOAD_EVERY, self._periodic_reload)
        self._tick()

    def _tick_if_shown(self) -> None:
        if self.is_current:
            self._tick()

    def _periodic_reload(self) -> None:
        if self.store is not None and self.is_current:
            self.reload()

    # -- loading --------------------------------------------------------------------------

    def load(self, store: LocalStore) -> DashboardData:
        # what it reads and how, imported with the first load rather than at start-up
        from golive_tui.tui.screens.dashboard_data import load_dashboard

        return load_dashboard(store, self.golive.now(), self.wave_id)

    def show(self, data: Any) -> None:
        from golive_tui.tui.screens.dashboard_data import DashboardData

        if not isinstance(data, DashboardData):
            return
        first = self.data is None
        self.data = data
        if first:
            self.refresh_bindings()  # the cache is open: its role says whether g is on
        self._tick()
        self._show_gate(data)
        self._show_decision(data)
        self._show_issues(data)
        self._show_progress(data)
        self._show_feed(data)

    # -- countdowns -----------------------------------------------------------------------

    def _tick(self) -> None:
        self.query_one("#dash-countdown", Static).update(self._countdowns())
        if self.data is not None:
            self._show_orders(self.data)

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")

    def on_resize(self) -> None:
        # lines that depend on the width they get are built again for the new one
        if self.data is not None:
            self.call_after_refresh(self._show_issues, self.data)
            self.call_after_refresh(self._show_progress, self.data)
            self.call_after_refresh(self._show_gate, self.data)

    def _countdowns(self) -> Content:
        return countdowns(self.data, self.golive.now())

    # -- gate -----------------------------------------------------------------------------

    def _show_gate(self, data: DashboardData) -> None:
        gate = data.gate
        panel = self.query_one("#dash-gate-col")
        panel.border_title = (f"Go / no-go · {gate.cutover_name}" if gate.cutover_name
                              else "Go / no-go")
        if data.wave is not None and not data.wave.current:
            panel.border_title += " (picked: w)"  # not today's wave: w goes back to it
        wave = data.wave
        panel.border_subtitle = (
            f"{', '.join(wave.site_codes) or 'no sites'} · {wave.orders} order"
            f"{'' if wave.orders == 1 else 's'} · w waves" if wave is not None else "")
        self.query_one("#dash-gate-badge", Static).update(gate_badge(gate, self.wide))

        options = self.query_one("#dash-unmet", UnmetList)
        keep = options.highlighted_option.id if options.highlighted_option else None
        options.set_options([
            *(Option(condition_prompt(cond), id=condition_id(cond)) for cond in gate.unmet),
            *met_options(data),
        ])
        if gate.unmet:
            ids = [condition_id(c) for c in gate.unmet]
            options.highlighted = ids.index(keep) if keep in ids else 0
        self._show_condition_detail()

    def _highlighted_condition(self) -> UnmetCondition | None:
        if self.data is None:
            return None
        options = self.query_one("#dash-unmet", UnmetList)
        option = options.highlighted_option
        if option is None:
            return None
        for cond in self.data.gate.unmet:
            if condition_id(cond) == option.id:
                return cond
        return None

    def _show_condition_detail(self) -> None:
        detail = self.query_one("#dash-unmet-detail", Static)
        cond = self._highlighted_condition()
        if cond is None:
            option = self.query_one("#dash-unmet", UnmetList).highlighted_option
            met = (option.id or "") if option is not None else ""
            detail.update(
                Content.styled("Holds. ", "$success") + "A derived item follows its "
                "condition; it is not ticked by hand." if met.startswith("derived:")
                else Content.styled("Holds.", "$success") if met else "")
            return
        _mode, where = RULE_TARGETS[cond.rule]
        detail.update(Content.assemble(
            (f"{cond.detail}. ", ""), (f"⏎ {where}", "$accent"),
        ))

    @on(OptionList.OptionHighlighted, "#dash-unmet")
    def _condition_highlighted(self) -> None:
        self._show_condition_detail()

    @on(OptionList.OptionSelected, "#dash-unmet")
    async def _condition_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        cond = self._highlighted_condition()
        if cond is not None:
            await self.open_condition(cond)

    async def open_condition(self, cond: UnmetCondition) -> None:
        """Go to the screen that holds an unmet condition, on its record where possible."""
        mode, _where = RULE_TARGETS[cond.rule]
        if cond.rule is GateRule.E911:
            if self.data is not None and any(s.id == cond.ref_id for s in self.data.sites):
                self._notify_site(cond)
            else:
                self._validate_location(cond)
            return
        if not mode:
            self.notify(f"{cond}.\n{RULE_HELP.get(cond.rule, '')}".rstrip(),
                        title=cond.name, severity="warning", timeout=15)
            return
        await self.app.switch_mode(mode)
        focus = getattr(self.app.screen, "focus_record", None)
        if callable(focus):
            focus(cond.ref_id)

    def _validate_location(self, cond: UnmetCondition) -> None:
        """Record what Zoom says of an emergency location's dispatchable address: the
        rules stamp a validation and say who may record one."""
        from golive_tui.store.intents import SaveRecord  # read when first used
        from golive_tui.tui.widgets.forms import PickerModal  # read when first picked

        def picked(status: E911Status | None) -> None:
            if status is None:
                return
            self.golive.run_command(
                SaveRecord(EntityKind.EMERGENCY_LOCATION, cond.ref_id, {"status": status.value}),
                done=lambda _record: self.notify(
                    f"{cond.name.removeprefix('Location ')}: address "
                    f"{E911_CHOICES[status].split(' (')[0]}.", title="E911"),
            )

        self.app.push_screen(PickerModal(
            f"{cond.name}: its address in Zoom", list(E911_CHOICES.items()),
            hint="↑↓ what Zoom says · Enter record · Esc cancel"), picked)

    def _notify_site(self, cond: UnmetCondition) -> None:
        site = next((s for s in self.data.sites if s.id == cond.ref_id), None) if self.data \
            else None
        if site is None:
            self.notify(f"{cond}.\nValidate the dispatchable address in Zoom, then dial 933 "
                        "from that floor (E911-01 on the Verification screen).",
                        title="E911", severity="warning", timeout=15)
            return
        status = site.e911_status.value.replace("_", " ")
        self.notify(
            f"{site.name} ({site.code})\n"
            f"Emergency address: {site.e911_address or 'not set'}\n"
            f"Status in Zoom: {status}. It must be Verified (address status 4) before go; "
            "then dial 933 from each floor (E911-01 on the Verification screen).",
            title=f"E911 · site {site.code}",
            severity="warning",
            timeout=15,
        )

    # -- decision -------------------------------------------------------------------------

    def _show_decision(self, data: DashboardData) -> None:
        self.query_one("#dash-decision", Static).update(decision_text(data, self.golive.now()))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.store.role if self.store is not None else None
        if action == "decide" and role is not None and not may_decide(role):
            return None  # shown dimmed: this role makes no go / no-go call
        if action == "cosign" and (role is None or not may_sign(role,
                                                                SignoffKind.GO_LIVE_COSIGN)):
            return None  # shown dimmed: only the customer co-signs (the rules refuse others)
        if action == "move_wave" and role is not None and not may_move_cutovers(role):
            return None
        if action in ("add_wave", "edit_wave") and role is not None and not can(
            role, EntityKind.CUTOVER, OpAction.CREATE if action == "add_wave" else OpAction.UPDATE
        ):
            return None
        return True

    # -- waves ----------------------------------------------------------------------------

    @staticmethod
    def wave_label(wave: WaveInfo) -> str:
        return wave_label(wave)

    def action_pick_wave(self) -> None:
        """Every wave with its own gate; the one picked is shown (a later wave's gate is
        its own and never blocks today's)."""
        from golive_tui.tui.widgets.forms import PickerModal  # read when first picked

        if self.data is None or not self.data.waves:
            self.notify("This project has no cutover waves: its gate covers everything.",
                        title="Waves")
            return
        shown = self.data.wave.id if self.data.wave else None

        def picked(wave_id: str | None) -> None:
            if wave_id is None:
                return
            current = next((w for w in self.data.waves if w.current), None) if self.data \
                else None
            self.wave_id = None if current is not None and current.id == wave_id else wave_id
            self.reload()

        self.app.push_screen(
            PickerModal("Cutover waves", [(w.id, self.wave_label(w)) for w in self.data.waves],
                        current=shown),
            picked,
        )

    def action_add_wave(self) -> None:
        """A new cutover wave: its name, window and sites."""
        from golive_tui.tui.screens.dashboard_waves import open_wave_form

        open_wave_form(self, None)

    def action_edit_wave(self) -> None:
        """The shown wave's name, window and sites."""
        from golive_tui.tui.screens.dashboard_waves import open_wave_form

        wave = self.data.wave if self.data is not None else None
        if wave is None:
            self.notify("This project has no cutover waves yet: a adds one.", title="Waves")
            return
        open_wave_form(self, wave)

    def action_move_wave(self) -> None:
        """Move the shown wave on (planned → rehearsed → ready → live → completed)."""
        from golive_tui.tui.screens.dashboard_waves import move_wave

        move_wave(self)

    def action_cosign(self) -> None:
        """The customer's main contact co-signs the shown wave's go-live."""
        from golive_tui.tui.widgets.reason_dialog import ReasonDialog  # read when first asked

        if self.data is None or self.store is None:
            self.notify("The cache is still opening; try again in a moment.")
            return
        wave = self.data.wave
        name = wave.name if wave is not None else "the go-live"

        def signed(note: str | None) -> None:
            from golive_tui.store.intents import Sign  # read when first used

            if note is None:
                return
            self.golive.run_command(
                Sign(SignoffKind.GO_LIVE_COSIGN, cutover_id=wave.id if wave else None,
                     note=note),
                done=lambda _record: self.notify(f"Co-signed {name}.", title="Co-sign"),
            )

        self.app.push_screen(
            ReasonDialog(f"Co-sign {name}",
                         body=Content("Your co-sign says the customer is ready for this "
                                      "wave to go live; the IPM makes the call after it."),
                         placeholder="Note (optional)", confirm="co-sign"),
            signed,
        )

    def action_decide(self, kind: str) -> None:
        from golive_tui.tui.widgets.reason_dialog import ReasonDialog  # read when first asked

        if self.data is None or self.store is None:
            self.notify("The cache is still opening; try again in a moment.")
            return
        decision = DecisionKind(kind)
        gate = self.data.gate
        label, _style = DECISION_LABELS[decision]
        body: list[str | Content | tuple[str, str]] = []
        lines: list[Content] = []
        required: str | None
        if decision is DecisionKind.GO and not gate.ready:
            n = len(gate.unmet)
            body.append((f"The gate is NO-GO: {n} unmet condition{'s' if n != 1 else ''}. "
                         "Going ahead is recorded as an override with them:", "bold $warning"))
            lines = [condition_prompt(cond) for cond in gate.unmet]
            required = ("Going ahead with unmet conditions needs a reason: say why it is "
                        "safe to go, or press Esc.")
            placeholder = "Why is it safe to go anyway? (required)"
            # the rules module is read on the first call, not before the first paint
            from golive_tui.domain.rules import override_reason_problem

            check = override_reason_problem
        elif decision is DecisionKind.GO:
            body.append(("Every gate condition holds.", "$success"))
            required = None
            check = None
            placeholder = "Note (optional)"
        else:
            verb = "No-go" if decision is DecisionKind.NO_GO else "Rollback"
            body.append(f"{verb} is recorded in the audit log with the gate as it stands "
                        f"({len(gate.unmet)} unmet).")
            required = f"{verb} needs a reason: say what has to happen next, or press Esc."
            check = None
            placeholder = "What happened, and what has to happen next? (required)"

        # the conditions shown are the ones the call names: the rules refuse an override
        # of a condition that became unmet after it was shown
        shown = [str(cond) for cond in gate.unmet]
        wave = gate.cutover_id  # the call is for the wave whose gate is shown

        def recorded(reason: str | None) -> None:
            from golive_tui.store.intents import RecordDecision  # read when first used

            if reason is None:
                return
            self.golive.run_command(
                RecordDecision(decision, reason, unmet=shown, cutover_id=wave),
                done=self._decision_recorded,
            )

        self.app.push_screen(
            ReasonDialog(f"Record {label}", body=Content.assemble(*body), lines=lines,
                         placeholder=placeholder, required=required,
                         confirm=f"record {label}",
                         danger=decision is not DecisionKind.GO or not gate.ready,
                         check=check),
            recorded,
        )

    def _decision_recorded(self, record: Any) -> None:
        label, _style = DECISION_LABELS[DecisionKind(record["decision"])]
        if record.get("override"):
            n = len(record.get("unmet") or ())
            self.notify(f"{label} recorded as an override of {n} unmet conditions.",
                        title="Decision", severity="warning")
        else:
            self.notify(f"{label} recorded.", title="Decision")

    # -- issues ---------------------------------------------------------------------------

    def _show_issues(self, data: DashboardData) -> None:
        counts, title = issue_counts(data)
        self.query_one("#dash-issue-counts", Static).update(counts)
        self.query_one("#dash-issues", Vertical).border_title = title
        self.query_one("#dash-issue-lines", RowLines).set_rows(issue_rows(data, self.wide))

    # -- progress -------------------------------------------------------------------------

    def _show_progress(self, data: DashboardData) -> None:
        self.query_one("#dash-checklist-meter", Meter).update(
            [MeterPart(data.checklist_done, "$success")],
            total=data.checklist_total,
            figure=f"{data.checklist_done}/{data.checklist_total}",
        )
        counts = data.numbers
        total = sum(counts.values())
        live = sum(counts.get(s, 0) for s in PORT_DONE_STATES)
        parts = [MeterPart(sum(counts.get(s, 0) for s in states), style)
                 for _label, states, style in NUMBER_PARTS]
        self.query_one("#dash-numbers-meter", Meter).update(
            parts, total=total, figure=f"{live:,}/{total:,} live")
        legend = self.query_one("#dash-numbers-legend", Static)
        legend.update(wrap_items(
            [Content.assemble((label, style), f" {part.amount:,}")
             for (label, _states, style), part in zip(NUMBER_PARTS, parts, strict=True)
             if part.amount],
            legend.content_size.width or self.app.size.width,
        ))

        box = self.query_one("#dash-verif", Vertical)
        meters = {m.label: m for m in box.query(Meter)}
        if list(meters) != [v.code for v in data.verification]:
            box.remove_children()
            fresh = [Meter(v.code, label_width=4) for v in data.verification]
            box.mount_all(fresh)
            meters = {m.label: m for m in fresh}
        for v in data.verification:
            figure = Content.assemble(f"{v.passed}/{v.planned}")
            if v.failed:
                figure = Content.assemble(figure, (f" ✗{v.failed}", "bold $error"))
            meters[v.code].update(
                [MeterPart(v.passed, "$success"), MeterPart(v.failed, "$error")],
                total=v.planned, figure=figure,
            )

    # -- port orders ----------------------------------------------------------------------

    def _show_orders(self, data: DashboardData) -> None:
        self.query_one("#dash-order-lines", RowLines).set_rows(
            order_rows(data, self.golive.now()))

    # -- feed -----------------------------------------------------------------------------

    def _show_feed(self, data: DashboardData) -> None:
        rows, hang = feed_rows(data, self.golive.now())
        self.query_one("#dash-feed", RowLines).set_rows(rows, hang=hang)

    def action_toggle_feed(self) -> None:
        """On a narrow terminal the feed takes the place of issues and progress."""
        self.toggle_class("-feed")
