"""The sites of the project and each site's emergency locations.

Keys: ``a`` adds a site, ``l`` adds an emergency location to the selected site, ``e`` (or
Enter) edits what is selected, ``v`` validates the selected location and ``x`` marks it
invalid. Tab moves between the two tables. What is allowed is the domain's
(:mod:`golive_tui.domain.sites`): the forms show its word before saving, and the cache and
the server refuse the rest with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.widgets import DataTable, Static

from golive_tui.domain.entities import ENTITY_BASES
from golive_tui.domain.enums import E911Status, EntityKind
from golive_tui.domain.errors import DomainError
from golive_tui.domain.ops import revalidate
from golive_tui.domain.sites import prepare
from golive_tui.store.intents import SaveRecord
from golive_tui.tui.screens.base import GoLiveScreen
from golive_tui.tui.widgets.fast_table import FastTable
from golive_tui.tui.widgets.forms import FormField, RecordForm, save_record

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.store.tables import EmergencyLocationRow, SiteRow

K = EntityKind

#: how a location's validation reads, and its style
STATUS_TEXT: dict[str, tuple[str, str]] = {
    E911Status.NOT_SET.value: ("· no address", "dim"),
    E911Status.PENDING.value: ("… pending", "yellow"),
    E911Status.VERIFIED.value: ("✓ validated", "green"),
    E911Status.INVALID.value: ("✗ invalid", "bold red"),
}


@dataclass(frozen=True)
class SitesData:
    sites: list[SiteRow]
    locations: list[EmergencyLocationRow]
    time_zone: str

    def of(self, site_id: str | None) -> list[EmergencyLocationRow]:
        return [loc for loc in self.locations if loc.site_id == site_id]


class SitesScreen(GoLiveScreen):
    """Sites (code, name, address, time zone) and their dispatchable locations."""

    SCREEN_TITLE = "Sites"
    WATCHES = frozenset({K.SITE, K.EMERGENCY_LOCATION, K.PROJECT})
    DATA_ONLY = True
    DEFAULT_CSS = """
    SitesScreen #sites-body {
        layout: vertical;
        height: 1fr;
    }
    SitesScreen.-wide #sites-body {
        layout: horizontal;
    }
    SitesScreen #sites-table {
        height: 1fr;
        border: round $primary 50%;
        border-title-style: bold;
    }
    SitesScreen #locations-table {
        height: 1fr;
        border: round $primary 50%;
        border-title-style: bold;
    }
    SitesScreen.-wide #sites-table {
        width: 76;
    }
    SitesScreen.-wide #locations-table {
        width: 1fr;
    }
    SitesScreen #sites-table:focus, SitesScreen #locations-table:focus {
        border: round $primary;
    }
    SitesScreen #sites-hint {
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    """
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_site", "Add site", id="sites.add_site"),
        Binding("l", "add_location", "Add location", id="sites.add_location"),
        Binding("e,enter", "edit", "Edit", id="sites.edit"),
        Binding("v", "set_status('verified')", "Validate", id="sites.validate"),
        Binding("x", "set_status('invalid')", "Invalid", id="sites.invalidate"),
    ]

    sites_data: SitesData | None = None
    #: the code of a site just saved from the form, to select when it appears
    _added_code: str | None = None

    def compose_body(self) -> ComposeResult:
        with Container(id="sites-body"):
            sites: DataTable[Any] = FastTable(id="sites-table", cursor_type="row")
            sites.border_title = "Sites"
            yield sites
            locations: DataTable[Any] = FastTable(id="locations-table", cursor_type="row")
            locations.border_title = "Emergency locations"
            yield locations
        yield Static(id="sites-hint")

    @property
    def _sites(self) -> DataTable[Any]:
        return self.query_one("#sites-table", DataTable)

    @property
    def _locations(self) -> DataTable[Any]:
        return self.query_one("#locations-table", DataTable)

    def on_mount(self) -> None:
        self._sites.add_columns("Code", "Name", "Time zone", "Floors")
        self._locations.add_columns("Floor / suite", "Validation", "Dispatchable address",
                                    "Network")
        self._sites.focus()

    def load(self, store: LocalStore) -> SitesData:
        project = store.project()
        return SitesData(
            sites=store.sites(), locations=store.emergency_locations(),
            time_zone=project.time_zone if project is not None else "America/New_York",
        )

    def show(self, data: SitesData) -> None:
        self.sites_data = data
        table = self._sites
        selected = self._selected_site_id()
        if self._added_code is not None:
            # a site just added is selected once it is shown, for its locations to follow
            added = next((s.id for s in data.sites if s.code == self._added_code), None)
            if added is not None:
                selected, self._added_code = added, None
        table.clear()
        for site in data.sites:
            floors = data.of(site.id)
            done = sum(1 for f in floors if str(f.status) == E911Status.VERIFIED.value)
            table.add_row(Text(site.code, style="bold"), site.name, site.time_zone,
                          f"{done}/{len(floors)} ✓" if floors else "none", key=site.id)
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))
        self._show_locations()

    def _selected_site_id(self) -> str | None:
        table = self._sites
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _selected_location_id(self) -> str | None:
        table = self._locations
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _site(self) -> SiteRow | None:
        site_id = self._selected_site_id()
        return next((s for s in self.sites_data.sites if s.id == site_id), None) if self.sites_data else None

    def _location(self) -> EmergencyLocationRow | None:
        location_id = self._selected_location_id()
        if self.sites_data is None:
            return None
        return next((loc for loc in self.sites_data.locations if loc.id == location_id), None)

    def _show_locations(self) -> None:
        table = self._locations
        selected = self._selected_location_id()
        table.clear()
        site = self._site()
        if self.sites_data is None or site is None:
            return
        table.border_title = f"Emergency locations of {site.code}"
        for loc in self.sites_data.of(site.id):
            words, style = STATUS_TEXT.get(str(loc.status), (str(loc.status), ""))
            table.add_row(loc.name, Text(words, style=style), loc.address, loc.network,
                          key=loc.id)
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))
        self._hint()

    @on(DataTable.RowHighlighted, "#sites-table")
    def _site_moved(self) -> None:
        self._show_locations()

    @on(DataTable.RowHighlighted, "#locations-table")
    def _location_moved(self) -> None:
        self._hint()

    def on_descendant_focus(self) -> None:
        self._hint()

    def _hint(self) -> None:
        hint = self.query_one("#sites-hint", Static)
        location = self._location() if self.focused is self._locations else None
        if location is None:
            hint.update("a add a site · l add an emergency location · e edit · Tab to the "
                        "locations")
            return
        when = location.validated_at or location.address_changed_at
        said = ("validated" if location.validated_at else "address changed") if when else ""
        hint.update(f"{location.name}: {said} {self._when(when)} · v validate · x invalid · "
                    "e edit" if when else f"{location.name}: v validate · x invalid · e edit")

    def _when(self, at: datetime | None) -> str:
        if at is None:
            return ""
        zone = ZoneInfo(self.sites_data.time_zone if self.sites_data else "UTC")
        aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        return aware.astimezone(zone).strftime("%d %b %H:%M")

    # ----------------------------------------------------------------- forms

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.sites_data.time_zone if self.sites_data else "UTC")

    def action_add_site(self) -> None:
        self._open_form(K.SITE, None, _site_fields(None), "a site")

    def action_add_location(self) -> None:
        site = self._site()
        if site is None:
            self.notify("Add a site first; its emergency locations come after.",
                        severity="warning")
            return
        self._open_form(K.EMERGENCY_LOCATION, None, _location_fields(None),
                        f"an emergency location of {site.code}", site_id=site.id)

    def action_edit(self) -> None:
        if self.focused is self._locations:
            location = self._location()
            if location is not None:
                self._open_form(K.EMERGENCY_LOCATION, location, _location_fields(location),
                                f"{location.name}")
            return
        site = self._site()
        if site is not None:
            self._open_form(K.SITE, site, _site_fields(site), f"site {site.code}")

    def action_set_status(self, status: str) -> None:
        location = self._location()
        if location is None:
            self.notify("Pick an emergency location first (Tab to the locations).",
                        severity="warning")
            return
        location_id = location.id
        words = "validated" if status == E911Status.VERIFIED.value else "marked invalid"
        self.golive.run_command(SaveRecord(K.EMERGENCY_LOCATION, location_id, {"status": status}),
                                success=f"{location.name} {words}")

    def _open_form(self, kind: EntityKind, record: Any, fields: list[FormField], what: str,
                   **fixed: Any) -> None:
        current = record.model_dump(exclude={"pending"}) if record is not None else None
        verb = "Edit" if record is not None else "Add"
        self.app.push_screen(
            RecordForm(f"{verb} {what}", fields, zone=self._zone(),
                       check=lambda values: _problem(kind, current, {**values, **fixed})),
            lambda values: self._save(kind, current, values, fixed),
        )

    def _save(self, kind: EntityKind, current: dict[str, Any] | None,
              values: dict[str, Any] | None, fixed: dict[str, Any]) -> None:
        if values is None:
            return
        if kind is K.SITE and current is None:
            self._added_code = str(values.get("code", "")).strip().upper()
        what = "Site" if kind is K.SITE else "Emergency location"
        save_record(self.golive, kind, current, {**values, **fixed}, f"{what} saved")


def _site_fields(site: SiteRow | None) -> list[FormField]:
    return [
        FormField("code", "Code", value=site.code if site else "", required=True,
                  placeholder="BOS"),
        FormField("name", "Name", value=site.name if site else "", required=True),
        FormField("address", "Address", value=site.address if site else "",
                  placeholder="200 Newbury St, Boston, MA 02116"),
        FormField("time_zone", "Time zone", value=site.time_zone if site else
                  "America/New_York", required=True, placeholder="America/Denver"),
    ]


def _location_fields(location: EmergencyLocationRow | None) -> list[FormField]:
    return [
        FormField("name", "Floor, suite", value=location.name if location else "",
                  required=True, placeholder="Floor 2"),
        FormField("address", "Address", value=location.address if location else "",
                  required=True, placeholder="412 W 23rd St, Floor 2, New York, NY 10011"),
        FormField("network", "Network", value=location.network if location else "",
                  placeholder="subnet 10.30.2.0/24; Wi-Fi BSSID …"),
    ]


def _problem(kind: EntityKind, current: dict[str, Any] | None,
             values: dict[str, Any]) -> str | None:
    """The domain's word on a form's values before saving: the site and location rules
    (a real time zone, a dispatchable address) and each field as the record validates it."""
    base = current or {name: info.get_default(call_default_factory=True)
                       for name, info in ENTITY_BASES[kind].model_fields.items()
                       if not info.is_required()}
    changed = dict(values) if current is None else {
        k: v for k, v in values.items() if current.get(k) != v}
    try:
        prepare(kind, changed, current, None, datetime.now(UTC))
        revalidate(kind, base, {**base, **changed})
    except DomainError as exc:
        return exc.message
    return None
