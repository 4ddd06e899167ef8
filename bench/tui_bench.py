"""TUI budgets of ARCHITECTURE.md §4: start-up, the porting tracker at 100,000 numbers,
bulk transition of 10,000 numbers, and memory.

    python bench/tui_bench.py            # human summary
    python bench/tui_bench.py --json     # one JSON object

Start-up is measured against a minimal Textual app in the same run (both headless, in
fresh processes, to their first painted frame); the ratio is the budgeted figure.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MINIMAL_APP = """
import time, sys
t0 = time.perf_counter()
from textual.app import App
from textual.widgets import Footer, Static
class Minimal(App):
    def compose(self):
        yield Static("hello")
        yield Footer()
    def on_mount(self):
        self.call_after_refresh(self.done)
    def done(self):
        print(time.perf_counter() - t0)
        self.exit()
Minimal().run(headless=True, size=(80, 24))
"""

GOLIVE_APP = """
import time, sys
t0 = time.perf_counter()
from pathlib import Path
from golive_tui.tui.factory import create_demo_app
app = create_demo_app(Path(sys.argv[1]))
def done():
    print(time.perf_counter() - t0)
    app.exit()
app.call_after_refresh = app.call_after_refresh  # the real app, untouched
async def first_paint():
    app.screen.call_after_refresh(done)
app.call_later(first_paint)
app.run(headless=True, size=(80, 24))
"""


def _startup(code: str, *args: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
        timeout=120,
    ).stdout
    return float(out.strip().splitlines()[-1])


def bench_startup(runs: int) -> dict[str, float]:
    # An installed golive starts from compiled bytecode, as Textual does here (pip compiled
    # it). A checkout installed in editable mode compiles golive's own modules on every
    # start when PYTHONDONTWRITEBYTECODE is set, which would be measured as start-up; so
    # compile them first, as installing a wheel does.
    import golive_tui

    compileall.compile_dir(Path(golive_tui.__file__).parent, quiet=1)
    workdir = Path(tempfile.mkdtemp(prefix="golive-bench-"))
    cache = str(workdir / "cache.db")
    # warm the demo cache once so start-up measures the app, not the first fixture load
    _startup(GOLIVE_APP, cache)
    # The two apps take turns, so that a machine which speeds up or slows down during the
    # run (a shared one does) weighs on both alike; the ratio is of the medians.
    minimal: list[float] = []
    golive: list[float] = []
    for _ in range(runs):
        minimal.append(_startup(MINIMAL_APP))
        golive.append(_startup(GOLIVE_APP, cache))
    minimal_s, golive_s = statistics.median(minimal), statistics.median(golive)
    return {"startup_minimal_s": minimal_s, "startup_golive_s": golive_s,
            "startup_ratio": golive_s / minimal_s}


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class FrameClock:
    """When the app put each frame out, and what a frame costs to turn into bytes.

    Wraps ``App._display``, which every screen update goes through. Headless, Textual skips
    turning the update into terminal bytes; the clock does that work (and drops the bytes)
    so that a frame costs here what it costs on a terminal.
    """

    def __init__(self, app: Any) -> None:
        from textual._compositor import CompositorUpdate

        self.frames: list[float] = []
        self.cpu: list[float] = []  # the process's CPU time at each frame
        display = app._display

        def timed(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None:
                return
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)
            self.frames.append(time.perf_counter())
            self.cpu.append(time.process_time())

        app._display = timed

    def since(self, start: float) -> float:
        """Seconds from ``start`` to the last frame after it (nan if none came)."""
        after = [t for t in self.frames if t >= start]
        return after[-1] - start if after else float("nan")

    def cpu_since(self, start: float, cpu_start: float) -> float:
        """CPU seconds the process spent from ``start`` to the last frame after it."""
        after = [c for t, c in zip(self.frames, self.cpu, strict=True) if t >= start]
        return after[-1] - cpu_start if after else float("nan")


class GcClock:
    """Every garbage collection during a run: its generation and how long it took."""

    def __init__(self) -> None:
        self.collections: list[tuple[int, float]] = []
        self.full_at: list[float] = []  # when each full collection began (perf_counter)
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        # CPU time: on a shared machine a collection's wall time is mostly waiting
        if phase == "start":
            self._began = time.process_time()
            if info["generation"] == 2:
                self.full_at.append(time.perf_counter())
        else:
            self.collections.append((info["generation"], time.process_time() - self._began))

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)

    def full_between(self, start: float, end: float) -> int:
        return sum(1 for t in self.full_at if start <= t <= end)

    def summary(self) -> dict[str, float]:
        figures: dict[str, float] = {}
        for generation in (0, 1, 2):
            times = [t for g, t in self.collections if g == generation]
            figures[f"gc{generation}_count"] = float(len(times))
            figures[f"gc{generation}_cpu_max_ms"] = max(times, default=0.0) * 1000
        return figures


def _tail(name: str, samples: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / max of ``samples`` (seconds) in ms, as ``name_p50_ms`` and so on."""
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    return {f"{name}_p50_ms": statistics.median(ordered) * 1000,
            f"{name}_p95_ms": rank(95) * 1000, f"{name}_p99_ms": rank(99) * 1000,
            f"{name}_max_ms": ordered[-1] * 1000}


async def bench_tracker(
    cache: Path, repeats: int, keys: int, numbers: int = 100_000
) -> dict[str, float]:
    """Key to repainted screen, timed by the frames the app puts out: ``repeats`` opens of
    the tracker, then ``keys`` filter keystrokes and ``keys`` page-downs, with every garbage
    collection among those keys counted and timed.

    Each action is one real key through the driver; after it the benchmark waits until
    every worker is done and the app is idle, then takes the last frame the key caused.
    Pilot's own waiting after the key therefore costs nothing in the figures.
    """
    from textual.worker import WorkerCancelled

    from golive_tui.store.local import LocalStore
    from golive_tui.tui.factory import create_app
    from golive_tui.tui.screens.porting import PortingScreen

    app = create_app(lambda: LocalStore(cache, actor="bench"))
    clock = FrameClock(app)
    collections = GcClock()
    opens: list[float] = []
    filters: list[float] = []
    pages: list[float] = []
    filters_cpu: list[float] = []
    pages_cpu: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.store_ready.wait()
        await app.workers.wait_for_complete()

        async def settle() -> None:
            for _ in range(10):
                try:
                    await app.workers.wait_for_complete()
                except WorkerCancelled:
                    continue
                if not any(worker.is_running for worker in app.workers):
                    break
            await pilot.pause()
            await asyncio.sleep(0.05)  # a frame scheduled by the last message lands
            await pilot.pause()

        full_in_keys = [0]

        async def timed(key: str, cpu: list[float] | None = None) -> float:
            await settle()
            start, cpu_start = time.perf_counter(), time.process_time()
            await pilot.press(key)
            await settle()
            if cpu is not None:
                cpu.append(clock.cpu_since(start, cpu_start))
                full_in_keys[0] += collections.full_between(start, start + clock.since(start))
            return clock.since(start)

        for _ in range(repeats):
            await pilot.press("1")
            await settle()
            opens.append(await timed("3"))
        screen = app.screen
        assert isinstance(screen, PortingScreen)
        assert screen.page is not None and screen.page.total >= numbers
        await pilot.press("slash")  # focus the search box, as a user does
        await settle()
        assert app.focused is screen.query_one("#porting-search")
        with collections:
            typed = 0
            while len(filters) < keys:
                # four digits, then taken back: a different number each time, so that the
                # count of what matches is not one the tracker kept from an earlier key
                # (it keeps them per filter until numbers change), as for a user typing
                digits = f"{(2015 + 7919 * typed) % 10000:04d}"
                typed += 1
                for key in (*digits, "backspace", "backspace", "backspace", "backspace"):
                    filters.append(await timed(key, filters_cpu))
            assert screen.page.total >= numbers  # the filter is empty again
            screen.query_one("#numbers").focus()
            while len(pages) < keys:
                pages.append(await timed("pagedown", pages_cpu))
    return {
        "open_ms": statistics.median(opens) * 1000,
        "filter_ms": statistics.median(filters) * 1000,
        "page_ms": statistics.median(pages) * 1000,
        **_tail("filter", filters),
        **_tail("page", pages),
        **_tail("filter_cpu", filters_cpu),
        **_tail("page_cpu", pages_cpu),
        **collections.summary(),
        "gc2_in_keys": float(full_in_keys[0]),
    }


def bench_bulk(cache: Path) -> dict[str, float]:
    """The bulk move of 10,000 FOC-confirmed numbers to ported, wall and CPU time, beside the
    floor of the same run: plain sqlite3 writing the same rows on a copy of the cache."""
    from golive_tui.domain.enums import PortState
    from golive_tui.store.local import LocalStore
    from golive_tui.store.queries import NumberQuery

    floor_dir = Path(tempfile.mkdtemp(prefix="golive-bench-floor-"))
    for suffix in ("", "-wal"):
        if Path(f"{cache}{suffix}").exists():
            shutil.copy(f"{cache}{suffix}", floor_dir / f"cache.db{suffix}")
    store = LocalStore(cache, actor="bench")
    query = NumberQuery(project_id=store.project_id, states=frozenset({PortState.FOC_CONFIRMED}))
    ids = store.number_ids(query)[:10_000]
    assert len(ids) == 10_000, f"the generated project has only {len(ids)} FOC-confirmed numbers"
    start, cpu = time.perf_counter(), time.process_time()
    outcome = store.transition_numbers(ids, PortState.PORTED)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert len(outcome.applied) == 10_000 and store.outbox_count() >= 10_000
    store.close()
    floor = _bulk_floor(floor_dir / "cache.db", ids)
    shutil.rmtree(floor_dir)
    return {"bulk_10k_s": elapsed, "bulk_cpu_s": cpu, "bulk_floor_s": floor}


def _bulk_floor(path: Path, ids: list[str]) -> float:
    """What plain sqlite3 needs to write a bulk move's rows: each number's state, time,
    author and pending count updated by id, an outbox row and a shadow row (the record as
    JSON) each, in one transaction committed with synchronous=FULL, the log's copy into the
    file left for later as the cache's own write does. Reading the rows is not counted."""
    import sqlite3
    import uuid

    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "cache_size = -32000",
                   "wal_autocheckpoint = 0"):
        conn.execute(f"PRAGMA {pragma}")
    rows: list[dict[str, Any]] = []
    for at in range(0, len(ids), 500):
        part = ids[at : at + 500]
        cursor = conn.execute(
            f"SELECT * FROM number WHERE id IN ({','.join('?' * len(part))})", part)
        names = [column[0] for column in cursor.description]
        rows += [dict(zip(names, values, strict=True)) for values in cursor]
    seq = conn.execute("SELECT coalesce(max(client_seq), 0) FROM outbox").fetchone()[0]
    now = "2026-12-07 12:00:00.000000"
    updates = [("ported", now, "bench", row["pending"] + 1, row["id"]) for row in rows]
    outbox = [(seq + i, str(uuid.uuid4()), row["project_id"], "number", row["id"],
               "transition", '{"to":"ported"}', row["version"], now)
              for i, row in enumerate(rows, start=1)]
    shadows = [(row["id"], "number", json.dumps({k: v for k, v in row.items() if k != "pending"}))
               for row in rows]
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("UPDATE number SET porting_state = ?, updated_at = ?, updated_by = ?, "
                     "pending = ? WHERE id = ?", updates)
    conn.executemany("INSERT INTO outbox (client_seq, op_id, project_id, entity, entity_id, "
                     "action, fields, base_version, client_time, attempts) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", outbox)
    conn.executemany("INSERT OR REPLACE INTO shadow (entity_id, entity, data) VALUES (?, ?, ?)",
                     shadows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def build_cache(numbers: int) -> Path:
    from golive_tui.seed import generate_project
    from golive_tui.store.local import LocalStore

    path = Path(tempfile.mkdtemp(prefix="golive-bench-")) / "cache.db"
    store = LocalStore(path, actor="bench")
    store.write_document(generate_project(numbers, orders=1000))
    store.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=11, help="start-up runs per app")
    parser.add_argument("--keys", type=int, default=200,
                        help="filter keystrokes, and as many page-downs")
    parser.add_argument("--skip-startup", action="store_true", help="tracker and bulk only")
    args = parser.parse_args()

    figures: dict[str, float] = {}
    if not args.skip_startup:
        figures.update(bench_startup(args.runs))
    cache = build_cache(args.numbers)
    figures.update(asyncio.run(bench_tracker(cache, repeats=5, keys=args.keys, numbers=args.numbers)))
    figures["rss_mb"] = _rss_mb()
    figures.update(bench_bulk(cache))
    if args.json:
        print(json.dumps({k: round(v, 4) for k, v in figures.items()}))
        return 0
    budget = {"startup_ratio": 1.25, "open_ms": 300, "filter_p99_ms": 100, "page_p99_ms": 50,
              "bulk_10k_s": 1.0, "rss_mb": 250}
    print(f"golive TUI benchmarks ({args.numbers:,} numbers, {os.cpu_count()} cores)")
    for name in ("filter", "page", "filter_cpu", "page_cpu"):
        print(f"  {name:<10} p50 / p95 / p99 / max  " + " / ".join(
            f"{figures[f'{name}_{p}_ms']:.1f}" for p in ("p50", "p95", "p99", "max"))
            + f" ms  ({args.keys} keys)")
    print("  collections during those keys: " + ", ".join(
        f"gen {g} × {int(figures[f'gc{g}_count'])} "
        f"(longest {figures[f'gc{g}_cpu_max_ms']:.1f} ms CPU)"
        for g in (0, 1, 2))
        + f"; full ones inside a key: {int(figures['gc2_in_keys'])}")
    print(f"  bulk move of 10,000 numbers  {figures['bulk_10k_s']:.3f} s (CPU "
          f"{figures['bulk_cpu_s']:.3f} s); floor, plain sqlite3 writing the same rows "
          f"{figures['bulk_floor_s']:.3f} s (ratio {figures['bulk_10k_s'] / figures['bulk_floor_s']:.2f})")
    if "startup_ratio" in figures:
        print(f"  minimal Textual app start-up  {figures['startup_minimal_s']:.3f} s")
        print(f"  golive start-up               {figures['startup_golive_s']:.3f} s")
    for key, limit in budget.items():
        if key not in figures:
            continue
        value = figures[key]
        verdict = "ok" if value <= limit else "OVER"
        print(f"  {key:<14} {value:10.3f}   budget {limit:<6}  {value / limit:5.2f} of budget  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
