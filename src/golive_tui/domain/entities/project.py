"""The project and its network: sites, milestones, members, cutover waves, emergency
locations, port orders and numbers."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import field_validator
from sqlalchemy import JSON
from sqlmodel import Field

from golive_tui.domain.entities.base import EntityBase, Time, added_field, dt_field, enum_field
from golive_tui.domain.enums import (
    CutoverState,
    E911Status,
    EntityKind,
    LifecyclePhase,
    NumberType,
    OrderState,
    PortState,
    Role,
)
from golive_tui.domain.phone import InvalidPhoneNumber, normalise_number


class ProjectBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.PROJECT
    #: the current phase moves only by closing or reopening a phase (domain.lifecycle)
    state_field: ClassVar[str | None] = "phase"

    name: str = Field(min_length=1, max_length=200)
    customer: str = Field(min_length=1, max_length=200)
    time_zone: str = "America/New_York"
    cutover_at: Time | None = dt_field()
    phase: LifecyclePhase = enum_field(LifecyclePhase, LifecyclePhase.GO_LIVE)
    description: str = ""
    #: per-project SLA policy (domain.sla.SlaPolicy as JSON); empty means the defaults
    sla_policy: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    #: network readiness thresholds (domain.network.NetworkThresholds as JSON); empty: defaults
    network_thresholds: dict[str, Any] = added_field({})
    #: the ISO 3166 country whose numbers the project ports (others are flagged on import)
    country: str = added_field("US", min_length=2, max_length=2)
    #: days no port activates, {"2026-12-24": "Christmas Eve"}; empty: US federal holidays
    #: (checked by domain.port_orders.check_holidays)
    holidays: dict[str, Any] = added_field({})
    #: a closed project is read-only for everyone (domain.closure); only the server's
    #: administrator reopens it, with a reason
    closed_at: Time | None = dt_field()
    closed_by: str = added_field("")
    #: why the IPM closed it without all of acceptance, feedback and an acknowledged hand-off
    close_reason: str = added_field("", max_length=5_000)
    reopened_at: Time | None = dt_field()
    reopened_by: str = added_field("")
    reopen_reason: str = added_field("", max_length=5_000)


class SiteBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.SITE

    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    address: str = ""
    time_zone: str = "America/New_York"
    e911_address: str = ""
    e911_status: E911Status = enum_field(E911Status, E911Status.NOT_SET)
    main_number: str | None = None
    floors: int = 1


class MilestoneBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.MILESTONE

    phase: LifecyclePhase = enum_field(LifecyclePhase)
    name: str = Field(min_length=1, max_length=200)
    #: planned
    due_at: Time | None = dt_field()
    #: actual
    done_at: Time | None = dt_field()
    #: the stakeholder who owns it (an id; empty when nobody does)
    owner: str = Field(default="", max_length=36, sa_column_kwargs={"server_default": ""})
    #: when it is now expected; its status follows from the three dates (domain.lifecycle)
    forecast_at: Time | None = dt_field()


class MemberBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.MEMBER

    user: str = Field(min_length=1, max_length=80)
    display_name: str = ""
    role: Role = enum_field(Role, Role.VIEWER)


class CutoverBase(EntityBase):
    """A cutover wave: a date and window for some sites and the port orders that serve them."""

    kind: ClassVar[EntityKind] = EntityKind.CUTOVER
    state_field: ClassVar[str | None] = "state"

    name: str = Field(min_length=1, max_length=200)
    #: the window: when the cutover starts and ends
    starts_at: Time | None = dt_field()
    ends_at: Time | None = dt_field()
    site_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    state: CutoverState = enum_field(CutoverState, CutoverState.PLANNED)
    notes: str = ""


class EmergencyLocationBase(EntityBase):
    """A dispatchable location of a site: a floor, suite or room with its address."""

    kind: ClassVar[EntityKind] = EntityKind.EMERGENCY_LOCATION

    site_id: str = Field(index=True, max_length=36)
    #: floor, suite or sub-location, e.g. "Floor 2"
    name: str = Field(min_length=1, max_length=200)
    #: the dispatchable address announced with a 911 call
    address: str = ""
    status: E911Status = enum_field(E911Status, E911Status.NOT_SET)
    address_changed_at: Time | None = dt_field()
    validated_at: Time | None = dt_field()
    #: how Zoom maps calls to it: subnet, Wi-Fi BSSID or switch port
    network: str = ""


class PortOrderBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.PORT_ORDER
    state_field: ClassVar[str | None] = "status"

    pon: str = Field(min_length=1, max_length=60)
    carrier: str = Field(min_length=1, max_length=120)
    btn: str = ""
    loa_id: str = ""
    loa_signed_at: Time | None = dt_field()
    toll_free: bool = False
    requested_foc: Time | None = dt_field()
    confirmed_foc: Time | None = dt_field()
    status: OrderState = enum_field(OrderState, OrderState.DRAFT)
    rejection_code: str | None = None
    zoom_order_id: str = ""
    notes: str = ""
    #: the cutover wave this order serves
    cutover_id: str | None = Field(default=None, max_length=36)
    #: what the losing carrier's CSR must match
    account_number: str = added_field("")
    pin: str = added_field("")
    service_address: str = added_field("")
    authorised_name: str = added_field("")
    #: the losing carrier's NPAC provider id
    spid: str = added_field("")
    csr_received_at: Time | None = dt_field()
    loa_signed_by: str = added_field("")
    #: toll-free orders: the RespOrg that controls the numbers
    resp_org: str = added_field("")
    #: when the numbers went live on Zoom (the snapback window counts from it)
    activated_at: Time | None = dt_field()
    #: every FOC the carrier gave or moved: [{at, foc, reason, by}], oldest first
    foc_history: list[dict[str, Any]] = added_field([])
    #: why the order was last changed inside its change freeze
    change_reason: str = added_field("")


class NumberBase(EntityBase):
    kind: ClassVar[EntityKind] = EntityKind.NUMBER
    state_field: ClassVar[str | None] = "porting_state"

    e164: str = Field(max_length=20)
    site_id: str | None = Field(default=None, max_length=36)
    order_id: str | None = Field(default=None, max_length=36)
    number_type: NumberType = enum_field(NumberType, NumberType.DID)
    assigned_to: str = ""
    porting_state: PortState = enum_field(PortState, PortState.DRAFT)
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
