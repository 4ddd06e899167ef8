"""Projects stay apart: what one project's people send never answers, refuses or points into
another project, on either database. Raw HTTP, so no client code hides the behaviour."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

BACKENDS = ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]


def _issue(server: Any, *, client_id: str, client_seq: int, op_id: str) -> dict[str, Any]:
    op = server.op("issue", str(uuid.uuid4()), "create", {"title": "Fax line silent"},
                   client_id=client_id, client_seq=client_seq)
    return {**op, "op_id": op_id}


def _push_to(server: Any, user: str, project_id: str, ops: list[dict[str, Any]]) -> list[Any]:
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
