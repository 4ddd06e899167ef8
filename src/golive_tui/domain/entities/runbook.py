"""The cutover runbook: its steps, a run of it, and each step's timing in a run."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import JSON
from sqlmodel import Field

from golive_tui.domain.entities.base import EntityBase, Time, added_field, dt_field, enum_field
from golive_tui.domain.enums import (
    EntityKind,
    RunbookRunKind,
    RunbookStepKind,
    StepRunState,
)


class RunbookStepBase(EntityBase):
    """One timed step of a cutover's runbook (T-minus from the cutover's start)."""

    kind: ClassVar[EntityKind] = EntityKind.RUNBOOK_STEP

    cutover_id: str = Field(index=True, max_length=36)
    #: planned start in minutes from the cutover's start; negative is before it (T-minus)
    offset_minutes: int = Field(default=0, ge=-100_000, le=100_000)
    duration_minutes: int = Field(default=15, ge=0, le=100_000)
    title: str = Field(min_length=1, max_length=200)
    #: the stakeholder who runs it
    owner: str = Field(default="", max_length=36)
    precondition: str = Field(default="", max_length=5_000)
    #: the steps that must be done (or skipped with a reason) before this one starts
    depends_on: list[str] = Field(default_factory=list, sa_type=JSON)
    expected: str = Field(default="", max_length=5_000)
    step_kind: RunbookStepKind = enum_field(RunbookStepKind, RunbookStepKind.STEP)
    #: a rollback step that asks the losing carrier for a snapback (within about 24 h)
    snapback: bool = False
    sort_order: int = 0
    #: withdrawn (domain.withdrawal): when, by whom and why; kept on record, never deleted
    withdrawn_at: Time | None = dt_field()
    withdrawn_by: str = added_field("")
    withdraw_reason: str = added_field("", max_length=5_000)


class RunbookRunBase(EntityBase):
    """One run of a cutover's runbook: a rehearsal or the live cutover."""

    kind: ClassVar[EntityKind] = EntityKind.RUNBOOK_RUN

    cutover_id: str = Field(index=True, max_length=36)
    run_kind: RunbookRunKind = enum_field(RunbookRunKind, RunbookRunKind.REHEARSAL)
    started_at: Time | None = dt_field()
    finished_at: Time | None = dt_field()
    by: str = ""


class RunbookStepRunBase(EntityBase):
    """One step's timing in one run: its state, actual start and finish."""

    kind: ClassVar[EntityKind] = EntityKind.RUNBOOK_STEP_RUN
    state_field: ClassVar[str | None] = "state"

    run_id: str = Field(index=True, max_length=36)
    step_id: str = Field(max_length=36)
    state: StepRunState = enum_field(StepRunState, StepRunState.PENDING)
    started_at: Time | None = dt_field()
    finished_at: Time | None = dt_field()
    note: str = Field(default="", max_length=5_000)
    by: str = ""
