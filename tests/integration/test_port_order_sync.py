"""Port orders through sync: an order and its numbers moved in one cache are applied by
the real server (SQLite and PostgreSQL) and seen by another; an order created and edited
in another comes back; and an FOC both laptops confirm offline ends with one confirmation, the
later one refused as a change without a reason and undone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from golive_tui.domain.codec import encode_time
from golive_tui.domain.enums import EntityKind, OrderState, PortState, Role
from golive_tui.store.local import LocalStore
from golive_tui.store.tables import PortOrderRow
from tests.conftest import ServerUnderTest
from tests.integration.test_lifecycle_sync import BACKENDS, cache, sync


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest) -> ServerUnderTest:
    server = request.getfixturevalue(request.param)
    assert isinstance(server, ServerUnderTest)
    return server


def order(store: LocalStore, pon: str) -> PortOrderRow:
    return next(o for o in store.orders() if o.pon == pon)


def foc(days: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(
        hour=16, minute=30, second=0, microsecond=0)


async def test_an_order_moved_in_one_cache_reaches_the_other_with_its_numbers(
    server: ServerUnderTest, tmp_path: Path
) -> None:
    ipm = cache(tmp_path, server, "ipm", Role.IPM)
    engineer = cache(tmp_path, server, "engineer", Role.ENGINEER)
    await sync(ipm, server, "ipm")
    await sync(engineer, server, "engineer")
    order_id = order(ipm, "RVP-PO-1008").id

    outcome = ipm.move_order(order_id, OrderState.FOC_CONFIRMED,
                             confirmed_foc=foc(20).isoformat())
    assert len(outcome.applied) == 11 and ipm.outbox_count() == 11
    await sync(ipm, server, "ipm")
    assert ipm.outbox_count() == 0 and ipm.problems() == []

    await sync(engineer, server, "engineer")
    seen = order(engineer, "RVP-PO-1008")
    assert seen.status is OrderState.FOC_CONFIRMED and seen.confirmed_foc == foc(20)
    assert [(h["by"], h["new"]) for h in seen.foc_history] == [("ipm", encode_time(foc(20)))]
    assert engineer.counts_by_order()[order_id] == {PortState.FOC_CONFIRMED: 10}

    # and back: the IPM's tablet creates an order, the laptop sees and edits it
    tablet = cache(tmp_path, server, "tablet", Role.IPM)
    await sync(tablet, server, "ipm")
    created = tablet.create_record(EntityKind.PORT_ORDER, pon="RVP-PO-1009",
                                   carrier="AT&T", btn="303-555-0150", pin="1204")
    await sync(tablet, server, "ipm")
    await sync(ipm, server, "ipm")
    assert order(ipm, "RVP-PO-1009").btn == "+13035550150"
    ipm.update_record(EntityKind.PORT_ORDER, created["id"], authorised_name="Dana Whitfield")
    await sync(ipm, server, "ipm")
    await sync(tablet, server, "ipm")
    assert order(tablet, "RVP-PO-1009").authorised_name == "Dana Whitfield"
    for store in (ipm, engineer, tablet):
        store.close()


async def test_two_laptops_confirming_one_foc_offline_end_with_one_confirmation(
    server: ServerUnderTest, tmp_path: Path
) -> None:
    first = cache(tmp_path, server, "first", Role.IPM)
    second = cache(tmp_path, server, "second", Role.IPM)
    await sync(first, server, "ipm")
    await sync(second, server, "ipm")
    order_id = order(first, "RVP-PO-1008").id

    first.move_order(order_id, OrderState.FOC_CONFIRMED, confirmed_foc=foc(20).isoformat())
    second.move_order(order_id, OrderState.FOC_CONFIRMED, confirmed_foc=foc(21).isoformat())
    await sync(first, server, "ipm")
    await sync(second, server, "ipm")

    # on the server the second confirmation moves a confirmed FOC without a reason: refused,
    # and the second cache shows the server's FOC and keeps the refusal as a problem
    await sync(second, server, "ipm")
    for store in (first, second):
        seen = order(store, "RVP-PO-1008")
        assert seen.confirmed_foc == foc(20)
        assert len(seen.foc_history) == 1
    assert any("needs the reason the carrier gave" in p.message for p in second.problems())
    for store in (first, second):
        store.close()


async def test_the_gate_one_cache_clears_and_the_thresholds_it_sets_reach_the_other(
    server: Any, tmp_path: Path
) -> None:
    """The IPM clears the New York wave's E911 blockers and raises the project's lowest MOS
    in her cache; the engineer's cache, after a sync, weighs the same evidence the same way.
    (The order's FOC is the demo day's, behind the server's clock: test_demo_story confirms
    it on a frozen one.)"""
    from golive_tui.domain.enums import E911Status, GateRule, VerificationResult

    ipm = cache(tmp_path, server, "ipm", Role.IPM)
    engineer = cache(tmp_path, server, "engineer", Role.ENGINEER)
    await sync(ipm, server, "ipm")
    await sync(engineer, server, "engineer")
    wave = next(c for c in ipm.cutovers() if c.name == "Wave 3 – New York")
    before = [c.name for c in engineer.gate(wave.id).unmet]
    assert before == ["Port order RVP-PO-1008", "Location NYC Floor 2", "933 NYC Floor 2",
                      "Customer co-sign"]

    floor = next(loc for loc in ipm.emergency_locations()
                 if loc.name.startswith("Floor 2") and loc.site_id == wave.site_ids[0])
    ipm.update_record(EntityKind.EMERGENCY_LOCATION, floor.id, status=E911Status.VERIFIED.value)
    ipm.log_verification("E911-01", "NYC", VerificationResult.PASS, site_id=floor.site_id,
                         emergency_location_id=floor.id, note="933 from Floor 2 ok")
    await sync(ipm, server, "ipm")
    assert ipm.outbox_count() == 0 and ipm.problems() == []
    await sync(engineer, server, "engineer")
    assert [c.name for c in engineer.gate(wave.id).unmet] == [
        "Port order RVP-PO-1008", "Customer co-sign"]

    # New York's retest measured MOS 4.2: a project that asks for 4.25 is not ready there
    project = ipm.project()
    assert project is not None
    ipm.update_record(EntityKind.PROJECT, project.id, network_thresholds={"min_mos": 4.25})
    await sync(ipm, server, "ipm")
    assert ipm.problems() == []
    await sync(engineer, server, "engineer")
    unmet = engineer.gate(wave.id).unmet
    assert [c.rule for c in unmet] == [
        GateRule.PORT_ORDERS, GateRule.NETWORK, GateRule.CUSTOMER_COSIGN]
    assert "MOS 4.2 below 4.25" in unmet[1].detail
    for store in (ipm, engineer):
        store.close()
