"""Cache tables: the domain's entities plus the client-only bookkeeping of sync."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from golive_tui.domain.entities import (
    ActionItemBase,
    AdoptionGapBase,
    ChangeRequestBase,
    ChecklistItemBase,
    CutoverBase,
    DecisionBase,
    EmergencyLocationBase,
    EntityBase,
    FeedbackBase,
    FinalCallBase,
    HandoffBase,
    IssueBase,
    IssueNoteBase,
    KickoffBase,
    MemberBase,
    MilestoneBase,
    NumberBase,
    PhaseEventBase,
    PortOrderBase,
    ProjectBase,
    RaidItemBase,
    RunbookRunBase,
    RunbookStepBase,
    RunbookStepRunBase,
    SignoffBase,
    SiteBase,
    StakeholderBase,
    VerificationBase,
)
from golive_tui.domain.enums import EntityKind
from golive_tui.domain.types import UTCDateTime


class CacheModel(SQLModel, registry=registry()):
    """Base of the cache's tables; its own metadata keeps them apart from the server's."""


class _Pending(SQLModel):
    #: local changes not yet confirmed by the server (shown as "pending" on screen)
    pending: int = 0


class ProjectRow(ProjectBase, _Pending, CacheModel, table=True):
    __tablename__ = "project"


class SiteRow(SiteBase, _Pending, CacheModel, table=True):
    __tablename__ = "site"


class MilestoneRow(MilestoneBase, _Pending, CacheModel, table=True):
    __tablename__ = "milestone"


class ChecklistItemRow(ChecklistItemBase, _Pending, CacheModel, table=True):
    __tablename__ = "checklist_item"


class PortOrderRow(PortOrderBase, _Pending, CacheModel, table=True):
    __tablename__ = "port_order"


class NumberRow(NumberBase, _Pending, CacheModel, table=True):
    __tablename__ = "number"
    __table_args__ = (
        Index("ix_number_project_e164", "project_id", "e164"),
        Index("ix_number_project_state_e164", "project_id", "porting_state", "e164"),
        Index("ix_number_project_site_e164", "project_id", "site_id", "e164"),
        Index("ix_number_project_order_e164", "project_id", "order_id", "e164"),
    )


# every record's project_id is indexed (EntityBase); a number's index of it alone would be a
# prefix of ix_number_project_e164, which serves the same searches, and one index more for a
# first load to build and every write to keep (cache schema version 13)
NumberRow.__table__.indexes.discard(  # type: ignore[attr-defined]
    next(i for i in NumberRow.__table__.indexes  # type: ignore[attr-defined]
         if i.name == "ix_number_project_id")
)


class VerificationRow(VerificationBase, _Pending, CacheModel, table=True):
    __tablename__ = "verification"


class IssueRow(IssueBase, _Pending, CacheModel, table=True):
    __tablename__ = "issue"


class IssueNoteRow(IssueNoteBase, _Pending, CacheModel, table=True):
    __tablename__ = "issue_note"


class DecisionRow(DecisionBase, _Pending, CacheModel, table=True):
    __tablename__ = "decision"


class MemberRow(MemberBase, _Pending, CacheModel, table=True):
    __tablename__ = "member"


class PhaseEventRow(PhaseEventBase, _Pending, CacheModel, table=True):
    __tablename__ = "phase_event"


class StakeholderRow(StakeholderBase, _Pending, CacheModel, table=True):
    __tablename__ = "stakeholder"


class KickoffRow(KickoffBase, _Pending, CacheModel, table=True):
    __tablename__ = "kickoff"


class ActionItemRow(ActionItemBase, _Pending, CacheModel, table=True):
    __tablename__ = "action_item"


class RaidItemRow(RaidItemBase, _Pending, CacheModel, table=True):
    __tablename__ = "raid_item"


class ChangeRequestRow(ChangeRequestBase, _Pending, CacheModel, table=True):
    __tablename__ = "change_request"

class CutoverRow(CutoverBase, _Pending, CacheModel, table=True):
    __tablename__ = "cutover"


class EmergencyLocationRow(EmergencyLocationBase, _Pending, CacheModel, table=True):
    __tablename__ = "emergency_location"


class RunbookStepRow(RunbookStepBase, _Pending, CacheModel, table=True):
    __tablename__ = "runbook_step"


class RunbookRunRow(RunbookRunBase, _Pending, CacheModel, table=True):
    __tablename__ = "runbook_run"


class RunbookStepRunRow(RunbookStepRunBase, _Pending, CacheModel, table=True):
    __tablename__ = "runbook_step_run"


class SignoffRow(SignoffBase, _Pending, CacheModel, table=True):
    __tablename__ = "signoff"


class FeedbackRow(FeedbackBase, _Pending, CacheModel, table=True):
    __tablename__ = "feedback"


class HandoffRow(HandoffBase, _Pending, CacheModel, table=True):
    __tablename__ = "handoff"


class AdoptionGapRow(AdoptionGapBase, _Pending, CacheModel, table=True):
    __tablename__ = "adoption_gap"


class FinalCallRow(FinalCallBase, _Pending, CacheModel, table=True):
    __tablename__ = "final_call"


ROWS: dict[EntityKind, type[EntityBase]] = {
    EntityKind.PROJECT: ProjectRow,
    EntityKind.SITE: SiteRow,
    EntityKind.MILESTONE: MilestoneRow,
    EntityKind.CHECKLIST_ITEM: ChecklistItemRow,
    EntityKind.PORT_ORDER: PortOrderRow,
    EntityKind.NUMBER: NumberRow,
    EntityKind.VERIFICATION: VerificationRow,
    EntityKind.ISSUE: IssueRow,
    EntityKind.ISSUE_NOTE: IssueNoteRow,
    EntityKind.DECISION: DecisionRow,
    EntityKind.MEMBER: MemberRow,
    EntityKind.PHASE_EVENT: PhaseEventRow,
    EntityKind.STAKEHOLDER: StakeholderRow,
    EntityKind.KICKOFF: KickoffRow,
    EntityKind.ACTION_ITEM: ActionItemRow,
    EntityKind.RAID_ITEM: RaidItemRow,
    EntityKind.CHANGE_REQUEST: ChangeRequestRow,
    EntityKind.CUTOVER: CutoverRow,
    EntityKind.EMERGENCY_LOCATION: EmergencyLocationRow,
    EntityKind.SIGNOFF: SignoffRow,
    EntityKind.RUNBOOK_STEP: RunbookStepRow,
    EntityKind.RUNBOOK_RUN: RunbookRunRow,
    EntityKind.RUNBOOK_STEP_RUN: RunbookStepRunRow,
    EntityKind.FEEDBACK: FeedbackRow,
    EntityKind.HANDOFF: HandoffRow,
    EntityKind.ADOPTION_GAP: AdoptionGapRow,
    EntityKind.FINAL_CALL: FinalCallRow,
}


class OutboxRow(CacheModel, table=True):
    """A local change waiting for the server, written in the same transaction as the change."""

    __tablename__ = "outbox"

    client_seq: int = Field(primary_key=True)
    op_id: str = Field(unique=True, max_length=36)
    project_id: str = Field(index=True, max_length=36)
    entity: str
    entity_id: str = Field(index=True, max_length=36)
    action: str
    fields: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    base_version: int | None = None
    client_time: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 0


class ProblemRow(CacheModel, table=True):
    """A change the server refused or could not merge, kept until the user deals with it."""

    __tablename__ = "problem"

    op_id: str = Field(primary_key=True, max_length=36)
    project_id: str = Field(index=True, max_length=36)
    outcome: str  # rejected | conflict
    code: str = ""
    message: str = ""
    entity: str
    entity_id: str
    action: str
    fields: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    #: when the server's answer was recorded
    at: datetime = Field(sa_type=UTCDateTime)
    #: when the change was made (its op's client time); none for problems kept by 0.1.0
    made_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SyncStateRow(CacheModel, table=True):
    """Small facts of the cache: client id, next client_seq, change-feed cursor, last sync."""

    __tablename__ = "sync_state"

    key: str = Field(primary_key=True)
    value: str


class ShadowRow(CacheModel, table=True):
    """The server's last known version of a record that has local changes pending.

    Rebasing starts from it: the server's truth, then the pending ops in order. ``data`` is
    null for a record that exists only locally so far.
    """

    __tablename__ = "shadow"

    entity_id: str = Field(primary_key=True, max_length=36)
    entity: str
    data: dict[str, Any] | None = Field(default=None, sa_type=JSON)
