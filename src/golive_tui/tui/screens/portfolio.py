"""The portfolio: every project the signed-in user is a member of on the server (each
project's phase, wave and gate, open P1/P2, SLA breaches, last change; the cutover windows
that overlap; one support queue across them). Opened from the command palette; Enter on a
project switches the app to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from golive_tui.domain.enums import Role
from golive_tui.domain.time_text import ago
from golive_tui.reports.portfolio import people_text, sla_text
from golive_tui.tui.widgets.fast_table import FastTable

if TYPE_CHECKING:
    from golive_tui.domain.portfolio import Portfolio
    from golive_tui.tui.app import GoLiveApp


class PortfolioScreen(ModalScreen[None]):
    """Every project of the user at a glance; Enter on one opens it in place of this one."""

    DEFAULT_CSS = """
    PortfolioScreen { align: center middle; }
    PortfolioScreen > Vertical {
        width: 98%; height: 96%; border: round $primary; background: $surface; padding: 0 1;
    }
    PortfolioScreen #portfolio-projects { height: 1fr; min-height: 4; }
    PortfolioScreen #portfolio-queue { height: 1fr; min-height: 4; }
    PortfolioScreen #portfolio-state, PortfolioScreen #portfolio-collisions {
        height: auto; max-height: 4; color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload", id="portfolio.reload"),
        Binding("escape,q", "dismiss", "Close", id="portfolio.close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Portfolio: your projects"
            yield Static("Loading the portfolio from the server…", id="portfolio-state")
            yield FastTable(id="portfolio-projects", cursor_type="row", zebra_stripes=True)
            yield Static(id="portfolio-collisions")
            yield Label("Open issues across them, most urgent first")
            yield FastTable(id="portfolio-queue", cursor_type="row", zebra_stripes=True)

    @property
    def golive(self) -> GoLiveApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.query_one("#portfolio-projects", DataTable).add_columns(
            "Project", "Gate", "P1", "P2", "SLA", "Wave", "Phase", "Changed", "Customer")
        self.query_one("#portfolio-queue", DataTable).add_columns(
            "SLA", "P", "Ref", "Customer", "Title")
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        from golive_tui.sync.client import SyncError

        state = self.query_one("#portfolio-state", Static)
        engine = self.golive.engine
        if engine is None:
            state.update("The portfolio comes from a golive server; this app works on its "
                         "local cache only.")
            return
        try:
            portfolio: Portfolio = await engine.portfolio()
        except SyncError as exc:
            state.update(f"Could not load the portfolio: {exc.message}")
            return
        self._show(portfolio)

    @on(DataTable.RowSelected, "#portfolio-projects")
    def _project_selected(self, event: DataTable.RowSelected) -> None:
        portfolio = self._portfolio
        if portfolio is None:
            return
        key = event.row_key.value
        project = next((p for p in portfolio.projects if p.project_id == key), None)
        if project is None:
            return
        self.notify(f"Opening {project.name}…", title="Switch project", timeout=3)
        self.golive.switch_project(project.project_id, Role(project.role))

    _portfolio: Portfolio | None = None

    def _show(self, portfolio: Portfolio) -> None:
        self._portfolio = portfolio
        now = portfolio.generated_at
        count = len(portfolio.projects)
        self.query_one("#portfolio-state", Static).update(
            f"{count} project{'s' if count != 1 else ''} on the server · Enter on one opens it"
            if count else "You are not a member of any project on this server.")
        projects = self.query_one("#portfolio-projects", DataTable)
        projects.clear()
        for p in portfolio.projects:
            wave = p.wave
            gate = wave.verdict + (f" {wave.unmet}" if wave.unmet else "")
            projects.add_row(
                _short(p.name, 30), gate, str(p.open_p1), str(p.open_p2),
                str(p.sla_breaches), wave.name if wave.cutover_id else "no waves",
                p.phase.value.replace("_", " "),
                ago(p.last_activity, now) if p.last_activity else "—", p.customer,
                key=p.project_id,
            )
        clashes = [
            f"Overlap: {c.first_project} / {c.first_cutover} and {c.second_project} / "
            f"{c.second_cutover}{people_text(c)}" for c in portfolio.collisions
        ]
        self.query_one("#portfolio-collisions", Static).update(
            "\n".join(clashes) or "No cutover windows overlap.")
        queue = self.query_one("#portfolio-queue", DataTable)
        queue.clear()
        for item in portfolio.queue:
            queue.add_row(
                sla_text(item), item.priority.value, item.ref, _short(item.customer, 20),
                item.title, key=f"{item.project_id}:{item.issue_id}",
            )


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
