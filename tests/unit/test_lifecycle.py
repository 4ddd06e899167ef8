"""The lifecycle: milestones' status from their dates, a phase's exit criteria, closing and
reopening phases, and the project's phase following its log (through the cache's store)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from golive_tui.domain import lifecycle
from golive_tui.domain.enums import (
    EntityKind,
    LifecyclePhase,
    MilestoneStatus,
    PhaseAction,
    Role,
)
from golive_tui.domain.errors import IllegalTransition, PermissionDenied, ValidationFailed
from golive_tui.domain.project_doc import ProjectDocument
from golive_tui.resources import demo_fixture_path
from golive_tui.seed import load_demo
from golive_tui.store.local import LocalStore

K = EntityKind
P = LifecyclePhase
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
DEMO_DAY = date(2026, 12, 7)
REASON = "New York readiness carried into go-live week, agreed with the MPOC"


def milestone(**fields: object) -> dict[str, object]:
    return {"phase": "go_live", "name": "Go-live", **fields}


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, MilestoneStatus.PLANNED),
        ({"due_at": NOW + timedelta(days=2)}, MilestoneStatus.ON_TRACK),
        ({"due_at": NOW + timedelta(days=2), "forecast_at": NOW + timedelta(days=4)},
         MilestoneStatus.AT_RISK),
        ({"due_at": NOW - timedelta(hours=1)}, MilestoneStatus.LATE),
        # a forecast that has passed is late even when the plan is still ahead
        ({"due_at": NOW + timedelta(days=1), "forecast_at": NOW - timedelta(hours=1)},
         MilestoneStatus.LATE),
        # a forecast ahead keeps a passed plan from being late: it is at risk
        ({"due_at": NOW - timedelta(days=1), "forecast_at": NOW + timedelta(days=1)},
         MilestoneStatus.AT_RISK),
        ({"due_at": NOW - timedelta(days=3), "done_at": NOW - timedelta(days=1)},
         MilestoneStatus.DONE),
    ],
)
def test_a_milestones_status_follows_from_its_dates(
    fields: dict[str, object], status: MilestoneStatus
) -> None:
    assert lifecycle.milestone_status(milestone(**fields), NOW) is status


def test_exit_criteria_are_the_phases_milestones_done_and_its_items_closed() -> None:
    milestones = [milestone(done_at=NOW), milestone(name="Pilot"),
                  milestone(phase="hypercare", name="Hypercare ends")]
    checklist = [
        {"key": "GL-01", "phase": "go_live", "status": "done"},
        {"key": "GL-02", "phase": "go_live", "status": "skipped"},
        {"key": "GL-03", "phase": "go_live", "status": "blocked"},
        {"key": "HC-01", "phase": "hypercare", "status": "todo"},
    ]
    unmet = lifecycle.unmet_criteria(P.GO_LIVE, milestones, checklist)
    assert [str(c) for c in unmet] == ["Milestone Pilot: not done", "Checklist GL-03: blocked"]
    assert len(lifecycle.exit_criteria(P.GO_LIVE, milestones, checklist)) == 5


def test_a_phases_overdue_items_are_its_open_ones_past_due() -> None:
    checklist: list[dict[str, Any]] = [
        {"key": "GL-01", "phase": "go_live", "status": "todo", "due_at": NOW - timedelta(hours=1)},
        {"key": "GL-02", "phase": "go_live", "status": "done", "due_at": NOW - timedelta(days=1)},
        {"key": "GL-03", "phase": "go_live", "status": "blocked", "due_at": NOW + timedelta(hours=1)},
        {"key": "GL-04", "phase": "go_live", "status": "in_progress", "due_at": None},
        {"key": "HC-01", "phase": "hypercare", "status": "todo", "due_at": NOW - timedelta(days=1)},
    ]
    assert [i["key"] for i in lifecycle.overdue_items(P.GO_LIVE, checklist, NOW)] == ["GL-01"]


def test_the_log_says_where_the_project_is() -> None:
    events = [
        {"id": "1", "phase": "ipm_assigned", "action": "closed", "at": NOW},
        {"id": "2", "phase": "initial_setup", "action": "closed", "at": NOW},
        {"id": "3", "phase": "kickoff", "action": "closed", "at": NOW + timedelta(hours=1)},
        {"id": "4", "phase": "initial_setup", "action": "reopened",
         "at": NOW + timedelta(hours=2)},
    ]
    assert lifecycle.phase_from_log(events) is P.INITIAL_SETUP
    # closing it again skips the kickoff, which stayed closed
    assert lifecycle.phase_after_close(P.INITIAL_SETUP, events) is P.IMPLEMENTATION
    assert lifecycle.phase_from_log([]) is None
    assert lifecycle.phase_text(P.GO_LIVE) == "Phase 5/7 Go-live"


# ----------------------------------------------------------------------------- the store


@pytest.fixture(scope="module")
def demo() -> ProjectDocument:
    return load_demo(demo_day=DEMO_DAY)


def open_store(tmp_path: Path, demo: ProjectDocument, role: Role) -> LocalStore:
    cache = LocalStore(tmp_path / f"{role.value}.cache", actor=f"a.{role.value}", role=role)
    cache.write_document(demo)
    return cache


@pytest.fixture
def ipm(tmp_path: Path, demo: ProjectDocument) -> Iterator[LocalStore]:
    cache = open_store(tmp_path, demo, Role.IPM)
    yield cache
    cache.close()


def phase_of(store: LocalStore) -> P:
    project = store.project()
    assert project is not None
    return P(project.phase)


def test_the_demo_has_closed_its_first_four_phases_and_is_in_go_live(ipm: LocalStore) -> None:
    events = [e.model_dump() for e in ipm.phase_events()]
    assert [e["phase"] for e in events] == [p.value for p in lifecycle.PHASES[:4]]
    assert lifecycle.phase_from_log(events) is P.GO_LIVE is phase_of(ipm)
    # implementation was closed by the IPM over what New York still had open
    implementation = events[-1]
    assert implementation["unmet"] and len(implementation["reason"]) > 20


def test_closing_over_unmet_criteria_needs_a_reason_and_records_what_was_unmet(
    ipm: LocalStore,
) -> None:
    with pytest.raises(ValidationFailed, match=r"Closing Go-live with \d+ exit criteria unmet"):
        ipm.close_phase(P.GO_LIVE, "ok")
    assert phase_of(ipm) is P.GO_LIVE and len(ipm.phase_events()) == 4

    event = ipm.close_phase(P.GO_LIVE, REASON)
    assert event["by"] == "a.ipm" and "Checklist GL-04: todo" in event["unmet"]
    assert phase_of(ipm) is P.HYPERCARE


def test_only_the_current_phase_closes_and_only_a_closed_one_reopens(ipm: LocalStore) -> None:
    with pytest.raises(IllegalTransition, match="Only the current phase closes"):
        ipm.close_phase(P.HYPERCARE, REASON)
    with pytest.raises(IllegalTransition, match="already closed"):
        ipm.close_phase(P.KICKOFF, REASON)
    with pytest.raises(IllegalTransition, match="nothing to reopen"):
        ipm.reopen_phase(P.HYPERCARE, REASON)
    with pytest.raises(ValidationFailed, match="Reopening Kickoff needs a reason"):
        ipm.reopen_phase(P.KICKOFF, "")


def test_reopening_takes_the_project_back_and_closing_again_forward(ipm: LocalStore) -> None:
    ipm.reopen_phase(P.IMPLEMENTATION, "Paging at Chelsea must be rebuilt before go-live")
    assert phase_of(ipm) is P.IMPLEMENTATION
    assert not lifecycle.is_closed(P.IMPLEMENTATION, [e.model_dump() for e in ipm.phase_events()])
    ipm.close_phase(P.IMPLEMENTATION, REASON)
    assert phase_of(ipm) is P.GO_LIVE


def test_the_project_phase_moves_only_as_the_log_says(ipm: LocalStore) -> None:
    project = ipm.project()
    assert project is not None
    with pytest.raises(IllegalTransition, match="Close Go-live first"):
        ipm.transition_record(K.PROJECT, project.id, "hypercare")
    with pytest.raises(IllegalTransition, match="Reopen Kickoff first"):
        ipm.transition_record(K.PROJECT, project.id, "kickoff")
    with pytest.raises(ValidationFailed, match="changes through a transition"):
        ipm.update_record(K.PROJECT, project.id, phase="hypercare")


def test_an_engineer_cannot_close_a_phase(tmp_path: Path, demo: ProjectDocument) -> None:
    engineer = open_store(tmp_path, demo, Role.ENGINEER)
    try:
        with pytest.raises(PermissionDenied, match="may not append a phase event"):
            engineer.close_phase(P.GO_LIVE, REASON)
        assert phase_of(engineer) is P.GO_LIVE
    finally:
        engineer.close()


def test_a_change_request_is_decided_once_with_a_reason(ipm: LocalStore) -> None:
    cr = ipm.create_record(K.CHANGE_REQUEST, title="Zoom fax at Denver", impact="a quote")
    assert cr["state"] == "proposed"
    with pytest.raises(IllegalTransition, match="needs the reason"):
        ipm.transition_record(K.CHANGE_REQUEST, cr["id"], "rejected")
    decided = ipm.transition_record(K.CHANGE_REQUEST, cr["id"], "rejected",
                                    reason="Out of scope; quote separately")
    assert decided is not None and decided["decided_by"] == "a.ipm"
    with pytest.raises(IllegalTransition, match="Rejected is final"):
        ipm.transition_record(K.CHANGE_REQUEST, cr["id"], "approved", reason="changed our mind")


def test_people_and_scope_refer_to_the_projects_stakeholders(ipm: LocalStore) -> None:
    with pytest.raises(ValidationFailed, match="owner names no stakeholder"):
        ipm.create_record(K.RAID_ITEM, title="Carrier freeze", owner="nobody")
    with pytest.raises(ValidationFailed, match="not an e-mail address"):
        ipm.create_record(K.STAKEHOLDER, name="Omar", email="omar at ridgeline")
    person = ipm.create_record(K.STAKEHOLDER, name="Ana Ruiz", role="support",
                               phone="(303) 555-0166", escalation_level=2)
    assert person["phone"] == "+13035550166"
    action = ipm.create_record(K.ACTION_ITEM, title="Hand-off call", owner=person["id"])
    done = ipm.transition_record(K.ACTION_ITEM, action["id"], "done")
    assert done is not None and done["done_at"] is not None


def test_a_fixture_whose_log_disagrees_with_its_phase_is_refused() -> None:
    data = json.loads(demo_fixture_path().read_text(encoding="utf-8"))
    data["project"] = {**data["project"], "phase": "hypercare"}
    with pytest.raises(ValueError, match="the log leaves the project in Phase 5/7 Go-live"):
        load_demo(data, demo_day=DEMO_DAY, now=NOW)


def test_phase_events_are_append_only(ipm: LocalStore) -> None:
    event = ipm.phase_events()[0]
    with pytest.raises(ValidationFailed, match="append-only"):
        ipm.update_record(K.PHASE_EVENT, event.id, reason="rewritten")
    assert PhaseAction(ipm.phase_events()[0].action) is PhaseAction.CLOSED
