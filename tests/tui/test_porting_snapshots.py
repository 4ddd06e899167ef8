"""What the porting tracker looks like at 80x24 (SSH) and 160x48."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from golive_tui.tui.app import GoLiveApp

from .conftest import wait_ready, wait_still


async def _open_porting(pilot: Any) -> None:
    await wait_ready(pilot)
    await pilot.press("3")
    await wait_ready(pilot)
    await wait_still(pilot)


async def _open_orders(pilot: Any) -> None:
    await _open_porting(pilot)
    await pilot.press("o")
    await wait_ready(pilot)
    await wait_still(pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_porting_numbers_view(
    snap_compare: Any, make_app: Callable[..., GoLiveApp], size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_open_porting)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_porting_orders_view(
    snap_compare: Any, make_app: Callable[..., GoLiveApp], size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_open_orders)
