"""The demo's story holds whenever it is built: today's wave goes from NO-GO to GO without an
override by clearing its real blockers, at any clock time of a weekday or a weekend, and
the rule that an FOC is a date to come stays as it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from golive_tui.domain.demo_time import wave_day
from golive_tui.domain.enums import (
    E911Status,
    EntityKind,
    OrderState,
    Role,
    SignoffKind,
    VerificationResult,
)
from golive_tui.domain.errors import IllegalTransition
from golive_tui.store.local import LocalStore
from golive_tui.tui.factory import open_demo_cache

NY = ZoneInfo("America/New_York")
THURSDAY = date(2026, 12, 10)
SATURDAY = date(2026, 12, 12)
CLOCKS = [time(8, 0), time(11, 29), time(11, 31), time(15, 0), time(23, 30)]


def _clock(start: datetime) -> Callable[[], datetime]:
    """A clock that moves a minute each time it is read, as a person working the story."""
    ticks = iter(range(10_000))
    return lambda: start + timedelta(minutes=next(ticks))


@pytest.mark.parametrize("at", CLOCKS, ids=[t.strftime("%H:%M") for t in CLOCKS])
@pytest.mark.parametrize("day", [THURSDAY, SATURDAY], ids=["Thursday", "Saturday"])
def test_the_demo_reaches_go_without_override_whenever_it_is_built(
    tmp_path: Path,
    day: date,
    at: time,
) -> None:
    built = datetime.combine(day, at, NY)
    clock = _clock(built)
    ipm = open_demo_cache(tmp_path / "cache.db", now=built, clock=clock)
    wave = ipm.current_cutover(clock())
    assert wave is not None and wave.name == "Wave 3 – New York"
    assert wave.starts_at is not None
    assert wave.starts_at >= built + timedelta(hours=1), "the wave is still to come"
    assert wave.starts_at.astimezone(NY).date() == (
        day
        if day == THURSDAY and at < time(10, 30)
        else date(2026, 12, 11)
        if day == THURSDAY
        else date(2026, 12, 14)
    )
    gate = ipm.gate(now=clock())
    assert [c.name for c in gate.unmet] == [
        "Port order RVP-PO-1008",
        "Location NYC Floor 2",
        "933 NYC Floor 2",
        "Customer co-sign",
    ]

    # 1. the carrier confirms the FOC asked for, which is the wave's activation slot
    order = next(o for o in ipm.orders() if o.pon == "RVP-PO-1008")
    assert order.requested_foc == wave.starts_at
    ipm.move_order(order.id, OrderState.FOC_CONFIRMED, confirmed_foc=order.requested_foc)
    # 2. Zoom validated Floor 2's dispatchable address
    floor = next(
        loc
        for loc in ipm.emergency_locations()
        if loc.name.startswith("Floor 2") and loc.site_id == wave.site_ids[0]
    )
    ipm.update_record(EntityKind.EMERGENCY_LOCATION, floor.id, status=E911Status.VERIFIED.value)
    # 3. a 933 call from Floor 2 passed
    ipm.log_verification(
        "E911-01",
        "NYC",
        VerificationResult.PASS,
        site_id=floor.site_id,
        emergency_location_id=floor.id,
        note="933 from Floor 2 ok",
    )
    assert [c.name for c in ipm.gate(now=clock()).unmet] == ["Customer co-sign"]
    # 4. the customer's main contact co-signs
    customer = LocalStore(
        tmp_path / "cache.db", actor="dana.whitfield", role=Role.CUSTOMER, clock=clock
    )
    customer.sign(SignoffKind.GO_LIVE_COSIGN, cutover_id=wave.id, note="NYC staff briefed; go")
    gate = ipm.gate(now=clock())
    assert gate.ready and gate.cutover_id == wave.id, [str(c) for c in gate.unmet]


def test_the_wave_day_is_the_demo_day_until_an_hour_before_its_activation() -> None:
    assert wave_day(THURSDAY, datetime.combine(THURSDAY, time(10, 30), NY)) == THURSDAY
    assert wave_day(THURSDAY, datetime.combine(THURSDAY, time(10, 31), NY)) == date(2026, 12, 11)
    friday = date(2026, 12, 11)
    assert wave_day(friday, datetime.combine(friday, time(15, 0), NY)) == date(2026, 12, 14)


def test_an_foc_already_past_is_still_refused_on_the_demo(tmp_path: Path) -> None:
    built = datetime.combine(THURSDAY, time(15, 0), NY)
    clock = _clock(built)
    ipm = open_demo_cache(tmp_path / "cache.db", now=built, clock=clock)
    order = next(o for o in ipm.orders() if o.pon == "RVP-PO-1008")
    past = datetime.combine(THURSDAY, time(11, 30), NY)
    with pytest.raises(IllegalTransition, match="an FOC is a date to come"):
        ipm.move_order(order.id, OrderState.FOC_CONFIRMED, confirmed_foc=past.isoformat())
    assert next(o for o in ipm.orders() if o.pon == "RVP-PO-1008").status is OrderState.SUBMITTED


@pytest.mark.parametrize("clock", [time(9, 0), time(15, 0)])
def test_the_demos_standing_text_says_no_day_that_goes_stale_when_the_wave_moves(
    clock: time,
) -> None:
    """Built after 10:30 ET the New York wave ports the next business day: the project's
    description, the waves' and orders' notes and the runbook read true either way (a
    note or a comment is dated by when it was written, and says what it likes)."""
    from golive_tui.domain.enums import EntityKind as K
    from golive_tui.seed import load_demo

    now = datetime.combine(THURSDAY, clock, NY)
    doc = load_demo(now=now)  # the demo of that moment: no day given
    wave = next(c for c in doc.records[K.CUTOVER] if "New York" in c["name"])
    assert wave["starts_at"].astimezone(NY).date() == (
        THURSDAY if clock < time(10, 30) else date(2026, 12, 11))
    standing = [doc.project["description"]]
    standing += [c["notes"] for c in doc.records[K.CUTOVER]]
    standing += [o["notes"] for o in doc.records[K.PORT_ORDER]]
    standing += [f"{s['title']} {s['expected']} {s['precondition']}"
                 for s in doc.records[K.RUNBOOK_STEP]]
    stale = [text for text in standing
             if {"today", "yesterday", "tomorrow", "tonight"} & set(
                 text.lower().replace(",", " ").replace(".", " ").replace(";", " ").split())]
    assert stale == []
    assert "New York" in doc.project["description"]


def _stamp(value: object) -> datetime:
    """A time as the cache gives it back (a datetime, or its ISO text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(
        str(value).replace("Z", "+00:00"))


@pytest.mark.parametrize("at", CLOCKS, ids=[t.strftime("%H:%M") for t in CLOCKS])
def test_no_runbook_step_of_the_demo_is_timed_after_the_moment_it_is_built(
    tmp_path: Path, at: time
) -> None:
    # the live run's timings count from the wave's start: built at 08:00 Eastern, three
    # hours before it, the steps the story has done by 11:00 have not all begun yet
    built = datetime.combine(THURSDAY, at, NY)
    store = open_demo_cache(tmp_path / "cache.db", now=built, clock=_clock(built))
    timings = list(store.iter_records(EntityKind.RUNBOOK_STEP_RUN))
    assert timings, "the demo has runbook runs"
    for timing in timings:
        for name in ("started_at", "finished_at"):
            value = timing[name]
            if value is not None:
                stamp = _stamp(value)
                assert stamp <= built, (timing["id"], name, stamp, built)
        if timing["started_at"] is None:
            assert timing["state"] in ("pending", "skipped"), timing


@pytest.mark.parametrize("at", CLOCKS, ids=[t.strftime("%H:%M") for t in CLOCKS])
def test_no_runbook_run_of_the_demo_starts_before_its_wave_day_or_after_it_is_built(
    tmp_path: Path, at: time
) -> None:
    # built within the hour before Zoom's activation, or later, the wave moves to the next
    # business day: its live run has not begun yet, rather than begun the day before
    built = datetime.combine(THURSDAY, at, NY)
    store = open_demo_cache(tmp_path / "cache.db", now=built, clock=_clock(built))
    cutovers = {c["id"]: c for c in store.iter_records(EntityKind.CUTOVER)}
    runs = list(store.iter_records(EntityKind.RUNBOOK_RUN))
    assert runs, "the demo has runbook runs"
    for run in runs:
        started = _stamp(run["started_at"])
        assert started <= built, (run["run_kind"], started, built)
        if run["finished_at"] is not None:
            assert _stamp(run["finished_at"]) <= built
        if run["run_kind"] == "live":
            wave_starts = _stamp(cutovers[run["cutover_id"]]["starts_at"])
            assert started.astimezone(NY).date() == wave_starts.astimezone(NY).date(), (
                started, wave_starts)
    live_waves = {run["cutover_id"] for run in runs if run["run_kind"] == "live"}
    todays = next(c for c in cutovers.values() if c["name"] == "Wave 3 – New York")
    assert (todays["id"] in live_waves) == (at < time(10, 30))
