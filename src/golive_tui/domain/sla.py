"""SLA targets and the respond / resolve clocks of hypercare issues (DOMAIN.md §6).

Two calendars count time:

- ``"24x7"``: every elapsed second counts (exact across DST changes, since it is plain
  elapsed time between two instants).
- ``"business_days"``: Monday to Friday, whole local days in the project's time zone;
  weekends count nothing. Every business day is exactly 24 h of counted time, so
  "2 business days" is 2,880 counted minutes and a deadline keeps its wall-clock time
  from one week to the next. On a weekday that is 23 h or 25 h long because of a clock
  change, the 24 counted hours are spread evenly over the day's real length, so the clock
  never jumps or stops.

All instants must be timezone-aware; naive datetimes are refused with ``ValueError``.
Results are UTC.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Literal, Protocol, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from golive_tui.domain.enums import IssueState, Priority
from golive_tui.domain.time_text import span

__all__ = [
    "DEFAULT_TIME_ZONE",
    "Calendar",
    "ClockKind",
    "Priority",
    "SlaClock",
    "SlaPolicy",
    "SlaTarget",
    "add_counted",
    "counted_seconds",
    "hold_seconds",
    "issue_clocks",
    "project_policy",
    "sla_clocks",
    "sla_urgency",
]

Calendar = Literal["24x7", "business_days"]
ClockKind = Literal["respond", "resolve"]

DEFAULT_TIME_ZONE = "America/New_York"

log = logging.getLogger(__name__)

_DAY_SECONDS = 86_400
_DAY_US = _DAY_SECONDS * 1_000_000
_ONE_US = timedelta(microseconds=1)
_CALENDARS: tuple[Calendar, ...] = ("24x7", "business_days")

# sla_urgency tiers: wider than any span a datetime can hold (~3.2e11 s), so tiers never mix.
_PAUSED_TIER = 1e12
_STOPPED_TIER = 3e12


# ----------------------------------------------------------------------------- policy


class SlaTarget(BaseModel):
    """Respond and resolve targets of one priority, each with the calendar it counts on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    respond_minutes: int = Field(gt=0)
    resolve_minutes: int = Field(gt=0)
    respond_calendar: Calendar = "24x7"
    resolve_calendar: Calendar = "24x7"

    def minutes(self, kind: ClockKind) -> int:
        return self.respond_minutes if kind == "respond" else self.resolve_minutes

    def calendar(self, kind: ClockKind) -> Calendar:
        return self.respond_calendar if kind == "respond" else self.resolve_calendar


_BUSINESS_DAY_MINUTES = 24 * 60


class SlaPolicy(BaseModel):
    """A project's SLA targets per priority; stored with the project as JSON."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    targets: dict[Priority, SlaTarget]
    time_zone: str = DEFAULT_TIME_ZONE

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        _zone(value)
        return value

    @model_validator(mode="after")
    def _every_priority_has_targets(self) -> Self:
        missing = [p.value for p in Priority if p not in self.targets]
        if missing:
            raise ValueError(
                f"SLA targets missing for {', '.join(missing)}; "
                "give respond and resolve targets for every priority"
            )
        return self

    @classmethod
    def default(cls, time_zone: str = DEFAULT_TIME_ZONE) -> SlaPolicy:
        """DOMAIN.md §6 defaults: P1 15 min / 1 h, P2 4 h / 2 b.d., P3 24 h / 5 b.d.,
        P4 2 b.d. / 10 b.d."""
        bd = _BUSINESS_DAY_MINUTES
        return cls(
            time_zone=time_zone,
            targets={
                Priority.P1: SlaTarget(respond_minutes=15, resolve_minutes=60),
                Priority.P2: SlaTarget(
                    respond_minutes=4 * 60,
                    resolve_minutes=2 * bd,
                    resolve_calendar="business_days",
                ),
                Priority.P3: SlaTarget(
                    respond_minutes=24 * 60,
                    resolve_minutes=5 * bd,
                    resolve_calendar="business_days",
                ),
                Priority.P4: SlaTarget(
                    respond_minutes=2 * bd,
                    resolve_minutes=10 * bd,
                    respond_calendar="business_days",
                    resolve_calendar="business_days",
                ),
            },
        )

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone)

    def target(self, priority: Priority) -> SlaTarget:
        return self.targets[Priority(priority)]


def project_policy(stored: Mapping[str, Any] | None, time_zone: str | None) -> SlaPolicy:
    """A project's SLA policy from what its record holds: client and server both read it here.

    The stored policy when there is one and it is valid; otherwise the defaults in the
    project's time zone, or in New York's when that zone is unknown. A bad policy is
    logged, not fatal: the clocks still run, on the defaults.
    """
    if stored:
        try:
            return SlaPolicy.model_validate(stored)
        except ValidationError:
            log.warning("the project's SLA policy is invalid; SLA clocks use the defaults")
    try:
        return SlaPolicy.default(time_zone or DEFAULT_TIME_ZONE)
    except (ValidationError, ValueError):
        log.warning("the project's time zone %r is unknown; SLA clocks use New York's",
                    time_zone)
        return SlaPolicy.default()


# ----------------------------------------------------------------------------- counting


def counted_seconds(
    start: datetime,
    end: datetime,
    calendar: Calendar,
    tz: str | tzinfo = DEFAULT_TIME_ZONE,
) -> float:
    """Seconds between two instants that count on ``calendar`` (in ``tz`` for business days).

    Signed: negative when ``end`` is before ``start``, so that a..b + b..c == a..c always.
    """
    a = _utc(start, "start")
    b = _utc(end, "end")
    _check_calendar(calendar)
    if b < a:
        return -counted_seconds(b, a, calendar, tz)
    if calendar == "24x7":
        return (b - a) / timedelta(seconds=1)
    zone = _tz(tz)
    da, db = _local_date(a, zone), _local_date(b, zone)
    whole = _weekdays_between(da, db) * _DAY_SECONDS
    return whole + _into_business_day(b, db, zone) - _into_business_day(a, da, zone)


def add_counted(
    start: datetime,
    seconds: float,
    calendar: Calendar,
    tz: str | tzinfo = DEFAULT_TIME_ZONE,
) -> datetime:
    """The earliest instant (UTC, rounded to the microsecond) at which ``seconds`` of counted
    time have passed since ``start``; a target that ends at a Friday's close is due then, not
    on Monday. ``seconds`` must not be negative."""
    s = _utc(start, "start")
    _check_calendar(calendar)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds must be a finite number of 0 or more, not {seconds!r}")
    if calendar == "24x7" or seconds == 0:
        return s + timedelta(seconds=seconds)
    zone = _tz(tz)
    day = _local_date(s, zone)
    if _is_weekday(day):
        day_start, day_us = _day_start(zone, day), _day_length_us(zone, day)
        left_today = _DAY_SECONDS - _scaled(s - day_start, day_us)
        if seconds <= left_today:
            return s + _real(seconds, day_us)
        seconds -= left_today
    day = _first_weekday_on_or_after(day + timedelta(days=1))
    # land in the weekday that holds the last (0, 24 h] of what is left
    full_days = max(math.ceil(seconds / _DAY_SECONDS) - 1, 0)
    day = _add_weekdays(day, full_days)
    return _day_start(zone, day) + _real(
        seconds - full_days * _DAY_SECONDS, _day_length_us(zone, day)
    )


def _scaled(into_day: timedelta, day_us: int) -> float:
    """Counted seconds for a real offset into a business day of ``day_us`` microseconds."""
    if day_us == 0:
        return 0.0
    return (into_day // _ONE_US) * _DAY_SECONDS / day_us


def _real(counted: float, day_us: int) -> timedelta:
    """Real offset into a business day of ``day_us`` microseconds for counted seconds."""
    return timedelta(microseconds=round(counted * day_us / _DAY_SECONDS))


def _into_business_day(instant: datetime, day: date, zone: tzinfo) -> float:
    if not _is_weekday(day):
        return 0.0
    return _scaled(instant - _day_start(zone, day), _day_length_us(zone, day))


def _is_weekday(day: date) -> bool:
    return day.weekday() < 5


def _weekdays_between(first: date, last: date) -> int:
    """Monday-to-Friday dates in [first, last)."""
    weeks, extra = divmod((last - first).days, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for i in range(extra) if (start + i) % 7 < 5)


def _first_weekday_on_or_after(day: date) -> date:
    wd = day.weekday()
    return day + timedelta(days=7 - wd) if wd >= 5 else day


def _add_weekdays(weekday: date, count: int) -> date:
    """The weekday ``count`` weekdays after ``weekday`` (which must be Monday to Friday)."""
    weeks, extra = divmod(count, 5)
    days = weeks * 7 + extra + (2 if weekday.weekday() + extra >= 5 else 0)
    return weekday + timedelta(days=days)


def _local_date(instant: datetime, zone: tzinfo) -> date:
    return instant.astimezone(zone).date()


@lru_cache(maxsize=8192)
def _day_start(zone: tzinfo, day: date) -> datetime:
    """The first instant (UTC) whose local date in ``zone`` is ``day``."""
    midnight = datetime.combine(day, time())
    first = midnight.replace(tzinfo=zone).astimezone(UTC)
    second = midnight.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return first
    lo, hi = min(first, second), max(first, second)
    if _local_date(lo, zone) >= day:
        return lo  # midnight happens twice: the day starts at the first one
    if _local_date(hi, zone) < day:
        return hi  # not a real zone rule; keep the nearest guess
    # a clock change jumps over midnight: find the transition to the microsecond
    while hi - lo > _ONE_US:
        mid = lo + (hi - lo) // 2
        if _local_date(mid, zone) >= day:
            hi = mid
        else:
            lo = mid
    return hi


def _day_length_us(zone: tzinfo, day: date) -> int:
    return (_day_start(zone, day + timedelta(days=1)) - _day_start(zone, day)) // _ONE_US


# ----------------------------------------------------------------------------- clocks


@dataclass(frozen=True)
class SlaClock:
    """One SLA clock of an issue at a given moment. Seconds are counted on its calendar."""

    kind: ClockKind
    target_seconds: float
    consumed_seconds: float
    remaining_seconds: float
    """Negative when breached."""
    due_at: datetime | None
    """When the clock reaches its target (UTC); None while paused."""
    paused: bool
    breached: bool
    met: bool | None
    """True / False once stopped (responded or resolved); None while running."""
    stopped: bool

    @property
    def fraction_used(self) -> float:
        return self.consumed_seconds / self.target_seconds if self.target_seconds else 1.0

    def label(self) -> str:
        """Short text for a terminal cell, e.g. ``3h 05m left`` or ``BREACHED 25m``."""
        if self.stopped:
            return "met" if self.met else f"missed by {span(-self.remaining_seconds)}"
        if self.breached:
            text = f"BREACHED {span(-self.remaining_seconds)}"
            return f"{text} (paused)" if self.paused else text
        text = f"{span(self.remaining_seconds)} left"
        return f"paused {text}" if self.paused else text


def sla_clocks(
    *,
    priority: Priority,
    opened_at: datetime,
    now: datetime,
    policy: SlaPolicy,
    responded_at: datetime | None = None,
    resolved_at: datetime | None = None,
    on_hold_since: datetime | None = None,
    paused_seconds: float = 0.0,
) -> tuple[SlaClock, SlaClock]:
    """The (respond, resolve) clocks of an issue at ``now``.

    - The respond clock runs from ``opened_at`` until ``responded_at``; hold does not pause
      it. Putting an issue on hold answers the reporter, so the caller sets ``responded_at``
      when it does; resolving without a ``responded_at`` counts as the response.
    - The resolve clock runs from ``opened_at`` until ``resolved_at``, less hold time:
      ``paused_seconds`` (finished holds, counted on the resolve calendar, see
      ``hold_seconds``) and, while ``on_hold_since`` is set, the time since then.
    - A clock is breached when its consumed time exceeds its target.
    """
    opened = _utc(opened_at, "opened_at")
    at = _utc(now, "now")
    responded = _utc_or_none(responded_at, "responded_at")
    resolved = _utc_or_none(resolved_at, "resolved_at")
    hold_start = _utc_or_none(on_hold_since, "on_hold_since")
    if not math.isfinite(paused_seconds) or paused_seconds < 0:
        raise ValueError(f"paused_seconds must be 0 or more, not {paused_seconds!r}")
    target = policy.target(priority)
    zone = policy.zone

    respond_end = responded if responded is not None else resolved
    respond = _clock(
        "respond",
        target,
        zone,
        opened,
        respond_end if respond_end is not None else at,
        stopped=respond_end is not None,
        paused=False,
        excluded=0.0,
    )

    resolve_end = resolved if resolved is not None else at
    excluded = paused_seconds
    if hold_start is not None:
        excluded += max(
            counted_seconds(max(hold_start, opened), resolve_end, target.resolve_calendar, zone),
            0.0,
        )
    resolve = _clock(
        "resolve",
        target,
        zone,
        opened,
        resolve_end,
        stopped=resolved is not None,
        paused=hold_start is not None and resolved is None,
        excluded=excluded,
    )
    return respond, resolve


class ClockedIssue(Protocol):
    """What the clocks of an issue are read from (a cached row or a record)."""

    @property
    def priority(self) -> Priority: ...
    @property
    def state(self) -> IssueState: ...
    @property
    def opened_at(self) -> datetime | None: ...
    @property
    def responded_at(self) -> datetime | None: ...
    @property
    def resolved_at(self) -> datetime | None: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def on_hold_since(self) -> datetime | None: ...
    @property
    def paused_seconds(self) -> float: ...


def issue_clocks(
    issue: ClockedIssue, policy: SlaPolicy, now: datetime
) -> tuple[SlaClock, SlaClock]:
    """The (respond, resolve) clocks of an issue: every screen reads them here.

    A closed or cancelled issue that was never resolved stops its clocks when it closed;
    the resolve clock is paused only while the issue is on hold.
    """
    resolved_at = issue.resolved_at
    if issue.state in (IssueState.CLOSED, IssueState.CANCELLED) and resolved_at is None:
        resolved_at = issue.closed_at or now
    return sla_clocks(
        priority=issue.priority,
        opened_at=issue.opened_at or now,
        now=now,
        policy=policy,
        responded_at=issue.responded_at,
        resolved_at=resolved_at,
        on_hold_since=issue.on_hold_since if issue.state is IssueState.ON_HOLD else None,
        paused_seconds=issue.paused_seconds,
    )


def _clock(
    kind: ClockKind,
    target: SlaTarget,
    zone: tzinfo,
    opened: datetime,
    end: datetime,
    *,
    stopped: bool,
    paused: bool,
    excluded: float,
) -> SlaClock:
    calendar = target.calendar(kind)
    target_s = float(target.minutes(kind) * 60)
    # clock skew between clients can put ``end`` before ``opened``: nothing is consumed then
    consumed = max(counted_seconds(opened, end, calendar, zone) - excluded, 0.0)
    remaining = target_s - consumed
    breached = consumed > target_s
    due_at = None if paused else add_counted(opened, target_s + excluded, calendar, zone)
    return SlaClock(
        kind=kind,
        target_seconds=target_s,
        consumed_seconds=consumed,
        remaining_seconds=remaining,
        due_at=due_at,
        paused=paused,
        breached=breached,
        met=(not breached) if stopped else None,
        stopped=stopped,
    )


def hold_seconds(
    on_hold_since: datetime,
    resumed_at: datetime,
    priority: Priority,
    policy: SlaPolicy,
) -> float:
    """Counted seconds of a hold on the resolve calendar of ``priority``; add them to the
    issue's ``paused_seconds`` when it leaves on_hold."""
    calendar = policy.target(priority).resolve_calendar
    return max(counted_seconds(on_hold_since, resumed_at, calendar, policy.zone), 0.0)


def sla_urgency(clocks: tuple[SlaClock, SlaClock], now: datetime) -> float:
    """Sort key for issues: smaller is more urgent.

    Running clocks come first, keyed by the real seconds until their due time (negative
    once breached, so the longest-breached issue leads). Real seconds, not counted ones,
    so a P2 due Monday morning does not outrank a P1 due in 30 minutes on a Friday night.
    Then paused issues (by counted time left), then issues whose clocks have all stopped.
    """
    at = _utc(now, "now")
    running = [
        (c.due_at - at) / timedelta(seconds=1)
        for c in clocks
        if not c.stopped and not c.paused and c.due_at is not None
    ]
    if running:
        return min(running)
    paused = [c.remaining_seconds for c in clocks if c.paused and not c.stopped]
    if paused:
        return _PAUSED_TIER + min(paused)
    return _STOPPED_TIER


# ----------------------------------------------------------------------------- inputs


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware (got naive {value.isoformat()}); "
            "attach a time zone, e.g. datetime.now(UTC)"
        )
    return value.astimezone(UTC)


def _utc_or_none(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else _utc(value, name)


def _check_calendar(calendar: str) -> None:
    if calendar not in _CALENDARS:
        raise ValueError(f"unknown SLA calendar {calendar!r}; use '24x7' or 'business_days'")


def _tz(tz: str | tzinfo) -> tzinfo:
    return _zone(tz) if isinstance(tz, str) else tz


def _zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {key!r}; use an IANA name such as 'America/New_York'"
        ) from None
