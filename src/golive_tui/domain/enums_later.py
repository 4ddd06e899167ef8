"""The part of the vocabulary (``domain/enums.py``) that the first screen does not show:
these enums are made when a module first names them, not at start-up (making an enum costs
a few hundred microseconds, about one per member)."""

from __future__ import annotations

from enum import StrEnum


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


class AdoptionGapStatus(StrEnum):
    """Where an adoption or training gap found in hypercare stands."""

    OPEN = "open"
    FOLLOWING_UP = "following_up"
    CLOSED = "closed"
