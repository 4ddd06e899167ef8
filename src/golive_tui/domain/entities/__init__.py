"""Every entity's fields, written once.

These SQLModel classes have no table. The client cache (``store``), the server and the
API schemas extend them, so a new field is one edit here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import field_validator
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from golive_tui.domain.enums import (
    ActionSource,
    ActionStatus,
    AdoptionGapStatus,
    ChangeRequestState,
    ChecklistStatus,
    ChecklistStream,
    CutoverState,
    DecisionKind,
    E911Status,
    EntityKind,
    IssueCategory,
    IssueState,
    LifecyclePhase,
    NumberType,
    OrderState,
    PhaseAction,
    PortState,
    Priority,
    RaidStatus,
    RaidType,
    Role,
    RunbookRunKind,
    RunbookStepKind,
    SignoffKind,
    StakeholderRole,
    StepRunState,
    VerificationResult,
)
from golive_tui.domain.phone import InvalidPhoneNumber, normalise_number
from golive_tui.domain.types import StrEnumType, UTCDateTime


def _dt(**kwargs: Any) -> Any:
    return Field(default=None, sa_type=UTCDateTime, **kwargs)


def _enum(enum_cls: type[StrEnum], default: Any = ..., **kwargs: Any) -> Any:
    return Field(default=default, sa_type=StrEnumType(enum_cls), **kwargs)


def _added(default: Any, **kwargs: Any) -> Any:
    """A column added to an existing table: its default is also the database's, so the
    rows already stored (on a server, in a cache) get it when the column is added."""
    if isinstance(default, list | dict):
        text = "[]" if isinstance(default, list) else "{}"
        return Field(
            default_factory=type(default), sa_type=JSON,
            sa_column_kwargs={"server_default": text}, **kwargs,
        )
    return Field(default=default, sa_column_kwargs={"server_default": default}, **kwargs)


class EntityBase(SQLModel):
    """Columns every synced record carries (ARCHITECTURE.md §3)."""

    kind: ClassVar[EntityKind]
    #: the field only a ``transition`` op may change, if the entity has a state machine
    state_field: ClassVar[str | None] = None
    #: append-only entities are never updated, so they never conflict
    append_only: ClassVar[bool] = False

    id: str = Field(primary_key=True, max_length=36)
    project_id: str = Field(index=True, max_length=36)
    version: int = 0
    updated_at: datetime | None = _dt()
    updated_by: str = ""

    @field_validator("*", mode="after")
    @classmethod
    def _times_are_aware(cls, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("time without a time zone; give an offset such as Z or -05:00")
        return value


class ProjectBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.PROJECT
    #: the current phase moves only by closing or reopening a phase (domain.lifecycle)
    state_field: ClassVar[str | None] = "phase"

    name: str = Field(min_length=1, max_length=200)
    customer: str = Field(min_length=1, max_length=200)
    time_zone: str = "America/New_York"
    cutover_at: datetime | None = _dt()
    phase: LifecyclePhase = _enum(LifecyclePhase, LifecyclePhase.GO_LIVE)
    description: str = ""
    #: per-project SLA policy (domain.sla.SlaPolicy as JSON); empty means the defaults
    sla_policy: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    #: network readiness thresholds (domain.network.NetworkThresholds as JSON); empty: defaults
    network_thresholds: dict[str, Any] = _added({})
    #: the ISO 3166 country whose numbers the project ports (others are flagged on import)
    country: str = _added("US", min_length=2, max_length=2)
    #: days no port activates, {"2026-12-24": "Christmas Eve"}; empty: US federal holidays
    #: (checked by domain.port_orders.check_holidays)
    holidays: dict[str, Any] = _added({})
    #: a closed project is read-only for everyone (domain.closure); only the server's
    #: administrator reopens it, with a reason
    closed_at: datetime | None = _dt()
    closed_by: str = _added("")
    #: why the IPM closed it without all of acceptance, feedback and an acknowledged hand-off
    close_reason: str = _added("", max_length=5_000)
    reopened_at: datetime | None = _dt()
    reopened_by: str = _added("")
    reopen_reason: str = _added("", max_length=5_000)


class SiteBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.SITE

    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    address: str = ""
    time_zone: str = "America/New_York"
    e911_address: str = ""
    e911_status: E911Status = _enum(E911Status, E911Status.NOT_SET)
    main_number: str | None = None
    floors: int = 1


class MilestoneBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.MILESTONE

    phase: LifecyclePhase = _enum(LifecyclePhase)
    name: str = Field(min_length=1, max_length=200)
    #: planned
    due_at: datetime | None = _dt()
    #: actual
    done_at: datetime | None = _dt()
    #: the stakeholder who owns it (an id; empty when nobody does)
    owner: str = Field(default="", max_length=36, sa_column_kwargs={"server_default": ""})
    #: when it is now expected; its status follows from the three dates (domain.lifecycle)
    forecast_at: datetime | None = _dt()


class ChecklistItemBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.CHECKLIST_ITEM
    state_field: ClassVar[str | None] = "status"

    key: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=300)
    phase: LifecyclePhase = _enum(LifecyclePhase, LifecyclePhase.GO_LIVE)
    stream: ChecklistStream = _enum(ChecklistStream, ChecklistStream.PROJECT)
    owner_role: Role = _enum(Role, Role.IPM)
    assignee: str = ""
    due_at: datetime | None = _dt()
    #: ids of the items that must be done first
    predecessors: list[str] = Field(default_factory=list, sa_type=JSON)
    gate: bool = False
    status: ChecklistStatus = _enum(ChecklistStatus, ChecklistStatus.TODO)
    skip_comment: str = ""
    done_at: datetime | None = _dt()
    done_by: str = ""
    sort_order: int = 0
    #: the cutover wave it belongs to; None applies to every wave
    cutover_id: str | None = Field(default=None, max_length=36)
    #: the gate rule that derives this item from records (domain.gate.GateRule value);
    #: non-empty means the gate computes it and nobody ticks it
    evidence: str = _added("")


class PortOrderBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.PORT_ORDER
    state_field: ClassVar[str | None] = "status"

    pon: str = Field(min_length=1, max_length=60)
    carrier: str = Field(min_length=1, max_length=120)
    btn: str = ""
    loa_id: str = ""
    loa_signed_at: datetime | None = _dt()
    toll_free: bool = False
    requested_foc: datetime | None = _dt()
    confirmed_foc: datetime | None = _dt()
    status: OrderState = _enum(OrderState, OrderState.DRAFT)
    rejection_code: str | None = None
    zoom_order_id: str = ""
    notes: str = ""
    #: the cutover wave this order serves
    cutover_id: str | None = Field(default=None, max_length=36)
    #: what the losing carrier's CSR must match
    account_number: str = _added("")
    pin: str = _added("")
    service_address: str = _added("")
    authorised_name: str = _added("")
    #: the losing carrier's NPAC provider id
    spid: str = _added("")
    csr_received_at: datetime | None = _dt()
    loa_signed_by: str = _added("")
    #: toll-free orders: the RespOrg that controls the numbers
    resp_org: str = _added("")
    #: when the numbers went live on Zoom (the snapback window counts from it)
    activated_at: datetime | None = _dt()
    #: every FOC the carrier gave or moved: [{at, foc, reason, by}], oldest first
    foc_history: list[dict[str, Any]] = _added([])
    #: why the order was last changed inside its change freeze
    change_reason: str = _added("")


class NumberBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.NUMBER
    state_field: ClassVar[str | None] = "porting_state"

    e164: str = Field(max_length=20)
    site_id: str | None = Field(default=None, max_length=36)
    order_id: str | None = Field(default=None, max_length=36)
    number_type: NumberType = _enum(NumberType, NumberType.DID)
    assigned_to: str = ""
    porting_state: PortState = _enum(PortState, PortState.DRAFT)
    rejection_code: str | None = None
    temp_number: str | None = None

    @field_validator("e164", "temp_number", mode="before")
    @classmethod
    def _e164(cls, value: Any) -> Any:
        if value is None or not isinstance(value, str):
            return value
        try:
            return normalise_number(value)
        except InvalidPhoneNumber as exc:
            raise ValueError(str(exc)) from exc


class VerificationBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.VERIFICATION
    append_only: ClassVar[bool] = True

    test_case: str = Field(min_length=1, max_length=20)
    #: what was tested: a site code, an E.164 number or a device / queue name
    target: str = Field(min_length=1, max_length=120)
    site_id: str | None = Field(default=None, index=True, max_length=36)
    number_id: str | None = Field(default=None, max_length=36)
    result: VerificationResult = _enum(VerificationResult)
    tester: str = ""
    tested_at: datetime | None = _dt()
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
    priority: Priority = _enum(Priority, Priority.P4)
    #: why the priority was last changed (a change of priority needs one)
    priority_reason: str = Field(default="", sa_column_kwargs={"server_default": ""})
    state: IssueState = _enum(IssueState, IssueState.NEW)
    category: IssueCategory = _enum(IssueCategory, IssueCategory.OTHER)
    assignee: str = ""
    reporter: str = ""
    source: str = "team"
    site_id: str | None = Field(default=None, max_length=36)
    number_id: str | None = Field(default=None, max_length=36)
    verification_id: str | None = Field(default=None, max_length=36)
    opened_at: datetime | None = _dt()
    responded_at: datetime | None = _dt()
    resolved_at: datetime | None = _dt()
    closed_at: datetime | None = _dt()
    on_hold_since: datetime | None = _dt()
    paused_seconds: float = 0.0
    hold_reason: str = ""
    resolution: str = ""


class IssueNoteBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.ISSUE_NOTE
    append_only: ClassVar[bool] = True

    issue_id: str = Field(index=True, max_length=36)
    author: str = ""
    body: str = Field(min_length=1, max_length=10_000)
    at: datetime | None = _dt()


class DecisionBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.DECISION
    append_only: ClassVar[bool] = True

    decision: DecisionKind = _enum(DecisionKind)
    reason: str = ""
    by: str = ""
    at: datetime | None = _dt()
    #: the gate conditions that were unmet when the decision was made
    unmet: list[str] = Field(default_factory=list, sa_type=JSON)
    override: bool = False
    #: the cutover wave the call is for
    cutover_id: str | None = Field(default=None, max_length=36)


class MemberBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.MEMBER

    user: str = Field(min_length=1, max_length=80)
    display_name: str = ""
    role: Role = _enum(Role, Role.VIEWER)


class PhaseEventBase(EntityBase):
    """A phase closed or reopened: the lifecycle's log, never edited."""

    kind: ClassVar[EntityKind] = EntityKind.PHASE_EVENT
    append_only: ClassVar[bool] = True

    phase: LifecyclePhase = _enum(LifecyclePhase)
    action: PhaseAction = _enum(PhaseAction)
    reason: str = Field(default="", max_length=2_000)
    by: str = ""
    at: datetime | None = _dt()
    #: the exit criteria that were unmet when the phase closed (the rules write it)
    unmet: list[str] = Field(default_factory=list, sa_type=JSON)


class StakeholderBase(EntityBase):
    """A person on either side of the implementation, and where they sit on the escalation
    path (1 is asked first; 0 is not on it)."""

    kind: ClassVar[EntityKind] = EntityKind.STAKEHOLDER

    name: str = Field(min_length=1, max_length=200)
    role: StakeholderRole = _enum(StakeholderRole, StakeholderRole.CUSTOMER_CONTACT)
    organisation: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=20)
    escalation_level: int = Field(default=0, ge=0, le=9)
    #: the project member this person signs in as, if any
    user: str = Field(default="", max_length=80)

    @field_validator("email", mode="after")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if value and (value.count("@") != 1 or "." not in value.split("@")[1]
                      or " " in value or value.startswith("@")):
            raise ValueError(f"{value!r} is not an e-mail address (name@example.com)")
        return value

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            return "" if value is None else value
        try:
            return normalise_number(value)
        except InvalidPhoneNumber as exc:
            raise ValueError(str(exc)) from exc


class KickoffBase(EntityBase):
    """The kickoff call as held: who came, the scope agreed and what was decided."""

    kind: ClassVar[EntityKind] = EntityKind.KICKOFF

    held_at: datetime | None = _dt()
    #: stakeholder ids
    attendees: list[str] = Field(default_factory=list, sa_type=JSON)
    agreed_scope: str = Field(default="", max_length=5_000)
    decisions: list[str] = Field(default_factory=list, sa_type=JSON)
    notes: str = Field(default="", max_length=10_000)


class ActionItemBase(EntityBase):
    """Something someone agreed to do, at a kickoff or any later meeting."""

    kind: ClassVar[EntityKind] = EntityKind.ACTION_ITEM
    state_field: ClassVar[str | None] = "status"

    title: str = Field(min_length=1, max_length=300)
    #: the stakeholder who does it (an id)
    owner: str = Field(default="", max_length=36)
    due_at: datetime | None = _dt()
    status: ActionStatus = _enum(ActionStatus, ActionStatus.OPEN)
    done_at: datetime | None = _dt()
    source: ActionSource = _enum(ActionSource, ActionSource.OTHER)
    #: the kickoff it was agreed at, if any
    kickoff_id: str = Field(default="", max_length=36)


class RaidItemBase(EntityBase):
    """One entry of the RAID log: a risk, assumption, issue or dependency."""

    kind: ClassVar[EntityKind] = EntityKind.RAID_ITEM

    raid_type: RaidType = _enum(RaidType, RaidType.RISK)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    owner: str = Field(default="", max_length=36)
    status: RaidStatus = _enum(RaidStatus, RaidStatus.OPEN)
    #: what was decided about it (the mitigation, or why it is accepted)
    decision: str = Field(default="", max_length=5_000)
    due_at: datetime | None = _dt()


class ChangeRequestBase(EntityBase):
    """A change against the statement of work, and the decision on it."""

    kind: ClassVar[EntityKind] = EntityKind.CHANGE_REQUEST
    state_field: ClassVar[str | None] = "state"

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    #: what it does to scope, dates and cost
    impact: str = Field(default="", max_length=5_000)
    owner: str = Field(default="", max_length=36)
    state: ChangeRequestState = _enum(ChangeRequestState, ChangeRequestState.PROPOSED)
    decision_reason: str = Field(default="", max_length=5_000)
    decided_by: str = ""
    decided_at: datetime | None = _dt()
class CutoverBase(EntityBase):
    """A cutover wave: a date and window for some sites and the port orders that serve them."""

    kind: ClassVar[EntityKind] = EntityKind.CUTOVER
    state_field: ClassVar[str | None] = "state"

    name: str = Field(min_length=1, max_length=200)
    #: the window: when the cutover starts and ends
    starts_at: datetime | None = _dt()
    ends_at: datetime | None = _dt()
    site_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    state: CutoverState = _enum(CutoverState, CutoverState.PLANNED)
    notes: str = ""


class EmergencyLocationBase(EntityBase):
    """A dispatchable location of a site: a floor, suite or room with its address."""

    kind: ClassVar[EntityKind] = EntityKind.EMERGENCY_LOCATION

    site_id: str = Field(index=True, max_length=36)
    #: floor, suite or sub-location, e.g. "Floor 2"
    name: str = Field(min_length=1, max_length=200)
    #: the dispatchable address announced with a 911 call
    address: str = ""
    status: E911Status = _enum(E911Status, E911Status.NOT_SET)
    address_changed_at: datetime | None = _dt()
    validated_at: datetime | None = _dt()
    #: how Zoom maps calls to it: subnet, Wi-Fi BSSID or switch port
    network: str = ""


class SignoffBase(EntityBase):
    """A person's recorded sign-off: the customer's go-live co-sign, acceptance, hand-off."""

    kind: ClassVar[EntityKind] = EntityKind.SIGNOFF
    append_only: ClassVar[bool] = True

    signoff_kind: SignoffKind = _enum(SignoffKind)
    cutover_id: str | None = Field(default=None, max_length=36)
    by: str = ""
    role: Role = _enum(Role, Role.CUSTOMER)
    at: datetime | None = _dt()
    note: str = ""
    #: what the signer accepts as outstanding
    exceptions: list[str] = Field(default_factory=list, sa_type=JSON)


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
    step_kind: RunbookStepKind = _enum(RunbookStepKind, RunbookStepKind.STEP)
    #: a rollback step that asks the losing carrier for a snapback (within about 24 h)
    snapback: bool = False
    sort_order: int = 0


class RunbookRunBase(EntityBase):
    """One run of a cutover's runbook: a rehearsal or the live cutover."""

    kind: ClassVar[EntityKind] = EntityKind.RUNBOOK_RUN

    cutover_id: str = Field(index=True, max_length=36)
    run_kind: RunbookRunKind = _enum(RunbookRunKind, RunbookRunKind.REHEARSAL)
    started_at: datetime | None = _dt()
    finished_at: datetime | None = _dt()
    by: str = ""


class RunbookStepRunBase(EntityBase):
    """One step's timing in one run: its state, actual start and finish."""

    kind: ClassVar[EntityKind] = EntityKind.RUNBOOK_STEP_RUN
    state_field: ClassVar[str | None] = "state"

    run_id: str = Field(index=True, max_length=36)
    step_id: str = Field(max_length=36)
    state: StepRunState = _enum(StepRunState, StepRunState.PENDING)
    started_at: datetime | None = _dt()
    finished_at: datetime | None = _dt()
    note: str = Field(default="", max_length=5_000)
    by: str = ""


class FeedbackBase(EntityBase):
    """The customer's feedback on the project: a score from 1 to 5 and comments."""

    kind: ClassVar[EntityKind] = EntityKind.FEEDBACK
    append_only: ClassVar[bool] = True

    score: int = Field(ge=1, le=5)
    comments: str = Field(default="", max_length=10_000)
    by: str = ""
    at: datetime | None = _dt()


class HandoffBase(EntityBase):
    """The package handed to Service & Support: open issues with their owners, the
    accepted exceptions, contacts and an as-built summary. Support acknowledges it with a
    ``handoff_ack`` sign-off; from then on support owns the open issues it lists."""

    kind: ClassVar[EntityKind] = EntityKind.HANDOFF
    append_only: ClassVar[bool] = True

    #: [{"issue_id": ..., "ref": "GL-…", "title": ..., "owner": ...}]
    open_issues: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    exceptions: list[str] = Field(default_factory=list, sa_type=JSON)
    #: [{"name": ..., "role": ..., "email": ..., "phone": ...}]
    contacts: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    as_built: str = Field(default="", max_length=20_000)
    by: str = ""
    at: datetime | None = _dt()


class AdoptionGapBase(EntityBase):
    """An adoption or training gap found in hypercare, at a site or in a group of users,
    and its follow-up."""

    kind: ClassVar[EntityKind] = EntityKind.ADOPTION_GAP

    #: the site (code or name) or group of users it concerns
    site_or_group: str = Field(min_length=1, max_length=200)
    topic: str = Field(min_length=1, max_length=300)
    #: the stakeholder who follows it up (an id)
    owner: str = Field(default="", max_length=36)
    follow_up: str = Field(default="", max_length=5_000)
    due_at: datetime | None = _dt()
    status: AdoptionGapStatus = _enum(AdoptionGapStatus, AdoptionGapStatus.OPEN)


class FinalCallBase(EntityBase):
    """The final call of the project: performance and access tuning, open items, and the
    review of training and adoption."""

    kind: ClassVar[EntityKind] = EntityKind.FINAL_CALL

    held_at: datetime | None = _dt()
    #: the stakeholders who attended (ids)
    attendees: list[str] = Field(default_factory=list, sa_type=JSON)
    tuning: str = Field(default="", max_length=10_000)
    open_items: str = Field(default="", max_length=10_000)
    adoption_review: str = Field(default="", max_length=10_000)


ENTITY_BASES: dict[EntityKind, type[EntityBase]] = {
    cls.kind: cls
    for cls in (
        ProjectBase,
        SiteBase,
        MilestoneBase,
        ChecklistItemBase,
        PortOrderBase,
        NumberBase,
        VerificationBase,
        IssueBase,
        IssueNoteBase,
        DecisionBase,
        MemberBase,
        PhaseEventBase,
        StakeholderBase,
        KickoffBase,
        ActionItemBase,
        RaidItemBase,
        ChangeRequestBase,
        CutoverBase,
        EmergencyLocationBase,
        SignoffBase,
        RunbookStepBase,
        RunbookRunBase,
        RunbookStepRunBase,
        FeedbackBase,
        HandoffBase,
        AdoptionGapBase,
        FinalCallBase,
    )
}

#: columns that the sync machinery owns; an op's ``fields`` never sets them
SYSTEM_FIELDS = frozenset({"id", "project_id", "version", "updated_at", "updated_by"})
