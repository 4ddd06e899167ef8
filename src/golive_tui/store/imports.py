"""Previewing and writing an import of sites, port orders or numbers against a cache.

The app's import dialogs and ``golive import`` both build their preview here, from the
file's bytes and the project as the cache holds it (its sites, orders, numbers and
country), and write the accepted rows with :meth:`LocalStore.import_records` or
:meth:`LocalStore.import_numbers`. Reading the file is the caller's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from golive_tui.domain.enums import EntityKind
from golive_tui.domain.number_import import (
    ColumnMapping,
    ImportPreview,
    ParsedTable,
    build_import,
    guess_mapping,
    site_key,
)
from golive_tui.domain.record_import import (
    RecordPreview,
    SiteMatch,
    build_order_import,
    build_site_import,
    propose_site_map,
)

if TYPE_CHECKING:
    from golive_tui.store.local import BulkOutcome, LocalStore

__all__ = ["IMPORT_KINDS", "ImportKind", "NumbersPlan", "plan_numbers", "preview_records",
           "write_import"]

ImportKind = Literal["numbers", "sites", "orders"]
IMPORT_KINDS: tuple[ImportKind, ...] = ("numbers", "sites", "orders")


@dataclass(slots=True)
class NumbersPlan:
    """A number list read against the project: its mapping, site matches and preview."""

    table: ParsedTable
    mapping: ColumnMapping
    matches: list[SiteMatch] = field(default_factory=list)
    site_map: dict[str, str] = field(default_factory=dict)
    preview: ImportPreview | None = None

    @property
    def unmapped(self) -> list[SiteMatch]:
        """Site values no site code is chosen for yet."""
        return [m for m in self.matches if site_key(m.value) not in self.site_map]


def _site_values(table: ParsedTable, mapping: ColumnMapping) -> list[str]:
    column = mapping.site
    if column is None:
        return []
    return [cells[column] for _, cells in table.rows if column < len(cells)]


def plan_numbers(store: LocalStore, table: ParsedTable, *, mapping: ColumnMapping | None = None,
                 chosen: Mapping[str, str] | None = None, auto: bool = True) -> NumbersPlan:
    """Map the columns (guessed unless given), match the site column's values to site codes
    (``chosen``: value → code as the person said; with ``auto`` exact and unique matches are
    taken too) and build the preview."""
    mapping = mapping or guess_mapping(table.headers, sample_rows=[r for _, r in table.rows[:50]])
    sites = store.sites()
    matches = propose_site_map(_site_values(table, mapping), [(s.code, s.name) for s in sites])
    codes = {s.code.casefold(): s.code for s in sites}
    site_map: dict[str, str] = {}
    for value, code in (chosen or {}).items():
        known = codes.get(code.strip().casefold())
        if known is not None:
            site_map[site_key(value)] = known
    if auto:
        for match in matches:
            if match.code is not None:
                site_map.setdefault(site_key(match.value), match.code)
    plan = NumbersPlan(table, mapping, matches, site_map)
    if mapping.can_import:
        project = store.project()
        orders = store.orders()
        plan.preview = build_import(
            table, mapping, existing=store.existing_numbers(),
            sites={s.code.casefold() for s in sites},
            orders={o.pon.casefold() for o in orders},
            site_map=site_map if mapping.site is not None else None,
            country=project.country if project is not None else None,
            toll_free_orders={o.pon.casefold() for o in orders if o.toll_free},
        )
    return plan


def preview_records(store: LocalStore, kind: Literal["sites", "orders"], table: ParsedTable,
                    now: datetime) -> RecordPreview:
    """What importing ``table`` as sites or orders would do to the project in ``store``."""
    if kind == "sites":
        project = store.project()
        zone = project.time_zone if project is not None else "America/New_York"
        return build_site_import(table, existing={s.code.casefold() for s in store.sites()},
                                 default_time_zone=zone)
    return build_order_import(table, now=now,
                              existing={o.pon.casefold() for o in store.orders()})


def write_import(store: LocalStore, preview: ImportPreview | RecordPreview) -> BulkOutcome:
    """Write the ready rows of ``preview``, all or none (a refusal raises a DomainError)."""
    if isinstance(preview, ImportPreview):
        return store.import_numbers(preview.rows, atomic=True)
    kind = EntityKind.SITE if preview.kind == "site" else EntityKind.PORT_ORDER
    return store.import_records(kind, preview.rows, atomic=True)
