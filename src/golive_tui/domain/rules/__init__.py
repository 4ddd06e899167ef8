"""Rules that look past the record an op changes.

A go / no-go decision is weighed against the gate, a checklist item against its
predecessors, the fix of an E911 P1 against the retest that proves it, a linked issue
against the failed test it names. :func:`golive_tui.domain.ops.apply_op` runs them with
the :class:`Facts` its caller gives: the server reads them from its own tables inside the
op's transaction, the client from its cache, so neither trusts the other's view.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, Protocol

from golive_tui.domain import lifecycle
from golive_tui.domain.clock import as_time
from golive_tui.domain.enums import (
    ChecklistStatus,
    DecisionKind,
    EntityKind,
    GateRule,
    IssueCategory,
    LifecyclePhase,
    PhaseAction,
    Priority,
    Role,
    SignoffKind,
    VerificationResult,
)
from golive_tui.domain.errors import IllegalTransition, PermissionDenied, ValidationFailed
from golive_tui.domain.gate import TEST_933, GateResult, gate_from_records
from golive_tui.domain.network import CALL_QUALITY_TEST, NetworkThresholds
from golive_tui.domain.permissions import SIGNERS

Record = dict[str, Any]

#: the shortest reason that may carry a GO over unmet conditions, in characters and words
MIN_OVERRIDE_REASON_CHARS = 20
MIN_OVERRIDE_REASON_WORDS = 4

#: checklist items owned by these roles are closed (done or skipped) by that role alone
CLOSED_BY_OWNER_ONLY = frozenset({Role.CUSTOMER})
#: the roles that plan the checklist: who waits for what
PLANNERS = frozenset({Role.IPM})

#: an issue of these categories at P1 is resolved only after one of these tests passed again
RETEST_BEFORE_RESOLVE: dict[IssueCategory, tuple[str, ...]] = {
    IssueCategory.E911_ADDRESS: ("E911-01",),
    IssueCategory.EMERGENCY_NOTIFICATION: ("E911-01", "E911-02"),
}

#: control characters (C0, DEL, C1) other than tab, line feed and carriage return
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CLOSED = (ChecklistStatus.DONE, ChecklistStatus.SKIPPED)


class Facts(Protocol):
    """What the rules may look up beyond the record an op changes, in one project."""

    @property
    def role(self) -> Role | None:
        """The acting member's role; None for the server's own admin commands."""

    def records(self, kind: EntityKind, ids: Collection[str]) -> Mapping[str, Record]:
        """The records of these ids that exist, by id."""

    def find(self, kind: EntityKind, **equal: Any) -> Sequence[Record]:
        """The records of a kind whose fields equal these values."""


#: how many ids one read of stored rows asks for at once
ID_CHUNK = 500


def id_chunks(ids: Collection[str]) -> Iterator[list[str]]:
    """The ids, each once and in order, in parts of at most :data:`ID_CHUNK`."""
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), ID_CHUNK):
        yield wanted[start : start + ID_CHUNK]


class StoredFacts(ABC):
    """:class:`Facts` over one project's stored rows: the cache's tables or the server's.

    The role and the look-up by id (in parts of :data:`ID_CHUNK`) are the same for both;
    only the reading of rows differs: :meth:`read` (records of these ids) and :meth:`find`.
    """

    def __init__(self, role: Role | None) -> None:
        self._role = role

    @property
    def role(self) -> Role | None:
        return self._role

    def records(self, kind: EntityKind, ids: Collection[str]) -> Mapping[str, Record]:
        found: dict[str, Record] = {}
        for part in id_chunks(ids):
            found.update(self.read(kind, part))
        return found

    @abstractmethod
    def read(self, kind: EntityKind, ids: Sequence[str]) -> Mapping[str, Record]:
        """The stored records of these ids (at most :data:`ID_CHUNK`) that exist, by id."""

    @abstractmethod
    def find(self, kind: EntityKind, **equal: Any) -> Sequence[Record]:
        """The records of a kind whose fields equal these values."""


# ----------------------------------------------------------------------------- text


def control_character(value: Any) -> str | None:
    """The first control character in this text or JSON value (keys included), if any.

    Tab, line feed and carriage return are text; NUL, BEL, ESC and the rest are not, and
    a pasted one would reach every screen and report that shows the field.
    """
    if isinstance(value, str):
        found = _CONTROL.search(value)
        return None if found is None else found.group()
    if isinstance(value, dict):
        for key, item in value.items():
            found_in = control_character(key) or control_character(item)
            if found_in is not None:
                return found_in
    elif isinstance(value, list | tuple):
        for item in value:
            found_in = control_character(item)
            if found_in is not None:
                return found_in
    return None


def check_text(kind: EntityKind, fields: Mapping[str, Any]) -> None:
    """Refuse a change whose fields hold a control character, naming each such field."""
    texts = []
    for name, value in fields.items():
        texts.append(name)
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict | list | tuple):
            break
    else:  # flat, as almost every change: one search over all its text (a tab is text)
        if _CONTROL.search("\t".join(texts)) is None:
            return
    problems = []
    for name, value in fields.items():
        char = control_character(name) or control_character(value)
        if char is not None:
            label = "a NUL character" if char == "\x00" else "a control character"
            problems.append(f"{name}: text with {label} ({char!r}) in it; remove it")
    if problems:
        raise ValidationFailed(
            f"Invalid {kind.value.replace('_', ' ')}: " + "; ".join(sorted(problems)),
            details={"errors": sorted(problems)},
        )


# ----------------------------------------------------------------------------- decisions


def cutovers_of(facts: Facts) -> Sequence[Record]:
    """The project's cutover waves, as the facts' owner holds them."""
    return facts.find(EntityKind.CUTOVER)


def gate_of(facts: Facts, cutover_id: str | None = None) -> GateResult:
    """One wave's gate as the facts' owner holds it now; with no ``cutover_id``, the gate
    of a project without waves (everything in one scope)."""
    cutover = None
    if cutover_id is not None:
        cutover = facts.records(EntityKind.CUTOVER, [cutover_id]).get(cutover_id)
        if cutover is None:
            raise ValidationFailed(
                f"No cutover with id {cutover_id} in this project.",
                details={"field": "cutover_id", "missing": [cutover_id]},
            )
    projects = facts.find(EntityKind.PROJECT)
    stored = projects[0].get("network_thresholds") if projects else None
    orders = (facts.find(EntityKind.PORT_ORDER) if cutover is None
              else facts.find(EntityKind.PORT_ORDER, cutover_id=cutover_id))
    records: dict[EntityKind, Sequence[Record]] = {
        EntityKind.SITE: facts.find(EntityKind.SITE),
        EntityKind.PORT_ORDER: orders,
        EntityKind.CHECKLIST_ITEM: facts.find(EntityKind.CHECKLIST_ITEM, gate=True),
        EntityKind.EMERGENCY_LOCATION: facts.find(EntityKind.EMERGENCY_LOCATION),
        EntityKind.VERIFICATION: [
            *facts.find(EntityKind.VERIFICATION, test_case=TEST_933),
            *facts.find(EntityKind.VERIFICATION, test_case=CALL_QUALITY_TEST),
        ],
        EntityKind.ISSUE: facts.find(EntityKind.ISSUE, priority=Priority.P1.value),
        EntityKind.SIGNOFF: facts.find(
            EntityKind.SIGNOFF, signoff_kind=SignoffKind.GO_LIVE_COSIGN.value),
    }
    return gate_from_records(
        cutover=cutover, records=records,
        thresholds=NetworkThresholds.from_stored(stored if isinstance(stored, dict) else None),
    )


def _decision_cutover(fields: Record, facts: Facts) -> str | None:
    """The wave a call is for: named when the project has waves, none when it has none."""
    cutover_id = fields.get("cutover_id")
    if cutover_id:
        return str(cutover_id)  # check_references found it in this project
    waves = cutovers_of(facts)
    if waves:
        names = ", ".join(sorted(str(w.get("name")) for w in waves))
        raise ValidationFailed(
            f"This project goes live in waves ({names}): a go / no-go call names the wave "
            "it is for (cutover_id).",
            details={"field": "cutover_id"},
        )
    return None


def reason_is_thin(reason: str) -> bool:
    """Whether a reason is too short to carry a call made over unmet conditions."""
    text = " ".join(reason.split())
    return len(text) < MIN_OVERRIDE_REASON_CHARS or len(text.split()) < MIN_OVERRIDE_REASON_WORDS


def override_reason_problem(reason: str) -> str | None:
    """Why this reason cannot carry a GO over unmet conditions, or None when it can."""
    if reason_is_thin(reason):
        return (
            f"Going ahead over unmet conditions needs a reason of at least "
            f"{MIN_OVERRIDE_REASON_CHARS} characters and {MIN_OVERRIDE_REASON_WORDS} words "
            "saying why it is safe to go"
        )
    return None


def decide(fields: Record, facts: Facts) -> None:
    """Check a go / no-go / rollback against the gate held in ``facts``; fill in its record.

    ``unmet`` and ``override`` are the rules' to write: the gate is evaluated here, from
    the state of whoever applies the op, never taken from the op. A GO over unmet
    conditions must name, in ``unmet``, every condition it overrides (by the name the
    gate gives it, e.g. "Site DEN"), so nobody overrides a condition they did not see.
    """
    try:
        decision = DecisionKind(str(fields.get("decision")))
    except ValueError:
        return  # validation names the bad value
    reason = fields.get("reason")
    reason = reason.strip() if isinstance(reason, str) else ""
    gate = gate_of(facts, _decision_cutover(fields, facts))
    unmet = [str(condition) for condition in gate.unmet]
    override = decision is DecisionKind.GO and not gate.ready
    if override:
        n = len(gate.unmet)
        what = f"{n} unmet condition{'s' if n != 1 else ''}"
        problem = override_reason_problem(reason)
        if problem is not None:
            raise ValidationFailed(f"{problem} ({what}).", details={"field": "reason"})
        named = fields.get("unmet")
        listed = {
            str(entry).split(": ", 1)[0].strip()
            for entry in (named if isinstance(named, list) else [])
        }
        missed = [c for c in gate.unmet if c.name not in listed]
        holding = sorted(listed - {c.name for c in gate.unmet})
        if holding and not missed:
            raise ValidationFailed(
                f"This GO overrides {what} but also names {', '.join(holding)}, which "
                f"{'holds' if len(holding) == 1 else 'hold'} now. Look at the gate again and "
                "list exactly the conditions you override.",
                details={"field": "unmet", "holding": holding},
            )
        if missed:
            names = "; ".join(str(c) for c in missed)
            raise ValidationFailed(
                f"This GO overrides {what} but does not name {len(missed)} of them: {names}. "
                "Look at the gate again and list every condition you override.",
                details={"field": "unmet", "missing": [c.name for c in missed]},
            )
    elif decision is not DecisionKind.GO and not reason:
        raise ValidationFailed(
            f"A {decision.value.replace('_', '-')} call needs a reason.",
            details={"field": "reason"},
        )
    fields.update(reason=reason, unmet=unmet, override=override)


# ----------------------------------------------------------------------------- lifecycle


def _project(facts: Facts) -> Record:
    found = facts.find(EntityKind.PROJECT)
    if not found:
        raise ValidationFailed("This project has no project record to move.")
    return dict(found[0])


def phase_reason_problem(reason: str, what: str) -> str | None:
    """Why this reason cannot carry a phase's close over unmet criteria, or its reopening."""
    if reason_is_thin(reason):
        return (
            f"{what} needs a reason of at least {MIN_OVERRIDE_REASON_CHARS} characters and "
            f"{MIN_OVERRIDE_REASON_WORDS} words"
        )
    return None


def check_phase_event(fields: Record, facts: Facts) -> None:
    """Check closing or reopening a phase against the project's lifecycle; fill in ``unmet``.

    Only the current phase closes. It closes when its exit criteria are met; otherwise only
    with a reason that says why the project goes on without them (the criteria unmet then
    are recorded). Only a closed phase reopens, with a reason. Who may do either is the
    permissions' (the IPM).
    """
    try:
        phase = LifecyclePhase(str(fields.get("phase")))
        action = PhaseAction(str(fields.get("action")))
    except ValueError:
        return  # validation names the bad value
    reason = fields.get("reason")
    reason = " ".join(reason.split()) if isinstance(reason, str) else ""
    project = _project(facts)
    current = LifecyclePhase(project["phase"])
    events = facts.find(EntityKind.PHASE_EVENT)
    closed = lifecycle.is_closed(phase, events)
    unmet: list[str] = []
    if action is PhaseAction.CLOSED:
        if closed:
            raise IllegalTransition(
                f"{lifecycle.phase_text(phase)} is already closed.",
                details={"phase": phase.value},
            )
        if phase is not current:
            raise IllegalTransition(
                f"Only the current phase closes: the project is in "
                f"{lifecycle.phase_text(current)}, not {phase.label}.",
                details={"phase": phase.value, "current": current.value},
            )
        missing = lifecycle.unmet_criteria(
            phase, facts.find(EntityKind.MILESTONE), facts.find(EntityKind.CHECKLIST_ITEM)
        )
        unmet = [str(c) for c in missing]
        if missing:
            n = len(missing)
            problem = phase_reason_problem(
                reason, f"Closing {phase.label} with {n} exit criteri{'a' if n != 1 else 'on'} "
                "unmet")
            if problem is not None:
                names = "; ".join(unmet[:5]) + ("; …" if n > 5 else "")
                raise ValidationFailed(
                    f"{problem}, saying why the project goes on without them ({names}).",
                    details={"field": "reason", "unmet": unmet},
                )
    else:
        if not closed:
            raise IllegalTransition(
                f"{phase.label} is not closed, so there is nothing to reopen.",
                details={"phase": phase.value},
            )
        problem = phase_reason_problem(reason, f"Reopening {phase.label}")
        if problem is not None:
            raise ValidationFailed(f"{problem}, saying what is not finished.",
                                   details={"field": "reason"})
    fields.update(reason=reason, unmet=unmet)


def check_phase_move(record: Mapping[str, Any], target: LifecyclePhase, facts: Facts) -> None:
    """The project's phase follows its log: forward only past a phase just closed, to the
    first later phase still open; back only to a phase just reopened."""
    current = LifecyclePhase(record["phase"])
    events = facts.find(EntityKind.PHASE_EVENT)
    latest = lifecycle.latest_events(events)
    if target is current:
        raise IllegalTransition(f"The project is already in {lifecycle.phase_text(current)}.")
    if target.number > current.number:
        event = latest.get(current)
        if event is None or PhaseAction(event["action"]) is not PhaseAction.CLOSED:
            raise IllegalTransition(
                f"Close {current.label} first: the project leaves a phase only once its "
                "exit criteria are met or the IPM closed it with a reason.",
                details={"phase": current.value},
            )
        expected = lifecycle.phase_after_close(current, events)
        if target is not expected:
            raise IllegalTransition(
                f"After {current.label} the project goes to {expected.label}, not "
                f"{target.label}.",
                details={"expected": expected.value},
            )
        return
    event = latest.get(target)
    if event is None or PhaseAction(event["action"]) is not PhaseAction.REOPENED:
        raise IllegalTransition(
            f"Reopen {target.label} first (with a reason); the project goes back only to a "
            "reopened phase.",
            details={"phase": target.value},
        )


# ----------------------------------------------------------------------------- sign-offs

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


# ----------------------------------------------------------------------------- checklist


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


# ----------------------------------------------------------------------------- issues


def check_reprioritised(
    current: Mapping[str, Any], fields: Mapping[str, Any]
) -> None:
    """A new priority for an issue says why (``priority_reason``)."""
    if "priority" not in fields or str(fields["priority"]) == str(current.get("priority")):
        return
    reason = fields.get("priority_reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed(
            f"Changing the priority of {current.get('ref') or 'an issue'} needs a reason "
            "(priority_reason): what changed in its impact or urgency.",
            details={"missing": "priority_reason"},
        )


def retest_codes(category: Any, priority: Any) -> tuple[str, ...]:
    """The tests one of which must pass again before such an issue is resolved."""
    try:
        if Priority(priority) is not Priority.P1:
            return ()
        return RETEST_BEFORE_RESOLVE.get(IssueCategory(category), ())
    except ValueError:
        return ()


def check_retest(record: Mapping[str, Any], facts: Facts) -> None:
    """An E911 P1 is resolved only after a passing 933 retest recorded since it opened."""
    codes = retest_codes(record.get("category"), record.get("priority"))
    if not codes:
        return
    opened = as_time(record.get("opened_at"))
    site = record.get("site_id")
    for code in codes:
        for entry in facts.find(EntityKind.VERIFICATION, test_case=code,
                                result=VerificationResult.PASS.value):
            if site and entry.get("site_id") != site:
                continue
            tested = as_time(entry.get("tested_at"))
            if opened is None or (tested is not None and tested >= opened):
                return
    where = " at the issue's site" if site else ""
    raise IllegalTransition(
        f"{record.get('ref') or 'This'} is an E911 P1: resolve it after a passing "
        f"{' or '.join(codes)} (933) retest{where}, logged since it was opened.",
        details={"missing": "retest", "test_cases": list(codes)},
    )


# ----------------------------------------------------------------------------- links

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
                f"{name} names no {what} of this project ({', '.join(missing)}); a "
                f"{kind.value.replace('_', ' ')} refers only to records of its own project.",
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


class RecordFacts:
    """Facts over records held in memory: a project document being loaded, a test."""

    def __init__(
        self, role: Role | None = Role.IPM,
        records: Mapping[EntityKind, Sequence[Record]] | None = None,
    ) -> None:
        self._role = role
        self.by_kind: dict[EntityKind, list[Record]] = {
            kind: list(rows) for kind, rows in (records or {}).items()
        }
        #: by kind and id, so that a look-up by id costs no scan of a large project
        self._by_id: dict[EntityKind, dict[str, Record]] = {
            kind: {r["id"]: r for r in rows} for kind, rows in self.by_kind.items()
        }

    @property
    def role(self) -> Role | None:
        return self._role

    def add(self, kind: EntityKind, record: Record) -> None:
        self.by_kind.setdefault(kind, []).append(record)
        self._by_id.setdefault(kind, {})[record["id"]] = record

    def records(self, kind: EntityKind, ids: Collection[str]) -> Mapping[str, Record]:
        known = self._by_id.get(kind, {})
        return {i: known[i] for i in ids if i in known}

    def find(self, kind: EntityKind, **equal: Any) -> Sequence[Record]:
        return [
            r for r in self.by_kind.get(kind, [])
            if all(r.get(k) == v or str(r.get(k)) == str(v) for k, v in equal.items())
        ]
