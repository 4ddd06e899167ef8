"""Who may change what: the role table, checked against what DOMAIN.md §1 says each role does."""

from __future__ import annotations

import itertools

import pytest

from golive_tui.domain.enums import EntityKind, OpAction, Role
from golive_tui.domain.errors import PermissionDenied
from golive_tui.domain.permissions import (
    can,
    check_permission,
    may_decide,
    may_decide_changes,
    may_move_phases,
)

K = EntityKind
A = OpAction
EVERY_CHANGE = list(itertools.product(EntityKind, OpAction))


def _id(value: object) -> str:
    return getattr(value, "value", str(value))


@pytest.mark.parametrize(("kind", "action"), EVERY_CHANGE, ids=_id)
def test_viewer_cannot_write_anything(kind: EntityKind, action: OpAction) -> None:
    assert not can(Role.VIEWER, kind, action)
    with pytest.raises(PermissionDenied):
        check_permission(Role.VIEWER, kind, action)


#: the customer's MPOC reports issues, comments on them and signs off the customer's own
#: checklist items (domain.rules keeps it to those), asks for changes to the statement of
#: work, ticks off actions and signs (the go-live co-sign, acceptance); everything else is
#: read-only
CUSTOMER_MAY = {
    (K.ISSUE, A.CREATE), (K.ISSUE_NOTE, A.APPEND), (K.CHECKLIST_ITEM, A.TRANSITION),
    (K.CHANGE_REQUEST, A.CREATE), (K.ACTION_ITEM, A.TRANSITION), (K.SIGNOFF, A.APPEND),
    (K.FEEDBACK, A.APPEND),
}


@pytest.mark.parametrize(("kind", "action"), EVERY_CHANGE, ids=_id)
def test_customer_can_only_report_issues_add_notes_and_sign(
    kind: EntityKind, action: OpAction
) -> None:
    assert can(Role.CUSTOMER, kind, action) is ((kind, action) in CUSTOMER_MAY)


@pytest.mark.parametrize("action", list(OpAction), ids=_id)
@pytest.mark.parametrize("kind", [K.DECISION, K.MEMBER], ids=_id)
def test_engineer_cannot_record_decisions_or_manage_members(
    kind: EntityKind, action: OpAction
) -> None:
    assert not can(Role.ENGINEER, kind, action)


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        (K.CHECKLIST_ITEM, A.TRANSITION),  # tick checklist items
        (K.VERIFICATION, A.APPEND),  # log test calls
        (K.NUMBER, A.TRANSITION),  # mark numbers ported
        (K.ISSUE, A.CREATE),  # open an issue from a failed test
        (K.ISSUE_NOTE, A.APPEND),
    ],
    ids=_id,
)
def test_engineer_can_do_the_on_site_work(kind: EntityKind, action: OpAction) -> None:
    assert can(Role.ENGINEER, kind, action)
    check_permission(Role.ENGINEER, kind, action)  # does not raise


@pytest.mark.parametrize(("kind", "action"), EVERY_CHANGE, ids=_id)
def test_ipm_can_do_everything(kind: EntityKind, action: OpAction) -> None:
    assert can(Role.IPM, kind, action)


@pytest.mark.parametrize("action", [A.CREATE, A.UPDATE, A.TRANSITION], ids=_id)
def test_support_works_the_issue_queue(action: OpAction) -> None:
    assert can(Role.SUPPORT, K.ISSUE, action)


def test_support_does_not_record_the_go_decision() -> None:
    assert not can(Role.SUPPORT, K.DECISION, A.APPEND)


@pytest.mark.parametrize(
    ("role", "kind", "action", "words"),
    [
        (Role.CUSTOMER, K.NUMBER, A.TRANSITION, "A customer may not transition a number."),
        (Role.VIEWER, K.ISSUE_NOTE, A.APPEND, "A viewer may not append an issue note."),
        (Role.ENGINEER, K.DECISION, A.APPEND, "An engineer may not append a decision."),
        (Role.ENGINEER, K.MEMBER, A.CREATE, "An engineer may not create a member."),
    ],
)
def test_refusal_names_the_role_and_the_action_and_what_to_do(
    role: Role, kind: EntityKind, action: OpAction, words: str
) -> None:
    with pytest.raises(PermissionDenied) as refused:
        check_permission(role, kind, action)
    assert refused.value.code == "permission"
    assert refused.value.message.startswith(words)
    assert "Ask the project's IPM" in refused.value.message
    assert refused.value.details == {
        "role": role.value, "entity": kind.value, "action": action.value,
    }


@pytest.mark.parametrize("role", list(Role), ids=_id)
def test_only_the_ipm_makes_the_go_no_go_call(role: Role) -> None:
    assert may_decide(role) is (role is Role.IPM)
    assert may_decide(role) is can(role, K.DECISION, A.APPEND)


@pytest.mark.parametrize("role", list(Role), ids=_id)
def test_only_the_ipm_closes_and_reopens_phases_and_decides_change_requests(role: Role) -> None:
    assert may_move_phases(role) is (role is Role.IPM)
    assert can(role, K.PROJECT, A.TRANSITION) is (role is Role.IPM)
    assert may_decide_changes(role) is (role is Role.IPM)
