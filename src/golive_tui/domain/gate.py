"""The go / no-go gate of one cutover wave: a pure function of the evidence in its scope,
naming every unmet condition and the record that holds it shut.

A wave's scope is its port orders (``cutover_id``), its sites' emergency locations and
network tests, the gate checklist items of the wave or of every wave, the open P1 issues at
its sites (an issue without a site counts for every wave), and the customer's co-sign of
the wave. A later wave's open items never block today's. A project without waves is judged
as one wave holding everything. A wave with nothing in scope is not GO: it says what is
missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar, cast

from golive_tui.domain.enums import (
    CLOSED_CUTOVER_STATES,
    LEGACY_ORDER_STATES,
    OPEN_ISSUE_STATES,
    ChecklistStatus,
    CutoverState,
    E911Status,
    EntityKind,
    GateRule,
    IssueState,
    OrderState,
    Priority,
    Role,
    SignoffKind,
    VerificationResult,
)
from golive_tui.domain.network import CALL_QUALITY_TEST, NetworkThresholds
from golive_tui.domain.port_orders import (
    EASTERN,
    FEDERAL,
    FREEZE_BUSINESS_DAYS,
    Holidays,
    freeze_starts,
)

if TYPE_CHECKING:
    # the entity classes bring sqlmodel and SQLAlchemy, which the first paint does without
    from golive_tui.domain.entities import (
        ChecklistItemBase,
        CutoverBase,
        EmergencyLocationBase,
        EntityBase,
        IssueBase,
        PortOrderBase,
        SignoffBase,
        SiteBase,
        VerificationBase,
    )

#: the test case a 933 call is logged as
TEST_933 = "E911-01"


#: order states that meet the gate: a carrier commitment, or done; cancelled and
#: not-portable orders no longer hold it
ORDER_STATES_OK = frozenset(
    {
        OrderState.FOC_CONFIRMED,
        OrderState.ACTIVATED,
        OrderState.CANCELLED,
        OrderState.NOT_PORTABLE,
    }
)
#: orders that are out of the wave's way (nothing more to check)
_ORDERS_GONE = frozenset({OrderState.CANCELLED, OrderState.NOT_PORTABLE})


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
    #: the wave judged (None: the whole project, which has no waves)
    cutover_id: str | None = None
    cutover_name: str = ""

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


@dataclass(frozen=True)
class GateEvidence:
    """Every record of a project the gate may weigh; each wave's gate takes its scope."""

    sites: Sequence[SiteBase] = ()
    orders: Sequence[PortOrderBase] = ()
    checklist: Sequence[ChecklistItemBase] = ()
    locations: Sequence[EmergencyLocationBase] = ()
    verifications: Sequence[VerificationBase] = ()
    issues: Sequence[IssueBase] = ()
    signoffs: Sequence[SignoffBase] = ()
    thresholds: NetworkThresholds = field(default_factory=NetworkThresholds)
    #: the days no port activates, which the change freeze skips (the project's list)
    holidays: Holidays = FEDERAL

    @classmethod
    def from_records(
        cls,
        records: Mapping[EntityKind, Iterable[Mapping[str, Any]]],
        thresholds: NetworkThresholds | None = None,
        holidays: Holidays = FEDERAL,
    ) -> GateEvidence:
        """The evidence from plain records (dicts), as ``apply_op``'s facts hold them."""
        from golive_tui.domain.entities import (
            ChecklistItemBase,
            EmergencyLocationBase,
            IssueBase,
            PortOrderBase,
            SignoffBase,
            SiteBase,
            VerificationBase,
        )

        def of(kind: EntityKind, base: type[_E]) -> tuple[_E, ...]:
            return tuple(_view(base, r) for r in records.get(kind, ()))

        return cls(
            sites=of(EntityKind.SITE, SiteBase),
            orders=of(EntityKind.PORT_ORDER, PortOrderBase),
            checklist=of(EntityKind.CHECKLIST_ITEM, ChecklistItemBase),
            locations=of(EntityKind.EMERGENCY_LOCATION, EmergencyLocationBase),
            verifications=of(EntityKind.VERIFICATION, VerificationBase),
            issues=of(EntityKind.ISSUE, IssueBase),
            signoffs=of(EntityKind.SIGNOFF, SignoffBase),
            thresholds=thresholds or NetworkThresholds(),
            holidays=holidays,
        )


_E = TypeVar("_E", bound="EntityBase")
_C = TypeVar("_C", bound="CutoverBase")


def _view(base: type[_E], record: Mapping[str, Any]) -> _E:
    """A record as its entity, unvalidated (it was validated when it was stored)."""
    names = base.model_fields
    return cast(_E, base.model_construct(**{k: v for k, v in record.items() if k in names}))


# --------------------------------------------------------------------------- which wave


def current_cutover(
    cutovers: Iterable[_C], now: datetime, zone: tzinfo = UTC
) -> _C | None:
    """The wave the team is on now: the one whose window holds ``now``; else today's (in
    ``zone``) while it is not closed; else the next to start; else the last one."""
    every = list(cutovers)
    waves = [c for c in every if _aware(c.starts_at) is not None]
    if not waves:
        return every[0] if every else None
    waves.sort(key=lambda c: _start(c))
    for wave in waves:
        end = _aware(wave.ends_at)
        if _start(wave) <= now and (end is None or now < end):
            return wave
    today = now.astimezone(zone).date()
    for wave in waves:
        if (_start(wave).astimezone(zone).date() == today
                and _state(wave) not in CLOSED_CUTOVER_STATES):
            return wave
    upcoming = [w for w in waves if _start(w) > now]
    return upcoming[0] if upcoming else waves[-1]


def _start(cutover: CutoverBase) -> datetime:
    start = _aware(cutover.starts_at)
    assert start is not None
    return start


def _state(cutover: CutoverBase) -> CutoverState:
    return CutoverState(cutover.state)


# --------------------------------------------------------------------------- the gate


def evaluate_gate(
    *,
    cutover: CutoverBase | None = None,
    sites: Iterable[SiteBase] = (),
    orders: Iterable[PortOrderBase] = (),
    checklist: Iterable[ChecklistItemBase] = (),
    locations: Iterable[EmergencyLocationBase] = (),
    verifications: Iterable[VerificationBase] = (),
    issues: Iterable[IssueBase] = (),
    signoffs: Iterable[SignoffBase] = (),
    thresholds: NetworkThresholds | None = None,
) -> GateResult:
    """The gate of one wave (or, with no ``cutover``, of a project without waves), from
    every record of the project: the wave takes its scope from them."""
    return gate_for_cutover(cutover, GateEvidence(
        sites=tuple(sites), orders=tuple(orders), checklist=tuple(checklist),
        locations=tuple(locations), verifications=tuple(verifications), issues=tuple(issues),
        signoffs=tuple(signoffs), thresholds=thresholds or NetworkThresholds(),
    ))


def gate_for_cutover(cutover: CutoverBase | None, evidence: GateEvidence) -> GateResult:
    """Every unmet condition of one wave's gate, in the order a person reads them."""
    judge = _Judge(cutover, evidence)
    judge.scope()
    judge.gate_items()
    judge.port_orders()
    judge.emergency_locations()
    judge.network()
    judge.p1_issues()
    judge.cosign()
    return judge.result()


def gates_by_cutover(
    cutovers: Iterable[CutoverBase], evidence: GateEvidence
) -> dict[str, GateResult]:
    """Each wave's gate, by the wave's id (what a wave picker shows)."""
    return {c.id: gate_for_cutover(c, evidence) for c in cutovers}


class _Judge:
    """One wave's scope taken from the project's records, and the conditions it fails."""

    def __init__(self, cutover: CutoverBase | None, evidence: GateEvidence) -> None:
        self.cutover = cutover
        self.evidence = evidence
        self.unmet: list[UnmetCondition] = []
        self.checked: dict[GateRule, int] = dict.fromkeys(GateRule, 0)
        if cutover is None:
            self.sites = list(evidence.sites)
            self.orders = list(evidence.orders)
        else:
            wanted = set(cutover.site_ids or ())
            self.sites = [s for s in evidence.sites if s.id in wanted]
            self.orders = [o for o in evidence.orders if o.cutover_id == cutover.id]
        self.site_ids = {s.id for s in self.sites}
        self.where = "this wave" if cutover is None else cutover.name

    def fail(self, rule: GateRule, ref_id: str, name: str, detail: str) -> None:
        self.unmet.append(UnmetCondition(rule, ref_id, name, detail))

    def result(self) -> GateResult:
        # the same evidence reads the same whichever order its records were found in
        rank = {rule: index for index, rule in enumerate(GateRule)}
        self.unmet.sort(key=lambda c: (rank[c.rule], c.name, c.ref_id))
        return GateResult(
            tuple(self.unmet), self.checked,
            cutover_id=None if self.cutover is None else self.cutover.id,
            cutover_name="" if self.cutover is None else self.cutover.name,
        )

    # -- scope ------------------------------------------------------------------------

    def scope(self) -> None:
        ref = "" if self.cutover is None else self.cutover.id
        self.checked[GateRule.SCOPE] = 2
        if not self.sites:
            self.fail(GateRule.SCOPE, ref, "Scope: sites", f"no sites in {self.where}")
        if not self.orders:
            self.fail(GateRule.SCOPE, ref, "Scope: port orders",
                      f"no port orders in {self.where}")

    # -- checklist --------------------------------------------------------------------

    def gate_items(self) -> None:
        mine = None if self.cutover is None else self.cutover.id
        for item in self.evidence.checklist:
            if not item.gate or item.evidence:
                continue  # derived items are the gate's own conditions, not ticks
            if item.cutover_id is not None and item.cutover_id != mine:
                continue
            self.checked[GateRule.GATE_ITEMS] += 1
            status = ChecklistStatus(item.status)
            if status not in (ChecklistStatus.DONE, ChecklistStatus.SKIPPED):
                self.fail(GateRule.GATE_ITEMS, item.id, f"Gate item {item.key}",
                          f"{item.title} is {_words(status)}")

    # -- port orders ------------------------------------------------------------------

    def port_orders(self) -> None:
        day = None
        if self.cutover is not None and _aware(self.cutover.starts_at) is not None:
            day = _start(self.cutover).astimezone(EASTERN).date()
        for order in self.orders:
            self.checked[GateRule.PORT_ORDERS] += 1
            status = _order_state(order.status)
            if status in _ORDERS_GONE or status is OrderState.ACTIVATED:
                continue
            problems: list[str] = []
            if order.loa_signed_at is None:
                problems.append("LOA not signed")
            foc = _aware(order.confirmed_foc)
            if status is not OrderState.FOC_CONFIRMED:
                why = _words(status)
                if status is OrderState.REJECTED and order.rejection_code:
                    why += f" ({order.rejection_code})"
                problems.append(f"{order.carrier} order is {why}, not FOC-confirmed")
            elif foc is None:
                problems.append("FOC-confirmed without the committed date and time")
            elif day is not None and foc.astimezone(EASTERN).date() != day:
                problems.append(
                    f"FOC {foc.astimezone(EASTERN):%a %d %b %H:%M} ET is not the "
                    f"wave's day ({day:%a %d %b})"
                )
            if problems:
                self.fail(GateRule.PORT_ORDERS, order.id, f"Port order {order.pon}",
                          "; ".join(problems))
            if foc is not None:
                self.checked[GateRule.CHANGE_FREEZE] += 1
                self._freeze(order, foc)

    def _freeze(self, order: PortOrderBase, foc: datetime) -> None:
        """A change inside the freeze before the FOC (five business days, holidays left
        out) needs a recorded reason: its own in the FOC history, or the order's."""
        if (order.change_reason or "").strip():
            return
        opens = freeze_starts(foc, self.evidence.holidays)
        for index, entry in enumerate(order.foc_history or ()):
            if not isinstance(entry, Mapping):
                continue
            # the FOC's first confirmation is no change; each move after it is
            first = entry.get("old") is None if "old" in entry else index == 0
            at = _aware(entry.get("at"))
            reason = str(entry.get("reason") or "").strip()
            if not first and at is not None and opens <= at <= foc and not reason:
                self.fail(GateRule.CHANGE_FREEZE, order.id, f"Change freeze {order.pon}",
                          f"changed {at.astimezone(EASTERN):%a %d %b %H:%M} ET, inside "
                          f"the {FREEZE_BUSINESS_DAYS} business days before its FOC, with no "
                          "reason recorded")
                return

    # -- E911 -------------------------------------------------------------------------

    def emergency_locations(self) -> None:
        by_site: dict[str, list[EmergencyLocationBase]] = {}
        for location in self.evidence.locations:
            if location.site_id in self.site_ids:
                by_site.setdefault(location.site_id, []).append(location)
        tests: dict[str, list[VerificationBase]] = {}
        for entry in self.evidence.verifications:
            if entry.test_case == TEST_933 and entry.emergency_location_id:
                tests.setdefault(entry.emergency_location_id, []).append(entry)
        for site in self.sites:
            locations = by_site.get(site.id, [])
            if not locations:
                self.checked[GateRule.E911] += 1
                self.fail(GateRule.E911, site.id, f"Site {site.code}",
                          "no emergency location (floor or suite with its dispatchable "
                          "address) recorded")
                continue
            for location in locations:
                self.checked[GateRule.E911] += 1
                self.checked[GateRule.TEST_933] += 1
                name = f"{site.code} {location.name}"
                status = E911Status(location.status)
                if status is not E911Status.VERIFIED:
                    self.fail(GateRule.E911, location.id, f"Location {name}",
                              f"dispatchable address is {_words(status)}, not validated")
                self._933(location, name, tests.get(location.id, []))

    def _933(self, location: EmergencyLocationBase, name: str,
             entries: list[VerificationBase]) -> None:
        changed = _aware(location.address_changed_at)
        since = [e for e in entries
                 if changed is None or ((t := _aware(e.tested_at)) is not None and t >= changed)]
        latest = _latest(since)
        if latest is None:
            after = " since its address changed" if changed is not None and entries else ""
            self.fail(GateRule.TEST_933, location.id, f"933 {name}",
                      f"no 933 test recorded{after}")
        elif VerificationResult(latest.result) is not VerificationResult.PASS:
            self.fail(GateRule.TEST_933, location.id, f"933 {name}",
                      f"the latest 933 test is {_words(VerificationResult(latest.result))}")

    # -- network ----------------------------------------------------------------------

    def network(self) -> None:
        per_site: dict[str, list[VerificationBase]] = {}
        for entry in self.evidence.verifications:
            if entry.test_case == CALL_QUALITY_TEST and entry.site_id in self.site_ids:
                per_site.setdefault(str(entry.site_id), []).append(entry)
        limits = self.evidence.thresholds
        for site in self.sites:
            self.checked[GateRule.NETWORK] += 1
            latest = _latest(per_site.get(site.id, []))
            name = f"Network {site.code}"
            if latest is None:
                self.fail(GateRule.NETWORK, site.id, name,
                          f"no {CALL_QUALITY_TEST} call-quality test recorded")
                continue
            result = VerificationResult(latest.result)
            if result is VerificationResult.NOT_APPLICABLE:
                continue
            if result is not VerificationResult.PASS:
                self.fail(GateRule.NETWORK, site.id, name,
                          f"the latest {CALL_QUALITY_TEST} is {_words(result)}")
                continue
            short = limits.shortfalls(latest.mos, latest.jitter_ms, latest.loss_pct)
            if short:
                self.fail(GateRule.NETWORK, site.id, name,
                          f"the latest {CALL_QUALITY_TEST} passed with " + ", ".join(short))

    # -- issues -----------------------------------------------------------------------

    def p1_issues(self) -> None:
        for issue in self.evidence.issues:
            if Priority(issue.priority) is not Priority.P1:
                continue
            if IssueState(issue.state) not in OPEN_ISSUE_STATES:
                continue
            if issue.site_id is not None and issue.site_id not in self.site_ids:
                continue  # another wave's site
            self.checked[GateRule.NO_OPEN_P1] += 1
            self.fail(GateRule.NO_OPEN_P1, issue.id, f"P1 {issue.ref}",
                      f"{issue.title} is {_words(IssueState(issue.state))}")

    # -- the customer's co-sign ---------------------------------------------------------

    def cosign(self) -> None:
        mine = None if self.cutover is None else self.cutover.id
        self.checked[GateRule.CUSTOMER_COSIGN] = 1
        for signoff in self.evidence.signoffs:
            if (SignoffKind(signoff.signoff_kind) is SignoffKind.GO_LIVE_COSIGN
                    and signoff.cutover_id == mine and Role(signoff.role) is Role.CUSTOMER):
                return
        self.fail(GateRule.CUSTOMER_COSIGN, mine or "", "Customer co-sign",
                  f"the customer's main contact has not co-signed {self.where}")


def _latest(entries: Iterable[VerificationBase]) -> VerificationBase | None:
    """The most recently recorded entry (a retest is recorded after what it retests)."""
    def key(entry: VerificationBase) -> tuple[datetime, datetime]:
        floor = datetime.min.replace(tzinfo=UTC)
        return (_aware(entry.updated_at) or floor, _aware(entry.tested_at) or floor)

    return max(entries, key=key, default=None)


def _order_state(value: Any) -> OrderState:
    return LEGACY_ORDER_STATES.get(str(value)) or OrderState(value)


def _aware(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _words(state: StrEnum) -> str:
    return state.value.replace("_", " ")


def gate_from_records(
    *,
    cutover: Mapping[str, Any] | None = None,
    records: Mapping[EntityKind, Iterable[Mapping[str, Any]]],
    thresholds: NetworkThresholds | None = None,
    holidays: Holidays = FEDERAL,
) -> GateResult:
    """:func:`gate_for_cutover` over plain records (dicts), as ``apply_op`` sees them."""
    from golive_tui.domain.entities import CutoverBase

    wave = None if cutover is None else _view(CutoverBase, cutover)
    return gate_for_cutover(wave, GateEvidence.from_records(records, thresholds, holidays))
