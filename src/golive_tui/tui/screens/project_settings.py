"""The project's settings form: its holiday list (the days no port activates, which the
activation-window and change-freeze warnings count) and the call-quality thresholds
network readiness is judged by.

Opened from the port orders view (``h``) and, from any screen, the command palette
("Project settings"). The form reads what is typed with the domain's own reading
(:mod:`golive_tui.domain.project_settings`), so a bad line is refused in place; the cache
and the server check the same again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from golive_tui.domain.enums import EntityKind, OpAction
from golive_tui.domain.errors import DomainError
from golive_tui.domain.permissions import can
from golive_tui.domain.project_settings import settings_from_text, settings_text
from golive_tui.store.intents import SaveRecord
from golive_tui.tui.widgets.forms import FormField, RecordForm

if TYPE_CHECKING:
    from golive_tui.tui.screens.base import GoLiveScreen

TITLE = "Project settings: holidays and call-quality thresholds"


def settings_fields(project: dict[str, Any]) -> list[FormField]:
    shown = settings_text(project)
    return [
        FormField("holidays", "Holidays", kind="long", value=shown.holidays,
                  placeholder="One a line: 2026-12-24 Christmas Eve. Empty: the US federal "
                              "holidays."),
        FormField("min_mos", "Lowest MOS", value=shown.min_mos, required=True,
                  placeholder="4"),
        FormField("max_jitter_ms", "Jitter ms ≤", value=shown.max_jitter_ms, required=True,
                  placeholder="30"),
        FormField("max_loss_pct", "Loss % ≤", value=shown.max_loss_pct, required=True,
                  placeholder="1"),
    ]


def _problem(values: dict[str, Any]) -> str | None:
    try:
        settings_from_text(values)
    except DomainError as exc:
        return exc.message
    return None


def open_project_settings(screen: GoLiveScreen) -> None:
    """Show the project's settings in a form; what is saved is one project change."""
    golive = screen.golive
    store = golive.store
    project = screen.loaded_project
    if store is None or project is None:
        screen.notify("The cache is still opening; try again in a moment.")
        return
    if store.role is not None and not can(store.role, EntityKind.PROJECT, OpAction.UPDATE):
        screen.notify("Only the IPM sets the project's holidays and thresholds.",
                      title="Project settings", severity="warning")
        return
    current = project.model_dump(include={"holidays", "network_thresholds"})
    project_id = str(project.id)

    def saved(values: dict[str, Any] | None) -> None:
        if values is None:
            return
        fields = settings_from_text(values)
        changed = {name: value for name, value in fields.items() if current.get(name) != value}
        if not changed:
            return
        golive.run_command(SaveRecord(EntityKind.PROJECT, project_id, changed),
                           success="Project settings saved")

    form = RecordForm(TITLE, settings_fields(current), zone=ZoneInfo(project.time_zone),
                      check=_problem)
    screen.app.push_screen(form, saved)

