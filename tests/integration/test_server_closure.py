"""Acceptance, feedback, the hand-off and closing, sent straight to a running server with
a plain HTTP client (SQLite and PostgreSQL): each forbidden op is refused with its reason
and changes nothing; a closed project refuses every write until the administrator reopens
it with a reason."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from golive_tui.server import admin
from tests.conftest import ServerUnderTest
from tests.integration.test_server_rules import BACKENDS, Op, post_ops, read_state

REASON = "The customer's sponsor left; acceptance is tracked by their successor"


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest) -> ServerUnderTest:
    server = request.getfixturevalue(request.param)
    assert isinstance(server, ServerUnderTest)
    server.grant("mpoc", "customer")  # a customer contact, not the main one
    server.grant("dana.whitfield", "customer")  # the demo's MPOC signs in as this
    server.grant("desk", "support")
    return server


def _result(server: ServerUnderTest, user: str, op: Op) -> dict[str, Any]:
    result: dict[str, Any] = post_ops(server, user, [op]).json()["results"][0]
    return result


def _applied(server: ServerUnderTest, user: str, op: Op) -> dict[str, Any]:
    result = _result(server, user, op)
    assert result["status"] == "applied", result
    return result


def _rejected(server: ServerUnderTest, user: str, op: Op, code: str, says: str) -> None:
    before = read_state(server)
    result = _result(server, user, op)
    assert (result["status"], result["code"]) == ("rejected", code), result
    assert says in result["reason"], result["reason"]
    assert read_state(server) == before


def _sign(server: ServerUnderTest, kind: str, exceptions: list[str] | None = None) -> Op:
    return server.op("signoff", str(uuid.uuid4()), "append",
                     {"signoff_kind": kind, "note": "ok", "exceptions": exceptions or []},
                     client_id=f"c-{uuid.uuid4()}")


def _feedback(server: ServerUnderTest, score: Any = 5) -> Op:
    return server.op("feedback", str(uuid.uuid4()), "append",
                     {"score": score, "comments": "Smooth cut-over"},
                     client_id=f"c-{uuid.uuid4()}")


def _handoff(server: ServerUnderTest, open_issues: list[dict[str, Any]]) -> Op:
    return server.op("handoff", str(uuid.uuid4()), "append", {
        "open_issues": open_issues, "exceptions": ["Fax line at DEN"],
        "contacts": [{"name": "Service desk", "role": "support"}],
        "as_built": "3 sites, 2 auto receptionists",
    }, client_id=f"c-{uuid.uuid4()}")


def _close(server: ServerUnderTest, reason: str = "") -> Op:
    snap, _ = read_state(server)
    project = snap["entities"]["project"][0]
    return server.op("project", server.project_id, "update",
                     {"closed_at": "2026-12-07T10:00:00Z", "close_reason": reason},
                     base_version=project["version"], client_id=f"c-{uuid.uuid4()}")


PHASE_REASON = "Carried to closure: the remaining criteria go to support with the hand-off"


def _finish_lifecycle(server: ServerUnderTest) -> None:
    """Close the phases from go-live to Acceptance & closure, one op at a time, as the
    closure screen does in one push."""
    for phase, target in (("go_live", "hypercare"), ("hypercare", "acceptance"),
                          ("acceptance", None)):
        _applied(server, "ipm", server.op(
            "phase_event", str(uuid.uuid4()), "append",
            {"phase": phase, "action": "closed", "reason": PHASE_REASON},
            client_id=f"c-{uuid.uuid4()}"))
        if target is not None:
            snap, _ = read_state(server)
            project = snap["entities"]["project"][0]
            _applied(server, "ipm", server.op(
                "project", server.project_id, "transition", {"to": target},
                base_version=project["version"], client_id=f"c-{uuid.uuid4()}"))


def _open_issue(server: ServerUnderTest) -> dict[str, Any]:
    snap, _ = read_state(server)
    issue = next(i for i in snap["entities"]["issue"] if i["state"] not in ("closed", "cancelled"))
    return {"issue_id": issue["id"], "ref": issue["ref"], "title": issue["title"],
            "owner": "engineer"}


def _take_over(server: ServerUnderTest, user: str, issue: dict[str, Any], client_id: str) -> Op:
    return server.op("issue", issue["id"], "update", {"assignee": user},
                     base_version=issue["version"], client_id=client_id)


def _acknowledge(server: ServerUnderTest, user: str) -> list[dict[str, Any]]:
    """Support's acknowledgement as the closure screen pushes it: each open issue of the
    hand-off assigned to ``user`` first, then the acknowledgement, in one push."""
    snap, _ = read_state(server)
    package = max(snap["entities"]["handoff"], key=lambda h: h["at"])
    handed = {e["issue_id"] for e in package["open_issues"]}
    client_id = f"c-{uuid.uuid4()}"
    ops = [_take_over(server, user, i, client_id) for i in snap["entities"]["issue"]
           if i["id"] in handed and i["state"] not in ("closed", "cancelled")
           and i["assignee"] != user]
    ops.append(server.op("signoff", str(uuid.uuid4()), "append",
                         {"signoff_kind": "handoff_ack", "note": "received", "exceptions": []},
                         client_id=client_id))
    results: list[dict[str, Any]] = post_ops(server, user, ops).json()["results"]
    assert [r["status"] for r in results] == ["applied"] * len(ops), results
    return results


def test_acceptance_feedback_and_ack_are_each_given_by_their_own_role(
    server: ServerUnderTest,
) -> None:
    _rejected(server, "ipm", _sign(server, "acceptance"), "permission",
              "Only a member with the customer role signs the acceptance")
    _rejected(server, "engineer", _feedback(server), "permission", "may not append a feedback")
    _rejected(server, "mpoc", _feedback(server, 6), "validation", "score")
    _rejected(server, "desk", _sign(server, "handoff_ack"), "illegal_transition",
              "no hand-off to acknowledge")
    _rejected(server, "ipm", _handoff(server, [{**_open_issue(server), "owner": ""}]),
              "validation", "has none")
    _rejected(server, "ipm", _handoff(server, [{"issue_id": "nope", "owner": "x"}]),
              "validation", "does not have")
    _rejected(server, "mpoc", _sign(server, "acceptance"), "permission",
              "Only the customer's main contact (Dana Whitfield) signs the acceptance")
    accepted = _applied(server, "dana.whitfield",
                        _sign(server, "acceptance", ["Fax line at DEN"]))
    assert accepted["status"] == "applied"
    snap, _ = read_state(server)
    (acceptance,) = [s for s in snap["entities"]["signoff"] if s["signoff_kind"] == "acceptance"]
    assert (acceptance["by"], acceptance["role"], acceptance["exceptions"]) == (
        "dana.whitfield", "customer", ["Fax line at DEN"])


def test_closing_waits_for_acceptance_feedback_and_the_acknowledged_handoff(
    server: ServerUnderTest,
) -> None:
    _rejected(server, "ipm", _close(server), "illegal_transition",
              "the customer's acceptance sign-off, the customer's feedback and the hand-off")
    _rejected(server, "ipm", _close(server, "fine"), "illegal_transition", "four words")
    _applied(server, "dana.whitfield", _sign(server, "acceptance"))
    _applied(server, "mpoc", _feedback(server, 4))
    _applied(server, "ipm", _handoff(server, [_open_issue(server)]))
    _rejected(server, "ipm", _close(server), "illegal_transition",
              "support's acknowledgement of the hand-off")
    _acknowledge(server, "desk")
    _rejected(server, "engineer", _close(server), "permission", "may not update a project")
    _rejected(server, "ipm", _close(server), "illegal_transition",
              "closes once Phase 7/7 Acceptance & closure is closed")
    _finish_lifecycle(server)
    _applied(server, "ipm", _close(server))
    snap, _ = read_state(server)
    project = snap["entities"]["project"][0]
    assert project["closed_at"] is not None and project["closed_by"] == "ipm"


def test_the_ipm_closes_over_gaps_with_a_reason(server: ServerUnderTest) -> None:
    _finish_lifecycle(server)
    _applied(server, "ipm", _close(server, REASON))
    snap, _ = read_state(server)
    assert snap["entities"]["project"][0]["close_reason"] == REASON


def test_a_closed_project_refuses_every_write_until_the_admin_reopens_it(
    server: ServerUnderTest,
) -> None:
    _finish_lifecycle(server)
    _applied(server, "ipm", _close(server, REASON))
    for user, op in (
        ("ipm", _open_issue_note(server)),
        ("mpoc", _feedback(server)),
        ("engineer", server.op("issue", str(uuid.uuid4()), "create",
                               {"title": "Lobby phone dead", "category": "other"},
                               client_id=f"c-{uuid.uuid4()}")),
        ("ipm", _reopen_by_op(server)),
    ):
        _rejected(server, user, op, "permission", "is read-only")
    db = admin.open_database(server.db_url)
    try:
        with pytest.raises(admin.AdminError, match="needs a reason"):
            admin.reopen_project(db, server.project_id, " ")
        admin.reopen_project(db, server.project_id, "Porting of the fax line resumed")
    finally:
        db.dispose()
    snap, _ = read_state(server)
    project = snap["entities"]["project"][0]
    assert project["closed_at"] is None
    assert (project["reopened_by"], project["reopen_reason"]) == (
        "admin", "Porting of the fax line resumed")
    _applied(server, "mpoc", _feedback(server))


def test_the_project_closes_only_with_its_lifecycle_finished(server: ServerUnderTest) -> None:
    _rejected(server, "ipm", _close(server, REASON), "illegal_transition",
              "it is in Phase 5/7 Go-live")
    _finish_lifecycle(server)
    snap, _ = read_state(server)
    project = snap["entities"]["project"][0]
    assert (project["phase"], project["closed_at"]) == ("acceptance", None)
    _applied(server, "ipm", _close(server, REASON))


def _open_issue_note(server: ServerUnderTest) -> Op:
    issue = _open_issue(server)
    return server.op("issue_note", str(uuid.uuid4()), "append",
                     {"issue_id": issue["issue_id"], "body": "still open"},
                     client_id=f"c-{uuid.uuid4()}")


def _reopen_by_op(server: ServerUnderTest) -> Op:
    snap, _ = read_state(server)
    return server.op("project", server.project_id, "update",
                     {"closed_at": None, "reopen_reason": "we want it back"},
                     base_version=snap["entities"]["project"][0]["version"],
                     client_id=f"c-{uuid.uuid4()}")


def test_adoption_gaps_are_kept_with_an_owner_of_the_project_and_the_final_call_recorded(
    server: ServerUnderTest,
) -> None:
    snap, _ = read_state(server)
    owner = snap["entities"]["stakeholder"][0]["id"]
    present = [p["id"] for p in snap["entities"]["stakeholder"][:3]]

    def gap() -> Op:
        return server.op("adoption_gap", str(uuid.uuid4()), "create", {
            "site_or_group": "DEN", "topic": "Night shift never trained on call park", "owner": owner,
            "follow_up": "Second session on Thursday 19:00"}, client_id=f"c-{uuid.uuid4()}")

    def call(attendees: list[str] = present) -> Op:
        return server.op("final_call", str(uuid.uuid4()), "create", {
            "held_at": "2026-12-18T16:00:00Z", "attendees": attendees,
            "tuning": "Raised the LAX queue overflow to 90 s", "open_items": "Fax line at DEN",
            "adoption_review": "DEN night shift retrained"}, client_id=f"c-{uuid.uuid4()}")

    demo_gaps = len(snap["entities"]["adoption_gap"])
    _rejected(server, "mpoc", gap(), "permission", "may not create an adoption gap")
    _rejected(server, "ipm", server.op("adoption_gap", str(uuid.uuid4()), "create", {
        "site_or_group": "DEN", "topic": "Call park", "owner": str(uuid.uuid4())},
        client_id=f"c-{uuid.uuid4()}"), "validation", "owner names no stakeholder")
    _applied(server, "desk", gap())
    _rejected(server, "engineer", call(), "permission", "may not create a final call")
    _rejected(server, "ipm", call(["Service desk"]), "validation",
              "attendees names no stakeholder")
    _applied(server, "ipm", call())
    snap, _ = read_state(server)
    topics = [g["topic"] for g in snap["entities"]["adoption_gap"]]
    assert topics.count("Night shift never trained on call park") == 1
    assert len(topics) == demo_gaps + 1, "only the gap the support desk added is new"
    assert snap["entities"]["final_call"][0]["attendees"] == present


def test_support_acknowledges_the_hand_off_only_with_its_open_issues_assigned_to_them(
    server: ServerUnderTest,
) -> None:
    """The acknowledgement alone, as a raw client may send it, leaves the open issues with
    their old owners: it is refused, naming them, and nothing changes. Assigned first in
    the same push, the issues pass to support and the acknowledgement stands."""
    snap, _ = read_state(server)
    open_issues = [i for i in snap["entities"]["issue"]
                   if i["state"] not in ("closed", "cancelled") and i["assignee"] != "desk"]
    first, second = open_issues[:2]
    entries = [{"issue_id": i["id"], "ref": i["ref"], "title": i["title"],
                "owner": i["assignee"] or "engineer"} for i in (first, second)]
    _applied(server, "ipm", _handoff(server, entries))
    _rejected(server, "desk", _sign(server, "handoff_ack"), "illegal_transition",
              f"passes its open issues to desk: {', '.join(sorted([first['ref'], second['ref']]))} "
              "are still assigned to someone else")

    client_id = f"c-{uuid.uuid4()}"
    half = [_take_over(server, "desk", first, client_id),
            server.op("signoff", str(uuid.uuid4()), "append",
                      {"signoff_kind": "handoff_ack", "note": "ok", "exceptions": []},
                      client_id=client_id)]
    results = post_ops(server, "desk", half).json()["results"]
    assert [(r["status"], r.get("code")) for r in results] == [
        ("applied", None), ("rejected", "illegal_transition")], results
    assert f"{second['ref']} is still assigned" in results[1]["reason"], results[1]
    snap, _ = read_state(server)
    assert not [s for s in snap["entities"]["signoff"] if s["signoff_kind"] == "handoff_ack"]

    _acknowledge(server, "desk")
    snap, _ = read_state(server)
    owners = {i["id"]: i["assignee"] for i in snap["entities"]["issue"]}
    assert (owners[first["id"]], owners[second["id"]]) == ("desk", "desk")
    (ack,) = [s for s in snap["entities"]["signoff"] if s["signoff_kind"] == "handoff_ack"]
    assert ack["by"] == "desk"
