"""The on-site verification plan (DOMAIN.md §5) and the current result of each test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

# imported as a module: its ``test_case`` function would otherwise be collected as a test
from golive_tui.domain import test_plan as plan
from golive_tui.domain.enums import IssueCategory, NumberType, Priority, VerificationResult

PASS = VerificationResult.PASS
FAIL = VerificationResult.FAIL
T0 = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)

#: the test ids of DOMAIN.md §5, copied by hand
DOMAIN_TEST_IDS = {
    "NET-01", "NET-02", "DID", "OUT-01", "E911-01", "E911-02", "AR", "CQ-01", "VM-01",
    "XFER", "CAP-01", "PAGE-01", "FAX-01", "CLI-01",
}


@dataclass(frozen=True)
class Entry:
    test_case: str
    target: str
    result: VerificationResult
    tested_at: datetime
    note: str = ""
    #: when it was recorded (None: recorded together with the others)
    updated_at: datetime | None = None


def test_plan_holds_every_test_of_the_domain_and_nothing_else() -> None:
    codes = [case.code for case in plan.PLAN]
    assert len(codes) == len(set(codes)), "a test id appears twice"
    assert set(codes) == DOMAIN_TEST_IDS


def test_did_is_the_only_test_run_per_number() -> None:
    assert {case.code for case in plan.PLAN if case.scope == "number"} == {"DID"}


def test_every_test_says_what_is_expected() -> None:
    assert all(case.expected and case.name for case in plan.PLAN)


@pytest.mark.parametrize("code", ["E911-01", "E911-02"])
def test_a_failed_911_test_is_p1(code: str) -> None:
    assert plan.priority_for_failure(code) is Priority.P1


def test_failed_911_tests_open_issues_in_the_911_categories() -> None:
    assert plan.TEST_CASES["E911-01"].category is IssueCategory.E911_ADDRESS
    assert plan.TEST_CASES["E911-02"].category is IssueCategory.EMERGENCY_NOTIFICATION


def test_a_failed_did_on_the_main_number_is_p1() -> None:
    assert plan.priority_for_failure("DID", NumberType.MAIN) is Priority.P1


@pytest.mark.parametrize("number_type", [NumberType.DID, NumberType.FAX, None])
def test_a_failed_did_on_another_number_is_not_p1(number_type: NumberType | None) -> None:
    assert plan.priority_for_failure("DID", number_type) is Priority.P2


def test_a_failed_voicemail_test_is_p3() -> None:
    assert plan.priority_for_failure("VM-01") is Priority.P3


def test_test_ids_are_found_whatever_their_case() -> None:
    assert plan.priority_for_failure("e911-02") is Priority.P1


def test_an_unknown_test_id_is_refused_listing_the_plan() -> None:
    with pytest.raises(ValueError, match="unknown test case 'E911-03'") as refused:
        plan.priority_for_failure("E911-03")
    assert "E911-01" in str(refused.value)
    assert "CLI-01" in str(refused.value)


# ----------------------------------------------------------------------------- latest results


def test_a_retest_that_passes_after_a_fail_is_the_current_result() -> None:
    fail = Entry("E911-01", "DEN", FAIL, T0, "wrong floor announced")
    retest = Entry("E911-01", "DEN", PASS, T0 + timedelta(minutes=20))
    assert plan.latest_results([fail, retest]) == {("E911-01", "DEN"): retest}


def test_the_latest_entry_wins_whatever_order_the_log_was_read_in() -> None:
    fail = Entry("E911-01", "DEN", FAIL, T0)
    retest = Entry("E911-01", "DEN", PASS, T0 + timedelta(minutes=20))
    assert plan.latest_results([retest, fail])[("E911-01", "DEN")] is retest


def test_a_later_fail_overrides_an_earlier_pass() -> None:
    ok = Entry("DID", "+13035550100", PASS, T0)
    broke = Entry("DID", "+13035550100", FAIL, T0 + timedelta(hours=1))
    assert plan.latest_results([ok, broke])[("DID", "+13035550100")] is broke


def test_each_test_and_target_keeps_its_own_result() -> None:
    entries = [
        Entry("E911-01", "DEN", PASS, T0),
        Entry("E911-01", "CHI", FAIL, T0 + timedelta(minutes=1)),
        Entry("E911-02", "DEN", FAIL, T0 + timedelta(minutes=2)),
        Entry("DID", "+13035550100", PASS, T0 + timedelta(minutes=3)),
        Entry("DID", "+13035550101", FAIL, T0 + timedelta(minutes=4)),
        Entry("DID", "+13035550101", PASS, T0 + timedelta(minutes=9)),
    ]
    latest = plan.latest_results(entries)
    assert {key: entry.result for key, entry in latest.items()} == {
        ("E911-01", "DEN"): PASS,
        ("E911-01", "CHI"): FAIL,
        ("E911-02", "DEN"): FAIL,
        ("DID", "+13035550100"): PASS,
        ("DID", "+13035550101"): PASS,
    }


def test_a_retest_logged_in_the_same_instant_wins_because_the_log_appends() -> None:
    fail = Entry("CAP-01", "DEN lobby", FAIL, T0)
    retest = Entry("CAP-01", "DEN lobby", PASS, T0)
    assert plan.latest_results([fail, retest])[("CAP-01", "DEN lobby")] is retest


def test_the_most_recently_recorded_entry_wins_over_one_with_a_later_clock_time() -> None:
    # a retest logged at 10:20, then a call made at 10:05 logged late at 10:30 (its tester
    # gave the time of the call): the log's newest word is the one recorded last
    retest = Entry("NET-02", "NYC", PASS, T0 + timedelta(minutes=20),
                   updated_at=T0 + timedelta(minutes=20))
    late = Entry("NET-02", "NYC", FAIL, T0 + timedelta(minutes=5),
                 updated_at=T0 + timedelta(minutes=30))
    assert plan.latest_results([retest, late])[("NET-02", "NYC")] is late
    assert plan.latest_results([late, retest])[("NET-02", "NYC")] is late


def test_no_entries_no_results() -> None:
    assert plan.latest_results([]) == {}
