"""Every op the rules forbid, sent straight to a running server with a plain HTTP client.

The server must answer each with a per-op ``rejected`` result (its code and reason,
ARCHITECTURE §3) and change nothing: the snapshot and the change feed read before and
after are the same. The rules are the domain's (``domain.rules``), run by the server's
``apply_op`` on its own state, so a client that skips the app gains nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.gate import GateResult, gate_from_records
from tests.conftest import ServerUnderTest

BACKENDS = ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]
REASON = "MPOC accepts the risk: the carrier confirmed the port by phone"

Snapshot = dict[str, Any]
Op = dict[str, Any]


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest) -> ServerUnderTest:
    server = request.getfixturevalue(request.param)
    assert isinstance(server, ServerUnderTest)
    return server


def post_ops(server: ServerUnderTest, user: str, ops: list[Op]) -> httpx.Response:
    """POST /ops as any HTTP client would: a bearer token and a JSON body."""
    body = {"client_id": ops[0]["client_id"], "ops": ops}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.post(
            f"/v1/projects/{server.project_id}/ops", json=body,
            headers={"Authorization": f"Bearer {server.tokens[user]}"},
        )


def read_state(server: ServerUnderTest) -> tuple[Snapshot, dict[str, Any]]:
    """The snapshot and the tail of the change feed (its last 100 changes and anything
    after them), read with plain GETs."""
    headers = {"Authorization": f"Bearer {server.tokens['ipm']}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        snapshot = client.get(f"/v1/projects/{server.project_id}/snapshot")
        assert snapshot.status_code == 200, snapshot.text
        tail = max(snapshot.json()["server_seq"] - 100, 0)
        feed = client.get(f"/v1/projects/{server.project_id}/changes",
                          params={"after": tail, "limit": 5000})
        assert feed.status_code == 200, feed.text
    return snapshot.json(), feed.json()


def by_key(snap: Snapshot, kind: str, field: str, value: Any) -> dict[str, Any]:
    return next(e for e in snap["entities"][kind] if e[field] == value)


def records_of(snap: Snapshot) -> dict[EntityKind, list[dict[str, Any]]]:
    return {EntityKind(kind): rows for kind, rows in snap["entities"].items()}


def todays_wave(snap: Snapshot) -> dict[str, Any]:
    """The demo's wave of the demo day (New York)."""
    return by_key(snap, "cutover", "name", "Wave 3 – New York")


def wave_gate(snap: Snapshot, wave: dict[str, Any] | None = None) -> GateResult:
    """A wave's gate as a client shows it, computed from the snapshot by the domain."""
    return gate_from_records(cutover=wave or todays_wave(snap), records=records_of(snap))


def unmet_names(snap: Snapshot) -> list[str]:
    """What a client shows as today's gate's unmet conditions."""
    return [c.name for c in wave_gate(snap).unmet]


@dataclass(frozen=True)
class Forbidden:
    """One forbidden op: who sends it, what it is, and the refusal it must get."""

    user: str
    make: Callable[[ServerUnderTest, Snapshot], Op]
    code: str
    says: str


def _decision(reason: str, unmet: list[str] | None = None) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        fields: dict[str, Any] = {"decision": "go", "reason": reason, "override": False,
                                  "cutover_id": todays_wave(snap)["id"]}
        if unmet is not None:
            fields["unmet"] = unmet
        return server.op("decision", str(uuid.uuid4()), "append", fields)
    return make


def _tick(key: str, to: str = "done") -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        item = by_key(snap, "checklist_item", "key", key)
        return server.op("checklist_item", item["id"], "transition",
                         {"to": to, "comment": "on the customer's behalf"})
    return make


def _unchain(key: str) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        item = by_key(snap, "checklist_item", "key", key)
        return server.op("checklist_item", item["id"], "update", {"predecessors": []})
    return make


def _issue(**fields: Any) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        values = {"title": "Lobby phone", "priority": "P3", **fields}
        if values.get("verification_id") == "a passed test":
            passed = next(v for v in snap["entities"]["verification"] if v["result"] == "pass")
            values["verification_id"] = passed["id"]
        return server.op("issue", str(uuid.uuid4()), "create", values)
    return make


def _new_item_keyed(key: str) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        return server.op("checklist_item", str(uuid.uuid4()), "create",
                         {"key": key, "title": "Second item with the same key"})
    return make


def _reprioritise(reason: str | None = None) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        issue = by_key(snap, "issue", "priority", "P4")
        fields = {"priority": "P2"} if reason is None else {"priority": "P2",
                                                             "priority_reason": reason}
        return server.op("issue", issue["id"], "update", fields)
    return make


def _phase(phase: str, action: str = "closed", reason: str = "") -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        return server.op("phase_event", str(uuid.uuid4()), "append",
                         {"phase": phase, "action": action, "reason": reason})
    return make


def _project_to(phase: str) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        return server.op("project", server.project_id, "transition", {"to": phase})
    return make


def _decide_change(to: str, reason: str | None) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        proposed = by_key(snap, "change_request", "state", "proposed")
        fields = {"to": to} if reason is None else {"to": to, "reason": reason}
        return server.op("change_request", proposed["id"], "transition", fields)
    return make


def _raid(**fields: Any) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        return server.op("raid_item", str(uuid.uuid4()), "create",
                         {"title": "Carrier change freeze", **fields})
    return make


def _sign(kind: str, wave: bool = True) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        fields: dict[str, Any] = {"signoff_kind": kind, "role": "customer", "note": "ok"}
        if wave:
            fields["cutover_id"] = todays_wave(snap)["id"]
        return server.op("signoff", str(uuid.uuid4()), "append", fields)
    return make


def _decision_without_wave(server: ServerUnderTest, snap: Snapshot) -> Op:
    return server.op("decision", str(uuid.uuid4()), "append",
                     {"decision": "no_go", "reason": "Waiting for the FOC in writing"})


FORBIDDEN: dict[str, Forbidden] = {
    "a derived gate item ticked by the IPM": Forbidden(
        "ipm", _tick("E911-03"), "illegal_transition",
        "E911-03 is derived from the records (Every emergency location"),
    "a call that names no wave in a project with waves": Forbidden(
        "ipm", _decision_without_wave, "validation", "names the wave it is for"),
    "the customer's go-live co-sign given by an engineer": Forbidden(
        "engineer", _sign("go_live_cosign"), "permission", "may not append a signoff"),
    "the customer's go-live co-sign given by the IPM": Forbidden(
        "ipm", _sign("go_live_cosign"), "permission",
        "Only a member with the customer role co-signs a wave's go-live"),
    "the customer's acceptance signed by the IPM": Forbidden(
        "ipm", _sign("acceptance", wave=False), "permission",
        "Only a member with the customer role signs the acceptance"),
    "the hand-off acknowledged by the IPM": Forbidden(
        "ipm", _sign("handoff_ack", wave=False), "permission",
        "Only a member with the support role acknowledges the hand-off"),
    "GO over unmet conditions with a one-character reason": Forbidden(
        "ipm", _decision("x", unmet=[]), "validation", "at least 20 characters"),
    "GO over unmet conditions that it does not name": Forbidden(
        "ipm", _decision(REASON, unmet=["Site DEN"]), "validation", "does not name"),
    "a decision by a role that makes no call": Forbidden(
        "engineer", _decision(REASON), "permission", "may not append a decision"),
    "a checklist item done while its predecessor is open": Forbidden(
        "ipm", _tick("GL-05"), "illegal_transition", "GL-05 cannot be done while GL-04"),
    "the customer's acceptance sign-off ticked by the IPM": Forbidden(
        "ipm", _tick("ACC-04"), "permission", "Only the customer's main contact"),
    "the customer's acceptance sign-off skipped by an engineer": Forbidden(
        "engineer", _tick("ACC-04", "skipped"), "permission", "Only the customer's"),
    "an engineer unchaining 'Project closed' from the sign-off": Forbidden(
        "engineer", _unchain("ACC-06"), "permission", "Only the IPM changes predecessors"),
    "a new checklist item with a key the project has": Forbidden(
        "ipm", _new_item_keyed("GL-01"), "validation", "GL-01 is already the key of"),
    "a BEL in an issue title": Forbidden(
        "engineer", _issue(title="Lobby phone \x07 rings"), "validation",
        "title: text with a control character"),
    "an issue linked to a test that passed": Forbidden(
        "engineer", _issue(verification_id="a passed test"), "validation",
        "only a failed test"),
    "an issue re-prioritised without a reason": Forbidden(
        "ipm", _reprioritise(), "validation", "needs a reason of at least 20 characters"),
    "an issue re-prioritised with a reason of '.'": Forbidden(
        "ipm", _reprioritise("."), "validation", "needs a reason of at least 20 characters"),
    "an issue re-prioritised with a reason of 'x'": Forbidden(
        "ipm", _reprioritise("x"), "validation", "saying what changed in its impact"),
    "a phase closed by an engineer": Forbidden(
        "engineer", _phase("go_live", reason=REASON), "permission",
        "may not append a phase event"),
    "a phase reopened by an engineer": Forbidden(
        "engineer", _phase("kickoff", "reopened", REASON), "permission",
        "may not append a phase event"),
    "a phase closed over unmet exit criteria without a reason": Forbidden(
        "ipm", _phase("go_live"), "validation", "exit criteria unmet needs a reason"),
    "a phase closed over unmet exit criteria with a one-word reason": Forbidden(
        "ipm", _phase("go_live", reason="fine"), "validation", "exit criteria unmet"),
    "a phase closed that is not the current one": Forbidden(
        "ipm", _phase("hypercare", reason=REASON), "illegal_transition",
        "Only the current phase closes"),
    "a phase reopened that is not closed": Forbidden(
        "ipm", _phase("go_live", "reopened", REASON), "illegal_transition",
        "nothing to reopen"),
    "the project moved on without closing its phase": Forbidden(
        "ipm", _project_to("hypercare"), "illegal_transition", "Close Go-live first"),
    "the project moved back without reopening a phase": Forbidden(
        "ipm", _project_to("kickoff"), "illegal_transition", "Reopen Kickoff first"),
    "the project's phase moved by an engineer": Forbidden(
        "engineer", _project_to("hypercare"), "permission", "may not transition a project"),
    "a change request approved by an engineer": Forbidden(
        "engineer", _decide_change("approved", REASON), "permission",
        "may not transition a change request"),
    "a change request rejected without a reason": Forbidden(
        "ipm", _decide_change("rejected", None), "illegal_transition",
        "needs the reason for the decision"),
    "a note on an issue of no issue in the project": Forbidden(
        "engineer", lambda server, snap: server.op(
            "issue_note", str(uuid.uuid4()), "append",
            {"issue_id": str(uuid.uuid4()), "body": "Rang the carrier"}),
        "validation", "; an issue note refers only to records of its own project"),
    "a RAID entry owned by nobody in the project": Forbidden(
        "engineer", _raid(owner=str(uuid.uuid4())), "validation", "owner names no stakeholder"),
}


@pytest.mark.parametrize("case", list(FORBIDDEN), ids=list(FORBIDDEN))
def test_a_forbidden_op_is_rejected_with_its_reason_and_changes_nothing(
    server: ServerUnderTest, case: str
) -> None:
    forbidden = FORBIDDEN[case]
    snap, feed = read_state(server)
    if "does not name" in forbidden.says:  # names one condition of several
        assert len(unmet_names(snap)) > 1
    response = post_ops(server, forbidden.user, [forbidden.make(server, snap)])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["server_seq"] == snap["server_seq"]
    (result,) = body["results"]
    assert result["status"] == "rejected"
    assert result["code"] == forbidden.code
    assert forbidden.says in result["reason"]
    assert "seq" not in result or result["seq"] is None
    assert read_state(server) == (snap, feed)


def _open_e911_p1(server: ServerUnderTest, snap: Snapshot) -> str:
    site = by_key(snap, "site", "code", "DEN")
    issue_id = str(uuid.uuid4())
    opened = post_ops(server, "engineer", [server.op("issue", issue_id, "create", {
        "title": "933 announces the wrong floor", "priority": "P1",
        "category": "e911_address", "site_id": site["id"],
    })]).json()["results"][0]
    assert opened["status"] == "applied", opened
    return issue_id


def _log_den_retest(server: ServerUnderTest, snap: Snapshot) -> None:
    site = by_key(snap, "site", "code", "DEN")
    floor = next(e for e in snap["entities"]["emergency_location"] if e["site_id"] == site["id"])
    retest = server.op("verification", str(uuid.uuid4()), "append", {
        "test_case": "E911-01", "target": "DEN", "site_id": site["id"], "result": "pass",
        "emergency_location_id": floor["id"]})
    assert post_ops(server, "engineer", [retest]).json()["results"][0]["status"] == "applied"


def test_an_e911_p1_is_resolved_only_after_a_passing_933_retest(server: ServerUnderTest) -> None:
    snap, _feed = read_state(server)
    site = by_key(snap, "site", "code", "DEN")
    issue_id = _open_e911_p1(server, snap)

    def resolve() -> dict[str, Any]:
        op = server.op("issue", issue_id, "transition",
                       {"to": "resolved", "resolution": "Emergency location fixed"})
        result: dict[str, Any] = post_ops(server, "engineer", [op]).json()["results"][0]
        return result

    before = read_state(server)
    refused = resolve()
    assert refused["status"] == "rejected" and refused["code"] == "illegal_transition"
    assert "E911-01 (933) retest" in refused["reason"]
    assert read_state(server) == before
    # a pass logged before the issue opened does not count; the demo's DEN pass is older
    assert any(v["test_case"] == "E911-01" and v["site_id"] == site["id"]
               and v["result"] == "pass" for v in snap["entities"]["verification"])

    _log_den_retest(server, snap)
    assert resolve()["status"] == "applied"


def test_an_e911_p1_keeps_its_retest_through_a_lower_priority_or_another_category(
    server: ServerUnderTest,
) -> None:
    snap, _feed = read_state(server)
    issue_id = _open_e911_p1(server, snap)
    why = "Calls route to the front desk while the address is fixed"

    def change(user: str, **fields: Any) -> dict[str, Any]:
        op = server.op("issue", issue_id, "update", fields)
        result: dict[str, Any] = post_ops(server, user, [op]).json()["results"][0]
        return result

    before = read_state(server)
    for user, fields in [
        ("ipm", {"priority": "P3", "priority_reason": why}),
        ("ipm", {"priority": "P2", "priority_reason": why}),
        ("engineer", {"category": "other"}),
        ("ipm", {"category": "emergency_notification"}),  # E911-02 would do there: looser
    ]:
        refused = change(user, **fields)
        assert refused["status"] == "rejected", (fields, refused)
        assert refused["code"] == "illegal_transition"
        assert "E911-01 (933) retest" in refused["reason"]
        assert "changes only after that retest" in refused["reason"]
    assert read_state(server) == before

    _log_den_retest(server, snap)
    assert change("ipm", priority="P3", priority_reason=why)["status"] == "applied"
    resolved = post_ops(server, "engineer", [server.op(
        "issue", issue_id, "transition",
        {"to": "resolved", "resolution": "Emergency location fixed"})]).json()["results"][0]
    assert resolved["status"] == "applied", resolved


def test_the_server_records_an_override_from_its_own_gate(server: ServerUnderTest) -> None:
    snap, _feed = read_state(server)
    names = unmet_names(snap)
    decision_id = str(uuid.uuid4())
    op = server.op("decision", decision_id, "append", {
        "decision": "go", "reason": REASON, "unmet": names, "override": False,
        "by": "somebody.else", "cutover_id": todays_wave(snap)["id"],
    })
    result = post_ops(server, "ipm", [op]).json()["results"][0]
    assert result["status"] == "applied", result
    after, _ = read_state(server)
    record = by_key(after, "decision", "id", decision_id)
    assert record["override"] is True
    assert sorted(u.split(": ", 1)[0] for u in record["unmet"]) == sorted(names)
    assert record["by"] == "ipm"


def test_the_customer_signs_off_its_own_item(server: ServerUnderTest) -> None:
    server.grant("mpoc", "customer")
    snap, _feed = read_state(server)
    # the sign-off waits for the hand-off: the customer's own tick is refused until then
    sign_off = _tick("ACC-04")(server, snap)
    result = post_ops(server, "mpoc", [sign_off]).json()["results"][0]
    assert result["code"] == "illegal_transition", result
    assert "ACC-03" in result["reason"]
    # and the customer moves no item but its own
    hand_off = _tick("ACC-03")(server, snap)
    result = post_ops(server, "mpoc", [hand_off]).json()["results"][0]
    assert result["code"] == "permission", result
    # the hand-off (support's) is skipped with a reason, which closes it for what waits
    skipped = post_ops(server, "ipm", [_tick("ACC-03", "skipped")(server, snap)])
    assert skipped.json()["results"][0]["status"] == "applied", skipped.text
    signed = post_ops(server, "mpoc", [_tick("ACC-04")(server, snap)]).json()["results"][0]
    assert signed["status"] == "applied", signed


def test_the_ipm_closes_go_live_with_a_reason_and_the_project_moves_on(
    server: ServerUnderTest,
) -> None:
    snap, _feed = read_state(server)
    assert snap["entities"]["project"][0]["phase"] == "go_live"
    event_id = str(uuid.uuid4())
    close = server.op("phase_event", event_id, "append", {
        "phase": "go_live", "action": "closed", "reason": REASON,
        "by": "somebody.else", "unmet": [],
    })
    results = post_ops(server, "ipm", [close, _project_to("hypercare")(server, snap)]).json()
    assert [r["status"] for r in results["results"]] == ["applied", "applied"], results
    after, _ = read_state(server)
    assert after["entities"]["project"][0]["phase"] == "hypercare"
    event = by_key(after, "phase_event", "id", event_id)
    # who closed it, and what was unmet then, are the rules' to write
    assert event["by"] == "ipm"
    assert "Checklist GL-04: todo" in event["unmet"]

    # reopening is the IPM's too, and takes the project back
    reopen = _phase("go_live", "reopened", "The New York port was snapped back by the carrier")
    refused = post_ops(server, "engineer", [reopen(server, after)]).json()["results"][0]
    assert refused["code"] == "permission"
    results = post_ops(server, "ipm", [reopen(server, after),
                                        _project_to("go_live")(server, after)]).json()
    assert [r["status"] for r in results["results"]] == ["applied", "applied"], results
    final, _ = read_state(server)
    assert final["entities"]["project"][0]["phase"] == "go_live"
    log = sorted(final["entities"]["phase_event"], key=lambda e: e["at"])
    assert [(e["phase"], e["action"]) for e in log][-2:] == [
        ("go_live", "closed"), ("go_live", "reopened")]


def _minutes_ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def _applied(server: ServerUnderTest, user: str, op: Op) -> dict[str, Any]:
    result: dict[str, Any] = post_ops(server, user, [op]).json()["results"][0]
    assert result["status"] == "applied", result
    return result


def _rejected(server: ServerUnderTest, user: str, op: Op, code: str, says: str) -> None:
    """Refused with this code and reason, and nothing changed on the server."""
    before = read_state(server)
    result = post_ops(server, user, [op]).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", code), result
    assert says in result["reason"], result["reason"]
    assert read_state(server) == before


def test_todays_wave_goes_from_no_go_to_go_on_evidence_alone(server: ServerUnderTest) -> None:
    """Clearing today's blockers opens today's gate, whatever next week's wave holds; the
    GO needs the customer's co-sign, which only the customer gives."""
    server = server.with_demo_ahead()  # its FOCs are still to come
    server.grant("mpoc", "customer")
    snap, _ = read_state(server)
    wave = todays_wave(snap)
    assert unmet_names(snap) == [
        "Port order RVP-PO-1008", "Location NYC Floor 2", "933 NYC Floor 2", "Customer co-sign"]
    order = by_key(snap, "port_order", "pon", "RVP-PO-1008")
    location = next(loc for loc in snap["entities"]["emergency_location"]
                    if loc["name"] == "Floor 2" and loc["site_id"] in wave["site_ids"])
    _applied(server, "ipm", server.op("port_order", order["id"], "transition", {
        "to": "foc_confirmed", "confirmed_foc": wave["starts_at"]}))
    # the engineer corrects the dispatchable address, then Zoom validates it
    _applied(server, "engineer", server.op("emergency_location", location["id"], "update", {
        "address": "412 W 23rd St, Floor 2, Suite 2R, New York, NY 10011",
        "address_changed_at": _minutes_ago(5), "status": "verified",
        "validated_at": _minutes_ago(1)}))
    _applied(server, "engineer", server.op("verification", str(uuid.uuid4()), "append", {
        "test_case": "E911-01", "target": "NYC", "site_id": location["site_id"],
        "emergency_location_id": location["id"], "result": "pass",
        "note": "933 reads back 412 W 23rd St, Floor 2, Suite 2R"}))
    snap, _ = read_state(server)
    assert unmet_names(snap) == ["Customer co-sign"]
    # next week's wave is still shut, and does not hold today's
    chicago = wave_gate(snap, by_key(snap, "cutover", "name", "Wave 4 – Chicago"))
    assert len(chicago.unmet) >= 4

    go = {"decision": "go", "reason": "", "cutover_id": wave["id"]}
    _rejected(server, "ipm", server.op("decision", str(uuid.uuid4()), "append", go),
              "validation", "needs a reason of at least 20 characters")
    _rejected(server, "engineer", _sign("go_live_cosign")(server, snap),
              "permission", "may not append a signoff")
    _rejected(server, "ipm", _sign("go_live_cosign")(server, snap),
              "permission", "Only a member with the customer role")
    _rejected(server, "mpoc", _sign("go_live_cosign", wave=False)(server, snap),
              "validation", "names the wave it is for")

    cosign = _sign("go_live_cosign")(server, snap)
    _applied(server, "mpoc", cosign)
    snap, _ = read_state(server)
    signed = by_key(snap, "signoff", "id", cosign["entity_id"])
    assert (signed["by"], signed["role"]) == ("mpoc", "customer")
    assert wave_gate(snap).ready

    decision_id = str(uuid.uuid4())
    _applied(server, "ipm", server.op("decision", decision_id, "append", go))
    snap, _ = read_state(server)
    record = by_key(snap, "decision", "id", decision_id)
    assert (record["override"], record["unmet"], record["cutover_id"]) == (False, [], wave["id"])


# ----------------------------------------------------------------------------- the runbook


def _wave(snap: Snapshot, name: str) -> dict[str, Any]:
    return next(c for c in snap["entities"]["cutover"] if c["name"].startswith(name))


def _rb_step(snap: Snapshot, wave: str, title: str) -> dict[str, Any]:
    cutover = _wave(snap, wave)
    return next(s for s in snap["entities"]["runbook_step"]
                if s["cutover_id"] == cutover["id"] and s["title"].startswith(title))


def _rb_run(snap: Snapshot, wave: str, kind: str) -> dict[str, Any]:
    cutover = _wave(snap, wave)
    return next(r for r in snap["entities"]["runbook_run"]
                if r["cutover_id"] == cutover["id"] and r["run_kind"] == kind)


def _all_applied(server: ServerUnderTest, user: str, *ops: Op) -> None:
    for op in ops:
        _applied(server, user, op)


def test_a_runbook_step_starts_only_after_its_dependencies(server: ServerUnderTest) -> None:
    snap, _ = read_state(server)
    live = _rb_run(snap, "Wave 3", "live")
    gonogo = _rb_step(snap, "Wave 3", "Go / no-go")
    timing_id = str(uuid.uuid4())
    _all_applied(server, "engineer", server.op("runbook_step_run", timing_id, "create",
                                           {"run_id": live["id"], "step_id": gonogo["id"]}))
    start = server.op("runbook_step_run", timing_id, "transition", {"to": "in_progress"})
    _rejected(server, "engineer", start, "illegal_transition", "waits for 'Customer co-sign")


def test_the_checkpoint_completes_only_on_go_for_its_cutover(server: ServerUnderTest) -> None:
    snap, _ = read_state(server)
    live = _rb_run(snap, "Wave 3", "live")
    cosign = next(t for t in snap["entities"]["runbook_step_run"]
                  if t["run_id"] == live["id"] and t["state"] == "in_progress")
    gonogo = _rb_step(snap, "Wave 3", "Go / no-go")
    timing_id = str(uuid.uuid4())
    _all_applied(
        server, "engineer",
        server.op("runbook_step_run", cosign["id"], "transition", {"to": "done"}),
        server.op("runbook_step_run", timing_id, "create",
                  {"run_id": live["id"], "step_id": gonogo["id"]}),
        server.op("runbook_step_run", timing_id, "transition", {"to": "in_progress"}),
    )
    done = server.op("runbook_step_run", timing_id, "transition", {"to": "done"})
    _rejected(server, "engineer", done, "illegal_transition", "gate is not GO")
    # a GO over unmet conditions, for this cutover, lets the checkpoint complete
    after, _ = read_state(server)
    _all_applied(server, "ipm", server.op("decision", str(uuid.uuid4()), "append", {
        "decision": "go", "reason": REASON, "unmet": unmet_names(after),
        "cutover_id": _wave(after, "Wave 3")["id"]}))
    _all_applied(server, "engineer", server.op("runbook_step_run", timing_id, "transition",
                                           {"to": "done"}))


def test_past_the_point_of_no_return_only_after_the_checkpoint(server: ServerUnderTest) -> None:
    snap, _ = read_state(server)
    wave = _wave(snap, "Wave 3")
    step_id, timing_id, rehearsal_timing = (str(uuid.uuid4()) for _ in range(3))
    _all_applied(
        server, "ipm",
        server.op("runbook_step", step_id, "create", {
            "cutover_id": wave["id"], "offset_minutes": 45, "title": "Lobby phone swapped"}),
        server.op("runbook_step_run", timing_id, "create",
                  {"run_id": _rb_run(snap, "Wave 3", "live")["id"], "step_id": step_id}),
        server.op("runbook_step_run", rehearsal_timing, "create",
                  {"run_id": _rb_run(snap, "Wave 3", "rehearsal")["id"], "step_id": step_id}),
        # a rehearsal is not held at the point of no return
        server.op("runbook_step_run", rehearsal_timing, "transition", {"to": "in_progress"}),
    )
    start = server.op("runbook_step_run", timing_id, "transition", {"to": "in_progress"})
    _rejected(server, "engineer", start, "illegal_transition", "point of no return")


def test_a_cutover_goes_live_only_with_a_snapback_among_its_rollback_steps(
    server: ServerUnderTest,
) -> None:
    wave_id = str(uuid.uuid4())
    _all_applied(server, "ipm",
             server.op("cutover", wave_id, "create", {"name": "Wave 5 – Boston"}),
             server.op("cutover", wave_id, "transition", {"to": "ready"}))
    live = server.op("cutover", wave_id, "transition", {"to": "live"})
    _rejected(server, "ipm", live, "illegal_transition", "no rollback step")
    _all_applied(server, "ipm", server.op("runbook_step", str(uuid.uuid4()), "create", {
        "cutover_id": wave_id, "offset_minutes": 60, "title": "Rollback: forward to legacy",
        "step_kind": "rollback"}))
    _rejected(server, "ipm", server.op("cutover", wave_id, "transition", {"to": "live"}),
             "illegal_transition", "no snapback request")


def test_a_rehearsal_timing_never_moves_to_the_live_run(server: ServerUnderTest) -> None:
    snap, _ = read_state(server)
    rehearsal = _rb_run(snap, "Wave 3", "rehearsal")
    timing = next(t for t in snap["entities"]["runbook_step_run"]
                  if t["run_id"] == rehearsal["id"])
    moved = server.op("runbook_step_run", timing["id"], "update",
                      {"run_id": _rb_run(snap, "Wave 3", "live")["id"]})
    _rejected(server, "ipm", moved, "validation", "run id is fixed")
