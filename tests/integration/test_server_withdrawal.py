"""Runbook steps and adoption gaps are withdrawn with a reason, never deleted: sent straight
to a running server (SQLite and PostgreSQL) with a plain HTTP client, a delete is refused
to anyone, a withdrawal without a reason or by a role that may not is refused and changes
nothing, and a withdrawn step stays with who withdrew it, when and why."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import ServerUnderTest
from tests.integration.test_server_closure import _applied, _rejected
from tests.integration.test_server_rules import BACKENDS, Op, read_state


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest) -> ServerUnderTest:
    server = request.getfixturevalue(request.param)
    assert isinstance(server, ServerUnderTest)
    server.grant("mpoc", "customer")
    server.grant("desk", "support")
    return server


def _update(server: Any, kind: str, record: dict[str, Any], fields: dict[str, Any]) -> Op:
    op: Op = server.op(kind, record["id"], "update", fields, base_version=record["version"],
                       client_id=f"c-{uuid.uuid4()}")
    return op


def _delete(server: Any, kind: str, record: dict[str, Any]) -> Op:
    op: Op = server.op(kind, record["id"], "delete", {}, base_version=record["version"],
                       client_id=f"c-{uuid.uuid4()}")
    return op


def _unwaited_step(snap: dict[str, Any]) -> dict[str, Any]:
    """A runbook step no other step of its cutover depends on."""
    steps = snap["entities"]["runbook_step"]
    waited = {d for s in steps for d in s["depends_on"]}
    return next(s for s in steps if s["id"] not in waited and s["step_kind"] == "step")


def test_a_runbook_step_is_withdrawn_with_a_reason_and_never_deleted(server: Any) -> None:
    snap, _ = read_state(server)
    step = _unwaited_step(snap)
    _rejected(server, "ipm", _delete(server, "runbook_step", step), "validation",
              "A runbook step is withdrawn, not deleted")
    _rejected(server, "mpoc", _update(server, "runbook_step", step, {
        "withdrawn_at": "2026-12-07T12:00:00Z", "withdraw_reason": "not ours"}),
        "permission", "may not update a runbook step")
    _rejected(server, "engineer", _update(server, "runbook_step", step, {
        "withdrawn_at": "2026-12-07T12:00:00Z"}), "validation", "needs a reason")
    waited = next(s for s in snap["entities"]["runbook_step"]
                  if any(s["id"] in o["depends_on"] for o in snap["entities"]["runbook_step"]))
    _rejected(server, "engineer", _update(server, "runbook_step", waited, {
        "withdrawn_at": "2026-12-07T12:00:00Z", "withdraw_reason": "Not needed"}),
        "illegal_transition", "for it; edit what they depend on first")

    _applied(server, "engineer", _update(server, "runbook_step", step, {
        "withdrawn_at": "2001-01-01T00:00:00Z", "withdraw_reason": "Done by the carrier"}))
    snap, _ = read_state(server)
    kept = next(s for s in snap["entities"]["runbook_step"] if s["id"] == step["id"])
    assert (kept["withdrawn_by"], kept["withdraw_reason"]) == ("engineer", "Done by the carrier")
    assert not kept["withdrawn_at"].startswith("2001"), "the server's clock, not the op's"
    _rejected(server, "engineer", _update(server, "runbook_step", kept, {"title": "Renamed"}),
              "illegal_transition", "restore it before changing it")
    _applied(server, "engineer", _update(server, "runbook_step", kept, {"withdrawn_at": None}))
    snap, _ = read_state(server)
    back = next(s for s in snap["entities"]["runbook_step"] if s["id"] == step["id"])
    assert back["withdrawn_at"] is None and back["withdraw_reason"] == ""


def test_support_withdraws_an_adoption_gap_raised_in_error(server: Any) -> None:
    snap, _ = read_state(server)
    gap = snap["entities"]["adoption_gap"][0]
    _rejected(server, "ipm", _delete(server, "adoption_gap", gap), "validation",
              "An adoption gap is withdrawn, not deleted")
    _rejected(server, "engineer", _update(server, "adoption_gap", gap, {
        "withdrawn_at": "2026-12-07T12:00:00Z", "withdraw_reason": "dup"}),
        "permission", "may not update an adoption gap")
    _applied(server, "desk", _update(server, "adoption_gap", gap, {
        "withdrawn_at": "2026-12-07T12:00:00Z", "withdraw_reason": "Raised twice"}))
    snap, _ = read_state(server)
    kept = next(g for g in snap["entities"]["adoption_gap"] if g["id"] == gap["id"])
    assert (kept["withdrawn_by"], kept["withdraw_reason"]) == ("desk", "Raised twice")
