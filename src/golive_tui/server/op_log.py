"""The op log, which makes every op apply at most once: the digest of what an op asks for,
the earlier answer to a replay, and each answer recorded."""

from __future__ import annotations

import hashlib
import json
import math
from _json import make_encoder
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from golive_tui.domain.clock import utcnow
from golive_tui.domain.enums import EntityKind, OpAction
from golive_tui.domain.ops import Op
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.server import rows
from golive_tui.server.db import Database
from golive_tui.server.writes import LOOKUP_CHUNK, SQL, Writes

#: the canonical text of what an op asks for; its digest is stored, so it never changes
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(op: Op, project_id: str, user: str) -> str:
    """A digest of what the op asks for, where and by whom: a replay must match it.

    The digest is of the canonical JSON of ``{"op": the op as JSON, "project_id": …,
    "user": …}`` (keys sorted, no spaces, text unescaped). Digests are stored, so that text
    never changes: an op whose fields are all plain values (almost every op) has it written
    by :class:`Digests` piece by piece, the same text at a fraction of the cost; any other
    goes through the whole op's JSON.
    """
    return Digests(project_id, user)(op)


class Digests:
    """:func:`payload_hash` for the ops of one push: what every op of it shares (where,
    by whom, and most often from which client) is written once."""

    __slots__ = ("_client", "_project_id", "_tail", "_user")

    def __init__(self, project_id: str, user: str) -> None:
        self._project_id = project_id
        self._user = user
        self._tail = f'}},"project_id":{_text(project_id)},"user":{_text(user)}}}'
        self._client: tuple[str, str] = ("", '""')

    def __call__(self, op: Op) -> str:
        fields = op.fields
        for value in fields.values():
            kind = type(value)
            if kind not in _PLAIN_FIELD or (kind is float and not math.isfinite(value)):
                return _whole_op_digest(op, self._project_id, self._user)
        client = self._client
        if client[0] != op.client_id:
            client = self._client = (op.client_id, _text(op.client_id))
        base = op.base_version
        text = (
            f'{{"op":{{"action":{_ENUM_TEXT[op.action]},'
            f'"base_version":{"null" if base is None else int.__repr__(base)},'
            f'"client_id":{client[1]},"client_seq":{int.__repr__(op.client_seq)},'
            f'"client_time":{_time_json(op.client_time)},'
            f'"entity":{_ENUM_TEXT[op.entity]},"entity_id":{_text(op.entity_id)},'
            f'"fields":{"".join(_flat_json(fields, 0))},"op_id":{_text(op.op_id)}'
            f"{self._tail}"
        )
        return sha256(text.encode("utf-8")).hexdigest()


def _whole_op_digest(op: Op, project_id: str, user: str) -> str:
    try:
        dumped = op.model_dump(mode="json")
    except ValueError:
        # fields nested deeper than the serializer follows (the rules refuse such an op,
        # and its refusal is logged under this digest)
        dumped = {**op.model_dump(mode="json", exclude={"fields"}),
                  "fields": _digest_of(op.fields)}
    body = {"project_id": project_id, "user": user, "op": dumped}
    return sha256(_CANONICAL.encode(body).encode("utf-8")).hexdigest()


#: types whose JSON form is themselves (a float only when finite: pydantic writes the
#: others as null, and the canonical encoder as Infinity or NaN)
_PLAIN_FIELD = frozenset({str, int, float, bool, type(None)})


#: the canonical encoder without its set-up per call, for fields of plain values only
#: (no containers: nothing to check for cycles)
_flat_json = make_encoder(
    None, _CANONICAL.default, json.encoder.encode_basestring, None, ":", ",", True, False, True
)
#: a text as JSON (a StrEnum's text is its value)
_text = json.encoder.encode_basestring
#: the action and entity of an op as JSON
_ENUM_TEXT: dict[Any, str] = {m: _text(m.value) for m in (*OpAction, *EntityKind)}
sha256 = hashlib.sha256
_DATETIME = TypeAdapter(datetime)
_last_time: list[tuple[datetime | None, str]] = [(None, "")]


def _time_json(value: datetime) -> str:
    """A time as the op's JSON writes it (pydantic's format, as a JSON text), the last one
    remembered.

    The ops of a push are often made in one instant, each read into a time of its own: one
    instant at one offset from UTC is one text, whichever object holds it.
    """
    last = _last_time[0]
    seen = last[0]
    if value is seen or (
        seen is not None and value == seen and value.utcoffset() == seen.utcoffset()
    ):
        return last[1]
    text: str = _text(_DATETIME.serializer.to_python(value, mode="json"))
    _last_time[0] = (value, text)  # one tuple: a reader on another thread sees a pair
    return text


def _digest_of(value: Any) -> str:
    """A sha256 of a JSON value, however deep, walked without recursion."""
    digest = hashlib.sha256()
    stack: list[tuple[bool, Any]] = [(False, value)]  # (is it text to hash, what)
    while stack:
        is_text, item = stack.pop()
        if is_text:
            digest.update(item)
        elif isinstance(item, dict):
            digest.update(b"{")
            stack.append((True, b"}"))
            for key in sorted(item, reverse=True):
                stack += [(False, item[key]), (True, json.dumps(key).encode() + b":")]
        elif isinstance(item, list | tuple):
            digest.update(b"[")
            stack.append((True, b"]"))
            stack += [(False, entry) for entry in reversed(item)]
        else:
            digest.update(json.dumps(item, default=str).encode() + b",")
    return digest.hexdigest()


def logged_in(cur: Any, marker: str, project_id: str, ops: Sequence[Op]) -> set[str]:
    """``project_id``'s op_log rows that may answer these ops, by op_id and by
    "client_id#client_seq".

    Read once per push, with the driver. :func:`apply_push` reads before the ops'
    transactions: an op_log row never changes once written, and an op logged by someone
    else after this read makes our own insert fail on its unique keys, after which
    :func:`apply_one` looks again inside the transaction. The group path reads inside its
    own transaction, where nobody else can log an op first (:func:`logged_sent`).
    """
    found: set[str] = set()
    for statement, params in _logged_statements(marker, project_id, ops):
        cur.execute(statement, params)
        _note_logged(found, cur.fetchall())
    return found


def logged_sent(conn: Connection, project_id: str, ops: Sequence[Op]) -> Callable[[], set[str]]:
    """:func:`logged_in`, sent now on cursors of its own and read when the answer is called:
    on PostgreSQL it can ride one round trip with other reads (:func:`rows.pipelined`).

    There it is one statement text whatever the ops (their keys as arrays), which
    PostgreSQL plans once per connection rather than once per group, and each key is
    looked up on its own index whatever the planner believes of the table: on a new
    server it has no statistics of op_log yet, and a join it was free to plan scanned
    every op_log row of the project, for every group (``LIMIT 1`` keeps each look-up
    apart; each key names at most one row).
    """
    if conn.dialect.name == "postgresql":
        by_client = [(op.client_id, op.client_seq) for op in ops]
        statements: list[tuple[str, Sequence[Any]]] = [(
            "SELECT o.op_id, o.client_id, o.client_seq FROM unnest(%s::text[]) AS k(op_id) "
            "JOIN LATERAL (SELECT op_id, client_id, client_seq FROM op_log "
            "WHERE project_id = %s AND op_id = k.op_id LIMIT 1) AS o ON true "
            "UNION ALL "
            "SELECT o.op_id, o.client_id, o.client_seq "
            "FROM unnest(%s::text[], %s::bigint[]) AS k(client_id, client_seq) "
            "JOIN LATERAL (SELECT op_id, client_id, client_seq FROM op_log "
            "WHERE project_id = %s AND client_id = k.client_id AND client_seq = k.client_seq "
            "LIMIT 1) AS o ON true",
            ([op.op_id for op in ops], project_id, [c for c, _ in by_client],
             [seq for _, seq in by_client], project_id),
        )]
    else:
        statements = list(_logged_statements(rows.marker(conn), project_id, ops))
    cursors = []
    for statement, params in statements:
        cur = rows.cursor(conn)
        cur.execute(statement, params)
        cursors.append(cur)

    def read() -> set[str]:
        found: set[str] = set()
        for cur in cursors:
            _note_logged(found, cur.fetchall())
            cur.close()
        return found

    return read


def _logged_statements(
    marker: str, project_id: str, ops: Sequence[Op]
) -> Iterator[tuple[str, list[Any]]]:
    for start in range(0, len(ops), LOOKUP_CHUNK):
        part = ops[start : start + LOOKUP_CHUNK]
        by_client: dict[str, list[int]] = {}
        for op in part:
            by_client.setdefault(op.client_id, []).append(op.client_seq)
        # one search per unique key, each on its index (joined by OR, SQLite reads every
        # op_log row of the project instead)
        select_sql = f"SELECT op_id, client_id, client_seq FROM op_log WHERE project_id = {marker}"
        searches = [f"{select_sql} AND op_id IN ({', '.join(marker for _ in part)})"]
        params: list[Any] = [project_id, *(op.op_id for op in part)]
        for client, seqs in by_client.items():
            searches.append(
                f"{select_sql} AND client_id = {marker} "
                f"AND client_seq IN ({', '.join(marker for _ in seqs)})"
            )
            params += [project_id, client, *seqs]
        yield " UNION ALL ".join(searches), params


def _note_logged(found: set[str], logged: Sequence[Sequence[Any]]) -> None:
    for op_id, client, seq in logged:
        found.add(str(op_id))
        found.add(f"{client}#{seq}")


def answered_before(conn: Connection, project_id: str, op: Op, digest: str) -> OpResult | None:
    logged = conn.execute(
        SQL.answered,
        {"b_project_id": project_id, "b_op_id": op.op_id, "b_client_id": op.client_id, "b_client_seq": op.client_seq},
    ).all()
    for row in logged:
        if row.op_id == op.op_id and row.payload_hash == digest:
            first = OpResult.model_validate(row.result)
            return first.model_copy(
                update={"status": OpStatus.DUPLICATE, "first_status": first.status}
            )
    for row in logged:
        if row.op_id == op.op_id:
            return rejected(
                op,
                "op_id_reused",
                f"Op id {op.op_id} was already used for a different change; "
                "every change needs a new op id.",
            )
        return rejected(
            op,
            "client_seq_reused",
            f"Client {op.client_id} already sent op number {op.client_seq} with another op id; "
            "the client's outbox is out of step with the server. Reset the local cache.",
        )
    return None


def rejected(op: Op, code: str, reason: str) -> OpResult:
    return OpResult(
        op_id=op.op_id, client_seq=op.client_seq, status=OpStatus.REJECTED, code=code,
        reason=reason,
    )


def log_refusal(
    db: Database, conn: Connection, project_id: str, op: Op, digest: str, result: OpResult
) -> OpResult:
    """Record a refusal in its own transaction, so that a replay gets the same answer."""
    try:
        with db.transaction(conn):
            earlier = answered_before(conn, project_id, op, digest)
            if earlier is not None:
                return earlier
            writes = Writes(conn, rows.cursor(conn))
            log_answer(writes, project_id, op, digest, result, utcnow())
            writes.flush()
    except (IntegrityError, conn.dialect.loaded_dbapi.IntegrityError):
        with db.transaction(conn):
            earlier = answered_before(conn, project_id, op, digest)
        if earlier is None:
            raise
        return earlier
    return result


def answer_json(result: OpResult) -> str:
    """The answer as its model writes it without its empty fields (``model_dump_json(
    exclude_none=True)``), which is what ``op_log`` keeps; an op applied as sent (almost
    every op) has that text written here, a fraction of the model's cost."""
    if (
        result.status is OpStatus.APPLIED and result.seq is not None
        and result.version is not None and result.code is None and result.reason is None
        and result.current is None and result.conflicts is None
        and result.first_status is None and result.op_id.isascii()
    ):
        return (
            f'{{"op_id":{_text(result.op_id)},"client_seq":{int.__repr__(result.client_seq)},'
            f'"status":"applied","seq":{int.__repr__(result.seq)},'
            f'"version":{int.__repr__(result.version)}}}'
        )
    return result.model_dump_json(exclude_none=True)


def log_answers(
    writes: Writes, project_id: str, ops: Sequence[Op], digests: Sequence[str],
    results: Sequence[OpResult], now: datetime,
) -> None:
    """:func:`log_answer` for each of these ops, in order: what their rows share (the
    project, the time) encoded once."""
    c = writes.log
    row = c.encoder_of("op_id", "client_id", "client_seq", "payload_hash", "result",
                       project_id=project_id, at=now)
    writes.add_rows(c, c.insert_sql, [
        row(op.op_id, op.client_id, op.client_seq, digest, rows.JsonText(answer_json(result)))
        for op, digest, result in zip(ops, digests, results, strict=True)
    ])


def log_answer(
    writes: Writes, project_id: str, op: Op, digest: str, result: OpResult, now: datetime
) -> None:
    c = writes.log
    writes.add(
        c,
        c.insert_sql,
        c.encode_row(
            {
                "op_id": op.op_id,
                "project_id": project_id,
                "client_id": op.client_id,
                "client_seq": op.client_seq,
                "payload_hash": digest,
                "result": rows.JsonText(answer_json(result)),
                "at": now,
            }
        ),
    )
