"""The payload digest of an op never changes: digests stored in op_log answer replays.

The server writes the canonical text of a plain op piece by piece; it must be the very
text the whole op's JSON gives, or a replay of an op logged before would be refused as
``op_id_reused``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from golive_tui.domain.enums import EntityKind, OpAction
from golive_tui.domain.ops import Op, new_id
from golive_tui.server.apply import payload_hash
from golive_tui.server.op_log import Digests


def digest_of_whole_op(op: Op, project_id: str, user: str) -> str:
    """The digest as the whole op's JSON, sorted and compact, gives it (stored since 0.1)."""
    body = {"project_id": project_id, "user": user, "op": op.model_dump(mode="json")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


TIMES = [
    datetime(2026, 12, 7, 4, 30, tzinfo=UTC),
    datetime(2026, 12, 7, 4, 30, 0, 250000, tzinfo=UTC),
    datetime(2026, 12, 7, 4, 30, 0, 1, tzinfo=timezone(timedelta(hours=-5))),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5, minutes=30))),
]
FIELDS: list[dict[str, Any]] = [
    {},
    {"test_case": "IN-01", "target": "+17205551234", "result": "pass", "note": "call 1"},
    {"zeta": 1, "alpha": -(2**63), "mid": None, "flag": True, "off": False},
    {"note": 'quote " backslash \\ tab \t newline \n é 日本 😀 \u2028 \x7f \x1f'},
    {"mos": 4.3, "tiny": 1e-05, "huge": 1e16, "third": 1 / 3, "neg": -0.0, "whole": 2.0},
    {"inf": float("inf")},
    {"nan": float("nan")},
    {"ninf": float("-inf")},
    {"list": [1, "two", {"b": 2, "a": 1}], "nested": {"z": {"y": [None, 1.5]}}},
    {"when": datetime(2026, 1, 1, tzinfo=UTC), "kind": EntityKind.SITE},
    {"big": 10**30},
]


@pytest.mark.parametrize("fields", FIELDS)
@pytest.mark.parametrize("client_time", TIMES)
def test_the_digest_is_the_one_of_the_whole_ops_json(
    fields: dict[str, Any], client_time: datetime
) -> None:
    for base_version in (None, 7):
        op = Op(
            client_id="laptop-é",
            client_seq=2**40,
            entity=EntityKind.ISSUE,
            entity_id=new_id(),
            action=OpAction.UPDATE,
            fields=fields,
            base_version=base_version,
            client_time=client_time,
        )
        for project_id, user in (("p-1", "ana"), ("p\u00e9", 'o"brien')):
            assert payload_hash(op, project_id, user) == digest_of_whole_op(op, project_id, user)


def test_an_op_read_from_json_has_the_same_digest_as_before() -> None:
    op = Op.model_validate_json(
        '{"op_id": "3F2A8C1E-5B7D-4E9A-8C6F-1D2E3F4A5B6C", "client_id": "c", "client_seq": 1,'
        ' "entity": "verification", "entity_id": "v1", "action": "append",'
        ' "fields": {"note": "Infinity?", "mos": 1E400, "n": -1e-7},'
        ' "client_time": "2026-12-07T04:30:00.5+01:00"}'
    )
    assert payload_hash(op, "p", "u") == digest_of_whole_op(op, "p", "u")


def test_the_digest_tells_apart_what_differs() -> None:
    op = Op(
        client_id="c",
        client_seq=1,
        entity=EntityKind.SITE,
        entity_id="s",
        action=OpAction.UPDATE,
        fields={"name": "HQ"},
        client_time=TIMES[0],
    )
    digests = {
        payload_hash(op, "p", "u"),
        payload_hash(op, "q", "u"),
        payload_hash(op, "p", "v"),
        payload_hash(op.model_copy(update={"fields": {"name": "HQ "}}), "p", "u"),
        payload_hash(op.model_copy(update={"base_version": 1}), "p", "u"),
    }
    assert len(digests) == 5


def test_one_push_digests_each_op_as_on_its_own() -> None:
    """The digests of a push share what its ops share (project, user, client), and still
    each is the one of the whole op, ops of several clients and kinds taking turns."""
    digests = Digests("p-1", "ana")
    ops = [
        Op(
            client_id=client,
            client_seq=seq,
            entity=kind,
            entity_id=new_id(),
            action=action,
            fields=fields,
            client_time=TIMES[seq % len(TIMES)],
        )
        for seq, (client, kind, action, fields) in enumerate(
            [
                ("laptop", EntityKind.VERIFICATION, OpAction.APPEND, FIELDS[1]),
                ("laptop", EntityKind.VERIFICATION, OpAction.APPEND, FIELDS[3]),
                ("phone-é", EntityKind.SITE, OpAction.UPDATE, FIELDS[4]),
                ("laptop", EntityKind.ISSUE, OpAction.TRANSITION, FIELDS[8]),
                ("laptop", EntityKind.NUMBER, OpAction.DELETE, FIELDS[0]),
            ],
            start=1,
        )
    ]
    for op in ops:
        assert digests(op) == digest_of_whole_op(op, "p-1", "ana")


def test_ops_made_in_one_instant_are_each_digested_with_their_own_time() -> None:
    """A time's text is remembered from the op before when it is the same instant at the
    same offset, whichever object holds it; the same instant at another offset, or with no
    zone, is another text."""
    instant = datetime(2026, 12, 7, 9, 30, 0, 120000, tzinfo=UTC)
    times = [
        instant,
        instant.replace(),  # another object, the same time
        instant.astimezone(timezone(timedelta(hours=-5))),
        instant.astimezone(timezone(timedelta(hours=-5))),
        instant.astimezone(timezone(timedelta(0), "UTC+0")),
        instant.replace(tzinfo=None),
        instant.replace(tzinfo=None),
        instant,
    ]
    digests = Digests("p-1", "ana")
    for seq, client_time in enumerate(times, start=1):
        op = Op(client_id="laptop", client_seq=seq, entity=EntityKind.VERIFICATION,
                entity_id=new_id(), action=OpAction.APPEND, fields=FIELDS[1],
                client_time=client_time)
        assert digests(op) == digest_of_whole_op(op, "p-1", "ana")
    texts = ["2026-12-07T04:30:00Z", "2026-12-07T04:30:00+00:00", "2026-12-06T23:30:00-05:00",
             "2026-12-07T04:30:00.000Z", "2026-12-07T04:30:00"]
    read = [
        Op.model_validate_json(
            f'{{"client_id": "c", "client_seq": {seq}, "entity": "verification",'
            f' "entity_id": "v{seq}", "action": "append", "client_time": "{text}"}}'
        )
        for seq, text in enumerate(texts, start=1)
    ]
    for op in read:
        assert digests(op) == digest_of_whole_op(op, "p-1", "ana")
