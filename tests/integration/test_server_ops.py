"""Pushing ops: idempotency, the rules, bad input, and the field-level merge of updates."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import ServerUnderTest

NEW_ID = "5d1e0c2a-7f3b-4c61-9a8e-2b4f6d8c0e11"


def _draft_number(snapshot: dict[str, Any]) -> dict[str, Any]:
    return next(n for n in snapshot["entities"]["number"] if n["porting_state"] == "draft")


def _entity(server: ServerUnderTest, kind: str, entity_id: str) -> dict[str, Any] | None:
    return next((e for e in server.snapshot()["entities"][kind] if e["id"] == entity_id), None)


def _stored(server: ServerUnderTest, kind: str, entity_id: str) -> dict[str, Any]:
    """The entity as the server holds it, which the test expects to exist."""
    entity = _entity(server, kind, entity_id)
    assert entity is not None, f"no {kind} {entity_id} on the server"
    return entity


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    error: dict[str, Any] = body["error"]
    return error


# --------------------------------------------------------------------------- idempotency


def test_same_batch_twice_returns_the_first_results_as_duplicates_without_double_effects(
    sqlite_server: ServerUnderTest,
) -> None:
    snap = sqlite_server.snapshot()
    number = _draft_number(snap)
    issue = snap["entities"]["issue"][0]
    ops = [
        sqlite_server.op("number", number["id"], "transition", {"to": "loa_pending"}),
        sqlite_server.op("issue_note", NEW_ID, "append", {"issue_id": issue["id"], "body": "Hi"}),
        sqlite_server.op("number", number["id"], "transition", {"to": "ported"}),
    ]
    first = sqlite_server.push(ops).json()
    assert [r["status"] for r in first["results"]] == ["applied", "applied", "rejected"]
    head = first["server_seq"]

    again = sqlite_server.push(ops).json()
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    for before, replay in zip(first["results"], again["results"], strict=True):
        assert replay["first_status"] == before["status"]
        assert (replay["seq"], replay["version"], replay["code"], replay["reason"]) == (
            before["seq"], before["version"], before["code"], before["reason"]
        )
    assert again["server_seq"] == head
    feed = sqlite_server.changes(after=snap["server_seq"]).json()
    assert [c["op_id"] for c in feed["changes"]] == [ops[0]["op_id"], ops[1]["op_id"]]
    assert _stored(sqlite_server, "number", number["id"])["version"] == number["version"] + 1


def test_same_op_id_with_another_payload_is_refused(sqlite_server: ServerUnderTest) -> None:
    number = _draft_number(sqlite_server.snapshot())
    op = sqlite_server.op("number", number["id"], "update", {"assigned_to": "Front desk"},
                          base_version=number["version"])
    assert sqlite_server.push([op]).json()["results"][0]["status"] == "applied"
    forged = {**op, "client_seq": op["client_seq"] + 1, "fields": {"assigned_to": "Someone else"}}
    result = sqlite_server.push([forged]).json()["results"][0]
    assert result["status"] == "rejected"
    assert result["code"] == "op_id_reused"
    assert _stored(sqlite_server, "number", number["id"])["assigned_to"] == "Front desk"


def test_an_op_id_in_upper_case_is_the_same_key_as_in_lower_case(
    sqlite_server: ServerUnderTest,
) -> None:
    number = _draft_number(sqlite_server.snapshot())
    op = sqlite_server.op("number", number["id"], "update", {"assigned_to": "Front desk"},
                          base_version=number["version"])
    shouted = {**op, "op_id": op["op_id"].upper()}
    assert shouted["op_id"] != op["op_id"]
    first = sqlite_server.push([shouted]).json()["results"][0]
    assert first["status"] == "applied" and first["op_id"] == op["op_id"]
    again = sqlite_server.push([op]).json()["results"][0]  # the same op, sent again
    assert again["status"] == "duplicate", again
    forged = {**op, "client_seq": op["client_seq"] + 1, "fields": {"assigned_to": "Someone"}}
    assert sqlite_server.push([forged]).json()["results"][0]["code"] == "op_id_reused"
    assert _stored(sqlite_server, "number", number["id"])["version"] == number["version"] + 1


def test_same_client_seq_with_another_op_id_is_refused(sqlite_server: ServerUnderTest) -> None:
    number = _draft_number(sqlite_server.snapshot())
    op = sqlite_server.op("number", number["id"], "update", {"assigned_to": "A"},
                          base_version=number["version"])
    sqlite_server.push([op])
    clash = {**op, "op_id": str(uuid.uuid4()), "fields": {"assigned_to": "B"}}
    result = sqlite_server.push([clash]).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "client_seq_reused")


# --------------------------------------------------------------------------- the rules


def test_draft_to_ported_is_rejected_with_the_reason_and_nothing_changes(
    sqlite_server: ServerUnderTest,
) -> None:
    snap = sqlite_server.snapshot()
    number = _draft_number(snap)
    result = sqlite_server.push(
        [sqlite_server.op("number", number["id"], "transition", {"to": "ported"})]
    ).json()["results"][0]
    assert result["status"] == "rejected"
    assert result["code"] == "illegal_transition"
    assert "cannot go from draft to ported" in result["reason"]
    assert "FOC" in result["reason"]
    assert sqlite_server.head() == snap["server_seq"]
    assert _entity(sqlite_server, "number", number["id"]) == number


def test_invalid_phone_number_is_rejected_and_not_created(sqlite_server: ServerUnderTest) -> None:
    head = sqlite_server.head()
    result = sqlite_server.push(
        [sqlite_server.op("number", NEW_ID, "create", {"e164": "555-01"})]
    ).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "validation")
    assert "not a valid phone number" in result["reason"]
    assert sqlite_server.head() == head
    assert _entity(sqlite_server, "number", NEW_ID) is None


def test_a_valid_number_is_created_in_e164(sqlite_server: ServerUnderTest) -> None:
    result = sqlite_server.push(
        [sqlite_server.op("number", NEW_ID, "create", {"e164": "(720) 555-0199"})]
    ).json()["results"][0]
    assert result["status"] == "applied"
    assert _stored(sqlite_server, "number", NEW_ID)["e164"] == "+17205550199"


def test_unknown_field_inside_an_op_is_rejected_by_the_rules(
    sqlite_server: ServerUnderTest,
) -> None:
    number = _draft_number(sqlite_server.snapshot())
    result = sqlite_server.push(
        [sqlite_server.op("number", number["id"], "update", {"colour": "blue"},
                          base_version=number["version"])]
    ).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "validation")
    assert "colour" in result["reason"]


def test_one_bad_op_does_not_stop_the_rest_of_the_push(sqlite_server: ServerUnderTest) -> None:
    number = _draft_number(sqlite_server.snapshot())
    ops = [
        sqlite_server.op("number", number["id"], "transition", {"to": "verified"}),
        sqlite_server.op("number", number["id"], "transition", {"to": "loa_pending"}),
    ]
    assert [r["status"] for r in sqlite_server.push(ops).json()["results"]] == [
        "rejected", "applied"
    ]


# --------------------------------------------------------------------------- bad input


def _post_raw(server: ServerUnderTest, content: bytes, **headers: str) -> httpx.Response:
    with server.client("ipm") as client:
        return client.post(server.project_path("ops"), content=content,
                           headers={"content-type": "application/json", **headers})


def test_malformed_json_is_422_malformed_json_and_nothing_changes(
    sqlite_server: ServerUnderTest,
) -> None:
    head = sqlite_server.head()
    error = _error(_post_raw(sqlite_server, b'{"client_id": "c", "ops": [}'), 422)
    assert error["code"] == "malformed_json"
    assert "not valid JSON" in error["message"]
    assert sqlite_server.head() == head


def test_unknown_field_in_the_request_is_422_naming_it(sqlite_server: ServerUnderTest) -> None:
    number = _draft_number(sqlite_server.snapshot())
    op = sqlite_server.op("number", number["id"], "transition", {"to": "loa_pending"})
    head = sqlite_server.head()
    for body, field in (
        ({"client_id": "client-a", "ops": [op], "priority": "high"}, "priority"),
        ({"client_id": "client-a", "ops": [{**op, "colour": "red"}]}, "colour"),
    ):
        error = _error(_post_raw(sqlite_server, json.dumps(body).encode()), 422)
        assert error["code"] == "invalid_request"
        assert f"{field}: unknown field" in error["message"]
    assert sqlite_server.head() == head


def test_unknown_entity_is_422_and_nothing_changes(sqlite_server: ServerUnderTest) -> None:
    head = sqlite_server.head()
    op = sqlite_server.op("spaceship", NEW_ID, "create", {"name": "Apollo"})
    error = _error(sqlite_server.push([op]), 422)
    assert error["code"] == "invalid_request"
    assert "ops.0.entity" in error["message"]
    assert sqlite_server.head() == head


def test_body_over_one_mib_is_413_by_content_length(sqlite_server: ServerUnderTest) -> None:
    head = sqlite_server.head()
    number = _draft_number(sqlite_server.snapshot())
    op = sqlite_server.op("number", number["id"], "update", {"assigned_to": "x" * 1_100_000},
                          base_version=number["version"])
    error = _error(sqlite_server.push([op]), 413)
    assert error["code"] == "payload_too_large"
    assert error["details"]["max_bytes"] == 1024 * 1024
    assert sqlite_server.head() == head


def test_body_over_one_mib_is_413_when_streamed_without_content_length(
    sqlite_server: ServerUnderTest,
) -> None:
    head = sqlite_server.head()

    def chunks() -> Iterator[bytes]:
        yield b'{"client_id": "c", "ops": [], "pad": "'
        for _ in range(20):
            yield b"x" * 65_536
        yield b'"}'

    with sqlite_server.client("ipm") as client:
        response = client.post(sqlite_server.project_path("ops"), content=chunks(),
                               headers={"content-type": "application/json"})
    assert _error(response, 413)["code"] == "payload_too_large"
    assert sqlite_server.head() == head


def test_more_than_500_ops_is_422_too_many_ops_and_nothing_applies(
    sqlite_server: ServerUnderTest,
) -> None:
    snap = sqlite_server.snapshot()
    numbers = snap["entities"]["number"][:501]
    ops = [
        sqlite_server.op("number", n["id"], "update", {"assigned_to": "bulk"},
                         base_version=n["version"])
        for n in numbers
    ]
    error = _error(sqlite_server.push(ops), 422)
    assert error["code"] == "too_many_ops"
    assert "500" in error["message"]
    assert sqlite_server.head() == snap["server_seq"]


def test_500_ops_in_one_push_all_apply_in_order(sqlite_server: ServerUnderTest) -> None:
    snap = sqlite_server.snapshot()
    numbers = snap["entities"]["number"][:500]
    ops = [
        sqlite_server.op("number", n["id"], "update", {"assigned_to": f"desk {i}"},
                         base_version=n["version"])
        for i, n in enumerate(numbers)
    ]
    body = sqlite_server.push(ops).json()
    seqs = [r["seq"] for r in body["results"]]
    assert {r["status"] for r in body["results"]} == {"applied"}
    assert seqs == list(range(snap["server_seq"] + 1, snap["server_seq"] + 501))
    assert body["server_seq"] == seqs[-1]


# --------------------------------------------------------------------------- merge


def test_two_clients_updating_different_fields_of_one_issue_both_apply(
    sqlite_server: ServerUnderTest,
) -> None:
    issue = sqlite_server.snapshot()["entities"]["issue"][0]
    a = sqlite_server.op("issue", issue["id"], "update", {"title": "Main number busy (LAX)"},
                         base_version=issue["version"], client_id="laptop-a")
    b = sqlite_server.op("issue", issue["id"], "update", {"description": "Carrier ticket 4471"},
                         base_version=issue["version"], client_id="laptop-b")
    assert sqlite_server.push([a]).json()["results"][0]["status"] == "applied"
    result = sqlite_server.push([b], user="engineer").json()["results"][0]
    assert result["status"] == "applied"
    assert result["version"] == issue["version"] + 2
    now = _stored(sqlite_server, "issue", issue["id"])
    assert (now["title"], now["description"]) == ("Main number busy (LAX)", "Carrier ticket 4471")


def test_same_field_from_two_clients_is_a_conflict_returning_the_current_value(
    sqlite_server: ServerUnderTest,
) -> None:
    issue = sqlite_server.snapshot()["entities"]["issue"][0]
    a = sqlite_server.op("issue", issue["id"], "update", {"title": "A's title"},
                         base_version=issue["version"], client_id="laptop-a")
    b = sqlite_server.op("issue", issue["id"], "update",
                         {"title": "B's title", "assignee": "theo.nakamura", "description": "B"},
                         base_version=issue["version"], client_id="laptop-b")
    sqlite_server.push([a])
    result = sqlite_server.push([b], user="engineer").json()["results"][0]
    assert result["status"] == "conflict"
    assert result["conflicts"] == {"title": "A's title"}
    assert result["current"]["title"] == "A's title"
    # the fields nobody else touched still applied, and say so in the current record
    assert result["current"]["description"] == "B"
    assert result["version"] == result["current"]["version"] == issue["version"] + 2
    now = _stored(sqlite_server, "issue", issue["id"])
    assert (now["title"], now["description"]) == ("A's title", "B")


def test_a_conflict_on_every_field_changes_nothing(sqlite_server: ServerUnderTest) -> None:
    issue = sqlite_server.snapshot()["entities"]["issue"][0]
    sqlite_server.push([sqlite_server.op("issue", issue["id"], "update", {"title": "First"},
                                         base_version=issue["version"], client_id="a")])
    head = sqlite_server.head()
    result = sqlite_server.push([sqlite_server.op("issue", issue["id"], "update",
                                                  {"title": "Second"},
                                                  base_version=issue["version"], client_id="b")])
    body = result.json()["results"][0]
    assert body["status"] == "conflict" and body["seq"] is None
    assert sqlite_server.head() == head


def test_a_clients_own_later_update_never_conflicts_with_its_earlier_one(
    sqlite_server: ServerUnderTest,
) -> None:
    issue = sqlite_server.snapshot()["entities"]["issue"][0]
    ops = [
        sqlite_server.op("issue", issue["id"], "update", {"title": "Draft 1"},
                         base_version=issue["version"], client_id="a"),
        sqlite_server.op("issue", issue["id"], "update", {"title": "Draft 2"},
                         base_version=issue["version"], client_id="a"),
    ]
    assert [r["status"] for r in sqlite_server.push(ops).json()["results"]] == [
        "applied", "applied"
    ]


def test_transition_is_checked_from_the_servers_state_not_the_clients(
    sqlite_server: ServerUnderTest,
) -> None:
    number = _draft_number(sqlite_server.snapshot())
    # two clients both saw "draft"; the first moves it on, the second's move is checked
    # against where the number is now
    first = sqlite_server.op("number", number["id"], "transition", {"to": "cancelled"},
                             client_id="a")
    second = sqlite_server.op("number", number["id"], "transition", {"to": "loa_pending"},
                              client_id="b")
    assert sqlite_server.push([first]).json()["results"][0]["status"] == "applied"
    result = sqlite_server.push([second]).json()["results"][0]
    assert result["status"] == "rejected"
    assert "cannot go from cancelled to loa pending" in result["reason"]


def test_a_value_too_large_for_the_database_is_rejected_not_a_server_error(
    sqlite_server: ServerUnderTest,
) -> None:
    site = sqlite_server.snapshot()["entities"]["site"][0]
    number = _draft_number(sqlite_server.snapshot())
    huge = sqlite_server.op("site", site["id"], "update", {"floors": 10**30},
                            base_version=site["version"])
    fine = sqlite_server.op("number", number["id"], "transition", {"to": "loa_pending"})
    response = sqlite_server.push([huge, fine])
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert (first["status"], first["code"]) == ("rejected", "validation")
    assert "too large" in first["reason"]
    assert second["status"] == "applied"
    replay = sqlite_server.push([huge]).json()["results"][0]
    assert (replay["status"], replay["first_status"]) == ("duplicate", "rejected")
    assert _stored(sqlite_server, "site", site["id"])["floors"] == site["floors"]


def test_the_same_batch_pushed_concurrently_applies_once(sqlite_server: ServerUnderTest) -> None:
    """A client retrying while its first request is still running: one effect per op."""
    snap = sqlite_server.snapshot()
    numbers = snap["entities"]["number"][:40]
    ops = [
        sqlite_server.op("number", n["id"], "update", {"assigned_to": "retry"},
                         base_version=n["version"])
        for n in numbers
    ]
    with ThreadPoolExecutor(4) as pool:
        bodies = [f.result().json() for f in [pool.submit(sqlite_server.push, ops)
                                              for _ in range(4)]]
    for index in range(len(ops)):
        statuses = [body["results"][index]["status"] for body in bodies]
        assert sorted(statuses) == ["applied", "duplicate", "duplicate", "duplicate"], statuses
        assert len({body["results"][index]["seq"] for body in bodies}) == 1
    feed = sqlite_server.changes(after=snap["server_seq"]).json()["changes"]
    assert sorted(c["op_id"] for c in feed) == sorted(op["op_id"] for op in ops)


# --------------------------------------------------------------------------- runs of new records

BACKENDS = ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]


def _new_records(server: ServerUnderTest, issue_id: str, client: str) -> list[dict[str, Any]]:
    """Ops that add test results and notes, a replay and refusals among them."""
    first = str(uuid.uuid4())

    def result(entity_id: str, **fields: Any) -> dict[str, Any]:
        return server.op("verification", entity_id, "append",
                         {"test_case": "IN-01", "target": "+17205550100", "result": "pass",
                          **fields}, client_id=client)

    applied = result(first, note="first")
    return [
        applied,
        result(first, note="same id"),  # refused: that record exists now
        applied,  # the same op again in the same push: its first answer
        result(str(uuid.uuid4()), note="bell \x07"),
        server.op("issue_note", str(uuid.uuid4()), "append",
                  {"issue_id": issue_id, "body": "called the carrier"}, client_id=client),
        {**result(str(uuid.uuid4())), "client_id": f"someone-else.{client}"},
        result(str(uuid.uuid4()), version=3),
        result(str(uuid.uuid4()), test_case="E911-01"),
        result(str(uuid.uuid4()), note="last"),
    ]


def _answers(results: list[dict[str, Any]], ops: list[dict[str, Any]]) -> list[Any]:
    """Each answer with the ids of its op (and of the push's) written as names."""
    out = []
    for answer, op in zip(results, ops, strict=True):
        reason = answer["reason"] or ""
        for key in ("entity_id", "op_id", "client_id"):
            reason = reason.replace(op[key], key)
        reason = reason.replace(ops[0]["client_id"], "the push's client")
        out.append((answer["status"], answer.get("first_status"), answer["code"], reason,
                    answer["version"], answer["seq"] is not None))
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_new_records_in_one_push_are_answered_as_pushed_one_by_one(
    backend: str, request: pytest.FixtureRequest
) -> None:
    server: ServerUnderTest = request.getfixturevalue(backend)
    snap = server.snapshot()
    issue_id = snap["entities"]["issue"][0]["id"]
    head = snap["server_seq"]

    together = _new_records(server, issue_id, "laptop-a")
    pushed = server.push(together).json()
    apart = _new_records(server, issue_id, "laptop-b")
    one_by_one = [server.push([op], client_id=apart[0]["client_id"]).json()["results"][0]
                  for op in apart]

    assert _answers(pushed["results"], together) == _answers(one_by_one, apart)
    assert [r["status"] for r in pushed["results"]].count("applied") == 3
    # the feed holds the applied ops in the order they were pushed, with no gap
    applied = [(op["op_id"], r["seq"]) for op, r in zip(together, pushed["results"], strict=True)
               if r["status"] == "applied"]
    feed = server.changes(after=head).json()["changes"]
    assert [c["seq"] for c in feed] == list(range(head + 1, head + 1 + len(feed)))
    assert [(c["op_id"], c["seq"]) for c in feed[: len(applied)]] == applied
    # a replay of the whole push is answered from the first answers, and changes nothing
    again = server.push(together).json()
    assert [r["status"] for r in again["results"]] == ["duplicate"] * len(together)
    assert [r["first_status"] for r in again["results"]] == [
        r.get("first_status") or r["status"] for r in pushed["results"]]
    assert server.changes(after=head).json()["changes"] == feed
