"""The cutover runbook's rules (dependencies, the go / no-go checkpoint, the point of no
return, rollback steps before going live, rehearsal apart from live) and its readings."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from golive_tui.domain.enums import EntityKind as K
from golive_tui.domain.enums import OpAction as A
from golive_tui.domain.enums import StepRunState
from golive_tui.domain.errors import IllegalTransition, ValidationFailed
from golive_tui.domain.ops import Op, apply_op, new_id
from golive_tui.domain.rules import RecordFacts, gate_of
from golive_tui.domain.runbook import step_views, whats_next
from golive_tui.seed.fixture import load_demo

DEMO_DAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
_seq = itertools.count(1)
Record = dict[str, Any]


class Project:
    """The demo project's records, changed only through apply_op with its own facts."""

    def __init__(self) -> None:
        self.doc = load_demo(demo_day=DEMO_DAY, now=NOW)
        self.facts = RecordFacts(records={k: [dict(r) for r in rs]
                                          for k, rs in self.doc.records.items()})
        self.facts.add(K.PROJECT, dict(self.doc.project))

    def get(self, kind: K, record_id: str) -> Record:
        return dict(self.facts.records(kind, [record_id])[record_id])

    def apply(self, kind: K, action: A, entity_id: str, **fields: Any) -> Record:
        current = None if action in (A.CREATE, A.APPEND) else self.get(kind, entity_id)
        op = Op(client_id="laptop", client_seq=next(_seq), entity=kind, entity_id=entity_id,
                action=action, fields=fields, client_time=NOW)
        new = apply_op(current, op, project_id=self.doc.project_id, actor="marisol.rivera",
                       now=NOW, facts=self.facts)
        assert new is not None
        if current is None:
            self.facts.add(kind, new)
        else:
            stored = self.facts.records(kind, [entity_id])[entity_id]
            stored.clear()
            stored.update(new)
        return new

    def wave(self, name: str) -> Record:
        return next(c for c in self.doc.records[K.CUTOVER] if c["name"].startswith(name))

    def step(self, wave: str, title: str) -> Record:
        cutover = self.wave(wave)
        return next(s for s in self.facts.find(K.RUNBOOK_STEP, cutover_id=cutover["id"])
                    if s["title"].startswith(title))

    def run(self, wave: str, kind: str) -> str:
        run_id = new_id()
        self.apply(K.RUNBOOK_RUN, A.CREATE, run_id, cutover_id=self.wave(wave)["id"],
                   run_kind=kind)
        return run_id

    def timing(self, run_id: str, wave: str, title: str) -> str:
        step = self.step(wave, title)
        found = self.facts.find(K.RUNBOOK_STEP_RUN, run_id=run_id, step_id=step["id"])
        if found:
            return str(found[0]["id"])
        timing_id = new_id()
        self.apply(K.RUNBOOK_STEP_RUN, A.CREATE, timing_id, run_id=run_id, step_id=step["id"])
        return timing_id

    def move(self, run_id: str, wave: str, title: str, to: str, **extra: Any) -> Record:
        return self.apply(K.RUNBOOK_STEP_RUN, A.TRANSITION, self.timing(run_id, wave, title),
                          to=to, **extra)

    def finish(self, run_id: str, wave: str, *titles: str) -> None:
        for title in titles:
            self.move(run_id, wave, title, "in_progress")
            self.move(run_id, wave, title, "done")


@pytest.fixture
def project() -> Project:
    return Project()


def test_a_step_waits_for_its_dependencies_in_its_own_run(project: Project) -> None:
    live = project.run("Wave 4", "live")
    with pytest.raises(IllegalTransition, match="waits for 'Change freeze"):
        project.move(live, "Wave 4", "FOC re-confirmed", "in_progress")
    # a rehearsal's done step does not open the live run's
    rehearsal = project.run("Wave 4", "rehearsal")
    project.finish(rehearsal, "Wave 4", "Change freeze")
    with pytest.raises(IllegalTransition, match="waits for"):
        project.move(live, "Wave 4", "FOC re-confirmed", "in_progress")
    project.finish(live, "Wave 4", "Change freeze")
    started = project.move(live, "Wave 4", "FOC re-confirmed", "in_progress")
    assert started["state"] == StepRunState.IN_PROGRESS
    assert started["started_at"] == NOW and started["by"] == "marisol.rivera"


def test_a_skipped_dependency_opens_the_step_only_with_a_reason(project: Project) -> None:
    run = project.run("Wave 4", "rehearsal")
    with pytest.raises(IllegalTransition, match="needs a comment"):
        project.move(run, "Wave 4", "Change freeze", "skipped")
    skipped = project.move(run, "Wave 4", "Change freeze", "skipped",
                           comment="No MACDs at Chicago this month")
    assert skipped["note"] == "No MACDs at Chicago this month"
    assert project.move(run, "Wave 4", "FOC re-confirmed", "in_progress")["state"] == "in_progress"


def _to_checkpoint(project: Project, run: str) -> None:
    project.finish(run, "Wave 4", "Change freeze", "FOC re-confirmed", "Desk phones",
                   "933 test from each", "Test calls", "Customer co-sign")
    project.move(run, "Wave 4", "Go / no-go", "in_progress")


def test_the_checkpoint_completes_only_on_go(project: Project) -> None:
    run = project.run("Wave 4", "live")
    _to_checkpoint(project, run)
    with pytest.raises(IllegalTransition, match="gate is not GO"):
        project.move(run, "Wave 4", "Go / no-go", "done")
    wave = project.wave("Wave 4")
    project.apply(K.DECISION, A.APPEND, new_id(), decision="no_go", cutover_id=wave["id"],
                  reason="Comcast has not accepted the address")
    with pytest.raises(IllegalTransition, match="last call recorded for this cutover is NO_GO"):
        project.move(run, "Wave 4", "Go / no-go", "done")
    unmet = [str(c) for c in gate_of(project.facts, wave["id"]).unmet]
    project.facts.by_kind[K.DECISION][-1]["at"] = NOW - timedelta(minutes=5)
    project.apply(K.DECISION, A.APPEND, new_id(), decision="go", cutover_id=wave["id"],
                  reason="The customer accepts the risk: Comcast confirmed by phone",
                  unmet=unmet)
    assert project.move(run, "Wave 4", "Go / no-go", "done")["state"] == "done"


def test_past_the_point_of_no_return_a_live_run_needs_the_checkpoint(project: Project) -> None:
    wave = project.wave("Wave 4")
    loose = new_id()  # a step past the point of no return that depends on nothing
    project.apply(K.RUNBOOK_STEP, A.CREATE, loose, cutover_id=wave["id"], offset_minutes=30,
                  title="Lobby phone swapped")
    rehearsal = project.run("Wave 4", "rehearsal")
    assert project.move(rehearsal, "Wave 4", "Lobby phone", "in_progress")["state"] == (
        "in_progress")
    live = project.run("Wave 4", "live")
    with pytest.raises(IllegalTransition, match="point of no return"):
        project.move(live, "Wave 4", "Lobby phone", "in_progress")
    # rollback steps are there for exactly that moment
    assert project.move(live, "Wave 4", "Rollback: request a snapback", "in_progress")


def test_a_cutover_goes_live_only_with_rollback_steps_and_a_snapback(project: Project) -> None:
    wave_id = new_id()
    project.apply(K.CUTOVER, A.CREATE, wave_id, name="Wave 5 – Boston")
    project.apply(K.CUTOVER, A.TRANSITION, wave_id, to="ready")
    with pytest.raises(IllegalTransition, match="no rollback step"):
        project.apply(K.CUTOVER, A.TRANSITION, wave_id, to="live")
    project.apply(K.RUNBOOK_STEP, A.CREATE, new_id(), cutover_id=wave_id, offset_minutes=60,
                  title="Rollback: forward to legacy", step_kind="rollback")
    with pytest.raises(IllegalTransition, match="no snapback request"):
        project.apply(K.CUTOVER, A.TRANSITION, wave_id, to="live")
    project.apply(K.RUNBOOK_STEP, A.CREATE, new_id(), cutover_id=wave_id, offset_minutes=90,
                  title="Rollback: snapback", step_kind="rollback", snapback=True)
    assert project.apply(K.CUTOVER, A.TRANSITION, wave_id, to="live")["state"] == "live"


def test_a_timing_stays_with_its_run_and_its_cutover(project: Project) -> None:
    rehearsal = project.run("Wave 4", "rehearsal")
    live = project.run("Wave 4", "live")
    timing = project.timing(rehearsal, "Wave 4", "Change freeze")
    with pytest.raises(ValidationFailed, match="run id is fixed"):
        project.apply(K.RUNBOOK_STEP_RUN, A.UPDATE, timing, run_id=live)
    with pytest.raises(ValidationFailed, match="run kind is fixed"):
        project.apply(K.RUNBOOK_RUN, A.UPDATE, rehearsal, run_kind="live")
    with pytest.raises(ValidationFailed, match="already has its timing"):
        project.apply(K.RUNBOOK_STEP_RUN, A.CREATE, new_id(), run_id=rehearsal,
                      step_id=project.step("Wave 4", "Change freeze")["id"])
    with pytest.raises(ValidationFailed, match="another cutover"):
        project.apply(K.RUNBOOK_STEP_RUN, A.CREATE, new_id(), run_id=rehearsal,
                      step_id=project.step("Wave 1", "Change freeze")["id"])
    with pytest.raises(ValidationFailed, match="depends only on steps of its own cutover"):
        project.apply(K.RUNBOOK_STEP, A.CREATE, new_id(), cutover_id=project.wave("Wave 4")["id"],
                      title="Odd", depends_on=[project.step("Wave 1", "Change freeze")["id"]])


def test_the_live_run_reads_late_blocked_and_next(project: Project) -> None:
    wave = project.wave("Wave 3")
    live = next(r for r in project.facts.find(K.RUNBOOK_RUN, cutover_id=wave["id"])
                if r["run_kind"] == "live")
    views = step_views(project.facts.find(K.RUNBOOK_STEP, cutover_id=wave["id"]),
                       project.facts.find(K.RUNBOOK_STEP_RUN, run_id=live["id"]),
                       wave["starts_at"], NOW + timedelta(minutes=70))
    by_title = {v.step["title"][:14]: v for v in views}
    assert [v.step["offset_minutes"] for v in views] == sorted(
        v.step["offset_minutes"] for v in views)
    assert by_title["Customer co-si"].state is StepRunState.IN_PROGRESS
    assert by_title["Go / no-go cal"].blocked_by == ("Customer co-sign and hypercare contacts "
                                                     "confirmed",)
    assert by_title["Go / no-go cal"].late  # planned 11:00 ET; at 11:10 ET it has not started
    assert not by_title["Rollback: requ"].late
    nxt = whats_next(views)
    assert nxt[0].step["title"].startswith("Customer co-sign")


# ----------------------------------------------------------------------------- withdrawing


def test_a_step_is_withdrawn_with_a_reason_and_kept_never_deleted(project: Project) -> None:
    from golive_tui.domain.runbook import rollback_problem

    wave = project.wave("Wave 4")
    step_id = new_id()
    project.apply(K.RUNBOOK_STEP, A.CREATE, step_id, cutover_id=wave["id"], offset_minutes=-30,
                  title="Paging zones tested")
    rehearsal = project.run("Wave 4", "rehearsal")
    project.move(rehearsal, "Wave 4", "Paging zones", "in_progress")
    with pytest.raises(ValidationFailed, match="withdrawn, not deleted"):
        apply_op(project.get(K.RUNBOOK_STEP, step_id), Op(
            client_id="laptop", client_seq=next(_seq), entity=K.RUNBOOK_STEP,
            entity_id=step_id, action=A.DELETE, client_time=NOW),
            project_id=project.doc.project_id, actor="marisol.rivera", now=NOW,
            facts=project.facts)
    with pytest.raises(ValidationFailed, match="needs a reason"):
        project.apply(K.RUNBOOK_STEP, A.UPDATE, step_id, withdrawn_at=NOW)
    with pytest.raises(ValidationFailed, match="changes nothing else"):
        project.apply(K.RUNBOOK_STEP, A.UPDATE, step_id, withdrawn_at=NOW,
                      withdraw_reason="x", title="Other")
    gone = project.apply(K.RUNBOOK_STEP, A.UPDATE, step_id, withdrawn_at=NOW - timedelta(1),
                         withdraw_reason="Paging retired before the cutover")
    assert (gone["withdrawn_at"], gone["withdrawn_by"], gone["withdraw_reason"]) == (
        NOW, "marisol.rivera", "Paging retired before the cutover"), "stamped, not the op's"
    with pytest.raises(IllegalTransition, match="restore it before changing it"):
        project.apply(K.RUNBOOK_STEP, A.UPDATE, step_id, title="Paging, again")
    live = project.run("Wave 4", "live")
    with pytest.raises(IllegalTransition, match="withdrawn from the runbook"):
        project.timing(live, "Wave 4", "Paging zones")
    steps = project.facts.find(K.RUNBOOK_STEP, cutover_id=wave["id"])
    in_rehearsal = step_views(steps, project.facts.find(K.RUNBOOK_STEP_RUN, run_id=rehearsal),
                              wave["starts_at"], NOW)
    assert any(v.withdrawn for v in in_rehearsal), "the rehearsal's timing of it stays"
    assert not any(v.withdrawn for v in step_views(steps, [], wave["starts_at"], NOW)), (
        "a new run no longer shows it")
    assert rollback_problem(steps) is None
    back = project.apply(K.RUNBOOK_STEP, A.UPDATE, step_id, withdrawn_at=None)
    assert (back["withdrawn_at"], back["withdraw_reason"]) == (None, "")


def test_a_step_others_wait_for_is_not_withdrawn_and_a_withdrawn_one_is_waited_for_by_none(
    project: Project,
) -> None:
    freeze = project.step("Wave 4", "Change freeze")
    with pytest.raises(IllegalTransition, match=r"waits? for it; edit what they depend on"):
        project.apply(K.RUNBOOK_STEP, A.UPDATE, freeze["id"], withdrawn_at=NOW,
                      withdraw_reason="No freeze this time")
    spare = new_id()
    project.apply(K.RUNBOOK_STEP, A.CREATE, spare, cutover_id=project.wave("Wave 4")["id"],
                  title="Spare handsets counted")
    project.apply(K.RUNBOOK_STEP, A.UPDATE, spare, withdrawn_at=NOW, withdraw_reason="dup")
    with pytest.raises(ValidationFailed, match="cannot wait for a withdrawn step"):
        project.apply(K.RUNBOOK_STEP, A.CREATE, new_id(), cutover_id=project.wave("Wave 4")["id"],
                      title="Handsets handed out", depends_on=[spare])


def test_withdrawn_rollback_steps_do_not_count_for_going_live(project: Project) -> None:
    wave_id = new_id()
    project.apply(K.CUTOVER, A.CREATE, wave_id, name="Wave 5 – Boston")
    project.apply(K.CUTOVER, A.TRANSITION, wave_id, to="ready")
    snap = new_id()
    project.apply(K.RUNBOOK_STEP, A.CREATE, snap, cutover_id=wave_id, offset_minutes=90,
                  title="Rollback: snapback", step_kind="rollback", snapback=True)
    project.apply(K.RUNBOOK_STEP, A.UPDATE, snap, withdrawn_at=NOW,
                  withdraw_reason="Moved to the wave's own plan")
    with pytest.raises(IllegalTransition, match="no rollback step"):
        project.apply(K.CUTOVER, A.TRANSITION, wave_id, to="live")


def test_an_adoption_gap_is_withdrawn_not_deleted() -> None:
    from golive_tui.domain.withdrawal import check_not_deleted, prepare_update

    with pytest.raises(ValidationFailed, match="An adoption gap is withdrawn, not deleted"):
        check_not_deleted(K.ADOPTION_GAP)
    fields: dict[str, Any] = {"withdrawn_at": NOW, "withdraw_reason": "Raised twice"}
    assert prepare_update(K.ADOPTION_GAP, {"id": "g"}, fields, "lena.chen", NOW)
    assert fields["withdrawn_by"] == "lena.chen"
    check_not_deleted(K.ISSUE_NOTE)  # records without a withdrawal keep their own rules
