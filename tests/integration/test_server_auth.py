"""Who may do what: tokens, project isolation, roles, and tokens hashed at rest."""

from __future__ import annotations

import hashlib
import sqlite3

import httpx
import pytest

from golive_tui.server import admin
from tests.conftest import ServerUnderTest

ENDPOINTS = [("GET", "snapshot"), ("GET", "changes"), ("POST", "ops"), ("GET", "events")]


def _call(client: httpx.Client, method: str, path: str) -> httpx.Response:
    if method == "POST":
        return client.post(path, json={"client_id": "c", "ops": []})
    return client.get(path)


@pytest.mark.parametrize(("method", "tail"), ENDPOINTS)
def test_no_token_is_401(sqlite_server: ServerUnderTest, method: str, tail: str) -> None:
    with sqlite_server.client(None) as client:
        response = _call(client, method, sqlite_server.project_path(tail))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"


def test_unknown_and_malformed_tokens_are_401(sqlite_server: ServerUnderTest) -> None:
    for token in ("nonsense", "abc.def", sqlite_server.tokens["ipm"] + "x"):
        response = httpx.get(f"{sqlite_server.url}/v1/me",
                             headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


def test_revoked_token_is_401(sqlite_server: ServerUnderTest) -> None:
    token = sqlite_server.tokens["engineer"]
    with sqlite_server.client("engineer") as client:
        assert client.get("/v1/me").status_code == 200
    db = admin.open_database(sqlite_server.db_url)
    try:
        admin.revoke_token(db, token.partition(".")[0])
    finally:
        db.dispose()
    with sqlite_server.client("engineer") as client:
        assert client.get("/v1/me").status_code == 401


@pytest.mark.parametrize(("method", "tail"), ENDPOINTS)
def test_another_projects_member_gets_404_as_for_a_project_that_does_not_exist(
    sqlite_server: ServerUnderTest, method: str, tail: str
) -> None:
    with sqlite_server.client("outsider") as client:
        theirs = _call(client, method, sqlite_server.project_path(tail))
        missing = _call(client, method, sqlite_server.project_path(tail, "no-such-project"))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"


def test_outsider_reads_and_writes_their_own_project(sqlite_server: ServerUnderTest) -> None:
    with sqlite_server.client("outsider") as client:
        response = client.get(sqlite_server.project_path("snapshot", sqlite_server.other_project_id))
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["entities"]["project"]] == [
        "Another customer's go-live"
    ]


def test_viewer_push_is_answered_per_op_with_permission_and_changes_nothing(
    sqlite_server: ServerUnderTest,
) -> None:
    snap = sqlite_server.snapshot()
    issue = snap["entities"]["issue"][0]
    note = sqlite_server.op("issue_note", "0b7c5d8e-0000-4000-8000-000000000001", "append",
                            {"issue_id": issue["id"], "body": "Viewer was here"})
    update = sqlite_server.op("issue", issue["id"], "update", {"title": "Renamed by a viewer"},
                              base_version=issue["version"])
    response = sqlite_server.push([note, update], user="viewer")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert {r["code"] for r in results} == {"permission"}
    assert "viewer may not" in results[1]["reason"]
    assert sqlite_server.head() == snap["server_seq"]
    assert sqlite_server.changes(after=snap["server_seq"]).json()["changes"] == []


def test_engineer_may_update_an_issue_but_not_create_a_member(
    sqlite_server: ServerUnderTest,
) -> None:
    snap = sqlite_server.snapshot()
    issue = snap["entities"]["issue"][0]
    ops = [
        sqlite_server.op("issue", issue["id"], "update", {"description": "Seen by engineering"},
                         base_version=issue["version"], client_id="eng"),
        sqlite_server.op("member", "0b7c5d8e-0000-4000-8000-000000000002", "create",
                         {"user": "eve", "role": "ipm"}, client_id="eng"),
    ]
    results = sqlite_server.push(ops, user="engineer").json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["code"] == "permission"


def test_tokens_are_stored_only_as_sha256_hashes(sqlite_server: ServerUnderTest) -> None:
    path = sqlite_server.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT id, user, token_hash, created_at, revoked_at FROM api_token").fetchall()
        dump = "\n".join(conn.iterdump())
    assert rows
    for user, token in sqlite_server.tokens.items():
        token_id, _, secret = token.partition(".")
        assert len(secret) >= 40
        assert secret not in dump, f"{user}'s token is stored in clear"
        (stored,) = [r for r in rows if r[0] == token_id]
        assert stored[1] == user
        assert stored[2] == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize(("method", "tail"), ENDPOINTS)
@pytest.mark.parametrize(
    "backend", ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]
)
def test_a_nul_in_the_project_id_is_401_without_a_token_and_404_with_one(
    request: pytest.FixtureRequest, backend: str, method: str, tail: str
) -> None:
    # PostgreSQL refuses a NUL in text, and answered this with a 500 to anyone
    server = request.getfixturevalue(backend)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for path in (f"/v1/projects/%00/{tail}", f"/v1/projects/a%00b/{tail}"):
            for token in ("abc.def", "nonsense"):
                client.headers["Authorization"] = f"Bearer {token}"
                response = _call(client, method, path)
                assert response.status_code == 401, (path, token, response.text)
                assert response.json()["error"]["code"] == "unauthorized"
            client.headers["Authorization"] = f"Bearer {server.tokens['ipm']}"
            response = _call(client, method, path)
            assert response.status_code == 404, (path, response.text)
            assert response.json()["error"]["code"] == "not_found"
