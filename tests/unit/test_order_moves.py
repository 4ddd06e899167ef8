"""An order's numbers follow its move in one change: one transaction, order first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from golive_tui.domain.enums import EntityKind, OrderState, PortState
from golive_tui.domain.errors import IllegalTransition
from golive_tui.domain.port_orders import divergence
from golive_tui.seed import load_demo
from golive_tui.store.local import LocalStore
from golive_tui.store.queries import NumberQuery

DEMO_DAY = date(2026, 11, 26)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    cache = LocalStore(tmp_path / "golive.cache", actor="ipm")
    cache.write_document(load_demo(demo_day=DEMO_DAY))
    yield cache
    cache.close()


def order_of(store: LocalStore, pon: str) -> str:
    return next(o.id for o in store.orders() if o.pon == pon)


def test_an_order_and_its_numbers_move_together_order_first(store: LocalStore) -> None:
    order_id = order_of(store, "RVP-PO-1008")
    numbers = store.counts_by_order()[order_id]
    assert numbers == {PortState.SUBMITTED: 10}
    foc = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    outcome = store.move_order(order_id, OrderState.FOC_CONFIRMED, confirmed_foc=foc)
    assert len(outcome.applied) == 11 and not outcome.refused
    assert store.counts_by_order()[order_id] == {PortState.FOC_CONFIRMED: 10}
    ops = store.outbox_batch()
    assert [(op.entity, op.fields["to"]) for op in ops][:2] == [
        (EntityKind.PORT_ORDER, "foc_confirmed"), (EntityKind.NUMBER, "foc_confirmed")]
    assert len(ops) == 11


def test_a_refused_order_move_moves_none_of_its_numbers(store: LocalStore) -> None:
    order_id = order_of(store, "RVP-PO-1008")
    with pytest.raises(IllegalTransition, match="in the past"):
        store.move_order(order_id, OrderState.FOC_CONFIRMED,
                         confirmed_foc="2020-01-15T16:30:00+00:00")
    assert store.counts_by_order()[order_id] == {PortState.SUBMITTED: 10}
    assert store.outbox_count() == 0


def test_numbers_that_cannot_follow_stay_and_the_order_shows_it(store: LocalStore) -> None:
    order_id = order_of(store, "RVP-PO-1008")
    first = store.number_ids(NumberQuery(store.project_id, order_id=order_id))[0]
    store.transition_number(first, PortState.NOT_PORTABLE)
    foc = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    outcome = store.move_order(order_id, OrderState.FOC_CONFIRMED, confirmed_foc=foc)
    assert len(outcome.applied) == 10
    counts = store.counts_by_order()[order_id]
    assert counts == {PortState.FOC_CONFIRMED: 9, PortState.NOT_PORTABLE: 1}
    assert divergence(OrderState.FOC_CONFIRMED, counts) == "9 of 10 foc confirmed"
