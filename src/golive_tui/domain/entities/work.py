"""Go-live work: the checklist, verification tests, issues and their notes, decisions and
sign-offs."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import JSON
from sqlmodel import Field

from golive_tui.domain.entities.base import EntityBase, Time, added_field, dt_field, enum_field
from golive_tui.domain.enums import (
    ChecklistStatus,
    ChecklistStream,
    DecisionKind,
    EntityKind,
    IssueCategory,
    IssueState,
    LifecyclePhase,
    Priority,
    Role,
    SignoffKind,
    VerificationResult,
)


class ChecklistItemBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.CHECKLIST_ITEM
    state_field: ClassVar[str | None] = "status"

    key: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=300)
    phase: LifecyclePhase = enum_field(LifecyclePhase, LifecyclePhase.GO_LIVE)
    stream: ChecklistStream = enum_field(ChecklistStream, ChecklistStream.PROJECT)
    owner_role: Role = enum_field(Role, Role.IPM)
    assignee: str = ""
    due_at: Time | None = dt_field()
    #: ids of the items that must be done first
    predecessors: list[str] = Field(default_factory=list, sa_type=JSON)
    gate: bool = False
    status: ChecklistStatus = enum_field(ChecklistStatus, ChecklistStatus.TODO)
    skip_comment: str = ""
    done_at: Time | None = dt_field()
    done_by: str = ""
    sort_order: int = 0
    #: the cutover wave it belongs to; None applies to every wave
    cutover_id: str | None = Field(default=None, max_length=36)
    #: the gate rule that derives this item from records (domain.gate.GateRule value);
    #: non-empty means the gate computes it and nobody ticks it
    evidence: str = added_field("")


class VerificationBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.VERIFICATION
    append_only: ClassVar[bool] = True

    test_case: str = Field(min_length=1, max_length=20)
    #: what was tested: a site code, an E.164 number or a device / queue name
    target: str = Field(min_length=1, max_length=120)
    site_id: str | None = Field(default=None, index=True, max_length=36)
    number_id: str | None = Field(default=None, max_length=36)
    result: VerificationResult = enum_field(VerificationResult)
    tester: str = ""
    tested_at: Time | None = dt_field()
    note: str = ""
    mos: float | None = None
    loss_pct: float | None = None
    #: the emergency location a 933 test (E911-01) was placed from
    emergency_location_id: str | None = Field(default=None, max_length=36)
    jitter_ms: float | None = None


class IssueBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.ISSUE
    state_field: ClassVar[str | None] = "state"

    ref: str = Field(max_length=20)
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    priority: Priority = enum_field(Priority, Priority.P4)
    #: why the priority was last changed (a change of priority needs one)
    priority_reason: str = Field(default="", sa_column_kwargs={"server_default": ""})
    state: IssueState = enum_field(IssueState, IssueState.NEW)
    category: IssueCategory = enum_field(IssueCategory, IssueCategory.OTHER)
    assignee: str = ""
    reporter: str = ""
    source: str = "team"
    site_id: str | None = Field(default=None, max_length=36)
    number_id: str | None = Field(default=None, max_length=36)
    verification_id: str | None = Field(default=None, max_length=36)
    opened_at: Time | None = dt_field()
    responded_at: Time | None = dt_field()
    resolved_at: Time | None = dt_field()
    closed_at: Time | None = dt_field()
    on_hold_since: Time | None = dt_field()
    paused_seconds: float = 0.0
    hold_reason: str = ""
    resolution: str = ""


class IssueNoteBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.ISSUE_NOTE
    append_only: ClassVar[bool] = True

    issue_id: str = Field(index=True, max_length=36)
    author: str = ""
    body: str = Field(min_length=1, max_length=10_000)
    at: Time | None = dt_field()


class DecisionBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.DECISION
    append_only: ClassVar[bool] = True

    decision: DecisionKind = enum_field(DecisionKind)
    reason: str = ""
    by: str = ""
    at: Time | None = dt_field()
    #: the gate conditions that were unmet when the decision was made
    unmet: list[str] = Field(default_factory=list, sa_type=JSON)
    override: bool = False
    #: the cutover wave the call is for
    cutover_id: str | None = Field(default=None, max_length=36)


class SignoffBase(EntityBase):
    """A person's recorded sign-off: the customer's go-live co-sign, acceptance, hand-off."""

    kind: ClassVar[EntityKind] = EntityKind.SIGNOFF
    append_only: ClassVar[bool] = True

    signoff_kind: SignoffKind = enum_field(SignoffKind)
    cutover_id: str | None = Field(default=None, max_length=36)
    by: str = ""
    role: Role = enum_field(Role, Role.CUSTOMER)
    at: Time | None = dt_field()
    note: str = ""
    #: what the signer accepts as outstanding
    exceptions: list[str] = Field(default_factory=list, sa_type=JSON)
