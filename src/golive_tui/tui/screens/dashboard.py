"""The dashboard: what the IPM watches all day, and where the go / no-go call is made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from golive_tui.domain.enums import (
    CutoverState,
    DecisionKind,
    E911Status,
    EntityKind,
    GateRule,
    OrderState,
    PortState,
    Priority,
    SignoffKind,
)
from golive_tui.domain.permissions import may_decide, may_move_cutovers, may_sign
from golive_tui.domain.port_orders import EASTERN, next_activation_window
from golive_tui.domain.time_text import local_time, span
from golive_tui.domain.transitions import CUTOVER, ORDER_DONE_STATES, PORT_DONE_STATES
from golive_tui.tui.screens.base import GoLiveScreen
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
RULE_TAGS: dict[GateRule, tuple[str, str]] = {
    GateRule.SCOPE: ("∅", "scope"),
    GateRule.GATE_ITEMS: ("◆", "items"),
    GateRule.PORT_ORDERS: ("⇄", "ports"),
    GateRule.CHANGE_FREEZE: ("❄", "freeze"),
    GateRule.E911: ("✚", "E911"),
    GateRule.TEST_933: ("☎", "933"),
    GateRule.NETWORK: ("≈", "net"),
    GateRule.NO_OPEN_P1: ("▲", "P1"),
    GateRule.CUSTOMER_COSIGN: ("✎", "co-sign"),
}

#: numbers by porting state, in the order of the path, with their colour on the bar
NUMBER_PARTS: tuple[tuple[str, tuple[PortState, ...], str], ...] = (
    ("verified", (PortState.VERIFIED,), "$success"),
    ("ported", (PortState.PORTED,), "$success 60%"),
    ("FOC", (PortState.FOC_CONFIRMED,), "$primary"),
    ("sent", (PortState.SUBMITTED,), "$secondary"),
    ("LOA/draft", (PortState.LOA_PENDING, PortState.DRAFT), "$foreground 45%"),
    ("snapback", (PortState.SNAPBACK_REQUESTED,), "$warning"),
    ("rejected", (PortState.REJECTED,), "$error"),
    ("cancelled", (PortState.CANCELLED, PortState.NOT_PORTABLE), "$foreground 25%"),
)

PRIORITY_STYLES: dict[Priority, str] = {
    Priority.P1: "bold $error",
    Priority.P2: "bold $warning",
    Priority.P3: "$primary",
    Priority.P4: "$text-muted",
}

#: what Zoom can say of an emergency location's dispatchable address, validated first
E911_CHOICES: dict[E911Status, str] = {
    E911Status.VERIFIED: "validated (Zoom: address status 4, Verified)",
    E911Status.PENDING: "pending (submitted, not yet validated)",
    E911Status.INVALID: "invalid (Zoom could not validate it)",
}

#: how each cutover state reads, and its colour
WAVE_STATE_STYLES: dict[CutoverState, str] = {
    CutoverState.PLANNED: "$text-muted",
    CutoverState.REHEARSED: "$secondary",
    CutoverState.READY: "$primary",
    CutoverState.LIVE: "bold $accent",
    CutoverState.COMPLETED: "$success",
    CutoverState.ROLLED_BACK: "$warning",
}

DECISION_LABELS: dict[DecisionKind, tuple[str, str]] = {
    DecisionKind.GO: ("GO", "$success"),
    DecisionKind.NO_GO: ("NO-GO", "$error"),
    DecisionKind.ROLLBACK: ("ROLLBACK", "$warning"),
}


def condition_id(cond: UnmetCondition) -> str:
    """An unmet condition's id in the list: one record may hold two conditions of a rule
    (a wave without sites and without orders), so the name is part of it."""
    return f"{cond.rule.value}:{cond.ref_id}:{cond.name}"


def wrap_items(items: list[Content], width: int, gap: int = 2) -> Content:
    """Items side by side, wrapped between items (never inside one) to fit ``width``."""
    lines: list[Content] = []
    line: Content | None = None
    for item in items:
        if line is None:
            line = item
        elif line.cell_length + gap + item.cell_length <= width:
            line = Content.assemble(line, " " * gap, item)
        else:
            lines.append(line)
            line = item
    if line is not None:
        lines.append(line)
    return Content("\n").join(lines)


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
        now = self.golive.now()
        data = self.data
        zone = ZoneInfo(data.zone) if data else EASTERN
        wave = data.wave if data else None
        parts: list[str | Content | tuple[str, str]] = [
            (f"{wave.name} " if wave else "Cutover ", "bold")]
        if wave is not None:
            parts += [(wave.state.value.replace("_", " "), WAVE_STATE_STYLES[wave.state]), " "]
        cutover = data.cutover_at if data else None
        if cutover is None:
            parts.append(("not scheduled", "$text-muted"))
        else:
            parts.append(cutover.astimezone(zone).strftime("%a %d %b %H:%M"))
            if wave is not None and wave.ends_at is not None:
                parts.append(wave.ends_at.astimezone(zone).strftime("–%H:%M"))
            parts.append(cutover.astimezone(zone).strftime(" %Z"))
            if zone.key != EASTERN.key:
                parts.append((cutover.astimezone(EASTERN).strftime(" (%H:%M ET)"),
                              "$text-muted"))
            left = (cutover - now).total_seconds()
            if left > 0:
                style = "bold $warning" if left < 15 * 60 else "bold $accent"
                parts += ["  ", (f"in {span(left, with_seconds=left < 3600)}", style)]
            else:
                parts += ["  ", (f"{span(-left)} ago", "$text-muted")]
        parts.append("\n")
        start, end = next_activation_window(now)
        parts.append(("FOC window ", "bold"))
        if start <= now:
            parts += [("OPEN", "bold reverse $success"),
                      f" since {start.astimezone(EASTERN):%H:%M} ET, closes by "
                      f"{end.astimezone(EASTERN):%H:%M} ET ",
                      (f"in {span((end - now).total_seconds())}", "bold $accent")]
        else:
            left = (start - now).total_seconds()
            parts += [f"{local_time(start, EASTERN, now)} ET  ",
                      (f"in {span(left, with_seconds=left < 3600)}", "bold $accent")]
        if data and data.sites:
            parts.append((" │ ", "$text-muted"))
            codes = set(data.wave.site_codes) if data.wave else None
            shown = [s for s in data.sites if codes is None or s.code in codes] or data.sites
            for index, site in enumerate(shown):
                local = start.astimezone(ZoneInfo(site.time_zone))
                if index:
                    parts.append(" ")
                parts += [(site.code, "bold"), f" {local:%H:%M}"]
        return Content.assemble(*parts)

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
        if gate.ready:
            checks = sum(gate.checked.values())
            badge = Content.assemble((" GO ", "bold reverse $success"),
                                     (f" every condition holds ({checks} checked)", "$success"))
        else:
            n = len(gate.unmet)
            badge = Content.assemble(
                (" NO-GO ", "bold reverse $error"),
                (f" {n} unmet condition{'s' if n != 1 else ''}", "bold $error"),
            )
        rules: list[str | Content | tuple[str, str]] = ["\n"]
        # wide: every rule by name; narrow: the failing ones, then how many hold
        met = 0
        for rule in GateRule:
            _glyph, label = RULE_TAGS[rule]
            unmet = len(gate.unmet_for(rule))
            if not unmet and not self.wide:
                met += 1
                continue
            if rules[-1] != "\n":
                rules.append("  " if self.wide else " ")
            if unmet:
                rules.append((f"✗{unmet} {label}", "$error"))
            else:
                rules.append((f"✓ {label}", "$success"))
        if met:
            if rules[-1] != "\n":
                rules.append(" ")
            rules.append((f"✓{met}" if met < len(GateRule) else "✓ every rule", "$success"))
        self.query_one("#dash-gate-badge", Static).update(Content.assemble(badge, *rules))

        options = self.query_one("#dash-unmet", UnmetList)
        keep = options.highlighted_option.id if options.highlighted_option else None
        options.set_options([
            *(Option(self._condition_prompt(cond), id=condition_id(cond))
              for cond in gate.unmet),
            *self._met_options(data),
        ])
        if gate.unmet:
            ids = [condition_id(c) for c in gate.unmet]
            options.highlighted = ids.index(keep) if keep in ids else 0
        self._show_condition_detail()

    @staticmethod
    def _met_options(data: DashboardData) -> list[Option]:
        """The conditions that hold, with how many records each weighed, then the
        checklist items the gate derives (shown, never ticked)."""
        gate = data.gate
        options = [
            Option(Content.assemble((f"✓ {RULE_TAGS[rule][0]} ", "$success"), rule.label,
                                    (f"  {gate.checked.get(rule, 0)} checked", "$text-muted")),
                   id=f"met:{rule.value}")
            for rule in GateRule if gate.rule_met(rule)
        ]
        for item in data.derived:
            try:
                held = gate.rule_met(GateRule(item.evidence))
            except ValueError:
                continue  # evidence this version does not derive
            options.append(Option(Content.assemble(
                ("≡ ", "$success" if held else "$error"), (item.key, "bold"), " ",
                (item.title, "$text-muted"), (" derived, not ticked", "italic $text-muted"),
            ), id=f"derived:{item.key}"))
        return options

    @staticmethod
    def _condition_prompt(cond: UnmetCondition) -> Content:
        glyph, _label = RULE_TAGS[cond.rule]
        return Content.assemble((f"{glyph} ", "$error"), (cond.name, "bold"), "  ",
                                (cond.detail, "$text-muted"))

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
        from golive_tui.tui.widgets.forms import PickerModal  # read when first picked

        def picked(status: E911Status | None) -> None:
            if status is None:
                return
            self.golive.run_change(
                lambda store: store.update_record(EntityKind.EMERGENCY_LOCATION, cond.ref_id,
                                                  status=status.value),
                kinds=frozenset({EntityKind.EMERGENCY_LOCATION}),
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
        latest = data.decision
        widget = self.query_one("#dash-decision", Static)
        if latest is None:
            widget.update(Content.assemble(
                ("Last call ", "bold"), ("none recorded yet", "$text-muted"), "\n",
                ("g", "bold $accent"), " go  ", ("n", "bold $accent"), " no-go  ",
                ("r", "bold $accent"), " rollback",
            ))
            return
        label, style = DECISION_LABELS[latest.decision]
        zone = ZoneInfo(data.zone)
        when = local_time(latest.at, zone, self.golive.now()) if latest.at else "?"
        parts: list[str | Content | tuple[str, str]] = [
            ("Last call ", "bold"), (f" {label} ", f"bold reverse {style}"),
        ]
        if latest.override:
            parts.append((f" OVERRIDE of {latest.unmet} unmet", "bold $warning"))
        parts += [(f" by {latest.by} at {when}", "$text-muted"), "\n",
                  (latest.reason or "no reason given", "italic")]
        widget.update(Content.assemble(*parts))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.store.role if self.store is not None else None
        if action == "decide" and role is not None and not may_decide(role):
            return None  # shown dimmed: this role makes no go / no-go call
        if action == "cosign" and (role is None or not may_sign(role,
                                                                SignoffKind.GO_LIVE_COSIGN)):
            return None  # shown dimmed: only the customer co-signs (the rules refuse others)
        if action == "move_wave" and role is not None and not may_move_cutovers(role):
            return None
        return True

    # -- waves ----------------------------------------------------------------------------

    @staticmethod
    def wave_label(wave: WaveInfo) -> str:
        when = f"{wave.starts_at:%a %d %b}" if wave.starts_at is not None else "no date"
        gate = "GO" if wave.ready else f"NO-GO ({wave.unmet} unmet)"
        mark = "▶ " if wave.current else "  "  # the wave the team is on now
        return f"{mark}{wave.name} · {when} · {wave.state.value.replace('_', ' ')} · {gate}"

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

    def action_move_wave(self) -> None:
        """Move the shown wave on: planned → rehearsed → ready → live → completed, or
        rolled back (what the rules allow from where it is)."""
        from golive_tui.tui.widgets.forms import PickerModal  # read when first picked

        wave = self.data.wave if self.data is not None else None
        if wave is None:
            self.notify("This project has no cutover waves to move.", title="Wave state")
            return
        moves = sorted(CUTOVER.allowed(wave.state), key=list(CutoverState).index)
        if not moves:
            self.notify(f"{wave.name} is {wave.state.value}: it moves no further.",
                        title="Wave state")
            return

        def picked(target: CutoverState | None) -> None:
            if target is None:
                return
            self.golive.run_change(
                lambda store: store.transition_record(EntityKind.CUTOVER, wave.id,
                                                      target.value),
                kinds=frozenset({EntityKind.CUTOVER}),
                done=lambda _record: self.notify(
                    f"{wave.name} is {target.value.replace('_', ' ')}.", title="Wave state"),
            )

        self.app.push_screen(PickerModal(
            f"{wave.name}: {wave.state.value.replace('_', ' ')} →",
            [(state, state.value.replace("_", " ")) for state in moves]), picked)

    def action_cosign(self) -> None:
        """The customer's main contact co-signs the shown wave's go-live."""
        from golive_tui.tui.widgets.reason_dialog import ReasonDialog  # read when first asked

        if self.data is None or self.store is None:
            self.notify("The cache is still opening; try again in a moment.")
            return
        wave = self.data.wave
        name = wave.name if wave is not None else "the go-live"

        def signed(note: str | None) -> None:
            if note is None:
                return
            self.golive.run_change(
                lambda store: store.sign(SignoffKind.GO_LIVE_COSIGN,
                                         cutover_id=wave.id if wave else None, note=note),
                kinds=frozenset({EntityKind.SIGNOFF}),
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
            lines = [self._condition_prompt(cond) for cond in gate.unmet]
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
            if reason is None:
                return
            self.golive.run_change(
                lambda store: store.record_decision(decision, reason, unmet=shown,
                                                    cutover_id=wave),
                kinds=frozenset({EntityKind.DECISION}),
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
        parts: list[str | Content | tuple[str, str]] = []
        total = 0
        for priority in Priority:
            n_open, n_breached = data.issue_counts[priority]
            total += n_open
            if parts:
                parts.append("  ")
            style = PRIORITY_STYLES[priority] if n_open else "$text-disabled"
            parts.append((f"{priority.value} {n_open}", style))
            if n_breached:
                parts.append((f" ⚠{n_breached}", "bold $error"))
        self.query_one("#dash-issue-counts", Static).update(Content.assemble(*parts))
        panel = self.query_one("#dash-issues", Vertical)
        breached = sum(b for _n, b in data.issue_counts.values())
        panel.border_title = f"Open issues · {total}" + (
            f" · {breached} SLA breached" if breached else "")
        rows: list[tuple[Content | str, Content | str]] = []
        for line in data.issues:
            style = "bold $error" if line.breached else ""
            ref = (f"{line.ref} ", "$text-muted") if self.wide else ""
            rows.append((
                Content.assemble((line.priority.value, PRIORITY_STYLES[line.priority]), " ",
                                 ref, (line.title, style)),
                Content.styled(line.clock, "bold $error" if line.breached else "$text-muted"),
            ))
        self.query_one("#dash-issue-lines", RowLines).set_rows(rows)

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
        now = self.golive.now()
        rows: list[tuple[Content | str, Content | str]] = []
        for order in data.orders:
            state = order.status.value.replace("_", " ")
            if order.status is OrderState.FOC_CONFIRMED:
                state = "FOC"
            if order.rejection_code:
                state += f" {order.rejection_code}"
            style = ("$success" if order.status in ORDER_DONE_STATES else
                     "$error" if order.status is OrderState.REJECTED else
                     "$primary" if order.status is OrderState.FOC_CONFIRMED else "$warning")
            left = Content.assemble(
                (order.pon, "bold"), " ", (state, style), f" {order.numbers:,} ",
                (order.carrier, "$text-muted"),
            )
            right: Content | str = ""
            if order.foc is not None:
                label = local_time(order.foc, EASTERN, now, compact=True)
                if ":" in label:
                    label += " ET"
                tag = "FOC" if order.foc_confirmed else "asked"
                seconds = (order.foc - now).total_seconds()
                if order.status in ORDER_DONE_STATES:
                    right = Content.styled(f"{tag} {label}", "$text-muted")
                elif seconds > 0:
                    right = Content.assemble(
                        (f"{tag} {label} ", "$text-muted"),
                        (f"in {span(seconds)}", "bold $accent" if order.foc_confirmed
                         else "$warning"),
                    )
                else:
                    right = Content.styled(f"{tag} {label} passed", "bold $error")
            rows.append((left, right))
        self.query_one("#dash-order-lines", RowLines).set_rows(rows)

    # -- feed -----------------------------------------------------------------------------

    def _show_feed(self, data: DashboardData) -> None:
        zone = ZoneInfo(data.zone)
        now = self.golive.now()
        # first names, and columns only as wide as what is in them
        lines = [(local_time(e.at, zone, now, compact=True), e.who.split(" ")[0][:10], e)
                 for e in data.feed]
        when_width = max((len(when) for when, _who, _e in lines), default=0)
        who_width = max((len(who) for _when, who, _e in lines), default=0)
        rows: list[tuple[Content | str, Content | str]] = [
            (Content.assemble((f"{when:>{when_width}} ", "$text-muted"),
                              (f"{who:<{who_width}} ", "bold"), (event.text, event.style)), "")
            for when, who, event in lines
        ]
        # what happened, and why, wraps under the time and the name rather than being cut
        self.query_one("#dash-feed", RowLines).set_rows(rows, hang=when_width + who_width + 2)

    def action_toggle_feed(self) -> None:
        """On a narrow terminal the feed takes the place of issues and progress."""
        self.toggle_class("-feed")
