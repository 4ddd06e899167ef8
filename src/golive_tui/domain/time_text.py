"""How times and lengths of time read on screen: one wording for every screen.

The SLA clocks, the dashboard's countdowns, the status line and every list of times use
these, so that "3h 05m" or "Mon 14 Dec 17:00" means the same wherever it is read.
"""

from __future__ import annotations

import re
from datetime import datetime, time, tzinfo

#: up to this many days either side of today, a time is named by its weekday: within
#: that window no weekday stands for two dates (last Monday or next Monday)
WEEKDAY_DAYS = 2


def span(seconds: float, *, with_seconds: bool = False) -> str:
    """``2d 4h``, ``1h 30m``, ``42m`` or ``<1m``; with seconds ``42m 10s`` or ``10s``.

    Rounded down: a countdown never promises time that is not there.
    """
    total = int(max(seconds, 0))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if with_seconds:
        return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"
    return f"{minutes}m" if minutes else "<1m"


def ago(when: datetime, now: datetime) -> str:
    """``just now``, ``12s ago``, ``5m ago``, ``2h 05m ago``, ``1d 4h ago``."""
    seconds = (now - when).total_seconds()
    if seconds < 5:
        return "just now"
    return f"{span(seconds, with_seconds=seconds < 60)} ago"


def local_time(when: datetime, zone: tzinfo, now: datetime, *, compact: bool = False) -> str:
    """``09:30`` today; ``Wed 17:00`` up to two days before or after; further away, the
    date: ``Mon 14 Dec 17:00``, or ``14 Dec`` where room is short (``compact``). A date of
    another year says the year. All in ``zone`` (the project's or the site's)."""
    here = when.astimezone(zone)
    today = now.astimezone(zone).date()
    days = abs((here.date() - today).days)
    if days == 0:
        return f"{here:%H:%M}"
    if days <= WEEKDAY_DAYS:
        return f"{here:%a %H:%M}"
    year = f" {here.year}" if here.year != today.year else ""
    if compact:
        return f"{here:%d %b}{year}"
    return f"{here:%a %d %b}{year} {here:%H:%M}"


#: a date, or a date and a clock time, as typed into a form: ``2026-12-09`` or
#: ``2026-12-09 14:30``
_TYPED_TIME = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2}))?\s*$")
#: the hour a date typed without a time stands for: the end of a working day
END_OF_DAY = time(17, 0)


def typed_time_text(when: datetime | None, zone: tzinfo) -> str:
    """A time as a form shows it for editing, in ``zone``: ``2026-12-09 14:30``."""
    return "" if when is None else f"{when.astimezone(zone):%Y-%m-%d %H:%M}"


def parse_typed_time(text: str, zone: tzinfo) -> datetime | None:
    """What a person typed as a time, in ``zone``; empty is no time. A date alone is
    17:00 that day. Raises ``ValueError`` saying what to type instead."""
    if not text.strip():
        return None
    found = _TYPED_TIME.match(text)
    problem = (f"{text.strip()!r} is not a date: type it as 2026-12-09, or with a time, "
               "2026-12-09 14:30")
    if found is None:
        raise ValueError(problem)
    day, hour, minute = found.groups()
    try:
        date = datetime.strptime(day, "%Y-%m-%d").date()
        clock = END_OF_DAY if hour is None else time(int(hour), int(minute))
    except ValueError:
        raise ValueError(problem) from None
    return datetime.combine(date, clock, tzinfo=zone)
