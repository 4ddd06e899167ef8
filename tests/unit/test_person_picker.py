"""Every person picker offers the stakeholders with their role: owners by stakeholder, and
assignees (issues, checklist items) by the sign-in of the stakeholders who have one."""

from __future__ import annotations

from types import SimpleNamespace

from golive_tui.domain.enums import Role
from golive_tui.tui.widgets.people import People


def _person(pid: str, name: str, role: str, user: str = "", level: int = 0) -> SimpleNamespace:
    return SimpleNamespace(id=pid, name=name, role=role, user=user, escalation_level=level)


def _member(user: str, name: str, role: str) -> SimpleNamespace:
    return SimpleNamespace(user=user, display_name=name, role=role)


PEOPLE = People.of(
    [_person("s-1", "Marisol Rivera", "ipm", "marisol", 1),
     _person("s-2", "Dana Whitfield", "mpoc", "dana"),
     _person("s-3", "Omar Haddad", "customer_contact"),
     _person("s-4", "Grace Farrow", "other", "grace")],
    [_member("marisol", "Marisol R.", "ipm"), _member("dana", "Dana W.", "customer"),
     _member("lena", "Lena Chen", "support"), _member("grace", "Grace Farrow", "viewer")],
)


def test_an_owner_is_picked_from_every_stakeholder_with_the_part_they_play() -> None:
    assert PEOPLE.by_id() == [
        ("s-1", "Marisol Rivera · IPM"), ("s-2", "Dana Whitfield · MPOC"),
        ("s-3", "Omar Haddad · Customer contact"), ("s-4", "Grace Farrow · Other")]


def test_an_owner_no_longer_a_stakeholder_stays_on_the_record_as_it_was() -> None:
    assert PEOPLE.by_id(keep=["gone"])[-1] == ("gone", "gone")


def test_an_assignee_is_a_stakeholder_who_signs_in_then_a_member_said_to_be_no_stakeholder(
) -> None:
    choices = PEOPLE.by_user(me="dana")
    assert choices == [
        ("marisol", "Marisol Rivera · IPM"),
        ("dana", "Dana Whitfield · MPOC (me)"),
        ("lena", "Lena Chen · support member, no stakeholder record"),
    ], "Omar signs in as nobody; a viewer (Grace) is never assigned"


def test_names_follow_the_stakeholder_record() -> None:
    assert PEOPLE.name("s-3") == "Omar Haddad"
    assert PEOPLE.name_of_user("dana") == "Dana Whitfield"
    assert PEOPLE.name_of_user("lena") == "Lena Chen"
    assert PEOPLE.members[1][2] is Role.CUSTOMER
