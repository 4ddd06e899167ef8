"""The lifecycle screen's timeline and its phases tab: the seven phases with their
milestones, exit criteria, what is late and the phase log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.content import Content

from golive_tui.domain import lifecycle
from golive_tui.domain.enums import (
    ActionStatus,
    ChangeRequestState,
    LifecyclePhase,
    MilestoneStatus,
    RaidStatus,
)
from golive_tui.domain.phone import format_number
from golive_tui.tui.screens.lifecycle.data import PHASE_ROW, PhaseView
from golive_tui.tui.screens.lifecycle.frame import Columns, Frame, label

#: a short name per phase for the timeline at 80 columns
SHORT = {
    LifecyclePhase.IPM_ASSIGNED: "IPM",
    LifecyclePhase.INITIAL_SETUP: "Setup",
    LifecyclePhase.KICKOFF: "Kickoff",
    LifecyclePhase.IMPLEMENTATION: "Build",
    LifecyclePhase.GO_LIVE: "Go-live",
    LifecyclePhase.HYPERCARE: "Hypercare",
    LifecyclePhase.ACCEPTANCE: "Acceptance",
}
STATUS_STYLE = {
    MilestoneStatus.DONE: "$success",
    MilestoneStatus.LATE: "bold $error",
    MilestoneStatus.AT_RISK: "bold $warning",
    MilestoneStatus.ON_TRACK: "",
    MilestoneStatus.PLANNED: "$text-muted",
}


class PhaseTables(Frame):
    """The timeline, and the phases tab's rows, side panel and detail line."""

    # -- the timeline ---------------------------------------------------------------------

    def timeline(self) -> Content:
        """The seven phases on one line, and the current one's standing under it."""
        data = self.data
        now = self.now
        parts: list[Content | tuple[str, str] | str] = []
        for view in data.phases:
            if parts:
                parts.append(("─", "$text-muted"))
            name = view.phase.label if self.wide else SHORT[view.phase]
            if view.closed:
                mark, style = "✓", "$success"
            elif view.current:
                mark, style = "▶", "bold reverse $accent"
            else:
                mark, style = "○", "$text-muted"
            parts.append((f"{mark}{view.phase.number} {name}", style))
            if self.wide and view.closed and view.event is not None and view.event.at:
                parts.append((f" {view.event.at.astimezone(self.zone):%d %b}", "$text-muted"))
        current = next(v for v in data.phases if v.phase is data.phase)
        # what is late: milestones past their plan and not done (a phase closed over one
        # leaves it undone), and checklist items past due in the phases still open
        late = [m.name for v in data.phases for m in v.late(now)] + [
            key for v in data.phases if not v.closed for key in v.overdue(now)]
        # at 80 columns the title line already names the phase
        summary: list[Content | tuple[str, str] | str] = [
            (f"{lifecycle.phase_text(data.phase)} · " if self.wide else "", "bold")]
        if current.closed:
            summary.append(("closed · ", "$success"))
        unmet = len(current.unmet)
        summary.append((f"{'exit ' if self.wide else ''}criteria "
                        f"{len(current.criteria) - unmet}/{len(current.criteria)} met",
                        "$warning" if unmet else "$success"))
        summary.append((f" · {len(late)} late", "bold $error") if late else (" · none late",
                                                                            "$success"))
        open_actions = sum(a.status is ActionStatus.OPEN for a in data.actions)
        open_raid = sum(r.status is not RaidStatus.CLOSED for r in data.raid)
        proposed = sum(c.state is ChangeRequestState.PROPOSED for c in data.changes)
        if self.wide:
            summary.append((f" · {open_actions} actions open · {open_raid} RAID open"
                            f" · {proposed} CR to decide", "$text-muted"))
        else:  # one line at 80 columns
            summary.append((f" · open: {open_actions} actions, {open_raid} RAID,"
                            f" {proposed} CR", "$text-muted"))
        return Content.assemble(*parts, "\n", *summary)

    # -- phases and milestones ------------------------------------------------------------

    def phase_columns(self) -> Columns:
        if self.wide:
            return [("name", "Phase / milestone", 0), ("owner", "Owner", 16),
                    ("planned", "Planned", 11), ("forecast", "Forecast", 11),
                    ("actual", "Actual", 11), ("status", "Status", 9)]
        return [("name", "Phase / milestone", 0), ("owner", "Owner", 9),
                ("planned", "Plan", 6), ("forecast", "Fcst", 6),
                ("actual", "Actual", 6), ("status", "Status", 8)]

    def phase_rows(self) -> list[tuple[str, list[Any]]]:
        data = self.data
        now = self.now
        rows: list[tuple[str, list[Any]]] = []
        for view in data.phases:
            head = Text(no_wrap=True, overflow="ellipsis")
            if view.closed:
                status = Text("closed", style="green")
                head.append(f"✓ {view.phase.number} {view.phase.label}", style="bold")
            elif view.current:
                status = Text("current", style="bold reverse")
                head.append(f"▶ {view.phase.number} {view.phase.label}", style="bold")
            else:
                status = Text("ahead", style="dim")
                head.append(f"○ {view.phase.number} {view.phase.label}", style="dim")
            unmet = len(view.unmet)
            if unmet and not view.closed:
                head.append(f"  {unmet} unmet", style="yellow")
            late = len(view.late(now)) + len(view.overdue(now))
            if late and not view.closed:
                head.append(f" {late} late", style="bold red")
            closed_at = view.event.at if view.closed and view.event is not None else None
            rows.append((f"{PHASE_ROW}{view.phase.value}",
                         [head, "", "", "", self.when(closed_at, done=True), status]))
            for m in view.milestones:
                state = lifecycle.milestone_status(m.model_dump(), now)
                name = Text(f"   {m.name}", no_wrap=True, overflow="ellipsis",
                            style="dim" if state is MilestoneStatus.DONE else "")
                if m.pending:
                    name.append(" ⟳", style="dim")
                owner = data.name(m.owner)
                rows.append((m.id, [
                    name,
                    Text(owner if self.wide else owner.split(" ")[0], no_wrap=True,
                         overflow="ellipsis"),
                    self.when(m.due_at, done=True),
                    self.when(m.forecast_at),
                    self.when(m.done_at),
                    Text.from_markup(_status_markup(state)),
                ]))
        return rows

    def phase_side(self, key: str) -> Content:
        """The highlighted phase's every exit criterion, and the whole phase log."""
        data = self.data
        view = self.data.phase_of(key) or next(v for v in data.phases if v.current)
        parts: list[Content | tuple[str, str] | str] = [
            (f"Exit criteria · {view.phase.label}", "bold"), "\n"]
        for criterion in view.criteria:
            parts += [("✓ " if criterion.met else "✗ ", "$success" if criterion.met
                       else "bold $error"), str(criterion), "\n"]
        if not view.criteria:
            parts += [("none: the IPM closes it when ready", "$text-muted"), "\n"]
        now = self.now
        late = [f"Milestone {m.name}" for m in view.late(now)] + [
            f"Checklist {key}" for key in view.overdue(now)]
        if late and not view.closed:
            parts += ["\n", ("Late", "bold $error"), "\n"]
            for name in late:
                parts += [("! ", "bold $error"), name, "\n"]
        parts += ["\n", ("Phase log", "bold"), "\n"]
        for event in reversed(data.events):
            when = event.at.astimezone(self.zone).strftime("%d %b %H:%M") if event.at else "?"
            style = "$success" if event.action == "closed" else "$warning"
            parts += [(f"{when} ", "$text-muted"),
                      (f"{event.action} {LifecyclePhase(event.phase).label}", style),
                      (f" · {event.by}", "$text-muted"), "\n"]
            if event.reason:
                parts += [(f"  {event.reason}", "italic"), "\n"]
        return Content.assemble(*parts)

    def phase_detail(self, key: str) -> Content:
        data = self.data
        now = self.now
        if key.startswith(PHASE_ROW):
            view = next(v for v in data.phases if v.phase.value == key[len(PHASE_ROW):])
            return self.phase_text(view, now)
        milestone = next((m for v in data.phases for m in v.milestones if m.id == key), None)
        if milestone is None:
            return Content("")
        state = lifecycle.milestone_status(milestone.model_dump(), now)
        person = data.person(milestone.owner)
        phone = format_number(person.phone) if person and person.phone else ""
        who = (f"{person.name} ({person.role.label}{', ' + phone if phone else ''})"
               if person else "no owner")
        parts: list[Content | tuple[str, str] | str] = [
            (milestone.name, "bold"), " · ", (label(state.value), STATUS_STYLE[state]), "\n",
            (f"{LifecyclePhase(milestone.phase).label} · owner {who}", "$text-muted"),
        ]
        slip = lifecycle.milestone_slip(milestone.model_dump())
        if slip is not None and abs(slip) >= 0.04:
            parts.append((f" · {'+' if slip > 0 else ''}{slip:.1f} d against plan",
                          "$warning" if slip > 0 else "$text-muted"))
        parts.append(("\ne edit owner, forecast and actual", "$text-muted"))
        return Content.assemble(*parts)

    def phase_text(self, view: PhaseView, now: datetime) -> Content:
        parts: list[Content | tuple[str, str] | str] = [
            (lifecycle.phase_text(view.phase), "bold")]
        unmet = view.unmet
        if view.closed and view.event is not None:
            when = view.event.at.astimezone(self.zone).strftime("%a %d %b %H:%M") \
                if view.event.at else "?"
            parts.append((f" · closed {when} by {view.event.by}", "$success"))
            if view.event.reason:
                parts += ["\n", (view.event.reason, "italic")]
            if view.event.unmet:
                parts += ["\n", (f"Closed over {len(view.event.unmet)} unmet: "
                                 + "; ".join(view.event.unmet), "$warning")]
            parts.append(("  · o reopens it", "$text-muted"))
            return Content.assemble(*parts)
        if view.event is not None:
            parts.append((f" · reopened by {view.event.by}: {view.event.reason}", "$warning"))
        late = [m.name for m in view.late(now)] + [
            f"{key} overdue" for key in view.overdue(now)]
        if late:
            parts += ["\n", ("Late: " + "; ".join(late), "bold $error")]
        if unmet:
            parts += ["\n", (f"Exit criteria unmet ({len(unmet)} of {len(view.criteria)}): "
                             + "; ".join(str(c) for c in unmet), "$warning")]
        else:
            parts += ["\n", (f"Exit criteria met ({len(view.criteria)})", "$success")]
        if view.current:
            parts.append(("  · c closes it", "$text-muted"))
        return Content.assemble(*parts)


def _status_markup(state: MilestoneStatus) -> str:
    style = {MilestoneStatus.DONE: "green", MilestoneStatus.LATE: "bold red",
             MilestoneStatus.AT_RISK: "bold yellow", MilestoneStatus.ON_TRACK: "",
             MilestoneStatus.PLANNED: "dim"}[state]
    text = label(state.value)
    return f"[{style}]{text}[/]" if style else text
