"""The go / no-go gate: each piece of evidence alone can hold it shut, and says which record."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from golive_tui.domain.enums import ChecklistStatus, E911Status, IssueState, OrderState, Priority
from golive_tui.domain.gate import GateResult, GateRule, evaluate_gate


@dataclass(frozen=True)
class Item:
    id: str
    key: str
    title: str
    gate: bool
    status: ChecklistStatus


@dataclass(frozen=True)
class Order:
    id: str
    pon: str
    carrier: str
    status: OrderState
    rejection_code: str | None = None


@dataclass(frozen=True)
class Site:
    id: str
    code: str
    name: str
    e911_status: E911Status


@dataclass(frozen=True)
class Issue:
    id: str
    ref: str
    title: str
    priority: Priority
    state: IssueState


QOS = Item("item-qos", "NET-QOS", "QoS / DSCP marking", True, ChecklistStatus.DONE)
KARI = Item("item-kari", "E911-KARI", "Kari's Law: 911 without a prefix", True,
            ChecklistStatus.DONE)
TRAINING = Item("item-train", "CUST-TRAIN", "Zoom training done", False, ChecklistStatus.TODO)
LUMEN = Order("order-1001", "RVP-PO-1001", "Lumen", OrderState.ACTIVATED)
VERIZON = Order("order-1003", "RVP-PO-1003", "Verizon Business", OrderState.FOC_CONFIRMED)
DEN = Site("site-den", "DEN", "Denver HQ", E911Status.VERIFIED)
CHI = Site("site-chi", "CHI", "Lincoln Park Clinic", E911Status.VERIFIED)
ECHO = Issue("issue-1", "GL-0A1B2", "Echo on conference phone", Priority.P3, IssueState.NEW)


def gate(
    checklist: list[Item] | None = None,
    orders: list[Order] | None = None,
    sites: list[Site] | None = None,
    issues: list[Issue] | None = None,
) -> GateResult:
    """The gate over a healthy go-live, with any evidence swapped for the given lists."""
    return evaluate_gate(
        checklist=[QOS, KARI, TRAINING] if checklist is None else checklist,
        orders=[LUMEN, VERIZON] if orders is None else orders,
        sites=[DEN, CHI] if sites is None else sites,
        issues=[ECHO] if issues is None else issues,
    )


def test_all_evidence_in_means_go() -> None:
    result = gate()
    assert result.ready
    assert result.unmet == ()
    assert result.summary().startswith("GO")
    assert all(result.rule_met(rule) for rule in GateRule)


def test_the_gate_says_how_much_evidence_it_weighed() -> None:
    # a non-gate item is not weighed; two orders, two sites
    checked = gate().checked
    assert checked[GateRule.GATE_ITEMS] == 2
    assert checked[GateRule.PORT_ORDERS] == 2
    assert checked[GateRule.E911] == 2


@pytest.mark.parametrize(
    "status", [ChecklistStatus.TODO, ChecklistStatus.IN_PROGRESS, ChecklistStatus.BLOCKED]
)
def test_an_unfinished_gate_item_alone_holds_the_gate_shut(status: ChecklistStatus) -> None:
    result = gate(checklist=[QOS, replace(KARI, status=status), TRAINING])
    assert not result.ready
    assert result.summary() == "NO-GO: 1 unmet condition"
    (unmet,) = result.unmet
    assert unmet.rule is GateRule.GATE_ITEMS
    assert unmet.ref_id == "item-kari"
    assert unmet.name == "Gate item E911-KARI"
    assert str(unmet) == (
        f"Gate item E911-KARI: Kari's Law: 911 without a prefix is "
        f"{status.value.replace('_', ' ')}"
    )
    assert not result.rule_met(GateRule.GATE_ITEMS)
    assert result.rule_met(GateRule.PORT_ORDERS)


def test_a_skipped_gate_item_counts_as_met() -> None:
    assert gate(checklist=[QOS, replace(KARI, status=ChecklistStatus.SKIPPED)]).ready


def test_an_unfinished_item_outside_the_gate_does_not_count() -> None:
    assert gate(checklist=[QOS, replace(TRAINING, status=ChecklistStatus.BLOCKED)]).ready


@pytest.mark.parametrize(
    "status",
    [OrderState.DRAFT, OrderState.LOA_PENDING, OrderState.SUBMITTED,
     OrderState.SNAPBACK_REQUESTED],
)
def test_an_order_not_yet_foc_confirmed_alone_holds_the_gate_shut(status: OrderState) -> None:
    result = gate(orders=[LUMEN, replace(VERIZON, status=status)])
    (unmet,) = result.unmet
    assert unmet.rule is GateRule.PORT_ORDERS
    assert unmet.ref_id == "order-1003"
    assert str(unmet) == (
        f"Port order RVP-PO-1003: Verizon Business order is "
        f"{status.value.replace('_', ' ')}, not FOC-confirmed"
    )


def test_a_rejected_order_holds_the_gate_shut_and_names_its_rejection_code() -> None:
    rejected = Order("order-1004", "RVP-PO-1004", "Comcast Business", OrderState.REJECTED,
                     "ADDR_MISMATCH")
    (unmet,) = gate(orders=[LUMEN, rejected]).unmet
    assert str(unmet) == (
        "Port order RVP-PO-1004: Comcast Business order is rejected (ADDR_MISMATCH), "
        "not FOC-confirmed"
    )


@pytest.mark.parametrize(
    "status",
    [OrderState.FOC_CONFIRMED, OrderState.ACTIVATED, OrderState.CANCELLED,
     OrderState.NOT_PORTABLE],
)
def test_confirmed_done_cancelled_and_not_portable_orders_do_not_block(
    status: OrderState,
) -> None:
    assert gate(orders=[LUMEN, replace(VERIZON, status=status)]).ready


@pytest.mark.parametrize("status", [E911Status.NOT_SET, E911Status.PENDING, E911Status.INVALID])
def test_a_site_without_a_verified_e911_address_alone_holds_the_gate_shut(
    status: E911Status,
) -> None:
    result = gate(sites=[DEN, replace(CHI, e911_status=status)])
    (unmet,) = result.unmet
    assert unmet.rule is GateRule.E911
    assert unmet.ref_id == "site-chi"
    assert str(unmet) == (
        f"Site CHI: E911 address of Lincoln Park Clinic is {status.value.replace('_', ' ')}"
    )


@pytest.mark.parametrize("state", [IssueState.NEW, IssueState.IN_PROGRESS, IssueState.ON_HOLD])
def test_an_open_p1_alone_holds_the_gate_shut(state: IssueState) -> None:
    p1 = Issue("issue-9", "GL-9F00D", "Main number dead at DEN", Priority.P1, state)
    result = gate(issues=[ECHO, p1])
    (unmet,) = result.unmet
    assert unmet.rule is GateRule.NO_OPEN_P1
    assert unmet.ref_id == "issue-9"
    assert str(unmet) == f"P1 GL-9F00D: Main number dead at DEN is {state.value.replace('_', ' ')}"


@pytest.mark.parametrize(
    "state", [IssueState.RESOLVED, IssueState.CLOSED, IssueState.CANCELLED]
)
def test_a_p1_that_is_no_longer_open_does_not_count(state: IssueState) -> None:
    p1 = Issue("issue-9", "GL-9F00D", "Main number dead at DEN", Priority.P1, state)
    assert gate(issues=[ECHO, p1]).ready


def test_an_open_p2_does_not_hold_the_gate() -> None:
    p2 = Issue("issue-8", "GL-8E00C", "Wrong routing on main line", Priority.P2, IssueState.NEW)
    assert gate(issues=[p2]).ready


def test_every_unmet_condition_is_listed_in_reading_order() -> None:
    result = gate(
        checklist=[replace(QOS, status=ChecklistStatus.TODO)],
        orders=[replace(LUMEN, status=OrderState.SUBMITTED)],
        sites=[replace(DEN, e911_status=E911Status.PENDING)],
        issues=[Issue("issue-9", "GL-9F00D", "911 broken", Priority.P1, IssueState.NEW)],
    )
    assert [c.rule for c in result.unmet] == [
        GateRule.GATE_ITEMS, GateRule.PORT_ORDERS, GateRule.E911, GateRule.NO_OPEN_P1,
    ]
    assert result.summary() == "NO-GO: 4 unmet conditions"
    assert not any(result.rule_met(rule) for rule in GateRule)


def test_every_rule_has_a_label_for_the_screen() -> None:
    assert GateRule.PORT_ORDERS.label == "Every port order FOC-confirmed or ported"
    assert GateRule.NO_OPEN_P1.label == "No open P1 issue"
