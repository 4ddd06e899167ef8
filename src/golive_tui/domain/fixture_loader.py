"""A fixture's sections, read in dependency order into validated records.

Each section method reads one list of the fixture (sites, orders, numbers, the checklist …)
and resolves its references by natural key (site code, PON, number, checklist key, issue
key); every record is validated by :func:`golive_tui.domain.ops.validate_record`.

The loader is built in layers, each a class extending the one before:
:class:`~golive_tui.domain.fixture_values.FixtureValues` (references and values) →
:class:`~golive_tui.domain.fixture_network.FixtureNetwork` (project, sites, orders, numbers)
→ :class:`~golive_tui.domain.fixture_work.FixtureWork` (checklist, tests, issues, decisions)
→ :class:`FixtureLoader` (the lifecycle and the runbook, and :meth:`FixtureLoader.start`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from golive_tui.domain.demo_time import default_demo_day, wave_day
from golive_tui.domain.enums import (
    EntityKind,
    LifecyclePhase,
    RunbookRunKind,
    RunbookStepKind,
    StepRunState,
)
from golive_tui.domain.fixture_values import (
    ID_NAMESPACE,
    Record,
    text_of,
)
from golive_tui.domain.fixture_work import FixtureWork
from golive_tui.domain.lifecycle import phase_from_log, phase_text

__all__ = ["FixtureLoader"]


class FixtureLoader(FixtureWork):
    """Turns fixture sections into validated records."""

    @classmethod
    def start(
        cls,
        source: str,
        raw: Mapping[str, Any],
        *,
        demo_day: date | None,
        project_id: str | None,
        now: datetime | None,
    ) -> FixtureLoader:
        where = "project"
        fields = dict(raw)
        key = fields.pop("key", None)
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"{source}: {where}: needs a 'key' (the stable name ids derive from)")
        zone_name = fields.get("time_zone", "America/New_York")
        try:
            zone = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{source}: {where}: unknown time zone {zone_name!r} (use an IANA name such as "
                "America/Denver)"
            ) from None
        if now is None:
            now = datetime.now(UTC)
        elif now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        now = now.astimezone(UTC)
        today = now.astimezone(zone).date()
        day = default_demo_day(today) if demo_day is None else demo_day
        if day.weekday() >= 5:
            raise ValueError(
                f"{source}: the demo day {day.isoformat()} is a {day.strftime('%A')}; "
                "ports happen on weekdays, so pick a Monday to Friday"
            )
        # "now" is now on the day the demo is run, and also on a weekend, when the demo
        # day is the coming Monday: what has happened (N-2h) lies behind the clock either
        # way. A demo day given (a frozen test, a rehearsal) reads at 09:00 on that day.
        anchor = now if day == today or demo_day is None else datetime.combine(
            day, time(9, 0), tzinfo=zone)
        pid = project_id or str(uuid.uuid5(ID_NAMESPACE, f"{key.strip()}\x1fproject"))
        # today's wave ports at the next 11:30 ET still far enough ahead to walk the story;
        # a demo day given is the wave's day
        wave = wave_day(day, now) if demo_day is None else day
        loader = cls(source, key.strip(), pid, zone, day, now, anchor.astimezone(UTC), wave)
        loader.project(fields)
        return loader

    # ------------------------------------------------------------------ the lifecycle

    def _keyed(
        self, kind: EntityKind, section: Sequence[Mapping[str, Any]], name: str
    ) -> Iterator[tuple[str, str, Record]]:
        """Each entry's natural key (its 'key'), where it is, and its other fields."""
        seen: set[str] = set()
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = self.natural(fields, "key", f"{name}[{index}]")
            where = f"{name}[{index}] ({key})"
            if key in seen:
                raise self.fail(where, f"{key} is given twice")
            seen.add(key)
            self.times(kind, fields, where)
            self.people(kind, fields, where)
            self.owners(kind, fields, where)
            yield key, where, fields

    def stakeholders(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(EntityKind.STAKEHOLDER, section, "stakeholders"):
            self.stakeholder_by_key[key] = self.finish(EntityKind.STAKEHOLDER, key, where, fields)

    def phase_events(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            where = f"phase_events[{index}]"
            self.times(EntityKind.PHASE_EVENT, fields, where)
            self.people(EntityKind.PHASE_EVENT, fields, where)
            if fields.get("at") is None:
                raise self.fail(where, "needs 'at'")
            self.finish(EntityKind.PHASE_EVENT, str(index + 1), where, fields)
        events = self.records[EntityKind.PHASE_EVENT]
        expected = phase_from_log(events)
        phase = LifecyclePhase(self.project_record["phase"])
        if expected is not None and expected is not phase:
            raise self.fail(
                "phase_events",
                f"the log leaves the project in {phase_text(expected)}, but the project says "
                f"{phase_text(phase)}",
            )

    def kickoffs(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(EntityKind.KICKOFF, section, "kickoffs"):
            attendees = fields.get("attendees", [])
            if not isinstance(attendees, list):
                raise self.fail(where, "attendees must be a list of stakeholder keys")
            fields["attendees"] = [
                self.stakeholder(a, f"{where}, attendees") for a in attendees
            ]
            self.kickoff_by_key[key] = self.finish(EntityKind.KICKOFF, key, where, fields)

    def action_items(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(EntityKind.ACTION_ITEM, section, "action_items"):
            kickoff = fields.pop("kickoff", None)
            if kickoff is not None:
                found = self.kickoff_by_key.get(str(kickoff))
                if found is None:
                    raise self.fail(where, f"unknown kickoff {text_of(kickoff)}")
                fields["kickoff_id"] = found["id"]
                fields.setdefault("source", "kickoff")
            if (fields.get("status") == "done") != (fields.get("done_at") is not None):
                raise self.fail(where, "an action is done exactly when it has a done_at")
            self.finish(EntityKind.ACTION_ITEM, key, where, fields)

    def adoption_gaps(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(EntityKind.ADOPTION_GAP, section, "adoption_gaps"):
            self.finish(EntityKind.ADOPTION_GAP, key, where, fields)

    def raid_items(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(EntityKind.RAID_ITEM, section, "raid_items"):
            self.finish(EntityKind.RAID_ITEM, key, where, fields)

    def change_requests(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(
            EntityKind.CHANGE_REQUEST, section, "change_requests"
        ):
            decided = fields.get("state", "proposed") != "proposed"
            given = [n for n in ("decision_reason", "decided_by", "decided_at") if fields.get(n)]
            if decided and len(given) < 3:
                raise self.fail(where, "a decided change request needs decision_reason, "
                                "decided_by and decided_at")
            if not decided and given:
                raise self.fail(where, f"a proposed change request has no {given[0]} yet")
            self.finish(EntityKind.CHANGE_REQUEST, key, where, fields)

    # ------------------------------------------------------------------ the runbook

    def runbooks(self, section: Sequence[Mapping[str, Any]]) -> None:
        """Each cutover's runbook: its steps (or another cutover's, by ``steps_from``) and
        its runs, whose step timings are minutes from the run's T0 (``t0``; by default the
        cutover's start)."""
        steps_of: dict[str, list[Mapping[str, Any]]] = {}
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = self.natural(fields, "cutover", f"runbooks[{index}]")
            where = f"runbooks[{index}] ({key})"
            cutover = self.cutover(key, where)
            if key in steps_of:
                raise self.fail(where, f"cutover {key} has two runbooks")
            source = fields.pop("steps_from", None)
            if source is not None:
                if source not in steps_of:
                    raise self.fail(where, f"steps_from names no earlier runbook ({source})")
                steps = steps_of[source]
            else:
                steps = fields.pop("steps", [])
            if not isinstance(steps, list):
                raise self.fail(where, "steps must be a list")
            steps_of[key] = steps
            ids = self._runbook_steps(key, cutover, steps, where)
            for run_index, run in enumerate(fields.pop("runs", [])):
                self._runbook_run(key, cutover, ids, run, f"{where}, runs[{run_index}]")
            if fields:
                raise self.fail(where, f"unknown field {sorted(fields)[0]}")

    def _runbook_steps(
        self, wave: str, cutover: Record, steps: Sequence[Any], where: str
    ) -> dict[str, str]:
        ids: dict[str, str] = {}
        for index, raw in enumerate(steps):
            if not isinstance(raw, Mapping):
                raise self.fail(f"{where}, steps[{index}]", "must be an object")
            fields = dict(raw)
            key = self.natural(fields, "key", f"{where}, steps[{index}]")
            at = f"{where}, steps[{index}] ({key})"
            if key in ids:
                raise self.fail(at, f"step {key} is given twice")
            after = fields.pop("after", [])
            unknown = [a for a in after if a not in ids]
            if unknown:
                raise self.fail(at, f"after names no earlier step ({', '.join(map(str, unknown))})")
            kind = fields.pop("kind", RunbookStepKind.STEP.value)
            if kind not in RunbookStepKind.__members__.values():
                raise self.fail(at, f"kind {text_of(kind)} is not one of "
                                f"{', '.join(RunbookStepKind)}")
            fields.update(
                cutover_id=cutover["id"], offset_minutes=fields.pop("at", 0),
                duration_minutes=fields.pop("minutes", 15), step_kind=kind,
                depends_on=[ids[a] for a in after], sort_order=index,
            )
            self.owners(EntityKind.RUNBOOK_STEP, fields, at)
            ids[key] = self.finish(EntityKind.RUNBOOK_STEP, f"{wave}|{key}", at, fields)["id"]
        return ids

    def _runbook_run(
        self, wave: str, cutover: Record, ids: Mapping[str, str], raw: Any, where: str
    ) -> None:
        if not isinstance(raw, Mapping):
            raise self.fail(where, "must be an object")
        fields = dict(raw)
        key = self.natural(fields, "key", where)
        kind = fields.pop("kind", None)
        if kind not in RunbookRunKind.__members__.values():
            raise self.fail(where, f"kind {text_of(kind)} is not one of {', '.join(RunbookRunKind)}")
        t0 = self.when(fields.pop("t0"), f"{where}, t0") if "t0" in fields else cutover["starts_at"]
        if t0 is None:
            raise self.fail(where, "needs 't0' (its cutover has no start)")
        timings = fields.pop("timings", {})
        if not isinstance(timings, Mapping):
            raise self.fail(where, "timings must be an object of step keys")
        fields.update(cutover_id=cutover["id"], run_kind=kind)
        self.times(EntityKind.RUNBOOK_RUN, fields, where)
        # a run is what happened: on a demo whose "now" comes before it (an early hour, a
        # wave moved to the next day) it has not begun, or not ended, yet
        started, finished = fields.get("started_at"), fields.get("finished_at")
        if isinstance(started, datetime) and started > self.anchor:
            return
        if isinstance(finished, datetime) and finished > self.anchor:
            fields["finished_at"] = None
        self.people(EntityKind.RUNBOOK_RUN, fields, where)
        run = self.finish(EntityKind.RUNBOOK_RUN, f"{wave}|{key}", where, fields)
        for step_key, value in timings.items():
            at = f"{where}, timings ({step_key})"
            if step_key not in ids:
                raise self.fail(at, "names no step of this runbook")
            if not isinstance(value, Mapping):
                raise self.fail(at, "must be an object with start, end, state, note")
            timing = dict(value)
            start, end = timing.pop("start", None), timing.pop("end", None)
            # a run's timings are what happened: on a demo day whose "now" comes before a
            # step's time (an early hour, a wave moved), that step has not started, or not
            # finished, yet
            ahead = start is not None and t0 + timedelta(minutes=int(start)) > self.anchor
            if ahead:
                start = end = None
            elif end is not None and t0 + timedelta(minutes=int(end)) > self.anchor:
                ahead, end = True, None
            if ahead:
                timing.pop("state", None)  # what it would have ended in has not happened
            default = StepRunState.DONE if end is not None else (
                StepRunState.IN_PROGRESS if start is not None else StepRunState.PENDING)
            state = timing.pop("state", default.value)
            if state not in StepRunState.__members__.values():
                raise self.fail(at, f"state {text_of(state)} is not one of "
                                f"{', '.join(StepRunState)}")
            timing.update(
                run_id=run["id"], step_id=ids[step_key], state=state,
                started_at=None if start is None else t0 + timedelta(minutes=int(start)),
                finished_at=None if end is None else t0 + timedelta(minutes=int(end)),
            )
            timing.setdefault("by", run["by"])
            self.people(EntityKind.RUNBOOK_STEP_RUN, timing, at)
            self.finish(EntityKind.RUNBOOK_STEP_RUN, f"{wave}|{key}|{step_key}", at, timing)
