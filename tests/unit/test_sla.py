"""SLA targets and clocks of hypercare issues (DOMAIN.md §6)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from golive_tui.domain.sla import (
    Calendar,
    Priority,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    add_counted,
    counted_seconds,
    hold_seconds,
    sla_clocks,
    sla_urgency,
)

NY = ZoneInfo("America/New_York")
POLICY = SlaPolicy.default()
HOUR = 3600.0
BUSINESS_DAY = 86_400.0


def et(y: int, mo: int, d: int, h: int = 0, mi: int = 0, *, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=NY, fold=fold)


def clocks(
    priority: Priority,
    opened_at: datetime,
    now: datetime,
    *,
    responded_at: datetime | None = None,
    resolved_at: datetime | None = None,
    on_hold_since: datetime | None = None,
    paused_seconds: float = 0.0,
) -> tuple[SlaClock, SlaClock]:
    """The default policy's clocks (America/New_York)."""
    return sla_clocks(
        priority=priority,
        opened_at=opened_at,
        now=now,
        policy=POLICY,
        responded_at=responded_at,
        resolved_at=resolved_at,
        on_hold_since=on_hold_since,
        paused_seconds=paused_seconds,
    )


# ----------------------------------------------------------------------------- policy


@pytest.mark.parametrize(
    ("priority", "respond", "respond_calendar", "resolve", "resolve_calendar"),
    [
        (Priority.P1, 15, "24x7", 60, "24x7"),
        (Priority.P2, 4 * 60, "24x7", 2 * 1440, "business_days"),
        (Priority.P3, 24 * 60, "24x7", 5 * 1440, "business_days"),
        (Priority.P4, 2 * 1440, "business_days", 10 * 1440, "business_days"),
    ],
)
def test_default_targets_match_the_domain_table(
    priority: Priority,
    respond: int,
    respond_calendar: Calendar,
    resolve: int,
    resolve_calendar: Calendar,
) -> None:
    assert POLICY.targets[priority] == SlaTarget(
        respond_minutes=respond,
        resolve_minutes=resolve,
        respond_calendar=respond_calendar,
        resolve_calendar=resolve_calendar,
    )
    assert POLICY.time_zone == "America/New_York"


def test_policy_round_trips_through_json() -> None:
    policy = SlaPolicy.default("Europe/London")
    text = policy.model_dump_json()
    assert SlaPolicy.model_validate_json(text) == policy
    assert SlaPolicy.model_validate(policy.model_dump(mode="json")) == policy


def test_policy_without_targets_for_every_priority_is_refused() -> None:
    targets = dict(POLICY.targets)
    del targets[Priority.P3]
    with pytest.raises(ValueError, match="missing for P3"):
        SlaPolicy(targets=targets)


def test_policy_with_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        SlaPolicy.default("Mars/Olympus_Mons")


def test_policy_is_frozen() -> None:
    with pytest.raises(ValueError):
        POLICY.time_zone = "UTC"  # type: ignore[misc]  # the refusal is the point


# ----------------------------------------------------------------------------- clocks


def test_p1_resolve_clock_breaches_after_one_hour() -> None:
    opened = et(2026, 4, 14, 10)
    respond, resolve = clocks(
        Priority.P1,
        opened,
        opened + timedelta(minutes=60),
        responded_at=opened + timedelta(minutes=5),
    )
    assert not resolve.breached
    assert resolve.remaining_seconds == 0
    assert resolve.due_at == opened.astimezone(UTC) + timedelta(hours=1)
    assert respond.stopped and respond.met is True

    _, resolve = clocks(
        Priority.P1,
        opened,
        opened + timedelta(minutes=60, seconds=1),
        responded_at=opened + timedelta(minutes=5),
    )
    assert resolve.breached
    assert resolve.met is None and not resolve.stopped
    assert resolve.remaining_seconds == -1


def test_p1_respond_clock_breaches_after_fifteen_minutes_without_response() -> None:
    opened = et(2026, 4, 14, 10)
    respond, _ = clocks(Priority.P1, opened, opened + timedelta(minutes=16))
    assert respond.breached
    assert respond.label() == "BREACHED 1m"


def test_p1_on_hold_for_two_hours_is_not_breached_after_resume() -> None:
    opened = et(2026, 4, 14, 10)
    held = opened + timedelta(minutes=20)
    resumed = held + timedelta(hours=2)

    _, during = clocks(
        Priority.P1, opened, held + timedelta(hours=1), responded_at=held, on_hold_since=held
    )
    assert during.paused and during.due_at is None
    assert during.consumed_seconds == 20 * 60
    assert not during.breached

    paused = hold_seconds(held, resumed, Priority.P1, POLICY)
    assert paused == 2 * HOUR
    _, after = clocks(
        Priority.P1,
        opened,
        resumed + timedelta(minutes=30),
        responded_at=held,
        paused_seconds=paused,
    )
    assert not after.paused
    assert after.consumed_seconds == 50 * 60
    assert not after.breached
    assert after.due_at == (resumed + timedelta(minutes=40)).astimezone(UTC)


def test_hold_does_not_pause_the_respond_clock() -> None:
    opened = et(2026, 4, 14, 10)
    respond, resolve = clocks(
        Priority.P1,
        opened,
        opened + timedelta(minutes=30),
        on_hold_since=opened + timedelta(minutes=1),
    )
    assert not respond.paused and respond.breached
    assert resolve.paused and resolve.consumed_seconds == 60


def test_resolving_stops_both_clocks() -> None:
    opened = et(2026, 4, 14, 10)
    respond, resolve = clocks(
        Priority.P1, opened, opened + timedelta(hours=5), resolved_at=opened + timedelta(minutes=10)
    )
    assert respond.stopped and respond.met is True
    assert resolve.stopped and resolve.met is True
    assert resolve.consumed_seconds == 600


def test_resolving_while_on_hold_does_not_count_the_hold() -> None:
    opened = et(2026, 4, 14, 10)
    _, resolve = clocks(
        Priority.P1,
        opened,
        opened + timedelta(hours=9),
        responded_at=opened,
        on_hold_since=opened + timedelta(minutes=30),
        resolved_at=opened + timedelta(hours=8),
    )
    assert resolve.stopped and not resolve.paused and resolve.met is True
    assert resolve.consumed_seconds == 30 * 60


def test_clock_skew_never_makes_consumed_time_negative() -> None:
    opened = et(2026, 4, 14, 10)
    respond, resolve = clocks(Priority.P1, opened, opened - timedelta(minutes=3))
    assert respond.consumed_seconds == 0 and resolve.consumed_seconds == 0


# ----------------------------------------------------------------------------- business days


def test_business_days_skip_the_weekend_p2_opened_friday_4pm_is_due_tuesday_4pm() -> None:
    opened = et(2026, 1, 9, 16)  # Friday
    assert opened.weekday() == 4
    _, resolve = clocks(Priority.P2, opened, opened + timedelta(hours=1), responded_at=opened)
    assert resolve.due_at == et(2026, 1, 13, 16).astimezone(UTC)  # Tuesday

    # the weekend counts nothing: Friday 16:00 → Monday 09:00 is 8 h + 9 h
    _, monday = clocks(Priority.P2, opened, et(2026, 1, 12, 9), responded_at=opened)
    assert monday.consumed_seconds == 17 * HOUR
    assert monday.remaining_seconds == 31 * HOUR


def test_an_issue_opened_on_saturday_starts_counting_on_monday() -> None:
    opened = et(2026, 1, 10, 11)  # Saturday
    _, resolve = clocks(Priority.P2, opened, et(2026, 1, 11, 23), responded_at=opened)
    assert resolve.consumed_seconds == 0
    assert resolve.due_at == et(2026, 1, 14).astimezone(UTC)  # end of Tuesday


def test_a_target_ending_at_friday_close_is_due_friday_midnight_not_monday() -> None:
    due = add_counted(et(2026, 1, 8), 2 * BUSINESS_DAY, "business_days", NY)  # Thursday 00:00
    assert due == et(2026, 1, 10).astimezone(UTC)


def test_hold_seconds_on_the_business_calendar_skip_the_weekend() -> None:
    held, resumed = et(2026, 1, 9, 17), et(2026, 1, 12, 9)  # Friday 17:00 → Monday 09:00
    assert hold_seconds(held, resumed, Priority.P2, POLICY) == 16 * HOUR  # 7 h + 9 h
    assert hold_seconds(held, resumed, Priority.P1, POLICY) == 64 * HOUR  # 24x7


def test_p4_respond_clock_counts_business_days() -> None:
    opened = et(2026, 1, 9, 16)
    respond, _ = clocks(Priority.P4, opened, opened)
    assert respond.due_at == et(2026, 1, 13, 16).astimezone(UTC)


# ----------------------------------------------------------------------------- DST


def test_p1_across_spring_forward_is_due_one_real_hour_later() -> None:
    opened = et(2026, 3, 8, 1, 30)  # EST; 02:00 → 03:00 follows
    _, resolve = clocks(Priority.P1, opened, et(2026, 3, 8, 3, 29), responded_at=opened)
    assert resolve.due_at == et(2026, 3, 8, 3, 30).astimezone(UTC)
    assert resolve.consumed_seconds == 59 * 60
    assert not resolve.breached


def test_p1_across_fall_back_is_due_one_real_hour_later() -> None:
    opened = et(2026, 11, 1, 1, 30)  # first 01:30 (EDT)
    _, resolve = clocks(Priority.P1, opened, et(2026, 11, 1, 1, 45, fold=1), responded_at=opened)
    assert resolve.due_at == et(2026, 11, 1, 1, 30, fold=1).astimezone(UTC)  # second 01:30
    assert resolve.breached
    assert resolve.label() == "BREACHED 15m"


def test_24_hour_respond_target_over_a_dst_weekend_is_24_real_hours() -> None:
    opened = et(2026, 3, 7, 12)  # Saturday EST
    respond, _ = clocks(Priority.P3, opened, opened)
    assert respond.due_at == et(2026, 3, 8, 13).astimezone(UTC)  # 13:00 EDT
    opened = et(2026, 10, 31, 12)  # Saturday EDT
    respond, _ = clocks(Priority.P3, opened, opened)
    assert respond.due_at == et(2026, 11, 1, 11).astimezone(UTC)  # 11:00 EST


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        (et(2026, 3, 6, 16), et(2026, 3, 10, 16)),  # spring forward weekend
        (et(2026, 10, 30, 16), et(2026, 11, 3, 16)),  # fall back weekend
    ],
)
def test_business_day_deadlines_keep_wall_clock_time_over_a_dst_weekend(
    opened: datetime, due: datetime
) -> None:
    _, resolve = clocks(Priority.P2, opened, opened, responded_at=opened)
    assert resolve.due_at == due.astimezone(UTC)
    assert counted_seconds(opened, due, "business_days", NY) == 2 * BUSINESS_DAY


def test_dst_week_counts_every_weekday_as_exactly_one_business_day() -> None:
    for start in (et(2026, 3, 2), et(2026, 10, 26)):
        week = counted_seconds(start, start + timedelta(days=7), "business_days", NY)
        assert week == 5 * BUSINESS_DAY
    assert counted_seconds(et(2026, 3, 7), et(2026, 3, 9), "business_days", NY) == 0
    assert counted_seconds(et(2026, 3, 8), et(2026, 3, 9), "24x7", NY) == 23 * HOUR
    assert counted_seconds(et(2026, 11, 1), et(2026, 11, 2), "24x7", NY) == 25 * HOUR


def test_a_weekday_shortened_by_dst_still_counts_as_one_business_day() -> None:
    # Israel springs forward on Friday 2026-03-27 (02:00 → 03:00): a 23-hour weekday
    tlv = ZoneInfo("Asia/Jerusalem")
    friday, saturday = datetime(2026, 3, 27, tzinfo=tlv), datetime(2026, 3, 28, tzinfo=tlv)
    assert (saturday - friday.astimezone(UTC)) == timedelta(hours=23)
    assert counted_seconds(friday, saturday, "business_days", tlv) == BUSINESS_DAY
    # P2 opened Thursday 09:00 IST: 15 h + 24 h + 9 h → Monday 09:00 IDT
    policy = SlaPolicy.default("Asia/Jerusalem")
    opened = datetime(2026, 3, 26, 9, tzinfo=tlv)
    _, resolve = sla_clocks(
        priority=Priority.P2, opened_at=opened, now=opened, responded_at=opened, policy=policy
    )
    assert resolve.due_at == datetime(2026, 3, 30, 9, tzinfo=tlv).astimezone(UTC)


def test_a_weekday_changed_by_dst_spreads_its_24_counted_hours_evenly() -> None:
    # Israel's 23-hour Friday: half its real length is half a business day
    tlv = ZoneInfo("Asia/Jerusalem")
    friday = datetime(2026, 3, 27, tzinfo=tlv)
    half = friday.astimezone(UTC) + timedelta(hours=11, minutes=30)  # 12:30 IDT on the wall
    assert counted_seconds(friday, half, "business_days", tlv) == 12 * HOUR
    assert add_counted(friday, 12 * HOUR, "business_days", tlv) == half
    # Egypt's 25-hour Thursday (24:00 → 23:00 on 2026-10-29)
    cairo = ZoneInfo("Africa/Cairo")
    thursday = datetime(2026, 10, 29, tzinfo=cairo).astimezone(UTC)
    friday = datetime(2026, 10, 30, tzinfo=cairo).astimezone(UTC)
    assert friday - thursday == timedelta(hours=25)
    assert counted_seconds(thursday, friday, "business_days", cairo) == BUSINESS_DAY
    half = thursday + timedelta(hours=12, minutes=30)
    assert counted_seconds(thursday, half, "business_days", cairo) == 12 * HOUR
    assert add_counted(thursday, 12 * HOUR, "business_days", cairo) == half


def test_a_weekday_that_starts_at_1am_because_midnight_was_skipped() -> None:
    # Egypt springs forward at Friday 2026-04-24 00:00 → 01:00
    cairo = ZoneInfo("Africa/Cairo")
    thursday_11pm = datetime(2026, 4, 23, 23, tzinfo=cairo)
    friday_1am = datetime(2026, 4, 24, 1, tzinfo=cairo)
    assert counted_seconds(thursday_11pm, friday_1am, "business_days", cairo) == HOUR
    friday_noon = datetime(2026, 4, 24, 12, tzinfo=cairo)  # 11 real hours into a 23-hour day
    assert counted_seconds(friday_1am, friday_noon, "business_days", cairo) == 11 * 24 / 23 * HOUR


# ----------------------------------------------------------------------------- naive datetimes


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 4, 14, 10)
    aware = et(2026, 4, 14, 10)
    with pytest.raises(ValueError, match="opened_at must be timezone-aware"):
        sla_clocks(priority=Priority.P1, opened_at=naive, now=aware, policy=POLICY)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        sla_clocks(priority=Priority.P1, opened_at=aware, now=naive, policy=POLICY)
    with pytest.raises(ValueError, match="responded_at"):
        sla_clocks(
            priority=Priority.P1, opened_at=aware, now=aware, policy=POLICY, responded_at=naive
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        counted_seconds(aware, naive, "24x7", NY)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_counted(naive, 60, "business_days", NY)
    with pytest.raises(ValueError, match="timezone-aware"):
        hold_seconds(naive, aware, Priority.P2, POLICY)
    with pytest.raises(ValueError, match="timezone-aware"):
        sla_urgency(clocks(Priority.P1, aware, aware), naive)


def test_results_are_utc() -> None:
    due = add_counted(et(2026, 4, 14, 10), 60, "business_days", NY)
    assert due.tzinfo is UTC
    _, resolve = clocks(Priority.P1, et(2026, 4, 14, 10), et(2026, 4, 14, 10))
    assert resolve.due_at is not None and resolve.due_at.tzinfo is UTC


# ----------------------------------------------------------------------------- labels


def test_label_minutes_left() -> None:
    opened = et(2026, 4, 14, 10)
    respond, _ = clocks(Priority.P1, opened, opened + timedelta(minutes=3))
    assert respond.label() == "12m left"


def test_label_hours_and_minutes_left() -> None:
    opened = et(2026, 4, 14, 10)
    respond, _ = clocks(Priority.P2, opened, opened + timedelta(minutes=55))
    assert respond.label() == "3h 05m left"


def test_label_days_and_hours_left_on_business_days() -> None:
    opened = et(2026, 1, 12, 9)  # Monday; 5 business days → next Monday 09:00
    _, resolve = clocks(Priority.P3, opened, et(2026, 1, 16, 5), responded_at=opened)
    assert resolve.remaining_seconds == 28 * HOUR  # Friday 19 h + Monday 9 h
    assert resolve.label() == "1d 4h left"


def test_label_breached() -> None:
    opened = et(2026, 4, 14, 10)
    _, resolve = clocks(Priority.P1, opened, opened + timedelta(minutes=85), responded_at=opened)
    assert resolve.label() == "BREACHED 25m"


def test_label_paused() -> None:
    opened = et(2026, 1, 12, 9)  # Monday; P2 resolves in 2 business days
    held = et(2026, 1, 14, 7, 58)  # 15 h + 24 h + 7 h 58 m used
    _, resolve = clocks(
        Priority.P2, opened, et(2026, 1, 14, 15), responded_at=opened, on_hold_since=held
    )
    assert resolve.label() == "paused 1h 02m left"


def test_label_breached_while_paused() -> None:
    opened = et(2026, 4, 14, 10)
    _, resolve = clocks(
        Priority.P1,
        opened,
        opened + timedelta(hours=3),
        responded_at=opened,
        on_hold_since=opened + timedelta(minutes=70),
    )
    assert resolve.label() == "BREACHED 10m (paused)"


def test_label_met() -> None:
    opened = et(2026, 4, 14, 10)
    respond, _ = clocks(
        Priority.P1,
        opened,
        opened + timedelta(hours=2),
        responded_at=opened + timedelta(minutes=14),
    )
    assert respond.label() == "met"


def test_label_missed_by() -> None:
    opened = et(2026, 4, 14, 10)
    _, resolve = clocks(
        Priority.P1,
        opened,
        opened + timedelta(hours=2),
        responded_at=opened,
        resolved_at=opened + timedelta(minutes=70),
    )
    assert resolve.met is False and resolve.breached
    assert resolve.label() == "missed by 10m"


def test_label_under_a_minute_left() -> None:
    opened = et(2026, 4, 14, 10)
    respond, _ = clocks(Priority.P1, opened, opened + timedelta(minutes=14, seconds=30))
    assert respond.label() == "<1m left"


def test_fraction_used() -> None:
    opened = et(2026, 4, 14, 10)
    _, resolve = clocks(Priority.P1, opened, opened + timedelta(minutes=45), responded_at=opened)
    assert resolve.fraction_used == 0.75


# ----------------------------------------------------------------------------- urgency


def test_urgency_puts_longest_breached_first_then_least_time_left_then_paused_then_done() -> None:
    now = et(2026, 4, 14, 12)
    long_breach = clocks(
        Priority.P1, now - timedelta(hours=3), now, responded_at=now - timedelta(hours=3)
    )
    short_breach = clocks(
        Priority.P1, now - timedelta(minutes=70), now, responded_at=now - timedelta(minutes=70)
    )
    soon = clocks(
        Priority.P1, now - timedelta(minutes=50), now, responded_at=now - timedelta(minutes=50)
    )
    later = clocks(Priority.P2, now - timedelta(hours=1), now)
    paused = clocks(
        Priority.P1,
        now - timedelta(minutes=59),
        now,
        responded_at=now - timedelta(minutes=59),
        on_hold_since=now,
    )
    done = clocks(
        Priority.P1,
        now - timedelta(hours=9),
        now,
        responded_at=now - timedelta(hours=9),
        resolved_at=now - timedelta(hours=8),
    )
    issues = [done, paused, later, soon, short_breach, long_breach]
    ranked = sorted(issues, key=lambda c: sla_urgency(c, now))
    assert ranked == [long_breach, short_breach, soon, later, paused, done]


def test_urgency_uses_the_respond_clock_until_responded() -> None:
    now = et(2026, 4, 14, 12)
    unanswered = clocks(Priority.P1, now - timedelta(minutes=10), now)
    answered = clocks(
        Priority.P1, now - timedelta(minutes=10), now, responded_at=now - timedelta(minutes=5)
    )
    assert sla_urgency(unanswered, now) == 5 * 60
    assert sla_urgency(answered, now) == 50 * 60


def test_urgency_compares_real_time_to_due_across_calendars() -> None:
    # Friday 23:50: a P2 with 20 counted minutes left is due Monday 00:10, so a P3
    # response due in 30 minutes is more urgent
    now = et(2026, 1, 9, 23, 50)
    p2_opened = et(2026, 1, 8, 0, 10)  # Thursday 00:10 → 47 h 40 m used by Friday 23:50
    p2 = clocks(Priority.P2, p2_opened, now, responded_at=p2_opened)
    assert p2[1].remaining_seconds == 20 * 60
    p3 = clocks(Priority.P3, now - timedelta(hours=23, minutes=30), now)
    assert sla_urgency(p3, now) < sla_urgency(p2, now)


def test_urgency_counts_down_with_the_given_now() -> None:
    opened = et(2026, 4, 14, 10)
    computed_at_open = clocks(Priority.P1, opened, opened)
    assert sla_urgency(computed_at_open, opened) == 15 * 60
    assert sla_urgency(computed_at_open, opened + timedelta(minutes=20)) == -5 * 60


# ----------------------------------------------------------------------------- properties

# zones worth testing, each with the UTC instants of its 2026 clock changes
CLOCK_CHANGES: dict[str, list[datetime]] = {
    "America/New_York": [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)],
    # springs forward on a Friday: a 23-hour weekday
    "Asia/Jerusalem": [datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 24, 23, tzinfo=UTC)],
    # a Friday that starts at 01:00 and a 25-hour Thursday
    "Africa/Cairo": [datetime(2026, 4, 23, 22, tzinfo=UTC), datetime(2026, 10, 29, 21, tzinfo=UTC)],
    # clock changes at midnight
    "America/Santiago": [datetime(2026, 4, 5, 3, tzinfo=UTC), datetime(2026, 9, 6, 4, tzinfo=UTC)],
    # 30-minute DST
    "Australia/Lord_Howe": [
        datetime(2026, 4, 4, 15, tzinfo=UTC),
        datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
    ],
    "Europe/London": [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)],
    "UTC": [],
}
any_instant = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2032, 1, 1), timezones=st.just(UTC)
)
calendars = st.sampled_from(["24x7", "business_days"])


@st.composite
def zone_and_instants(draw: st.DrawFn, count: int) -> tuple[ZoneInfo, list[datetime]]:
    """A zone and instants, half of them within four days of one of its clock changes."""
    name = draw(st.sampled_from(sorted(CLOCK_CHANGES)))
    instants = any_instant
    if CLOCK_CHANGES[name]:
        near_a_change = st.builds(
            lambda change, offset: change + offset,
            st.sampled_from(CLOCK_CHANGES[name]),
            st.timedeltas(min_value=timedelta(days=-4), max_value=timedelta(days=4)),
        )
        instants = st.one_of(any_instant, near_a_change)
    return ZoneInfo(name), sorted(draw(instants) for _ in range(count))


def inside_counted_time(instant: datetime, calendar: Calendar, zone: ZoneInfo) -> bool:
    """True when the counted clock is running just before ``instant``."""
    if calendar == "24x7":
        return True
    local = instant.astimezone(zone)
    return local.weekday() < 5 and not (local.weekday() == 0 and local.time() == time())


def test_the_listed_clock_changes_are_real() -> None:
    for name, changes in CLOCK_CHANGES.items():
        zone = ZoneInfo(name)
        for change in changes:
            before = (change - timedelta(microseconds=1)).astimezone(zone).utcoffset()
            assert before != change.astimezone(zone).utcoffset(), (name, change)


@given(zone_and_instants(2), calendars)
def test_add_counted_inverts_counted_seconds(
    zone_instants: tuple[ZoneInfo, list[datetime]], calendar: Calendar
) -> None:
    zone, (start, end) = zone_instants
    assume(start == end or inside_counted_time(end, calendar, zone))
    assert add_counted(start, counted_seconds(start, end, calendar, zone), calendar, zone) == end


@given(zone_and_instants(1), st.floats(min_value=0, max_value=60 * BUSINESS_DAY), calendars)
def test_counted_seconds_inverts_add_counted(
    zone_instants: tuple[ZoneInfo, list[datetime]], seconds: float, calendar: Calendar
) -> None:
    zone, (start,) = zone_instants
    due = add_counted(start, seconds, calendar, zone)
    assert math.isclose(counted_seconds(start, due, calendar, zone), seconds, abs_tol=1e-6)
    if due > start:  # and it is the earliest such instant
        before = due - timedelta(microseconds=1)
        assert counted_seconds(start, before, calendar, zone) < seconds


@given(zone_and_instants(3), calendars)
def test_counted_seconds_is_monotonic_and_additive(
    zone_instants: tuple[ZoneInfo, list[datetime]], calendar: Calendar
) -> None:
    zone, (a, b, c) = zone_instants
    ab = counted_seconds(a, b, calendar, zone)
    bc = counted_seconds(b, c, calendar, zone)
    ac = counted_seconds(a, c, calendar, zone)
    assert 0 <= ab <= ac + 1e-6
    assert 0 <= bc <= ac + 1e-6
    assert math.isclose(ab + bc, ac, abs_tol=1e-6)
    assert counted_seconds(c, a, calendar, zone) == -ac
    if calendar == "business_days":
        # a 23-hour weekday is the fastest a business clock runs
        assert ac <= (c - a).total_seconds() * 24 / 23 + 1e-6
