"""The three state machines: every move legal or refused as written down here, and every
refusal says where the record is, where it was asked to go, and where it can go instead.

The expected tables below are written out by hand from DOMAIN.md §3, §4 and §6; they are
deliberately not derived from ``golive_tui.domain.transitions``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import pytest

from golive_tui.domain.enums import ChecklistStatus, IssueState, PortState
from golive_tui.domain.errors import IllegalTransition
from golive_tui.domain.transitions import (
    CHECKLIST,
    ISSUE,
    NEXT_PORT_STATE,
    PORTING,
    StateMachine,
    state_words,
)

# ----------------------------------------------------------------------------- the tables

#: per-number porting: draft → loa_pending → submitted → foc_confirmed → ported → verified,
#: rejected goes back to submitted after a fix, snapback reverses a wrong port
EXPECTED_PORTING: dict[str, set[str]] = {
    "draft": {"loa_pending", "submitted", "cancelled", "not_portable"},
    "loa_pending": {"draft", "submitted", "cancelled", "not_portable"},
    "submitted": {"foc_confirmed", "rejected", "cancelled", "not_portable"},
    "foc_confirmed": {"ported", "submitted", "rejected", "cancelled"},
    "ported": {"verified", "snapback_requested"},
    "verified": {"ported", "snapback_requested"},
    "rejected": {"submitted", "cancelled", "not_portable"},
    "cancelled": {"draft"},
    "not_portable": set(),
    "snapback_requested": {"ported", "cancelled"},
}

#: hypercare issues (ServiceNow incident model): closed and cancelled are final
EXPECTED_ISSUE: dict[str, set[str]] = {
    "new": {"in_progress", "on_hold", "resolved", "cancelled"},
    "in_progress": {"on_hold", "resolved", "cancelled"},
    "on_hold": {"in_progress", "resolved", "cancelled"},
    "resolved": {"closed", "in_progress"},
    "closed": set(),
    "cancelled": set(),
}

#: checklist items: done and skipped can only be reopened
EXPECTED_CHECKLIST: dict[str, set[str]] = {
    "todo": {"in_progress", "blocked", "done", "skipped"},
    "in_progress": {"todo", "blocked", "done", "skipped"},
    "blocked": {"todo", "in_progress", "skipped"},
    "done": {"todo"},
    "skipped": {"todo"},
}

Machine = StateMachine[Any]
MACHINES: list[tuple[str, Machine, type[StrEnum], dict[str, set[str]]]] = [
    ("porting", PORTING, PortState, EXPECTED_PORTING),
    ("issue", ISSUE, IssueState, EXPECTED_ISSUE),
    ("checklist", CHECKLIST, ChecklistStatus, EXPECTED_CHECKLIST),
]


def _every_pair() -> list[Any]:
    pairs = []
    for name, machine, enum, expected in MACHINES:
        for current in enum:
            for target in enum:
                legal = target.value in expected[current.value]
                pairs.append(
                    pytest.param(
                        machine,
                        current,
                        target,
                        legal,
                        expected[current.value],
                        id=f"{name}:{current.value}->{target.value}",
                    )
                )
    return pairs


ALL_PAIRS = _every_pair()
FROM_LIST = re.compile(r"From (?P<state>[\w ]+?) it can go to: (?P<states>[\w, ]+)\.")


@pytest.mark.parametrize(("name", "machine", "enum", "expected"), MACHINES,
                         ids=[m[0] for m in MACHINES])
def test_expected_table_covers_every_state_of_the_enum(
    name: str, machine: Machine, enum: type[StrEnum], expected: dict[str, set[str]]
) -> None:
    states = {s.value for s in enum}
    assert set(expected) == states, f"{name}: the hand-written table misses a state"
    for targets in expected.values():
        assert targets <= states


def test_the_cross_product_has_every_pair() -> None:
    # 10 porting states, 6 issue states, 5 checklist states
    assert len(ALL_PAIRS) == 10 * 10 + 6 * 6 + 5 * 5


@pytest.mark.parametrize(("machine", "current", "target", "legal", "allowed"), ALL_PAIRS)
def test_move_is_legal_exactly_when_the_table_says_so(
    machine: Machine,
    current: Any,
    target: Any,
    legal: bool,
    allowed: set[str],
) -> None:
    assert machine.is_legal(current, target) is legal
    assert {s.value for s in machine.allowed(current)} == allowed
    if legal:
        assert machine.refusal(current, target) is None
        machine.check(current, target)  # does not raise
    else:
        with pytest.raises(IllegalTransition) as refused:
            machine.check(current, target)
        assert refused.value.code == "illegal_transition"
        assert refused.value.details["from"] == current.value
        assert refused.value.details["to"] == target.value
        assert refused.value.message == machine.refusal(current, target)


@pytest.mark.parametrize(
    ("machine", "current", "target", "legal", "allowed"),
    [p for p in ALL_PAIRS if not p.values[3]],
)
def test_refusal_names_both_states_and_what_is_allowed_instead(
    machine: Machine,
    current: Any,
    target: Any,
    legal: bool,
    allowed: set[str],
) -> None:
    message = machine.refusal(current, target)
    assert message is not None
    assert message.startswith(machine.subject)
    assert "_" not in message, "a state is said in words, not as its code"
    assert re.search(rf"\b{state_words(current)}\b", message)
    assert re.search(rf"\b{state_words(target)}\b", message)
    if allowed:
        found = FROM_LIST.search(message)
        assert found, f"no 'From … it can go to: …' in {message!r}"
        assert found["state"] == state_words(current)
        assert set(found["states"].split(", ")) == {a.replace("_", " ") for a in allowed}
    else:
        assert f"{state_words(current).capitalize()} is final: nothing can follow it." in message
        assert "can go to" not in message


@pytest.mark.parametrize(
    ("machine", "current", "target", "phrases"),
    [
        pytest.param(PORTING, PortState.DRAFT, PortState.PORTED,
                     ("must be submitted", "FOC-confirmed"), id="draft-ported"),
        pytest.param(PORTING, PortState.LOA_PENDING, PortState.PORTED,
                     ("LOA must be signed",), id="loa_pending-ported"),
        pytest.param(PORTING, PortState.SUBMITTED, PortState.PORTED,
                     ("Wait for the losing carrier's FOC",), id="submitted-ported"),
        pytest.param(PORTING, PortState.DRAFT, PortState.FOC_CONFIRMED,
                     ("Submit the port order",), id="draft-foc"),
        pytest.param(PORTING, PortState.REJECTED, PortState.PORTED,
                     ("Fix the rejection and resubmit",), id="rejected-ported"),
        pytest.param(PORTING, PortState.REJECTED, PortState.FOC_CONFIRMED,
                     ("Fix the rejection and resubmit",), id="rejected-foc"),
        pytest.param(PORTING, PortState.SUBMITTED, PortState.VERIFIED,
                     ("Only a ported number can be verified",), id="submitted-verified"),
        pytest.param(ISSUE, IssueState.CLOSED, IssueState.IN_PROGRESS,
                     ("stays closed", "open a new one"), id="closed-in_progress"),
        pytest.param(ISSUE, IssueState.IN_PROGRESS, IssueState.CLOSED,
                     ("Resolve it first", "resolution note"), id="in_progress-closed"),
        pytest.param(CHECKLIST, ChecklistStatus.BLOCKED, ChecklistStatus.DONE,
                     ("Unblock it first",), id="blocked-done"),
        pytest.param(CHECKLIST, ChecklistStatus.SKIPPED, ChecklistStatus.DONE,
                     ("Reopen it first",), id="skipped-done"),
    ],
)
def test_common_mistakes_get_a_specific_hint(
    machine: Machine,
    current: Any,
    target: Any,
    phrases: tuple[str, ...],
) -> None:
    message = machine.refusal(current, target)
    assert message is not None
    for phrase in phrases:
        assert phrase in message


def test_draft_to_ported_reads_as_one_clear_sentence_chain() -> None:
    assert PORTING.refusal(PortState.DRAFT, PortState.PORTED) == (
        "A number cannot go from draft to ported. A number must be submitted and "
        "FOC-confirmed by the losing carrier before it can be ported. From draft it can go "
        "to: cancelled, loa pending, not portable, submitted."
    )


def test_moving_to_the_same_state_says_it_is_already_there() -> None:
    message = PORTING.refusal(PortState.SUBMITTED, PortState.SUBMITTED)
    assert message is not None
    assert message.startswith("A number is already submitted.")


def test_not_portable_is_final_for_a_number() -> None:
    assert PORTING.allowed(PortState.NOT_PORTABLE) == frozenset()
    message = PORTING.refusal(PortState.NOT_PORTABLE, PortState.DRAFT)
    assert message == (
        "A number cannot go from not portable to draft. "
        "Not portable is final: nothing can follow it."
    )


@pytest.mark.parametrize(("current", "advance"), list(NEXT_PORT_STATE.items()),
                         ids=lambda s: str(s))
def test_one_key_advance_is_always_a_legal_move(current: PortState, advance: PortState) -> None:
    assert advance.value in EXPECTED_PORTING[current.value]
