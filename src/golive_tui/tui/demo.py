"""``golive demo``: the demo go-live, on an embedded server unless asked to stay offline."""

from __future__ import annotations

from pathlib import Path

from golive_tui.tui.factory import create_demo_app


def run_demo(workdir: Path, *, offline: bool = False, theme: str | None = None) -> int:
    if offline:
        create_demo_app(workdir / "cache.db", theme=theme).run()
        return 0
    from golive_tui.launch import run_embedded_demo

    return run_embedded_demo(workdir, theme=theme)
