"""The rules that look past one record, as apply_op runs them on client and server alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from golive_tui.domain.enums import (
    ChecklistStatus,
    EntityKind,
    IssueCategory,
    IssueState,
    NumberType,
    OpAction,
    Priority,
    Role,
    VerificationResult,
)
from golive_tui.domain.errors import IllegalTransition, PermissionDenied, ValidationFailed
from golive_tui.domain.ops import Op, Record, apply_op, merge_update
from golive_tui.domain.rules import (
    MIN_OVERRIDE_REASON_CHARS,
    RecordFacts,
    check_text,
    control_character,
    flat_and_plain,
    override_reason_problem,
)
from golive_tui.domain.sla import SlaPolicy, issue_clocks, project_policy
from golive_tui.domain.test_plan import failure_issue
from tests.gate_world import rec, world

K = EntityKind
A = OpAction
PROJECT = "6b0c1f4e-2d8a-4c3b-9e71-0a5f3d2c1b00"
NOW = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)

REASON = "The bridge is staffed and the carrier confirmed by phone"
_seq = iter(range(1, 1_000_000))


def op(kind: EntityKind, action: OpAction, entity_id: str, **fields: Any) -> Op:
    return Op(client_id="laptop-a", client_seq=next(_seq), entity=kind, entity_id=entity_id,
              action=action, fields=fields, client_time=NOW)


def apply(
    current: Record | None, change: Op, facts: RecordFacts, *, actor: str = "avery.brooks",
    now: datetime = NOW,
) -> Record:
    record = apply_op(current, change, project_id=PROJECT, actor=actor, now=now, facts=facts)
    assert record is not None
    return record


def stored(facts: RecordFacts, kind: EntityKind, entity_id: str, **fields: Any) -> Record:
    """A record created through the rules and kept in ``facts``."""
    action = A.APPEND if kind is K.VERIFICATION else A.CREATE
    record = apply(None, op(kind, action, entity_id, **fields), facts)
    facts.add(kind, record)
    return record


# ----------------------------------------------------------------------------- decisions


def closed_gate() -> RecordFacts:
    """A project with two waves; today's gate holds one unmet condition: no co-sign."""
    records = world()
    records[K.SIGNOFF] = []
    return RecordFacts(Role.IPM, records)


COSIGN = "Customer co-sign"


def decide(facts: RecordFacts, decision: str, **fields: Any) -> Record:
    fields.setdefault("cutover_id", "wave-1")
    return apply(None, op(K.DECISION, A.APPEND, "d-1", decision=decision, **fields), facts)


def test_a_go_over_an_unmet_condition_with_a_one_character_reason_is_refused() -> None:
    with pytest.raises(ValidationFailed, match=f"at least {MIN_OVERRIDE_REASON_CHARS} char"):
        decide(closed_gate(), "go", reason="x", unmet=[COSIGN])


def test_a_go_over_unmet_conditions_must_name_each_of_them() -> None:
    with pytest.raises(ValidationFailed,
                       match=r"does not name 1 of them: Customer co-sign") as refused:
        decide(closed_gate(), "go", reason=REASON, unmet=[])
    assert refused.value.details["missing"] == [COSIGN]


def test_a_go_over_named_conditions_is_an_override_that_records_them_from_the_gate() -> None:
    # what the op says about the gate is not taken: the rules evaluate it themselves
    record = decide(closed_gate(), "go", reason=REASON, override=False,
                    unmet=[f"{COSIGN}: not yet"])
    assert record["override"] is True
    assert record["unmet"] == [
        "Customer co-sign: the customer's main contact has not co-signed Wave 1 – Denver"]
    assert record["reason"] == REASON and record["cutover_id"] == "wave-1"


def test_an_override_lists_exactly_the_unmet_conditions() -> None:
    with pytest.raises(ValidationFailed, match=r"also names Site XYZ, which holds now"):
        decide(closed_gate(), "go", reason=REASON, unmet=[COSIGN, "Site XYZ: made up"])


def test_a_go_on_a_ready_gate_is_no_override_whatever_the_op_says() -> None:
    record = decide(RecordFacts(Role.IPM, world()), "go", override=True,
                    unmet=["Site DEN: pending"])
    assert record["override"] is False and record["unmet"] == []


def test_a_later_waves_blockers_do_not_hold_todays_go() -> None:
    facts = RecordFacts(Role.IPM, world())
    assert decide(facts, "go")["override"] is False
    with pytest.raises(ValidationFailed, match="does not name 7 of them"):
        decide(facts, "go", reason=REASON, cutover_id="wave-2")


def test_a_call_in_a_project_with_waves_names_its_wave() -> None:
    with pytest.raises(ValidationFailed, match=r"goes live in waves \(Wave 1 – Denver, Wave 2"):
        decide(RecordFacts(Role.IPM, world()), "go", cutover_id=None)


def test_a_call_for_a_wave_of_no_project_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="cutover_id names no cutover of this project"):
        decide(RecordFacts(Role.IPM, world()), "go", cutover_id="wave-9")


@pytest.mark.parametrize("decision", ["no_go", "rollback"])
def test_no_go_and_rollback_need_a_reason_and_record_the_gate(decision: str) -> None:
    with pytest.raises(ValidationFailed, match="needs a reason"):
        decide(closed_gate(), decision, reason="  ")
    record = decide(closed_gate(), decision, reason="No co-sign from Ridgeline yet")
    assert record["override"] is False and len(record["unmet"]) == 1


def test_who_made_the_call_is_the_actor_not_what_the_op_says() -> None:
    record = apply(None, op(K.DECISION, A.APPEND, "d-1", decision="go", by="someone.else",
                            cutover_id="wave-1"),
                   RecordFacts(Role.IPM, world()), actor="avery.brooks")
    assert record["by"] == "avery.brooks"


@pytest.mark.parametrize(
    ("reason", "ok"),
    [("", False), ("x", False), ("go go go go", False), ("Carrier confirmed it", False),
     ("Carrier confirmed it by phone", True), ("  The   carrier  confirmed it by phone ", True)],
)
def test_an_override_reason_is_substantive(reason: str, ok: bool) -> None:
    assert (override_reason_problem(reason) is None) is ok


def test_a_derived_gate_item_is_the_gates_and_nobody_ticks_it() -> None:
    facts = RecordFacts(Role.IPM, world())
    item = next(i for i in facts.find(K.CHECKLIST_ITEM) if i["evidence"])
    with pytest.raises(IllegalTransition, match=r"POR-04 is derived from the records \(Every "
                       r"port order has a signed LOA"):
        apply(item, op(K.CHECKLIST_ITEM, A.TRANSITION, item["id"], to="done"), facts)


# ----------------------------------------------------------------------------- sign-offs


def sign(role: Role, kind: str, **fields: Any) -> Record:
    records = world()
    records[K.HANDOFF] = [rec(K.HANDOFF, "h-1", as_built="3 sites")]
    records[K.STAKEHOLDER] = [rec(K.STAKEHOLDER, "p-1", name="Dana Whitfield", role="mpoc",
                                  user="dana.whitfield")]
    facts = RecordFacts(role, records)
    return apply(None, op(K.SIGNOFF, A.APPEND, "s-1", signoff_kind=kind, role="customer",
                          by="someone.else", **fields), facts, actor="dana.whitfield")


@pytest.mark.parametrize(
    ("role", "kind"),
    [(Role.CUSTOMER, "go_live_cosign"), (Role.CUSTOMER, "acceptance"),
     (Role.SUPPORT, "handoff_ack")],
)
def test_each_signoff_is_given_by_its_role_and_records_it(role: Role, kind: str) -> None:
    record = sign(role, kind, cutover_id="wave-1")
    assert record["role"] is role and record["by"] == "dana.whitfield"


@pytest.mark.parametrize(
    ("role", "kind"),
    [(Role.IPM, "go_live_cosign"), (Role.ENGINEER, "go_live_cosign"),
     (Role.SUPPORT, "acceptance"), (Role.IPM, "acceptance"), (Role.CUSTOMER, "handoff_ack")],
)
def test_no_other_role_signs_for_them(role: Role, kind: str) -> None:
    with pytest.raises(PermissionDenied, match="Only a member with the"):
        sign(role, kind, cutover_id="wave-1")


def test_a_cosign_names_its_wave_when_the_project_has_waves() -> None:
    with pytest.raises(ValidationFailed, match="names the wave it is for"):
        sign(Role.CUSTOMER, "go_live_cosign")


# ----------------------------------------------------------------------------- checklist


def chain(owner: str = "ipm", first: str = "todo") -> tuple[RecordFacts, Record, Record]:
    """Two items, the second waiting for the first (in status ``first``)."""
    facts = RecordFacts()
    before = stored(facts, K.CHECKLIST_ITEM, "i-1", key="ACC-03", title="Hand-off")
    before["status"] = first
    after = stored(facts, K.CHECKLIST_ITEM, "i-2", key="ACC-04", title="Customer sign-off",
                   owner_role=owner, predecessors=["i-1"])
    return facts, before, after


def tick(facts: RecordFacts, record: Record, to: str, **extra: Any) -> Record:
    return apply(record, op(K.CHECKLIST_ITEM, A.TRANSITION, record["id"], to=to, **extra), facts)


@pytest.mark.parametrize("first", ["todo", "in_progress", "blocked"])
def test_an_item_is_not_done_while_its_predecessor_is_open(first: str) -> None:
    facts, _before, after = chain(first=first)
    with pytest.raises(IllegalTransition, match=r"ACC-04 cannot be done while ACC-03") as no:
        tick(facts, after, "done")
    assert no.value.details["open_predecessors"] == ["i-1"]


@pytest.mark.parametrize("first", ["done", "skipped"])
def test_an_item_is_done_once_its_predecessor_is_done_or_skipped(first: str) -> None:
    facts, _before, after = chain(first=first)
    assert tick(facts, after, "done")["status"] is ChecklistStatus.DONE


def test_an_item_waiting_for_an_open_one_can_be_skipped_with_a_reason() -> None:
    facts, _before, after = chain()
    skipped = tick(facts, after, "skipped", comment="Signed on paper at the kickoff")
    assert skipped["status"] is ChecklistStatus.SKIPPED


@pytest.mark.parametrize("to", ["done", "skipped"])
@pytest.mark.parametrize("role", [Role.IPM, Role.ENGINEER, Role.SUPPORT])
def test_only_the_customer_closes_the_customers_sign_off(role: Role, to: str) -> None:
    facts, _before, after = chain(owner="customer", first="done")
    facts = RecordFacts(role, facts.by_kind)
    with pytest.raises(PermissionDenied, match="Only the customer's main contact"):
        tick(facts, after, to, comment="on the customer's behalf")


def test_the_customer_signs_off_its_own_item_and_moves_no_other() -> None:
    facts, before, after = chain(owner="customer", first="in_progress")
    customer = RecordFacts(Role.CUSTOMER, facts.by_kind)
    with pytest.raises(PermissionDenied, match="the customer moves the customer's items"):
        tick(customer, before, "done")
    before["status"] = ChecklistStatus.DONE
    signed = tick(customer, after, "done", )
    assert signed["status"] is ChecklistStatus.DONE


def test_the_plan_of_the_checklist_is_the_ipms_to_change() -> None:
    facts, _before, after = chain(owner="customer")
    engineer = RecordFacts(Role.ENGINEER, facts.by_kind)
    with pytest.raises(PermissionDenied, match="Only the IPM changes predecessors"):
        apply(after, op(K.CHECKLIST_ITEM, A.UPDATE, "i-2", predecessors=[]), engineer)
    with pytest.raises(PermissionDenied, match="stays the customer's"):
        apply(after, op(K.CHECKLIST_ITEM, A.UPDATE, "i-2", owner_role="ipm"), facts)
    assert apply(after, op(K.CHECKLIST_ITEM, A.UPDATE, "i-2", predecessors=[]),
                 facts)["predecessors"] == []
    assert apply(after, op(K.CHECKLIST_ITEM, A.UPDATE, "i-2", assignee="kwame"),
                 engineer)["assignee"] == "kwame"


def test_a_new_checklist_item_starts_todo() -> None:
    with pytest.raises(ValidationFailed, match="starts in status todo"):
        apply(None, op(K.CHECKLIST_ITEM, A.CREATE, "i-9", key="X", title="X", status="done"),
              RecordFacts())


# ----------------------------------------------------------------------------- issues


def test_a_new_priority_needs_a_reason_which_is_kept() -> None:
    facts = RecordFacts()
    issue = stored(facts, K.ISSUE, "is-1", title="Fax fails", priority="P3")
    with pytest.raises(ValidationFailed, match="needs a reason"):
        apply(issue, op(K.ISSUE, A.UPDATE, "is-1", priority="P2"), facts)
    for thin in (" ", ".", "x", "more urgent now"):  # a reason that says nothing
        with pytest.raises(ValidationFailed, match="needs a reason of at least 20"):
            apply(issue, op(K.ISSUE, A.UPDATE, "is-1", priority="P2", priority_reason=thin),
                  facts)
    why = "All faxes fail now, not some"
    moved = apply(issue, op(K.ISSUE, A.UPDATE, "is-1", priority="P2", priority_reason=why),
                  facts)
    assert moved["priority"] is Priority.P2 and moved["priority_reason"] == why
    # the same priority again, or another field, needs none
    assert apply(issue, op(K.ISSUE, A.UPDATE, "is-1", priority="P3"), facts)
    assert apply(issue, op(K.ISSUE, A.UPDATE, "is-1", assignee="ravi"), facts)


def floor(facts: RecordFacts, site_id: str) -> Record:
    """An emergency location of this site, for 933 tests to name."""
    return stored(facts, K.EMERGENCY_LOCATION, f"el-{site_id}", site_id=site_id,
                  name="Floor 2", address="2150 Larimer St, Floor 2, Denver, CO 80205")


def e911_p1(facts: RecordFacts, **fields: Any) -> Record:
    floor(facts, stored(facts, K.SITE, "site-den", code="DEN", name="Denver")["id"])
    floor(facts, stored(facts, K.SITE, "site-nyc", code="NYC", name="New York")["id"])
    values: dict[str, Any] = {"title": "933 reads the wrong floor", "priority": "P1",
                              "category": "e911_address", "site_id": "site-den"}
    values.update(fields)
    issue = stored(facts, K.ISSUE, "is-1", **values)
    return issue


def resolve(facts: RecordFacts, issue: Record) -> Record:
    return apply(issue, op(K.ISSUE, A.TRANSITION, "is-1", to="resolved",
                           resolution="Fixed the floor in the emergency location"), facts,
                 now=NOW + timedelta(hours=2))


def retest(facts: RecordFacts, result: str, *, site: str = "site-den", code: str = "E911-01",
           at: datetime = NOW + timedelta(hours=1)) -> None:
    where = {"emergency_location_id": f"el-{site}"} if code == "E911-01" else {}
    stored(facts, K.VERIFICATION, f"v-{next(_seq)}", test_case=code, target="DEN",
           site_id=site, result=result, tested_at=at.isoformat(), **where)


def test_an_e911_p1_is_not_resolved_without_a_passing_933_retest() -> None:
    facts = RecordFacts()
    issue = e911_p1(facts)
    with pytest.raises(IllegalTransition, match=r"E911-01 \(933\) retest") as refused:
        resolve(facts, issue)
    assert refused.value.details["test_cases"] == ["E911-01"]


@pytest.mark.parametrize(
    "why",
    ["failed", "before the issue opened", "at another site", "another test"],
)
def test_a_retest_counts_only_if_it_passed_there_since_the_issue_opened(why: str) -> None:
    facts = RecordFacts()
    issue = e911_p1(facts)
    if why == "failed":
        retest(facts, "fail")
    elif why == "before the issue opened":
        retest(facts, "pass", at=NOW - timedelta(minutes=5))
    elif why == "at another site":
        retest(facts, "pass", site="site-nyc")
    else:
        retest(facts, "pass", code="NET-01")
    with pytest.raises(IllegalTransition):
        resolve(facts, issue)


def test_an_e911_p1_is_resolved_after_a_passing_933_retest() -> None:
    facts = RecordFacts()
    issue = e911_p1(facts)
    retest(facts, "pass")
    assert resolve(facts, issue)["state"] is IssueState.RESOLVED


@pytest.mark.parametrize(
    ("priority", "category"),
    [("P2", "e911_address"), ("P1", "inbound_not_reaching")],
)
def test_other_issues_resolve_without_a_retest(priority: str, category: str) -> None:
    facts = RecordFacts()
    issue = e911_p1(facts, priority=priority, category=category)
    assert resolve(facts, issue)["state"] is IssueState.RESOLVED


def failed_test(facts: RecordFacts, result: str = "fail") -> Record:
    site = stored(facts, K.SITE, "site-den", code="DEN", name="Denver")
    return stored(facts, K.VERIFICATION, "v-1", test_case="E911-01", target="DEN",
                  result=result, emergency_location_id=floor(facts, site["id"])["id"])


def test_an_issue_links_a_failed_test_of_the_project_once() -> None:
    facts = RecordFacts()
    with pytest.raises(ValidationFailed, match="No test result with id v-1"):
        stored(facts, K.ISSUE, "is-1", title="933 fails", verification_id="v-1")
    failed_test(facts)
    first = stored(facts, K.ISSUE, "is-1", title="933 fails", verification_id="v-1")
    with pytest.raises(ValidationFailed, match=f"{first['ref']} is already linked"):
        stored(facts, K.ISSUE, "is-2", title="933 fails again", verification_id="v-1")
    other = stored(facts, K.ISSUE, "is-3", title="Unrelated")
    with pytest.raises(ValidationFailed, match="already linked"):
        apply(other, op(K.ISSUE, A.UPDATE, "is-3", verification_id="v-1"), facts)


def test_a_passed_test_opens_no_linked_issue() -> None:
    facts = RecordFacts()
    failed_test(facts, result="pass")
    with pytest.raises(ValidationFailed, match="only a failed test"):
        stored(facts, K.ISSUE, "is-1", title="933 fails", verification_id="v-1")


def test_the_issue_a_failed_test_opens() -> None:
    draft = failure_issue("E911-01", "DEN", "Reads floor 2 on floor 4")
    assert draft.title == "E911-01 failed at DEN: Reads floor 2 on floor 4"
    assert draft.priority is Priority.P1 and draft.category is IssueCategory.E911_ADDRESS
    assert failure_issue("DID", "+13035550100", number_type=NumberType.MAIN).priority \
        is Priority.P1
    assert failure_issue("DID", "+13035550100").title.endswith(
        "Inbound PSTN call to ported number")
    unknown = failure_issue("ZZ-9", "DEN", "x" * 400)
    assert unknown.priority is Priority.P3 and unknown.category is IssueCategory.OTHER
    assert len(unknown.title) == 300 and unknown.title.endswith("…")


# ----------------------------------------------------------------------------- text


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x00", "\x7f", "\x85"])
def test_a_control_character_in_a_title_is_refused_naming_the_field(char: str) -> None:
    with pytest.raises(ValidationFailed, match=r"title: text with a (NUL|control) char") as no:
        stored(RecordFacts(), K.ISSUE, "is-1", title=f"Phone {char}rings")
    assert no.value.details["errors"][0].startswith("title:")


def test_every_field_with_a_control_character_is_named_flat_or_nested() -> None:
    flat = {"title": "ok", "descr\x07iption": "fine", "site_id": None, "owner": "a\x1bb"}
    with pytest.raises(ValidationFailed) as refused:
        check_text(K.ISSUE, flat)
    assert [e.split(":")[0] for e in refused.value.details["errors"]] == [
        "descr\x07iption", "owner"]
    with pytest.raises(ValidationFailed, match="tags: text with a NUL"):
        check_text(K.ISSUE, {"title": "ok", "tags": ["x", "y\x00"]})
    check_text(K.ISSUE, {"title": "Fax\tfails", "n": 3, "at": None, "tags": ["a\tb"]})


def test_fields_flat_and_free_of_control_characters_are_told_apart_in_one_search() -> None:
    # a run of new records skips each op's own walk of its text when this says so: it
    # must say so only of fields check_text refuses none of
    clean = [{"title": "Fax\tfails", "n": 3, "at": None}, {"note": "line\r\nbreak", "x": 1.5}]
    assert flat_and_plain(clean)
    for fields in clean:
        check_text(K.ISSUE, fields)
    assert flat_and_plain([])
    for spoiled in ({"title": "a\x07"}, {"ti\x1btle": "a"}, {"tags": ["x"]}, {"k": {"a": 1}},
                    {"title": "\x00"}, {"title": "\x85"}):
        assert not flat_and_plain([*clean, spoiled]), spoiled


def test_tabs_and_line_breaks_are_text() -> None:
    issue = stored(RecordFacts(), K.ISSUE, "is-1", title="Fax\tfails",
                   description="Line one\r\nLine two")
    assert issue["description"] == "Line one\r\nLine two"
    assert control_character({"ok": ["fine", {"k\x1b": 1}]}) == "\x1b"
    assert control_character(["fine", 3, None]) is None


# ----------------------------------------------------------------------------- SLA


def test_the_policy_of_a_project_falls_back_in_one_way() -> None:
    custom = SlaPolicy.default("America/Denver").model_dump(mode="json")
    assert project_policy(custom, "America/Chicago").time_zone == "America/Denver"
    assert project_policy({"targets": {}}, "America/Chicago") == SlaPolicy.default(
        "America/Chicago")
    assert project_policy({}, "Not/AZone") == SlaPolicy.default()
    assert project_policy(None, None) == SlaPolicy.default()


def test_issue_clocks_pause_only_on_hold_and_stop_when_closed() -> None:
    class Issue:
        priority = Priority.P1
        state = IssueState.IN_PROGRESS
        opened_at = NOW
        responded_at = NOW
        resolved_at: datetime | None = None
        closed_at: datetime | None = None
        on_hold_since: datetime | None = NOW  # left behind: not on hold, so no pause
        paused_seconds = 0.0

    policy = SlaPolicy.default()
    _respond, resolve = issue_clocks(Issue(), policy, NOW + timedelta(hours=2))
    assert resolve.breached and not resolve.paused
    Issue.state = IssueState.ON_HOLD
    _respond, resolve = issue_clocks(Issue(), policy, NOW + timedelta(hours=2))
    assert resolve.paused and not resolve.breached
    Issue.state, Issue.closed_at = IssueState.CANCELLED, NOW + timedelta(minutes=30)
    _respond, resolve = issue_clocks(Issue(), policy, NOW + timedelta(hours=5))
    assert resolve.stopped and resolve.met


def test_facts_look_only_at_what_they_hold() -> None:
    facts = RecordFacts(Role.VIEWER, {K.SITE: [{"id": "s", "e911_status": "verified"}]})
    assert facts.role is Role.VIEWER
    assert facts.records(K.SITE, ["s", "t"]) == {"s": {"id": "s", "e911_status": "verified"}}
    assert facts.find(K.SITE, e911_status="pending") == []
    assert facts.find(K.SITE, e911_status=VerificationResult.PASS) == []


def test_a_new_priority_and_its_reason_merge_together() -> None:
    # laptop-b reworded the reason at version 3; laptop-a, based on version 2, re-prioritises
    current = {"priority": "P3", "priority_reason": "Workaround: forward to the queue",
               "assignee": ""}
    apply_now, conflicts = merge_update(
        current, {"priority_reason": (3, "laptop-b")}, 2,
        {"priority": "P2", "priority_reason": "All faxes fail now", "assignee": "ravi"},
        "laptop-a", K.ISSUE,
    )
    assert apply_now == {"assignee": "ravi"}, "the priority does not apply without its reason"
    assert conflicts == {"priority": "P3", "priority_reason": "Workaround: forward to the queue"}
