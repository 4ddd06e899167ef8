"""What closing a project waits for, and who owns the open issues handed to support."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from golive_tui.domain.closure import check_lifecycle_finished, closure_gaps, issue_owners
from golive_tui.domain.enums import EntityKind
from golive_tui.domain.errors import IllegalTransition
from golive_tui.seed import load_demo
from golive_tui.store.local import LocalStore

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)

ACCEPT = {"signoff_kind": "acceptance", "by": "mpoc", "at": "2026-12-07T10:00:00+00:00"}
ACK = {"signoff_kind": "handoff_ack", "by": "desk", "at": "2026-12-07T12:00:00+00:00"}
HANDOFF = {"at": "2026-12-07T11:00:00+00:00",
           "open_issues": [{"issue_id": "i1", "owner": "eng"}, {"issue_id": "i2", "owner": "ipm"}]}


def test_nothing_done_lists_every_gap_in_order() -> None:
    assert closure_gaps([], [], []) == [
        "the customer's acceptance sign-off", "the customer's feedback",
        "the hand-off to support",
    ]


def test_a_handoff_waits_for_support_to_acknowledge_it() -> None:
    assert closure_gaps([ACCEPT], [{"score": 4}], [HANDOFF]) == [
        "support's acknowledgement of the hand-off"]
    assert closure_gaps([ACCEPT, ACK], [{"score": 4}], [HANDOFF]) == []


def test_open_issues_pass_to_support_when_it_acknowledges() -> None:
    assert issue_owners([], [ACK]) == {}
    assert issue_owners([HANDOFF], [ACCEPT]) == {"i1": "eng", "i2": "ipm"}
    assert issue_owners([HANDOFF], [ACCEPT, ACK]) == {"i1": "desk", "i2": "desk"}


REASON = "The customer's sponsor accepted by email; the fax line goes to support"


def test_closing_the_project_closes_its_lifecycle_in_one_push(tmp_path: Path) -> None:
    """From go-live the close records a closed event for go-live, hypercare and
    Acceptance & closure, moves the project to the last phase and closes it; a refused
    close writes none of it."""
    store = LocalStore(tmp_path / "cache.db", actor="avery.brooks", clock=lambda: NOW)
    store.write_document(load_demo(demo_day=NOW.date(), now=NOW))
    before = len(store.phase_events())
    with pytest.raises(IllegalTransition, match="four words"):
        store.close_project("fine")
    assert len(store.phase_events()) == before
    project = store.project()
    assert project is not None and project.phase == "go_live" and project.closed_at is None
    store.close_project(REASON)
    events = sorted(store.phase_events(),
                    key=lambda e: e.phase.number)[-3:]
    assert [(e.phase, e.action, e.reason) for e in events] == [
        (phase, "closed", REASON) for phase in ("go_live", "hypercare", "acceptance")]
    assert len(store.phase_events()) == before + 3
    project = store.project()
    assert project is not None and project.phase == "acceptance"
    assert project.closed_at is not None and project.close_reason == REASON
    store.close()


def test_a_project_not_in_its_last_phase_does_not_close() -> None:
    facts = _Facts([])
    with pytest.raises(IllegalTransition, match="is in Phase 5/7 Go-live"):
        check_lifecycle_finished({"phase": "go_live"}, facts)
    with pytest.raises(IllegalTransition, match="Acceptance & closure is closed"):
        check_lifecycle_finished({"phase": "acceptance"}, facts)
    check_lifecycle_finished({"phase": "acceptance"}, _Facts(
        [{"id": "e1", "phase": "acceptance", "action": "closed", "at": NOW}]))


class _Facts:
    role = None

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events

    def records(self, kind: EntityKind, ids: Any) -> dict[str, Any]:
        return {}

    def find(self, kind: EntityKind, **equal: Any) -> Sequence[dict[str, Any]]:
        return self.events if kind is EntityKind.PHASE_EVENT else []


MPOC = {"name": "Dana Whitfield", "role": "mpoc", "user": "dana"}
CONTACT = {"name": "Omar Haddad", "role": "customer_contact", "user": "omar"}


def test_only_the_customers_main_contact_signs_the_acceptance() -> None:
    from golive_tui.domain.closure import acceptance_problem
    from golive_tui.domain.enums import Role

    people = [MPOC, CONTACT]
    assert acceptance_problem(Role.CUSTOMER, "dana", people) is None
    assert "Only the customer's main contact (Dana Whitfield)" in str(
        acceptance_problem(Role.CUSTOMER, "omar", people))
    assert "cannot sign it for them" in str(acceptance_problem(Role.IPM, "ipm", people))
    assert "names no main point of contact" in str(
        acceptance_problem(Role.CUSTOMER, "omar", [CONTACT]))
    assert "has no sign-in" in str(
        acceptance_problem(Role.CUSTOMER, "dana", [{**MPOC, "user": ""}]))
    assert acceptance_problem(None, "admin", []) is None, "the server's own commands"


def test_support_takes_over_the_open_issues_of_the_latest_package() -> None:
    from golive_tui.domain.closure import issues_taken_over

    issues = [{"id": "i1", "state": "in_progress", "assignee": "eng"},
              {"id": "i2", "state": "resolved", "assignee": "desk"},
              {"id": "i3", "state": "closed", "assignee": "eng"},
              {"id": "i4", "state": "new", "assignee": ""}]
    package = {"at": "2026-12-07T11:00:00+00:00",
               "open_issues": [{"issue_id": i, "owner": "x"} for i in ("i1", "i2", "i3")]}
    assert issues_taken_over([package], issues, "desk") == ["i1"], (
        "closed since, already theirs, or not in the package: left as they are")
    assert issues_taken_over([], issues, "desk") == []


def test_an_acceptance_signed_after_the_hand_off_still_lists_its_exceptions() -> None:
    from golive_tui.domain.closure import accepted_exceptions

    signed = {**ACCEPT, "exceptions": ["Fax line at DEN", "Paging at LAX"]}
    assert accepted_exceptions([signed], ["Fax line at DEN"]) == [
        "Fax line at DEN", "Paging at LAX"]
    assert accepted_exceptions([ACK], []) == []
