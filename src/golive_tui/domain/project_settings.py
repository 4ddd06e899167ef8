"""A project's own settings, as the IPM edits them: its holiday list (the days no port
activates, DOMAIN.md §8) and the call-quality thresholds network readiness is judged by
(§5, §8: configurable per project).

Both are fields of the project record (``holidays``, ``network_thresholds``); the server
checks them on every change (:func:`check_settings`, from ``domain.ops``), the fixture
loader on a template or fixture, and a form reads the text typed into it here
(:func:`settings_from_text`) so that client and server refuse the same values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from golive_tui.domain.errors import ValidationFailed
from golive_tui.domain.network import NetworkThresholds
from golive_tui.domain.port_orders import check_holidays

#: each threshold: its words, and the range a measured value of it can take
THRESHOLDS: dict[str, tuple[str, float, float]] = {
    "min_mos": ("lowest MOS", 1.0, 5.0),
    "max_jitter_ms": ("highest jitter (ms)", 0.0, 1000.0),
    "max_loss_pct": ("highest loss (%)", 0.0, 100.0),
}

#: one line of a typed holiday list: the date, then its name
_HOLIDAY_LINE = re.compile(r"^(?P<day>\S+)(?:\s+(?P<name>.*))?$")


def check_thresholds(fields: Mapping[str, Any]) -> None:
    """A project's thresholds are numbers a test call can measure, by their known names."""
    stored = fields.get("network_thresholds")
    if stored is None:
        return
    if not isinstance(stored, Mapping):
        raise ValidationFailed("Network thresholds: give min_mos, max_jitter_ms and "
                               "max_loss_pct as numbers.", details={"field": "network_thresholds"})
    unknown = sorted(set(stored) - set(THRESHOLDS))
    if unknown:
        raise ValidationFailed(
            f"Network thresholds: {', '.join(map(str, unknown))} is not a threshold; the "
            f"thresholds are {', '.join(THRESHOLDS)}.", details={"field": "network_thresholds"})
    for name, value in stored.items():
        words, low, high = THRESHOLDS[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value
        ):
            raise ValidationFailed(f"Network thresholds: the {words} is not a number.",
                                   details={"field": "network_thresholds"})
        if not low <= value <= high:
            raise ValidationFailed(
                f"Network thresholds: the {words} must lie between {low:g} and {high:g}, "
                f"not {value:g}.", details={"field": "network_thresholds"})


def check_settings(fields: Mapping[str, Any]) -> None:
    """What a project change sets of its holiday list and thresholds is refused when it
    cannot be used (the server's check on every create and update of a project)."""
    check_holidays(fields)
    check_thresholds(fields)


def holidays_text(listed: Mapping[str, Any] | None) -> str:
    """A project's holiday list as typed in the form: one ``2026-12-24 Christmas Eve`` a
    line, in date order (empty: the project keeps the US federal holidays)."""
    return "\n".join(f"{day} {name}".rstrip() for day, name in sorted((listed or {}).items()))


def holidays_from_text(text: str) -> dict[str, str]:
    """The holiday list typed in the form, one ``YYYY-MM-DD name`` a line; a line that is
    not one is refused with its number."""
    listed: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = _HOLIDAY_LINE.match(line)
        assert match is not None  # a line that is not blank has a first word
        try:
            day = date.fromisoformat(match["day"])
        except ValueError:
            raise ValidationFailed(
                f"Holidays, line {number}: {match['day']!r} is not a date; write each "
                "holiday as 2026-12-24 Christmas Eve.", details={"field": "holidays"}) from None
        listed[day.isoformat()] = (match["name"] or "").strip() or "Holiday"
    return listed


def threshold_text(value: float) -> str:
    return f"{value:g}"


def thresholds_from_text(typed: Mapping[str, str]) -> dict[str, float]:
    """The thresholds typed in the form (by name); an empty one keeps its default and is
    not stored. A value that is no number, or out of range, is refused by its words."""
    stored: dict[str, float] = {}
    for name, (words, _low, _high) in THRESHOLDS.items():
        text = str(typed.get(name, "")).strip().removesuffix("%").removesuffix("ms").strip()
        if not text:
            continue
        try:
            stored[name] = float(text)
        except ValueError:
            raise ValidationFailed(f"The {words} {typed.get(name)!r} is not a number.",
                                   details={"field": name}) from None
    check_thresholds({"network_thresholds": stored})
    return stored


@dataclass(frozen=True)
class SettingsText:
    """A project's settings as the form shows them."""

    holidays: str
    min_mos: str
    max_jitter_ms: str
    max_loss_pct: str


def settings_text(project: Mapping[str, Any] | None) -> SettingsText:
    project = project or {}
    limits = NetworkThresholds.from_stored(project.get("network_thresholds") or None)
    return SettingsText(
        holidays=holidays_text(project.get("holidays")),
        min_mos=threshold_text(limits.min_mos),
        max_jitter_ms=threshold_text(limits.max_jitter_ms),
        max_loss_pct=threshold_text(limits.max_loss_pct),
    )


def settings_from_text(typed: Mapping[str, str]) -> dict[str, Any]:
    """The project fields a settings form gives: ``holidays`` and ``network_thresholds``,
    each checked as the server checks them. Raises :class:`ValidationFailed`."""
    fields: dict[str, Any] = {
        "holidays": holidays_from_text(str(typed.get("holidays", ""))),
        "network_thresholds": thresholds_from_text(typed),
    }
    check_settings(fields)
    return fields
