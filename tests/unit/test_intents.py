"""Typed commands on a real cache of the demo: each does what a screen asks for through one
code path, and its outcome names the kinds of record it changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from golive_tui.domain.enums import EntityKind, IssueState, PortState, VerificationResult
from golive_tui.domain.errors import ValidationFailed
from golive_tui.seed import load_demo
from golive_tui.store.intents import (
    LogVerification,
    MoveIssue,
    MoveNumbers,
    SaveRecord,
    TakeIssue,
)
from golive_tui.store.local import LocalStore
from golive_tui.store.queries import NumberQuery
from golive_tui.store.tables import IssueRow, NumberRow

K = EntityKind
ENGINEER = "mateo.garcia"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    cache = LocalStore(tmp_path / "golive.cache", actor=ENGINEER)
    cache.write_document(load_demo(demo_day=date(2026, 11, 26)))
    yield cache
    cache.close()


def test_saving_a_record_creates_then_updates_it_and_says_its_kind_changed(
    store: LocalStore,
) -> None:
    created = store.execute(SaveRecord(K.CUTOVER, None, {"name": "Wave 9 – Reno"}))
    assert created.changed == frozenset({K.CUTOVER})
    assert created.value is not None
    cutover_id = str(created.value["id"])
    updated = store.execute(SaveRecord(K.CUTOVER, cutover_id, {"name": "Wave 9 – Sparks"}))
    assert updated.value is not None and updated.value["name"] == "Wave 9 – Sparks"
    assert [c.name for c in store.cutovers() if c.id == cutover_id] == ["Wave 9 – Sparks"]


def test_taking_an_issue_makes_it_mine_in_progress_and_taking_it_again_is_refused(
    store: LocalStore,
) -> None:
    issue = next(i for i in store.issues() if i.state is IssueState.NEW)
    outcome = store.execute(TakeIssue(issue.id, issue.ref, ENGINEER))
    assert outcome.changed == frozenset({K.ISSUE, K.ISSUE_NOTE})
    taken = store.get(IssueRow, issue.id)
    assert taken is not None
    assert (taken.state, taken.assignee) == (IssueState.IN_PROGRESS, ENGINEER)
    with pytest.raises(ValidationFailed, match="already yours"):
        store.execute(TakeIssue(issue.id, issue.ref, ENGINEER))


def test_an_issue_put_on_hold_carries_the_reason_it_was_given(store: LocalStore) -> None:
    issue = next(i for i in store.issues() if i.state is IssueState.NEW)
    store.execute(MoveIssue(issue.id, IssueState.IN_PROGRESS))
    store.execute(MoveIssue(issue.id, IssueState.ON_HOLD, {"reason": "awaiting customer"}))
    held = store.get(IssueRow, issue.id)
    assert held is not None
    assert (held.state, held.hold_reason) == (IssueState.ON_HOLD, "awaiting customer")


def test_moving_the_numbers_of_a_filter_moves_exactly_those(store: LocalStore) -> None:
    project = store.project()
    assert project is not None
    query = NumberQuery(project.id, states=frozenset({PortState.DRAFT}))
    matching = store.number_ids(query)
    assert matching, "the demo has numbers still in draft"
    outcome = store.execute(MoveNumbers(None, query, PortState.LOA_PENDING))
    assert outcome.changed == frozenset({K.NUMBER})
    assert sorted(outcome.value.applied) == sorted(matching)
    assert store.number_ids(query) == []
    moved = store.get(NumberRow, matching[0])
    assert moved is not None and moved.porting_state is PortState.LOA_PENDING


def test_a_test_logged_against_another_sites_number_is_refused(store: LocalStore) -> None:
    sites = store.sites()
    number = next(n for n in store.iter_records(K.NUMBER) if n.get("site_id"))
    other = next(s for s in sites if s.id != number["site_id"])
    codes = {s.id: s.code for s in sites}
    asked = LogVerification(
        "DID", number_scoped=True, result=VerificationResult.PASS, site_id=other.id,
        site_code=other.code, e164=str(number["e164"]), expect_site=other.id,
        site_codes=codes,
    )
    with pytest.raises(ValidationFailed, match=f"not a {other.code} number"):
        store.execute(asked)
    logged = store.execute(LogVerification(
        "DID", number_scoped=True, result=VerificationResult.PASS, site_id=None,
        site_code="", e164=str(number["e164"]), expect_site=None, site_codes=codes,
    ))
    assert logged.changed == frozenset({K.VERIFICATION})
    assert (logged.value["target"], logged.value["site_id"]) == (
        number["e164"], number["site_id"])
