"""Issues and links: a new priority's reason, the retest behind an E911 fix, references
between records, and a linked issue against the failed test it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive_tui.domain.clock import as_time
from golive_tui.domain.enums import (
    EntityKind,
    IssueCategory,
    Priority,
    VerificationResult,
)
from golive_tui.domain.errors import IllegalTransition, ValidationFailed
from golive_tui.domain.rules.facts import Facts
from golive_tui.domain.rules.reasons import reason_problem

#: an issue of these categories at P1 is resolved only after one of these tests passed again
RETEST_BEFORE_RESOLVE: dict[IssueCategory, tuple[str, ...]] = {
    IssueCategory.E911_ADDRESS: ("E911-01",),
    IssueCategory.EMERGENCY_NOTIFICATION: ("E911-01", "E911-02"),
}


def reprioritise_reason_problem(reason: str, ref: str = "an issue") -> str | None:
    """Why this reason cannot carry an issue's new priority, or None when it can."""
    problem = reason_problem(reason, f"Changing the priority of {ref}")
    return None if problem is None else f"{problem}, saying what changed in its impact or urgency"


def check_reprioritised(
    current: Mapping[str, Any], fields: Mapping[str, Any], facts: Facts | None = None
) -> None:
    """A new priority for an issue says why (``priority_reason``), in a reason that says
    something; and an issue whose fix needs a retest keeps that need until the retest
    passed: neither a lower priority nor another category takes it away (``facts`` None
    replays a change checked when it was first applied)."""
    changes = {
        name for name in ("priority", "category")
        if name in fields and str(fields[name]) != str(current.get(name))
    }
    if not changes:
        return
    if "priority" in changes:
        reason = fields.get("priority_reason")
        problem = reprioritise_reason_problem(reason if isinstance(reason, str) else "",
                                              str(current.get("ref") or "an issue"))
        if problem is not None:
            raise ValidationFailed(
                f"{problem} (priority_reason).",
                details={"field": "priority_reason"},
            )
    needed = retest_codes(current.get("category"), current.get("priority"))
    after = retest_codes(fields.get("category", current.get("category")),
                         fields.get("priority", current.get("priority")))
    if facts is None or not needed or (after and set(after) <= set(needed)):
        return  # as strict as before: one of the same tests (or fewer) must still pass
    if not retest_passed(current, facts):
        what = " and ".join(sorted(changes))
        raise IllegalTransition(
            f"{_retest_needed(current, needed)} Its {what} changes only after that retest, "
            "so lowering it never stands in for the test.",
            details={"missing": "retest", "test_cases": list(needed)},
        )


def retest_codes(category: Any, priority: Any) -> tuple[str, ...]:
    """The tests one of which must pass again before such an issue is resolved."""
    try:
        if Priority(priority) is not Priority.P1:
            return ()
        return RETEST_BEFORE_RESOLVE.get(IssueCategory(category), ())
    except ValueError:
        return ()


def retest_passed(record: Mapping[str, Any], facts: Facts) -> bool:
    """Whether one of the issue's retests passed (at its site, if it has one) since it
    opened; True for an issue that needs none."""
    codes = retest_codes(record.get("category"), record.get("priority"))
    if not codes:
        return True
    opened = as_time(record.get("opened_at"))
    site = record.get("site_id")
    for code in codes:
        for entry in facts.find(EntityKind.VERIFICATION, test_case=code,
                                result=VerificationResult.PASS.value):
            if site and entry.get("site_id") != site:
                continue
            tested = as_time(entry.get("tested_at"))
            if opened is None or (tested is not None and tested >= opened):
                return True
    return False


def _retest_needed(record: Mapping[str, Any], codes: tuple[str, ...]) -> str:
    where = " at the issue's site" if record.get("site_id") else ""
    return (
        f"{record.get('ref') or 'This'} is an E911 P1: it needs a passing "
        f"{' or '.join(codes)} (933) retest{where}, logged since it was opened."
    )


def check_retest(record: Mapping[str, Any], facts: Facts) -> None:
    """An E911 P1 is resolved only after a passing 933 retest recorded since it opened."""
    if retest_passed(record, facts):
        return
    codes = retest_codes(record.get("category"), record.get("priority"))
    raise IllegalTransition(
        f"{_retest_needed(record, codes)} Resolve it after that retest.",
        details={"missing": "retest", "test_cases": list(codes)},
    )


#: the fields that name another record, and the kind of record each names: per kind of
#: record that holds them. A list field names one record per item.
REFERENCES: dict[EntityKind, dict[str, EntityKind]] = {
    EntityKind.CHECKLIST_ITEM: {
        "predecessors": EntityKind.CHECKLIST_ITEM,
        "cutover_id": EntityKind.CUTOVER,
    },
    EntityKind.PORT_ORDER: {"cutover_id": EntityKind.CUTOVER},
    EntityKind.NUMBER: {"site_id": EntityKind.SITE, "order_id": EntityKind.PORT_ORDER},
    EntityKind.VERIFICATION: {
        "site_id": EntityKind.SITE,
        "number_id": EntityKind.NUMBER,
        "emergency_location_id": EntityKind.EMERGENCY_LOCATION,
    },
    EntityKind.CUTOVER: {"site_ids": EntityKind.SITE},
    EntityKind.EMERGENCY_LOCATION: {"site_id": EntityKind.SITE},
    EntityKind.SIGNOFF: {"cutover_id": EntityKind.CUTOVER},
    EntityKind.DECISION: {"cutover_id": EntityKind.CUTOVER},
    EntityKind.ISSUE: {
        "site_id": EntityKind.SITE,
        "number_id": EntityKind.NUMBER,
        # verification_id: check_linked_issue, which asks more of the test it names
    },
    EntityKind.ISSUE_NOTE: {"issue_id": EntityKind.ISSUE},
    EntityKind.MILESTONE: {"owner": EntityKind.STAKEHOLDER},
    EntityKind.KICKOFF: {"attendees": EntityKind.STAKEHOLDER},
    EntityKind.FINAL_CALL: {"attendees": EntityKind.STAKEHOLDER},
    EntityKind.ACTION_ITEM: {"owner": EntityKind.STAKEHOLDER, "kickoff_id": EntityKind.KICKOFF},
    EntityKind.RAID_ITEM: {"owner": EntityKind.STAKEHOLDER},
    EntityKind.ADOPTION_GAP: {"owner": EntityKind.STAKEHOLDER},
    EntityKind.CHANGE_REQUEST: {"owner": EntityKind.STAKEHOLDER},
    EntityKind.RUNBOOK_STEP: {
        "cutover_id": EntityKind.CUTOVER,
        "owner": EntityKind.STAKEHOLDER,
        "depends_on": EntityKind.RUNBOOK_STEP,
    },
    EntityKind.RUNBOOK_RUN: {"cutover_id": EntityKind.CUTOVER},
    EntityKind.RUNBOOK_STEP_RUN: {
        "run_id": EntityKind.RUNBOOK_RUN,
        "step_id": EntityKind.RUNBOOK_STEP,
    },
}


def check_references(
    kind: EntityKind,
    fields: Mapping[str, Any],
    facts: Facts,
    current: Mapping[str, Any] | None = None,
) -> None:
    """Every record these fields name is a record of this project (``facts``' project).

    Only what the change sets is checked: an id kept from ``current`` was checked when it
    was set. A reference to nothing (None, "") is no reference.
    """
    for name, target in REFERENCES.get(kind, {}).items():
        value = fields.get(name)
        if not value or (current is not None and value == current.get(name)):
            continue
        ids = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        found = facts.records(target, ids)
        missing = [i for i in ids if i not in found]
        if missing:
            what = target.value.replace("_", " ")
            raise ValidationFailed(
                f"{name} names no {what} of this project ({', '.join(missing)}); "
                f"{kind.a_noun} refers only to records of its own project.",
                details={"field": name, "missing": missing},
            )



def check_linked_issue(fields: Mapping[str, Any], facts: Facts) -> None:
    """An issue that names a verification names a failed one, linked to no other issue."""
    verification_id = fields.get("verification_id")
    if not verification_id:
        return
    found = facts.records(EntityKind.VERIFICATION, [str(verification_id)])
    entry = found.get(str(verification_id))
    if entry is None:
        raise ValidationFailed(
            f"No test result with id {verification_id} in this project to link the issue to.",
            details={"field": "verification_id"},
        )
    if VerificationResult(entry["result"]) is not VerificationResult.FAIL:
        raise ValidationFailed(
            f"This {entry['test_case']} test passed; only a failed test opens a linked issue.",
            details={"field": "verification_id"},
        )
    linked = facts.find(EntityKind.ISSUE, verification_id=str(verification_id))
    if linked:
        ref = linked[0].get("ref") or "An issue"
        raise ValidationFailed(
            f"{ref} is already linked to this failed test.",
            details={"field": "verification_id", "linked": linked[0]["id"]},
        )
