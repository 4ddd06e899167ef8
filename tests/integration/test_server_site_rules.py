"""Sites, emergency locations and on-site evidence: the rules, sent straight to a server.

Each forbidden op goes to a running server (SQLite and PostgreSQL) with a plain HTTP
client; the server answers it ``rejected`` with its reason and the snapshot and change
feed are unchanged. The rules are ``domain.sites``, run by the server's ``apply_op``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

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


def _site(**fields: Any) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        values = {"code": "BOS", "name": "Back Bay Clinic", "time_zone": "America/New_York",
                  **fields}
        return server.op("site", str(uuid.uuid4()), "create", values)
    return make


def _rename_site(site: str, **fields: Any) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        return server.op("site", by_key(snap, "site", "code", site)["id"], "update", fields)
    return make


def _location(site: str | None, **fields: Any) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        site_id = (by_key(snap, "site", "code", site)["id"] if site in ("NYC", "DEN")
                   else site)
        values = {"site_id": site_id, "name": "Floor 5",
                  "address": "412 W 23rd St, Floor 5, New York, NY 10011", **fields}
        return server.op("emergency_location", str(uuid.uuid4()), "create", values)
    return make


def _pending_location(snap: Snapshot) -> dict[str, Any]:
    return next(e for e in snap["entities"]["emergency_location"] if e["status"] == "pending")


def _validate(server: ServerUnderTest, snap: Snapshot) -> Op:
    return server.op("emergency_location", _pending_location(snap)["id"], "update",
                     {"status": "verified"})


def _test(code: str, **fields: Any) -> Callable[[ServerUnderTest, Snapshot], Op]:
    def make(server: ServerUnderTest, snap: Snapshot) -> Op:
        values = {"test_case": code, "target": "NYC",
                  "site_id": by_key(snap, "site", "code", "NYC")["id"], "result": "pass",
                  **fields}
        if values.get("emergency_location_id") == "DEN floor":
            den = by_key(snap, "site", "code", "DEN")["id"]
            values["emergency_location_id"] = next(
                e["id"] for e in snap["entities"]["emergency_location"] if e["site_id"] == den)
        return server.op("verification", str(uuid.uuid4()), "append", values)
    return make


FORBIDDEN: dict[str, Forbidden] = {
    "a site whose code another site has": Forbidden(
        "ipm", _site(code="nyc"), "validation", "Site code NYC is already used"),
    "a site renamed to another site's code": Forbidden(
        "engineer", _rename_site("DEN", code="LAX"), "validation", "already used"),
    "a site with a blank name": Forbidden(
        "ipm", _site(name="   "), "validation", "A site needs a name"),
    "a site in a time zone that does not exist": Forbidden(
        "ipm", _site(time_zone="America/Springfield"), "validation",
        "not an IANA time zone name"),
    "a site moved to a time zone written as an offset": Forbidden(
        "engineer", _rename_site("NYC", time_zone="-05:00"), "validation",
        "is not a time zone"),
    "an emergency location at a site that does not exist": Forbidden(
        "ipm", _location(str(uuid.uuid4())), "validation", "There is no site with id"),
    "an emergency location without a site": Forbidden(
        "engineer", _location(""), "validation", "belongs to a site"),
    "an emergency location without an address": Forbidden(
        "ipm", _location("NYC", address=""), "validation", "dispatchable address"),
    "an emergency location whose address is a floor only": Forbidden(
        "engineer", _location("NYC", address="Floor 5"), "validation",
        "does not start with a house number"),
    "an emergency location validated by support": Forbidden(
        "support", _validate, "permission", "may not update an emergency location"),
    "a 933 test without its emergency location": Forbidden(
        "engineer", _test("E911-01"), "validation", "recorded per emergency location"),
    "a 933 test from another site's emergency location": Forbidden(
        "engineer", _test("E911-01", emergency_location_id="DEN floor"), "validation",
        "belongs to another site"),
    "a test logged as '911'": Forbidden(
        "engineer", _test("911"), "validation", "a 933 test is logged as E911-01"),
    "a passing NET-02 without measured values": Forbidden(
        "engineer", _test("NET-02", mos=4.4), "validation",
        "records what was measured: give jitter (ms), loss (%)"),
    "a passing NET-02 below the MOS threshold": Forbidden(
        "engineer", _test("NET-02", mos=3.4, jitter_ms=12, loss_pct=0.2), "validation",
        "MOS 3.4 below 4"),
    "a test marked not applicable without a reason": Forbidden(
        "engineer", _test("FAX-01", result="not_applicable", note=" "), "validation",
        "needs the reason why"),
}


@pytest.mark.parametrize("case", list(FORBIDDEN), ids=list(FORBIDDEN))
def test_a_forbidden_site_or_evidence_op_is_rejected_and_changes_nothing(
    server: ServerUnderTest, case: str
) -> None:
    forbidden = FORBIDDEN[case]
    if forbidden.user == "support":
        _grant(server, "support")
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


def _grant(server: ServerUnderTest, role: str) -> None:
    from golive_tui.server import admin

    db = admin.open_database(server.db_url)
    try:
        admin.ensure_user(db, role)
        admin.grant(db, role, server.project_id, role)
        server.tokens[role] = admin.issue_token(db, role).token
    finally:
        db.dispose()


def _apply(server: ServerUnderTest, user: str, op: Op) -> dict[str, Any]:
    result: dict[str, Any] = post_ops(server, user, [op]).json()["results"][0]
    assert result["status"] == "applied", result
    return result


def test_a_changed_address_sends_its_location_back_to_pending(server: ServerUnderTest) -> None:
    snap, _ = read_state(server)
    nyc = by_key(snap, "site", "code", "NYC")
    floor_1 = next(e for e in snap["entities"]["emergency_location"]
                   if e["site_id"] == nyc["id"] and e["status"] == "verified")
    assert floor_1["validated_at"] is not None
    _apply(server, "engineer", server.op("emergency_location", floor_1["id"], "update", {
        "address": "412 W 23rd St, Floor 1, Suite 1A, New York, NY 10011"}))
    after, _ = read_state(server)
    moved = by_key(after, "emergency_location", "id", floor_1["id"])
    assert moved["status"] == "pending"
    assert moved["validated_at"] is None
    assert moved["address_changed_at"] > floor_1["address_changed_at"]
    # the 933 test recorded before the change is older than the new address
    before_change = [v for v in after["entities"]["verification"]
                     if v.get("emergency_location_id") == floor_1["id"]]
    assert before_change
    assert all(v["tested_at"] < moved["address_changed_at"] for v in before_change)

    # an engineer validates it again; the time is the rules' to write
    _apply(server, "engineer", server.op("emergency_location", floor_1["id"], "update",
                                         {"status": "verified"}))
    final, _ = read_state(server)
    validated = by_key(final, "emergency_location", "id", floor_1["id"])
    assert validated["status"] == "verified"
    assert validated["validated_at"] >= moved["address_changed_at"]


def test_a_new_site_and_location_and_a_933_test_from_it(server: ServerUnderTest) -> None:
    site_id, location_id = str(uuid.uuid4()), str(uuid.uuid4())
    _apply(server, "ipm", server.op("site", site_id, "create", {
        "code": " bos ", "name": "Back Bay Clinic", "time_zone": "America/New_York",
        "address": "200 Newbury St, Boston, MA 02116"}))
    _apply(server, "engineer", server.op("emergency_location", location_id, "create", {
        "site_id": site_id, "name": "Floor 1",
        "address": "200 Newbury St, Floor 1, Boston, MA 02116"}))
    test_id = str(uuid.uuid4())
    _apply(server, "engineer", server.op("verification", test_id, "append", {
        "test_case": "E911-01", "target": "BOS", "result": "pass",
        "emergency_location_id": location_id}))
    na_id = str(uuid.uuid4())
    _apply(server, "engineer", server.op("verification", na_id, "append", {
        "test_case": "FAX-01", "target": "BOS", "site_id": site_id,
        "result": "not_applicable", "note": "No fax line at this site"}))
    snap, _ = read_state(server)
    assert by_key(snap, "site", "id", site_id)["code"] == "BOS"
    location = by_key(snap, "emergency_location", "id", location_id)
    assert location["status"] == "pending" and location["address_changed_at"] is not None
    # the 933 test takes its site from the emergency location it names
    assert by_key(snap, "verification", "id", test_id)["site_id"] == site_id
    assert by_key(snap, "verification", "id", na_id)["result"] == "not_applicable"


def test_two_sites_with_one_code_in_one_push_keep_only_the_first(server: ServerUnderTest) -> None:
    ops = [server.op("site", str(uuid.uuid4()), "create", {
        "code": "BOS", "name": name, "time_zone": "America/New_York"})
        for name in ("Back Bay Clinic", "Boston Annex")]
    results = post_ops(server, "ipm", ops).json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"], results
    assert "Site code BOS is already used by Back Bay Clinic" in results[1]["reason"]
    snap, _ = read_state(server)
    assert [s["name"] for s in snap["entities"]["site"] if s["code"] == "BOS"] == [
        "Back Bay Clinic"]
