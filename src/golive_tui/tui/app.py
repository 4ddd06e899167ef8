"""The golive app: a mode per job, one shared cache, changes that never block the screen."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol, TypeVar

from textual import events, on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import Notification, Notify, SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from golive_tui.domain.enums import EntityKind, Role
from golive_tui.resources import styles_dir
from golive_tui.tui.collector import IdleCollector
from golive_tui.tui.commands import GoLiveCommands
from golive_tui.tui.focus_keys import move_focus_now
from golive_tui.tui.key_order import KeyOrder
from golive_tui.tui.key_runs import TypedRun
from golive_tui.tui.messages import DataChanged, StoreReady, SyncStatusChanged
from golive_tui.tui.screens.dashboard import DashboardScreen
from golive_tui.tui.terminal import (
    EXIT_TERMINAL_LOST,
    TerminalDriver,
    TerminalLost,
    served_in_browser,
)
from golive_tui.tui.textual_adapter import drop_caches_without_cycles, start_colour_filter
from golive_tui.tui.themes import THEMES, theme_names

if TYPE_CHECKING:
    from golive_tui.store.intents import Command
    from golive_tui.store.local import LocalStore

R = TypeVar("R")


class SyncDriver(Protocol):
    """What the app holds of whatever keeps its cache in sync with a server
    (:class:`golive_tui.sync.engine.SyncEngine`)."""

    def kick(self) -> None:
        """A local change was made: send it now."""
        ...

    async def refresh_status(self) -> Any:
        """Count the queue and the problems again, and report the status."""
        ...

    async def portfolio(self) -> Any:
        """Every project of this user on the server (a domain.portfolio.Portfolio)."""
        ...

    async def close(self) -> None:
        """Stop syncing for good (what is queued stays in the cache's outbox)."""
        ...


#: what the app calls once its cache is open, to start syncing it
StartSync = Callable[["GoLiveApp", "LocalStore"], SyncDriver]
#: how the app opens another project of the user (its id, the user's role in it): the
#: project's cache and how to sync it (:class:`golive_tui.tui.connected.Connection`)
OpenProject = Callable[[str, Role], tuple[Callable[[], "LocalStore"], StartSync]]
#: the blank mode shown for the moment a switch of project makes every screen anew
SWITCHING_MODE = "switching"
#: the workers that use the open cache: a switch of project waits for them to end
CACHE_WORKERS = frozenset({"open", "change", "status", "load", "recount"})


def _lazy_screen(module: str, name: str) -> Callable[[], Screen[Any]]:
    """A mode's screen, imported the first time the mode opens: start-up pays only for
    the dashboard."""

    def make() -> Screen[Any]:
        screen_class: type[Screen[Any]] = getattr(import_module(module), name)
        return screen_class()

    return make


@cache
def _freeze_imports() -> None:
    """Leave what the process holds when the first app is made out of every garbage
    collection from then on.

    That is above all what it imported: the modules, classes and functions of Textual, Rich
    and golive, which live as long as the process, yet each full collection walks all of
    them. One landed in the middle of the first paint (about 20 ms), and later ones land in
    the middle of keystrokes. Done once, by the first app, so that a process running many
    apps (the tests) does not also freeze what earlier ones left behind. From then on the
    full collections of what is left run between keys (:mod:`golive_tui.tui.collector`),
    and Textual's render caches leave no cycles for them to find.
    """
    drop_caches_without_cycles()
    gc.freeze()
    IdleCollector.install()


#: the titles of notices that say a change was refused (taken down once one goes through)
REFUSAL_TITLES = frozenset({"Refused", "Not logged"})


MODE_TITLES: dict[str, str] = {
    "dashboard": "Dashboard",
    "checklist": "Checklist",
    "porting": "Porting",
    "verification": "Verification",
    "issues": "Issues",
    "lifecycle": "Lifecycle",
    "sites": "Sites",
    "runbook": "Runbook",
    "closure": "Hypercare & closure",
}


class LocalStatus(NamedTuple):
    """Status when no server is configured: changes stay in the cache's outbox."""

    state: str = "local"
    queued: int = 0
    last_sync: datetime | None = None
    conflicts: int = 0
    last_error: str | None = None


class GoLiveApp(App[None]):
    """The go-live command center."""

    TITLE = "golive"
    #: shared styles; each screen loads its own file when it first opens
    # the dashboard is the first screen: its styles are parsed with the app's, in one pass,
    # not re-parsed with everything else when its mode starts (other screens bring their own)
    CSS_PATH = [str(styles_dir() / "golive.tcss"), str(styles_dir() / "dashboard.tcss")]
    COMMANDS = App.COMMANDS | {GoLiveCommands}
    MODES: ClassVar[dict[str, Any]] = {
        "dashboard": DashboardScreen,
        "checklist": _lazy_screen("golive_tui.tui.screens.checklist", "ChecklistScreen"),
        "porting": _lazy_screen("golive_tui.tui.screens.porting", "PortingScreen"),
        "verification": _lazy_screen(
            "golive_tui.tui.screens.verification", "VerificationLogScreen"
        ),
        "issues": _lazy_screen("golive_tui.tui.screens.issues", "IssueQueueScreen"),
        "lifecycle": _lazy_screen("golive_tui.tui.screens.lifecycle", "LifecycleScreen"),
        "sites": _lazy_screen("golive_tui.tui.screens.sites", "SitesScreen"),
        "runbook": _lazy_screen("golive_tui.tui.screens.runbook", "RunbookScreen"),
        "closure": _lazy_screen("golive_tui.tui.screens.closure", "ClosureScreen"),
    }
    DEFAULT_MODE = "dashboard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('dashboard')", "Dash", id="mode.dashboard"),
        Binding("2", "switch_mode('checklist')", "Check", id="mode.checklist"),
        Binding("3", "switch_mode('porting')", "Port", id="mode.porting"),
        Binding("4", "switch_mode('verification')", "Verify", id="mode.verification"),
        Binding("5", "switch_mode('issues')", "Issues", id="mode.issues"),
        Binding("6", "switch_mode('lifecycle')", "Life", id="mode.lifecycle"),
        Binding("7", "switch_mode('sites')", "Sites", id="mode.sites"),
        Binding("8", "switch_mode('runbook')", "Runbook", id="mode.runbook"),
        Binding("9", "switch_mode('closure')", "Close", id="mode.closure"),
        Binding("question_mark", "help", "Help", id="app.help", key_display="?"),
        Binding("exclamation_mark", "problems", "Conflicts", id="app.problems",
                key_display="!", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False, priority=True),
    ]

    def __init__(
        self,
        open_store: Callable[[], LocalStore],
        *,
        start_sync: StartSync | None = None,
        keymap: dict[str, str] | None = None,
        theme: str | None = None,
        clock: Callable[[], datetime] | None = None,
        open_project: OpenProject | None = None,
    ) -> None:
        _freeze_imports()
        self._collector = IdleCollector(
            busy=lambda: any(worker.is_running for worker in self.workers))
        # nothing is collected until the first frame is painted (tui/collector.py)
        self._collector.hold_until_painted()
        self._key_order = KeyOrder(self, self._dispatch_key)
        # headless runs (the tests) use Textual's headless driver whatever is asked here;
        # in a browser (golive web) the app draws through Textual's web driver
        super().__init__(driver_class=None if served_in_browser() else TerminalDriver)
        self._clock = clock
        self._open_store = open_store
        self._start_sync = start_sync
        self._open_project = open_project
        self._start_keymap = keymap or {}
        self.store: LocalStore | None = None
        self.engine: SyncDriver | None = None
        self.sync_status: Any = LocalStatus()
        self.store_ready = asyncio.Event()
        for golive_theme in THEMES:
            self.register_theme(golive_theme)
        #: a theme asked for (by the config file) that does not exist, said once mounted
        self._unknown_theme = theme if theme and theme not in self.available_themes else None
        self._start_with_theme(theme if theme in self.available_themes else "golive-dark")
        self._generations: dict[EntityKind, int] = {}
        self._any_generation = 0
        #: the notices this app raised, so that refusals can be taken back (see notify)
        self._notices: list[Notification] = []
        #: how the terminal was lost, when that is why the app stopped
        self.terminal_lost: str | None = None

    def _start_with_theme(self, name: str) -> None:
        """Choose the theme before the first style pass, without a second one.

        Setting ``theme`` runs its watcher, which schedules a re-parse of every stylesheet
        and a restyle of every widget, which costs start-up a good tenth of a second
        though nothing has been styled yet. Before the app runs, the watcher's other work
        is all that is needed: the theme's classes and its colour filter.
        """
        self.set_reactive(App.theme, name)
        # the stylesheet was made with the default theme's colours; nothing is parsed yet
        self.stylesheet.set_variables(self.get_css_variables())
        dark = self.current_theme.dark
        self.update_classes(
            {f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark}, update=False
        )
        start_colour_filter(self, self.ansi_theme)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Compose):
            # Textual builds the first screen on this event and styles the app itself only
            # afterwards; a widget working out its colours in between would draw with
            # none of the app's (dark text on dark). The app first, then.
            self.stylesheet.apply(self)
        elif isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self._collector.input_seen()
            if isinstance(event, events.Key) and not event.is_forwarded:
                # typed ahead: each key reaches the widget focused once the keys before it
                # have been handled (tui/key_order.py, tui/focus_keys.py)
                await self._key_order.route(event)
                return
        await super().on_event(event)

    async def on_typed_run(self, run: TypedRun) -> None:
        """Printable keys read together: whole to the focused field, or one by one
        (tui/key_runs.py)."""
        self._collector.input_seen()
        await self._key_order.route_run(run)

    async def _dispatch_key(self, event: events.Key) -> None:
        """Route a key read from the terminal as Textual does (a tab typed in a field moves
        the focus at once)."""
        if not move_focus_now(self, event):
            await super().on_event(event)

    def now(self) -> datetime:
        """The time every screen shows and counts from (fixed in tests, so screens are)."""
        return self._clock() if self._clock is not None else datetime.now(UTC)

    # -- start-up -------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self._start_keymap:
            self.set_keymap(self._start_keymap)
        if self._unknown_theme is not None:
            self.notify(
                f"There is no theme {self._unknown_theme!r}; showing golive-dark. "
                f"The themes are: {', '.join(theme_names())}.",
                title="Theme", severity="warning", timeout=15,
            )
        self._collector.start()
        self.set_interval(IdleCollector.CHECK_EVERY, self._collector.tick, name="idle gc")
        self.call_after_refresh(self._collector.painted)
        # open the cache after the first frame is painted: the thread that imports the
        # database stack would otherwise compete with the first paint for the interpreter
        self.call_after_refresh(self._open)

    def on_unmount(self) -> None:
        self._collector.painted()
        self._collector.stop()

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def _open(self) -> LocalStore:
        # Opening the cache imports the database stack: off the event loop, after first paint.
        return self._open_store()

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "open" and event.state is WorkerState.SUCCESS:
            store: LocalStore = worker.result  # type: ignore[assignment]
            self.store = store
            self.store_ready.set()
            self.refresh_status()
            if self._start_sync is not None:
                self.engine = self._start_sync(self, store)
            self.screen.post_message(StoreReady())
        elif event.state is WorkerState.ERROR:
            error = worker.error
            if worker.group == "open":
                self.notify(f"Cannot open the cache: {error}", severity="error", timeout=30)
            else:
                self.notify(f"Something went wrong: {error}", severity="error", timeout=10)

    @on(TerminalLost)
    def _stop_without_terminal(self, event: TerminalLost) -> None:
        # changes are in the cache's outbox the moment they are made: nothing to save
        if self.terminal_lost is None:
            self.terminal_lost = event.reason
            self.exit(return_code=EXIT_TERMINAL_LOST)

    # -- changes --------------------------------------------------------------------------

    def run_command(
        self,
        command: Command[R],
        *,
        done: Callable[[R], None] | None = None,
        success: str | None = None,
    ) -> None:
        """Run what a person asked for in a thread (:mod:`golive_tui.store.intents`); the
        screens watching what it changed redraw, and a refusal becomes a clear notice."""
        self._run_command(command, done, success)

    @work(thread=True, group="change", exit_on_error=False)
    def _run_command(
        self,
        command: Command[R],
        done: Callable[[R], None] | None,
        success: str | None,
    ) -> None:
        from golive_tui.domain.errors import DomainError

        assert self.store is not None
        try:
            outcome = self.store.execute(command)
        except DomainError as exc:
            self.call_from_thread(self.notify, exc.message, title="Refused",
                                  severity="error", timeout=8)
            return
        self.call_from_thread(self._changed, outcome.changed, done, outcome.value, success)

    def _changed(
        self,
        kinds: frozenset[EntityKind] | None,
        done: Callable[[Any], None] | None,
        result: Any,
        success: str | None,
    ) -> None:
        # what was refused before is stale once a change goes through (often the same one,
        # put right): a "Refused" notice left up would contradict it
        self._withdraw_refusals()
        if success:
            self.notify(success, timeout=3)
        if done is not None:
            done(result)
        self.broadcast_changed(kinds)
        if self.engine is not None:
            self.engine.kick()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Textual's notify, keeping each notice so that a refusal can be withdrawn."""
        notification = Notification(
            message, title, severity,
            self.NOTIFICATION_TIMEOUT if timeout is None else timeout, markup=markup,
        )
        self._notices = [n for n in self._notices if not n.has_expired]
        self._notices.append(notification)
        self.post_message(Notify(notification))

    def _withdraw_refusals(self) -> None:
        """Take down the refusals on screen; every other notice stays, with its time left."""
        shown = [n for n in self._notices if not n.has_expired]
        kept = [n for n in shown if n.title not in REFUSAL_TITLES]
        if len(kept) == len(shown):
            return
        self._notices = kept
        self.clear_notifications()
        for notification in kept:
            self.post_message(Notify(notification))

    def broadcast_changed(self, kinds: frozenset[EntityKind] | None = None) -> None:
        if kinds is None:
            self._any_generation += 1
        else:
            for kind in kinds:
                self._generations[kind] = self._generations.get(kind, 0) + 1
        self.screen.post_message(DataChanged(kinds))
        self.refresh_status()

    @work(thread=True, group="status", exclusive=True, exit_on_error=False)
    def refresh_status(self) -> None:
        if self.store is None or self.engine is not None:
            return
        status = LocalStatus(queued=self.store.outbox_count(),
                             conflicts=len(self.store.problems()))
        self.call_from_thread(self.set_sync_status, status)

    def problems_changed(self) -> None:
        """A problem was re-applied or dropped: the status line counts them again."""
        if self.engine is None:
            self.refresh_status()
        else:
            self.run_worker(self.engine.refresh_status(), group="recount", exit_on_error=False)

    def generation(self, *kinds: EntityKind) -> int:
        """A number that grows whenever records of these kinds change: screens compare it
        with the one they cached derived data at, even while they were not showing."""
        return self._any_generation + sum(self._generations.get(kind, 0) for kind in kinds)

    def set_sync_status(self, status: Any) -> None:
        self.sync_status = status
        self.screen.post_message(SyncStatusChanged(status))

    # -- actions --------------------------------------------------------------------------

    def action_problems(self) -> None:
        from golive_tui.tui.screens.problems import ProblemsScreen

        if not isinstance(self.screen, ProblemsScreen):
            self.push_screen(ProblemsScreen())

    def action_portfolio(self) -> None:
        from golive_tui.tui.screens.portfolio import PortfolioScreen

        if not isinstance(self.screen, PortfolioScreen):
            self.push_screen(PortfolioScreen())

    def switch_project(self, project_id: str, role: Role) -> None:
        """Leave the open project for another of the user's, without a restart: its sync
        engine stops (its outbox stays in its own cache), the other project's cache opens
        (loaded from the server the first time) and syncs, and its dashboard shows."""
        if self._open_project is None:
            self.notify("Only an app connected to a golive server can switch project.",
                        title="Switch project", severity="warning")
            return
        if self.store is not None and self.store.project_id == project_id:
            self.run_worker(self._back_to_dashboard(reset=False), group="switch")
            return
        self._switch_project(project_id, role)

    @work(exclusive=True, group="switch", exit_on_error=False)
    async def _switch_project(self, project_id: str, role: Role) -> None:
        assert self._open_project is not None
        open_store, start_sync = self._open_project(project_id, role)
        engine, store = self.engine, self.store
        self.engine, self.store = None, None
        self.store_ready.clear()
        if engine is not None:
            await engine.close()
        for worker in list(self.workers):
            if worker.group in CACHE_WORKERS and worker.is_running:
                with suppress(Exception):
                    await worker.wait()
        if store is not None:
            await asyncio.to_thread(store.close)
        self._open_store, self._start_sync = open_store, start_sync
        # what every screen read came from the other project: all of it is stale
        self._any_generation += 1
        self.set_sync_status(LocalStatus(state="syncing"))
        await self._back_to_dashboard(reset=True)
        self._open()

    async def _back_to_dashboard(self, *, reset: bool) -> None:
        """The dashboard; with ``reset``, every mode's screens are made anew (they showed
        another project), the dashboard's at once and the others' when next shown."""
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        if reset:
            # a mode cannot be removed while it shows: a blank one shows meanwhile
            self.add_mode(SWITCHING_MODE, Screen)
            await self.switch_mode(SWITCHING_MODE)
            for mode in MODE_TITLES:
                await self.remove_mode(mode)
                self.add_mode(mode, self.MODES[mode])
        await self.switch_mode("dashboard")
        if reset:
            await self.remove_mode(SWITCHING_MODE)

    def action_help(self) -> None:
        from golive_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
