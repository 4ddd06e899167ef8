"""The one list every person picker offers: the project's stakeholders, each with the part
they play (IPM, MPOC, engineer, support...), the escalation path first.

Most records name a stakeholder (an owner, an attendee); an issue's or a checklist item's
assignee names a member who signs in, since the queue's "mine" and the SLA alerts follow
the sign-in. Both pickers read the same list: :meth:`People.by_id` for the first and
:meth:`People.by_user` for the second, which offers the stakeholders who sign in (and a
member of the project who is no stakeholder yet, said so, rather than hiding them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from golive_tui.domain.enums import Role, StakeholderRole

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.tui.widgets.forms import FormField


@dataclass(frozen=True)
class Person:
    """A stakeholder as a picker shows them."""

    id: str
    name: str
    role: StakeholderRole
    #: the member they sign in as ("" when they do not)
    user: str = ""
    escalation_level: int = 0

    @property
    def label(self) -> str:
        return f"{self.name} · {self.role.label}"


@dataclass(frozen=True)
class People:
    """The stakeholders in the order of the escalation path, and the project's members."""

    persons: tuple[Person, ...] = ()
    #: every member as (user, display name, role)
    members: tuple[tuple[str, str, Role], ...] = ()

    @classmethod
    def of(cls, stakeholders: Iterable[Any], members: Iterable[Any] = ()) -> People:
        """From stakeholder and member records (rows or anything with their fields)."""
        return cls(
            persons=tuple(Person(id=s.id, name=s.name, role=StakeholderRole(s.role),
                                 user=s.user or "", escalation_level=s.escalation_level)
                          for s in stakeholders),
            members=tuple((m.user, m.display_name or m.user, Role(m.role)) for m in members),
        )

    def by_id(self, *, keep: Sequence[str] = ()) -> list[tuple[str, str]]:
        """Every stakeholder as a picker's (stakeholder id, "name · role"); an id in
        ``keep`` that names nobody here (someone since removed) stays, as itself."""
        choices = [(p.id, p.label) for p in self.persons]
        known = {p.id for p in self.persons}
        return choices + [(value, value) for value in keep if value and value not in known]

    def by_user(self, *, me: str = "", keep: str = "") -> list[tuple[str, str]]:
        """The people an issue or an item can be assigned to, as (user, "name · role"): the
        stakeholders who sign in, then members who are no stakeholder (viewers never)."""
        choices: list[tuple[str, str]] = []
        seen: set[str] = set()
        roles = {user: role for user, _name, role in self.members}
        for p in self.persons:
            if p.user and p.user not in seen and roles.get(p.user) is not Role.VIEWER:
                seen.add(p.user)
                choices.append((p.user, p.label + (" (me)" if p.user == me else "")))
        for user, name, role in self.members:
            if user not in seen and role is not Role.VIEWER:
                seen.add(user)
                choices.append((user, f"{name} · {role.value} member, no stakeholder record"
                                      + (" (me)" if user == me else "")))
        if me and me not in seen:
            choices.append((me, f"Me ({me})"))
            seen.add(me)
        if keep and keep not in seen:
            choices.append((keep, keep))
        return choices

    def records(self) -> list[dict[str, Any]]:
        """The stakeholders as the domain's rules read them (name, role, sign-in)."""
        return [{"id": p.id, "name": p.name, "role": p.role.value, "user": p.user,
                 "escalation_level": p.escalation_level} for p in self.persons]

    def name(self, stakeholder_id: str) -> str:
        """A stakeholder's name; "" for nobody, the id itself when unknown here."""
        if not stakeholder_id:
            return ""
        return next((p.name for p in self.persons if p.id == stakeholder_id), stakeholder_id)

    def name_of_user(self, user: str) -> str:
        """Who signs in as ``user``: their stakeholder's name, else the member's name."""
        if not user:
            return ""
        found = next((p.name for p in self.persons if p.user == user), None)
        if found is not None:
            return found
        return next((name for u, name, _role in self.members if u == user), user)


def owner_field(value: str, people: People, *, name: str = "owner",
                label: str = "Owner") -> FormField:
    """One stakeholder, or nobody: every owner of a record is picked with this."""
    from golive_tui.tui.widgets.forms import FormField  # the forms are read when first used

    return FormField(name, label, "choice", value, people.by_id(keep=[value]), blank="Nobody")


def attendees_field(values: Sequence[str], people: People, *, name: str = "attendees",
                    label: str = "Attendees") -> FormField:
    """Any number of stakeholders: who attended a call."""
    from golive_tui.tui.widgets.forms import FormField

    return FormField(name, label, "people", list(values), people.by_id(keep=values))


def load_people(store: LocalStore) -> People:
    """Read in a worker thread, with the rest of a screen's data."""
    return People.of(store.stakeholders(), store.members())
