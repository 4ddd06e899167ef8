"""``golive demo``: the demo go-live, on an embedded server unless asked to stay offline."""

from __future__ import annotations

from pathlib import Path

from golive_tui.domain.enums import Role
from golive_tui.tui.factory import create_demo_app


def run_demo(
    workdir: Path, *, offline: bool = False, theme: str | None = None, role: Role = Role.IPM
) -> int:
    """The demo signed in as its IPM, or (``role``) as its customer main contact."""
    from golive_tui.app.launch import DEMO_MEMBERS, log_to, run_app, run_embedded_demo

    log_to(workdir)
    if offline:
        # one cache, no server: the member's role is the one its rules check
        return run_app(create_demo_app(workdir / "cache.db", theme=theme,
                                       actor=DEMO_MEMBERS[role][0], role=role))
    return run_embedded_demo(workdir, theme=theme, role=role)
