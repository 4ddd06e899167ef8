"""What the screens and the sync engine read from the cache: records, paged number
queries, counts, the gate, the outbox and the problems."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Row, and_, func, literal_column, select
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as sm_select

from golive_tui.domain.clock import utcnow
from golive_tui.domain.closure import closure_gaps
from golive_tui.domain.enums import EntityKind, PortState
from golive_tui.domain.gate import GateEvidence, GateResult, current_cutover, gate_for_cutover
from golive_tui.domain.hypercare import HypercareDay, hypercare_day
from golive_tui.domain.network import NetworkThresholds
from golive_tui.domain.ops import Op, Record
from golive_tui.domain.port_orders import project_holidays
from golive_tui.domain.sla import SlaPolicy, project_policy
from golive_tui.store.bulk import table_of
from golive_tui.store.cache import CacheFile
from golive_tui.store.outbox_rows import QUEUED_COLUMNS, QueuedOp, op_from_outbox, queued_op
from golive_tui.store.queries import NumberQuery, NumberSort
from golive_tui.store.tables import (
    ActionItemRow,
    AdoptionGapRow,
    ChangeRequestRow,
    ChecklistItemRow,
    CutoverRow,
    DecisionRow,
    EmergencyLocationRow,
    FeedbackRow,
    FinalCallRow,
    HandoffRow,
    IssueNoteRow,
    IssueRow,
    KickoffRow,
    MemberRow,
    MilestoneRow,
    NumberRow,
    OutboxRow,
    PhaseEventRow,
    PortOrderRow,
    ProblemRow,
    ProjectRow,
    RaidItemRow,
    RunbookRunRow,
    RunbookStepRow,
    RunbookStepRunRow,
    SignoffRow,
    SiteRow,
    StakeholderRow,
    VerificationRow,
)

T = TypeVar("T", bound=SQLModel)


def _zone(name: str | None) -> tzinfo:
    try:
        return ZoneInfo(name or "America/New_York")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class CacheReads(CacheFile):
    """Reads of the current project, on the read engine."""

    def session(self) -> Session:
        return Session(self.read_engine, expire_on_commit=False)

    def get(self, model: type[T], entity_id: str) -> T | None:
        with self.session() as s:
            return s.get(model, entity_id)

    def _all(self, model: type[T], *order: Any, **where: Any) -> list[T]:
        with self.session() as s:
            stmt = sm_select(model).where(col(model.project_id) == self.project_id)  # type: ignore[attr-defined]
            for name, value in where.items():
                stmt = stmt.where(getattr(model, name) == value)
            return list(s.exec(stmt.order_by(*order)).all())

    def project(self) -> ProjectRow | None:
        return self.get(ProjectRow, self.project_id) if self.project_id else None

    def projects(self) -> list[ProjectRow]:
        with self.session() as s:
            return list(s.exec(sm_select(ProjectRow).order_by(col(ProjectRow.name))).all())

    def sites(self) -> list[SiteRow]:
        return self._all(SiteRow, col(SiteRow.code))

    def milestones(self) -> list[MilestoneRow]:
        return self._all(MilestoneRow, col(MilestoneRow.due_at))

    def members(self) -> list[MemberRow]:
        return self._all(MemberRow, col(MemberRow.display_name))

    def orders(self) -> list[PortOrderRow]:
        return self._all(PortOrderRow, col(PortOrderRow.requested_foc), col(PortOrderRow.pon))

    def checklist(self) -> list[ChecklistItemRow]:
        return self._all(ChecklistItemRow, col(ChecklistItemRow.sort_order),
                         col(ChecklistItemRow.key))

    def verifications(self) -> list[VerificationRow]:
        return self._all(VerificationRow, col(VerificationRow.tested_at))

    def issues(self) -> list[IssueRow]:
        return self._all(IssueRow, col(IssueRow.opened_at))

    def issue_notes(self, issue_id: str) -> list[IssueNoteRow]:
        return self._all(IssueNoteRow, col(IssueNoteRow.at), issue_id=issue_id)

    def decisions(self) -> list[DecisionRow]:
        return self._all(DecisionRow, col(DecisionRow.at))

    def phase_events(self) -> list[PhaseEventRow]:
        return self._all(PhaseEventRow, col(PhaseEventRow.at), col(PhaseEventRow.id))

    def stakeholders(self) -> list[StakeholderRow]:
        """Everyone, the escalation path first (level 1, 2, …), then by name."""
        rows = self._all(StakeholderRow, col(StakeholderRow.name))
        return sorted(rows, key=lambda r: (r.escalation_level == 0, r.escalation_level))

    def kickoffs(self) -> list[KickoffRow]:
        return self._all(KickoffRow, col(KickoffRow.held_at))

    def action_items(self) -> list[ActionItemRow]:
        return self._all(ActionItemRow, col(ActionItemRow.status).desc(),
                         col(ActionItemRow.due_at))

    def raid_items(self) -> list[RaidItemRow]:
        return self._all(RaidItemRow, col(RaidItemRow.raid_type), col(RaidItemRow.due_at))

    def change_requests(self) -> list[ChangeRequestRow]:
        return self._all(ChangeRequestRow, col(ChangeRequestRow.updated_at))

    def cutovers(self) -> list[CutoverRow]:
        """The waves, in the order they go live."""
        return self._all(CutoverRow, col(CutoverRow.starts_at), col(CutoverRow.name))

    def emergency_locations(self) -> list[EmergencyLocationRow]:
        return self._all(EmergencyLocationRow, col(EmergencyLocationRow.site_id),
                         col(EmergencyLocationRow.name))

    def signoffs(self) -> list[SignoffRow]:
        return self._all(SignoffRow, col(SignoffRow.at))

    def feedback(self) -> list[FeedbackRow]:
        return self._all(FeedbackRow, col(FeedbackRow.at))

    def handoffs(self) -> list[HandoffRow]:
        return self._all(HandoffRow, col(HandoffRow.at))

    def adoption_gaps(self) -> list[AdoptionGapRow]:
        return self._all(AdoptionGapRow, col(AdoptionGapRow.due_at), col(AdoptionGapRow.topic))

    def final_calls(self) -> list[FinalCallRow]:
        return self._all(FinalCallRow, col(FinalCallRow.held_at))

    def runbook_steps(self, cutover_id: str) -> list[RunbookStepRow]:
        """A cutover's runbook, in T-minus order."""
        return self._all(RunbookStepRow, col(RunbookStepRow.offset_minutes),
                         col(RunbookStepRow.sort_order), cutover_id=cutover_id)

    def runbook_runs(self, cutover_id: str) -> list[RunbookRunRow]:
        """A cutover's runs, oldest first."""
        return self._all(RunbookRunRow, col(RunbookRunRow.started_at), cutover_id=cutover_id)

    def runbook_timings(self, run_ids: list[str]) -> list[RunbookStepRunRow]:
        """The step timings of these runs."""
        with self.session() as s:
            stmt = sm_select(RunbookStepRunRow).where(
                col(RunbookStepRunRow.project_id) == self.project_id,
                col(RunbookStepRunRow.run_id).in_(run_ids),
            )
            return list(s.exec(stmt).all())

    def number_by_e164(self, e164: str) -> NumberRow | None:
        with self.session() as s:
            stmt = sm_select(NumberRow).where(
                col(NumberRow.project_id) == self.project_id, col(NumberRow.e164) == e164
            )
            return s.exec(stmt).first()

    def numbers_page(self, query: NumberQuery, offset: int, limit: int) -> list[Row[Any]]:
        """One page of numbers as light rows (attribute access, no ORM objects)."""
        with self.read_engine.connect() as conn:
            return list(conn.execute(query.select_page(offset, limit)).all())

    def number_matches(self, query: NumberQuery, most: int) -> list[tuple[int, str]] | None:
        """Every number matching ``query`` as (rowid, E.164), in the page order, read in
        one pass; None when more than ``most`` match (and only ``most`` + 1 were read).
        For a search that matches few numbers this is its count and every page at once,
        where the count and a page each read the whole index."""
        if query.sort is not NumberSort.NUMBER or query.descending:
            return None
        with self.read_engine.connect() as conn:
            found = [(int(rowid), str(e164))
                     for rowid, e164 in conn.execute(query.select_matches(most + 1))]
        return found if len(found) <= most else None

    def numbers_at(self, rowids: list[int]) -> list[Row[Any]]:
        """The numbers of ``rowids`` as ``numbers_page`` reads them, in the page order."""
        if not rowids:
            return []
        table = table_of(EntityKind.NUMBER)
        stmt = select(table).where(literal_column("number.rowid").in_(rowids)).order_by(
            table.c.e164)
        with self.read_engine.connect() as conn:
            return list(conn.execute(stmt).all())

    def count_numbers(self, query: NumberQuery) -> int:
        with self.read_engine.connect() as conn:
            return int(conn.execute(query.select_count()).scalar_one())

    def number_ids(self, query: NumberQuery) -> list[str]:
        with self.read_engine.connect() as conn:
            return list(conn.execute(query.select_ids()).scalars())

    def iter_numbers(self, query: NumberQuery, chunk: int = 5_000) -> Iterator[Row[Any]]:
        """Every number matching ``query``, in pages (for exports)."""
        offset = 0
        while True:
            page = self.numbers_page(query, offset, chunk)
            yield from page
            if len(page) < chunk:
                return
            offset += chunk

    def existing_numbers(self) -> set[str]:
        """Every E.164 number of the project, to de-duplicate an import against."""
        t = table_of(EntityKind.NUMBER)
        with self.read_engine.connect() as conn:
            stmt = select(t.c.e164).where(t.c.project_id == self.project_id)
            return set(conn.execute(stmt).scalars())

    def number_state_counts(self, **where: str) -> dict[PortState, int]:
        t = table_of(EntityKind.NUMBER)
        conds = [t.c.project_id == self.project_id]
        conds += [t.c[name] == value for name, value in where.items()]
        stmt = select(t.c.porting_state, func.count()).where(and_(*conds)).group_by(
            t.c.porting_state
        )
        with self.read_engine.connect() as conn:
            return {PortState(state): int(n) for state, n in conn.execute(stmt)}

    def counts_by_order(self) -> dict[str, dict[PortState, int]]:
        t = table_of(EntityKind.NUMBER)
        stmt = (
            select(t.c.order_id, t.c.porting_state, func.count())
            .where(t.c.project_id == self.project_id)
            .group_by(t.c.order_id, t.c.porting_state)
        )
        counts: dict[str, dict[PortState, int]] = {}
        with self.read_engine.connect() as conn:
            for order_id, state, n in conn.execute(stmt):
                counts.setdefault(order_id or "", {})[PortState(state)] = int(n)
        return counts

    def carriers(self) -> list[str]:
        return sorted({order.carrier for order in self.orders()})

    def gate_evidence(self) -> GateEvidence:
        """Every record the gates weigh, read once for all the waves."""
        project = self.project()
        return GateEvidence(
            sites=self.sites(), orders=self.orders(),
            checklist=[item for item in self.checklist() if item.gate],
            locations=self.emergency_locations(), verifications=self.verifications(),
            issues=self.issues(), signoffs=self.signoffs(),
            thresholds=NetworkThresholds.from_stored(
                project.network_thresholds if project is not None else None),
            holidays=project_holidays(
                None if project is None else project.model_dump(include={"holidays"})),
        )

    def current_cutover(self, now: datetime | None = None) -> CutoverRow | None:
        """The wave the team is on now (domain.gate.current_cutover), None without waves."""
        project = self.project()
        zone = _zone(project.time_zone if project is not None else None)
        return current_cutover(self.cutovers(), now or utcnow(), zone)

    def gate(self, cutover_id: str | None = None, now: datetime | None = None) -> GateResult:
        """A wave's gate: by default the current wave's (a project without waves has one
        gate over everything)."""
        cutover = (self.get(CutoverRow, cutover_id) if cutover_id is not None
                   else self.current_cutover(now))
        return gate_for_cutover(cutover, self.gate_evidence())

    def hypercare_day(self, day: date, now: datetime) -> HypercareDay:
        """The daily hypercare summary of ``day`` in the project's zone."""
        project = self.project()
        zone = project.time_zone if project is not None else "America/New_York"
        return hypercare_day(day, zone, issues=self.issues(), orders=self.orders(),
                             actions=self.action_items(), policy=self.policy(), now=now)

    def closure_gaps(self) -> list[str]:
        """What closing the project still waits for (empty: it may close)."""
        return closure_gaps([s.model_dump() for s in self.signoffs()],
                            [f.model_dump() for f in self.feedback()],
                            [h.model_dump() for h in self.handoffs()])

    def policy(self) -> SlaPolicy:
        project = self.project()
        if project is None:
            return SlaPolicy.default()
        return project_policy(project.sla_policy, project.time_zone)

    def iter_records(self, kind: EntityKind) -> Iterator[Record]:
        t = table_of(kind)
        with self.read_engine.connect() as conn:
            for row in conn.execute(select(t).where(t.c.project_id == self.project_id)).mappings():
                yield dict(row)

    def outbox_count(self) -> int:
        t = OutboxRow.__table__  # type: ignore[attr-defined]
        with self.read_engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t)).scalar_one())

    def outbox_batch(self, limit: int = 500, after: int = 0) -> list[Op]:
        """The oldest ``limit`` queued ops whose ``client_seq`` is above ``after``."""
        t = OutboxRow.__table__  # type: ignore[attr-defined]
        with self.read_engine.connect() as conn:
            rows = conn.execute(
                select(t).where(t.c.client_seq > after).order_by(t.c.client_seq).limit(limit)
            ).mappings()
            return [op_from_outbox(self.client_id, dict(r)) for r in rows]

    def outbox_queued(self, limit: int = 500, after: int = 0) -> list[QueuedOp]:
        """What :meth:`outbox_batch` reads, as each op's JSON text for a push."""
        client_id = json.dumps(self.client_id)
        with self.read_engine.connect() as conn:
            rows = conn.exec_driver_sql(
                f"SELECT {QUEUED_COLUMNS} FROM outbox WHERE client_seq > ? "
                "ORDER BY client_seq LIMIT ?", (after, limit),
            ).all()
        return [queued_op(client_id, tuple(row)) for row in rows]

    def problems(self) -> list[ProblemRow]:
        with self.session() as s:
            stmt = sm_select(ProblemRow).where(col(ProblemRow.project_id) == self.project_id)
            return list(s.exec(stmt.order_by(col(ProblemRow.at).desc())).all())
