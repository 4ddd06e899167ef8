"""CPU time to type and to paste 10,000 characters into each kind of text field golive has.

Budget (ARCHITECTURE.md §4 / issue 12): under 1 s of CPU (``time.process_time``, the whole
process: app, workers and the key delivery) for each field, typed and pasted.

- **typed:** 10,000 characters as the bytes a terminal sends, in reads of 1,024 (a paste
  without bracketed paste, or a typist ahead of the app), each read parsed and posted as
  golive's terminal driver does it (``TerminalDriver.run_input_thread``: Textual's input
  parser, then the printable keys of the read as one run, ``tui/key_runs.py``); each read
  is waited for until the field holds it, and the field must then hold exactly what was
  typed.
- **pasted:** one bracketed paste of 10,000 characters through the driver.
- **floor:** the same reads parsed and posted as Textual's own Linux driver does (a
  message a key), to a minimal Textual app whose focused widget takes each key and stops
  it, as a text field stops a character: what Textual spends reading and routing a key.

No Pilot key presses are used: ``Pilot.press`` waits for the app to be idle after every
key, which a terminal does not. What is not counted is turning frames into terminal bytes,
which a headless app skips (a frame for each read, not for each key).

    python bench/text_entry.py [--json] [--chars 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import golive_tui  # noqa: F401
except ImportError:  # run from a checkout without PYTHONPATH=src
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from textual import events
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Input, TextArea

from golive_tui.tui.key_runs import with_runs
from golive_tui.tui.textual_adapter import input_parser
from tui_bench import build_cache

RUN = 1024  # keys per terminal read


def _keys_text(count: int) -> str:
    return "".join("abcdefghij klmnopqrstuvwxyz"[index % 27] for index in range(count))


def textual_read(app: App[Any], text: str) -> None:
    """One read of the terminal as Textual's Linux driver handles it: each key the parser
    makes is a message of its own (``LinuxDriver.run_input_thread``)."""
    driver = app._driver
    assert driver is not None
    for event in input_parser(driver).feed(text):
        driver.process_message(event)


def golive_read(app: App[Any], text: str) -> None:
    """One read of the terminal as golive's driver handles it (``TerminalDriver
    .run_input_thread``): the printable keys of the read go as one run."""
    driver = app._driver
    assert driver is not None
    for message in with_runs(input_parser(driver).feed(text)):
        driver.process_message(message)


def _send_paste(app: App[Any], text: str) -> None:
    driver = app._driver
    assert driver is not None
    paste = events.Paste(text)
    paste.set_sender(app)
    driver.send_message(paste)


async def _until(condition: Callable[[], bool], bound: float = 120.0) -> None:
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the field did not receive the characters")
        await asyncio.sleep(0.002)


def _length(field: Widget) -> int:
    if isinstance(field, TextArea):
        return len(field.text)
    assert isinstance(field, Input)
    return len(field.value)


def _value(field: Widget) -> str:
    if isinstance(field, TextArea):
        return field.text
    assert isinstance(field, Input)
    return field.value


def _clear(field: Widget) -> None:
    if isinstance(field, TextArea):
        field.clear()
    else:
        assert isinstance(field, Input)
        field.value = ""


def _reached(landed: Callable[[], int], count: int) -> Callable[[], bool]:
    """Whether ``count`` keys have landed."""
    return lambda: landed() >= count


async def _type(app: App[Any], chars: int, landed: Callable[[], int],
                read: Callable[[App[Any], str], None] = golive_read) -> None:
    """Send ``chars`` keys in terminal reads, each read waited for until it has landed."""
    text = _keys_text(chars)
    sent = 0
    while sent < chars:
        run = min(RUN, chars - sent)
        read(app, text[sent:sent + run])
        sent += run
        await _until(_reached(landed, sent))


async def _measure(app: App[Any], field: Widget, chars: int) -> dict[str, float]:
    """CPU seconds to type ``chars`` keys into ``field``, then to paste as many."""
    assert app.focused is field, f"{field!r} is not focused"
    _clear(field)
    await _until(lambda: _length(field) == 0)
    start = time.process_time()
    await _type(app, chars, lambda: _length(field))
    typed = time.process_time() - start
    assert _value(field) == _keys_text(chars), "the field does not hold the keys typed"
    _clear(field)
    await _until(lambda: _length(field) == 0)
    start = time.process_time()
    _send_paste(app, "x" * chars)
    await _until(lambda: _length(field) >= chars)
    pasted = time.process_time() - start
    assert _length(field) == chars
    _clear(field)
    await _until(lambda: _length(field) == 0)
    return {"typed": typed, "pasted": pasted}


class _Sink(Widget, can_focus=True):
    """A focused widget that takes keys and does nothing with them: it stops each, as a
    text field stops a character it inserts (a key let go bubbles to the screen and the
    app, each looking up its bindings: about a third more)."""

    def __init__(self) -> None:
        super().__init__()
        self.keys = 0

    def on_key(self, event: events.Key) -> None:
        self.keys += 1
        event.stop()


class _Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield _Sink()


async def bench_floor(chars: int) -> float:
    app = _Minimal()
    async with app.run_test(size=(120, 40)) as pilot:
        sink = app.query_one(_Sink)
        sink.focus()
        await pilot.pause()
        start = time.process_time()
        await _type(app, chars, lambda: sink.keys, textual_read)
        return time.process_time() - start


async def bench_fields(cache: Path, chars: int) -> dict[str, dict[str, float]]:
    from golive_tui.store.local import LocalStore
    from golive_tui.tui.factory import create_app
    from golive_tui.tui.widgets.forms import NewIssueForm
    from golive_tui.tui.widgets.reason_dialog import ReasonDialog

    app = create_app(lambda: LocalStore(cache, actor="bench"))
    results: dict[str, dict[str, float]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await app.store_ready.wait()
        await app.workers.wait_for_complete()
        # the porting tracker's search box: every change filters the numbers
        await pilot.press("3")
        await _until(lambda: bool(app.screen.query("#porting-search")))
        await pilot.press("slash")
        search = app.screen.query_one("#porting-search")
        await _until(lambda: app.focused is search)
        results["search box"] = await _measure(app, search, chars)
        # the reason dialog: go / no-go, a skipped item, a hold, a rejection all ask in it
        app.push_screen(ReasonDialog("Why?", body="The reason is recorded."))
        await _until(lambda: isinstance(app.screen, ReasonDialog) and app.focused is not None)
        results["reason dialog"] = await _measure(app, app.screen.query_one("#reason-input"),
                                                  chars)
        app.pop_screen()
        # the new-issue form: its title, then its details (a TextArea)
        app.push_screen(NewIssueForm([]))
        await _until(lambda: isinstance(app.screen, NewIssueForm) and app.focused is not None)
        results["issue title"] = await _measure(app, app.screen.query_one("#issue-title"), chars)
        details = app.screen.query_one("#issue-description")
        details.focus()
        await _until(lambda: app.focused is details)
        results["issue details"] = await _measure(app, details, chars)
        app.pop_screen()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--chars", type=int, default=10_000)
    parser.add_argument("--numbers", type=int, default=10_000, help="numbers in the project")
    args = parser.parse_args()
    cache = build_cache(args.numbers)
    fields = asyncio.run(bench_fields(cache, args.chars))
    floor = asyncio.run(bench_floor(args.chars))
    worst = max(max(f.values()) for f in fields.values())
    if args.json:
        figures: dict[str, float] = {"text_floor_keys_s": round(floor, 3),
                                     "text_worst_cpu_s": round(worst, 3)}
        for name, f in fields.items():
            slug = name.replace(" ", "_")
            figures[f"text_{slug}_typed_s"] = round(f["typed"], 3)
            figures[f"text_{slug}_pasted_s"] = round(f["pasted"], 3)
        print(json.dumps(figures))
        return 0
    print(f"CPU seconds for {args.chars:,} characters (budget < 1 s each)")
    print(f"  {'field':<16} {'typed':>7} {'pasted':>7}")
    for name, f in fields.items():
        print(f"  {name:<16} {f['typed']:7.3f} {f['pasted']:7.3f}")
    print(f"  floor: a minimal Textual app routes {args.chars:,} keys in {floor:.3f} s")
    print(f"  worst {worst:.3f} s: {'ok' if worst < 1 else 'OVER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
