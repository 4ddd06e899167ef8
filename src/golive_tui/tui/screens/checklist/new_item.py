"""The form that adds an item to the checklist: key, title, phase, stream, owner role, due,
what it waits for, whether it is a gate item, and the cutover wave it belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from golive_tui.domain.entities import ENTITY_BASES
from golive_tui.domain.enums import ChecklistStream, EntityKind, LifecyclePhase, Role
from golive_tui.domain.errors import DomainError
from golive_tui.domain.ops import revalidate
from golive_tui.domain.rules import RecordFacts, check_checklist_key
from golive_tui.tui.screens.checklist.data import ChecklistData
from golive_tui.tui.widgets.forms import FormField

_YES_NO = ((False, "no"), (True, "yes: a go / no-go condition"))


def _label(value: str) -> str:
    return value.replace("_", " ")


def new_item_fields(data: ChecklistData, cutovers: Sequence[Any],
                    phase: LifecyclePhase | str | None) -> list[FormField]:
    """The form's fields, the phase the project is in chosen to start with."""
    return [
        FormField("key", "Key", required=True, placeholder="such as BLD-12 (its own)"),
        FormField("title", "Title", required=True),
        FormField("phase", "Phase", "choice", LifecyclePhase(phase or LifecyclePhase.GO_LIVE),
                  [(p, _label(p.value)) for p in LifecyclePhase]),
        FormField("stream", "Stream", "choice", ChecklistStream.PROJECT,
                  [(s, _label(s.value)) for s in ChecklistStream]),
        FormField("owner_role", "Owner role", "choice", Role.IPM,
                  [(r, r.value) for r in Role if r is not Role.VIEWER]),
        FormField("assignee", "Assignee", "choice", "", data.people.by_user(me=data.actor),
                  blank="Nobody yet: the owner role"),
        FormField("due_at", "Due", "time"),
        FormField("predecessors", "Waits for", "people", [],
                  [(item.id, f"{item.key} {item.title}") for item in data.items]),
        FormField("gate", "Gate item", "choice", False, _YES_NO),
        FormField("cutover_id", "Cutover", "choice", None,
                  [(c.id, c.name) for c in cutovers], blank="the whole project"),
    ]


def new_item_record(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the new record's fields."""
    record = dict(values)
    record["key"] = str(record["key"]).strip()
    record["cutover_id"] = record.get("cutover_id") or None
    for name in ("phase", "stream", "owner_role"):
        value = record.get(name)
        record[name] = getattr(value, "value", value)
    return record


def new_item_problem(data: ChecklistData, values: dict[str, Any]) -> str | None:
    """Why the item cannot be added, in the domain's words, before the form closes: a
    key the checklist has (the rule the server applies too), or a field out of shape."""
    record = new_item_record(values)
    items = [{"id": item.id, "key": item.key, "title": item.title} for item in data.items]
    try:
        check_checklist_key(record, RecordFacts(records={EntityKind.CHECKLIST_ITEM: items}))
    except DomainError as exc:
        return exc.message
    base = {name: info.get_default(call_default_factory=True)
            for name, info in ENTITY_BASES[EntityKind.CHECKLIST_ITEM].model_fields.items()
            if not info.is_required()}
    try:
        revalidate(EntityKind.CHECKLIST_ITEM, base, {**base, **record})
    except DomainError as exc:
        return exc.message
    return None
