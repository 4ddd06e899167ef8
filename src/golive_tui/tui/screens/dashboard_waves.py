"""A cutover wave added, edited or moved on from the dashboard: its name, its window and
its sites (the port orders that serve it name their wave on the order form), its state.

``a`` on the dashboard adds a wave, ``e`` edits the one shown, ``t`` moves it on. The form says the domain's
word before saving (a window that ends before it starts, a name too long); the cache and
the server refuse the same again, with the sites it names checked as references.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from golive_tui.domain.enums import CutoverState, EntityKind
from golive_tui.domain.errors import DomainError
from golive_tui.domain.transitions import CUTOVER
from golive_tui.domain.waves import check_window
from golive_tui.store.intents import MoveRecord, SaveRecord
from golive_tui.tui.widgets.forms import FormField, PickerModal, RecordForm, record_problem

if TYPE_CHECKING:
    from golive_tui.tui.screens.dashboard import DashboardScreen
    from golive_tui.tui.screens.dashboard_data import DashboardData, WaveInfo

K = EntityKind


def wave_values(data: DashboardData, wave: WaveInfo | None) -> dict[str, Any] | None:
    """What the form edits of ``wave`` (None: a new one)."""
    if wave is None:
        return None
    return {
        "name": wave.name, "starts_at": wave.starts_at, "ends_at": wave.ends_at,
        "site_ids": [site.id for site in data.sites if site.code in wave.site_codes],
    }


def wave_fields(data: DashboardData, current: dict[str, Any] | None) -> list[FormField]:
    current = current or {}
    return [
        FormField("name", "Name", value=current.get("name", ""), required=True,
                  placeholder="Wave 5 – Boston"),
        FormField("starts_at", "Starts", "time", current.get("starts_at")),
        FormField("ends_at", "Ends", "time", current.get("ends_at")),
        FormField("site_ids", "Sites", "people", current.get("site_ids", []),
                  choices=[(site.id, f"{site.code} · {site.name}") for site in data.sites]),
    ]


def wave_problem(current: dict[str, Any] | None, values: dict[str, Any]) -> str | None:
    """The domain's word on the form's values: the window, then each field."""
    try:
        check_window(K.CUTOVER, values, current)
    except DomainError as exc:
        return exc.message
    return record_problem(K.CUTOVER, current, values)


def open_wave_form(screen: DashboardScreen, wave: WaveInfo | None) -> None:
    """The wave form over the dashboard; saved, it is one create or one update."""
    data = screen.data
    if data is None:
        screen.notify("The cache is still opening; try again in a moment.")
        return
    current = wave_values(data, wave)
    zone = ZoneInfo(data.zone)

    def saved(values: dict[str, Any] | None) -> None:
        if values is None:
            return
        changed = values if current is None else {
            name: value for name, value in values.items() if current.get(name) != value}
        if not changed:
            return
        screen.golive.run_command(
            SaveRecord(K.CUTOVER, None if wave is None else wave.id, changed),
            success=f"{values['name']} saved")

    title = "New cutover wave" if wave is None else f"Edit {wave.name}"
    screen.app.push_screen(
        RecordForm(f"{title} (times {zone.key})", wave_fields(data, current), zone=zone,
                   check=lambda values: wave_problem(current, values)),
        saved,
    )


def move_wave(screen: DashboardScreen) -> None:
    """Move the shown wave on: planned → rehearsed → ready → live → completed, or rolled
    back (what the rules allow from where it is)."""
    wave = screen.data.wave if screen.data is not None else None
    if wave is None:
        screen.notify("This project has no cutover waves to move.", title="Wave state")
        return
    moves = sorted(CUTOVER.allowed(wave.state), key=list(CutoverState).index)
    if not moves:
        screen.notify(f"{wave.name} is {wave.state.value}: it moves no further.",
                      title="Wave state")
        return

    def picked(target: CutoverState | None) -> None:
        if target is None:
            return
        screen.golive.run_command(
            MoveRecord(K.CUTOVER, wave.id, target.value),
            done=lambda _record: screen.notify(
                f"{wave.name} is {target.value.replace('_', ' ')}.", title="Wave state"),
        )

    screen.app.push_screen(PickerModal(
        f"{wave.name}: {wave.state.value.replace('_', ' ')} →",
        [(state, state.value.replace("_", " ")) for state in moves]), picked)
