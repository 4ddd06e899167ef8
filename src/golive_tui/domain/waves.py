"""A cutover wave's window, as a create or an update sets it (DOMAIN.md §8: each cutover is
a date and window for some sites and the port orders that serve them).

The window is checked on the merged record, so that moving only its start past its end is
refused as well as a new wave that ends before it starts. Which sites a wave holds is
checked with every other reference (``rules.check_references``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive_tui.domain.clock import as_time
from golive_tui.domain.enums import EntityKind
from golive_tui.domain.errors import ValidationFailed


def check_window(kind: EntityKind, fields: Mapping[str, Any],
                 current: Mapping[str, Any] | None) -> None:
    """A wave that ends starts first: its end is after its start, and an end needs one."""
    if kind is not EntityKind.CUTOVER or not {"starts_at", "ends_at"} & set(fields):
        return
    merged = {**(current or {}), **fields}
    starts, ends = as_time(merged.get("starts_at")), as_time(merged.get("ends_at"))
    if ends is not None and starts is None:
        raise ValidationFailed("starts_at: a wave with an end needs a start.",
                               details={"field": "starts_at"})
    if starts is not None and ends is not None and ends <= starts:
        raise ValidationFailed("ends_at: a wave's window ends after it starts.",
                               details={"field": "ends_at"})
