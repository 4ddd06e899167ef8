"""apply_op and merge_update: what every kind of change means, on client and server alike."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError as PydanticValidationError

from golive_tui.domain.enums import (
    ChecklistStatus,
    EntityKind,
    IssueState,
    OpAction,
    OrderState,
    PortState,
    Priority,
    VerificationResult,
)
from golive_tui.domain.errors import DomainError, IllegalTransition, NotFound, ValidationFailed
from golive_tui.domain.ops import (
    Op,
    Record,
    apply_new_run,
    apply_op,
    merge_update,
    new_id,
    new_ids,
    validate_record,
)
from golive_tui.domain.records import TRANSITIONS
from golive_tui.domain.rules import Facts, RecordFacts
from golive_tui.domain.sla import SlaPolicy, SlaTarget

K = EntityKind
A = OpAction
NY = ZoneInfo("America/New_York")
PROJECT_ID = "6b0c1f4e-2d8a-4c3b-9e71-0a5f3d2c1b00"
ACTOR = "mateo.garcia"
NOW = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
ISSUE_ID = "3f2a9c1e-77b4-4d2a-8c0e-5a1b2c3d4e5f"

_seq = iter(range(1, 1_000_000))


def op(kind: EntityKind, action: OpAction, entity_id: str = "rec-1", **fields: Any) -> Op:
    return Op(
        client_id="laptop-a",
        client_seq=next(_seq),
        entity=kind,
        entity_id=entity_id,
        action=action,
        fields=fields,
        client_time=NOW,
    )


def apply(
    current: Record | None,
    change: Op,
    *,
    now: datetime = NOW,
    actor: str = ACTOR,
    policy: SlaPolicy | None = None,
    facts: Facts | None = None,
) -> Record | None:
    """Apply with ``facts`` (by default an IPM's project holding only the issue ISSUE_ID,
    which notes refer to, and a log in which go-live has just closed)."""
    if facts is None:
        facts = RecordFacts(records={
            EntityKind.ISSUE: [{"id": ISSUE_ID}],
            EntityKind.PHASE_EVENT: [
                {"id": "event-1", "phase": "go_live", "action": "closed", "at": NOW}
            ],
        })
    return apply_op(current, change, project_id=PROJECT_ID, actor=actor, now=now, policy=policy,
                    facts=facts)


def create(kind: EntityKind, entity_id: str = "rec-1", **fields: Any) -> Record:
    action = A.APPEND if kind in (K.VERIFICATION, K.ISSUE_NOTE, K.DECISION) else A.CREATE
    record = apply(None, op(kind, action, entity_id, **fields))
    assert record is not None
    return record


def move(record: Record, kind: EntityKind, to: str, **extra: Any) -> Record:
    """Transition ``record``; ``now``, ``actor`` and ``policy`` may ride along in ``extra``."""
    kwargs = {k: extra.pop(k) for k in ("now", "actor", "policy") if k in extra}
    new = apply(record, op(kind, A.TRANSITION, record["id"], to=to, **extra), **kwargs)
    assert new is not None
    return new


def number(state: PortState = PortState.DRAFT, **fields: Any) -> Record:
    record = create(K.NUMBER, e164="+13035550100", **fields)
    record["porting_state"] = state
    return record


def order(state: OrderState = OrderState.SUBMITTED, **fields: Any) -> Record:
    record = create(K.PORT_ORDER, pon="RVP-PO-1003", carrier="Verizon Business", **fields)
    record["status"] = state
    return record


def issue(priority: Priority = Priority.P3, **fields: Any) -> Record:
    return create(K.ISSUE, ISSUE_ID, title="One-way audio on lobby phone", priority=priority,
                  **fields)


def item(**fields: Any) -> Record:
    return create(K.CHECKLIST_ITEM, key="NET-QOS", title="QoS / DSCP marking", **fields)


# ----------------------------------------------------------------------------- create / append


def test_create_stamps_id_project_version_and_who_when() -> None:
    record = create(K.SITE, "site-den", code="DEN", name="Denver HQ")
    assert record["id"] == "site-den"
    assert record["project_id"] == PROJECT_ID
    assert record["version"] == 1
    assert record["updated_at"] == NOW
    assert record["updated_by"] == ACTOR


def test_new_issue_gets_a_short_ref_from_its_id_and_is_opened_now_by_the_actor() -> None:
    record = issue()
    assert record["ref"] == "GL-3F2A9"
    assert record["opened_at"] == NOW
    assert record["reporter"] == ACTOR
    assert record["state"] is IssueState.NEW
    assert record["responded_at"] is None


def test_new_issue_keeps_a_reporter_it_was_given() -> None:
    assert issue(reporter="dana.whitfield")["reporter"] == "dana.whitfield"


@pytest.mark.parametrize("source", ["portal", "email"])
def test_portal_and_email_issues_start_at_p4_until_triaged(source: str) -> None:
    assert issue(Priority.P1, source=source)["priority"] is Priority.P4


def test_team_issue_keeps_the_priority_it_was_opened_with() -> None:
    assert issue(Priority.P1, source="team")["priority"] is Priority.P1


def test_new_issue_cannot_start_beyond_new() -> None:
    with pytest.raises(ValidationFailed, match="starts in state new"):
        issue(state="in_progress")


def test_verification_is_stamped_with_tester_and_time() -> None:
    record = create(K.VERIFICATION, "v-1", test_case="NET-01", target="DEN",
                    result=VerificationResult.PASS)
    assert record["tested_at"] == NOW
    assert record["tester"] == ACTOR


def test_verification_keeps_an_explicit_time_for_a_test_logged_late() -> None:
    earlier = NOW - timedelta(hours=2)
    record = create(K.VERIFICATION, "v-1", test_case="DID", target="+13035550100",
                    result="fail", tested_at=earlier, tester="hana.ito")
    assert record["tested_at"] == earlier
    assert record["tester"] == "hana.ito"


def test_issue_note_and_decision_are_stamped_with_author_and_time() -> None:
    note = create(K.ISSUE_NOTE, "n-1", issue_id=ISSUE_ID, body="Customer confirmed.")
    assert (note["author"], note["at"]) == (ACTOR, NOW)
    # an empty project's gate is shut (nothing in scope): a no-go is the call to make
    decision = create(K.DECISION, "d-1", decision="no_go", reason="Nothing to port yet.")
    assert (decision["by"], decision["at"]) == (ACTOR, NOW)


@pytest.mark.parametrize("kind", [K.VERIFICATION, K.ISSUE_NOTE, K.DECISION])
def test_append_only_entities_are_added_with_append_not_create(kind: EntityKind) -> None:
    with pytest.raises(ValidationFailed, match="Use 'append'"):
        apply(None, op(kind, A.CREATE, "x-1"))


def test_ordinary_entities_are_added_with_create_not_append() -> None:
    with pytest.raises(ValidationFailed, match="Use 'create'"):
        apply(None, op(K.SITE, A.APPEND, "site-1", code="DEN", name="Denver"))


def test_create_refuses_an_id_that_already_exists() -> None:
    existing = create(K.SITE, "site-1", code="DEN", name="Denver")
    with pytest.raises(ValidationFailed, match="with id site-1 already exists"):
        apply(existing, op(K.SITE, A.CREATE, "site-1", code="DEN", name="Denver"))


@pytest.mark.parametrize(
    ("typed", "e164"),
    [("(303) 555-0100", "+13035550100"), ("1-303-555-0101", "+13035550101"),
     ("3035550102", "+13035550102")],
)
def test_number_is_stored_in_e164_whatever_way_it_was_typed(typed: str, e164: str) -> None:
    assert create(K.NUMBER, e164=typed)["e164"] == e164


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("303-555", "too short"), ("+1 303 555 01000", "too long"), ("303-CALL-NOW", "letters")],
)
def test_invalid_number_is_refused_with_the_reason(typed: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(K.NUMBER, e164=typed)
    assert typed in refused.value.message
    assert reason in refused.value.message
    assert "e164" in refused.value.message


def test_invalid_temp_number_is_refused_too() -> None:
    with pytest.raises(ValidationFailed, match="temp_number"):
        create(K.NUMBER, e164="+13035550100", temp_number="555")


def test_missing_required_field_is_refused_naming_it() -> None:
    with pytest.raises(ValidationFailed, match="title"):
        create(K.ISSUE, ISSUE_ID)


# ----------------------------------------------------------------------------- naive datetimes


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        apply(None, op(K.SITE, A.CREATE, code="DEN", name="Denver"),
              now=datetime(2026, 11, 26, 16, 0))


def test_naive_datetime_in_a_field_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="time zone"):
        create(K.PORT_ORDER, pon="RVP-PO-1", carrier="Lumen",
               requested_foc=datetime(2026, 11, 26, 11, 30))


def test_naive_iso_text_in_a_field_is_refused() -> None:
    milestone = create(K.MILESTONE, "m-1", phase="go_live", name="Go-live")
    with pytest.raises(ValidationFailed, match="time zone"):
        apply(milestone, op(K.MILESTONE, A.UPDATE, "m-1", due_at="2026-11-26T11:30:00"))


def test_aware_datetime_is_kept_as_the_same_instant() -> None:
    foc = datetime(2026, 11, 26, 11, 30, tzinfo=NY)
    record = create(K.PORT_ORDER, pon="RVP-PO-1", carrier="Lumen", requested_foc=foc)
    assert record["requested_foc"] == foc


# ----------------------------------------------------------------------------- update / delete


def test_update_changes_the_fields_and_bumps_the_version() -> None:
    site = create(K.SITE, "site-1", code="DEN", name="Denver")
    later = NOW + timedelta(minutes=5)
    new = apply(site, op(K.SITE, A.UPDATE, "site-1", e911_status="verified"),
                now=later, actor="priya.haddad")
    assert new is not None
    assert new["e911_status"] == "verified"
    assert new["name"] == "Denver"
    assert new["version"] == 2
    assert (new["updated_at"], new["updated_by"]) == (later, "priya.haddad")


@pytest.mark.parametrize(
    ("kind", "record", "state_field"),
    [
        (K.NUMBER, number, "porting_state"),
        (K.PORT_ORDER, order, "status"),
        (K.ISSUE, issue, "state"),
        (K.CHECKLIST_ITEM, item, "status"),
    ],
    ids=["number", "port_order", "issue", "checklist_item"],
)
def test_update_refuses_the_state_field(kind: EntityKind, record: Any, state_field: str) -> None:
    current = record()
    with pytest.raises(ValidationFailed) as refused:
        apply(current, op(kind, A.UPDATE, current["id"], **{state_field: "cancelled"}))
    assert refused.value.message == (
        f"{state_field} changes through a transition, not an update."
    )


@pytest.mark.parametrize("field", ["id", "project_id", "version", "updated_at", "updated_by"])
@pytest.mark.parametrize("action", [A.CREATE, A.UPDATE])
def test_system_fields_cannot_be_set_by_a_change(field: str, action: OpAction) -> None:
    current = None if action is A.CREATE else create(K.SITE, "site-1", code="DEN", name="Denver")
    value: Any = NOW if field == "updated_at" else (7 if field == "version" else "forged")
    with pytest.raises(ValidationFailed) as refused:
        apply(current, op(K.SITE, action, "site-1", code="DEN", name="Denver", **{field: value}))
    assert field in refused.value.message
    assert "the server keeps them" in refused.value.message


def test_update_refuses_unknown_fields_naming_them() -> None:
    site = create(K.SITE, "site-1", code="DEN", name="Denver")
    with pytest.raises(ValidationFailed) as refused:
        apply(site, op(K.SITE, A.UPDATE, "site-1", colour="red", mood="calm"))
    assert refused.value.message == "Unknown fields for site: colour, mood."


def test_update_of_a_missing_record_says_it_may_have_been_deleted() -> None:
    with pytest.raises(NotFound, match="may have been deleted"):
        apply(None, op(K.SITE, A.UPDATE, "gone", name="Denver"))


def test_delete_returns_nothing() -> None:
    site = create(K.SITE, "site-1", code="DEN", name="Denver")
    assert apply(site, op(K.SITE, A.DELETE, "site-1")) is None


def test_delete_of_a_missing_record_is_not_found() -> None:
    with pytest.raises(NotFound):
        apply(None, op(K.SITE, A.DELETE, "gone"))


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (K.VERIFICATION, {"test_case": "DID", "target": "+13035550100", "result": "pass"}),
        (K.ISSUE_NOTE, {"issue_id": ISSUE_ID, "body": "Called the carrier."}),
        (K.DECISION, {"decision": "no_go", "reason": "CHI E911 pending"}),
    ],
)
@pytest.mark.parametrize("action", [A.UPDATE, A.DELETE, A.TRANSITION])
def test_append_only_entities_cannot_be_changed_or_deleted(
    kind: EntityKind, fields: dict[str, Any], action: OpAction
) -> None:
    entry = create(kind, "entry-1", **fields)
    extra = {A.UPDATE: {"reason": "edited"}, A.DELETE: {}, A.TRANSITION: {"to": "closed"}}[action]
    with pytest.raises(ValidationFailed, match="append-only: add a new entry instead"):
        apply(entry, op(kind, action, "entry-1", **extra))


# ----------------------------------------------------------------------------- transitions


def test_transition_bumps_the_version_and_stamps_who() -> None:
    new = move(number(PortState.SUBMITTED), K.NUMBER, "foc_confirmed", actor="avery.brooks")
    assert new["porting_state"] is PortState.FOC_CONFIRMED
    assert new["version"] == 2
    assert new["updated_by"] == "avery.brooks"


def test_transition_needs_a_target() -> None:
    with pytest.raises(ValidationFailed, match="names its target state in 'to'"):
        apply(number(), op(K.NUMBER, A.TRANSITION, "rec-1"))


def test_transition_to_an_unknown_state_lists_the_states() -> None:
    with pytest.raises(ValidationFailed) as refused:
        move(number(), K.NUMBER, "done")
    assert "'done' is not a state" in refused.value.message
    assert "loa_pending" in refused.value.message
    assert "snapback_requested" in refused.value.message


def test_illegal_number_transition_is_refused_with_the_state_machines_words() -> None:
    with pytest.raises(IllegalTransition) as refused:
        move(number(PortState.DRAFT), K.NUMBER, "ported")
    assert "cannot go from draft to ported" in refused.value.message
    assert "submitted and FOC-confirmed" in refused.value.message


def test_illegal_port_order_transition_speaks_of_a_port_order() -> None:
    with pytest.raises(IllegalTransition, match=r"^A port order cannot go from draft to activated"):
        move(order(OrderState.DRAFT), K.PORT_ORDER, "activated")


def test_transition_refuses_unexpected_fields() -> None:
    with pytest.raises(ValidationFailed, match="Unexpected field in a transition: assigned_to"):
        move(number(PortState.SUBMITTED), K.NUMBER, "foc_confirmed", assigned_to="Front Desk")


def test_entities_without_states_cannot_transition() -> None:
    site = create(K.SITE, "site-1", code="DEN", name="Denver")
    with pytest.raises(ValidationFailed, match="A site has no states"):
        move(site, K.SITE, "done")


@pytest.mark.parametrize("kind", [K.NUMBER, K.PORT_ORDER])
def test_rejection_needs_a_rejection_code(kind: EntityKind) -> None:
    record = number(PortState.SUBMITTED) if kind is K.NUMBER else order(OrderState.SUBMITTED)
    with pytest.raises(IllegalTransition) as refused:
        move(record, kind, "rejected")
    assert "rejection code" in refused.value.message
    assert "ADDR_MISMATCH" in refused.value.message
    assert refused.value.details == {"missing": "rejection_code"}


@pytest.mark.parametrize("code", ["address mismatch", "addr_mismatch", "E_UNKNOWN", ""])
def test_rejection_code_must_be_one_of_the_known_codes(code: str) -> None:
    with pytest.raises(IllegalTransition, match="one of: ADDR_MISMATCH"):
        move(number(PortState.SUBMITTED), K.NUMBER, "rejected", rejection_code=code)


def test_rejection_records_its_code_and_a_resubmission_clears_it() -> None:
    rejected = move(number(PortState.SUBMITTED), K.NUMBER, "rejected",
                    rejection_code="PIN_REQUIRED")
    assert rejected["porting_state"] is PortState.REJECTED
    assert rejected["rejection_code"] == "PIN_REQUIRED"
    resubmitted = move(rejected, K.NUMBER, "submitted")
    assert resubmitted["rejection_code"] is None


def test_not_portable_records_the_not_portable_code() -> None:
    record = move(number(PortState.SUBMITTED), K.NUMBER, "not_portable")
    assert record["rejection_code"] == "NOT_PORTABLE"


def test_port_order_foc_confirmation_needs_the_confirmed_foc() -> None:
    with pytest.raises(IllegalTransition, match=r"\(confirmed_foc\)") as refused:
        move(order(OrderState.SUBMITTED), K.PORT_ORDER, "foc_confirmed")
    assert refused.value.details == {"missing": "confirmed_foc"}


def test_port_order_foc_confirmation_records_the_committed_time() -> None:
    foc = datetime(2026, 11, 26, 11, 30, tzinfo=NY)
    confirmed = move(order(OrderState.SUBMITTED), K.PORT_ORDER, "foc_confirmed",
                     confirmed_foc=foc.isoformat())
    assert confirmed["status"] is OrderState.FOC_CONFIRMED
    assert confirmed["confirmed_foc"] == foc


def test_port_order_already_holding_a_foc_can_be_confirmed_again_without_one() -> None:
    foc = datetime(2026, 11, 26, 11, 30, tzinfo=NY)
    back = order(OrderState.SUBMITTED, confirmed_foc=foc)
    assert move(back, K.PORT_ORDER, "foc_confirmed")["confirmed_foc"] == foc


def test_a_number_is_foc_confirmed_without_a_date_its_order_carries_it() -> None:
    assert move(number(PortState.SUBMITTED), K.NUMBER, "foc_confirmed")["porting_state"] is (
        PortState.FOC_CONFIRMED
    )


# ----------------------------------------------------------------------------- checklist


@pytest.mark.parametrize("comment", [None, "", "   "])
def test_skipping_a_checklist_item_needs_a_comment(comment: str | None) -> None:
    extra = {} if comment is None else {"comment": comment}
    with pytest.raises(IllegalTransition, match="needs a comment saying why"):
        move(item(), K.CHECKLIST_ITEM, "skipped", **extra)


def test_skipped_item_keeps_the_comment() -> None:
    skipped = move(item(), K.CHECKLIST_ITEM, "skipped", comment="  No paging at this site ")
    assert skipped["status"] is ChecklistStatus.SKIPPED
    assert skipped["skip_comment"] == "No paging at this site"


def test_done_item_records_who_and_when_and_reopening_clears_it() -> None:
    done = move(item(), K.CHECKLIST_ITEM, "done", actor="hana.ito")
    assert (done["done_at"], done["done_by"]) == (NOW, "hana.ito")
    reopened = move(done, K.CHECKLIST_ITEM, "todo")
    assert (reopened["done_at"], reopened["done_by"]) == (None, "")


def test_reopening_a_skipped_item_clears_the_skip_comment() -> None:
    skipped = move(item(), K.CHECKLIST_ITEM, "skipped", comment="Not needed")
    assert move(skipped, K.CHECKLIST_ITEM, "todo")["skip_comment"] == ""


def test_blocked_item_cannot_be_done() -> None:
    blocked = move(item(), K.CHECKLIST_ITEM, "blocked")
    with pytest.raises(IllegalTransition, match="Unblock it first"):
        move(blocked, K.CHECKLIST_ITEM, "done")


# ----------------------------------------------------------------------------- issues


def test_taking_an_issue_is_the_first_response_and_assigns_the_taker() -> None:
    taken = move(issue(), K.ISSUE, "in_progress", actor="ravi.patel")
    assert taken["responded_at"] == NOW
    assert taken["assignee"] == "ravi.patel"


def test_taking_an_issue_for_someone_else_assigns_them() -> None:
    taken = move(issue(), K.ISSUE, "in_progress", assignee="hana.ito")
    assert taken["assignee"] == "hana.ito"


def test_responded_at_is_set_once_and_never_moved() -> None:
    taken = move(issue(), K.ISSUE, "in_progress")
    held = move(taken, K.ISSUE, "on_hold", reason="awaiting_customer",
                now=NOW + timedelta(hours=1))
    resumed = move(held, K.ISSUE, "in_progress", now=NOW + timedelta(hours=2))
    assert held["responded_at"] == NOW
    assert resumed["responded_at"] == NOW


@pytest.mark.parametrize(
    ("to", "extra"),
    [("on_hold", {"reason": "awaiting_vendor"}), ("resolved", {"resolution": "Rebooted ATA"})],
)
def test_holding_or_resolving_a_new_issue_also_counts_as_responding(
    to: str, extra: dict[str, str]
) -> None:
    assert move(issue(), K.ISSUE, to, **extra)["responded_at"] == NOW


def test_cancelling_a_new_issue_is_not_a_response() -> None:
    cancelled = move(issue(), K.ISSUE, "cancelled", reason="Duplicate of GL-1A2B3")
    assert cancelled["responded_at"] is None


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_putting_an_issue_on_hold_needs_a_reason(reason: str | None) -> None:
    extra = {} if reason is None else {"reason": reason}
    with pytest.raises(IllegalTransition, match="on hold needs a reason"):
        move(issue(), K.ISSUE, "on_hold", **extra)


def test_on_hold_records_since_when_and_why() -> None:
    held = move(issue(), K.ISSUE, "on_hold", reason="awaiting_customer")
    assert held["on_hold_since"] == NOW
    assert held["hold_reason"] == "awaiting_customer"
    assert held["paused_seconds"] == 0.0


def test_leaving_hold_adds_the_hold_to_paused_seconds_and_clears_it() -> None:
    held = move(issue(Priority.P1), K.ISSUE, "on_hold", reason="awaiting_vendor")
    resumed = move(held, K.ISSUE, "in_progress", now=NOW + timedelta(minutes=30))
    assert resumed["paused_seconds"] == 1800.0
    assert resumed["on_hold_since"] is None
    assert resumed["hold_reason"] == ""


def test_two_holds_add_up() -> None:
    record = issue(Priority.P1)
    t = NOW
    for minutes in (10, 25):
        record = move(record, K.ISSUE, "on_hold", reason="awaiting_customer", now=t)
        t += timedelta(minutes=minutes)
        record = move(record, K.ISSUE, "in_progress", now=t)
        t += timedelta(hours=1)
    assert record["paused_seconds"] == 35 * 60.0


def test_hold_over_a_weekend_counts_business_time_only_for_a_p3() -> None:
    # P3 resolves on business days (Mon-Fri, New York): Friday 17:00 → Monday 09:00 is
    # 7 h of Friday plus 9 h of Monday; the weekend counts nothing.
    friday = datetime(2026, 12, 4, 17, 0, tzinfo=NY)
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=NY)
    held = move(issue(Priority.P3), K.ISSUE, "on_hold", reason="awaiting_customer", now=friday)
    resumed = move(held, K.ISSUE, "in_progress", now=monday)
    assert resumed["paused_seconds"] == 16 * 3600.0


def test_hold_is_counted_on_the_projects_own_policy() -> None:
    every_hour = SlaTarget(respond_minutes=60, resolve_minutes=600)
    policy = SlaPolicy(targets=dict.fromkeys(Priority, every_hour))
    friday = datetime(2026, 12, 4, 17, 0, tzinfo=NY)
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=NY)
    held = move(issue(Priority.P3), K.ISSUE, "on_hold", reason="awaiting_customer", now=friday)
    resumed = move(held, K.ISSUE, "resolved", resolution="Fixed", now=monday, policy=policy)
    assert resumed["paused_seconds"] == 64 * 3600.0


def test_hold_start_read_back_from_json_text_still_counts() -> None:
    held = move(issue(Priority.P1), K.ISSUE, "on_hold", reason="awaiting_customer")
    held["on_hold_since"] = held["on_hold_since"].isoformat()
    resumed = move(held, K.ISSUE, "in_progress", now=NOW + timedelta(minutes=5))
    assert resumed["paused_seconds"] == 300.0


@pytest.mark.parametrize("resolution", [None, "", "   "])
def test_resolving_an_issue_needs_a_resolution(resolution: str | None) -> None:
    extra = {} if resolution is None else {"resolution": resolution}
    with pytest.raises(IllegalTransition, match="needs a resolution note"):
        move(issue(), K.ISSUE, "resolved", **extra)


def test_resolving_records_the_resolution_and_time_and_reopening_clears_the_time() -> None:
    resolved = move(issue(), K.ISSUE, "resolved", resolution="Swapped the PoE injector")
    assert resolved["resolution"] == "Swapped the PoE injector"
    assert resolved["resolved_at"] == NOW
    reopened = move(resolved, K.ISSUE, "in_progress", now=NOW + timedelta(hours=1))
    assert reopened["state"] is IssueState.IN_PROGRESS
    assert reopened["resolved_at"] is None


def test_closing_a_resolved_issue_records_when() -> None:
    resolved = move(issue(), K.ISSUE, "resolved", resolution="Done")
    closed = move(resolved, K.ISSUE, "closed", now=NOW + timedelta(days=1))
    assert closed["closed_at"] == NOW + timedelta(days=1)


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_cancelling_an_issue_needs_a_reason(reason: str | None) -> None:
    extra = {} if reason is None else {"reason": reason}
    with pytest.raises(IllegalTransition, match="Cancelling an issue needs a reason"):
        move(issue(), K.ISSUE, "cancelled", **extra)


def test_cancelled_issue_keeps_the_reason_and_is_closed() -> None:
    cancelled = move(issue(), K.ISSUE, "cancelled", reason="Raised twice")
    assert cancelled["resolution"] == "Raised twice"
    assert cancelled["closed_at"] == NOW


def test_closing_an_unresolved_issue_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="Resolve it first"):
        move(issue(), K.ISSUE, "closed")


# ----------------------------------------------------------------------------- merge_update


def test_fields_changed_by_different_clients_both_apply() -> None:
    # laptop-b changed assigned_to at version 3; laptop-a, based on version 2, changes temp_number
    current = {"assigned_to": "Front Desk", "temp_number": None}
    apply_now, conflicts = merge_update(
        current, {"assigned_to": (3, "laptop-b")}, 2, {"temp_number": "+13035550199"}, "laptop-a"
    )
    assert apply_now == {"temp_number": "+13035550199"}
    assert conflicts == {}


def test_same_field_changed_by_another_client_since_my_base_conflicts() -> None:
    current = {"assigned_to": "Front Desk"}
    apply_now, conflicts = merge_update(
        current, {"assigned_to": (3, "laptop-b")}, 2, {"assigned_to": "Pharmacy"}, "laptop-a"
    )
    assert apply_now == {}
    assert conflicts == {"assigned_to": "Front Desk"}


def test_no_base_version_means_any_change_by_another_client_conflicts() -> None:
    _apply, conflicts = merge_update(
        {"name": "Denver HQ"}, {"name": (1, "laptop-b")}, None, {"name": "Denver"}, "laptop-a"
    )
    assert conflicts == {"name": "Denver HQ"}


def test_a_change_another_client_made_before_my_base_does_not_conflict() -> None:
    apply_now, conflicts = merge_update(
        {"assigned_to": "Front Desk"}, {"assigned_to": (2, "laptop-b")}, 2,
        {"assigned_to": "Pharmacy"}, "laptop-a",
    )
    assert apply_now == {"assigned_to": "Pharmacy"}
    assert conflicts == {}


def test_my_own_earlier_change_never_conflicts_with_my_later_one() -> None:
    apply_now, conflicts = merge_update(
        {"assigned_to": "Front Desk"}, {"assigned_to": (5, "laptop-a")}, 2,
        {"assigned_to": "Pharmacy"}, "laptop-a",
    )
    assert apply_now == {"assigned_to": "Pharmacy"}
    assert conflicts == {}


def test_equal_values_never_conflict() -> None:
    apply_now, conflicts = merge_update(
        {"assigned_to": "Front Desk"}, {"assigned_to": (9, "laptop-b")}, 2,
        {"assigned_to": "Front Desk"}, "laptop-a",
    )
    assert apply_now == {"assigned_to": "Front Desk"}
    assert conflicts == {}


@pytest.mark.parametrize(
    "sent",
    ["2026-11-26T16:30:00+00:00", "2026-11-26T16:30:00Z", "2026-11-26T11:30:00-05:00"],
)
def test_the_same_instant_written_another_way_is_an_equal_value(sent: str) -> None:
    foc = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    _apply, conflicts = merge_update(
        {"confirmed_foc": foc}, {"confirmed_foc": (9, "laptop-b")}, 2,
        {"confirmed_foc": sent}, "laptop-a", K.PORT_ORDER,
    )
    assert conflicts == {}


def test_a_different_instant_still_conflicts() -> None:
    foc = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    _apply, conflicts = merge_update(
        {"confirmed_foc": foc}, {"confirmed_foc": (9, "laptop-b")}, 2,
        {"confirmed_foc": "2026-11-26T16:30:00-05:00"}, "laptop-a", K.PORT_ORDER,
    )
    assert conflicts == {"confirmed_foc": foc}


def test_mixed_update_applies_what_it_can_and_reports_the_rest() -> None:
    current = {"assigned_to": "Front Desk", "notes": "old", "btn": "+13035550100"}
    versions = {"assigned_to": (4, "laptop-b"), "notes": (1, "laptop-b")}
    apply_now, conflicts = merge_update(
        current, versions, 3, {"assigned_to": "Pharmacy", "notes": "new", "btn": "x"}, "laptop-a"
    )
    assert apply_now == {"notes": "new", "btn": "x"}
    assert conflicts == {"assigned_to": "Front Desk"}


def test_a_change_with_a_nul_character_in_its_text_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed, match=r"body: text with a NUL"):
        create(K.ISSUE_NOTE, issue_id=ISSUE_ID, body="call back\x00")
    site = create(K.SITE, code="DEN", name="Denver")
    with pytest.raises(ValidationFailed, match=r"name: text with a NUL"):
        apply(site, op(K.SITE, A.UPDATE, site["id"], name="Den\x00ver"))
    with pytest.raises(ValidationFailed, match="NUL"):  # in a JSON value's key, too
        apply(site, op(K.SITE, A.UPDATE, site["id"], e911_address={"street\x00": "1 Main"}))


def test_a_stored_record_with_a_nul_still_loads_and_takes_changes() -> None:
    # an older server stored one: pulling it and rebasing a pending change over it goes on
    stored = {**create(K.SITE, code="DEN", name="Denver"), "name": "Den\x00ver"}
    assert validate_record(K.SITE, stored)["name"] == "Den\x00ver"
    changed = apply(stored, op(K.SITE, A.UPDATE, stored["id"], code="DVR"))
    assert changed is not None and changed["code"] == "DVR" and changed["name"] == "Den\x00ver"


# ------------------------------------------------------------------- transition payloads


def step_timing() -> Record:
    """A pending step of a rehearsal run."""
    facts = RecordFacts(records={
        K.RUNBOOK_RUN: [{"id": "run-1", "cutover_id": "wave-1", "run_kind": "rehearsal"}],
        K.RUNBOOK_STEP: [{"id": "step-1", "cutover_id": "wave-1", "title": "Freeze MACDs"}],
    })
    made = apply(None, op(K.RUNBOOK_STEP_RUN, A.CREATE, run_id="run-1", step_id="step-1"),
                 facts=facts)
    assert made is not None
    return made


MOVES: list[tuple[EntityKind, Callable[[], Record], dict[str, Any]]] = [
    (K.NUMBER, lambda: number(PortState.SUBMITTED),
     {"to": "rejected", "rejection_code": "ADDR_MISMATCH", "comment": "carrier says no"}),
    (K.PORT_ORDER, order,
     {"to": "foc_confirmed", "confirmed_foc": "2026-12-01T15:00:00Z", "comment": "FOC in"}),
    (K.PORT_ORDER, order, {"to": "rejected", "rejection_code": "ADDR_MISMATCH"}),
    (K.ISSUE, issue, {"to": "in_progress", "assignee": "ana", "comment": "taking it"}),
    (K.ISSUE, issue, {"to": "on_hold", "reason": "awaiting the customer"}),
    (K.ISSUE, lambda: move(issue(), K.ISSUE, "in_progress"),
     {"to": "resolved", "resolution": "QoS policy fixed"}),
    (K.CHECKLIST_ITEM, item, {"to": "skipped", "comment": "no QoS on this site"}),
    (K.PROJECT, lambda: create(K.PROJECT, name="Ridgeline", customer="Ridgeline"),
     {"to": "hypercare", "comment": "go-live closed"}),
    (K.CHANGE_REQUEST, lambda: create(K.CHANGE_REQUEST, title="Paging at CHI"),
     {"to": "approved", "reason": "within budget", "comment": "on the weekly call"}),
    (K.ACTION_ITEM, lambda: create(K.ACTION_ITEM, title="Send CSRs"),
     {"to": "done", "comment": "received"}),
    (K.CUTOVER, lambda: create(K.CUTOVER, name="Wave 1"), {"to": "ready", "comment": "no dry run"}),
    (K.RUNBOOK_STEP_RUN, lambda: step_timing(),
     {"to": "skipped", "comment": "no paging at this site"}),
]


@pytest.mark.parametrize(("kind", "make", "payload"), MOVES)
def test_a_transition_the_schema_describes_is_one_the_rules_take(
    kind: EntityKind, make: Callable[[], Record], payload: dict[str, Any]
) -> None:
    TRANSITIONS[kind].model_validate(payload)
    fields = dict(payload)
    move(make(), kind, fields.pop("to"), **fields)
    with pytest.raises(PydanticValidationError):
        TRANSITIONS[kind].model_validate({**payload, "colour": "red"})
    with pytest.raises(ValidationFailed, match="colour"):
        move(make(), kind, **{**payload, "colour": "red"})


def test_every_field_of_a_transition_model_is_taken_by_some_move() -> None:
    used: dict[EntityKind, set[str]] = {kind: set() for kind in TRANSITIONS}
    for kind, _make, payload in MOVES:
        used[kind] |= set(payload)
    assert used == {kind: set(model.model_fields) for kind, model in TRANSITIONS.items()}


def test_ids_made_many_at_once_are_time_ordered_uuids_as_one_made_alone_is() -> None:
    # a bulk move makes its 10,000 op ids from one read of the random source
    before = uuid.UUID(new_id())
    ids = list(new_ids(5_000))
    after = uuid.UUID(new_id())
    assert len(set(ids)) == 5_000
    for op_id in ids:
        parsed = uuid.UUID(op_id)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
        assert str(parsed) == op_id  # lower case, with its dashes: the text the model keeps
    # in the order they were made, alone or many at once, so new keys land at an index's end
    assert [str(before), *ids, str(after)] == sorted([str(before), *ids, str(after)])
    # the first 48 bits are the milliseconds since 1970 when the id was made
    made = datetime.fromtimestamp((before.int >> 80) / 1000, UTC)
    assert abs(made - datetime.now(UTC)) < timedelta(minutes=1)
    op = Op(op_id=ids[0], client_id="c1", client_seq=1, entity=EntityKind.NUMBER,
            entity_id="n1", action=OpAction.TRANSITION, fields={"to": "ported"},
            client_time=datetime(2026, 12, 1, tzinfo=UTC))
    assert op.op_id == ids[0]
    assert uuid.UUID(Op(client_id="c1", client_seq=1, entity=EntityKind.NUMBER, entity_id="n1",
                        action=OpAction.TRANSITION, client_time=op.client_time).op_id).version == 7
    assert list(new_ids(0)) == []


def test_ids_keep_increasing_when_the_clock_is_set_back(monkeypatch: pytest.MonkeyPatch) -> None:
    first = new_id()
    monkeypatch.setattr(time, "time_ns", lambda: 0)  # 1970: far behind the last id
    later = list(new_ids(3))
    assert [first, *later] == sorted([first, *later])
    assert len({first, *later}) == 4


def _alone_or_refused(change: Op, facts: Facts) -> Any:
    try:
        return apply(None, change, facts=facts)
    except DomainError as refused:
        return (type(refused), refused.code, refused.message, refused.details)


def _as_answer(outcome: Any) -> Any:
    if isinstance(outcome, DomainError):
        return (type(outcome), outcome.code, outcome.message, outcome.details)
    return outcome


@pytest.mark.parametrize("closed", [False, True])
def test_a_run_of_new_records_gets_what_each_op_gets_applied_alone(closed: bool) -> None:
    location = {"id": "loc-1", "site_id": "site-1", "name": "Floor 2"}
    project = {"id": PROJECT_ID, "closed_at": NOW if closed else None, "closed_by": "ana"}
    facts = RecordFacts(records={
        K.PROJECT: [project], K.ISSUE: [{"id": ISSUE_ID}],
        K.SITE: [{"id": "site-1"}], K.EMERGENCY_LOCATION: [location],
    })
    run = [
        op(K.VERIFICATION, A.APPEND, "v-1", test_case="IN-01", target="+17205550100",
           result="pass", note="call 1"),
        op(K.ISSUE_NOTE, A.APPEND, "n-1", issue_id=ISSUE_ID, body="called the carrier"),
        # refused, each for its own reason, between ops that apply
        op(K.VERIFICATION, A.APPEND, "v-2", test_case="IN-01", target="+1720\x07",
           result="pass"),
        op(K.VERIFICATION, A.APPEND, "v-3", test_case="IN-01", target="x", result="pass",
           version=7),
        op(K.VERIFICATION, A.CREATE, "v-4", test_case="IN-01", target="x", result="pass"),
        op(K.VERIFICATION, A.APPEND, "v-5", test_case="E911-01", target="x", result="pass"),
        op(K.VERIFICATION, A.APPEND, "v-6", test_case="IN-01", target="x", result="maybe"),
        op(K.ISSUE_NOTE, A.APPEND, "n-2", issue_id="no-such-issue", body="lost"),
        op(K.VERIFICATION, A.APPEND, "v-7", test_case="E911-01", target="Floor 2",
           result="pass", emergency_location_id="loc-1"),
    ]
    together = apply_new_run(run, project_id=PROJECT_ID, actor=ACTOR, now=NOW, facts=facts)
    alone = [_alone_or_refused(change, facts) for change in run]
    assert [_as_answer(o) for o in together] == alone
    applied = [o for o in together if not isinstance(o, DomainError)]
    assert len(applied) == (0 if closed else 3)  # the run is not all refusals


def test_a_run_of_plain_new_records_gets_what_each_op_gets_applied_alone() -> None:
    # no op of this run holds a control character or a nested value: the run's text is
    # searched once, not op by op, and each op still gets its own answer
    facts = RecordFacts(records={K.PROJECT: [{"id": PROJECT_ID}], K.ISSUE: [{"id": ISSUE_ID}]})
    run = [
        op(K.VERIFICATION, A.APPEND, "v-1", test_case="IN-01", target="+17205550100",
           result="pass", note="call\t1"),
        op(K.VERIFICATION, A.APPEND, "v-3", test_case="IN-01", target="x", result="pass",
           version=7),
        op(K.VERIFICATION, A.APPEND, "v-6", test_case="IN-01", target="x", result="maybe"),
        op(K.ISSUE_NOTE, A.APPEND, "n-1", issue_id=ISSUE_ID, body="line\r\nbreak"),
        op(K.ISSUE_NOTE, A.APPEND, "n-2", issue_id="no-such-issue", body="lost"),
    ]
    together = apply_new_run(run, project_id=PROJECT_ID, actor=ACTOR, now=NOW, facts=facts)
    assert [_as_answer(o) for o in together] == [_alone_or_refused(c, facts) for c in run]
    assert [isinstance(o, DomainError) for o in together] == [False, True, True, False, True]


def test_a_run_of_new_records_takes_only_kinds_whose_rules_read_no_record_of_their_own() -> None:
    decision = op(K.DECISION, A.APPEND, "d-1", cutover_id="c-1", outcome="go")
    with pytest.raises(ValueError, match="not a new record"):
        apply_new_run([decision], project_id=PROJECT_ID, actor=ACTOR, now=NOW, facts=None)
    update = op(K.VERIFICATION, A.UPDATE, "v-1", note="again")
    with pytest.raises(ValueError, match="not a new record"):
        apply_new_run([update], project_id=PROJECT_ID, actor=ACTOR, now=NOW, facts=None)
