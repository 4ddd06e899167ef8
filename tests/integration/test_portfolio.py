"""``GET /v1/portfolio`` on a real server, SQLite and PostgreSQL, with raw HTTP: a member of
two projects sees both and not a third, overlapping cutover windows are flagged, the
combined queue is in SLA order, a non-member sees nothing, no token is a 401."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from golive_tui.app.exit_codes import ExitCode
from golive_tui.server import admin
from tests.conftest import ServerUnderTest
from tests.integration.test_scripting import golive, home

__all__ = ["home"]

BACKENDS = ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]


def _user_in(server: ServerUnderTest, grants: dict[str, str]) -> tuple[str, str]:
    """A new user with these roles ({project_id: role}), and a token for them."""
    name = f"pf-{uuid.uuid4().hex[:8]}"
    db = admin.open_database(server.db_url)
    try:
        admin.ensure_user(db, name)
        for pid, role in grants.items():
            admin.grant(db, name, pid, role)
        token = admin.issue_token(db, name).token
    finally:
        db.dispose()
    return name, token


def _new_project(server: ServerUnderTest, name: str, customer: str) -> str:
    db = admin.open_database(server.db_url)
    try:
        pid, _ = admin.create_project(db, name=name, customer=customer,
                                      project_id=str(uuid.uuid4()))
    finally:
        db.dispose()
    return pid


def _push(server: ServerUnderTest, token: str, pid: str, ops: list[dict[str, Any]]) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
        response = c.post(server.project_path("ops", pid),
                          json={"client_id": ops[0]["client_id"], "ops": ops})
    assert response.status_code == 200, response.text
    for result in response.json()["results"]:
        assert result["status"] == "applied", result


def _portfolio(server: ServerUnderTest, token: str | None) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        return client.get("/v1/portfolio")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_member_of_two_projects_sees_both_their_collisions_and_one_queue(
    request: pytest.FixtureRequest, backend: str
) -> None:
    server: ServerUnderTest = request.getfixturevalue(backend)
    beacon = _new_project(server, "Beacon Dental go-live", "Beacon Dental")
    third = _new_project(server, "Cobalt Freight go-live", "Cobalt Freight")
    _, token = _user_in(server, {server.project_id: "engineer", beacon: "ipm"})

    # a Beacon wave inside one of the demo project's windows, and one far from every window
    demo = server.snapshot()["entities"]
    demo_wave = next(w for w in demo["cutover"] if w["starts_at"] and w["ends_at"])
    start = _time(demo_wave["starts_at"]) + timedelta(minutes=30)
    clash, lone = str(uuid.uuid4()), str(uuid.uuid4())
    p1, p3 = str(uuid.uuid4()), str(uuid.uuid4())
    _push(server, token, beacon, [
        server.op("cutover", clash, "create", {
            "name": "Beacon wave 1", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat()}, client_id="beacon"),
        server.op("cutover", lone, "create", {
            "name": "Beacon wave 2", "starts_at": "2031-03-04T23:00:00+00:00",
            "ends_at": "2031-03-05T03:00:00+00:00"}, client_id="beacon"),
        server.op("issue", p3, "create", {"title": "Hold music too quiet", "priority": "P3"},
                  client_id="beacon"),
        server.op("issue", p1, "create", {"title": "Main line rings nowhere",
                                          "priority": "P1"}, client_id="beacon"),
    ])

    response = _portfolio(server, token)
    assert response.status_code == 200, response.text
    body = response.json()
    seen = {p["project_id"]: p for p in body["projects"]}
    assert set(seen) == {server.project_id, beacon}
    assert third not in seen and server.other_project_id not in seen
    mine = seen[beacon]
    assert (mine["customer"], mine["role"], mine["open_p1"]) == ("Beacon Dental", "ipm", 1)
    assert mine["wave"]["cutover_id"] == lone  # the next wave: the other is in the past
    assert mine["wave"]["verdict"] == "NO-GO" and mine["wave"]["unmet"] > 0
    assert mine["last_activity"] is not None
    assert seen[server.project_id]["wave"]["cutover_id"] is not None

    # the clash is flagged, the far wave collides with nothing
    pairs = [{c["first_cutover_id"], c["second_cutover_id"]} for c in body["collisions"]]
    assert {clash, demo_wave["id"]} in pairs
    assert not any(lone in pair for pair in pairs)
    hit = next(c for c in body["collisions"]
               if {c["first_cutover_id"], c["second_cutover_id"]} == {clash, demo_wave["id"]})
    assert _time(hit["overlap_starts_at"]) == start
    assert {hit["first_project_id"], hit["second_project_id"]} == {beacon, server.project_id}

    # one queue over both projects: breached first, then by time to breach
    queue = body["queue"]
    assert {q["project_id"] for q in queue} == {server.project_id, beacon}
    keys = [(not q["breached"], float("inf") if q["seconds_to_breach"] is None
             else q["seconds_to_breach"]) for q in queue]
    assert keys == sorted(keys)
    ids = [q["issue_id"] for q in queue]
    assert ids.index(p1) < ids.index(p3)
    assert queue[ids.index(p1)]["project"] == "Beacon Dental go-live"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_non_member_sees_nothing_and_no_token_is_refused(
    request: pytest.FixtureRequest, backend: str
) -> None:
    server: ServerUnderTest = request.getfixturevalue(backend)
    _, token = _user_in(server, {})
    response = _portfolio(server, token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["projects"], body["collisions"], body["queue"]) == ([], [], [])

    refused = _portfolio(server, None)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["code"] == "unauthorized"
    assert _portfolio(server, "not-a-token").status_code == 401


@pytest.mark.parametrize("backend", BACKENDS)
def test_golive_portfolio_prints_the_same_projects_for_a_script_and_a_person(
    request: pytest.FixtureRequest, backend: str, home: dict[str, str]
) -> None:
    server: ServerUnderTest = request.getfixturevalue(backend)
    beacon = _new_project(server, "Beacon Dental go-live", "Beacon Dental")
    _new_project(server, "Cobalt Freight go-live", "Cobalt Freight")
    _, token = _user_in(server, {server.project_id: "viewer", beacon: "engineer"})

    result = golive(home, "portfolio", "--json", "--server", server.url, GOLIVE_TOKEN=token)
    assert result.returncode == ExitCode.OK, result.stderr
    body = json.loads(result.stdout)
    assert {p["project_id"] for p in body["projects"]} == {server.project_id, beacon}
    served = _portfolio(server, token).json()
    assert (body["projects"], body["collisions"]) == (served["projects"], served["collisions"])
    assert {q["issue_id"] for q in body["queue"]} == {q["issue_id"] for q in served["queue"]}

    text = golive(home, "portfolio", "--server", server.url, GOLIVE_TOKEN=token)
    assert text.returncode == ExitCode.OK, text.stderr
    assert "Beacon Dental go-live for Beacon Dental" in text.stdout
    assert "Cobalt" not in text.stdout

    refused = golive(home, "portfolio", "--server", server.url, GOLIVE_TOKEN="not-a-token")
    assert refused.returncode == ExitCode.AUTH, refused.stderr
    assert "golive portfolio:" in refused.stderr and not refused.stdout
    no_token = golive(home, "portfolio", "--server", server.url)
    assert no_token.returncode == ExitCode.AUTH, no_token.stderr


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_same_engineer_due_in_two_overlapping_cutovers_is_flagged(
    request: pytest.FixtureRequest, backend: str, home: dict[str, str]
) -> None:
    """A stakeholder who signs in as the same member in two projects owns runbook steps in
    two windows that overlap: the portfolio's collision names them; a colleague with steps
    in one of the windows only is not named; the CLI says it too."""
    server: ServerUnderTest = request.getfixturevalue(backend)
    beacon = _new_project(server, "Beacon Dental go-live", "Beacon Dental")
    _, token = _user_in(server, {server.project_id: "ipm", beacon: "ipm"})
    demo = server.snapshot()["entities"]
    demo_wave = next(w for w in demo["cutover"] if w["starts_at"] and w["ends_at"])
    start = _time(demo_wave["starts_at"]) + timedelta(minutes=30)
    clash = str(uuid.uuid4())
    sam_demo, sam_beacon, kim = (str(uuid.uuid4()) for _ in range(3))
    _push(server, token, server.project_id, [
        server.op("stakeholder", sam_demo, "create", {
            "name": "Sam Ortiz", "role": "engineer", "user": "sam.ortiz"}, client_id="demo"),
        server.op("runbook_step", str(uuid.uuid4()), "create", {
            "cutover_id": demo_wave["id"], "title": "Port the New York main number",
            "owner": sam_demo}, client_id="demo"),
    ])
    _push(server, token, beacon, [
        server.op("cutover", clash, "create", {
            "name": "Beacon wave 1", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat()}, client_id="beacon"),
        server.op("stakeholder", sam_beacon, "create", {
            "name": "Sam Ortiz", "role": "engineer", "user": "sam.ortiz"}, client_id="beacon"),
        server.op("stakeholder", kim, "create", {"name": "Kim Diaz"}, client_id="beacon"),
        server.op("runbook_step", str(uuid.uuid4()), "create", {
            "cutover_id": clash, "title": "Move the Beacon front desk", "owner": sam_beacon},
            client_id="beacon"),
        server.op("runbook_step", str(uuid.uuid4()), "create", {
            "cutover_id": clash, "title": "Test 933 at Beacon", "owner": kim},
            client_id="beacon"),
    ])

    response = _portfolio(server, token)
    assert response.status_code == 200, response.text
    hit = next(c for c in response.json()["collisions"]
               if {c["first_cutover_id"], c["second_cutover_id"]} == {clash, demo_wave["id"]})
    assert hit["people"] == ["Sam Ortiz"]

    result = golive(home, "portfolio", "--server", server.url, GOLIVE_TOKEN=token)
    assert result.returncode == ExitCode.OK, result.stderr
    assert "in both: Sam Ortiz" in result.stdout
