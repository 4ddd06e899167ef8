"""The go / no-go gate of one cutover wave: computed from the evidence in the wave's scope,
each piece alone can hold it shut and names its record, and a later wave never blocks it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from golive_tui.domain.entities import (
    ChecklistItemBase,
    CutoverBase,
    EmergencyLocationBase,
    IssueBase,
    PortOrderBase,
    SignoffBase,
    SiteBase,
    VerificationBase,
)
from golive_tui.domain.enums import CutoverState, GateRule
from golive_tui.domain.enums import EntityKind as K
from golive_tui.domain.gate import (
    GateEvidence,
    current_cutover,
    evaluate_gate,
    gate_for_cutover,
    gates_by_cutover,
)
from golive_tui.domain.network import NetworkThresholds
from tests.gate_world import NOW, TODAY_START, Record, find, gate_of_wave, rec, world

Records = dict[K, list[Record]]


def names(records: Records, wave: str | None = "wave-1", **kw: Any) -> list[str]:
    return [str(c) for c in gate_of_wave(records, wave, **kw).unmet]


def test_todays_wave_with_all_its_evidence_is_go_while_next_weeks_is_not() -> None:
    records = world()
    today = gate_of_wave(records, "wave-1")
    assert today.ready, today.unmet
    assert today.cutover_id == "wave-1" and today.cutover_name == "Wave 1 – Denver"
    later = gate_of_wave(records, "wave-2")
    assert {c.rule for c in later.unmet} == {
        GateRule.GATE_ITEMS, GateRule.PORT_ORDERS, GateRule.E911, GateRule.TEST_933,
        GateRule.NETWORK, GateRule.NO_OPEN_P1, GateRule.CUSTOMER_COSIGN,
    }
    # each names its record, in reading order
    assert [c.name for c in later.unmet] == [
        "Gate item CHI-01", "Port order PO-2", "Location CHI Floor 2", "933 CHI Floor 2",
        "Network CHI", "P1 GL-CHI01", "Customer co-sign",
    ]


def _set(kind: K, entity_id: str, **fields: Any) -> Callable[[Records], None]:
    def change(records: Records) -> None:
        find(records, kind, entity_id).update(fields)
    return change


def _add(kind: K, entity_id: str, **fields: Any) -> Callable[[Records], None]:
    def change(records: Records) -> None:
        records[kind].append(rec(kind, entity_id, **fields))
    return change


def _drop(kind: K, entity_id: str) -> Callable[[Records], None]:
    def change(records: Records) -> None:
        records[kind] = [r for r in records[kind] if r["id"] != entity_id]
    return change


HOURS_AGO = NOW - timedelta(hours=2)

#: one change to today's ready wave, and the one condition it opens (name: detail part)
ONE_CONDITION: dict[str, tuple[Callable[[Records], None], str]] = {
    "no co-sign": (_drop(K.SIGNOFF, "cosign-1"),
                   "Customer co-sign: the customer's main contact has not co-signed"),
    "a co-sign by an engineer": (_set(K.SIGNOFF, "cosign-1", role="engineer"),
                                 "Customer co-sign"),
    "a co-sign of another wave": (_set(K.SIGNOFF, "cosign-1", cutover_id="wave-2"),
                                  "Customer co-sign"),
    "an order not FOC-confirmed": (_set(K.PORT_ORDER, "order-1", status="submitted"),
                                   "Port order PO-1: Lumen order is submitted, not FOC"),
    "an order without a signed LOA": (_set(K.PORT_ORDER, "order-1", loa_signed_at=None),
                                      "Port order PO-1: LOA not signed"),
    "an FOC on another day": (
        _set(K.PORT_ORDER, "order-1", confirmed_foc=TODAY_START + timedelta(days=1)),
        "Port order PO-1: FOC Thu 10 Dec 11:30 ET is not the wave's day (Wed 09 Dec)"),
    "a rejected order": (
        _set(K.PORT_ORDER, "order-1", status="rejected", rejection_code="PIN_INVALID"),
        "Port order PO-1: Lumen order is rejected (PIN_INVALID), not FOC-confirmed"),
    "an FOC moved inside the freeze without a reason": (
        _set(K.PORT_ORDER, "order-1", foc_history=[
            {"at": (NOW - timedelta(days=15)).isoformat(), "foc": "x", "reason": ""},
            {"at": (NOW - timedelta(days=2)).isoformat(), "foc": "y", "reason": ""},
        ]),
        "Change freeze PO-1: changed"),
    "a location not validated": (_set(K.EMERGENCY_LOCATION, "loc-den-2", status="pending"),
                                 "Location DEN Floor 2: dispatchable address is pending"),
    "a site without emergency locations": (
        _drop(K.EMERGENCY_LOCATION, "loc-den-2"),
        "Site DEN: no emergency location"),
    "no 933 test": (_drop(K.VERIFICATION, "v-933-den"), "933 DEN Floor 2: no 933 test"),
    "a 933 test from before the address changed": (
        _set(K.EMERGENCY_LOCATION, "loc-den-2", address_changed_at=HOURS_AGO),
        "933 DEN Floor 2: no 933 test recorded since its address changed"),
    "a failed 933 retest": (
        _add(K.VERIFICATION, "v-933-fail", test_case="E911-01", target="DEN",
             site_id="site-den", emergency_location_id="loc-den-2", result="fail",
             tested_at=HOURS_AGO),
        "933 DEN Floor 2: the latest 933 test is fail"),
    "a pass with MOS 3.4": (_set(K.VERIFICATION, "v-net-den", mos=3.4),
                            "Network DEN: the latest NET-02 passed with MOS 3.4 below 4"),
    "a pass without measured values": (
        _set(K.VERIFICATION, "v-net-den", mos=None, jitter_ms=None, loss_pct=None),
        "Network DEN: the latest NET-02 passed with no MOS measured, no jitter measured, "
        "no loss measured"),
    "too much jitter and loss": (
        _set(K.VERIFICATION, "v-net-den", jitter_ms=41.0, loss_pct=2.1),
        "Network DEN: the latest NET-02 passed with jitter 41 ms above 30 ms, loss 2.1 % "
        "above 1 %"),
    "a failed NET-02 retest": (
        _add(K.VERIFICATION, "v-net-fail", test_case="NET-02", target="DEN",
             site_id="site-den", result="fail", tested_at=HOURS_AGO, mos=3.1,
             jitter_ms=50.0, loss_pct=3.0),
        "Network DEN: the latest NET-02 is fail"),
    "no NET-02": (_drop(K.VERIFICATION, "v-net-den"),
                  "Network DEN: no NET-02 call-quality test recorded"),
    "an open P1 at the wave's site": (_set(K.ISSUE, "issue-chi", site_id="site-den"),
                                      "P1 GL-CHI01: Chicago main number dead is in progress"),
    "an open P1 with no site": (_set(K.ISSUE, "issue-chi", site_id=None), "P1 GL-CHI01"),
    "an open gate item for every wave": (_set(K.CHECKLIST_ITEM, "item-gl", status="blocked"),
                                         "Gate item GL-01: Checklist reviewed is blocked"),
    "no port orders": (_drop(K.PORT_ORDER, "order-1"),
                       "Scope: port orders: no port orders in Wave 1 – Denver"),
}


@pytest.mark.parametrize("case", list(ONE_CONDITION))
def test_each_piece_of_evidence_alone_holds_the_wave_shut(case: str) -> None:
    change, expected = ONE_CONDITION[case]
    records = world()
    change(records)
    unmet = names(records)
    assert len(unmet) == 1 and unmet[0].startswith(expected), unmet


#: changes that leave today's wave GO
NO_CONDITION: dict[str, Callable[[Records], None]] = {
    "an activated order": _set(K.PORT_ORDER, "order-1", status="activated",
                               confirmed_foc=None),
    "a cancelled order beside it": _add(K.PORT_ORDER, "order-x", pon="PO-X", carrier="AT&T",
                                        cutover_id="wave-1", status="cancelled"),
    "an FOC moved inside the freeze with its reason": _set(K.PORT_ORDER, "order-1", foc_history=[
        {"at": (NOW - timedelta(days=15)).isoformat(), "reason": ""},
        {"at": (NOW - timedelta(days=2)).isoformat(), "reason": "carrier moved it a day"},
    ]),
    "a change inside the freeze with the order's change reason": _set(
        K.PORT_ORDER, "order-1", change_reason="BTN corrected to match the CSR",
        foc_history=[{"at": (NOW - timedelta(days=15)).isoformat()},
                     {"at": (NOW - timedelta(days=2)).isoformat()}]),
    "an FOC moved before the freeze": _set(K.PORT_ORDER, "order-1", foc_history=[
        {"at": (NOW - timedelta(days=20)).isoformat()},
        {"at": (NOW - timedelta(days=12)).isoformat()},
    ]),
    "a resolved P1 at the site": _set(K.ISSUE, "issue-chi", site_id="site-den",
                                      state="resolved"),
    "a P2 at the site": _set(K.ISSUE, "issue-chi", site_id="site-den", priority="P2"),
    "an open derived item": _set(K.CHECKLIST_ITEM, "item-foc", status="blocked"),
    "a skipped gate item": _set(K.CHECKLIST_ITEM, "item-gl", status="skipped",
                                skip_comment="reviewed by phone"),
    "NET-02 marked not applicable": _add(
        K.VERIFICATION, "v-net-na", test_case="NET-02", target="DEN", site_id="site-den",
        result="not_applicable", tested_at=HOURS_AGO, note="no desk phones at this site"),
    "a passing 933 retest after a failed one": _add(
        K.VERIFICATION, "v-933-again", test_case="E911-01", target="DEN", site_id="site-den",
        emergency_location_id="loc-den-2", result="pass", tested_at=HOURS_AGO),
}


@pytest.mark.parametrize("case", list(NO_CONDITION))
def test_what_does_not_hold_the_wave_shut(case: str) -> None:
    records = world()
    NO_CONDITION[case](records)
    assert names(records) == []


def test_the_latest_result_is_the_one_recorded_last_not_the_latest_clock() -> None:
    records = world()
    # a retest recorded now, by a tester whose clock runs an hour behind, failed
    records[K.VERIFICATION].append(rec(
        K.VERIFICATION, "v-net-late", test_case="NET-02", target="DEN", site_id="site-den",
        result="fail", tested_at=NOW - timedelta(days=2), updated_at=NOW, mos=3.0,
        jitter_ms=60.0, loss_pct=4.0))
    assert names(records) == ["Network DEN: the latest NET-02 is fail"]


def test_the_thresholds_are_the_projects() -> None:
    records = world()
    strict = NetworkThresholds.from_stored({"min_mos": 4.4})
    assert names(records, thresholds=strict) == [
        "Network DEN: the latest NET-02 passed with MOS 4.3 below 4.4"]
    # a threshold that is not a number keeps its default
    assert NetworkThresholds.from_stored({"min_mos": "high", "max_loss_pct": -1}) == (
        NetworkThresholds())


def test_a_wave_with_nothing_in_scope_is_not_go_and_says_what_is_missing() -> None:
    records = world()
    records[K.CUTOVER].append(rec(K.CUTOVER, "wave-3", name="Wave 3 – Later"))
    gate = gate_of_wave(records, "wave-3")
    assert not gate.ready
    assert [str(c) for c in gate.unmet_for(GateRule.SCOPE)] == [
        "Scope: port orders: no port orders in Wave 3 – Later",
        "Scope: sites: no sites in Wave 3 – Later",
    ]


def test_an_empty_project_without_waves_is_not_go() -> None:
    gate = evaluate_gate()
    assert not gate.ready
    assert {c.rule for c in gate.unmet} == {GateRule.SCOPE, GateRule.CUSTOMER_COSIGN}
    assert "GO" not in gate.summary().split(":")[0].replace("NO-GO", "")


def test_a_project_without_waves_is_one_gate_over_everything() -> None:
    records = world()
    for order in records[K.PORT_ORDER]:
        order["cutover_id"] = None
    gate = gate_of_wave(records, None)
    assert "Port order PO-2" in [c.name for c in gate.unmet]
    assert "P1 GL-CHI01" in [c.name for c in gate.unmet]
    assert gate.cutover_id is None


def test_the_gate_says_how_much_evidence_it_weighed() -> None:
    gate = gate_of_wave(world(), "wave-1")
    assert gate.checked[GateRule.PORT_ORDERS] == 1
    assert gate.checked[GateRule.E911] == 1 and gate.checked[GateRule.TEST_933] == 1
    assert gate.checked[GateRule.NETWORK] == 1
    assert gate.checked[GateRule.GATE_ITEMS] == 1  # the derived item is not a tick
    assert gate.checked[GateRule.NO_OPEN_P1] == 0  # Chicago's P1 is another wave's


def test_every_rule_has_a_label_for_the_screen() -> None:
    for rule in GateRule:
        assert rule.label and rule.label[0].isupper()


def test_the_gate_of_records_is_the_gate_of_the_same_evidence_as_entities() -> None:
    records = world()
    _set(K.PORT_ORDER, "order-1", status="submitted")(records)
    evidence = GateEvidence(
        sites=[SiteBase.model_validate(r) for r in records[K.SITE]],
        orders=[PortOrderBase.model_validate(r) for r in records[K.PORT_ORDER]],
        checklist=[ChecklistItemBase.model_validate(r) for r in records[K.CHECKLIST_ITEM]],
        locations=[EmergencyLocationBase.model_validate(r)
                   for r in records[K.EMERGENCY_LOCATION]],
        verifications=[VerificationBase.model_validate(r) for r in records[K.VERIFICATION]],
        issues=[IssueBase.model_validate(r) for r in records[K.ISSUE]],
        signoffs=[SignoffBase.model_validate(r) for r in records[K.SIGNOFF]],
    )
    waves = [CutoverBase.model_validate(r) for r in records[K.CUTOVER]]
    by_wave = gates_by_cutover(waves, evidence)
    assert by_wave["wave-1"] == gate_of_wave(records, "wave-1")
    assert by_wave["wave-2"] == gate_of_wave(records, "wave-2")
    assert gate_for_cutover(waves[0], evidence) == by_wave["wave-1"]


# --------------------------------------------------------------------------- which wave

def _waves() -> list[CutoverBase]:
    return [CutoverBase.model_validate(r) for r in world()[K.CUTOVER]]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (TODAY_START - timedelta(hours=3), "wave-1"),  # this morning: today's is next
        (TODAY_START + timedelta(hours=1), "wave-1"),  # inside its window
        (TODAY_START + timedelta(hours=5), "wave-1"),  # after its window, still today
        (TODAY_START + timedelta(days=2), "wave-2"),  # the next to start
        (TODAY_START + timedelta(days=30), "wave-2"),  # all behind: the last
        (TODAY_START - timedelta(days=30), "wave-1"),  # all ahead: the first
    ],
)
def test_the_current_wave_is_in_its_window_else_todays_else_the_next_else_the_last(
    now: datetime, expected: str,
) -> None:
    wave = current_cutover(_waves(), now, zone=UTC)
    assert wave is not None and wave.id == expected


def test_a_closed_wave_of_today_gives_way_to_the_next() -> None:
    waves = _waves()
    waves[0].state = CutoverState.COMPLETED
    wave = current_cutover(waves, TODAY_START + timedelta(hours=5), zone=UTC)
    assert wave is not None and wave.id == "wave-2"


def test_no_waves_no_current_wave() -> None:
    assert current_cutover([], NOW) is None


def test_the_change_freeze_skips_the_projects_own_holidays() -> None:
    """FOC Wed 9 Dec: its five business days start Wed 2 Dec, so an FOC moved on Tue 1 Dec
    is outside the freeze; with Fri 4 and Mon 7 Dec listed as the project's holidays they
    start Mon 30 Nov, and the move is inside it, without a reason."""
    from golive_tui.domain.gate import gate_from_records
    from golive_tui.domain.port_orders import project_holidays
    from tests.gate_world import find

    records = world()
    _set(K.PORT_ORDER, "order-1", foc_history=[
        {"at": (NOW - timedelta(days=20)).isoformat(), "reason": ""},
        {"at": (NOW - timedelta(days=8)).isoformat(), "reason": ""},
    ])(records)
    assert names(records) == []
    shutdown = project_holidays({"holidays": {"2026-12-04": "Plant shutdown",
                                              "2026-12-07": "Plant shutdown"}})
    gate = gate_from_records(cutover=find(records, K.CUTOVER, "wave-1"), records=records,
                             holidays=shutdown)
    assert [c.name for c in gate.unmet] == ["Change freeze PO-1"]
