"""The HTTP surface of ``golive server``: health, the schema, the protocol header, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import golive_tui
from golive_tui.domain.enums import EntityKind
from golive_tui.domain.wire import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.conftest import ServerUnderTest

API_PATHS = {
    "/healthz",
    "/v1/me",
    "/v1/portfolio",
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


def test_healthz_reports_version_protocol_and_database(sqlite_server: ServerUnderTest) -> None:
    response = httpx.get(f"{sqlite_server.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": golive_tui.__version__,
        "protocol": PROTOCOL_VERSION,
        "database": "sqlite",
    }


def test_openapi_describes_every_endpoint_and_the_error_shape(
    sqlite_server: ServerUnderTest,
) -> None:
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


def test_client_of_another_protocol_gets_409_saying_which_versions(
    sqlite_server: ServerUnderTest,
) -> None:
    with sqlite_server.client("ipm", headers={PROTOCOL_HEADER: "2"}) as client:
        response = client.get(sqlite_server.project_path("changes"))
    error = assert_error_shape(response, 409, "protocol_mismatch")
    assert "protocol 1" in str(error["message"]) and "'2'" in str(error["message"])
    assert error["details"] == {"server": 1, "client": "2"}


def test_client_of_this_protocol_is_served(sqlite_server: ServerUnderTest) -> None:
    with sqlite_server.client("ipm", headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}) as client:
        assert client.get("/v1/me").status_code == 200


def test_unknown_path_and_wrong_method_answer_in_the_error_shape(
    sqlite_server: ServerUnderTest,
) -> None:
    with sqlite_server.client("ipm") as client:
        assert_error_shape(client.get("/v2/nothing"), 404, "not_found")
        assert_error_shape(client.delete(sqlite_server.project_path("ops")), 405,
                           "method_not_allowed")


def test_me_lists_the_callers_projects_and_roles(sqlite_server: ServerUnderTest) -> None:
    with sqlite_server.client("engineer") as client:
        me = client.get("/v1/me").json()
    assert me["user"] == "engineer"
    assert [(p["project_id"], p["role"]) for p in me["projects"]] == [
        (sqlite_server.project_id, "engineer")
    ]
    assert me["projects"][0]["customer"] == "Ridgeline Veterinary Partners"


def test_changes_limit_out_of_range_is_422_in_the_error_shape(
    sqlite_server: ServerUnderTest,
) -> None:
    response = sqlite_server.changes(after=0, limit=100_000)
    error = assert_error_shape(response, 422, "invalid_request")
    assert "limit" in str(error["message"])


def test_a_blank_protocol_header_states_no_version(sqlite_server: ServerUnderTest) -> None:
    with sqlite_server.client("ipm", headers={PROTOCOL_HEADER: ""}) as client:
        assert client.get("/v1/me").status_code == 200
    with sqlite_server.client(None, headers={PROTOCOL_HEADER: ""}) as client:
        assert_error_shape(client.get("/v1/me"), 401, "unauthorized")


def test_a_body_that_is_not_utf8_is_malformed_json_not_a_bare_400(
    sqlite_server: ServerUnderTest,
) -> None:
    with sqlite_server.client("ipm", headers={"Content-Type": "application/json"}) as client:
        response = client.post(sqlite_server.project_path("ops"), content=b'{"ops": "\xff"}')
    error = assert_error_shape(response, 422, "malformed_json")
    assert "UTF-8" in str(error["message"])


#: what no database can record: each was a 500, on either database a client_seq beyond 64
#: bits or half a surrogate pair in fields, on PostgreSQL a NUL in the op's or client's id
UNSTORABLE: dict[str, tuple[dict[str, Any], str]] = {
    "client_seq beyond 64 bits": ({"client_seq": 2**63}, "ops.0.client_seq"),
    "half a surrogate pair in a field": ({"fields": {"title": "\ud800"}}, "ops.0.fields.title"),
    "half a surrogate pair as a field's name": ({"fields": {"\udfff": 1}}, "ops.0.fields"),
    "NUL in the op id": ({"op_id": "a\x00b"}, "ops.0.op_id"),
    "NUL in the client id": ({"client_id": "laptop\x00"}, "ops.0.client_id"),
    "NUL in the entity id": ({"entity_id": "a\x00b"}, "ops.0.entity_id"),
    # and what is not an op as the schema says, though a database could record it: an empty
    # op id was applied (then "" was op_id_reused for everyone else), a number taken for a time
    "an empty op id": ({"op_id": ""}, "ops.0.op_id"),
    "an op id that is no UUID": ({"op_id": "op-1"}, "ops.0.op_id"),
    "a client time as a number": ({"client_time": 0}, "ops.0.client_time"),
    "a client time as digits": ({"client_time": "1700000000"}, "ops.0.client_time"),
    "a date without a time": ({"client_time": "2026-12-01"}, "ops.0.client_time"),
}


@pytest.mark.parametrize("what", list(UNSTORABLE))
@pytest.mark.parametrize(
    "backend", ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]
)
def test_an_op_no_database_can_record_or_not_as_the_schema_says_is_422(
    request: pytest.FixtureRequest, backend: str, what: str
) -> None:
    server = request.getfixturevalue(backend)
    head = server.head()
    change, where = UNSTORABLE[what]
    op = server.op("issue", "8c1f4a52-0d3e-4b7a-9e61-5f2a7c9d0b14", "create",
                   {"title": "Printer offline"})
    body = {"client_id": op["client_id"], "ops": [{**op, **change}]}
    with server.client("ipm", headers={"Content-Type": "application/json"}) as client:
        # json.dumps writes half a surrogate pair as a \u escape, as a client could
        response = client.post(server.project_path("ops"), content=json.dumps(body))
    error = assert_error_shape(response, 422, "invalid_request")
    assert where in str(error["message"]), error
    assert server.head() == head


#: half a surrogate pair in a field's text, written as other clients could write it
HALF_PAIRS: dict[str, bytes] = {
    "an escape in capitals": b'"Printer \\uDBFF offline"',
    "an escape beside text that is not ASCII": '"Caf\u00e9 \\udc00"'.encode(),
    "bytes of UTF-8 that encode it": '"Printer \ud800 offline"'.encode("utf-8", "surrogatepass"),
}


@pytest.mark.parametrize("how", list(HALF_PAIRS))
def test_half_a_surrogate_pair_is_422_however_the_body_writes_it(
    sqlite_server: ServerUnderTest, how: str
) -> None:
    head = sqlite_server.head()
    op = sqlite_server.op("issue", "8c1f4a52-0d3e-4b7a-9e61-5f2a7c9d0b14", "create",
                          {"title": "PLACEHOLDER"})
    body = json.dumps({"client_id": op["client_id"], "ops": [op]}).encode()
    body = body.replace(b'"PLACEHOLDER"', HALF_PAIRS[how])
    with sqlite_server.client("ipm", headers={"Content-Type": "application/json"}) as client:
        response = client.post(sqlite_server.project_path("ops"), content=body)
    error = assert_error_shape(response, 422, "invalid_request")
    assert "ops.0.fields.title" in str(error["message"]), error
    assert sqlite_server.head() == head


@pytest.mark.parametrize(
    "backend", ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]
)
def test_a_nul_in_a_fields_text_is_refused_by_that_op_alone_on_either_database(
    request: pytest.FixtureRequest, backend: str
) -> None:
    # PostgreSQL cannot store one, and its refusal once read "too large to store"
    server = request.getfixturevalue(backend)
    head = server.head()
    bad = server.op("issue", "8c1f4a52-0d3e-4b7a-9e61-5f2a7c9d0b14", "create",
                    {"title": "Printer\x00 offline"})
    good = server.op("issue", "2b6e0f1c-7a4d-4c8e-b5f3-9d1a0e6c2f47", "create",
                     {"title": "Printer offline"})
    body = {"client_id": bad["client_id"], "ops": [bad, {**good, "client_seq": 2}]}
    with server.client("ipm", headers={"Content-Type": "application/json"}) as client:
        response = client.post(server.project_path("ops"), content=json.dumps(body))
    assert response.status_code == 200, response.text
    refused, applied = response.json()["results"]
    assert refused["status"] == "rejected" and refused["code"] == "validation"
    assert "NUL" in refused["reason"] and "title" in refused["reason"]
    assert "too large" not in refused["reason"]
    assert applied["status"] == "applied"
    assert server.head() == head + 1


def test_openapi_states_what_the_server_accepts_and_streams(sqlite_server: ServerUnderTest) -> None:
    schema = httpx.get(f"{sqlite_server.url}/openapi.json").json()
    events = schema["paths"]["/v1/projects/{pid}/events"]["get"]
    assert set(events["responses"]["200"]["content"]) == {"text/event-stream"}
    event = events["responses"]["200"]["content"]["text/event-stream"]["itemSchema"]
    assert event["properties"]["event"] == {"const": "change"}
    # header values are text, never null
    last_event_id = next(p for p in events["parameters"] if p["name"] == "Last-Event-ID")
    assert last_event_id["schema"]["type"] == "integer" and "anyOf" not in last_event_id["schema"]
    op = schema["components"]["schemas"]["Op"]["properties"]
    assert op["client_seq"]["maximum"] == 2**63 - 1
    assert op["entity_id"]["pattern"] == "^[^\\x00]*$"


def _ref(schema: dict[str, Any]) -> str:
    return str(schema["$ref"]).rsplit("/", 1)[-1]


def test_openapi_types_results_records_and_transitions(sqlite_server: ServerUnderTest) -> None:
    schema = httpx.get(f"{sqlite_server.url}/openapi.json").json()
    models = schema["components"]["schemas"]
    assert models["OpResult"]["properties"]["status"]["$ref"].endswith("/OpStatus")
    assert set(models["OpStatus"]["enum"]) == {"applied", "duplicate", "rejected", "conflict"}
    # a change's data is its entity's record, told apart by "entity"
    changes = models["ChangeFeedPage"]["properties"]["changes"]["items"]
    mapping = changes["discriminator"]["mapping"]
    assert set(mapping) == {kind.value for kind in EntityKind}
    number_change = models[mapping["number"].rsplit("/", 1)[-1]]["properties"]
    assert number_change["entity"]["const"] == "number"
    record = models[_ref(number_change["data"]["anyOf"][0])]
    assert "ported" in record["properties"]["porting_state"]["enum"]
    assert record["properties"]["updated_at"]["anyOf"][0]["format"] == "date-time"
    # a snapshot lists each kind's records
    entities = models[_ref(models["Snapshot"]["properties"]["entities"])]["properties"]
    assert _ref(entities["issue"]["items"]) == "IssueRecord"
    assert models["IssueRecord"]["properties"]["paused_seconds"]["type"] == "number"
    # an op's fields: each entity's fields, or a move with what it needs
    fields = {_ref(s) for s in models["Op"]["properties"]["fields"]["anyOf"]}
    assert {"NumberTransition", "PortOrderTransition", "IssueTransition",
            "ChecklistItemTransition", "NumberFields", "IssueFields"} <= fields
    issue_move = models["IssueTransition"]["properties"]
    assert {"to", "reason", "resolution", "assignee", "comment"} == set(issue_move)
    assert "on_hold" in issue_move["to"]["enum"]
    assert "id" not in models["NumberFields"]["properties"]  # the server keeps those
