"""How deep and how large an op's fields may be, checked on either database through raw
HTTP, so no client code hides what the server answers."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from golive_tui.domain.ops import MAX_FIELDS_DEPTH, MAX_FIELDS_VALUES
from tests.conftest import ServerUnderTest

BACKENDS = ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]


def _post(server: ServerUnderTest, user: str, ops: list[dict[str, Any]]) -> httpx.Response:
    body = {"client_id": ops[0]["client_id"], "ops": ops}
    with server.client(user, headers={"Content-Type": "application/json"}) as client:
        # json.dumps writes what httpx's own encoder may refuse or reshape
        return client.post(server.project_path("ops"), content=json.dumps(body))


def _site(server: ServerUnderTest, address: Any) -> dict[str, Any]:
    return server.op("site", str(uuid.uuid4()), "create",
                     {"code": "BOS", "name": "Boston", "address": address})


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


DEEP = {
    "nested 500 deep": _nested(500),
    "one level too deep": _nested(MAX_FIELDS_DEPTH + 1),
    "too many values": list(range(MAX_FIELDS_VALUES + 1)),
}


@pytest.mark.parametrize("what", list(DEEP))
@pytest.mark.parametrize("backend", BACKENDS)
def test_fields_too_deep_or_too_large_are_that_ops_refusal_never_a_server_error(
    request: pytest.FixtureRequest, backend: str, what: str
) -> None:
    server = request.getfixturevalue(backend)
    head = server.head()
    bad, good = _site(server, DEEP[what]), server.op(
        "issue", str(uuid.uuid4()), "create", {"title": "Paging zone silent"})
    response = _post(server, "ipm", [bad, good])
    assert response.status_code == 200, response.text
    refused, applied = response.json()["results"]
    assert refused["status"] == "rejected" and refused["code"] == "validation", refused
    assert "deeper" in refused["reason"] or "values in all" in refused["reason"], refused
    assert applied["status"] == "applied", applied
    assert server.head() == head + 1

    # a replay gets the first answers back; a viewer is refused per op, as for any change
    again = _post(server, "ipm", [bad, good]).json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"], again
    viewer = server.op("site", str(uuid.uuid4()), "create", {"address": DEEP[what]},
                       client_id="viewer-laptop")
    response = _post(server, "viewer", [viewer])
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "rejected"
    assert server.head() == head + 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_brackets_as_text_are_only_text(request: pytest.FixtureRequest, backend: str) -> None:
    server = request.getfixturevalue(backend)
    text = "[" * 500 + "]" * 500
    response = _post(server, "ipm", [_site(server, text)])
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert result["status"] in ("applied", "rejected"), result


def test_fields_at_the_bounds_are_not_refused_for_their_shape(
    sqlite_server: ServerUnderTest,
) -> None:
    at_depth = _site(sqlite_server, _nested(MAX_FIELDS_DEPTH))
    response = _post(sqlite_server, "ipm", [at_depth])
    (result,) = response.json()["results"]
    # refused as no address, not for its depth
    assert result["status"] == "rejected" and "deeper" not in result["reason"], result


def test_a_body_nested_deeper_than_json_parsing_goes_is_422_and_changes_nothing(
    sqlite_server: ServerUnderTest,
) -> None:
    head = sqlite_server.head()
    op = _site(sqlite_server, "")
    body = json.dumps({"client_id": op["client_id"], "ops": [op]}).replace(
        '"address": ""', '"address": ' + "[" * 100_000 + "]" * 100_000)
    with sqlite_server.client("ipm", headers={"Content-Type": "application/json"}) as client:
        response = client.post(sqlite_server.project_path("ops"), content=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "malformed_json"
    assert sqlite_server.head() == head

