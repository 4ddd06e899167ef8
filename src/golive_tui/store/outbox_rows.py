"""An outbox row as the op it queues, and a record as its shadow and its label."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
