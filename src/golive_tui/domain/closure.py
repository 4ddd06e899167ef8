"""Acceptance, hand-off and closure: what closing a project needs, and that a closed
project takes no change.

:func:`golive_tui.domain.ops.apply_op` runs these with the :class:`~golive_tui.domain.rules.Facts`
of whoever applies the op, so the server refuses a write to a closed project from any
client, and a close without acceptance, feedback and an acknowledged hand-off (or the
IPM's reason for going without them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from golive_tui.domain import lifecycle
from golive_tui.domain.clock import as_time
from golive_tui.domain.enums import (
    EntityKind,
    IssueState,
    LifecyclePhase,
    OpAction,
    Role,
    SignoffKind,
    StakeholderRole,
)
from golive_tui.domain.errors import IllegalTransition, PermissionDenied, ValidationFailed
from golive_tui.domain.permissions import may_close_project, may_give_feedback, may_sign
from golive_tui.domain.rules.facts import Facts
from golive_tui.domain.rules.reasons import reason_is_thin

Record = dict[str, Any]
_EARLIEST = datetime.min.replace(tzinfo=UTC)

#: the fields of a project that closing and reopening set; no other op writes them
CLOSURE_FIELDS = ("closed_at", "closed_by", "close_reason", "reopened_at", "reopened_by",
                  "reopen_reason")

#: why a phase closes with the project when the IPM gives no reason of their own: closing
#: the project needs the customer's acceptance, feedback and an acknowledged hand-off
CLOSED_WITH_PROJECT = ("Closed with the project: the customer accepted, gave feedback and "
                       "support acknowledged the hand-off")


def is_closed(project: Mapping[str, Any] | None) -> bool:
    return project is not None and project.get("closed_at") is not None


def check_project_open(
    project: Mapping[str, Any] | None, kind: EntityKind, action: OpAction,
    fields: Mapping[str, Any], role: Role | None,
) -> None:
    """A closed project is read-only for everyone: only the server's administrator
    reopens it (a project update clearing ``closed_at``, with a reason)."""
    if not is_closed(project):
        return
    assert project is not None
    reopening = (kind is EntityKind.PROJECT and action is OpAction.UPDATE
                 and "closed_at" in fields and fields["closed_at"] is None)
    if reopening and role is None:
        return
    closed_at = as_time(project.get("closed_at"))
    when = f" on {closed_at:%Y-%m-%d}" if closed_at is not None else ""
    raise PermissionDenied(
        f"The project was closed{when} by {project.get('closed_by') or 'its IPM'} and is "
        "read-only; nothing in it changes. The server's administrator can reopen it with: "
        "golive admin reopen-project PROJECT_ID --reason TEXT",
        details={"closed": True, "closed_at": str(project.get("closed_at"))},
    )


def closure_gaps(
    signoffs: Sequence[Mapping[str, Any]], feedback: Sequence[Mapping[str, Any]],
    handoffs: Sequence[Mapping[str, Any]],
) -> list[str]:
    """What closing the project still waits for, in words; empty when it may close."""
    kinds = {str(s.get("signoff_kind")) for s in signoffs}
    gaps = []
    if SignoffKind.ACCEPTANCE.value not in kinds:
        gaps.append("the customer's acceptance sign-off")
    if not feedback:
        gaps.append("the customer's feedback")
    if not handoffs:
        gaps.append("the hand-off to support")
    elif SignoffKind.HANDOFF_ACK.value not in kinds:
        gaps.append("support's acknowledgement of the hand-off")
    return gaps


def gaps_of(facts: Facts) -> list[str]:
    return closure_gaps(
        facts.find(EntityKind.SIGNOFF), facts.find(EntityKind.FEEDBACK),
        facts.find(EntityKind.HANDOFF),
    )


def prepare_project_update(
    current: Mapping[str, Any], fields: Record, facts: Facts | None, actor: str, now: datetime,
) -> None:
    """Closing (``closed_at`` set) and reopening (``closed_at`` cleared): who does it, what
    it needs, and the record of it; the op never says when or by whom."""
    touched = [name for name in CLOSURE_FIELDS if name in fields]
    if not touched:
        return
    closing = fields.get("closed_at") is not None
    reopening = "closed_at" in fields and fields["closed_at"] is None
    role = facts.role if facts is not None else None
    if closing:
        if current.get("closed_at") is not None:
            raise IllegalTransition("The project is closed already.")
        if facts is not None and role is not None and not may_close_project(role):
            raise PermissionDenied("Only the IPM closes the project.",
                                   details={"role": role.value if role else None})
        reason = str(fields.get("close_reason") or "").strip()
        if facts is not None:
            gaps = gaps_of(facts)
            if gaps and reason_is_thin(reason):
                raise IllegalTransition(
                    "The project closes after " + _join(gaps) + "; without "
                    f"{'it' if len(gaps) == 1 else 'them'} the IPM closes it only with a "
                    "reason of at least four words saying why.",
                    details={"missing": gaps},
                )
            check_lifecycle_finished(current, facts)
        for name in ("reopened_at", "reopened_by", "reopen_reason"):
            fields.pop(name, None)
        fields.update(closed_at=now, closed_by=actor, close_reason=reason)
        return
    if reopening:
        if current.get("closed_at") is None:
            raise IllegalTransition("The project is open; there is nothing to reopen.")
        reason = str(fields.get("reopen_reason") or "").strip()
        if not reason:
            raise ValidationFailed("Reopening a closed project needs a reason.",
                                   details={"missing": "reopen_reason"})
        fields.update(closed_at=None, closed_by="", reopened_at=now, reopened_by=actor,
                      reopen_reason=reason)
        fields.pop("close_reason", None)
        return
    raise ValidationFailed(
        f"{', '.join(touched)} {'is' if len(touched) == 1 else 'are'} set by closing or "
        "reopening the project (closed_at), not on their own.",
        details={"fields": touched},
    )


def check_lifecycle_finished(project: Mapping[str, Any], facts: Facts) -> None:
    """A project closes from its last phase, once Acceptance & closure is closed by the
    lifecycle's own rules (a ``phase_event`` sent before the close, in the same push)."""
    last = lifecycle.PHASES[-1]
    if (LifecyclePhase(str(project.get("phase"))) is last
            and lifecycle.is_closed(last, facts.find(EntityKind.PHASE_EVENT))):
        return
    raise IllegalTransition(
        f"The project closes once {lifecycle.phase_text(last)} is closed; it is in "
        f"{lifecycle.phase_text(LifecyclePhase(str(project.get('phase'))))}. Close the "
        "phases up to it first (closing the project from the closure screen does both).",
        details={"phase": str(project.get("phase")), "needs": last.value},
    )


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def check_feedback(record: Record, facts: Facts) -> None:
    """Feedback is the customer's (or the IPM's, entering what the customer said)."""
    role = facts.role
    if role is not None and not may_give_feedback(role):
        raise PermissionDenied(
            "Only the customer gives feedback (or the IPM records what the customer said).",
            details={"role": role.value},
        )


def acceptance_problem(
    role: Role | None, user: str, stakeholders: Sequence[Mapping[str, Any]],
) -> str | None:
    """Why ``user`` (with ``role``) may not sign the project's acceptance, or None.

    The customer's main point of contact signs it, and no one else: a member with the
    customer role whose stakeholder record is the project's MPOC.
    """
    if role is None:
        return None  # the server's own admin commands
    if not may_sign(role, SignoffKind.ACCEPTANCE):
        return (f"Only the customer's main contact signs the acceptance; "
                f"{'an' if role.value[0] in 'aeiou' else 'a'} {role.value} cannot sign it "
                "for them.")
    mains = [p for p in stakeholders if str(p.get("role")) == StakeholderRole.MPOC.value]
    if not mains:
        return ("The project names no main point of contact (MPOC) among its stakeholders: "
                "the IPM adds them, with the sign-in they use, on the lifecycle screen's "
                "Stakeholders tab; they sign the acceptance.")
    if any(str(p.get("user") or "") == user for p in mains):
        return None
    names = ", ".join(str(p.get("name")) for p in mains)
    if not any(p.get("user") for p in mains):
        return (f"The customer's main contact ({names}) has no sign-in on their stakeholder "
                "record: the IPM sets the one they use, then they sign the acceptance.")
    return (f"Only the customer's main contact ({names}) signs the acceptance; {user} is "
            "another customer contact.")


def check_acceptance(record: Record, facts: Facts) -> None:
    """An acceptance is signed by the customer's main contact alone."""
    problem = acceptance_problem(facts.role, str(record.get("by") or ""),
                                 facts.find(EntityKind.STAKEHOLDER))
    if problem is not None:
        raise PermissionDenied(problem, details={"signoff_kind": SignoffKind.ACCEPTANCE.value,
                                                 "needs": StakeholderRole.MPOC.value})


def check_handoff(record: Record, facts: Facts) -> None:
    """Each open issue in the package names an issue of this project and its owner."""
    entries = record.get("open_issues") or []
    ids = [str(e.get("issue_id") or "") for e in entries if isinstance(e, Mapping)]
    if len(ids) != len(entries):
        raise ValidationFailed("Each open issue of a hand-off is an object with issue_id.",
                               details={"field": "open_issues"})
    found = facts.records(EntityKind.ISSUE, [i for i in ids if i])
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(
            f"The hand-off lists issues this project does not have: {', '.join(missing)}.",
            details={"field": "open_issues", "missing": missing},
        )
    unowned = [str(found[e["issue_id"]].get("ref") or e["issue_id"])
               for e in entries if not str(e.get("owner") or "").strip()]
    if unowned:
        raise ValidationFailed(
            f"Each open issue handed to support has an owner; {', '.join(unowned)} "
            f"{'has' if len(unowned) == 1 else 'have'} none.",
            details={"field": "open_issues", "unowned": unowned},
        )


def check_handoff_ack(record: Record, facts: Facts) -> None:
    """Support acknowledges a hand-off that exists, and takes its open issues with it: the
    acknowledgement is refused while an open issue of the latest package is assigned to
    anyone but the acknowledging member. Their reassignment comes first, in the same push
    (the rules see its earlier ops), so the two never part."""
    handoffs = facts.find(EntityKind.HANDOFF)
    if not handoffs:
        raise IllegalTransition(
            "There is no hand-off to acknowledge yet: the IPM prepares the hand-off package "
            "first.",
            details={"missing": "handoff"},
        )
    user = str(record.get("by") or "")
    issues = facts.records(EntityKind.ISSUE, sorted(handed_issue_ids(handoffs)))
    kept = issues_taken_over(handoffs, list(issues.values()), user)
    if kept:
        refs = sorted(str(issues[i].get("ref") or i) for i in kept)
        raise IllegalTransition(
            f"Acknowledging the hand-off passes its open issues to {user}: "
            f"{', '.join(refs)} {'is' if len(refs) == 1 else 'are'} still assigned to "
            f"someone else. Assign {'it' if len(refs) == 1 else 'them'} to {user} before the "
            "acknowledgement, in the same push (the closure screen's acknowledgement does "
            "both).",
            details={"not_taken_over": refs, "assign_to": user},
        )


def handed_issue_ids(handoffs: Sequence[Mapping[str, Any]]) -> set[str]:
    """The ids of the open issues in the latest hand-off package."""
    if not handoffs:
        return set()
    latest = max(handoffs, key=lambda h: as_time(h.get("at")) or _EARLIEST)
    return {str(e.get("issue_id")) for e in latest.get("open_issues") or []}


def issue_owners(
    handoffs: Sequence[Mapping[str, Any]], signoffs: Sequence[Mapping[str, Any]],
) -> dict[str, str]:
    """Who owns each open issue handed off: the owner named in the package until support
    acknowledges it, the acknowledging support member after (by issue id)."""
    if not handoffs:
        return {}
    latest = max(handoffs, key=lambda h: as_time(h.get("at")) or _EARLIEST)
    acks = [s for s in signoffs if str(s.get("signoff_kind")) == SignoffKind.HANDOFF_ACK.value]
    ack = max(acks, key=lambda s: as_time(s.get("at")) or _EARLIEST) if acks else None
    owners: dict[str, str] = {}
    for entry in latest.get("open_issues") or []:
        owner = str(entry.get("owner") or "")
        owners[str(entry.get("issue_id"))] = str(ack.get("by") or "support") if ack else owner
    return owners


def issues_taken_over(
    handoffs: Sequence[Mapping[str, Any]], issues: Sequence[Mapping[str, Any]], user: str,
) -> list[str]:
    """The issues whose ownership passes to ``user`` as they acknowledge the hand-off: those
    of the latest package still open and assigned to someone else (by id)."""
    handed = handed_issue_ids(handoffs)
    return [str(i["id"]) for i in issues
            if str(i["id"]) in handed and str(i.get("state")) in _OPEN_ISSUE_STATES
            and str(i.get("assignee") or "") != user]


#: issue states that are still open at hand-off
_OPEN_ISSUE_STATES = frozenset(
    s.value for s in IssueState if s not in (IssueState.CLOSED, IssueState.CANCELLED))


def accepted_exceptions(signoffs: Sequence[Mapping[str, Any]],
                        also: Sequence[str] = ()) -> list[str]:
    """The exceptions the customer accepted as outstanding, each once: ``also`` (a hand-off
    package's, from before an acceptance signed after it), then every acceptance's."""
    exceptions = [str(x) for x in also]
    for s in signoffs:
        if str(s.get("signoff_kind")) == SignoffKind.ACCEPTANCE.value:
            exceptions.extend(str(x) for x in s.get("exceptions") or () if str(x) not in exceptions)
    return exceptions


def handoff_package(
    issues: Sequence[Mapping[str, Any]], signoffs: Sequence[Mapping[str, Any]],
    stakeholders: Sequence[Mapping[str, Any]], *, as_built: str, default_owner: str,
) -> Record:
    """The fields of a hand-off: every issue not closed or cancelled with its owner (its
    assignee, else ``default_owner``), the exceptions the customer accepted, and the
    people on the escalation path (and the rest) as contacts."""
    open_issues = [
        {"issue_id": str(i["id"]), "ref": str(i.get("ref") or ""),
         "title": str(i.get("title") or ""), "priority": str(i.get("priority") or ""),
         "owner": str(i.get("assignee") or default_owner)}
        for i in issues if str(i.get("state")) in _OPEN_ISSUE_STATES
    ]
    open_issues.sort(key=lambda e: (e["priority"], e["ref"]))
    exceptions = accepted_exceptions(signoffs)
    people = sorted(stakeholders, key=lambda p: (int(p.get("escalation_level") or 0) == 0,
                                                 int(p.get("escalation_level") or 0),
                                                 str(p.get("name"))))
    contacts = [{"name": str(p.get("name")), "role": str(p.get("role")),
                 "email": str(p.get("email") or ""), "phone": str(p.get("phone") or "")}
                for p in people]
    return {"open_issues": open_issues, "exceptions": exceptions, "contacts": contacts,
            "as_built": as_built}
