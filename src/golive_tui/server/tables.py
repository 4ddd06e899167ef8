"""Server tables: the domain's entities plus the bookkeeping of the sync protocol.

They live in their own SQLAlchemy registry (``ServerModel``), so the server's metadata and
the client cache's never mix, even with both in one process (``golive demo``, tests).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, MetaData, Table, UniqueConstraint
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

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_REGISTRY = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class ServerModel(SQLModel, registry=_REGISTRY):
    """Base of the server's tables; its own metadata keeps them apart from the cache's."""


class _FieldVersions(SQLModel):
    #: {field: [version, client_id]}: which version last changed each field, and who made
    #: that change; the field-level merge of ``update`` ops reads it (domain.ops.merge_update)
    field_versions: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class ProjectTable(ProjectBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "project"


class SiteTable(SiteBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "site"


class MilestoneTable(MilestoneBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "milestone"


class ChecklistItemTable(ChecklistItemBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "checklist_item"


class PortOrderTable(PortOrderBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "port_order"


class NumberTable(NumberBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "number"


class VerificationTable(VerificationBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "verification"


class IssueTable(IssueBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "issue"


class IssueNoteTable(IssueNoteBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "issue_note"


class DecisionTable(DecisionBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "decision"


class MemberTable(MemberBase, _FieldVersions, ServerModel, table=True):
    """Project membership: the synced ``member`` entity is what authorisation reads."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("project_id", "user", name="uq_member_project_user"),)


class PhaseEventTable(PhaseEventBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "phase_event"


class StakeholderTable(StakeholderBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "stakeholder"


class KickoffTable(KickoffBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "kickoff"


class ActionItemTable(ActionItemBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "action_item"


class RaidItemTable(RaidItemBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "raid_item"


class ChangeRequestTable(ChangeRequestBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "change_request"

class CutoverTable(CutoverBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "cutover"


class EmergencyLocationTable(EmergencyLocationBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "emergency_location"


class RunbookStepTable(RunbookStepBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "runbook_step"


class RunbookRunTable(RunbookRunBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "runbook_run"


class RunbookStepRunTable(RunbookStepRunBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "runbook_step_run"


class SignoffTable(SignoffBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "signoff"


class FeedbackTable(FeedbackBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "feedback"


class HandoffTable(HandoffBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "handoff"


class AdoptionGapTable(AdoptionGapBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "adoption_gap"


class FinalCallTable(FinalCallBase, _FieldVersions, ServerModel, table=True):
    __tablename__ = "final_call"


ENTITY_TABLES: dict[EntityKind, type[EntityBase]] = {
    EntityKind.PROJECT: ProjectTable,
    EntityKind.SITE: SiteTable,
    EntityKind.MILESTONE: MilestoneTable,
    EntityKind.CHECKLIST_ITEM: ChecklistItemTable,
    EntityKind.PORT_ORDER: PortOrderTable,
    EntityKind.NUMBER: NumberTable,
    EntityKind.VERIFICATION: VerificationTable,
    EntityKind.ISSUE: IssueTable,
    EntityKind.ISSUE_NOTE: IssueNoteTable,
    EntityKind.DECISION: DecisionTable,
    EntityKind.MEMBER: MemberTable,
    EntityKind.PHASE_EVENT: PhaseEventTable,
    EntityKind.STAKEHOLDER: StakeholderTable,
    EntityKind.KICKOFF: KickoffTable,
    EntityKind.ACTION_ITEM: ActionItemTable,
    EntityKind.RAID_ITEM: RaidItemTable,
    EntityKind.CHANGE_REQUEST: ChangeRequestTable,
    EntityKind.CUTOVER: CutoverTable,
    EntityKind.EMERGENCY_LOCATION: EmergencyLocationTable,
    EntityKind.SIGNOFF: SignoffTable,
    EntityKind.RUNBOOK_STEP: RunbookStepTable,
    EntityKind.RUNBOOK_RUN: RunbookRunTable,
    EntityKind.RUNBOOK_STEP_RUN: RunbookStepRunTable,
    EntityKind.FEEDBACK: FeedbackTable,
    EntityKind.HANDOFF: HandoffTable,
    EntityKind.ADOPTION_GAP: AdoptionGapTable,
    EntityKind.FINAL_CALL: FinalCallTable,
}


class ProjectCounterTable(ServerModel, table=True):
    """The per-project sequence. Updated inside each write transaction, so the row lock
    orders commits: commit order equals ``seq`` order and the change feed has no holes."""

    __tablename__ = "project_counter"

    project_id: str = Field(primary_key=True, max_length=36)
    seq: int = Field(default=0, sa_type=BigInteger)
    #: changes up to this seq were compacted away; the lowest kept seq is this + 1
    compacted_through: int = Field(default=0, sa_type=BigInteger)


class ChangeTable(ServerModel, table=True):
    """The change feed: one row per applied op, with the whole entity as it became."""

    __tablename__ = "change"

    project_id: str = Field(primary_key=True, max_length=36)
    seq: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=36)
    version: int
    deleted: bool = False
    data: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    op_id: str | None = Field(default=None, max_length=36)
    by: str = Field(default="", max_length=80)
    at: datetime = Field(sa_type=UTCDateTime)


class OpLogTable(ServerModel, table=True):
    """Every op the server answered, with the answer: a replay gets the first answer.

    Its keys are per project: what one project's clients send never answers, or refuses,
    an op of another project.
    """

    __tablename__ = "op_log"
    __table_args__ = (
        UniqueConstraint(
            "project_id", "client_id", "client_seq",
            name="uq_op_log_project_id_client_id_client_seq",
        ),
    )

    project_id: str = Field(primary_key=True, max_length=36)
    op_id: str = Field(primary_key=True, max_length=36)
    client_id: str = Field(max_length=64)
    client_seq: int = Field(sa_type=BigInteger)
    #: sha256 of the op, the project and the user: the same op_id with another payload is refused
    payload_hash: str = Field(max_length=64)
    result: dict[str, Any] = Field(sa_type=JSON)
    at: datetime = Field(sa_type=UTCDateTime)


class UserAccountTable(ServerModel, table=True):
    """A person who can sign in. What they may do is per project, in ``member``."""

    __tablename__ = "user_account"

    name: str = Field(primary_key=True, max_length=80)
    display_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ApiTokenTable(ServerModel, table=True):
    """A bearer token. Only its sha256 is stored; the token is shown once, when issued."""

    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_user", "user"),)

    id: str = Field(primary_key=True, max_length=16)
    user: str = Field(foreign_key="user_account.name", max_length=80)
    token_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookTable(ServerModel, table=True):
    """An outbound webhook of one project: where events go, signed with its secret."""

    __tablename__ = "webhook"
    __table_args__ = (Index("ix_webhook_project_id", "project_id"),)

    id: str = Field(primary_key=True, max_length=16)
    project_id: str = Field(max_length=36)
    url: str = Field(max_length=2000)
    #: the HMAC-SHA256 key of its signatures (kept as given: the server signs with it)
    secret: str = Field(max_length=200)
    #: the events it gets (domain.notifications.EventKind values)
    events: list[str] = Field(default_factory=list, sa_type=JSON)
    #: json, slack or teams: the shape of the body it is sent
    format: str = Field(default="json", max_length=10)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=80)


class WebhookDeliveryTable(ServerModel, table=True):
    """The outbox: one event for one webhook, written in the transaction of the change
    that raised it, and sent (and retried) by the delivery worker until it is answered
    2xx or given up on."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_webhook_id", "webhook_id", "created_at"),
    )

    #: also the X-Golive-Delivery header: receivers de-duplicate on it
    id: str = Field(primary_key=True, max_length=36)
    webhook_id: str = Field(max_length=16)
    project_id: str = Field(max_length=36)
    event: str = Field(max_length=40)
    #: the event as the JSON body carries it (rendered for Slack or Teams when sent)
    payload: dict[str, Any] = Field(sa_type=JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)
    #: pending, delivered or failed (given up after the last attempt)
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    #: when it may be sent next; a worker that takes it moves this past its send timeout
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str = Field(default="", max_length=500)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttemptTable(ServerModel, table=True):
    """Every attempt to send a delivery: what the receiver answered, or what went wrong."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_delivery_id", "delivery_id"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(max_length=36)
    attempt: int
    at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = None
    error: str = Field(default="", max_length=500)
    duration_ms: int = 0


class NotificationStateTable(ServerModel, table=True):
    """What the events remember between changes: the last state of each gate
    (``gate:SCOPE``) and the SLA warnings already sent (``sla:ISSUE:CLOCK:PRIORITY``)."""

    __tablename__ = "notification_state"

    project_id: str = Field(primary_key=True, max_length=36)
    key: str = Field(primary_key=True, max_length=120)
    value: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    at: datetime = Field(sa_type=UTCDateTime)


def table_of(kind: EntityKind) -> Table:
    return ENTITY_TABLES[kind].__table__  # type: ignore[attr-defined, no-any-return]


@cache
def entity_columns(kind: EntityKind) -> tuple[str, ...]:
    """The columns a client sees: the domain's fields, without the server's bookkeeping."""
    return tuple(name for name in ENTITY_TABLES[kind].model_fields if name != "field_versions")


project_counter: Table = ProjectCounterTable.__table__  # type: ignore[attr-defined]
change: Table = ChangeTable.__table__  # type: ignore[attr-defined]
op_log: Table = OpLogTable.__table__  # type: ignore[attr-defined]
user_account: Table = UserAccountTable.__table__  # type: ignore[attr-defined]
api_token: Table = ApiTokenTable.__table__  # type: ignore[attr-defined]
member: Table = MemberTable.__table__  # type: ignore[attr-defined]
project: Table = ProjectTable.__table__  # type: ignore[attr-defined]
webhook: Table = WebhookTable.__table__  # type: ignore[attr-defined]
webhook_delivery: Table = WebhookDeliveryTable.__table__  # type: ignore[attr-defined]
webhook_attempt: Table = WebhookAttemptTable.__table__  # type: ignore[attr-defined]
notification_state: Table = NotificationStateTable.__table__  # type: ignore[attr-defined]
metadata: MetaData = ServerModel.metadata
