"""The lifecycle around go-live day: phase events, stakeholders, kickoffs, actions, RAID
items, change requests, feedback, the hand-off, adoption gaps and the final call."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import field_validator
from sqlalchemy import JSON
from sqlmodel import Field

from golive_tui.domain.entities.base import EntityBase, Time, added_field, dt_field, enum_field
from golive_tui.domain.enums import (
    ActionSource,
    ActionStatus,
    AdoptionGapStatus,
    ChangeRequestState,
    EntityKind,
    LifecyclePhase,
    PhaseAction,
    RaidStatus,
    RaidType,
    StakeholderRole,
)
from golive_tui.domain.phone import InvalidPhoneNumber, normalise_number


class PhaseEventBase(EntityBase):
    """A phase closed or reopened: the lifecycle's log, never edited."""

    kind: ClassVar[EntityKind] = EntityKind.PHASE_EVENT
    append_only: ClassVar[bool] = True

    phase: LifecyclePhase = enum_field(LifecyclePhase)
    action: PhaseAction = enum_field(PhaseAction)
    reason: str = Field(default="", max_length=2_000)
    by: str = ""
    at: Time | None = dt_field()
    #: the exit criteria that were unmet when the phase closed (the rules write it)
    unmet: list[str] = Field(default_factory=list, sa_type=JSON)


class StakeholderBase(EntityBase):
    """A person on either side of the implementation, and where they sit on the escalation
    path (1 is asked first; 0 is not on it)."""

    kind: ClassVar[EntityKind] = EntityKind.STAKEHOLDER

    name: str = Field(min_length=1, max_length=200)
    role: StakeholderRole = enum_field(StakeholderRole, StakeholderRole.CUSTOMER_CONTACT)
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

    held_at: Time | None = dt_field()
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
    due_at: Time | None = dt_field()
    status: ActionStatus = enum_field(ActionStatus, ActionStatus.OPEN)
    done_at: Time | None = dt_field()
    source: ActionSource = enum_field(ActionSource, ActionSource.OTHER)
    #: the kickoff it was agreed at, if any
    kickoff_id: str = Field(default="", max_length=36)


class RaidItemBase(EntityBase):
    """One entry of the RAID log: a risk, assumption, issue or dependency."""

    kind: ClassVar[EntityKind] = EntityKind.RAID_ITEM

    raid_type: RaidType = enum_field(RaidType, RaidType.RISK)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    owner: str = Field(default="", max_length=36)
    status: RaidStatus = enum_field(RaidStatus, RaidStatus.OPEN)
    #: what was decided about it (the mitigation, or why it is accepted)
    decision: str = Field(default="", max_length=5_000)
    due_at: Time | None = dt_field()


class ChangeRequestBase(EntityBase):
    """A change against the statement of work, and the decision on it."""

    kind: ClassVar[EntityKind] = EntityKind.CHANGE_REQUEST
    state_field: ClassVar[str | None] = "state"

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    #: what it does to scope, dates and cost
    impact: str = Field(default="", max_length=5_000)
    owner: str = Field(default="", max_length=36)
    state: ChangeRequestState = enum_field(ChangeRequestState, ChangeRequestState.PROPOSED)
    decision_reason: str = Field(default="", max_length=5_000)
    decided_by: str = ""
    decided_at: Time | None = dt_field()


class FeedbackBase(EntityBase):
    """The customer's feedback on the project: a score from 1 to 5 and comments."""

    kind: ClassVar[EntityKind] = EntityKind.FEEDBACK
    append_only: ClassVar[bool] = True

    score: int = Field(ge=1, le=5)
    comments: str = Field(default="", max_length=10_000)
    by: str = ""
    at: Time | None = dt_field()


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
    at: Time | None = dt_field()


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
    due_at: Time | None = dt_field()
    status: AdoptionGapStatus = enum_field(AdoptionGapStatus, AdoptionGapStatus.OPEN)
    #: withdrawn (domain.withdrawal): when, by whom and why; kept on record, never deleted
    withdrawn_at: Time | None = dt_field()
    withdrawn_by: str = added_field("")
    withdraw_reason: str = added_field("", max_length=5_000)


class FinalCallBase(EntityBase):
    """The final call of the project: performance and access tuning, open items, and the
    review of training and adoption."""

    kind: ClassVar[EntityKind] = EntityKind.FINAL_CALL

    held_at: Time | None = dt_field()
    #: the stakeholders who attended (ids)
    attendees: list[str] = Field(default_factory=list, sa_type=JSON)
    tuning: str = Field(default="", max_length=10_000)
    open_items: str = Field(default="", max_length=10_000)
    adoption_review: str = Field(default="", max_length=10_000)
