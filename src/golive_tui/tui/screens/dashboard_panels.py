"""What each panel of the dashboard says, built from the loaded data: the countdowns, the
gate's badge and conditions, the last call, the issues, the port orders, the feed.

Each builder takes the data (and the clock, the width) and gives back what a widget shows;
the screen (:mod:`golive_tui.tui.screens.dashboard`) decides where it goes and acts on keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from textual.content import Content
from textual.widgets.option_list import Option

from golive_tui.domain.enums import (
    CutoverState,
    DecisionKind,
    GateRule,
    OrderState,
    PortState,
    Priority,
)
from golive_tui.domain.port_orders import EASTERN, next_activation_window
from golive_tui.domain.time_text import local_time, span
from golive_tui.domain.transitions import ORDER_DONE_STATES

if TYPE_CHECKING:
    from datetime import datetime

    from golive_tui.domain.gate import GateResult, UnmetCondition
    from golive_tui.tui.screens.dashboard_data import DashboardData, WaveInfo

#: a line's parts as Content.assemble takes them
Parts = list[str | Content | tuple[str, str]]
#: a RowLines row: what it says, and what stands at its right
Row = tuple[Content | str, Content | str]

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


# -- countdowns ----------------------------------------------------------------------------


def countdowns(data: DashboardData | None, now: datetime) -> Content:
    """The wave and its time to go, then Zoom's next activation window at each site."""
    zone = ZoneInfo(data.zone) if data else EASTERN
    wave = data.wave if data else None
    parts: Parts = [(f"{wave.name} " if wave else "Cutover ", "bold")]
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


# -- gate ----------------------------------------------------------------------------------


def gate_badge(gate: GateResult, wide: bool) -> Content:
    """GO or NO-GO, then each rule: wide, every rule by name; narrow, the failing ones and
    how many hold."""
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
    rules: Parts = ["\n"]
    met = 0
    for rule in GateRule:
        _glyph, label = RULE_TAGS[rule]
        unmet = len(gate.unmet_for(rule))
        if not unmet and not wide:
            met += 1
            continue
        if rules[-1] != "\n":
            rules.append("  " if wide else " ")
        if unmet:
            rules.append((f"✗{unmet} {label}", "$error"))
        else:
            rules.append((f"✓ {label}", "$success"))
    if met:
        if rules[-1] != "\n":
            rules.append(" ")
        rules.append((f"✓{met}" if met < len(GateRule) else "✓ every rule", "$success"))
    return Content.assemble(badge, *rules)


def condition_prompt(cond: UnmetCondition) -> Content:
    glyph, _label = RULE_TAGS[cond.rule]
    return Content.assemble((f"{glyph} ", "$error"), (cond.name, "bold"), "  ",
                            (cond.detail, "$text-muted"))


def met_options(data: DashboardData) -> list[Option]:
    """The conditions that hold, with how many records each weighed, then the checklist
    items the gate derives (shown, never ticked)."""
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


def wave_label(wave: WaveInfo) -> str:
    """A wave in the picker: its day, its state and its own gate."""
    when = f"{wave.starts_at:%a %d %b}" if wave.starts_at is not None else "no date"
    gate = "GO" if wave.ready else f"NO-GO ({wave.unmet} unmet)"
    mark = "▶ " if wave.current else "  "  # the wave the team is on now
    return f"{mark}{wave.name} · {when} · {wave.state.value.replace('_', ' ')} · {gate}"


def decision_text(data: DashboardData, now: datetime) -> Content:
    """The last go / no-go call, by whom and why, or the keys that make one."""
    latest = data.decision
    if latest is None:
        return Content.assemble(
            ("Last call ", "bold"), ("none recorded yet", "$text-muted"), "\n",
            ("g", "bold $accent"), " go  ", ("n", "bold $accent"), " no-go  ",
            ("r", "bold $accent"), " rollback",
        )
    label, style = DECISION_LABELS[latest.decision]
    when = local_time(latest.at, ZoneInfo(data.zone), now) if latest.at else "?"
    parts: Parts = [("Last call ", "bold"), (f" {label} ", f"bold reverse {style}")]
    if latest.override:
        parts.append((f" OVERRIDE of {latest.unmet} unmet", "bold $warning"))
    parts += [(f" by {latest.by} at {when}", "$text-muted"), "\n",
              (latest.reason or "no reason given", "italic")]
    return Content.assemble(*parts)


# -- issues, orders, feed ------------------------------------------------------------------


def issue_counts(data: DashboardData) -> tuple[Content, str]:
    """Open issues by priority with their SLA breaches, and the panel's title."""
    parts: Parts = []
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
    breached = sum(b for _n, b in data.issue_counts.values())
    title = f"Open issues · {total}" + (f" · {breached} SLA breached" if breached else "")
    return Content.assemble(*parts), title


def issue_rows(data: DashboardData, wide: bool) -> list[Row]:
    rows: list[Row] = []
    for line in data.issues:
        style = "bold $error" if line.breached else ""
        ref = (f"{line.ref} ", "$text-muted") if wide else ""
        rows.append((
            Content.assemble((line.priority.value, PRIORITY_STYLES[line.priority]), " ",
                             ref, (line.title, style)),
            Content.styled(line.clock, "bold $error" if line.breached else "$text-muted"),
        ))
    return rows


def order_rows(data: DashboardData, now: datetime) -> list[Row]:
    """Each port order: its state and numbers, and its FOC counting down (ET)."""
    rows: list[Row] = []
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
    return rows


def feed_rows(data: DashboardData, now: datetime) -> tuple[list[Row], int]:
    """What happened, newest first, and how far a wrapped line hangs (under the time and
    the name, so what happened, and why, wraps rather than being cut)."""
    zone = ZoneInfo(data.zone)
    # first names, and columns only as wide as what is in them
    lines = [(local_time(e.at, zone, now, compact=True), e.who.split(" ")[0][:10], e)
             for e in data.feed]
    when_width = max((len(when) for when, _who, _e in lines), default=0)
    who_width = max((len(who) for _when, who, _e in lines), default=0)
    rows: list[Row] = [
        (Content.assemble((f"{when:>{when_width}} ", "$text-muted"),
                          (f"{who:<{who_width}} ", "bold"), (event.text, event.style)), "")
        for when, who, event in lines
    ]
    return rows, when_width + who_width + 2
