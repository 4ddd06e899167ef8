"""Port order rules, enforced by the server for any client: each forbidden op sent with a
plain HTTP client is rejected with its code and reason, and nothing changes (SQLite and
PostgreSQL). An order's move and its numbers' moves pushed together apply in order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from golive_tui.domain.codec import encode_time
from tests.conftest import ServerUnderTest
from tests.integration.test_server_rules import (
    BACKENDS,
    Forbidden,
    Snapshot,
    by_key,
    post_ops,
    read_state,
)

Op = dict[str, Any]


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest) -> ServerUnderTest:
    server = request.getfixturevalue(request.param)
    assert isinstance(server, ServerUnderTest)
    return server


def _future(days: int = 20) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(
        hour=16, minute=30, second=0, microsecond=0).isoformat()


def _order_op(pon: str, action: str, **fields: Any) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        order = by_key(snap, "port_order", "pon", pon)
        return server.op("port_order", order["id"], action, fields)
    return make


def _new_order(**fields: Any) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        values = {"pon": "RVP-PO-2001", "carrier": "Verizon Business", **fields}
        return server.op("port_order", str(uuid.uuid4()), "create", values)
    return make


def _number_of(pon: str, to: str) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        order = by_key(snap, "port_order", "pon", pon)
        number = next(n for n in snap["entities"]["number"] if n["order_id"] == order["id"])
        return server.op("number", number["id"], "transition", {"to": to})
    return make


# the demo: 1002 is FOC confirmed today, 1003 activated yesterday, 1004 rejected,
# 1006 waits for its LOA, 1007 is a draft without one, 1008 submitted (no FOC yet)
FORBIDDEN: dict[str, Forbidden] = {
    "an order without a carrier": Forbidden(
        "ipm", _new_order(carrier=" "), "validation", "carrier: name the losing carrier"),
    "an order whose BTN is no phone number": Forbidden(
        "ipm", _new_order(btn="555-01"), "validation", "btn: '555-01' is not a valid"),
    "a PIN with letters for a carrier that takes digits": Forbidden(
        "ipm", _order_op("RVP-PO-1008", "update", pin="60A2"), "validation",
        "pin: Spectrum Business takes a port-out PIN of digits only"),
    "a toll-free order without its RespOrg": Forbidden(
        "ipm", _new_order(toll_free=True, btn="800-555-0199"), "validation",
        "resp_org: a toll-free order needs the RespOrg"),
    "an order submitted without a signed LOA": Forbidden(
        "ipm", _order_op("RVP-PO-1007", "transition", to="submitted"), "illegal_transition",
        "needs the customer's signed LOA"),
    "an order rejected without a code": Forbidden(
        "ipm", _order_op("RVP-PO-1008", "transition", to="rejected"), "illegal_transition",
        "needs the carrier's rejection code"),
    "an FOC confirmed with a date and no time": Forbidden(
        "ipm", _order_op("RVP-PO-1008", "transition", to="foc_confirmed",
                         confirmed_foc="2031-01-15"), "illegal_transition", "has no time"),
    "an FOC confirmed in the past": Forbidden(
        "ipm", _order_op("RVP-PO-1008", "transition", to="foc_confirmed",
                         confirmed_foc="2020-01-15T16:30:00Z"), "illegal_transition",
        "is in the past"),
    "an FOC changed without a reason": Forbidden(
        "ipm", _order_op("RVP-PO-1002", "transition", to="foc_confirmed",
                         confirmed_foc=_future()), "illegal_transition",
        "Changing a confirmed FOC needs the reason"),
    "an FOC moved by an edit": Forbidden(
        "ipm", _order_op("RVP-PO-1002", "update", confirmed_foc=_future()), "validation",
        "changed by the order's moves"),
    "an activation time still to come": Forbidden(
        "ipm", _order_op("RVP-PO-1002", "transition", to="activated",
                         activated_at=_future(2)), "illegal_transition", "still to come"),
    "a project holiday that is no date": Forbidden(
        "ipm", lambda server, snap: server.op("project", server.project_id, "update",
                                              {"holidays": {"24 Dec": "Christmas Eve"}}),
        "validation", "'24 Dec' is not a date"),
    "a call-quality threshold out of range": Forbidden(
        "ipm", lambda server, snap: server.op("project", server.project_id, "update",
                                              {"network_thresholds": {"min_mos": 7}}),
        "validation", "the lowest MOS must lie between 1 and 5, not 7"),
    "a call-quality threshold by an unknown name": Forbidden(
        "ipm", lambda server, snap: server.op("project", server.project_id, "update",
                                              {"network_thresholds": {"mos": 3.5}}),
        "validation", "mos is not a threshold"),
    "a wave that ends before it starts": Forbidden(
        "ipm", lambda server, snap: server.op(
            "cutover", str(uuid.uuid4()), "create",
            {"name": "Wave 5", "starts_at": _future(9), "ends_at": _future(8)}),
        "validation", "a wave's window ends after it starts"),
    "a wave of a site that is not the project's": Forbidden(
        "ipm", lambda server, snap: server.op(
            "cutover", str(uuid.uuid4()), "create",
            {"name": "Wave 5", "site_ids": [str(uuid.uuid4())]}),
        "validation", "site_ids names no site of this project"),
    "a wave's start moved past its end": Forbidden(
        "ipm", lambda server, snap: server.op(
            "cutover", by_key(snap, "cutover", "name", "Wave 4 – Chicago")["id"], "update",
            {"starts_at": _future(40)}),
        "validation", "a wave's window ends after it starts"),
    "a number FOC-confirmed while its order has none": Forbidden(
        "engineer", _number_of("RVP-PO-1008", "foc_confirmed"), "illegal_transition",
        "while its order RVP-PO-1008 has no confirmed FOC"),
}


@pytest.mark.parametrize("case", list(FORBIDDEN), ids=list(FORBIDDEN))
def test_a_forbidden_port_order_op_is_rejected_and_changes_nothing(
    server: ServerUnderTest, case: str
) -> None:
    forbidden = FORBIDDEN[case]
    snap, feed = read_state(server)
    response = post_ops(server, forbidden.user, [forbidden.make(server, snap)])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["server_seq"] == snap["server_seq"]
    (result,) = body["results"]
    assert result["status"] == "rejected", result
    assert result["code"] == forbidden.code
    assert forbidden.says in result["reason"]
    assert read_state(server) == (snap, feed)


def test_an_edit_inside_the_change_freeze_needs_a_reason(server: ServerUnderTest) -> None:
    snap, _feed = read_state(server)
    order = by_key(snap, "port_order", "pon", "RVP-PO-1008")
    confirm = server.op("port_order", order["id"], "transition",
                        {"to": "foc_confirmed", "confirmed_foc": _future(2)})
    assert post_ops(server, "ipm", [confirm]).json()["results"][0]["status"] == "applied"
    snap, feed = read_state(server)
    edit = _order_op("RVP-PO-1008", "update", service_address="412 W 23rd St, Fl 3")
    (result,) = post_ops(server, "ipm", [edit(server, snap)]).json()["results"]
    assert result["status"] == "rejected" and result["code"] == "validation"
    assert "change_reason: this order is inside its change freeze" in result["reason"]
    assert read_state(server) == (snap, feed)
    reasoned = _order_op("RVP-PO-1008", "update", service_address="412 W 23rd St, Fl 3",
                         change_reason="The CSR lists the third floor")
    (result,) = post_ops(server, "ipm", [reasoned(server, snap)]).json()["results"]
    assert result["status"] == "applied", result


def test_a_snapback_is_refused_after_24_hours_of_activation(server: ServerUnderTest) -> None:
    snap, feed = read_state(server)
    # the demo's Denver order went live last week
    result = post_ops(server, "ipm", [_order_op("RVP-PO-1001", "transition",
                                                to="snapback_requested")(server, snap)])
    (outcome,) = result.json()["results"]
    assert outcome["status"] == "rejected" and outcome["code"] == "illegal_transition"
    assert "within 24 hours of activation" in outcome["reason"]
    assert read_state(server) == (snap, feed)


def test_an_order_and_its_numbers_move_in_one_push_order_first(server: ServerUnderTest) -> None:
    snap, _feed = read_state(server)
    order = by_key(snap, "port_order", "pon", "RVP-PO-1008")
    numbers = [n for n in snap["entities"]["number"] if n["order_id"] == order["id"]]
    foc = _future()
    ops = [server.op("port_order", order["id"], "transition",
                     {"to": "foc_confirmed", "confirmed_foc": foc})]
    ops += [server.op("number", n["id"], "transition", {"to": "foc_confirmed"})
            for n in numbers]
    results = post_ops(server, "ipm", ops).json()["results"]
    assert [r["status"] for r in results] == ["applied"] * len(ops), results
    after, _ = read_state(server)
    moved = by_key(after, "port_order", "id", order["id"])
    assert moved["status"] == "foc_confirmed"
    assert [h["new"] for h in moved["foc_history"]] == [  # the codec's one time format
        encode_time(datetime.fromisoformat(foc))]
    assert {n["porting_state"] for n in after["entities"]["number"]
            if n["order_id"] == order["id"]} == {"foc_confirmed"}


def test_numbers_pushed_after_their_order_went_back_to_the_carrier_wait_for_its_foc(
    server: ServerUnderTest,
) -> None:
    # the push's records are read ahead for its rules; the order's own move in the same
    # push is what its numbers are weighed against
    snap, _feed = read_state(server)
    order = by_key(snap, "port_order", "pon", "RVP-PO-1002")
    numbers = [n for n in snap["entities"]["number"]
               if n["order_id"] == order["id"] and n["porting_state"] == "foc_confirmed"]
    assert len(numbers) > 1
    ported = [server.op("number", n["id"], "transition", {"to": "ported"}) for n in numbers]
    back = server.op("port_order", order["id"], "transition",
                     {"to": "submitted", "reason": "The carrier asked for a new LOA"})
    results = post_ops(server, "ipm", [ported[0], back, *ported[1:]]).json()["results"]
    assert [r["status"] for r in results] == (
        ["applied", "applied"] + ["rejected"] * (len(ported) - 1)), results
    assert all("has no confirmed FOC" in r["reason"] for r in results[2:])
    after, _ = read_state(server)
    assert {n["id"]: n["porting_state"] for n in after["entities"]["number"]
            if n["order_id"] == order["id"] and n["id"] in {m["id"] for m in numbers}} == {
        n["id"]: "ported" if n is numbers[0] else "foc_confirmed" for n in numbers}
