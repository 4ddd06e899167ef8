"""What every golive screen shares: a title line, the sync status, the footer, reloads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.widgets import Static

from golive_tui.domain.enums import EntityKind, LifecyclePhase
from golive_tui.domain.lifecycle import phase_text
from golive_tui.tui.messages import DataChanged, StoreReady, SyncStatusChanged
from golive_tui.tui.textual_adapter import (
    breakpoint_classes,
    mount_already_placed,
    repaint_after_resume_layout,
    settled_by_first_layout,
    share_app_styles,
)
from golive_tui.tui.widgets.footer import KeyBar
from golive_tui.tui.widgets.status import SyncStatusBar

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.tui.app import GoLiveApp


class ScreenTitle(Static):
    """The first line: where you are and on which project."""

    def __init__(self, title: str) -> None:
        super().__init__(id="screen-title")
        self.title_text = title
        self.project_text = ""
        #: the project's current phase, "Phase 5/7 Go-live"
        self.phase_text = ""

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" golive ", style="bold reverse")
        text.append(f" {self.title_text} ", style="bold")
        if self.phase_text:
            text.append(f" {self.phase_text} ", style="reverse")
        if self.project_text:
            text.append(f" {self.project_text}", style="dim")
        return text


class GoLiveScreen(Screen[None]):
    """Base of the five mode screens. Subclasses compose a body and load their data."""

    SCREEN_TITLE: ClassVar[str] = ""
    #: entity kinds whose changes make this screen reload
    WATCHES: ClassVar[frozenset[EntityKind]] = frozenset()
    #: what the screen shows depends on those kinds alone, not on the clock: shown again
    #: with none of them changed meanwhile, it keeps what it shows instead of reloading
    DATA_ONLY: ClassVar[bool] = False
    #: the generation of WATCHES that the data on screen was loaded at
    _shown_generation: int | None = None
    #: (generation of "project", the project record) for the title line
    _project: tuple[int, Any] | None = None
    #: shown before: the first resume needs no restyle
    _resumed = False
    #: the first resume's layout painted the whole screen, and its repaint is still to come
    _painted_by_resume = False

    def __init__(self) -> None:
        super().__init__()
        if not self.CSS and not self.CSS_PATH:
            # Styled by the app's sheets alone, so nothing is stale when its mode starts.
            # Textual marks every new screen stale, and starting its mode then re-parses
            # every sheet twice and restyles the app: a tenth of the first screen's start-up.
            share_app_styles(self)
        # The classes for the terminal's size, set before anything is styled: set at the
        # first resize, after the children are mounted, they restyle the whole screen again.
        self.set_class(True, *self._size_classes(self.app.size), update=False)

    def _size_classes(self, size: Size) -> set[str]:
        """The breakpoint classes that Textual gives this screen at ``size``."""
        app = self.app
        horizontal = (
            app.HORIZONTAL_BREAKPOINTS if self.HORIZONTAL_BREAKPOINTS is None
            else self.HORIZONTAL_BREAKPOINTS
        ) or []
        vertical = (
            app.VERTICAL_BREAKPOINTS if self.VERTICAL_BREAKPOINTS is None
            else self.VERTICAL_BREAKPOINTS
        ) or []
        return breakpoint_classes(self, size.width, horizontal) | (
            breakpoint_classes(self, size.height, vertical)
        )

    @on(events.ScreenResume)
    def _keep_styles_on_first_resume(self, event: events.ScreenResume) -> None:
        # The first resume comes right after the mount that styled every widget: Textual
        # would style them all again. Later resumes restyle, since the theme may have changed.
        # (This saves the start-up's restyle of the dashboard; a mode switched to later
        # gets a second resume from switch_mode, which restyles.)
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False
            if self.outer_size != self.app.size:
                # Textual lays the screen out after this handler and paints it whole
                self.call_next(settled_by_first_layout, self)
                self._painted_by_resume = True

    @on(events.Resize)
    def _same_size(self, event: events.Resize) -> None:
        # A screen is told its size several times as an app starts (by its own first
        # layout, by the app when it has its size, and by the terminal's first report), all
        # the same. Each would lay the whole screen out and paint it again; what is waiting
        # to be laid out or painted is done by the next update anyway.
        if event.size == self.outer_size:
            event.prevent_default()

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        # the end of a mount whose widgets are already placed asks for nothing new
        # (textual_adapter.mount_already_placed): at start-up, a second layout and a
        # whole repaint after the first paint
        if layout and not regions and not recompose and mount_already_placed(self):
            return self
        # and the whole repaint Textual asks for right after the first resume's layout,
        # which has just painted the whole screen
        if (self._painted_by_resume and not (regions or layout or recompose)
                and repaint_after_resume_layout()):
            self._painted_by_resume = False
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    @property
    def golive(self) -> GoLiveApp:
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> LocalStore | None:
        return self.golive.store

    def compose(self) -> ComposeResult:
        yield ScreenTitle(self.SCREEN_TITLE)
        yield from self.compose_body()
        yield SyncStatusBar()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        # no load here: a screen is also resumed when first shown, and loads then
        self.query_one(SyncStatusBar).status = self.golive.sync_status

    def on_screen_resume(self) -> None:
        self.query_one(SyncStatusBar).status = self.golive.sync_status
        if self.store is not None and not self._unchanged_since_shown():
            self.reload()

    def _unchanged_since_shown(self) -> bool:
        return (
            self.DATA_ONLY and bool(self.WATCHES)
            and self._shown_generation == self.golive.generation(*self.WATCHES)
            # the title line says the project's phase, which may have moved meanwhile
            and (self._project is None
                 or self._project[0] == self.golive.generation(EntityKind.PROJECT))
        )

    @on(StoreReady)
    def _store_ready(self) -> None:
        self.reload()

    @on(DataChanged)
    def _data_changed(self, event: DataChanged) -> None:
        if self.store is not None and (not self.WATCHES or event.touches(*self.WATCHES)):
            self.reload()

    @on(SyncStatusChanged)
    def _status(self, event: SyncStatusChanged) -> None:
        self.query_one(SyncStatusBar).status = event.status

    #: how many loads have been asked for: only the answer to the last one is shown
    _loads = 0

    def reload(self) -> None:
        """Load this screen's data, then show it: off the event loop, unless what the
        screen needs is mostly kept already (``loads_quickly``)."""
        self._loads += 1
        if self.store is not None and self.loads_quickly():
            # read here: a worker's thread would wait for the event loop to start it and
            # share the interpreter with it, and its answer would wait again for the loop
            self._read(self._loads, lambda show, *args: show(*args))
        else:
            self._load(self._loads)

    def loads_quickly(self) -> bool:
        """Whether a load now reads so little (a page of a cached query) that it is read on
        the event loop rather than in a worker."""
        return False

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self, load: int) -> None:
        self._read(load, self.app.call_from_thread)

    def _read(self, load: int, deliver: Any) -> None:
        store = self.store
        if store is None:
            return
        generation = self.golive.generation(*self.WATCHES)  # before reading: never newer
        data = self.load(store)
        # the project record (the title) changes rarely: read it again only when it did
        projects = self.golive.generation(EntityKind.PROJECT)
        if self._project is None or self._project[0] != projects:
            self._project = (projects, store.project())
        deliver(self._loaded, load, data, self._project[1], generation)

    def _loaded(self, load: int, data: Any, project: Any, generation: int | None = None) -> None:
        if load != self._loads:
            # A newer load was asked for while this one read the cache. Its thread is not
            # stopped by that, and finishing later it would put older data over the newer.
            return
        self._shown_generation = generation
        title = self.query_one(ScreenTitle)
        if project is not None:
            # a closed project says so on every screen: it is read-only for everyone
            phase = ("Closed · read-only" if project.closed_at is not None
                     else phase_text(LifecyclePhase(project.phase)))
            if (title.project_text, title.phase_text) != (project.name, phase):
                title.project_text, title.phase_text = project.name, phase
                title.refresh()
        self.show(data)

    @property
    def loaded_project(self) -> Any:
        """The project record as this screen last read it (None before its first load)."""
        return self._project[1] if self._project is not None else None

    def load(self, store: LocalStore) -> Any:
        """Runs in a thread: read what the screen needs from the cache."""
        return None

    def show(self, data: Any) -> None:
        """Runs on the event loop: put the loaded data on screen."""
