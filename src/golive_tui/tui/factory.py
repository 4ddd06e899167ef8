"""One factory builds the app for the CLI and for the tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from golive_tui.domain.enums import Role
from golive_tui.tui.collector import reading_modules

with reading_modules():
    # Textual and the first screen: what they make lives as long as the process, and
    # collections while it is made would walk it again and again (tui/collector.py)
    from golive_tui.tui.app import GoLiveApp, OpenProject, StartSync

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore


def open_demo_cache(
    path: Path, *, actor: str = "demo", role: Role = Role.IPM, demo_day: date | None = None,
    now: datetime | None = None, clock: Callable[[], datetime] | None = None,
) -> LocalStore:
    """A cache holding the demo go-live, loaded from fixtures/ the first time; its changes
    are made at ``clock``'s time (the app's)."""
    from golive_tui.seed import load_demo
    from golive_tui.store.local import LocalStore

    store = LocalStore(path, actor=actor, role=role, clock=clock)
    if not store.project_id:
        store.write_document(load_demo(demo_day=demo_day, now=now))
    return store


def create_app(
    open_store: Callable[[], LocalStore],
    *,
    start_sync: StartSync | None = None,
    keymap: dict[str, str] | None = None,
    theme: str | None = None,
    clock: Callable[[], datetime] | None = None,
    open_project: OpenProject | None = None,
) -> GoLiveApp:
    return GoLiveApp(open_store, start_sync=start_sync, keymap=keymap, theme=theme, clock=clock,
                     open_project=open_project)


def create_demo_app(
    cache_path: Path, *, demo_day: date | None = None, actor: str = "demo",
    role: Role = Role.IPM, theme: str | None = None,
    clock: Callable[[], datetime] | None = None, changes_on_clock: bool = False,
) -> GoLiveApp:
    """The app on a local demo cache, with no server: what the Pilot tests drive. With
    ``changes_on_clock`` the cache makes its changes at ``clock``'s time too (a clock that
    moves: changes made on a stopped one would all share one time)."""
    return create_app(
        lambda: open_demo_cache(cache_path, actor=actor, role=role, demo_day=demo_day,
                                now=clock() if clock is not None else None,
                                clock=clock if changes_on_clock else None),
        theme=theme,
        clock=clock,
    )
