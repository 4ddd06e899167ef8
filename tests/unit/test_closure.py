"""What closing a project waits for, and who owns the open issues handed to support."""

from __future__ import annotations

from golive_tui.domain.closure import closure_gaps, issue_owners

ACCEPT = {"signoff_kind": "acceptance", "by": "mpoc", "at": "2026-12-07T10:00:00+00:00"}
ACK = {"signoff_kind": "handoff_ack", "by": "desk", "at": "2026-12-07T12:00:00+00:00"}
HANDOFF = {"at": "2026-12-07T11:00:00+00:00",
           "open_issues": [{"issue_id": "i1", "owner": "eng"}, {"issue_id": "i2", "owner": "ipm"}]}


def test_nothing_done_lists_every_gap_in_order() -> None:
    assert closure_gaps([], [], []) == [
        "the customer's acceptance sign-off", "the customer's feedback",
        "the hand-off to support",
    ]


def test_a_handoff_waits_for_support_to_acknowledge_it() -> None:
    assert closure_gaps([ACCEPT], [{"score": 4}], [HANDOFF]) == [
        "support's acknowledgement of the hand-off"]
    assert closure_gaps([ACCEPT, ACK], [{"score": 4}], [HANDOFF]) == []


def test_open_issues_pass_to_support_when_it_acknowledges() -> None:
    assert issue_owners([], [ACK]) == {}
    assert issue_owners([HANDOFF], [ACCEPT]) == {"i1": "eng", "i2": "ipm"}
    assert issue_owners([HANDOFF], [ACCEPT, ACK]) == {"i1": "desk", "i2": "desk"}
