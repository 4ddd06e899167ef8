"""Textual's private members that golive relies on are all in textual_adapter, and are
still there, in the shape golive expects, in the installed Textual.

When one of these fails after an upgrade of Textual, the message names the member and
what uses it: re-check that use against the new Textual (its source), then update the
adapter and ``private_api()``; the snapshots and the benchmarks say whether it still works.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import inspect
from pathlib import Path
from typing import Any

import pytest
import textual
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from golive_tui.tui import textual_adapter
from golive_tui.tui.textual_adapter import COPIED_INPUT_LOOP, PrivateName, private_api
from tests.conftest import WALKS_THE_HEAP

#: the adapter is a package: its __init__ and the quick table, read with the first table
ADAPTER = Path(textual_adapter.__file__).resolve().parent
SRC = ADAPTER.parents[1]
#: the source of Textual's input loop that TerminalDriver.run_input_thread copies (8.2.8)
INPUT_LOOP_SHA256 = "d796af6d69db337d6fa6bd463984f7d17188d991dbb22f60efb92a8a9619507c"


def _recheck(entry: PrivateName, problem: str) -> str:
    return (
        f"Textual {textual.__version__}: {entry.owner.__qualname__}.{entry.name} {problem}. "
        f"Re-check {entry.use} (golive_tui/tui/textual_adapter/)."
    )


class _Holder(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def _instances() -> dict[type[Any], Any]:
    """A live instance of each class whose instance attributes are relied on."""
    from textual.driver import Driver
    from textual.drivers.linux_driver import LinuxDriver
    from textual.widget import AwaitMount

    app = _Holder()
    async with app.run_test() as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        driver = LinuxDriver(app)
        return {type(app): app, type(app.screen): app.screen, DataTable: table,
                LinuxDriver: driver, Driver: driver, App: app,
                AwaitMount: AwaitMount(app.screen, [table])}


@pytest.mark.parametrize("entry", private_api(), ids=lambda e: f"{e.owner.__name__}.{e.name}")
async def test_each_private_member_relied_on_is_there_in_its_shape(entry: PrivateName) -> None:
    member = inspect.getattr_static(entry.owner, entry.name, None)
    if entry.parameters is not None:
        assert callable(member), _recheck(entry, "is no longer a method")
        parameters = tuple(inspect.signature(member).parameters)[1:]
        assert parameters == entry.parameters, _recheck(
            entry, f"now takes {parameters}, not {entry.parameters}")
        return
    if member is not None:
        assert not callable(member), _recheck(entry, "is now a method")
        return
    # set by the constructor: look on a live instance
    instances = await _instances()
    instance = next(
        (value for kind, value in instances.items() if issubclass(kind, entry.owner)), None
    )
    assert instance is not None, f"no instance of {entry.owner} to look {entry.name} up on"
    assert hasattr(instance, entry.name), _recheck(entry, "is gone")
    assert not callable(getattr(instance, entry.name)), _recheck(entry, "is now a method")


def test_the_copied_input_loop_is_textual_s_as_it_was_copied() -> None:
    owner, name = COPIED_INPUT_LOOP
    source = inspect.getsource(getattr(owner, name))
    assert hashlib.sha256(source.encode()).hexdigest() == INPUT_LOOP_SHA256, (
        f"Textual {textual.__version__} changed {owner.__qualname__}.{name}. "
        "TerminalDriver.run_input_thread (golive_tui/tui/terminal.py) is a copy of it that "
        "stops when the terminal goes: bring the changes over, then record the new hash here."
    )


def _private_uses(path: Path, names: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names:
            found.append(f"{path.relative_to(SRC.parent)}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual._"):
            found.append(f"{path.relative_to(SRC.parent)}:{node.lineno} {node.module}")
    return found


@WALKS_THE_HEAP  # parses every module of golive: collections of the heap on the way
def test_no_module_but_the_adapter_touches_textual_s_private_members() -> None:
    names = {entry.name for entry in private_api() if entry.name.startswith("_")}
    names.discard("__init__")
    found = [
        use
        for path in sorted(SRC.rglob("*.py"))
        if ADAPTER not in path.parents
        for use in _private_uses(path, names)
    ]
    assert found == [], (
        "Textual's private members are used outside golive_tui/tui/textual_adapter/; "
        "move each use there, listed in private_api():\n" + "\n".join(found)
    )


def test_the_scan_sees_a_private_use() -> None:
    names = {entry.name for entry in private_api()}
    assert any("._render_cell" in use for use in _private_uses(ADAPTER / "quick_table.py", names))


def _cyclic_garbage(make: Any) -> list[Any]:
    """What ``make()`` leaves for a garbage collection to find (cycles), not freed at once."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        make()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
    return found


@WALKS_THE_HEAP
def test_textual_s_render_caches_leave_no_cycles_once_the_app_has_made_them_so() -> None:
    from rich.segment import Segment
    from textual.cache import LRUCache
    from textual.strip import Strip

    def cleared() -> None:
        cache: LRUCache[int, Strip] = LRUCache(8)
        for key in range(12):
            cache[key] = Strip([Segment(f"line {key}")])
        cache.clear()

    def divided() -> None:
        strip = Strip([Segment("one line")])
        assert [s.text for s in strip.divide([strip.cell_length])] == ["one line"]
        assert [s.text for s in strip.divide([3, strip.cell_length])] == ["one", " line"]

    textual_adapter.drop_caches_without_cycles()
    assert _cyclic_garbage(cleared) == []
    assert _cyclic_garbage(divided) == []


def test_the_end_of_a_mount_is_known_by_its_code() -> None:
    """``mount_already_placed`` knows the end of a mount by the coroutine with which
    ``AwaitMount`` asks the parent for a layout; without it every such layout is done."""
    from textual.widget import AwaitMount

    from golive_tui.tui.textual_adapter import AWAIT_MOUNT_CODE

    assert AWAIT_MOUNT_CODE is not None, (
        f"Textual {textual.__version__}: AwaitMount.__await__ no longer has its await_mount "
        "coroutine. Re-check mount_already_placed (golive_tui/tui/textual_adapter/).")
    assert "self" in AWAIT_MOUNT_CODE.co_freevars
    assert AwaitMount.__await__.__code__.co_consts.count(AWAIT_MOUNT_CODE) == 1
