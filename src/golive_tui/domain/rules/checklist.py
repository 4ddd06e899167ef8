"""Sign-offs (who may sign what) and the checklist: an item waits for its predecessors,
unless skipped with a reason, and an item a role owns is closed by that role alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive_tui.domain.enums import (
    ChecklistStatus,
    EntityKind,
    GateRule,
    Role,
    SignoffKind,
)
from golive_tui.domain.errors import IllegalTransition, PermissionDenied, ValidationFailed
from golive_tui.domain.permissions import SIGNERS
from golive_tui.domain.rules.decisions import cutovers_of
from golive_tui.domain.rules.facts import Facts, Record

#: checklist items owned by these roles are closed (done or skipped) by that role alone
CLOSED_BY_OWNER_ONLY = frozenset({Role.CUSTOMER})
#: the roles that plan the checklist: who waits for what
PLANNERS = frozenset({Role.IPM})

_CLOSED = (ChecklistStatus.DONE, ChecklistStatus.SKIPPED)


_SIGNOFF_WORDS = {
    SignoffKind.GO_LIVE_COSIGN: "co-signs a wave's go-live",
    SignoffKind.ACCEPTANCE: "signs the acceptance",
    SignoffKind.HANDOFF_ACK: "acknowledges the hand-off",
}


def check_signoff(record: Record, facts: Facts) -> None:
    """A sign-off is given by the role that gives it, and records that role (never the op's
    word for it); a go-live co-sign names its wave when the project has waves."""
    try:
        kind = SignoffKind(str(record.get("signoff_kind")))
    except ValueError:
        return  # validation names the bad value
    role = facts.role
    signer = SIGNERS[kind]
    if role is not None:
        if role is not signer:
            raise PermissionDenied(
                f"Only a member with the {signer.value} role {_SIGNOFF_WORDS[kind]}; "
                f"{'an' if role.value[0] in 'aeiou' else 'a'} {role.value} cannot sign it "
                "for them.",
                details={"signoff_kind": kind.value, "role": role.value,
                         "needs": signer.value},
            )
        record["role"] = role
    if kind is SignoffKind.GO_LIVE_COSIGN and not record.get("cutover_id") and cutovers_of(facts):
        raise ValidationFailed(
            "A go-live co-sign names the wave it is for (cutover_id).",
            details={"field": "cutover_id"},
        )


def check_checklist_move(
    record: Mapping[str, Any], target: ChecklistStatus, facts: Facts
) -> None:
    """Who may close this item, and whether what it waits for is closed."""
    key = record.get("key") or "This item"
    role = facts.role
    evidence = str(record.get("evidence") or "")
    if evidence and role is not None:
        what = (GateRule(evidence).label if evidence in {r.value for r in GateRule}
                else evidence)
        raise IllegalTransition(
            f"{key} is derived from the records ({what}): the gate works it out for each "
            "wave, so nobody ticks it. Record the evidence instead.",
            details={"evidence": evidence},
        )
    owner = Role(record.get("owner_role") or Role.IPM)
    if role is Role.CUSTOMER and owner is not Role.CUSTOMER:
        raise PermissionDenied(
            f"{key} is the {owner.value}'s to move; the customer moves the customer's items.",
            details={"owner_role": owner.value},
        )
    if target in _CLOSED and owner in CLOSED_BY_OWNER_ONLY and role not in (None, owner):
        raise PermissionDenied(
            f"Only the {owner.value}'s main contact (a member with the {owner.value} role) "
            f"may mark {key} {target.value}.",
            details={"owner_role": owner.value},
        )
    if target is not ChecklistStatus.DONE:
        return
    predecessors = [str(p) for p in record.get("predecessors") or ()]
    if not predecessors:
        return
    found = facts.records(EntityKind.CHECKLIST_ITEM, predecessors)
    open_items = [
        found[p] for p in predecessors
        if p in found and ChecklistStatus(found[p]["status"]) not in _CLOSED
    ]
    if open_items:
        names = ", ".join(
            f"{item['key']} ({ChecklistStatus(item['status']).value.replace('_', ' ')})"
            for item in open_items
        )
        raise IllegalTransition(
            f"{key} cannot be done while {names} "
            f"{'is' if len(open_items) == 1 else 'are'} open: finish "
            f"{'it' if len(open_items) == 1 else 'them'} first, or skip "
            f"{'it' if len(open_items) == 1 else 'them'} with a reason.",
            details={"open_predecessors": [item["id"] for item in open_items]},
        )


def check_checklist_key(record: Mapping[str, Any], facts: Facts) -> None:
    """A new checklist item's key is its own: predecessors, reports and people name items
    by key, so two items with one key would be one name for two things."""
    key = str(record.get("key") or "").strip()
    same = [r for r in facts.find(EntityKind.CHECKLIST_ITEM, key=key) if r.get("id") !=
            record.get("id")]
    if key and same:
        raise ValidationFailed(
            f"key: {key} is already the key of '{same[0].get('title', '')}'; give the new "
            "item a key of its own.",
            details={"field": "key", "existing": same[0].get("id")},
        )


def check_checklist_update(
    current: Mapping[str, Any], fields: Mapping[str, Any], facts: Facts
) -> None:
    """The plan of the checklist (owners, what waits for what) is the planners' to change."""
    role = facts.role
    key = current.get("key") or "This item"
    changed = [
        name for name in ("owner_role", "predecessors")
        if name in fields and fields[name] != current.get(name)
    ]
    if changed and role is not None and role not in PLANNERS:
        raise PermissionDenied(
            f"Only the IPM changes {' and '.join(changed)} of a checklist item ({key}).",
            details={"fields": changed},
        )
    owner = Role(current.get("owner_role") or Role.IPM)
    if "owner_role" in changed and owner in CLOSED_BY_OWNER_ONLY and role is not None:
        raise PermissionDenied(
            f"{key} is the {owner.value}'s own item; it stays the {owner.value}'s.",
            details={"fields": ["owner_role"]},
        )
