"""Who may do what, by role: the one table the client and the server both consult."""

from __future__ import annotations

from golive_tui.domain.enums import EntityKind, OpAction, Role, SignoffKind
from golive_tui.domain.errors import PermissionDenied

A = OpAction
K = EntityKind
_ALL = frozenset(OpAction)
_EDIT = frozenset({A.CREATE, A.UPDATE, A.TRANSITION})
_WRITE = frozenset({A.CREATE, A.UPDATE})

WRITE_RULES: dict[Role, dict[EntityKind, frozenset[OpAction]]] = {
    Role.IPM: {kind: _ALL for kind in EntityKind},
    Role.ENGINEER: {
        K.SITE: frozenset({A.UPDATE}),
        K.MILESTONE: frozenset({A.UPDATE}),
        K.CHECKLIST_ITEM: _EDIT,
        K.PORT_ORDER: frozenset({A.UPDATE, A.TRANSITION}),
        K.NUMBER: _EDIT,
        K.VERIFICATION: frozenset({A.APPEND}),
        K.ISSUE: _EDIT,
        K.ISSUE_NOTE: frozenset({A.APPEND}),
        # people and scope: the IPM alone closes phases, records the kickoff and decides
        # change requests; the team keeps the rest of the log
        K.STAKEHOLDER: _WRITE,
        K.ACTION_ITEM: _EDIT,
        K.RAID_ITEM: _WRITE,
        K.CHANGE_REQUEST: _WRITE,
        # on site: add a floor found during the walk-through, record its validation
        K.EMERGENCY_LOCATION: frozenset({A.CREATE, A.UPDATE}),
        # the cutover team writes the runbook, runs its rehearsals and times its steps
        K.RUNBOOK_STEP: _WRITE,
        K.RUNBOOK_RUN: _WRITE,
        K.RUNBOOK_STEP_RUN: _EDIT,
    },
    Role.SUPPORT: {
        K.CHECKLIST_ITEM: frozenset({A.UPDATE, A.TRANSITION}),
        K.VERIFICATION: frozenset({A.APPEND}),
        K.ISSUE: _EDIT,
        K.ISSUE_NOTE: frozenset({A.APPEND}),
        K.ACTION_ITEM: _EDIT,
        K.RAID_ITEM: _WRITE,
        # the hand-off acknowledgement (which kinds a role signs: domain.rules)
        K.SIGNOFF: frozenset({A.APPEND}),
        K.ADOPTION_GAP: _WRITE,
    },
    Role.CUSTOMER: {
        # the customer's own items (acceptance sign-off): domain.rules.check_checklist_move
        K.CHECKLIST_ITEM: frozenset({A.TRANSITION}),
        K.ISSUE: frozenset({A.CREATE}),
        K.ISSUE_NOTE: frozenset({A.APPEND}),
        # the customer asks for changes to the statement of work and ticks off its actions
        K.CHANGE_REQUEST: frozenset({A.CREATE}),
        K.ACTION_ITEM: frozenset({A.TRANSITION}),
        # the go-live co-sign and acceptance (which kinds a role signs: domain.rules)
        K.SIGNOFF: frozenset({A.APPEND}),
        # the customer's feedback on the project (domain.closure)
        K.FEEDBACK: frozenset({A.APPEND}),
    },
    Role.VIEWER: {},
}


def can(role: Role, kind: EntityKind, action: OpAction) -> bool:
    return action in WRITE_RULES[role].get(kind, frozenset())


def may_decide(role: Role) -> bool:
    """Whether this role makes the go / no-go call (records decisions)."""
    return can(role, K.DECISION, A.APPEND)


def may_move_cutovers(role: Role) -> bool:
    """Whether this role moves a cutover wave through its states (the IPM)."""
    return can(role, K.CUTOVER, A.TRANSITION)


def may_move_phases(role: Role) -> bool:
    """Whether this role closes and reopens phases (the IPM)."""
    return can(role, K.PHASE_EVENT, A.APPEND)


def may_decide_changes(role: Role) -> bool:
    """Whether this role approves or rejects change requests (the IPM)."""
    return can(role, K.CHANGE_REQUEST, A.TRANSITION)


def may_close_project(role: Role) -> bool:
    """Whether this role closes the project (the IPM; reopening is the administrator's)."""
    return role is Role.IPM


def may_give_feedback(role: Role) -> bool:
    """Whether this role records the customer's feedback (the customer, or the IPM
    entering what the customer said)."""
    return can(role, K.FEEDBACK, A.APPEND)


def may_hand_off(role: Role) -> bool:
    """Whether this role prepares the hand-off package for support (the IPM)."""
    return can(role, K.HANDOFF, A.APPEND)


def may_record_final_call(role: Role) -> bool:
    """Whether this role records the final call (the IPM)."""
    return can(role, K.FINAL_CALL, A.CREATE)


def may_track_adoption(role: Role) -> bool:
    """Whether this role adds and follows up adoption and training gaps (IPM, support)."""
    return can(role, K.ADOPTION_GAP, A.CREATE) and can(role, K.ADOPTION_GAP, A.UPDATE)


def may_write_runbook(role: Role) -> bool:
    """Whether this role adds, edits and withdraws runbook steps (the cutover team)."""
    return can(role, K.RUNBOOK_STEP, A.CREATE) and can(role, K.RUNBOOK_STEP, A.UPDATE)


def may_run_runbook(role: Role) -> bool:
    """Whether this role starts runs and times their steps (the cutover team)."""
    return (can(role, K.RUNBOOK_RUN, A.CREATE) and can(role, K.RUNBOOK_STEP_RUN, A.CREATE)
            and can(role, K.RUNBOOK_STEP_RUN, A.TRANSITION))


def check_permission(role: Role, kind: EntityKind, action: OpAction) -> None:
    if not can(role, kind, action):
        raise PermissionDenied(
            f"{_a(role.value).capitalize()} may not {action.value} "
            f"{_a(kind.value.replace('_', ' '))}. "
            "Ask the project's IPM to change your role if you need to.",
            details={"role": role.value, "entity": kind.value, "action": action.value},
        )


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


#: who signs each kind of sign-off: the customer's main contact co-signs a wave's go-live
#: and accepts the project; the service desk acknowledges the hand-off
SIGNERS: dict[SignoffKind, Role] = {
    SignoffKind.GO_LIVE_COSIGN: Role.CUSTOMER,
    SignoffKind.ACCEPTANCE: Role.CUSTOMER,
    SignoffKind.HANDOFF_ACK: Role.SUPPORT,
}


def may_sign(role: Role, kind: SignoffKind) -> bool:
    """Whether a member with ``role`` gives this kind of sign-off."""
    return SIGNERS[kind] is role
