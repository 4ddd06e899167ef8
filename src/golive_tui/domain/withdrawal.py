"""Withdrawing a record instead of deleting it: a runbook step no longer in the plan, an
adoption gap raised in error. The record stays, with who withdrew it, when and why, so a
rehearsal's timings of a withdrawn step and the hypercare log still read as they were;
it can be restored.

:func:`golive_tui.domain.ops.apply_op` runs these on the client and the server alike: a
delete of such a record is refused, withdrawing needs a reason, and a withdrawn record
takes no other change until it is restored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.errors import IllegalTransition, ValidationFailed

#: the fields withdrawing and restoring set; no other update writes them
WITHDRAWAL_FIELDS = ("withdrawn_at", "withdrawn_by", "withdraw_reason")
#: records that are withdrawn, never deleted, and what a person calls them
WITHDRAWN_NOT_DELETED: dict[EntityKind, str] = {
    EntityKind.RUNBOOK_STEP: "runbook step",
    EntityKind.ADOPTION_GAP: "adoption gap",
}


def _a(what: str) -> str:
    return f"{'an' if what[0] in 'aeiou' else 'a'} {what}"


def is_withdrawn(record: Mapping[str, Any] | None) -> bool:
    return record is not None and record.get("withdrawn_at") is not None


def check_not_deleted(kind: EntityKind) -> None:
    """A record kept with its history is withdrawn, not deleted."""
    what = WITHDRAWN_NOT_DELETED.get(kind)
    if what is None:
        return
    raise ValidationFailed(
        f"{_a(what).capitalize()} is withdrawn, not deleted, so what happened to it stays on record: "
        "update it with withdrawn_at set and a withdraw_reason.",
        details={"entity": kind.value, "use": "withdrawn_at"},
    )


def prepare_update(
    kind: EntityKind, current: Mapping[str, Any], fields: dict[str, Any], actor: str,
    now: datetime,
) -> bool:
    """Withdrawing (``withdrawn_at`` set) and restoring (``withdrawn_at`` None) stamp who
    and when; any other change to a withdrawn record is refused. True for a withdrawal."""
    what = WITHDRAWN_NOT_DELETED.get(kind)
    if what is None:
        return False
    touched = [name for name in WITHDRAWAL_FIELDS if name in fields]
    if not touched:
        if is_withdrawn(current):
            raise IllegalTransition(
                f"This {what} was withdrawn by {current.get('withdrawn_by') or 'someone'} "
                f"({current.get('withdraw_reason') or 'no reason kept'}); restore it before "
                "changing it.",
                details={"withdrawn": True},
            )
        return False
    if "withdrawn_at" not in fields:
        raise ValidationFailed(
            f"{', '.join(touched)} {'is' if len(touched) == 1 else 'are'} set by withdrawing "
            f"or restoring the {what} (withdrawn_at), not on their own.",
            details={"fields": touched},
        )
    others = sorted(set(fields) - set(WITHDRAWAL_FIELDS))
    if others:
        raise ValidationFailed(
            f"Withdrawing or restoring {_a(what)} changes nothing else ({', '.join(others)}); "
            "send those apart.",
            details={"fields": others},
        )
    if fields["withdrawn_at"] is None:
        if not is_withdrawn(current):
            raise IllegalTransition(f"The {what} is not withdrawn; there is nothing to restore.")
        fields.update(withdrawn_at=None, withdrawn_by="", withdraw_reason="")
        return False
    if is_withdrawn(current):
        raise IllegalTransition(f"The {what} is withdrawn already.")
    reason = str(fields.get("withdraw_reason") or "").strip()
    if not reason:
        raise ValidationFailed(
            f"Withdrawing {_a(what)} needs a reason (withdraw_reason): it stays on record.",
            details={"missing": "withdraw_reason"},
        )
    fields.update(withdrawn_at=now, withdrawn_by=actor, withdraw_reason=reason)
    return True
