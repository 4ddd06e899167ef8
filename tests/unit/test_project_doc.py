"""The demo go-live fixture and the synthetic project generator (project_doc)."""

from __future__ import annotations

import copy
import importlib.util
import json
import random
import re
import shutil
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest

from golive_tui import resources
from golive_tui.domain.entities import ENTITY_BASES
from golive_tui.domain.enums import (
    ChecklistStatus,
    ChecklistStream,
    E911Status,
    EntityKind,
    GateRule,
    IssueState,
    LifecyclePhase,
    NumberType,
    OrderState,
    PortState,
    Priority,
    VerificationResult,
)
from golive_tui.domain.gate import evaluate_gate, gate_from_records
from golive_tui.domain.ops import issue_ref, validate_record
from golive_tui.domain.phone import is_toll_free
from golive_tui.domain.project_doc import (
    RECORD_KINDS,
    DemoDayError,
    ProjectDocument,
    default_demo_day,
)
from golive_tui.domain.sla import SlaPolicy, sla_clocks
from golive_tui.domain.test_plan import PLAN, latest_results
from golive_tui.seed import generate_project, load_demo

K = EntityKind
NY = ZoneInfo("America/New_York")
DENVER = ZoneInfo("America/Denver")
#: a Wednesday; "now" is mid-morning in Denver, half an hour before the ET port window
DEMO_DAY = date(2025, 3, 12)
NOW = datetime(2025, 3, 12, 9, 0, tzinfo=DENVER).astimezone(UTC)
FICTIONAL = re.compile(r"^\+1[2-9]\d{2}55501\d{2}$")


@pytest.fixture(scope="module")
def demo() -> ProjectDocument:
    return load_demo(demo_day=DEMO_DAY, now=NOW)


@pytest.fixture(scope="module")
def raw_fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.demo_fixture_path().read_text(encoding="utf-8"))
    return data


def models(doc: ProjectDocument, kind: EntityKind) -> list[Any]:
    """Records as entity objects, for the functions that read attributes (gate, plan)."""
    return [ENTITY_BASES[kind].model_validate(r) for r in doc.records[kind]]


def by(records: Iterable[dict[str, Any]], name: str) -> dict[Any, dict[str, Any]]:
    return {r[name]: r for r in records}


# --------------------------------------------------------------------------- resources


def test_resources_find_the_styles_and_the_demo_fixture_in_a_checkout() -> None:
    assert (resources.styles_dir() / "golive.tcss").is_file()
    assert resources.demo_fixture_path().is_file()
    assert resources.demo_fixture_path().parent == resources.fixtures_dir()


def test_resources_prefer_the_copies_inside_an_installed_package(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "golive_tui"
    (package / "styles").mkdir(parents=True)
    (package / "fixtures").mkdir()
    shutil.copy(Path(resources.__file__), package / "resources.py")
    spec = importlib.util.spec_from_file_location("installed_resources", package / "resources.py")
    assert spec is not None and spec.loader is not None
    installed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(installed)
    assert installed.styles_dir() == package / "styles"
    assert installed.demo_fixture_path() == package / "fixtures" / "demo-go-live.json"


# --------------------------------------------------------------------------- demo


def test_demo_loads_every_kind_in_dependency_order(demo: ProjectDocument) -> None:
    assert demo.project["customer"] == "Ridgeline Veterinary Partners"
    assert demo.project["time_zone"] == "America/Denver"
    assert list(demo.records) == list(RECORD_KINDS)
    kinds = [kind for kind, _ in demo]
    assert kinds[0] is K.PROJECT
    order = [K.PROJECT, *RECORD_KINDS]
    assert kinds == sorted(kinds, key=order.index)
    assert demo.count(K.PROJECT) == 1
    assert demo.count(K.DECISION) == 0  # the go / no-go is the demo user's to make
    for kind, record in demo:
        assert record["version"] == 1
        assert record["updated_by"] == "fixtures"
        assert record["updated_at"] == NOW
        assert record["project_id"] == demo.project_id, kind


def test_every_time_is_timezone_aware_utc(demo: ProjectDocument) -> None:
    for _, record in demo:
        for value in record.values():
            if isinstance(value, datetime):
                assert value.utcoffset() == timedelta(0)


def test_demo_has_sites_in_three_or_more_time_zones(demo: ProjectDocument) -> None:
    sites = demo.records[K.SITE]
    assert len(sites) >= 3
    assert len({s["time_zone"] for s in sites}) >= 3
    for site in sites:
        assert site["address"] and site["e911_address"] and site["floors"] >= 1
        assert FICTIONAL.match(site["main_number"])
    statuses = Counter(s["e911_status"] for s in sites)
    assert statuses[E911Status.PENDING] == 1
    assert statuses[E911Status.VERIFIED] == len(sites) - 1


def test_demo_numbers_are_fictional_valid_e164(demo: ProjectDocument) -> None:
    numbers = demo.records[K.NUMBER]
    assert len(numbers) >= 1000
    e164s = [n["e164"] for n in numbers]
    assert len(set(e164s)) == len(e164s)
    for e164 in e164s:
        assert FICTIONAL.match(e164), e164
        assert phonenumbers.is_valid_number(phonenumbers.parse(e164))
    assert len({e[2:5] for e in e164s}) >= 12  # many real area codes
    types = Counter(n["number_type"] for n in numbers)
    assert set(types) == set(NumberType)
    assigned = {n["assigned_to"] for n in numbers}
    assert {"Dana Whitfield", "Front Desk Queue", "Main AR"} <= assigned


def test_every_reference_resolves(demo: ProjectDocument) -> None:
    ids = {kind: {r["id"] for r in demo.records[kind]} for kind in RECORD_KINDS}
    for number in demo.records[K.NUMBER]:
        assert number["site_id"] in ids[K.SITE]
        assert number["order_id"] in ids[K.PORT_ORDER]
    for item in demo.records[K.CHECKLIST_ITEM]:
        assert set(item["predecessors"]) <= ids[K.CHECKLIST_ITEM]
    for entry in demo.records[K.VERIFICATION]:
        assert entry["site_id"] in ids[K.SITE]
        assert entry["number_id"] is None or entry["number_id"] in ids[K.NUMBER]
    for issue in demo.records[K.ISSUE]:
        assert issue["site_id"] is None or issue["site_id"] in ids[K.SITE]
        assert issue["number_id"] is None or issue["number_id"] in ids[K.NUMBER]
        assert issue["verification_id"] is None or issue["verification_id"] in ids[K.VERIFICATION]
    for note in demo.records[K.ISSUE_NOTE]:
        assert note["issue_id"] in ids[K.ISSUE]
    all_ids = [record["id"] for _, record in demo]
    assert len(set(all_ids)) == len(all_ids)


def test_demo_has_four_orders_from_two_or_more_carriers(demo: ProjectDocument) -> None:
    orders = demo.records[K.PORT_ORDER]
    assert len(orders) >= 4
    assert len({o["carrier"] for o in orders}) >= 2
    counts = Counter(n["order_id"] for n in demo.records[K.NUMBER])
    assert all(counts[o["id"]] for o in orders)


def test_toll_free_order_has_its_own_loa(demo: ProjectDocument) -> None:
    orders = demo.records[K.PORT_ORDER]
    toll_free = [o for o in orders if o["toll_free"]]
    assert len(toll_free) == 1
    order = toll_free[0]
    assert order["loa_id"] and order["loa_id"] not in {
        o["loa_id"] for o in orders if o is not order
    }
    numbers = [n for n in demo.records[K.NUMBER] if n["order_id"] == order["id"]]
    assert numbers and all(is_toll_free(n["e164"]) for n in numbers)
    assert all(n["number_type"] is NumberType.TOLL_FREE for n in numbers)
    others = [n for n in demo.records[K.NUMBER] if n["order_id"] != order["id"]]
    assert not any(is_toll_free(n["e164"]) for n in others)


def test_rejected_order_has_a_code_and_its_numbers_are_rejected(demo: ProjectDocument) -> None:
    rejected = [o for o in demo.records[K.PORT_ORDER] if o["status"] is OrderState.REJECTED]
    assert len(rejected) == 1
    order = rejected[0]
    assert order["rejection_code"] == "ADDR_MISMATCH"
    numbers = [n for n in demo.records[K.NUMBER] if n["order_id"] == order["id"]]
    assert numbers
    assert {(n["porting_state"], n["rejection_code"]) for n in numbers} == {
        (PortState.REJECTED, "ADDR_MISMATCH")
    }


def test_foc_order_is_confirmed_for_the_demo_day_at_1130_eastern(demo: ProjectDocument) -> None:
    foc = [o for o in demo.records[K.PORT_ORDER] if o["status"] is OrderState.FOC_CONFIRMED]
    assert len(foc) == 1
    assert foc[0]["confirmed_foc"] == datetime(2025, 3, 12, 11, 30, tzinfo=NY)
    numbers = [n for n in demo.records[K.NUMBER] if n["order_id"] == foc[0]["id"]]
    assert numbers and all(n["porting_state"] is PortState.FOC_CONFIRMED for n in numbers)
    assert any(n["temp_number"] for n in numbers)  # temp-number swaps mapped for some
    assert demo.project["cutover_at"] == datetime(2025, 3, 12, 11, 30, tzinfo=NY)


def test_ported_orders_have_ported_and_some_verified_numbers(demo: ProjectDocument) -> None:
    ported = [o for o in demo.records[K.PORT_ORDER] if o["status"] is OrderState.ACTIVATED]
    assert ported
    for order in ported:
        assert order["confirmed_foc"] < NOW
        states = {
            n["porting_state"] for n in demo.records[K.NUMBER] if n["order_id"] == order["id"]
        }
        assert states <= {PortState.PORTED, PortState.VERIFIED}
    all_states = Counter(n["porting_state"] for n in demo.records[K.NUMBER])
    assert all_states[PortState.VERIFIED] > 0
    assert all_states[PortState.SUBMITTED] + all_states[PortState.LOA_PENDING] > 0


def test_checklist_spans_all_phases_and_streams_with_gate_items(demo: ProjectDocument) -> None:
    items = demo.records[K.CHECKLIST_ITEM]
    assert len(items) >= 40
    assert {i["phase"] for i in items} == set(LifecyclePhase)
    assert {i["stream"] for i in items} == set(ChecklistStream)
    keys = [i["key"] for i in items]
    assert len(set(keys)) == len(keys)
    gate = [i for i in items if i["gate"]]
    assert 8 <= len(gate) <= 14
    open_gate = [
        i for i in gate if i["status"] not in (ChecklistStatus.DONE, ChecklistStatus.SKIPPED)
    ]
    assert 1 <= len(open_gate) < len(gate)
    statuses = Counter(i["status"] for i in items)
    assert set(statuses) == set(ChecklistStatus)
    skipped = [i for i in items if i["status"] is ChecklistStatus.SKIPPED]
    assert len(skipped) == 1 and skipped[0]["skip_comment"]
    for item in items:
        if item["status"] is ChecklistStatus.DONE:
            assert item["done_at"] is not None and item["done_by"]
    early = {LifecyclePhase.IPM_ASSIGNED, LifecyclePhase.INITIAL_SETUP, LifecyclePhase.KICKOFF}
    assert all(i["status"] is ChecklistStatus.DONE for i in items if i["phase"] in early)
    titles = " ".join(i["title"] for i in items)
    for phrase in (
        "SIP ALG",
        "70 s",
        "Kari's Law",
        "RAY BAUM",
        "FOC-confirmed in writing",
        "5 business days",
        "overflow",
        "voicemail-to-email",
        "T.38",
        "MAC",
    ):
        assert phrase in titles, phrase


def test_checklist_predecessors_point_at_earlier_work(demo: ProjectDocument) -> None:
    items = by(demo.records[K.CHECKLIST_ITEM], "key")
    ids = {i["id"]: i["key"] for i in items.values()}
    assert [ids[p] for p in items["CUS-02"]["predecessors"]] == ["NET-03", "NET-05", "NET-06"]


def test_milestones_cover_every_phase(demo: ProjectDocument) -> None:
    assert {m["phase"] for m in demo.records[K.MILESTONE]} == set(LifecyclePhase)


def test_members_hold_every_role(demo: ProjectDocument) -> None:
    roles = Counter(m["role"] for m in demo.records[K.MEMBER])
    assert roles["ipm"] == 1 and roles["engineer"] >= 2 and roles["support"] >= 1
    assert roles["customer"] >= 1 and roles["viewer"] >= 1
    users = {m["user"] for m in demo.records[K.MEMBER]}
    for item in demo.records[K.CHECKLIST_ITEM]:
        assert item["assignee"] in users  # names in the fixture resolve to member users


def test_every_test_case_of_the_plan_is_in_the_log(demo: ProjectDocument) -> None:
    log = demo.records[K.VERIFICATION]
    assert {entry["test_case"] for entry in log} == {case.code for case in PLAN}


def test_933_passes_at_den_and_nyc_and_is_not_yet_tested_at_lax(demo: ProjectDocument) -> None:
    latest = latest_results(models(demo, K.VERIFICATION))
    assert latest[("E911-01", "DEN")].result is VerificationResult.PASS
    assert latest[("E911-01", "NYC")].result is VerificationResult.PASS
    assert ("E911-01", "LAX") not in latest


def test_log_has_a_failed_call_quality_and_a_retest_that_passes(demo: ProjectDocument) -> None:
    log = models(demo, K.VERIFICATION)
    latest = latest_results(log)
    nyc = sorted((e for e in log if (e.test_case, e.target) == ("NET-02", "NYC")),
                 key=lambda e: e.tested_at)
    assert nyc[0].result is VerificationResult.FAIL and nyc[0].mos == pytest.approx(3.4)
    # the retest after the DSCP fix carries its measured values
    assert latest[("NET-02", "NYC")] is nyc[-1]
    assert nyc[-1].result is VerificationResult.PASS and nyc[-1].jitter_ms is not None
    vm = [e for e in log if (e.test_case, e.target) == ("VM-01", "DEN")]
    assert [e.result for e in sorted(vm, key=lambda e: e.tested_at)] == [
        VerificationResult.FAIL,
        VerificationResult.PASS,
    ]
    assert latest[("VM-01", "DEN")].result is VerificationResult.PASS


def test_issues_cover_every_priority_and_state(demo: ProjectDocument) -> None:
    issues = demo.records[K.ISSUE]
    assert {i["priority"] for i in issues} == set(Priority)
    for issue in issues:
        assert issue["ref"] == issue_ref(issue["id"])
    open_p1 = [
        i for i in issues if i["priority"] is Priority.P1 and i["state"] is not IssueState.RESOLVED
    ]
    assert len(open_p1) == 1
    assert open_p1[0]["title"] == "Main number rings busy at LAX"
    numbers = by(demo.records[K.NUMBER], "id")
    assert numbers[open_p1[0]["number_id"]]["e164"] == "+12135550100"
    assert open_p1[0]["verification_id"] is not None
    held = [i for i in issues if i["state"] is IssueState.ON_HOLD]
    assert held and all(i["hold_reason"] and i["on_hold_since"] for i in held)
    assert any(
        i["state"] is IssueState.IN_PROGRESS and i["priority"] is Priority.P3 for i in issues
    )
    assert any(i["source"] == "portal" and i["state"] is IssueState.NEW for i in issues)
    assert any(i["state"] is IssueState.RESOLVED and i["resolution"] for i in issues)
    noted = {n["issue_id"] for n in demo.records[K.ISSUE_NOTE]}
    assert open_p1[0]["id"] in noted


def test_sla_clocks_show_running_and_breached_issues(demo: ProjectDocument) -> None:
    policy = SlaPolicy.default(demo.project["time_zone"])
    breached, running = 0, 0
    for issue in demo.records[K.ISSUE]:
        if issue["state"] not in (IssueState.NEW, IssueState.IN_PROGRESS, IssueState.ON_HOLD):
            continue
        _, resolve = sla_clocks(
            priority=issue["priority"],
            opened_at=issue["opened_at"],
            now=NOW,
            policy=policy,
            responded_at=issue["responded_at"],
            on_hold_since=issue["on_hold_since"],
        )
        if resolve.breached:
            breached += 1
        elif not resolve.paused:
            running += 1
    assert breached >= 1 and running >= 2


def test_todays_wave_is_held_by_exactly_the_blockers_the_app_can_clear(
    demo: ProjectDocument,
) -> None:
    waves = {w["name"]: w for w in demo.records[K.CUTOVER]}
    assert [w["state"] for w in demo.records[K.CUTOVER]] == [
        "completed", "live", "rehearsed", "planned"]
    today = waves["Wave 3 – New York"]
    assert today["starts_at"] == datetime(2025, 3, 12, 11, 30, tzinfo=NY)
    gate = gate_from_records(cutover=today, records=demo.records)
    assert [str(c) for c in gate.unmet] == [
        "Port order RVP-PO-1008: Spectrum Business order is submitted, not FOC-confirmed",
        "Location NYC Floor 2: dispatchable address is pending, not validated",
        "933 NYC Floor 2: no 933 test recorded",
        "Customer co-sign: the customer's main contact has not co-signed Wave 3 – New York",
    ]


def test_other_waves_hold_their_own_blockers(demo: ProjectDocument) -> None:
    waves = {w["name"]: w for w in demo.records[K.CUTOVER]}
    pilot = gate_from_records(cutover=waves["Wave 1 – Denver pilot"], records=demo.records)
    assert pilot.ready, pilot.unmet
    chicago = gate_from_records(cutover=waves["Wave 4 – Chicago"], records=demo.records)
    text = "\n".join(str(c) for c in chicago.unmet)
    assert "ADDR_MISMATCH" in text and "Location CHI Floor 2" in text
    assert "Gate item BLD-03" in text and "Customer co-sign" in text
    la = gate_from_records(cutover=waves["Wave 2 – Los Angeles"], records=demo.records)
    assert [c.name for c in la.unmet_for(GateRule.NO_OPEN_P1)] == [
        next(f"P1 {i['ref']}" for i in demo.records[K.ISSUE] if i["priority"] == "P1")]

def test_ids_are_deterministic_and_a_project_id_makes_a_separate_project() -> None:
    first = load_demo(demo_day=DEMO_DAY, now=NOW)
    again = load_demo(demo_day=date(2025, 3, 14))
    ids = [r["id"] for _, r in first]
    assert ids == [r["id"] for _, r in again]
    other = load_demo(demo_day=DEMO_DAY, now=NOW, project_id="b1f5c0de-0000-4000-8000-000000000002")
    assert other.project_id == "b1f5c0de-0000-4000-8000-000000000002"
    assert all(r["project_id"] == other.project_id for _, r in other)
    assert not set(ids) & {r["id"] for _, r in other}
    assert [r["ref"] for r in other.records[K.ISSUE]] != [r["ref"] for r in first.records[K.ISSUE]]


# --------------------------------------------------------------------------- times


@pytest.mark.parametrize("day", [date(9999, 12, 31), date(1, 1, 1)])
def test_a_demo_day_at_the_ends_of_the_calendar_is_refused_with_a_reason(day: date) -> None:
    with pytest.raises(DemoDayError, match=f"demo day {day.isoformat()} puts some"):
        load_demo(demo_day=day)


def test_default_demo_day_is_today_on_a_weekday_else_next_monday() -> None:
    assert default_demo_day(date(2025, 3, 12)) == date(2025, 3, 12)
    assert default_demo_day(date(2025, 3, 15)) == date(2025, 3, 17)  # Saturday
    assert default_demo_day(date(2025, 3, 16)) == date(2025, 3, 17)  # Sunday


def test_demo_day_defaults_to_today_in_the_project_time_zone() -> None:
    friday_evening_denver = datetime(2025, 3, 14, 20, 0, tzinfo=DENVER)  # Saturday in UTC
    doc = load_demo(now=friday_evening_denver)
    # the demo day is Friday (Denver), not Saturday (UTC): yesterday's wave ported Thursday
    la = next(c for c in doc.records[K.CUTOVER] if c["name"] == "Wave 2 – Los Angeles")
    assert la["starts_at"] == datetime(2025, 3, 13, 11, 30, tzinfo=NY)
    # Friday's 11:30 ET is behind the clock: today's wave ports on the next business day
    foc = next(o for o in doc.records[K.PORT_ORDER] if o["status"] is OrderState.FOC_CONFIRMED)
    assert foc["confirmed_foc"] == datetime(2025, 3, 17, 11, 30, tzinfo=NY)
    doc = load_demo(now=datetime(2025, 3, 15, 12, 0, tzinfo=DENVER))
    foc = next(o for o in doc.records[K.PORT_ORDER] if o["status"] is OrderState.FOC_CONFIRMED)
    assert foc["confirmed_foc"] == datetime(2025, 3, 17, 11, 30, tzinfo=NY)


#: record fields that say when something happened (not when it is planned or due)
HAPPENED = frozenset({
    "done_at", "tested_at", "validated_at", "activated_at", "at", "opened_at",
    "responded_at", "resolved_at", "closed_at", "loa_signed_at", "csr_received_at",
    "address_changed_at", "held_at", "decided_at", "updated_at", "on_hold_since",
})


@pytest.mark.parametrize("weekday", range(7), ids=[
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
@pytest.mark.parametrize("hour", [0, 6, 12, 18, 23])
def test_nothing_the_demo_says_has_happened_lies_in_the_future_on_any_day(
    weekday: int, hour: int,
) -> None:
    # the week of Monday 7 December 2026, at this hour in the project's zone (Denver)
    now = datetime(2026, 12, 7 + weekday, hour, 5, tzinfo=DENVER)
    doc = load_demo(now=now)
    future = [
        (kind.value, name, value.isoformat())
        for kind, records in doc.records.items() for record in records
        for name, value in record.items()
        if name in HAPPENED and isinstance(value, datetime) and value > now
    ]
    assert future == []
    # the story still goes live on a weekday: today's wave, or Monday's from a weekend
    wave_day = max(o["confirmed_foc"] for o in doc.records[K.PORT_ORDER]
                   if o["confirmed_foc"] is not None).astimezone(NY).date()
    assert wave_day.weekday() < 5 and wave_day >= now.astimezone(NY).date() - timedelta(days=1)


def test_a_weekend_demo_day_is_refused() -> None:
    with pytest.raises(ValueError, match="Saturday"):
        load_demo(demo_day=date(2025, 3, 15))


def _tiny(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "project": {
            "key": "tiny",
            "name": "Tiny",
            "customer": "Tiny Co",
            "time_zone": "America/New_York",
        },
        "sites": [{"code": "LAX", "name": "LA", "time_zone": "America/Los_Angeles"}],
        "members": [{"user": "sam", "display_name": "Sam Lee", "role": "engineer"}],
        "verifications": [],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("D+0 11:30 America/New_York", datetime(2025, 3, 17, 11, 30, tzinfo=NY)),
        ("D-2 09:00", datetime(2025, 3, 15, 9, 0, tzinfo=NY)),
        ("B-1 09:00", datetime(2025, 3, 14, 9, 0, tzinfo=NY)),  # Monday minus 1 business day
        ("B+5 17:00 LAX", datetime(2025, 3, 24, 17, 0, tzinfo=ZoneInfo("America/Los_Angeles"))),
        ("D+0 08:15 site", datetime(2025, 3, 17, 8, 15, tzinfo=ZoneInfo("America/Los_Angeles"))),
        ("N-40m", datetime(2025, 3, 17, 10, 0, tzinfo=NY) - timedelta(minutes=40)),
        ("N-1d2h", datetime(2025, 3, 17, 10, 0, tzinfo=NY) - timedelta(days=1, hours=2)),
        ("2025-01-02T03:04:00-05:00", datetime(2025, 1, 2, 3, 4, tzinfo=NY)),
    ],
)
def test_relative_times_resolve_against_the_demo_day(written: str, expected: datetime) -> None:
    entry = {"test_case": "NET-01", "site": "LAX", "result": "pass", "tested_at": written}
    now = datetime(2025, 3, 17, 10, 0, tzinfo=NY)  # a Monday, and today
    doc = load_demo(_tiny(verifications=[entry]), demo_day=date(2025, 3, 17), now=now)
    tested_at = doc.records[K.VERIFICATION][0]["tested_at"]
    assert tested_at == expected
    assert tested_at.tzinfo is UTC


# --------------------------------------------------------------------------- bad data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["numbers"][0].update(site="DNV"), r"numbers\[0\].*unknown site 'DNV'"),
        (lambda d: d["numbers"][0].update(order="NOPE"), r"numbers\[0\].*unknown order"),
        (lambda d: d["numbers"][0].update(range="303-555-0199 - 0100"), r"numbers\[0\].*before"),
        (
            lambda d: d["numbers"].append(
                {"range": "800-555-0150 - 0151", "site": "DEN", "order": "RVP-PO-1001"}
            ),
            r"toll-free",
        ),
        (lambda d: d["sites"][0].update(colour="blue"), r"sites\[0\] \(DEN\).*colour"),
        (
            lambda d: d["checklist"][0].update(due_at="tomorrow"),
            r"checklist\[0\] \(PRJ-01\).*due_at",
        ),
        (lambda d: d["checklist"][1].update(predecessors=["XYZ-99"]), r"PRJ-02.*XYZ-99"),
        (
            lambda d: d["checklist"][0].update(predecessors=["PRJ-03"]),
            r"cycle: PRJ-01 -> PRJ-03 -> PRJ-02 -> PRJ-01",
        ),
        (lambda d: d["checklist"][0].update(assignee="Nobody Known"), r"not a project member"),
        (lambda d: d["port_orders"][3].pop("rejection_code"), r"RVP-PO-1004.*rejection_code"),
        (lambda d: d["verifications"][0].update(test_case="NET-99"), r"unknown test case"),
        (lambda d: d["issues"][0].update(priority="P9"), r"issues\[0\] \(LAX-MAIN-BUSY\)"),
        (lambda d: d["issues"][1].pop("hold_reason"), r"on_hold issue needs hold_reason"),
        (lambda d: d["issue_notes"][0].update(issue="NOPE"), r"unknown issue key NOPE"),
        (lambda d: d["project"].update(time_zone="Mars/Olympus"), r"project.*Mars/Olympus"),
        (lambda d: d.update(extra=[]), r"unknown section extra"),
    ],
)
def test_bad_fixture_data_is_refused_naming_the_record(
    raw_fixture: dict[str, Any], mutate: Any, message: str
) -> None:
    data = copy.deepcopy(raw_fixture)
    mutate(data)
    with pytest.raises(ValueError, match=message) as caught:
        load_demo(data, demo_day=DEMO_DAY, now=NOW)
    assert str(caught.value).startswith("fixture data: ")


def test_an_unreadable_fixture_file_names_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "demo-go-live.json"
    bad.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(resources, "demo_fixture_path", lambda: bad)
    with pytest.raises(ValueError, match=r"demo-go-live\.json: not valid JSON at line 1"):
        load_demo(demo_day=DEMO_DAY)


# --------------------------------------------------------------------------- generator


@pytest.fixture(scope="module")
def large() -> ProjectDocument:
    return generate_project(100_000, demo_day=DEMO_DAY, now=NOW)


def test_generate_100k_numbers_unique_and_valid(large: ProjectDocument) -> None:
    doc = large
    numbers = doc.records[K.NUMBER]
    e164s = [n["e164"] for n in numbers]
    assert len(e164s) == 100_000 == len(set(e164s))
    rng = random.Random(1)
    for e164 in rng.sample(e164s, 500):
        parsed = phonenumbers.parse(e164)
        assert phonenumbers.is_valid_number(parsed), e164
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == e164
        assert e164[5:8] != "555"


def test_generated_numbers_are_complete_valid_records(large: ProjectDocument) -> None:
    doc = large
    for record in random.Random(2).sample(doc.records[K.NUMBER], 200):
        assert validate_record(K.NUMBER, record) == record


def test_generated_orders_hold_at_most_100_numbers_in_every_state(
    large: ProjectDocument,
) -> None:
    doc = large
    orders = doc.records[K.PORT_ORDER]
    sizes = Counter(n["order_id"] for n in doc.records[K.NUMBER])
    assert set(sizes) == {o["id"] for o in orders}
    assert max(sizes.values()) <= 100
    assert {o["status"] for o in orders} == set(OrderState) - {
        OrderState.ACTIVATION_FAILED, OrderState.SNAPPED_BACK}
    assert {n["porting_state"] for n in doc.records[K.NUMBER]} == set(PortState)
    assert any(o["toll_free"] for o in orders)
    sites = {s["id"] for s in doc.records[K.SITE]}
    assert {n["site_id"] for n in doc.records[K.NUMBER]} <= sites
    for number in doc.records[K.NUMBER]:
        rejected = number["porting_state"] in (PortState.REJECTED, PortState.NOT_PORTABLE)
        assert (number["rejection_code"] is not None) == rejected


def test_generated_project_has_data_for_every_screen(large: ProjectDocument) -> None:
    doc = large
    assert doc.count(K.SITE) == 5
    assert {i["phase"] for i in doc.records[K.CHECKLIST_ITEM]} == set(LifecyclePhase)
    assert {m["phase"] for m in doc.records[K.MILESTONE]} == set(LifecyclePhase)
    assert {i["priority"] for i in doc.records[K.ISSUE]} == set(Priority)
    assert doc.count(K.VERIFICATION) > 0 and doc.count(K.MEMBER) > 0
    result = evaluate_gate(
        checklist=models(doc, K.CHECKLIST_ITEM),
        orders=models(doc, K.PORT_ORDER),
        sites=models(doc, K.SITE),
        issues=models(doc, K.ISSUE),
    )
    assert not result.ready


def test_generate_is_deterministic_and_seeded() -> None:
    a = generate_project(1_000, demo_day=DEMO_DAY, now=NOW)
    b = generate_project(1_000, demo_day=DEMO_DAY, now=NOW)
    c = generate_project(1_000, seed=8, demo_day=DEMO_DAY, now=NOW)
    assert list(a) == list(b)
    assert [n["e164"] for n in a.records[K.NUMBER]] != [n["e164"] for n in c.records[K.NUMBER]]


def test_generate_with_few_orders_makes_project_ports() -> None:
    doc = generate_project(250, orders=2, sites=3, demo_day=DEMO_DAY, now=NOW)
    assert doc.count(K.NUMBER) == 250
    assert doc.count(K.PORT_ORDER) == 2
    assert all("Project port" in o["notes"] for o in doc.records[K.PORT_ORDER])
    assert len({s["time_zone"] for s in doc.records[K.SITE]}) == 3
