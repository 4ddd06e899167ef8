"""One wording for times and lengths of time on every screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from golive_tui.domain.time_text import (
    ago,
    local_time,
    parse_typed_time,
    span,
    typed_time_text,
)

DENVER = ZoneInfo("America/Denver")
#: Thursday 26 November 2026, 10:00 in Denver
NOW = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


def test_a_weekday_a_week_back_and_a_week_ahead_read_as_two_dates() -> None:
    last_monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # Sun 15 Nov 17:00 in Denver
    next_monday = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    assert local_time(last_monday, DENVER, NOW) == "Sun 15 Nov 17:00"
    assert local_time(next_monday, DENVER, NOW) == "Mon 30 Nov 11:00"
    assert local_time(last_monday, DENVER, NOW, compact=True) == "15 Nov"
    assert local_time(next_monday, DENVER, NOW, compact=True) == "30 Nov"


def test_a_past_monday_three_days_back_says_its_date() -> None:
    monday = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # the FOC of a port three days ago
    assert local_time(monday, ZoneInfo("America/New_York"), NOW) == "Mon 23 Nov 11:30"


def test_today_is_the_time_and_two_days_either_side_the_weekday() -> None:
    assert local_time(NOW + timedelta(hours=3), DENVER, NOW) == "13:00"
    assert local_time(NOW - timedelta(days=2), DENVER, NOW) == "Tue 10:00"
    assert local_time(NOW + timedelta(days=2), DENVER, NOW, compact=True) == "Sat 10:00"
    # the day is the zone's: 01:00 UTC on Friday is still Thursday evening in Denver
    assert local_time(datetime(2026, 11, 27, 1, 0, tzinfo=UTC), DENVER, NOW) == "18:00"


def test_another_year_says_the_year() -> None:
    assert local_time(datetime(2025, 12, 14, 17, 0, tzinfo=UTC), DENVER, NOW,
                      compact=True) == "14 Dec 2025"


def test_spans_round_down_and_ago_reads_back() -> None:
    assert span(0) == "<1m"
    assert span(59) == "<1m"
    assert span(59, with_seconds=True) == "59s"
    assert span(42 * 60 + 10, with_seconds=True) == "42m 10s"
    assert span(3 * 3600 + 5 * 60 + 59) == "3h 05m"
    assert span(28 * 3600) == "1d 4h"
    assert span(-30) == "<1m"
    assert ago(NOW - timedelta(seconds=2), NOW) == "just now"
    assert ago(NOW - timedelta(seconds=12), NOW) == "12s ago"
    assert ago(NOW - timedelta(minutes=5, seconds=20), NOW) == "5m ago"
    assert ago(NOW - timedelta(hours=2, minutes=5), NOW) == "2h 05m ago"


def test_a_typed_date_is_read_in_the_zone_and_a_date_alone_is_the_end_of_the_day() -> None:
    assert parse_typed_time("2026-12-09 9:05", DENVER) == datetime(2026, 12, 9, 16, 5,
                                                                    tzinfo=UTC)
    assert parse_typed_time("2026-12-09", DENVER) == datetime(2026, 12, 10, 0, 0, tzinfo=UTC)
    assert parse_typed_time("  ", DENVER) is None
    when = datetime(2026, 12, 9, 16, 5, tzinfo=UTC)
    assert parse_typed_time(typed_time_text(when, DENVER), DENVER) == when


@pytest.mark.parametrize("typed", ["next Friday", "2026-13-01", "2026-12-09 25:00", "9/12"])
def test_a_date_that_cannot_be_read_says_how_to_type_it(typed: str) -> None:
    with pytest.raises(ValueError, match="type it as 2026-12-09, or with a time"):
        parse_typed_time(typed, DENVER)
