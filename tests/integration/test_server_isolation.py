"""Projects stay apart: what one project's people send never answers, refuses or points into
another project, on either database. Raw HTTP, so no client code hides the behaviour."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import ServerUnderTest

BACKENDS = ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]


def _issue(
    server: ServerUnderTest, *, client_id: str, client_seq: int, op_id: str,
) -> dict[str, Any]:
    op = server.op("issue", str(uuid.uuid4()), "create", {"title": "Fax line silent"},
                   client_id=client_id, client_seq=client_seq)
    return {**op, "op_id": op_id}


def _push_to(
    server: ServerUnderTest, user: str, project_id: str, ops: list[dict[str, Any]],
) -> list[Any]:
    with server.client(user) as client:
        response = client.post(server.project_path("ops", project_id),
                               json={"client_id": ops[0]["client_id"], "ops": ops})
    assert response.status_code == 200, response.text
    results: list[Any] = response.json()["results"]
    return results


@pytest.mark.parametrize("backend", BACKENDS)
def test_idempotency_keys_are_per_project(request: pytest.FixtureRequest, backend: str) -> None:
    server = request.getfixturevalue(backend)
    used_op_id = str(uuid.uuid4())
    # someone of the other project uses client X's seq 1 and an op id first
    (theirs,) = _push_to(server, "outsider", server.other_project_id,
                         [_issue(server, client_id="x", client_seq=1, op_id=used_op_id)])
    assert theirs["status"] == "applied", theirs
    head = server.head()

    same_seq = _issue(server, client_id="x", client_seq=1, op_id=str(uuid.uuid4()))
    (result,) = _push_to(server, "ipm", server.project_id, [same_seq])
    assert result["status"] == "applied", result  # was client_seq_reused

    same_op_id = _issue(server, client_id="y", client_seq=1, op_id=used_op_id)
    (result,) = _push_to(server, "ipm", server.project_id, [same_op_id])
    assert result["status"] == "applied", result  # was op_id_reused
    assert server.head() == head + 2

    # and within a project both keys still hold: a replay is a duplicate, a reuse refused
    (again,) = _push_to(server, "ipm", server.project_id, [same_op_id])
    assert again["status"] == "duplicate" and again["first_status"] == "applied", again
    reused = _issue(server, client_id="x", client_seq=1, op_id=str(uuid.uuid4()))
    (refused,) = _push_to(server, "ipm", server.project_id, [reused])
    assert refused["code"] == "client_seq_reused", refused
    assert server.head() == head + 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_records_refer_only_to_records_of_their_own_project(
    request: pytest.FixtureRequest, backend: str
) -> None:
    server = request.getfixturevalue(backend)
    ours = server.snapshot()["entities"]
    our_issue, our_site = ours["issue"][0], ours["site"][0]
    their_site = str(uuid.uuid4())
    (made,) = _push_to(server, "outsider", server.other_project_id, [server.op(
        "site", their_site, "create", {"code": "ELS", "name": "Elsewhere"},
        client_id="elsewhere")])
    assert made["status"] == "applied", made
    head = server.head()

    # a note in their project on our issue, and a checklist item waiting for ours
    (note,) = _push_to(server, "outsider", server.other_project_id, [server.op(
        "issue_note", str(uuid.uuid4()), "append", {"issue_id": our_issue["id"], "body": "hi"},
        client_id="elsewhere")])
    assert note["status"] == "rejected" and note["code"] == "validation", note
    assert "issue_id" in note["reason"] and our_issue["id"] in note["reason"], note
    our_item = ours["checklist_item"][0]["id"]
    (item,) = _push_to(server, "outsider", server.other_project_id, [server.op(
        "checklist_item", str(uuid.uuid4()), "create",
        {"key": "X-1", "title": "Wait for theirs", "predecessors": [our_item]},
        client_id="elsewhere")])
    assert item["status"] == "rejected" and "predecessors" in item["reason"], item

    # our issue moved to their site, our number to their site
    (moved,) = _push_to(server, "ipm", server.project_id, [server.op(
        "issue", our_issue["id"], "update", {"site_id": their_site},
        base_version=our_issue["version"])])
    assert moved["status"] == "rejected" and "site_id" in moved["reason"], moved
    number = ours["number"][0]
    (moved,) = _push_to(server, "ipm", server.project_id, [server.op(
        "number", number["id"], "update", {"site_id": their_site},
        base_version=number["version"])])
    assert moved["status"] == "rejected" and "site_id" in moved["reason"], moved
    assert server.head() == head

    # while references inside the project apply as before
    (note,) = _push_to(server, "engineer", server.project_id, [server.op(
        "issue_note", str(uuid.uuid4()), "append", {"issue_id": our_issue["id"], "body": "hi"},
        client_id="engineer-laptop")])
    assert note["status"] == "applied", note
    (kept,) = _push_to(server, "ipm", server.project_id, [server.op(
        "issue", our_issue["id"], "update", {"site_id": our_site["id"]},
        base_version=our_issue["version"])])
    assert kept["status"] == "applied", kept
    assert server.head() == head + 2
