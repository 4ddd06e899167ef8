"""The go / no-go gate: a pure function of the evidence, naming every unmet condition."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from golive_tui.domain.enums import (
    OPEN_ISSUE_STATES,
    ChecklistStatus,
    E911Status,
    IssueState,
    OrderState,
    Priority,
)


class GateRule(StrEnum):
    """The four kinds of evidence the gate weighs (DOMAIN.md §4)."""

    GATE_ITEMS = "gate_items"
    PORT_ORDERS = "port_orders"
    E911 = "e911"
    NO_OPEN_P1 = "no_open_p1"

    @property
    def label(self) -> str:
        return {
            GateRule.GATE_ITEMS: "Gate checklist items done",
            GateRule.PORT_ORDERS: "Every port order FOC-confirmed or ported",
            GateRule.E911: "Every site's E911 address verified",
            GateRule.NO_OPEN_P1: "No open P1 issue",
        }[self]


#: order states that satisfy the gate; cancelled and not-portable orders no longer block it
ORDER_STATES_OK = frozenset(
    {
        OrderState.FOC_CONFIRMED,
        OrderState.ACTIVATED,
        OrderState.CANCELLED,
        OrderState.NOT_PORTABLE,
    }
)


class GateItem(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def gate(self) -> bool: ...
    @property
    def status(self) -> ChecklistStatus: ...


class GateOrder(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def pon(self) -> str: ...
    @property
    def carrier(self) -> str: ...
    @property
    def status(self) -> OrderState: ...
    @property
    def rejection_code(self) -> str | None: ...


class GateSite(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def e911_status(self) -> E911Status: ...


class GateIssue(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def ref(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def priority(self) -> Priority: ...
    @property
    def state(self) -> IssueState: ...


@dataclass(frozen=True, slots=True)
class UnmetCondition:
    """One reason the gate is closed, naming the record that holds it shut."""

    rule: GateRule
    ref_id: str
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}"


@dataclass(frozen=True, slots=True)
class GateResult:
    unmet: tuple[UnmetCondition, ...]
    #: how many records each rule looked at, so "0 of 0" is visible rather than a silent pass
    checked: dict[GateRule, int] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not self.unmet

    def unmet_for(self, rule: GateRule) -> tuple[UnmetCondition, ...]:
        return tuple(c for c in self.unmet if c.rule is rule)

    def rule_met(self, rule: GateRule) -> bool:
        return not self.unmet_for(rule)

    def summary(self) -> str:
        if self.ready:
            return "GO: every gate condition holds"
        return f"NO-GO: {len(self.unmet)} unmet condition{'s' if len(self.unmet) != 1 else ''}"


def evaluate_gate(
    *,
    checklist: Iterable[GateItem],
    orders: Iterable[GateOrder],
    sites: Iterable[GateSite],
    issues: Iterable[GateIssue],
) -> GateResult:
    """Every unmet condition of the go / no-go gate, in the order a person reads them."""
    unmet: list[UnmetCondition] = []
    checked: dict[GateRule, int] = dict.fromkeys(GateRule, 0)

    for item in checklist:
        if not item.gate:
            continue
        checked[GateRule.GATE_ITEMS] += 1
        if item.status not in (ChecklistStatus.DONE, ChecklistStatus.SKIPPED):
            unmet.append(
                UnmetCondition(
                    GateRule.GATE_ITEMS,
                    item.id,
                    f"Gate item {item.key}",
                    f"{item.title} is {item.status.value.replace('_', ' ')}",
                )
            )
    for order in orders:
        checked[GateRule.PORT_ORDERS] += 1
        if order.status not in ORDER_STATES_OK:
            why = order.status.value.replace("_", " ")
            if order.status is OrderState.REJECTED and order.rejection_code:
                why += f" ({order.rejection_code})"
            unmet.append(
                UnmetCondition(
                    GateRule.PORT_ORDERS,
                    order.id,
                    f"Port order {order.pon}",
                    f"{order.carrier} order is {why}, not FOC-confirmed",
                )
            )
    for site in sites:
        checked[GateRule.E911] += 1
        if site.e911_status is not E911Status.VERIFIED:
            unmet.append(
                UnmetCondition(
                    GateRule.E911,
                    site.id,
                    f"Site {site.code}",
                    f"E911 address of {site.name} is {site.e911_status.value.replace('_', ' ')}",
                )
            )
    for issue in issues:
        if issue.priority is Priority.P1 and issue.state in OPEN_ISSUE_STATES:
            checked[GateRule.NO_OPEN_P1] += 1
            unmet.append(
                UnmetCondition(
                    GateRule.NO_OPEN_P1,
                    issue.id,
                    f"P1 {issue.ref}",
                    f"{issue.title} is {issue.state.value.replace('_', ' ')}",
                )
            )
    # the same evidence reads the same whichever order its records were found in
    rank = {rule: index for index, rule in enumerate(GateRule)}
    unmet.sort(key=lambda c: (rank[c.rule], c.name, c.ref_id))
    return GateResult(tuple(unmet), checked)


@dataclass(frozen=True, slots=True)
class _Item:
    id: str
    key: str
    title: str
    gate: bool
    status: ChecklistStatus


@dataclass(frozen=True, slots=True)
class _Order:
    id: str
    pon: str
    carrier: str
    status: OrderState
    rejection_code: str | None


@dataclass(frozen=True, slots=True)
class _Site:
    id: str
    code: str
    name: str
    e911_status: E911Status


@dataclass(frozen=True, slots=True)
class _Issue:
    id: str
    ref: str
    title: str
    priority: Priority
    state: IssueState


def gate_from_records(
    *,
    checklist: Iterable[Mapping[str, Any]],
    orders: Iterable[Mapping[str, Any]],
    sites: Iterable[Mapping[str, Any]],
    issues: Iterable[Mapping[str, Any]],
) -> GateResult:
    """:func:`evaluate_gate` over plain records (dicts), as ``apply_op`` sees them."""
    return evaluate_gate(
        checklist=[
            _Item(r["id"], r["key"], r["title"], bool(r["gate"]), ChecklistStatus(r["status"]))
            for r in checklist
        ],
        orders=[
            _Order(r["id"], r["pon"], r["carrier"], OrderState(r["status"]), r["rejection_code"])
            for r in orders
        ],
        sites=[_Site(r["id"], r["code"], r["name"], E911Status(r["e911_status"])) for r in sites],
        issues=[
            _Issue(r["id"], r["ref"], r["title"], Priority(r["priority"]), IssueState(r["state"]))
            for r in issues
        ],
    )
