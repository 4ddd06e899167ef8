"""``golive demo``: the demo go-live, on an embedded server unless asked to stay offline."""

from __future__ import annotations

from pathlib import Path

from golive_tui.tui.factory import create_demo_app


def run_demo(workdir: Path, *, offline: bool = False, theme: str | None = None) -> int:
    from golive_tui.app.launch import log_to, run_app, run_embedded_demo

    log_to(workdir)
    if offline:
        return run_app(create_demo_app(workdir / "cache.db", theme=theme))
    return run_embedded_demo(workdir, theme=theme)
