"""The demo-time grammar: fixture times relative to a *demo day*, so the demo is always live.

- ``"D-5 09:00 America/Denver"``: calendar days from the demo day, at a local time;
- ``"B-3 14:10 site"``: business days (Monday to Friday) from the demo day;
- ``"W+0 11:30 America/New_York"``: business days from the demo's *wave day*, the day of
  today's wave: the demo day while its 11:30 ET activation is at least an hour away, else
  the next business day (a demo built at 15:00 ET ports tomorrow, so its FOC is still a
  date to come when the carrier's confirmation is recorded);
- ``"N-40m"``, ``"N-2h"``, ``"N-1d2h30m"``: from now (when a demo day other than today is
  given, "now" is 09:00 project time on it, so the story reads the same any day; on a
  weekend the default demo day is the coming Monday and "now" stays now, so nothing that
  has happened lies in the future).

The zone after the clock time is an IANA name, a site code (``DEN``), ``site`` (the record's
own site) or nothing (the project's zone): the caller resolves it. ISO-8601 times with an
offset are accepted too. Every result is timezone-aware UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from golive_tui.domain.port_orders import ACTIVATION_START, EASTERN

__all__ = [
    "TIME_SYNTAX",
    "DemoDayError",
    "DemoTimeError",
    "add_business_days",
    "default_demo_day",
    "parse_demo_time",
    "wave_day",
]

_DAY_TIME = re.compile(
    r"^(?P<base>[DBW])\s*(?P<offset>[+-]\s*\d{1,4})\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?:\s+(?P<zone>\S+))?$"
)
_FROM_NOW = re.compile(r"^N(?:\s*(?P<sign>[+-])\s*(?P<amount>(?:\d+[dhm])+))?$")
_AMOUNT = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
TIME_SYNTAX = (
    "use 'D-5 09:00 America/Denver', 'B+1 17:00 site', 'W+0 11:30 America/New_York', 'N-40m' "
    "or an ISO time with an offset"
)


class DemoDayError(ValueError):
    """The demo day is so near the calendar's ends that some of the times fall off it."""


class DemoTimeError(ValueError):
    """A fixture time the grammar does not accept; the message says why."""


def default_demo_day(today: date) -> date:
    """``today`` if it is a weekday, else the next Monday (Zoom ports on weekdays only)."""
    if today.weekday() < 5:
        return today
    return today + timedelta(days=7 - today.weekday())


def add_business_days(day: date, count: int) -> date:
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


#: how long before today's activation a demo must be built for its wave to stay today's:
#: time to walk the story before the FOC it confirms is behind the clock
WAVE_LEAD = timedelta(hours=1)


def wave_day(demo_day: date, anchor: datetime) -> date:
    """The day of the demo's today-wave: ``demo_day`` while Zoom's 11:30 ET activation on it
    is at least :data:`WAVE_LEAD` after ``anchor`` ("now"), else the next business day."""
    if anchor + WAVE_LEAD <= datetime.combine(demo_day, ACTIVATION_START, EASTERN):
        return demo_day
    return add_business_days(demo_day, 1)


def parse_demo_time(
    value: Any,
    *,
    anchor: datetime,
    demo_day: date,
    zone_for: Callable[[str | None], ZoneInfo],
    shown: Callable[[Any], str] = str,
    wave: date | None = None,
) -> datetime | None:
    """A fixture time (relative or ISO) as an aware UTC datetime; None stays None.

    ``anchor`` is "now" for ``N`` times; ``zone_for`` resolves the zone token after a clock
    time (None when there is none); ``shown`` renders a value that is not text for a message;
    ``wave`` is the day ``W`` times count from (default: :func:`wave_day`).
    Raises :class:`DemoTimeError`, and ``OverflowError`` when a time falls off the calendar.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise DemoTimeError("time without a time zone")
        return value.astimezone(UTC)
    if not isinstance(value, str):
        raise DemoTimeError(f"{shown(value)} is not a time; {TIME_SYNTAX}")
    text = value.strip()
    match = _FROM_NOW.match(text)
    if match:
        delta = timedelta()
        for amount, unit in _AMOUNT.findall(match["amount"] or ""):
            delta += timedelta(**{_UNITS[unit]: int(amount)})
        return anchor - delta if match["sign"] == "-" else anchor + delta
    match = _DAY_TIME.match(text)
    if match:
        offset = int(match["offset"].replace(" ", ""))
        if match["base"] == "D":
            day = demo_day + timedelta(days=offset)
        elif match["base"] == "W":
            day = add_business_days(wave or wave_day(demo_day, anchor), offset)
        else:
            day = add_business_days(demo_day, offset)
        hour, minute = int(match["hour"]), int(match["minute"])
        if hour > 23 or minute > 59:
            raise DemoTimeError(f"{text!r} has no such clock time")
        zone = zone_for(match["zone"])
        return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise DemoTimeError(f"{text!r} is not a time; {TIME_SYNTAX}") from None
    if parsed.tzinfo is None:
        raise DemoTimeError(f"{text!r} has no offset; add one (Z, -07:00) or a zone")
    return parsed.astimezone(UTC)
