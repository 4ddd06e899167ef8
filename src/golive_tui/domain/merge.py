"""Field-level merge of an ``update`` against the changes other clients made since the
op's base version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive_tui.domain.codec import encode_value
from golive_tui.domain.enums import (
    EntityKind,
)
from golive_tui.domain.records import decode_fields

Record = dict[str, Any]


def merge_update(
    current: Mapping[str, Any],
    field_versions: Mapping[str, tuple[int, str]],
    base_version: int | None,
    fields: Mapping[str, Any],
    client_id: str,
    kind: EntityKind | None = None,
) -> tuple[Record, Record]:
    """Field-level merge for an ``update``: (fields to apply, fields in conflict).

    ``field_versions`` says, per field, the version that last changed it and the client
    that made that change. A field nobody else changed since ``base_version`` applies; a
    field another client changed since then, to a value other than this op's, is a
    conflict and keeps the current value (returned so the client can show it). A client's
    own earlier changes never conflict with its later ones: its ops arrive in order.
    Values are compared as the codec writes them; with ``kind``, a contested value is
    first typed by its field (:func:`golive_tui.domain.records.decode_fields`), so one instant
    written in another zone is still the same value.
    """
    apply: Record = {}
    conflicts: Record = {}
    base = base_version or 0
    for name, value in fields.items():
        changed_at, changed_by = field_versions.get(name, (0, ""))
        mine = changed_by == client_id
        if changed_at > base and not mine:
            sent = value if kind is None else decode_fields(kind, {name: value})[name]
            if encode_value(current.get(name)) != encode_value(sent):
                conflicts[name] = current.get(name)
                continue
        apply[name] = value
    for group in TOGETHER.get(kind, ()) if kind is not None else ():
        if any(name in conflicts for name in group):
            for name in group:
                if name in apply:
                    del apply[name]
                    conflicts[name] = current.get(name)
    return apply, conflicts


#: fields that apply together or not at all (a new priority and the reason for it)
TOGETHER: dict[EntityKind, tuple[tuple[str, ...], ...]] = {
    EntityKind.ISSUE: (("priority", "priority_reason"),),
}
