"""The vocabulary of a go-live: every closed set of values the product knows.

The enums the first screen does not need live in :mod:`golive_tui.domain.enums_later` and
are read from here as any other (``from golive_tui.domain.enums import RaidType``): the
module reads that one when one of them is first named, which keeps their making out of
start-up.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from golive_tui.domain.enums_later import ActionSource as ActionSource
    from golive_tui.domain.enums_later import AdoptionGapStatus as AdoptionGapStatus
    from golive_tui.domain.enums_later import ChecklistStream as ChecklistStream
    from golive_tui.domain.enums_later import HoldReason as HoldReason
    from golive_tui.domain.enums_later import IssueCategory as IssueCategory
    from golive_tui.domain.enums_later import NumberType as NumberType
    from golive_tui.domain.enums_later import RaidStatus as RaidStatus
    from golive_tui.domain.enums_later import RaidType as RaidType
    from golive_tui.domain.enums_later import RejectionCode as RejectionCode
    from golive_tui.domain.enums_later import RunbookRunKind as RunbookRunKind
    from golive_tui.domain.enums_later import RunbookStepKind as RunbookStepKind
    from golive_tui.domain.enums_later import StakeholderRole as StakeholderRole
    from golive_tui.domain.enums_later import VerificationResult as VerificationResult


class EntityKind(StrEnum):
    """Every kind of record a project holds; the names are the sync protocol's."""

    PROJECT = "project"
    SITE = "site"
    MILESTONE = "milestone"
    CHECKLIST_ITEM = "checklist_item"
    PORT_ORDER = "port_order"
    NUMBER = "number"
    VERIFICATION = "verification"
    ISSUE = "issue"
    ISSUE_NOTE = "issue_note"
    DECISION = "decision"
    MEMBER = "member"
    PHASE_EVENT = "phase_event"
    STAKEHOLDER = "stakeholder"
    KICKOFF = "kickoff"
    ACTION_ITEM = "action_item"
    RAID_ITEM = "raid_item"
    CHANGE_REQUEST = "change_request"
    CUTOVER = "cutover"
    EMERGENCY_LOCATION = "emergency_location"
    SIGNOFF = "signoff"
    RUNBOOK_STEP = "runbook_step"
    RUNBOOK_RUN = "runbook_run"
    RUNBOOK_STEP_RUN = "runbook_step_run"
    FEEDBACK = "feedback"
    HANDOFF = "handoff"
    ADOPTION_GAP = "adoption_gap"
    FINAL_CALL = "final_call"

    @property
    def words(self) -> str:
        """The kind as a person says it: "issue note"."""
        return self.value.replace("_", " ")

    @property
    def a_noun(self) -> str:
        """The kind with its article: "a number", "an issue note"."""
        words = self.value.replace("_", " ")
        return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


class LifecyclePhase(StrEnum):
    """The seven phases of an MSP's Zoom Phone implementation (DOMAIN.md §2)."""

    IPM_ASSIGNED = "ipm_assigned"
    INITIAL_SETUP = "initial_setup"
    KICKOFF = "kickoff"
    IMPLEMENTATION = "implementation"
    GO_LIVE = "go_live"
    HYPERCARE = "hypercare"
    ACCEPTANCE = "acceptance"

    @property
    def label(self) -> str:
        return _PHASE_LABELS[self]

    @property
    def number(self) -> int:
        return list(LifecyclePhase).index(self) + 1


_PHASE_LABELS = {
    LifecyclePhase.IPM_ASSIGNED: "IPM assigned",
    LifecyclePhase.INITIAL_SETUP: "Initial setup",
    LifecyclePhase.KICKOFF: "Kickoff",
    LifecyclePhase.IMPLEMENTATION: "Implementation",
    LifecyclePhase.GO_LIVE: "Go-live",
    LifecyclePhase.HYPERCARE: "Hypercare",
    LifecyclePhase.ACCEPTANCE: "Acceptance & closure",
}


class PhaseAction(StrEnum):
    """What a phase event records: a phase closed, or a closed phase opened again."""

    CLOSED = "closed"
    REOPENED = "reopened"


class MilestoneStatus(StrEnum):
    """Where a milestone stands, worked out from its dates (``domain.lifecycle``)."""

    PLANNED = "planned"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    LATE = "late"
    DONE = "done"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class ChangeRequestState(StrEnum):
    """A change against the statement of work: proposed, then decided once."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Role(StrEnum):
    """A member's role in one project; permissions follow from it."""

    IPM = "ipm"
    ENGINEER = "engineer"
    SUPPORT = "support"
    CUSTOMER = "customer"
    VIEWER = "viewer"


class PortState(StrEnum):
    """Per-number porting state (ours, mapped to Zoom's order statuses)."""

    DRAFT = "draft"
    LOA_PENDING = "loa_pending"
    SUBMITTED = "submitted"
    FOC_CONFIRMED = "foc_confirmed"
    PORTED = "ported"
    VERIFIED = "verified"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    NOT_PORTABLE = "not_portable"
    SNAPBACK_REQUESTED = "snapback_requested"


ZOOM_ORDER_STATUS_TO_PORT_STATE: dict[str, PortState] = {
    "Not_Submitted": PortState.DRAFT,
    "Waiting": PortState.SUBMITTED,
    "Processing": PortState.SUBMITTED,
    "FOC": PortState.FOC_CONFIRMED,
    "Successfully": PortState.PORTED,
    "Rejected": PortState.REJECTED,
    "Canceled": PortState.CANCELLED,
}


class OrderState(StrEnum):
    """A port order's state (ours): the order's own path, from draft to activation on Zoom.

    Its numbers have their own states (:class:`PortState`) and may diverge from it.
    """

    DRAFT = "draft"
    LOA_PENDING = "loa_pending"
    SUBMITTED = "submitted"
    REJECTED = "rejected"
    FOC_CONFIRMED = "foc_confirmed"
    FOC_MISSED = "foc_missed"
    ACTIVATED = "activated"
    ACTIVATION_FAILED = "activation_failed"
    SNAPBACK_REQUESTED = "snapback_requested"
    SNAPPED_BACK = "snapped_back"
    CANCELLED = "cancelled"
    NOT_PORTABLE = "not_portable"


#: order states stored before orders had their own states, and what they are now
LEGACY_ORDER_STATES: dict[str, OrderState] = {
    "ported": OrderState.ACTIVATED,
    "verified": OrderState.ACTIVATED,
}

ZOOM_ORDER_STATUS_TO_ORDER_STATE: dict[str, OrderState] = {
    "Not_Submitted": OrderState.DRAFT,
    "Waiting": OrderState.SUBMITTED,
    "Processing": OrderState.SUBMITTED,
    "FOC": OrderState.FOC_CONFIRMED,
    "Successfully": OrderState.ACTIVATED,
    "Rejected": OrderState.REJECTED,
    "Canceled": OrderState.CANCELLED,
}

#: the state an order's numbers are in when they follow the order (a fixture's default)
NUMBER_STATE_OF_ORDER: dict[OrderState, PortState] = {
    OrderState.DRAFT: PortState.DRAFT,
    OrderState.LOA_PENDING: PortState.LOA_PENDING,
    OrderState.SUBMITTED: PortState.SUBMITTED,
    OrderState.REJECTED: PortState.REJECTED,
    OrderState.FOC_CONFIRMED: PortState.FOC_CONFIRMED,
    OrderState.FOC_MISSED: PortState.FOC_CONFIRMED,
    OrderState.ACTIVATED: PortState.PORTED,
    OrderState.ACTIVATION_FAILED: PortState.FOC_CONFIRMED,
    OrderState.SNAPBACK_REQUESTED: PortState.SNAPBACK_REQUESTED,
    OrderState.SNAPPED_BACK: PortState.CANCELLED,
    OrderState.CANCELLED: PortState.CANCELLED,
    OrderState.NOT_PORTABLE: PortState.NOT_PORTABLE,
}


class E911Status(StrEnum):
    """Emergency address status of a site or an emergency location (Zoom: 4 = Verified)."""

    NOT_SET = "not_set"
    PENDING = "pending"
    VERIFIED = "verified"
    INVALID = "invalid"


class ChecklistStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    SKIPPED = "skipped"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class IssueState(StrEnum):
    """Post-go-live issue states (ServiceNow incident model)."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_ISSUE_STATES = frozenset({IssueState.NEW, IssueState.IN_PROGRESS, IssueState.ON_HOLD})


class DecisionKind(StrEnum):
    GO = "go"
    NO_GO = "no_go"
    ROLLBACK = "rollback"


class CutoverState(StrEnum):
    """A cutover wave's state: planned, rehearsed, ready, live, completed, or rolled back."""

    PLANNED = "planned"
    REHEARSED = "rehearsed"
    READY = "ready"
    LIVE = "live"
    COMPLETED = "completed"
    ROLLED_BACK = "rolled_back"


#: waves that are over: their gate no longer guards anything
CLOSED_CUTOVER_STATES = frozenset({CutoverState.COMPLETED, CutoverState.ROLLED_BACK})


class SignoffKind(StrEnum):
    """What a sign-off records, and so who may give it (domain.rules)."""

    GO_LIVE_COSIGN = "go_live_cosign"
    ACCEPTANCE = "acceptance"
    HANDOFF_ACK = "handoff_ack"


class StepRunState(StrEnum):
    """Where one step stands in one run of the runbook."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class OpAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    TRANSITION = "transition"
    DELETE = "delete"
    APPEND = "append"


class GateRule(StrEnum):
    """The kinds of evidence the gate weighs (DOMAIN.md §4 and §8), in reading order."""

    SCOPE = "scope"
    GATE_ITEMS = "gate_items"
    PORT_ORDERS = "port_orders"
    CHANGE_FREEZE = "change_freeze"
    E911 = "e911"
    TEST_933 = "test_933"
    NETWORK = "network"
    NO_OPEN_P1 = "no_open_p1"
    CUSTOMER_COSIGN = "customer_cosign"

    @property
    def label(self) -> str:
        return _RULE_LABELS[self]


_RULE_LABELS = {
    GateRule.SCOPE: "The wave has sites and port orders",
    GateRule.GATE_ITEMS: "Gate checklist items done",
    GateRule.PORT_ORDERS: "Every port order has a signed LOA and its FOC for the wave, or is "
    "activated",
    GateRule.CHANGE_FREEZE: "No order changed inside its change freeze without a reason",
    GateRule.E911: "Every emergency location of the wave's sites validated",
    GateRule.TEST_933: "A passing 933 test from every emergency location since its address "
    "last changed",
    GateRule.NETWORK: "Call quality measured within the thresholds at every site",
    GateRule.NO_OPEN_P1: "No open P1 issue at the wave's sites",
    GateRule.CUSTOMER_COSIGN: "The customer's main contact co-signed the wave",
}


#: the enums made only when first named (:mod:`golive_tui.domain.enums_later`)
LATER = frozenset({
    "StakeholderRole",
    "ActionSource",
    "RaidType",
    "RaidStatus",
    "RejectionCode",
    "NumberType",
    "ChecklistStream",
    "VerificationResult",
    "IssueCategory",
    "HoldReason",
    "RunbookStepKind",
    "RunbookRunKind",
    "AdoptionGapStatus",
})


def __getattr__(name: str) -> Any:
    """An enum of :data:`LATER`, read from its module when first named."""
    if name in LATER:
        from golive_tui.domain import enums_later

        value = getattr(enums_later, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
