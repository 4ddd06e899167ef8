"""How times and lengths of time read on screen: one wording for every screen.

The SLA clocks, the dashboard's countdowns, the status line and every list of times use
these, so that "3h 05m" or "Mon 14 Dec 17:00" means the same wherever it is read.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

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
