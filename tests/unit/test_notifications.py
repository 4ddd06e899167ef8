"""Which changes raise which webhook events, the signature receivers check, the retry waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from golive_tui.domain.enums import (
    EntityKind,
    GateRule,
    IssueState,
    OrderState,
    PortState,
    Priority,
)
from golive_tui.domain.gate import GateResult, UnmetCondition
from golive_tui.domain.notifications import (
    EventKind,
    GateScope,
    events_of_change,
    gate_event,
    sla_warnings,
)
from golive_tui.domain.sla import SlaPolicy
from golive_tui.server.delivery import backoff_seconds, render, sign, verify

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def issue(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "i-1", "ref": "INC-0042", "title": "Inbound calls fail", "priority": Priority.P2,
        "state": IssueState.NEW, "priority_reason": "", "category": "other", "reporter": "dana",
        "assignee": "", "opened_at": NOW, "responded_at": None, "resolved_at": None,
        "closed_at": None, "on_hold_since": None, "paused_seconds": 0.0,
    }
    record.update(changes)
    return record


def order(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "o-1", "pon": "PON-1", "carrier": "Lumen", "btn": "", "status": OrderState.SUBMITTED,
        "confirmed_foc": None, "requested_foc": None,
    }
    record.update(changes)
    return record


def kinds(kind: EntityKind, before: Any, after: Any) -> list[EventKind]:
    return [e.kind for e in events_of_change(kind, before, after)]


def test_a_p1_is_told_when_opened_or_raised_to_p1_and_never_again() -> None:
    p1 = issue(priority=Priority.P1)
    assert kinds(EntityKind.ISSUE, None, p1) == [EventKind.P1_OPENED]
    raised = events_of_change(EntityKind.ISSUE, issue(),
                              issue(priority=Priority.P1, priority_reason="Whole site down"))
    assert [e.kind for e in raised] == [EventKind.P1_OPENED]
    assert "raised to P1" in raised[0].summary and "Whole site down" in raised[0].summary
    assert raised[0].data["previous_priority"] == "P2"
    assert kinds(EntityKind.ISSUE, p1, {**p1, "title": "Renamed"}) == []
    assert kinds(EntityKind.ISSUE, None, issue()) == []
    assert kinds(EntityKind.ISSUE, None, issue(priority=Priority.P1,
                                               state=IssueState.CANCELLED)) == []
    assert kinds(EntityKind.ISSUE, p1, None) == []  # deleted


def test_every_decision_is_told_with_its_override() -> None:
    go = {"id": "d-1", "decision": "go", "by": "dana", "reason": "Carrier confirmed",
          "override": True, "unmet": ["Site DEN: E911 address of Denver is pending"], "at": NOW}
    (event,) = events_of_change(EntityKind.DECISION, None, go)
    assert event.kind is EventKind.DECISION_RECORDED
    assert event.summary.startswith("GO recorded by dana, overriding 1 unmet gate condition")
    assert event.data["unmet"] == go["unmet"] and event.data["at"] == "2026-11-26T15:00:00Z"
    wave = events_of_change(EntityKind.DECISION, None, {**go, "cutover_id": "c-1"})[0]
    assert wave.data["cutover_id"] == "c-1" and event.data["cutover_id"] is None
    rollback = {**go, "decision": "rollback", "override": False, "unmet": []}
    assert "ROLLBACK" in events_of_change(EntityKind.DECISION, None, rollback)[0].summary


def test_foc_confirmed_moved_and_port_activated_are_told_from_orders_and_numbers() -> None:
    foc = datetime(2026, 12, 1, 14, tzinfo=UTC)
    confirmed = order(status=OrderState.FOC_CONFIRMED, confirmed_foc=foc)
    assert kinds(EntityKind.PORT_ORDER, order(), confirmed) == [EventKind.FOC_CHANGED]
    moved = events_of_change(EntityKind.PORT_ORDER, confirmed,
                             {**confirmed, "confirmed_foc": foc + timedelta(days=2)})
    assert [e.kind for e in moved] == [EventKind.FOC_CHANGED]
    assert moved[0].data["previous_confirmed_foc"] == "2026-12-01T14:00:00Z"
    assert kinds(EntityKind.PORT_ORDER, confirmed, {**confirmed, "notes": "called"}) == []
    activated = {**confirmed, "status": OrderState.ACTIVATED}
    assert kinds(EntityKind.PORT_ORDER, confirmed, activated) == [EventKind.PORT_ACTIVATED]
    snapback = {**activated, "status": OrderState.SNAPBACK_REQUESTED}
    assert kinds(EntityKind.PORT_ORDER, activated, snapback) == []
    # an order stored before orders had their own states reads as activated
    assert kinds(EntityKind.PORT_ORDER, {**confirmed, "status": "ported"}, activated) == []
    number = {"id": "n-1", "e164": "+13035550100", "porting_state": PortState.FOC_CONFIRMED,
              "order_id": "o-1", "site_id": None}
    assert kinds(EntityKind.NUMBER, number, {**number, "porting_state": PortState.PORTED}) == [
        EventKind.PORT_ACTIVATED
    ]
    assert kinds(EntityKind.SITE, None, {"id": "s"}) == []


def test_the_gate_is_told_only_when_it_opens_or_closes() -> None:
    shut = GateScope("project", "project", None,
                     GateResult((UnmetCondition(GateRule.NO_OPEN_P1, "i-1", "P1 INC-0042",
                                                "new"),)))
    open_ = GateScope("project", "project", None, GateResult(()))
    assert gate_event(shut, None) is None  # the first look is the baseline
    assert gate_event(shut, False) is None
    closed = gate_event(shut, True)
    assert closed is not None and closed.data == {
        "scope": "project", "cutover_id": None, "ready": False, "unmet": ["P1 INC-0042: new"]}
    assert closed.summary.startswith("The gate closed: P1 INC-0042")
    opened = gate_event(open_, False)
    assert opened is not None and opened.data["ready"] is True
    wave = gate_event(GateScope("c-1", "Wave 3 – New York", "c-1", GateResult(())), False)
    assert wave is not None and wave.data["cutover_id"] == "c-1"
    assert wave.summary.startswith("The gate of Wave 3 – New York is open")


def test_an_sla_warning_comes_within_the_lead_before_a_breach_and_never_after() -> None:
    policy = SlaPolicy.default()
    target = policy.target(Priority.P1)
    opened = NOW - timedelta(minutes=target.respond_minutes - 10)
    p1 = issue(priority=Priority.P1, opened_at=opened)
    warned = sla_warnings(p1, policy, NOW, lead_seconds=15 * 60)
    assert [key for key, _ in warned] == ["sla:i-1:respond:P1"]
    assert warned[0][1].data["remaining_seconds"] == 600
    assert sla_warnings(p1, policy, NOW, lead_seconds=5 * 60) == []
    late = issue(priority=Priority.P1,
                 opened_at=NOW - timedelta(minutes=target.respond_minutes + 1))
    assert [k for k, _ in sla_warnings(late, policy, NOW, 15 * 60)] == []
    responded = {**p1, "responded_at": NOW, "state": IssueState.IN_PROGRESS}
    assert sla_warnings(responded, policy, NOW, 15 * 60) == []
    assert sla_warnings({**p1, "state": IssueState.CLOSED}, policy, NOW, 10**9) == []


def test_a_signature_verifies_only_for_the_same_secret_body_and_a_recent_time() -> None:
    body = b'{"event":"p1_opened"}'
    signature = sign("s3cret-of-sixteen+", "1764169200", body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify("s3cret-of-sixteen+", "1764169200", body, signature, now=1764169200 + 60)
    assert not verify("another-secret!!", "1764169200", body, signature, now=1764169200)
    assert not verify("s3cret-of-sixteen+", "1764169200", body + b" ", signature,
                      now=1764169200)
    assert not verify("s3cret-of-sixteen+", "1764169200", body, signature,
                      now=1764169200 + 3600)
    assert not verify("s3cret-of-sixteen+", "soon", body, signature, now=1764169200)


@pytest.mark.parametrize("attempt", range(1, 12))
def test_the_wait_before_a_retry_doubles_up_to_its_cap_with_jitter(attempt: int) -> None:
    ceiling = min(60.0, 1.0 * 2 ** (attempt - 1))
    assert backoff_seconds(attempt, 1.0, 60.0, rand=lambda: 0.0) == ceiling / 2
    assert backoff_seconds(attempt, 1.0, 60.0, rand=lambda: 1.0) == ceiling


def test_chat_bodies_carry_the_summary_where_slack_and_teams_show_it() -> None:
    payload = {"event": "p1_opened", "label": "P1 issue opened", "summary": "P1 INC-1 opened",
               "project": {"id": "p", "name": "Acme HQ", "customer": "Acme"},
               "data": {"ref": "INC-1", "unmet": ["a", "b"], "assignee": ""}}
    slack = render("slack", payload)
    assert slack["text"] == "P1 issue opened · Acme HQ (Acme): P1 INC-1 opened"
    teams = render("teams", payload)
    card = teams["attachments"][0]["content"]
    assert card["body"][1]["text"] == "P1 INC-1 opened"
    assert card["body"][2]["facts"] == [{"title": "Ref", "value": "INC-1"},
                                        {"title": "Unmet", "value": "a, b"}]
    assert render("json", payload) == payload


def test_a_title_reaches_slack_as_text_never_as_a_mention_or_a_link() -> None:
    payload = {"label": "P1 issue opened", "summary": "P1 INC-2 opened: <!channel> & <http://x|y>",
               "project": {"name": "A&B"}, "data": {"title": "<@U123>"}}
    slack = render("slack", payload)
    assert "<" not in slack["text"] and "&lt;!channel&gt; &amp; &lt;http://x|y&gt;" in slack["text"]
    assert slack["blocks"][2]["fields"][0]["text"] == "*Title*\n&lt;@U123&gt;"
    assert slack["blocks"][0]["text"]["text"] == "P1 issue opened · A&B"  # plain text as it is

