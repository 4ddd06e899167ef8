"""A whole project as validated records, built from a fixture's mapping.

:func:`build_document` takes a mapping of the demo fixture's shape (``fixtures/demo-go-live.json``
is one) and gives a :class:`ProjectDocument`: the project record plus every other record,
validated by :func:`golive_tui.domain.ops.validate_record`, in dependency order, with
references resolved from natural keys (site code, PON, number, checklist key, issue key) to
ids. Its times are in the demo-time grammar of :mod:`golive_tui.domain.demo_time`.

Ids are ``uuid5`` of (project, kind, natural key), so loading the same fixture twice gives
the same ids, and loading it under another ``project_id`` gives a second, separate project.

Pure: reading the packaged fixture file is :mod:`golive_tui.seed.fixture`'s, and synthetic
projects of any size are :mod:`golive_tui.seed.generator`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from golive_tui.domain.demo_time import DemoDayError, default_demo_day
from golive_tui.domain.enums import EntityKind
from golive_tui.domain.fixture_loader import FixtureLoader
from golive_tui.domain.fixture_values import FIXTURE_ACTOR, RECORD_KINDS, Record

__all__ = [
    "FIXTURE_ACTOR",
    "FIXTURE_FORMAT",
    "RECORD_KINDS",
    "WEB_PORT_LIMIT",
    "DemoDayError",
    "ProjectDocument",
    "build_document",
    "default_demo_day",
]

#: Zoom web port requests hold at most this many numbers; more is a "project port"
WEB_PORT_LIMIT = 100


@dataclass
class ProjectDocument:
    """A project record and every record that belongs to it, ready to load into a store."""

    project: Record
    #: validated records by kind; every kind of :data:`RECORD_KINDS` is present
    records: dict[EntityKind, list[Record]] = field(default_factory=dict)

    @property
    def project_id(self) -> str:
        return str(self.project["id"])

    def count(self, kind: EntityKind) -> int:
        """How many records of ``kind`` (the project itself counts as one)."""
        if kind is EntityKind.PROJECT:
            return 1
        return len(self.records.get(kind, ()))

    def __iter__(self) -> Iterator[tuple[EntityKind, Record]]:
        """``(kind, record)``: the project first, then :data:`RECORD_KINDS` in order."""
        yield EntityKind.PROJECT, self.project
        for kind in RECORD_KINDS:
            for record in self.records.get(kind, ()):
                yield kind, record


# --------------------------------------------------------------------------- loading

_SECTIONS = (
    "project",
    "sites",
    "members",
    "stakeholders",
    "milestones",
    "cutovers",
    "emergency_locations",
    "port_orders",
    "numbers",
    "checklist",
    "verifications",
    "issues",
    "issue_notes",
    "decisions",
    "phase_events",
    "kickoffs",
    "action_items",
    "raid_items",
    "change_requests",
    "adoption_gaps",
    "signoffs",
    "runbooks",
)
FIXTURE_FORMAT = 1


def build_document(
    data: Mapping[str, Any],
    source: str,
    *,
    demo_day: date | None,
    project_id: str | None,
    now: datetime | None,
    make_numbers: Callable[[FixtureLoader], list[Record]] | None = None,
) -> ProjectDocument:
    """``data`` (named ``source`` in messages) as validated records.

    ``demo_day`` defaults to today in the project's time zone if a weekday, else the next
    Monday; ``project_id`` to an id derived from the fixture's project key; ``now`` (the
    ``updated_at`` of every record and the anchor of ``N`` times) to the current time.
    ``make_numbers`` adds numbers built outside the fixture (the generator's fast path).
    Bad fixture data raises ``ValueError`` naming the source, the record and the problem.
    """
    unknown = sorted(
        k for k in data if k not in _SECTIONS and k != "format" and not k.startswith("_")
    )
    if unknown:
        raise ValueError(
            f"{source}: unknown section{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"a fixture has: {', '.join(_SECTIONS)}"
        )
    fmt = data.get("format", FIXTURE_FORMAT)
    if fmt != FIXTURE_FORMAT:
        raise ValueError(
            f"{source}: fixture format {fmt!r} is not supported (expected {FIXTURE_FORMAT})"
        )
    project = data.get("project")
    if not isinstance(project, Mapping):
        raise ValueError(f"{source}: 'project' must be an object with name, customer and key")
    try:
        loader = FixtureLoader.start(
            source, project, demo_day=demo_day, project_id=project_id, now=now
        )
        loader.sites(_section(data, "sites", source))
        loader.members(_section(data, "members", source))
        loader.stakeholders(_section(data, "stakeholders", source))
        loader.milestones(_section(data, "milestones", source))
        loader.cutovers(_section(data, "cutovers", source))
        loader.emergency_locations(_section(data, "emergency_locations", source))
        loader.port_orders(_section(data, "port_orders", source))
        extra = make_numbers(loader) if make_numbers else []
        loader.numbers(_section(data, "numbers", source), extra)
        loader.checklist(_section(data, "checklist", source))
        loader.verifications(_section(data, "verifications", source))
        loader.issues(_section(data, "issues", source))
        loader.issue_notes(_section(data, "issue_notes", source))
        loader.decisions(_section(data, "decisions", source))
        loader.phase_events(_section(data, "phase_events", source))
        loader.kickoffs(_section(data, "kickoffs", source))
        loader.action_items(_section(data, "action_items", source))
        loader.raid_items(_section(data, "raid_items", source))
        loader.change_requests(_section(data, "change_requests", source))
        loader.adoption_gaps(_section(data, "adoption_gaps", source))
        loader.signoffs(_section(data, "signoffs", source))
        loader.runbooks(_section(data, "runbooks", source))
    except OverflowError:
        # the fixture's times are days before and after the demo day: near year 1 or
        # 9999 some fall off the calendar
        day = demo_day.isoformat() if demo_day is not None else "today"
        raise DemoDayError(
            f"The demo day {day} puts some of the project's times outside the calendar "
            f"(years 1 to 9999); choose a day nearer today."
        ) from None
    return ProjectDocument(loader.project_record, loader.records)


def _section(data: Mapping[str, Any], name: str, source: str) -> list[Mapping[str, Any]]:
    raw = data.get(name, [])
    if not isinstance(raw, list):
        raise ValueError(f"{source}: '{name}' must be a list")
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise ValueError(f"{source}: {name}[{index}] must be an object")
    return raw

