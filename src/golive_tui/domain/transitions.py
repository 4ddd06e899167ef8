"""State machines: one table of legal transitions each, and a reason for every refusal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from golive_tui.domain.enums import (
    ActionStatus,
    ChangeRequestState,
    ChecklistStatus,
    CutoverState,
    IssueState,
    OrderState,
    PortState,
    StepRunState,
)
from golive_tui.domain.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)


def state_words(state: StrEnum) -> str:
    """A state as a person reads it: ``not_portable`` is "not portable"."""
    return state.value.replace("_", " ")


@dataclass(frozen=True)
class StateMachine(Generic[S]):
    """Legal moves between states, plus the words to say when a move is refused."""

    subject: str
    moves: Mapping[S, frozenset[S]]
    #: a specific explanation for a refused (from, to) pair, where the generic one is not enough
    hints: Mapping[tuple[S, S], str] = field(default_factory=dict)

    def allowed(self, current: S) -> frozenset[S]:
        return self.moves.get(current, frozenset())

    def is_legal(self, current: S, target: S) -> bool:
        return target in self.allowed(current)

    def refusal(self, current: S, target: S) -> str | None:
        """Why ``current → target`` is refused, or None when it is legal, in words (a
        state's code such as ``not_portable`` is said "not portable")."""
        if self.is_legal(current, target):
            return None
        allowed = sorted(state_words(s) for s in self.allowed(current))
        nxt = (
            f"From {state_words(current)} it can go to: {', '.join(allowed)}."
            if allowed
            else f"{state_words(current).capitalize()} is final: nothing can follow it."
        )
        if current == target:
            # still say what can follow, so the person knows the next step
            return f"{self.subject} is already {state_words(current)}. {nxt}"
        hint = self.hints.get((current, target), "")
        head = (f"{self.subject} cannot go from {state_words(current)} to "
                f"{state_words(target)}.")
        return " ".join(part for part in (head, hint, nxt) if part)

    def check(self, current: S, target: S) -> None:
        if target in self.moves.get(current, ()):
            return  # legal, as nearly every move of a bulk change is: nothing to word
        reason = self.refusal(current, target)
        if reason is not None:
            raise IllegalTransition(
                reason,
                details={"from": current.value, "to": target.value, "subject": self.subject},
            )


def _moves(table: dict[S, set[S]]) -> dict[S, frozenset[S]]:
    return {state: frozenset(targets) for state, targets in table.items()}


P = PortState
PORTING = StateMachine[PortState](
    subject="A number",
    moves=_moves(
        {
            P.DRAFT: {P.LOA_PENDING, P.SUBMITTED, P.CANCELLED, P.NOT_PORTABLE},
            P.LOA_PENDING: {P.DRAFT, P.SUBMITTED, P.CANCELLED, P.NOT_PORTABLE},
            P.SUBMITTED: {P.FOC_CONFIRMED, P.REJECTED, P.CANCELLED, P.NOT_PORTABLE},
            P.FOC_CONFIRMED: {P.PORTED, P.SUBMITTED, P.REJECTED, P.CANCELLED},
            P.PORTED: {P.VERIFIED, P.SNAPBACK_REQUESTED},
            P.VERIFIED: {P.SNAPBACK_REQUESTED, P.PORTED},
            P.REJECTED: {P.SUBMITTED, P.CANCELLED, P.NOT_PORTABLE},
            P.CANCELLED: {P.DRAFT},
            P.NOT_PORTABLE: set(),
            P.SNAPBACK_REQUESTED: {P.PORTED, P.CANCELLED},
        }
    ),
    hints={
        (P.DRAFT, P.PORTED): "A number must be submitted and FOC-confirmed by the losing "
        "carrier before it can be ported.",
        (P.LOA_PENDING, P.PORTED): "The LOA must be signed and the order submitted and "
        "FOC-confirmed first.",
        (P.SUBMITTED, P.PORTED): "Wait for the losing carrier's FOC before marking it ported.",
        (P.DRAFT, P.FOC_CONFIRMED): "Submit the port order to the carrier first.",
        (P.REJECTED, P.FOC_CONFIRMED): "Fix the rejection and resubmit the order first.",
        (P.REJECTED, P.PORTED): "Fix the rejection and resubmit the order first.",
        (P.SUBMITTED, P.VERIFIED): "Only a ported number can be verified.",
        (P.FOC_CONFIRMED, P.VERIFIED): "Only a ported number can be verified.",
        (P.DRAFT, P.VERIFIED): "Only a ported number can be verified.",
    },
)

OS = OrderState
ORDER = StateMachine[OrderState](
    subject="A port order",
    moves=_moves(
        {
            OS.DRAFT: {OS.LOA_PENDING, OS.SUBMITTED, OS.CANCELLED, OS.NOT_PORTABLE},
            OS.LOA_PENDING: {OS.DRAFT, OS.SUBMITTED, OS.CANCELLED, OS.NOT_PORTABLE},
            OS.SUBMITTED: {OS.FOC_CONFIRMED, OS.REJECTED, OS.CANCELLED, OS.NOT_PORTABLE},
            # corrected and resubmitted
            OS.REJECTED: {OS.SUBMITTED, OS.CANCELLED, OS.NOT_PORTABLE},
            OS.FOC_CONFIRMED: {
                OS.ACTIVATED, OS.FOC_MISSED, OS.ACTIVATION_FAILED, OS.REJECTED, OS.SUBMITTED,
                OS.CANCELLED,
            },
            # the carrier gives a new FOC, or the order goes back to the carrier
            OS.FOC_MISSED: {OS.FOC_CONFIRMED, OS.SUBMITTED, OS.REJECTED, OS.CANCELLED},
            OS.ACTIVATION_FAILED: {OS.ACTIVATED, OS.FOC_CONFIRMED, OS.REJECTED, OS.CANCELLED},
            OS.ACTIVATED: {OS.SNAPBACK_REQUESTED},
            # the losing carrier need not honour a snapback: refused, the order stays active
            OS.SNAPBACK_REQUESTED: {OS.SNAPPED_BACK, OS.ACTIVATED},
            OS.SNAPPED_BACK: {OS.DRAFT},
            OS.CANCELLED: {OS.DRAFT},
            OS.NOT_PORTABLE: set(),
        }
    ),
    hints={
        (OS.DRAFT, OS.FOC_CONFIRMED): "Submit the order to the carrier first.",
        (OS.LOA_PENDING, OS.FOC_CONFIRMED): "The LOA must be signed and the order submitted "
        "first.",
        (OS.REJECTED, OS.FOC_CONFIRMED): "Correct the order and resubmit it first.",
        (OS.DRAFT, OS.ACTIVATED): "An order is activated only after the carrier's FOC.",
        (OS.LOA_PENDING, OS.ACTIVATED): "An order is activated only after the carrier's FOC.",
        (OS.SUBMITTED, OS.ACTIVATED): "Wait for the losing carrier's FOC before activating it.",
        (OS.REJECTED, OS.ACTIVATED): "Correct the order and resubmit it first.",
        (OS.FOC_CONFIRMED, OS.SNAPBACK_REQUESTED): "Only an activated order can be snapped back.",
        (OS.ACTIVATED, OS.CANCELLED): "An activated order cannot be cancelled; request a "
        "snapback if the wrong numbers were ported.",
    },
)

CS = CutoverState
CUTOVER = StateMachine[CutoverState](
    subject="A cutover",
    moves=_moves(
        {
            # a wave may be declared ready without a rehearsal: small waves often have none
            CS.PLANNED: {CS.REHEARSED, CS.READY},
            CS.REHEARSED: {CS.PLANNED, CS.READY},
            CS.READY: {CS.PLANNED, CS.REHEARSED, CS.LIVE, CS.ROLLED_BACK},
            CS.LIVE: {CS.COMPLETED, CS.ROLLED_BACK},
            # a rolled-back wave is planned again for another window
            CS.ROLLED_BACK: {CS.PLANNED},
            CS.COMPLETED: set(),
        }
    ),
    hints={
        (CS.PLANNED, CS.LIVE): "Declare it ready first (after its rehearsal, if it has one).",
        (CS.REHEARSED, CS.LIVE): "Declare it ready first.",
        (CS.PLANNED, CS.COMPLETED): "A wave is completed after it went live.",
        (CS.READY, CS.COMPLETED): "A wave is completed after it went live.",
        (CS.PLANNED, CS.ROLLED_BACK): "Only a wave that is ready or live can be rolled back.",
        (CS.COMPLETED, CS.ROLLED_BACK): "A completed wave stays completed; snap back its "
        "orders one by one if needed.",
    },
)

IS = IssueState
ISSUE = StateMachine[IssueState](
    subject="An issue",
    moves=_moves(
        {
            IS.NEW: {IS.IN_PROGRESS, IS.ON_HOLD, IS.RESOLVED, IS.CANCELLED},
            IS.IN_PROGRESS: {IS.ON_HOLD, IS.RESOLVED, IS.CANCELLED},
            IS.ON_HOLD: {IS.IN_PROGRESS, IS.RESOLVED, IS.CANCELLED},
            IS.RESOLVED: {IS.CLOSED, IS.IN_PROGRESS},
            IS.CLOSED: set(),
            IS.CANCELLED: set(),
        }
    ),
    hints={
        (IS.CLOSED, IS.IN_PROGRESS): "A closed issue stays closed; open a new one that links it.",
        (IS.NEW, IS.CLOSED): "Resolve it first, with a resolution note.",
        (IS.IN_PROGRESS, IS.CLOSED): "Resolve it first, with a resolution note.",
        (IS.ON_HOLD, IS.CLOSED): "Resolve it first, with a resolution note.",
    },
)

C = ChecklistStatus
CHECKLIST = StateMachine[ChecklistStatus](
    subject="A checklist item",
    moves=_moves(
        {
            C.TODO: {C.IN_PROGRESS, C.BLOCKED, C.DONE, C.SKIPPED},
            C.IN_PROGRESS: {C.TODO, C.BLOCKED, C.DONE, C.SKIPPED},
            C.BLOCKED: {C.TODO, C.IN_PROGRESS, C.SKIPPED},
            C.DONE: {C.TODO},
            C.SKIPPED: {C.TODO},
        }
    ),
    hints={
        (C.BLOCKED, C.DONE): "Unblock it first: set it back to todo or in progress.",
        (C.DONE, C.SKIPPED): "Reopen it first.",
        (C.SKIPPED, C.DONE): "Reopen it first.",
    },
)

CR = ChangeRequestState
CHANGE_REQUEST = StateMachine[ChangeRequestState](
    subject="A change request",
    moves=_moves({CR.PROPOSED: {CR.APPROVED, CR.REJECTED, CR.WITHDRAWN}}),
    hints={
        (CR.REJECTED, CR.APPROVED): "A decided change request stays decided; raise a new one.",
        (CR.APPROVED, CR.REJECTED): "A decided change request stays decided; raise a new one.",
    },
)

ACTION = StateMachine[ActionStatus](
    subject="An action",
    moves=_moves({ActionStatus.OPEN: {ActionStatus.DONE}, ActionStatus.DONE: {ActionStatus.OPEN}}),
)

SR = StepRunState
STEP_RUN = StateMachine[StepRunState](
    subject="A runbook step",
    moves=_moves(
        {
            SR.PENDING: {SR.IN_PROGRESS, SR.SKIPPED},
            # back to pending: started by mistake
            SR.IN_PROGRESS: {SR.DONE, SR.FAILED, SR.PENDING},
            SR.FAILED: {SR.IN_PROGRESS, SR.SKIPPED},
            SR.SKIPPED: {SR.PENDING},
            SR.DONE: set(),
        }
    ),
    hints={
        (SR.PENDING, SR.DONE): "Start it first, so its actual start is recorded.",
        (SR.PENDING, SR.FAILED): "Start it first, so its actual start is recorded.",
        (SR.DONE, SR.IN_PROGRESS): "A done step stays done in this run; record what went "
        "wrong in a note or start a new run.",
    },
)

#: the next state a user most often wants, for one-key "advance" actions
NEXT_PORT_STATE: dict[PortState, PortState] = {
    P.DRAFT: P.LOA_PENDING,
    P.LOA_PENDING: P.SUBMITTED,
    P.SUBMITTED: P.FOC_CONFIRMED,
    P.FOC_CONFIRMED: P.PORTED,
    P.PORTED: P.VERIFIED,
    P.REJECTED: P.SUBMITTED,
}

#: the next state of an order on its usual path, for one-key "advance" actions
NEXT_ORDER_STATE: dict[OrderState, OrderState] = {
    OS.DRAFT: OS.LOA_PENDING,
    OS.LOA_PENDING: OS.SUBMITTED,
    OS.SUBMITTED: OS.FOC_CONFIRMED,
    OS.FOC_CONFIRMED: OS.ACTIVATED,
    OS.REJECTED: OS.SUBMITTED,
}

#: orders whose numbers are live on Zoom
ORDER_DONE_STATES = frozenset({OS.ACTIVATED})
#: orders with a carrier commitment or done
ORDER_READY_STATES = frozenset({OS.FOC_CONFIRMED, OS.ACTIVATED})

#: how far along the porting path each state is, for progress bars
PORT_DONE_STATES = frozenset({P.PORTED, P.VERIFIED})
PORT_READY_STATES = frozenset({P.FOC_CONFIRMED, P.PORTED, P.VERIFIED})
