"""The forms of the lifecycle screen: a milestone, a stakeholder, the kickoff, an action, a
RAID entry and a change request; their owners and attendees picked from the stakeholders."""

from __future__ import annotations

from typing import Any

from golive_tui.domain.enums import ActionSource, EntityKind, RaidStatus, RaidType, StakeholderRole
from golive_tui.tui.screens.lifecycle.data import LifecycleData
from golive_tui.tui.screens.lifecycle.frame import label
from golive_tui.tui.widgets.forms import FormField, record_problem
from golive_tui.tui.widgets.people import attendees_field, owner_field


def milestone_fields(data: LifecycleData, m: Any) -> list[FormField]:
    return [
        owner_field(m.owner, data.people),
        FormField("forecast_at", "Forecast", "time", m.forecast_at),
        FormField("done_at", "Actual", "time", m.done_at,
                  placeholder="when it was done (empty: not yet)"),
        FormField("due_at", "Planned", "time", m.due_at),
    ]


def person_fields(data: LifecycleData, p: Any) -> list[FormField]:
    return [
        FormField("name", "Name", "text", p.name if p else "", required=True),
        FormField("role", "Role", "choice", p.role if p else StakeholderRole.CUSTOMER_CONTACT,
                  [(r, r.label) for r in StakeholderRole]),
        FormField("organisation", "Organisation", "text", p.organisation if p else ""),
        FormField("title", "Title", "text", p.title if p else ""),
        FormField("email", "E-mail", "text", p.email if p else ""),
        FormField("phone", "Phone", "text", p.phone if p else "",
                  placeholder="+1 303-555-0100"),
        FormField("escalation_level", "Escalation", "choice",
                  p.escalation_level if p else 0,
                  [(0, "not on the path"), *[(n, f"level {n}") for n in range(1, 10)]]),
        FormField("user", "Signs in as", "choice", p.user if p else "",
                  [(user, f"{name} ({user})") for user, name in data.members],
                  blank="Not a member of the project"),
    ]


def kickoff_fields(data: LifecycleData) -> list[FormField]:
    k = data.kickoff
    return [
        FormField("held_at", "Held", "time", k.held_at if k else None),
        attendees_field(list(k.attendees) if k else [], data.people),
        FormField("agreed_scope", "Scope", "long", k.agreed_scope if k else ""),
        FormField("decisions", "Decisions", "long", "\n".join(k.decisions) if k else "",
                  placeholder="one per line"),
        FormField("notes", "Notes", "long", k.notes if k else ""),
    ]


def action_fields(data: LifecycleData, a: Any) -> list[FormField]:
    return [
        FormField("title", "Action", "text", a.title if a else "", required=True),
        owner_field(a.owner if a else "", data.people),
        FormField("due_at", "Due", "time", a.due_at if a else None),
        FormField("source", "From", "choice",
                  a.source if a else (ActionSource.KICKOFF if data.kickoff
                                      else ActionSource.OTHER),
                  [(s, label(s.value)) for s in ActionSource]),
    ]


def raid_fields(data: LifecycleData, r: Any) -> list[FormField]:
    return [
        FormField("raid_type", "Type", "choice", r.raid_type if r else RaidType.RISK,
                  [(t, t.value) for t in RaidType]),
        FormField("title", "Title", "text", r.title if r else "", required=True),
        FormField("description", "Description", "long", r.description if r else ""),
        owner_field(r.owner if r else "", data.people),
        FormField("status", "Status", "choice", r.status if r else RaidStatus.OPEN,
                  [(s, s.value) for s in RaidStatus]),
        FormField("decision", "Decision", "long", r.decision if r else ""),
        FormField("due_at", "Due", "time", r.due_at if r else None),
    ]


def change_fields(data: LifecycleData, c: Any) -> list[FormField]:
    return [
        FormField("title", "Title", "text", c.title if c else "", required=True),
        FormField("description", "Description", "long", c.description if c else ""),
        FormField("impact", "Impact", "long", c.impact if c else "",
                  placeholder="scope, dates and cost"),
        owner_field(c.owner if c else "", data.people),
    ]


def record_values(kind: EntityKind, values: dict[str, Any]) -> dict[str, Any]:
    """A form's values as the record's fields: a kickoff's decisions are one per line."""
    values = dict(values)
    if kind is EntityKind.KICKOFF and isinstance(values.get("decisions"), str):
        values["decisions"] = [line.strip() for line in values["decisions"].splitlines()
                               if line.strip()]
    return values


def problem(kind: EntityKind, current: dict[str, Any] | None,
            values: dict[str, Any]) -> str | None:
    """The domain's word on a form's values before it closes."""
    return record_problem(kind, current, record_values(kind, values))
