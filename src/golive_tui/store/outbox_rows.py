"""An outbox row as the op it queues (or that op's JSON text, for a push), and a record as
its shadow and its label."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from json.encoder import encode_basestring_ascii as _json_text
from typing import Any, NamedTuple

from golive_tui.domain.codec import encode_record
from golive_tui.domain.enums import EntityKind, OpAction
from golive_tui.domain.ops import Op


def op_from_outbox(client_id: str, row: Mapping[str, Any]) -> Op:
    return Op(
        op_id=row["op_id"], client_id=client_id, client_seq=row["client_seq"],
        entity=EntityKind(row["entity"]), entity_id=row["entity_id"],
        action=OpAction(row["action"]), fields=row["fields"],
        base_version=row["base_version"], client_time=row["client_time"],
    )


class QueuedOp(NamedTuple):
    """A queued op as a push sends it: its ids and its JSON text (an element of ``ops``)."""

    client_seq: int
    op_id: str
    json: str


#: the outbox's columns, in the order :func:`queued_op` reads them
QUEUED_COLUMNS = "client_seq, op_id, entity, entity_id, action, fields, base_version, client_time"


def queued_op(client_id_json: str, row: tuple[Any, ...]) -> QueuedOp:
    """An outbox row (:data:`QUEUED_COLUMNS`, as SQLite stores them) as the op's JSON text.

    The op is the one :func:`op_from_outbox` reads, in the text ``Op.model_dump_json`` gives
    it; its fields are the JSON the outbox stores, as they are. Nothing is decoded or built
    but this text: pushing 10,000 ops is a join of strings.
    """
    seq, op_id, entity, entity_id, action, fields, base, at = row
    return QueuedOp(seq, op_id, (
        f'{{"op_id":{_json_text(op_id)},"client_id":{client_id_json},"client_seq":{seq},'
        f'"entity":{_json_text(entity)},"entity_id":{_json_text(entity_id)},'
        f'"action":{_json_text(action)},"fields":{fields or "{}"},'
        f'"base_version":{"null" if base is None else int(base)},'
        f'"client_time":"{_time_text(at)}"}}'
    ))


def _time_text(stored: Any) -> str:
    """RFC 3339 text of a time as the cache stores it (UTC, without an offset)."""
    if isinstance(stored, str) and len(stored) == 26 and stored[10] == " ":
        return f"{stored[:10]}T{stored[11:]}Z"  # SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff"
    when = stored if isinstance(stored, datetime) else datetime.fromisoformat(str(stored))
    return when.replace(tzinfo=None).isoformat() + "Z"


def label_of(record: Mapping[str, Any] | None) -> str:
    if not record:
        return "?"
    for name in ("e164", "ref", "key", "pon", "code", "name", "title"):
        if record.get(name):
            return str(record[name])
    return str(record.get("id", "?"))


def shadow_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as the server would send it: the shadow copy keeps no cache-only column."""
    return encode_record(record, omit="pending")
