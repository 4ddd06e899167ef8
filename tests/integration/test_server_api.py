"""The HTTP surface of ``golive server``: health, the schema, the protocol header, errors."""

from __future__ import annotations

import httpx

import golive_tui
from golive_tui.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

API_PATHS = {
    "/healthz",
    "/v1/me",
    "/v1/projects/{pid}/snapshot",
    "/v1/projects/{pid}/ops",
    "/v1/projects/{pid}/changes",
    "/v1/projects/{pid}/events",
}


def assert_error_shape(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    error: dict[str, object] = body["error"]
    return error


def test_healthz_reports_version_protocol_and_database(sqlite_server) -> None:
    response = httpx.get(f"{sqlite_server.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": golive_tui.__version__,
        "protocol": PROTOCOL_VERSION,
        "database": "sqlite",
    }


def test_openapi_describes_every_endpoint_and_the_error_shape(sqlite_server) -> None:
    schema = httpx.get(f"{sqlite_server.url}/openapi.json").json()
    assert set(schema["paths"]) >= API_PATHS
    push = schema["paths"]["/v1/projects/{pid}/ops"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PushRequest"
    )
    assert {"401", "404", "409", "413", "422"} <= set(push["responses"])
    assert push["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorResponse"
    )
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    changes = schema["paths"]["/v1/projects/{pid}/changes"]["get"]
    assert "410" in changes["responses"]


def test_client_of_another_protocol_gets_409_saying_which_versions(sqlite_server) -> None:
    with sqlite_server.client("ipm", headers={PROTOCOL_HEADER: "2"}) as client:
        response = client.get(sqlite_server.project_path("changes"))
    error = assert_error_shape(response, 409, "protocol_mismatch")
    assert "protocol 1" in str(error["message"]) and "'2'" in str(error["message"])
    assert error["details"] == {"server": 1, "client": "2"}


def test_client_of_this_protocol_is_served(sqlite_server) -> None:
    with sqlite_server.client("ipm", headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}) as client:
        assert client.get("/v1/me").status_code == 200


def test_unknown_path_and_wrong_method_answer_in_the_error_shape(sqlite_server) -> None:
    with sqlite_server.client("ipm") as client:
        assert_error_shape(client.get("/v2/nothing"), 404, "not_found")
        assert_error_shape(client.delete(sqlite_server.project_path("ops")), 405,
                           "method_not_allowed")


def test_me_lists_the_callers_projects_and_roles(sqlite_server) -> None:
    with sqlite_server.client("engineer") as client:
        me = client.get("/v1/me").json()
    assert me["user"] == "engineer"
    assert [(p["project_id"], p["role"]) for p in me["projects"]] == [
        (sqlite_server.project_id, "engineer")
    ]
    assert me["projects"][0]["customer"] == "Ridgeline Veterinary Partners"


def test_changes_limit_out_of_range_is_422_in_the_error_shape(sqlite_server) -> None:
    response = sqlite_server.changes(after=0, limit=100_000)
    error = assert_error_shape(response, 422, "invalid_request")
    assert "limit" in str(error["message"])
