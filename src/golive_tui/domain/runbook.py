"""The cutover runbook's rules and readings: timed steps (T-minus), the go / no-go
checkpoint tied to the cutover's gate, the point of no return, rollback steps kept ready,
and runs (rehearsal or live) whose timings are kept apart.

The rules run in :func:`golive_tui.domain.ops.apply_op` on client and server alike; the
readings (what is next, late, blocked; rehearsal against plan) are what a screen shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from golive_tui.domain.clock import as_time
from golive_tui.domain.enums import (
    DecisionKind,
    EntityKind,
    RunbookRunKind,
    RunbookStepKind,
    StepRunState,
)
from golive_tui.domain.errors import IllegalTransition, ValidationFailed
from golive_tui.domain.rules.decisions import gate_of
from golive_tui.domain.rules.facts import Facts
from golive_tui.domain.withdrawal import is_withdrawn

Record = dict[str, Any]
_NEVER = datetime.min.replace(tzinfo=UTC)

#: a step run in one of these lets the steps that depend on it start
CLOSED_STEP_STATES = frozenset({StepRunState.DONE, StepRunState.SKIPPED})
#: fields fixed when a record is made: a timing belongs to one run and one step for good
_FIXED: dict[EntityKind, tuple[str, ...]] = {
    EntityKind.RUNBOOK_STEP: ("cutover_id",),
    EntityKind.RUNBOOK_RUN: ("cutover_id", "run_kind"),
    EntityKind.RUNBOOK_STEP_RUN: ("run_id", "step_id"),
}


def order_key(step: Mapping[str, Any]) -> tuple[int, int, str]:
    """A step's place in the runbook: T-minus order, then its sort order."""
    return int(step.get("offset_minutes") or 0), int(step.get("sort_order") or 0), str(step["id"])


def ordered(steps: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(steps, key=order_key)


def _one(facts: Facts, kind: EntityKind, record_id: Any, what: str) -> Record:
    found = facts.records(kind, [str(record_id)]).get(str(record_id))
    if found is None:
        raise ValidationFailed(
            f"No {what} with id {record_id} in this project.", details={"missing": str(record_id)}
        )
    return dict(found)


# ----------------------------------------------------------------------------- records


def check_fixed(kind: EntityKind, current: Mapping[str, Any], fields: Mapping[str, Any]) -> None:
    """What ties a step to its cutover, a run to its cutover and kind, and a timing to its
    run and step never changes: a rehearsal's timings cannot become the live run's."""
    for name in _FIXED.get(kind, ()):
        if name in fields and fields[name] != current.get(name):
            raise ValidationFailed(
                f"{kind.a_noun.capitalize()}'s {name.replace('_', ' ')} is fixed when it "
                "is made; make a new one instead.",
                details={"field": name},
            )


def check_step(record: Mapping[str, Any], facts: Facts) -> None:
    """A step depends only on other steps of its own cutover."""
    depends = [str(d) for d in record.get("depends_on") or []]
    if str(record["id"]) in depends:
        raise ValidationFailed(
            "A runbook step cannot depend on itself.", details={"field": "depends_on"}
        )
    found = facts.records(EntityKind.RUNBOOK_STEP, depends)
    gone = [str(s["title"]) for s in found.values() if is_withdrawn(s)]
    if gone:
        raise ValidationFailed(
            f"A runbook step cannot wait for a withdrawn step ({', '.join(gone)}); restore "
            "it or depend on another.",
            details={"field": "depends_on", "withdrawn": gone},
        )
    other = [d for d, s in found.items() if s.get("cutover_id") != record.get("cutover_id")]
    if other:
        raise ValidationFailed(
            "A runbook step depends only on steps of its own cutover "
            f"({', '.join(other)} belong to another).",
            details={"field": "depends_on", "other": other},
        )


def check_step_withdrawn(step: Mapping[str, Any], facts: Facts) -> None:
    """A step leaves the plan only when no step still in it waits for it."""
    waiting = [str(s["title"]) for s in facts.find(EntityKind.RUNBOOK_STEP,
                                                    cutover_id=step.get("cutover_id"))
               if str(step["id"]) in [str(d) for d in s.get("depends_on") or []]
               and not is_withdrawn(s)]
    if waiting:
        raise IllegalTransition(
            f"{step['title']!r} cannot be withdrawn while {', '.join(map(repr, waiting))} "
            f"{'waits' if len(waiting) == 1 else 'wait'} for it; edit what they depend on "
            "first.",
            details={"depended_on_by": waiting},
        )


def check_step_run_created(record: Mapping[str, Any], facts: Facts) -> None:
    """A timing names a step of its run's cutover, once per run, still in the plan."""
    run = _one(facts, EntityKind.RUNBOOK_RUN, record.get("run_id"), "runbook run")
    step = _one(facts, EntityKind.RUNBOOK_STEP, record.get("step_id"), "runbook step")
    if is_withdrawn(step):
        raise IllegalTransition(
            f"Step {step['title']!r} was withdrawn from the runbook "
            f"({step.get('withdraw_reason') or 'no reason kept'}); restore it to run it.",
            details={"withdrawn": True},
        )
    if step.get("cutover_id") != run.get("cutover_id"):
        raise ValidationFailed(
            f"Step {step['title']!r} belongs to another cutover than this run.",
            details={"field": "step_id"},
        )
    if facts.find(EntityKind.RUNBOOK_STEP_RUN, run_id=run["id"], step_id=step["id"]):
        raise ValidationFailed(
            f"Step {step['title']!r} already has its timing in this run.",
            details={"field": "step_id"},
        )


# ----------------------------------------------------------------------------- moves


def _gate_go(facts: Facts, cutover_id: str) -> str | None:
    """None when the cutover may pass its go / no-go checkpoint, else why not."""
    decisions = sorted(
        facts.find(EntityKind.DECISION, cutover_id=cutover_id),
        key=lambda d: (as_time(d.get("at")) or _NEVER, str(d["id"])),
    )
    if decisions:
        last = decisions[-1]
        if str(last.get("decision")) == DecisionKind.GO.value:
            return None
        return (
            f"The last call recorded for this cutover is {str(last.get('decision')).upper()}; "
            "the checkpoint completes on GO."
        )
    gate = gate_of(facts, cutover_id)
    if gate.ready:
        return None
    return (
        f"The gate is not GO ({gate.summary()}) and no GO is recorded for this cutover; "
        "record the go / no-go call first (an override names what it overrides)."
    )


def check_step_move(
    record: Mapping[str, Any], target: StepRunState, facts: Facts
) -> None:
    """Whether the step this timing belongs to may move to ``target`` in its run."""
    if target not in (StepRunState.IN_PROGRESS, StepRunState.DONE):
        return
    step = _one(facts, EntityKind.RUNBOOK_STEP, record["step_id"], "runbook step")
    run = _one(facts, EntityKind.RUNBOOK_RUN, record["run_id"], "runbook run")
    if is_withdrawn(step):
        raise IllegalTransition(
            f"Step {step['title']!r} was withdrawn from the runbook; restore it to run it.",
            details={"withdrawn": True},
        )
    kind = RunbookStepKind(step["step_kind"])
    if target is StepRunState.IN_PROGRESS:
        _check_dependencies(step, run, facts)
        if RunbookRunKind(run["run_kind"]) is RunbookRunKind.LIVE:
            _check_point_of_no_return(step, kind, run, facts)
    elif target is StepRunState.DONE and kind is RunbookStepKind.CHECKPOINT:
        why = _gate_go(facts, str(step["cutover_id"]))
        if why is not None:
            raise IllegalTransition(
                f"The go / no-go checkpoint {step['title']!r} cannot complete: {why}",
                details={"gate": "no_go"},
            )


def _states(facts: Facts, run_id: str) -> dict[str, StepRunState]:
    return {
        str(r["step_id"]): StepRunState(r["state"])
        for r in facts.find(EntityKind.RUNBOOK_STEP_RUN, run_id=run_id)
    }


def _check_dependencies(step: Mapping[str, Any], run: Mapping[str, Any], facts: Facts) -> None:
    depends = [str(d) for d in step.get("depends_on") or []]
    if not depends:
        return
    states = _states(facts, str(run["id"]))
    steps = facts.records(EntityKind.RUNBOOK_STEP, depends)
    open_ = [d for d in depends if states.get(d, StepRunState.PENDING) not in CLOSED_STEP_STATES]
    if open_:
        names = ", ".join(repr(steps[d]["title"]) if d in steps else d for d in open_)
        raise IllegalTransition(
            f"{step['title']!r} waits for {names}: a step starts when every step it depends on "
            "is done (or skipped with a reason) in this run.",
            details={"blocked_by": open_},
        )


def _check_point_of_no_return(
    step: Mapping[str, Any], kind: RunbookStepKind, run: Mapping[str, Any], facts: Facts
) -> None:
    if kind in (RunbookStepKind.ROLLBACK, RunbookStepKind.CHECKPOINT):
        return
    steps = [s for s in facts.find(EntityKind.RUNBOOK_STEP, cutover_id=step["cutover_id"])
             if not is_withdrawn(s)]
    marks = [s for s in steps if s.get("step_kind") == RunbookStepKind.POINT_OF_NO_RETURN.value]
    if not marks or order_key(step) < min(order_key(m) for m in marks):
        return
    checkpoints = [s for s in steps if s.get("step_kind") == RunbookStepKind.CHECKPOINT.value]
    states = _states(facts, str(run["id"]))
    if checkpoints and all(states.get(str(c["id"])) is StepRunState.DONE for c in checkpoints):
        return
    raise IllegalTransition(
        f"{step['title']!r} is at or past the point of no return: in a live run it starts "
        "only after the go / no-go checkpoint is done.",
        details={"missing": "checkpoint"},
    )


def rollback_problem(steps: Sequence[Mapping[str, Any]]) -> str | None:
    """Why a cutover with these steps may not go live yet, or None (a withdrawn step is
    no longer in the plan)."""
    rollback = [s for s in steps if s.get("step_kind") == RunbookStepKind.ROLLBACK.value
                and not is_withdrawn(s)]
    if not rollback:
        return "its runbook has no rollback step; write the way back before going live"
    if not any(s.get("snapback") for s in rollback):
        return (
            "its rollback steps have no snapback request; add one (the losing carrier takes "
            "snapbacks within about 24 hours of activation)"
        )
    return None


def check_cutover_live(cutover: Mapping[str, Any], facts: Facts) -> None:
    """A cutover goes live only with its rollback steps, a snapback request among them."""
    why = rollback_problem(facts.find(EntityKind.RUNBOOK_STEP, cutover_id=cutover["id"]))
    if why is not None:
        raise IllegalTransition(
            f"{cutover.get('name', 'This cutover')} cannot go live: {why}.",
            details={"missing": "rollback"},
        )


def move_step_run(
    record: Record, target: StepRunState, fields: Record, actor: str, now: datetime
) -> None:
    """Stamp the timing of a move: the actual start and finish, and who moved it."""
    comment = fields.pop("comment", None)
    note = comment.strip() if isinstance(comment, str) else ""
    if target is StepRunState.SKIPPED and not note:
        raise IllegalTransition(
            "Skipping a runbook step needs a comment saying why.", details={"missing": "comment"}
        )
    if target is StepRunState.IN_PROGRESS:
        record.update(started_at=now, finished_at=None)
    elif target is StepRunState.PENDING:
        record.update(started_at=None, finished_at=None)
    else:
        record["finished_at"] = now
    if note:
        record["note"] = note
    record.update(state=target, by=actor)


# ----------------------------------------------------------------------------- readings


@dataclass(frozen=True)
class StepView:
    """One step as a run shows it."""

    step: Mapping[str, Any]
    planned_start: datetime | None
    state: StepRunState
    started_at: datetime | None
    finished_at: datetime | None
    #: the open steps it waits for (titles)
    blocked_by: tuple[str, ...]
    #: its planned start has passed and it has not started
    late: bool

    @property
    def withdrawn(self) -> bool:
        return is_withdrawn(self.step)

    @property
    def actual_minutes(self) -> int | None:
        return minutes_between(self.started_at, self.finished_at)


def planned_start(step: Mapping[str, Any], cutover_start: datetime | None) -> datetime | None:
    if cutover_start is None:
        return None
    return cutover_start + timedelta(minutes=int(step.get("offset_minutes") or 0))


def step_views(
    steps: Iterable[Mapping[str, Any]],
    timings: Iterable[Mapping[str, Any]],
    cutover_start: datetime | None,
    now: datetime,
    *,
    live: bool = True,
) -> list[StepView]:
    """The steps in T-minus order with their timing in one run (``timings``).

    Late needs a clock the plan is measured on: only a live run is late against the plan.
    A withdrawn step shows only in a run that timed it before it was withdrawn.
    """
    by_step = {str(t["step_id"]): t for t in timings}
    steps = [s for s in ordered(steps) if not is_withdrawn(s) or str(s["id"]) in by_step]
    states = {sid: StepRunState(t["state"]) for sid, t in by_step.items()}
    titles = {str(s["id"]): str(s["title"]) for s in steps}
    views = []
    for step in steps:
        sid = str(step["id"])
        timing = by_step.get(sid, {})
        state = states.get(sid, StepRunState.PENDING)
        start = planned_start(step, cutover_start)
        blocked = tuple(
            titles.get(str(d), str(d)) for d in step.get("depends_on") or []
            if states.get(str(d), StepRunState.PENDING) not in CLOSED_STEP_STATES
        )
        late = (
            live and state is StepRunState.PENDING and start is not None and start < now
            and step.get("step_kind") != RunbookStepKind.ROLLBACK.value
            and not is_withdrawn(step)
        )
        views.append(StepView(
            step=step, planned_start=start, state=state,
            started_at=as_time(timing.get("started_at")),
            finished_at=as_time(timing.get("finished_at")),
            blocked_by=blocked if state is StepRunState.PENDING else (), late=late,
        ))
    return views


def whats_next(views: Sequence[StepView]) -> list[StepView]:
    """What needs doing now: steps under way, then the first pending ones not blocked
    (rollback steps only once one is under way)."""
    running = [v for v in views if v.state in (StepRunState.IN_PROGRESS, StepRunState.FAILED)]
    ready = [
        v for v in views
        if v.state is StepRunState.PENDING and not v.blocked_by
        and v.step.get("step_kind") != RunbookStepKind.ROLLBACK.value
        and not v.withdrawn
    ]
    return [*running, *ready[: max(1, 3 - len(running))]]


def minutes_between(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60)
