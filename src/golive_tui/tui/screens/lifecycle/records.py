"""The lifecycle screen's people-and-scope tabs: the stakeholders and the escalation path,
the kickoff and its actions, the RAID log and the change requests."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.content import Content

from golive_tui.domain.enums import ActionStatus, ChangeRequestState, RaidStatus, RaidType
from golive_tui.domain.phone import format_number
from golive_tui.tui.screens.lifecycle.frame import Columns, Frame, label

RAID_SHORT = {RaidType.RISK: "Risk", RaidType.ASSUMPTION: "Asm.", RaidType.ISSUE: "Issue",
              RaidType.DEPENDENCY: "Dep."}


class RecordTables(Frame):
    """The rows and detail lines of the stakeholders, kickoff, RAID and changes tabs."""

    # -- stakeholders ---------------------------------------------------------------------

    def people_columns(self) -> Columns:
        if self.wide:
            return [("level", "Esc", 3), ("name", "Name", 20), ("role", "Role", 16),
                    ("org", "Organisation", 0), ("title", "Title", 24),
                    ("email", "E-mail", 36), ("phone", "Phone", 15)]
        return [("level", "Esc", 3), ("name", "Name", 16), ("role", "Role", 9),
                ("org", "Organisation", 0), ("phone", "Phone", 14)]

    def people_rows(self) -> list[tuple[str, list[Any]]]:
        rows: list[tuple[str, list[Any]]] = []
        for p in self.data.stakeholders:
            cells: dict[str, Any] = {
                "level": Text(str(p.escalation_level) if p.escalation_level else "",
                              style="bold"),
                "name": Text(p.name + (" ⟳" if p.pending else ""), no_wrap=True,
                             overflow="ellipsis"),
                "role": p.role.label, "org": Text(p.organisation, no_wrap=True,
                                                  overflow="ellipsis"),
                "title": Text(p.title, no_wrap=True, overflow="ellipsis"),
                "email": p.email, "phone": format_number(p.phone) if p.phone else "",
            }
            rows.append((p.id, [cells[key] for key, _l, _w in self.people_columns()]))
        return rows

    def people_detail(self, key: str) -> Content:
        data = self.data
        path = sorted((p for p in data.stakeholders if p.escalation_level),
                      key=lambda p: p.escalation_level)
        parts: list[Content | tuple[str, str] | str] = [("Escalation: ", "bold")]
        parts.append(" → ".join(f"{p.escalation_level} {p.name}" for p in path)
                     or ("nobody on the path yet", "$text-muted"))
        person = data.person(key)
        if person is not None:
            parts += ["\n", (person.name, "bold"),
                      f" · {person.role.label} · {person.title or person.organisation}"]
            phone = format_number(person.phone, "international") if person.phone else ""
            contact = " · ".join(x for x in (person.email, phone) if x)
            if contact:
                parts += ["\n", (contact, "$text-muted")]
            if person.user:
                parts.append((f" · signs in as {person.user}", "$text-muted"))
        return Content.assemble(*parts)

    # -- kickoff and actions --------------------------------------------------------------

    def kickoff_record(self) -> Content:
        """Who came to the kickoff, the scope agreed and the decisions."""
        data = self.data
        kickoff = data.kickoff
        if kickoff is None:
            return Content.styled(
                "No kickoff recorded yet: k records who came, the scope agreed and the "
                "decisions.", "$text-muted")
        held = kickoff.held_at.astimezone(self.zone).strftime("%a %d %b %Y %H:%M") \
            if kickoff.held_at else "date not set"
        names = ", ".join(data.name(a) for a in kickoff.attendees) or "nobody recorded"
        decisions = "; ".join(kickoff.decisions) or "none recorded"
        return Content.assemble(
            ("Kickoff ", "bold"), held, (f" · {len(kickoff.attendees)} attended: ", "$text-muted"),
            names, "\n", ("Scope: ", "bold"), kickoff.agreed_scope or "—", "\n",
            ("Decisions: ", "bold"), decisions,
        )

    def action_columns(self) -> Columns:
        if self.wide:
            return [("done", "", 1), ("title", "Action", 0), ("owner", "Owner", 20),
                    ("due", "Due", 11), ("source", "From", 10), ("closed", "Done", 11)]
        return [("done", "", 1), ("title", "Action", 0), ("owner", "Owner", 10),
                ("due", "Due", 6)]

    def action_rows(self) -> list[tuple[str, list[Any]]]:
        data = self.data
        now = self.now
        rows: list[tuple[str, list[Any]]] = []
        for a in data.actions:
            done = a.status is ActionStatus.DONE
            overdue = not done and a.due_at is not None and a.due_at < now
            due = self.when(a.due_at, done=done)
            if overdue:
                due.stylize("bold red")
            owner = data.name(a.owner)
            cells: dict[str, Any] = {
                "done": Text("✓", style="green") if done else Text("○"),
                "title": Text(a.title + (" ⟳" if a.pending else ""), no_wrap=True,
                              overflow="ellipsis", style="dim" if done else ""),
                "owner": Text(owner if self.wide else owner.split(" ")[0], no_wrap=True,
                              overflow="ellipsis"),
                "due": due, "source": label(a.source.value),
                "closed": self.when(a.done_at, done=True),
            }
            rows.append((a.id, [cells[key] for key, _l, _w in self.action_columns()]))
        return rows

    def action_detail(self, key: str) -> Content:
        action = next((a for a in self.data.actions if a.id == key), None)
        if action is None:
            return Content.styled("No actions yet: a adds one.", "$text-muted")
        return Content.assemble(
            (action.title, "bold"), "\n",
            (f"{label(action.status.value)} · owner {self.data.name(action.owner) or 'nobody'}"
             f" · from the {label(action.source.value)}", "$text-muted"),
            ("  · x done / open again · e edit", "$text-muted"),
        )

    # -- RAID -----------------------------------------------------------------------------

    def raid_columns(self) -> Columns:
        if self.wide:
            return [("type", "Type", 10), ("title", "Title", 0), ("owner", "Owner", 18),
                    ("status", "Status", 10), ("due", "Due", 11), ("decision", "Decision", 40)]
        return [("type", "Type", 5), ("title", "Title", 0), ("owner", "Owner", 9),
                ("status", "Status", 10), ("due", "Due", 6)]

    def raid_rows(self) -> list[tuple[str, list[Any]]]:
        data = self.data
        rows: list[tuple[str, list[Any]]] = []
        for r in data.raid:
            closed = r.status is RaidStatus.CLOSED
            owner = data.name(r.owner)
            cells: dict[str, Any] = {
                "type": Text(r.raid_type.value if self.wide else RAID_SHORT[r.raid_type],
                             style="bold" if r.raid_type is RaidType.RISK and not closed else ""),
                "title": Text(r.title + (" ⟳" if r.pending else ""), no_wrap=True,
                              overflow="ellipsis", style="dim" if closed else ""),
                "owner": Text(owner if self.wide else owner.split(" ")[0], no_wrap=True,
                              overflow="ellipsis"),
                "status": Text(r.status.value, style="dim" if closed else ""),
                "due": self.when(r.due_at, done=closed),
                "decision": Text(r.decision, no_wrap=True, overflow="ellipsis", style="dim"),
            }
            rows.append((r.id, [cells[key] for key, _l, _w in self.raid_columns()]))
        return rows

    def raid_detail(self, key: str) -> Content:
        item = next((r for r in self.data.raid if r.id == key), None)
        if item is None:
            return Content.styled("The RAID log is empty: a adds a risk, assumption, issue "
                                  "or dependency.", "$text-muted")
        return Content.assemble(
            (f"{item.raid_type.value.capitalize()}: ", "bold"), (item.title, "bold"), "\n",
            (item.description or "", "$text-muted"), "\n",
            ("Decision: ", "bold"), item.decision or ("none yet", "$text-muted"),
        )

    # -- change requests ------------------------------------------------------------------

    def change_columns(self) -> Columns:
        if self.wide:
            return [("title", "Change request", 0), ("owner", "Owner", 18),
                    ("state", "State", 10), ("decided", "Decided", 30), ("impact", "Impact", 40)]
        return [("title", "Change request", 0), ("owner", "Owner", 9), ("state", "State", 9),
                ("decided", "When", 6)]

    def change_rows(self) -> list[tuple[str, list[Any]]]:
        data = self.data
        rows: list[tuple[str, list[Any]]] = []
        styles = {ChangeRequestState.APPROVED: "green", ChangeRequestState.REJECTED: "red",
                  ChangeRequestState.WITHDRAWN: "dim", ChangeRequestState.PROPOSED: "bold yellow"}
        for c in data.changes:
            owner = data.name(c.owner)
            decided = self.when(c.decided_at, done=True) if c.decided_at else Text("—",
                                                                                  style="dim")
            if self.wide and c.decided_at:
                decided = Text(f"{self.when(c.decided_at).plain} by {c.decided_by}",
                               style="dim")
            cells: dict[str, Any] = {
                "title": Text(c.title + (" ⟳" if c.pending else ""), no_wrap=True,
                              overflow="ellipsis"),
                "owner": Text(owner if self.wide else owner.split(" ")[0], no_wrap=True,
                              overflow="ellipsis"),
                "state": Text(c.state.value, style=styles[c.state]),
                "decided": decided,
                "impact": Text(c.impact, no_wrap=True, overflow="ellipsis", style="dim"),
            }
            rows.append((c.id, [cells[key] for key, _l, _w in self.change_columns()]))
        return rows

    def change_detail(self, key: str) -> Content:
        change = next((c for c in self.data.changes if c.id == key), None)
        if change is None:
            return Content.styled("No change requests against the statement of work: a "
                                  "adds one.", "$text-muted")
        parts: list[Content | tuple[str, str] | str] = [
            (change.title, "bold"), " · ", change.state.value, "\n",
            ("Impact: ", "bold"), change.impact or ("not said", "$text-muted"), "\n"]
        if change.state is ChangeRequestState.PROPOSED:
            parts.append(("y approves · n rejects · w withdraws (each with its reason)",
                          "$text-muted"))
        else:
            parts += [("Decision: ", "bold"), change.decision_reason]
        return Content.assemble(*parts)
