"""The vocabulary of a go-live: every closed set of values the product knows."""

from __future__ import annotations

from enum import StrEnum


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


class StakeholderRole(StrEnum):
    """The part a person plays in the implementation, on either side."""

    IPM = "ipm"
    MPOC = "mpoc"
    CUSTOMER_CONTACT = "customer_contact"
    ENGINEER = "engineer"
    SUPPORT = "support"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _STAKEHOLDER_LABELS[self]


_STAKEHOLDER_LABELS = {
    StakeholderRole.IPM: "IPM",
    StakeholderRole.MPOC: "MPOC",
    StakeholderRole.CUSTOMER_CONTACT: "Customer contact",
    StakeholderRole.ENGINEER: "Engineer",
    StakeholderRole.SUPPORT: "Support",
    StakeholderRole.OTHER: "Other",
}


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class ActionSource(StrEnum):
    """Where an action was agreed; the same list serves every meeting of the lifecycle."""

    KICKOFF = "kickoff"
    RAID = "raid"
    HYPERCARE = "hypercare"
    FINAL_CALL = "final_call"
    OTHER = "other"


class RaidType(StrEnum):
    """The four lists of a RAID log."""

    RISK = "risk"
    ASSUMPTION = "assumption"
    ISSUE = "issue"
    DEPENDENCY = "dependency"


class RaidStatus(StrEnum):
    OPEN = "open"
    MONITORING = "monitoring"
    CLOSED = "closed"


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


class RejectionCode(StrEnum):
    """Why a losing carrier refused a port (Zoom KB0085052 and carrier docs)."""

    ADDR_MISMATCH = "ADDR_MISMATCH"
    ACCT_NUM_MISSING = "ACCT_NUM_MISSING"
    ACCT_NUM_INVALID = "ACCT_NUM_INVALID"
    DISCONNECTED = "DISCONNECTED"
    BTN_INCORRECT = "BTN_INCORRECT"
    NAME_MISMATCH = "NAME_MISMATCH"
    PARTIAL_PORT = "PARTIAL_PORT"
    PIN_REQUIRED = "PIN_REQUIRED"
    PIN_INVALID = "PIN_INVALID"
    PENDING_ORDER = "PENDING_ORDER"
    LOCK_FREEZE = "LOCK_FREEZE"
    BILL_COPY_REQUIRED = "BILL_COPY_REQUIRED"
    AUTH_NAME_MISMATCH = "AUTH_NAME_MISMATCH"
    NOT_PORTABLE = "NOT_PORTABLE"
    DSL_OR_ALARM_ON_LINE = "DSL_OR_ALARM_ON_LINE"
    #: Zoom: only some numbers of the order completed (KB0061279)
    PARTIAL_ORDER_COMMIT_FAILURE = "PARTIAL_ORDER_COMMIT_FAILURE"


class NumberType(StrEnum):
    DID = "did"
    MAIN = "main"
    TOLL_FREE = "toll_free"
    FAX = "fax"
    COMMON_AREA = "common_area"


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


class ChecklistStream(StrEnum):
    """The work stream a checklist item belongs to."""

    PROJECT = "project"
    NETWORK = "network"
    BUILD = "build"
    E911 = "e911"
    PORTING = "porting"
    CUSTOMER = "customer"
    SUPPORT = "support"


class VerificationResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_TESTED = "not_tested"
    #: the test does not apply at this site; the entry's note says why
    NOT_APPLICABLE = "not_applicable"


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


class IssueCategory(StrEnum):
    """Common hypercare categories (DOMAIN.md §6)."""

    NO_AUDIO = "no_audio"
    CHOPPY_AUDIO = "choppy_audio"
    DROPPED_CALLS = "dropped_calls"
    ECHO_DTMF = "echo_dtmf"
    INBOUND_NOT_REACHING = "inbound_not_reaching"
    WRONG_CALLER_ID = "wrong_caller_id"
    E911_ADDRESS = "e911_address"
    EMERGENCY_NOTIFICATION = "emergency_notification"
    PHONE_PROVISIONING = "phone_provisioning"
    PAGING = "paging"
    CALL_QUEUE = "call_queue"
    AUTO_RECEPTIONIST = "auto_receptionist"
    VOICEMAIL = "voicemail"
    FAX = "fax"
    SERVICES_LOST_WITH_PORT = "services_lost_with_port"
    WRONG_NUMBER_PORTED = "wrong_number_ported"
    CLIENT_LOGIN = "client_login"
    TRAINING = "training"
    OTHER = "other"


class HoldReason(StrEnum):
    AWAITING_CUSTOMER = "awaiting_customer"
    AWAITING_VENDOR = "awaiting_vendor"
    AWAITING_CHANGE = "awaiting_change"


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


class RunbookStepKind(StrEnum):
    """What a runbook step is: work, the go / no-go checkpoint, the point of no return, or a
    rollback step kept ready before it is needed."""

    STEP = "step"
    CHECKPOINT = "checkpoint"
    POINT_OF_NO_RETURN = "point_of_no_return"
    ROLLBACK = "rollback"


class RunbookRunKind(StrEnum):
    """A run of a cutover's runbook: a dress rehearsal or the live cutover."""

    REHEARSAL = "rehearsal"
    LIVE = "live"


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


class AdoptionGapStatus(StrEnum):
    """Where an adoption or training gap found in hypercare stands."""

    OPEN = "open"
    FOLLOWING_UP = "following_up"
    CLOSED = "closed"


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
