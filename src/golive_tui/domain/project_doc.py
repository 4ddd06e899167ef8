"""A whole project as validated records: the demo go-live, and synthetic large projects.

:func:`load_demo` reads ``fixtures/demo-go-live.json`` (or any mapping of the same shape) and
gives a :class:`ProjectDocument`: the project record plus every other record, validated by
:func:`golive_tui.domain.ops.validate_record`, in dependency order, with references resolved
from natural keys (site code, PON, number, checklist key, issue key) to ids.

The fixture's times are relative to a *demo day*, so the demo is always live:

- ``"D-5 09:00 America/Denver"``: calendar days from the demo day, at a local time;
- ``"B-3 14:10 site"``: business days (Monday to Friday) from the demo day;
- ``"N-40m"``, ``"N-2h"``, ``"N-1d2h30m"``: from now (when the demo day is not today, "now"
  is 09:00 project time on the demo day, so the story reads the same any day).

The zone after the clock time is an IANA name, a site code (``DEN``), ``site`` (the record's
own site) or nothing (the project's zone). ISO-8601 times with an offset are accepted too.
Every result is timezone-aware UTC.

Ids are ``uuid5`` of (project, kind, natural key), so loading the same fixture twice gives
the same ids, and loading it under another ``project_id`` gives a second, separate project.

:func:`generate_project` builds a synthetic project of any size for benchmarks: 100,000
numbers in a few seconds (numbers are built arithmetically as plain records; everything
else goes through the same validated path as the demo).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from golive_tui.domain.enums import (
    ChecklistStatus,
    EntityKind,
    HoldReason,
    IssueState,
    NumberType,
    PortState,
    RejectionCode,
)
from golive_tui.domain.errors import DomainError
from golive_tui.domain.ops import issue_ref, validate_record
from golive_tui.domain.phone import (
    InvalidPhoneNumber,
    expand_range,
    is_toll_free,
    normalise_number,
)
from golive_tui.domain.sla import SlaPolicy
from golive_tui.domain.test_plan import TEST_CASES

__all__ = [
    "FIXTURE_ACTOR",
    "RECORD_KINDS",
    "DemoDayError",
    "ProjectDocument",
    "default_demo_day",
    "generate_project",
    "load_demo",
]

Record = dict[str, Any]

#: kinds of :attr:`ProjectDocument.records`, in dependency order (a record only refers to
#: records of kinds before its own)
RECORD_KINDS: tuple[EntityKind, ...] = (
    EntityKind.SITE,
    EntityKind.MILESTONE,
    EntityKind.MEMBER,
    EntityKind.PORT_ORDER,
    EntityKind.NUMBER,
    EntityKind.CHECKLIST_ITEM,
    EntityKind.VERIFICATION,
    EntityKind.ISSUE,
    EntityKind.ISSUE_NOTE,
    EntityKind.DECISION,
)

#: ``updated_by`` of every record a fixture or the generator makes
FIXTURE_ACTOR = "fixtures"

#: the namespace of fixture ids; fixed forever so ids survive releases
_ID_NAMESPACE = uuid.UUID("6f1c3b2e-9a0d-5d4e-8b7a-2c1f0e9d8a70")

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


# --------------------------------------------------------------------------- demo day


class DemoDayError(ValueError):
    """The demo day is so near the calendar's ends that some of the times fall off it."""


def default_demo_day(today: date) -> date:
    """``today`` if it is a weekday, else the next Monday (Zoom ports on weekdays only)."""
    if today.weekday() < 5:
        return today
    return today + timedelta(days=7 - today.weekday())


def _add_business_days(day: date, count: int) -> date:
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


# --------------------------------------------------------------------------- loading

_SECTIONS = (
    "project",
    "sites",
    "milestones",
    "members",
    "port_orders",
    "numbers",
    "checklist",
    "verifications",
    "issues",
    "issue_notes",
    "decisions",
)
_FORMAT = 1

_DAY_TIME = re.compile(
    r"^(?P<base>[DB])\s*(?P<offset>[+-]\s*\d{1,4})\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?:\s+(?P<zone>\S+))?$"
)
_FROM_NOW = re.compile(r"^N(?:\s*(?P<sign>[+-])\s*(?P<amount>(?:\d+[dhm])+))?$")
_AMOUNT = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_TIME_SYNTAX = (
    "use 'D-5 09:00 America/Denver', 'B+1 17:00 site', 'N-40m' or an ISO time with an offset"
)

_TIME_FIELDS: dict[EntityKind, tuple[str, ...]] = {
    EntityKind.PROJECT: ("cutover_at",),
    EntityKind.MILESTONE: ("due_at", "done_at"),
    EntityKind.CHECKLIST_ITEM: ("due_at", "done_at"),
    EntityKind.PORT_ORDER: ("loa_signed_at", "requested_foc", "confirmed_foc"),
    EntityKind.VERIFICATION: ("tested_at",),
    EntityKind.ISSUE: ("opened_at", "responded_at", "resolved_at", "closed_at", "on_hold_since"),
    EntityKind.ISSUE_NOTE: ("at",),
    EntityKind.DECISION: ("at",),
}
_PERSON_FIELDS: dict[EntityKind, tuple[str, ...]] = {
    EntityKind.CHECKLIST_ITEM: ("assignee", "done_by"),
    EntityKind.VERIFICATION: ("tester",),
    EntityKind.ISSUE: ("assignee", "reporter"),
    EntityKind.ISSUE_NOTE: ("author",),
    EntityKind.DECISION: ("by",),
}
_FOC_STATES = frozenset({PortState.FOC_CONFIRMED, PortState.PORTED, PortState.VERIFIED})


def load_demo(
    data: Mapping[str, Any] | None = None,
    *,
    demo_day: date | None = None,
    project_id: str | None = None,
    now: datetime | None = None,
) -> ProjectDocument:
    """The demo go-live (or ``data`` of the same shape) as validated records.

    ``demo_day`` defaults to today in the project's time zone if a weekday, else the next
    Monday; ``project_id`` to an id derived from the fixture's project key; ``now`` (the
    ``updated_at`` of every record and the anchor of ``N`` times) to the current time.
    Bad fixture data raises ``ValueError`` naming the file, the record and the problem.
    """
    if data is None:
        # the one import from outside the domain: where the packaged fixture lives
        from golive_tui.resources import demo_fixture_path

        path = demo_fixture_path()
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"{source}: cannot read the demo fixture: {exc.strerror}") from None
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        if not isinstance(loaded, Mapping):
            raise ValueError(f"{source}: the fixture must be a JSON object")
        data = loaded
        assert data is not None
    else:
        source = "fixture data"
    return _load(data, source, demo_day=demo_day, project_id=project_id, now=now)


def _load(
    data: Mapping[str, Any],
    source: str,
    *,
    demo_day: date | None,
    project_id: str | None,
    now: datetime | None,
    make_numbers: Callable[[_Loader], list[Record]] | None = None,
) -> ProjectDocument:
    unknown = sorted(
        k for k in data if k not in _SECTIONS and k != "format" and not k.startswith("_")
    )
    if unknown:
        raise ValueError(
            f"{source}: unknown section{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"a fixture has: {', '.join(_SECTIONS)}"
        )
    fmt = data.get("format", _FORMAT)
    if fmt != _FORMAT:
        raise ValueError(f"{source}: fixture format {fmt!r} is not supported (expected {_FORMAT})")
    project = data.get("project")
    if not isinstance(project, Mapping):
        raise ValueError(f"{source}: 'project' must be an object with name, customer and key")
    try:
        loader = _Loader.start(source, project, demo_day=demo_day, project_id=project_id,
                               now=now)
        loader.sites(_section(data, "sites", source))
        loader.milestones(_section(data, "milestones", source))
        loader.members(_section(data, "members", source))
        loader.port_orders(_section(data, "port_orders", source))
        extra = make_numbers(loader) if make_numbers else []
        loader.numbers(_section(data, "numbers", source), extra)
        loader.checklist(_section(data, "checklist", source))
        loader.verifications(_section(data, "verifications", source))
        loader.issues(_section(data, "issues", source))
        loader.issue_notes(_section(data, "issue_notes", source))
        loader.decisions(_section(data, "decisions", source))
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


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


class _Loader:
    """Turns fixture sections into validated records, keeping the maps references need."""

    def __init__(
        self,
        source: str,
        project_key: str,
        project_id: str,
        zone: ZoneInfo,
        demo_day: date,
        now: datetime,
        anchor: datetime,
    ) -> None:
        self.source = source
        self.project_key = project_key
        self.project_id = project_id
        self.zone = zone
        self.demo_day = demo_day
        self.now = now
        self.anchor = anchor
        self.project_record: Record = {}
        self.records: dict[EntityKind, list[Record]] = {kind: [] for kind in RECORD_KINDS}
        self.site_by_code: dict[str, Record] = {}
        self.site_zone: dict[str, ZoneInfo] = {}
        self.order_by_pon: dict[str, Record] = {}
        self.order_by_id: dict[str, Record] = {}
        self.number_by_e164: dict[str, Record] = {}
        self.member_user: dict[str, str] = {}
        self.checklist_ids: dict[str, str] = {}
        self.verification_by_key: dict[str, Record] = {}
        self.issue_by_key: dict[str, Record] = {}
        self._zones: dict[str, ZoneInfo] = {}
        self._id_prefix: dict[EntityKind, Any] = {}

    # ------------------------------------------------------------------ set-up

    @classmethod
    def start(
        cls,
        source: str,
        raw: Mapping[str, Any],
        *,
        demo_day: date | None,
        project_id: str | None,
        now: datetime | None,
    ) -> _Loader:
        where = "project"
        fields = dict(raw)
        key = fields.pop("key", None)
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"{source}: {where}: needs a 'key' (the stable name ids derive from)")
        zone_name = fields.get("time_zone", "America/New_York")
        try:
            zone = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{source}: {where}: unknown time zone {zone_name!r} (use an IANA name such as "
                "America/Denver)"
            ) from None
        if now is None:
            now = datetime.now(UTC)
        elif now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        now = now.astimezone(UTC)
        today = now.astimezone(zone).date()
        day = default_demo_day(today) if demo_day is None else demo_day
        if day.weekday() >= 5:
            raise ValueError(
                f"{source}: the demo day {day.isoformat()} is a {day.strftime('%A')}; "
                "ports happen on weekdays, so pick a Monday to Friday"
            )
        anchor = now if day == today else datetime.combine(day, time(9, 0), tzinfo=zone)
        pid = project_id or str(uuid.uuid5(_ID_NAMESPACE, f"{key.strip()}\x1fproject"))
        loader = cls(source, key.strip(), pid, zone, day, now, anchor.astimezone(UTC))
        loader.project(fields)
        return loader

    def fail(self, where: str, problem: str) -> ValueError:
        return ValueError(f"{self.source}: {where}: {problem}")

    def id_for(self, kind: EntityKind, natural_key: str) -> str:
        """``uuid5(namespace, "project\x1fkind\x1fkey")``, hashed from a cached prefix.

        Same value as :func:`uuid.uuid5`, about four times faster, which matters for
        100,000 numbers.
        """
        prefix = self._id_prefix.get(kind)
        if prefix is None:
            prefix = hashlib.sha1(_ID_NAMESPACE.bytes, usedforsecurity=False)
            prefix.update(f"{self.project_id}\x1f{kind.value}\x1f".encode())
            self._id_prefix[kind] = prefix
        digest = prefix.copy()
        digest.update(natural_key.encode())
        raw = bytearray(digest.digest()[:16])
        raw[6] = (raw[6] & 0x0F) | 0x50
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def finish(self, kind: EntityKind, natural_key: str, where: str, fields: Record) -> Record:
        """Stamp, validate and keep one record."""
        record = dict(fields)
        record.update(
            id=self.id_for(kind, natural_key),
            project_id=self.project_id,
            version=1,
            updated_at=self.now,
            updated_by=FIXTURE_ACTOR,
        )
        try:
            valid = validate_record(kind, record)
        except DomainError as exc:
            raise self.fail(where, exc.message) from None
        self.records[kind].append(valid)
        return valid

    # ------------------------------------------------------------------ values

    def zone_for(self, token: str | None, site_zone: ZoneInfo | None, where: str) -> ZoneInfo:
        if token is None:
            return self.zone
        if token.lower() == "site":
            if site_zone is None:
                raise self.fail(where, "time zone 'site' is used but the record has no site")
            return site_zone
        if token.upper() in self.site_zone:
            return self.site_zone[token.upper()]
        if token not in self._zones:
            try:
                self._zones[token] = ZoneInfo(token)
            except (ZoneInfoNotFoundError, ValueError):
                raise self.fail(
                    where,
                    f"unknown time zone {token!r}: give an IANA name, a site code or 'site'",
                ) from None
        return self._zones[token]

    def when(self, value: Any, where: str, site_zone: ZoneInfo | None = None) -> datetime | None:
        """A fixture time (relative or ISO) as an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise self.fail(where, "time without a time zone")
            return value.astimezone(UTC)
        if not isinstance(value, str):
            raise self.fail(where, f"{_text(value)} is not a time; {_TIME_SYNTAX}")
        text = value.strip()
        match = _FROM_NOW.match(text)
        if match:
            delta = timedelta()
            for amount, unit in _AMOUNT.findall(match["amount"] or ""):
                delta += timedelta(**{_UNITS[unit]: int(amount)})
            return self.anchor - delta if match["sign"] == "-" else self.anchor + delta
        match = _DAY_TIME.match(text)
        if match:
            offset = int(match["offset"].replace(" ", ""))
            if match["base"] == "D":
                day = self.demo_day + timedelta(days=offset)
            else:
                day = _add_business_days(self.demo_day, offset)
            hour, minute = int(match["hour"]), int(match["minute"])
            if hour > 23 or minute > 59:
                raise self.fail(where, f"{text!r} has no such clock time")
            zone = self.zone_for(match["zone"], site_zone, where)
            return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(where, f"{text!r} is not a time; {_TIME_SYNTAX}") from None
        if parsed.tzinfo is None:
            raise self.fail(where, f"{text!r} has no offset; add one (Z, -07:00) or a zone")
        return parsed.astimezone(UTC)

    def times(
        self, kind: EntityKind, fields: Record, where: str, site_zone: ZoneInfo | None = None
    ) -> None:
        for name in _TIME_FIELDS.get(kind, ()):
            if name in fields:
                fields[name] = self.when(fields[name], f"{where}, {name}", site_zone)

    def person(self, value: Any, where: str) -> str:
        if value is None or value == "":
            return ""
        if not isinstance(value, str):
            raise self.fail(where, f"{_text(value)} is not a person")
        user = self.member_user.get(value.strip().casefold())
        if user is None:
            known = ", ".join(sorted(set(self.member_user.values())))
            raise self.fail(where, f"{value!r} is not a project member (members: {known})")
        return user

    def people(self, kind: EntityKind, fields: Record, where: str) -> None:
        for name in _PERSON_FIELDS.get(kind, ()):
            if name in fields:
                fields[name] = self.person(fields[name], f"{where}, {name}")

    def number(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"{_text(value)} is not a phone number")
        try:
            return normalise_number(value)
        except InvalidPhoneNumber as exc:
            raise self.fail(where, str(exc)) from None

    def site(self, code: Any, where: str) -> Record:
        site = self.site_by_code.get(str(code).upper()) if isinstance(code, str) else None
        if site is None:
            known = ", ".join(self.site_by_code) or "none"
            raise self.fail(where, f"unknown site {code!r} (sites: {known})")
        return site

    def zone_of_site(self, site_id: str | None) -> ZoneInfo | None:
        for code, site in self.site_by_code.items():
            if site["id"] == site_id:
                return self.site_zone[code]
        return None

    def natural(self, fields: Record, name: str, where: str) -> str:
        value = fields.pop(name, None)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"needs a '{name}'")
        return value.strip()

    # ------------------------------------------------------------------ sections

    def project(self, fields: Record) -> None:
        fields = dict(fields)
        self.times(EntityKind.PROJECT, fields, "project")
        policy = fields.get("sla_policy")
        if policy:
            try:
                SlaPolicy.model_validate(policy)
            except ValueError as exc:
                raise self.fail("project, sla_policy", str(exc)) from None
        record = dict(fields)
        record.update(
            id=self.project_id,
            project_id=self.project_id,
            version=1,
            updated_at=self.now,
            updated_by=FIXTURE_ACTOR,
        )
        try:
            self.project_record = validate_record(EntityKind.PROJECT, record)
        except DomainError as exc:
            raise self.fail("project", exc.message) from None

    def sites(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            code = self.natural(fields, "code", f"sites[{index}]").upper()
            where = f"sites[{index}] ({code})"
            if code in self.site_by_code:
                raise self.fail(where, f"site code {code} is used twice")
            zone_name = str(fields.get("time_zone", "America/New_York"))
            try:
                zone = ZoneInfo(zone_name)
            except (ZoneInfoNotFoundError, ValueError):
                raise self.fail(where, f"unknown time zone {zone_name!r}") from None
            if fields.get("main_number"):
                fields["main_number"] = self.number(fields["main_number"], f"{where}, main_number")
            fields["code"] = code
            self.site_by_code[code] = self.finish(EntityKind.SITE, code, where, fields)
            self.site_zone[code] = zone

    def milestones(self, section: Sequence[Mapping[str, Any]]) -> None:
        seen: set[str] = set()
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = fields.pop("key", None) or fields.get("name")
            if not isinstance(key, str) or not key:
                raise self.fail(f"milestones[{index}]", "needs a 'key' or a 'name'")
            where = f"milestones[{index}] ({key})"
            if key in seen:
                raise self.fail(where, f"milestone {key} is given twice")
            seen.add(key)
            self.times(EntityKind.MILESTONE, fields, where)
            self.finish(EntityKind.MILESTONE, key, where, fields)

    def members(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            user = self.natural(fields, "user", f"members[{index}]")
            where = f"members[{index}] ({user})"
            if user.casefold() in self.member_user:
                raise self.fail(where, f"member {user} is given twice")
            fields["user"] = user
            record = self.finish(EntityKind.MEMBER, user, where, fields)
            self.member_user[user.casefold()] = user
            name = str(record["display_name"]).strip()
            if name:
                self.member_user.setdefault(name.casefold(), user)

    def port_orders(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            pon = self.natural(fields, "pon", f"port_orders[{index}]")
            where = f"port_orders[{index}] ({pon})"
            if pon in self.order_by_pon:
                raise self.fail(where, f"PON {pon} is used twice")
            fields["pon"] = pon
            if fields.get("btn"):
                fields["btn"] = self.number(fields["btn"], f"{where}, btn")
            self.times(EntityKind.PORT_ORDER, fields, where)
            status = self._port_state(fields.get("status", PortState.DRAFT), where)
            code = fields.get("rejection_code")
            if status is PortState.REJECTED:
                if code not in RejectionCode.__members__:
                    codes = ", ".join(RejectionCode)
                    raise self.fail(where, f"a rejected order needs a rejection_code ({codes})")
            elif status is PortState.NOT_PORTABLE:
                fields["rejection_code"] = RejectionCode.NOT_PORTABLE.value
            elif code is not None:
                raise self.fail(where, f"rejection_code {code} is given but the order is {status}")
            if status in _FOC_STATES and fields.get("confirmed_foc") is None:
                raise self.fail(where, f"a {status.value} order needs its confirmed_foc time")
            record = self.finish(EntityKind.PORT_ORDER, pon, where, fields)
            self.order_by_pon[pon] = record
            self.order_by_id[record["id"]] = record

    def _port_state(self, value: Any, where: str) -> PortState:
        try:
            return PortState(value)
        except ValueError:
            states = ", ".join(PortState)
            raise self.fail(where, f"{_text(value)} is not a porting state ({states})") from None

    def numbers(self, section: Sequence[Mapping[str, Any]], extra: Sequence[Record]) -> None:
        """Range and number entries: the first mention creates a number, later ones refine."""
        pending: dict[str, Record] = {}
        origin: dict[str, str] = {}
        for index, raw in enumerate(section):
            fields = dict(raw)
            has_range, has_number = "range" in fields, "number" in fields
            if has_range == has_number:
                raise self.fail(f"numbers[{index}]", "give either a 'range' or a 'number'")
            text = fields.pop("range") if has_range else fields.pop("number")
            where = f"numbers[{index}] ({_text(text)})"
            if not isinstance(text, str):
                raise self.fail(where, "the number or range must be text")
            try:
                e164s = expand_range(text)
            except InvalidPhoneNumber as exc:
                raise self.fail(where, str(exc)) from None
            if has_number and len(e164s) != 1:
                raise self.fail(where, "a 'number' entry names one number; use 'range'")
            update = self._number_fields(fields, where)
            for e164 in e164s:
                if e164 in pending:
                    pending[e164].update(update)
                    continue
                if "site_id" not in update:
                    raise self.fail(where, f"{e164} is new here, so the entry needs a 'site'")
                pending[e164] = {"e164": e164, **update}
                origin[e164] = where
        for e164, fields in pending.items():
            where = origin[e164]
            self._number_defaults(e164, fields, where)
            self.number_by_e164[e164] = self.finish(EntityKind.NUMBER, e164, where, fields)
        self.number_by_e164.update((record["e164"], record) for record in extra)
        self.records[EntityKind.NUMBER].extend(extra)
        for code, site in self.site_by_code.items():
            main = site.get("main_number")
            if main and main not in self.number_by_e164:
                raise self.fail(f"site {code}", f"main number {main} is not in the numbers list")

    def _number_fields(self, fields: Record, where: str) -> Record:
        update: Record = {}
        renames = {"type": "number_type", "state": "porting_state"}
        for name, value in fields.items():
            if name == "site":
                update["site_id"] = self.site(value, where)["id"]
            elif name == "order":
                order = self.order_by_pon.get(str(value))
                if order is None:
                    known = ", ".join(self.order_by_pon) or "none"
                    raise self.fail(where, f"unknown order {_text(value)} (PONs: {known})")
                update["order_id"] = order["id"]
            elif name == "temp_number":
                update[name] = None if value is None else self.number(value, f"{where}, {name}")
            elif name in ("assigned_to", "rejection_code") or name in renames:
                update[renames.get(name, name)] = value
            else:
                raise self.fail(
                    where,
                    f"unknown field {name!r} for a number entry (use site, order, type, state, "
                    "assigned_to, temp_number, rejection_code)",
                )
        return update

    def _number_defaults(self, e164: str, fields: Record, where: str) -> None:
        where = f"{where}, number {e164}"
        order = self.order_by_id.get(fields.get("order_id") or "")
        if "porting_state" not in fields:
            fields["porting_state"] = order["status"] if order else PortState.DRAFT
        state = self._port_state(fields["porting_state"], where)
        if state is PortState.REJECTED:
            code = fields.get("rejection_code") or (order or {}).get("rejection_code")
            if code not in RejectionCode.__members__:
                raise self.fail(where, "a rejected number needs a rejection_code")
            fields["rejection_code"] = code
        elif state is PortState.NOT_PORTABLE:
            fields["rejection_code"] = RejectionCode.NOT_PORTABLE.value
        else:
            fields["rejection_code"] = None
        toll_free = is_toll_free(e164)
        if fields.get("number_type", NumberType.DID) == NumberType.TOLL_FREE and not toll_free:
            raise self.fail(where, "type toll_free, but the number is not a toll-free number")
        if order is not None and bool(order["toll_free"]) != toll_free:
            if toll_free:
                problem = f"a toll-free number needs its own toll-free order, not {order['pon']}"
            else:
                problem = f"{order['pon']} is a toll-free order; it holds only toll-free numbers"
            raise self.fail(where, problem)

    def checklist(self, section: Sequence[Mapping[str, Any]]) -> None:
        keys: list[str] = []
        for index, raw in enumerate(section):
            key = raw.get("key")
            if not isinstance(key, str) or not key.strip():
                raise self.fail(f"checklist[{index}]", "needs a 'key'")
            if key.strip() in self.checklist_ids:
                raise self.fail(f"checklist[{index}] ({key})", f"key {key} is used twice")
            self.checklist_ids[key.strip()] = self.id_for(EntityKind.CHECKLIST_ITEM, key.strip())
            keys.append(key.strip())
        graph: dict[str, list[str]] = {}
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = keys[index]
            fields["key"] = key
            where = f"checklist[{index}] ({key})"
            predecessors = fields.get("predecessors", [])
            if not isinstance(predecessors, list):
                raise self.fail(where, "predecessors must be a list of checklist keys")
            for pred in predecessors:
                if pred not in self.checklist_ids:
                    raise self.fail(where, f"unknown predecessor {_text(pred)}")
                if pred == key:
                    raise self.fail(where, "an item cannot be its own predecessor")
            graph[key] = list(predecessors)
            fields["predecessors"] = [self.checklist_ids[p] for p in predecessors]
            self.times(EntityKind.CHECKLIST_ITEM, fields, where)
            self.people(EntityKind.CHECKLIST_ITEM, fields, where)
            fields.setdefault("sort_order", (index + 1) * 10)
            status = fields.get("status", ChecklistStatus.TODO)
            if status == ChecklistStatus.DONE:
                fields.setdefault("done_at", fields.get("due_at"))
                fields.setdefault("done_by", fields.get("assignee", ""))
            comment = str(fields.get("skip_comment", "")).strip()
            if status == ChecklistStatus.SKIPPED and not comment:
                raise self.fail(where, "a skipped item needs a skip_comment saying why")
            self.finish(EntityKind.CHECKLIST_ITEM, key, where, fields)
        cycle = _find_cycle(graph)
        if cycle:
            raise self.fail("checklist", f"predecessors form a cycle: {' -> '.join(cycle)}")
        # a document holds what the rules would have let happen: done after its predecessors
        status_of = {
            key: ChecklistStatus(raw.get("status", ChecklistStatus.TODO))
            for key, raw in zip(keys, section, strict=True)
        }
        for index, key in enumerate(keys):
            if status_of[key] is not ChecklistStatus.DONE:
                continue
            still_open = [
                pred for pred in graph[key]
                if status_of[pred] not in (ChecklistStatus.DONE, ChecklistStatus.SKIPPED)
            ]
            if still_open:
                raise self.fail(
                    f"checklist[{index}] ({key})",
                    f"is done while its predecessor {', '.join(still_open)} is open; "
                    "an item is done only after what it waits for (or that is skipped)",
                )

    def verifications(self, section: Sequence[Mapping[str, Any]]) -> None:
        seen: set[str] = set()
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = fields.pop("key", None)
            code = str(fields.get("test_case", "")).upper()
            where = f"verifications[{index}] ({key or code})"
            if code not in TEST_CASES:
                raise self.fail(
                    where, f"unknown test case {code!r}; the plan has {', '.join(TEST_CASES)}"
                )
            fields["test_case"] = code
            target = self._links(fields, where)
            fields.setdefault("target", target)
            if not fields.get("target"):
                raise self.fail(where, "needs a 'site', a 'number' or a 'target'")
            if fields.get("tested_at") is None:
                raise self.fail(where, "needs 'tested_at' (the log is ordered by it)")
            raw_time = _text(fields["tested_at"])
            site_zone = self.zone_of_site(fields.get("site_id"))
            self.times(EntityKind.VERIFICATION, fields, where, site_zone)
            self.people(EntityKind.VERIFICATION, fields, where)
            natural = key or f"{code}|{fields['target']}|{raw_time}"
            if natural in seen:
                raise self.fail(where, "the same test, target and time appear twice; add a 'key'")
            seen.add(natural)
            record = self.finish(EntityKind.VERIFICATION, natural, where, fields)
            if key:
                self.verification_by_key[key] = record

    def _links(self, fields: Record, where: str) -> str:
        """Resolve 'site' and 'number' into ids; the default target they imply."""
        target = ""
        if "site" in fields:
            site = self.site(fields.pop("site"), where)
            fields["site_id"] = site["id"]
            target = str(site["code"])
        if "number" in fields:
            e164 = self.number(fields.pop("number"), where)
            number = self.number_by_e164.get(e164)
            if number is None:
                raise self.fail(where, f"{e164} is not one of the project's numbers")
            fields["number_id"] = number["id"]
            fields.setdefault("site_id", number["site_id"])
            target = e164
        return target

    def issues(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = self.natural(fields, "key", f"issues[{index}]")
            where = f"issues[{index}] ({key})"
            if key in self.issue_by_key:
                raise self.fail(where, f"issue key {key} is used twice")
            self._links(fields, where)
            if "verification" in fields:
                ref = fields.pop("verification")
                verification = self.verification_by_key.get(str(ref))
                if verification is None:
                    raise self.fail(where, f"unknown verification key {_text(ref)}")
                fields["verification_id"] = verification["id"]
                fields.setdefault("site_id", verification["site_id"])
            self.times(EntityKind.ISSUE, fields, where, self.zone_of_site(fields.get("site_id")))
            self.people(EntityKind.ISSUE, fields, where)
            self._check_issue(fields, where)
            fields["ref"] = issue_ref(self.id_for(EntityKind.ISSUE, key))
            self.issue_by_key[key] = self.finish(EntityKind.ISSUE, key, where, fields)

    def _check_issue(self, fields: Record, where: str) -> None:
        state = IssueState(fields.get("state", IssueState.NEW))
        if fields.get("opened_at") is None:
            raise self.fail(where, "needs 'opened_at'")
        needs: list[str] = []
        if state not in (IssueState.NEW, IssueState.CANCELLED):
            needs.append("responded_at")
        if state is IssueState.ON_HOLD:
            needs += ["on_hold_since", "hold_reason"]
        if state in (IssueState.RESOLVED, IssueState.CLOSED):
            needs += ["resolved_at", "resolution"]
        if state in (IssueState.CLOSED, IssueState.CANCELLED):
            needs.append("closed_at")
        missing = [name for name in needs if not fields.get(name)]
        if missing:
            raise self.fail(where, f"a {state.value} issue needs {', '.join(missing)}")
        reason = fields.get("hold_reason")
        if reason and reason not in {r.value for r in HoldReason}:
            raise self.fail(where, f"hold_reason must be one of {', '.join(HoldReason)}")
        order = ("opened_at", "responded_at", "resolved_at", "closed_at")
        stamps = [(name, fields[name]) for name in order if fields.get(name) is not None]
        for (first, a), (second, b) in pairwise(stamps):
            if b < a:
                raise self.fail(where, f"{second} is before {first}")

    def issue_notes(self, section: Sequence[Mapping[str, Any]]) -> None:
        per_issue: dict[str, int] = {}
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = self.natural(fields, "issue", f"issue_notes[{index}]")
            where = f"issue_notes[{index}] (on {key})"
            issue = self.issue_by_key.get(key)
            if issue is None:
                raise self.fail(where, f"unknown issue key {key}")
            fields["issue_id"] = issue["id"]
            per_issue[key] = per_issue.get(key, 0) + 1
            self.times(EntityKind.ISSUE_NOTE, fields, where, self.zone_of_site(issue["site_id"]))
            self.people(EntityKind.ISSUE_NOTE, fields, where)
            if fields.get("at") is None:
                raise self.fail(where, "needs 'at'")
            self.finish(EntityKind.ISSUE_NOTE, f"{key}|{per_issue[key]}", where, fields)

    def decisions(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = str(fields.pop("key", index + 1))
            where = f"decisions[{index}] ({key})"
            self.times(EntityKind.DECISION, fields, where)
            self.people(EntityKind.DECISION, fields, where)
            if fields.get("at") is None:
                raise self.fail(where, "needs 'at'")
            self.finish(EntityKind.DECISION, key, where, fields)


def _find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str]:
    """A cycle in ``item -> predecessors`` as a list of keys, or [] if there is none."""
    done: set[str] = set()
    for start in graph:
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(graph.get(start, ())))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, preds = stack[-1]
            for pred in preds:
                if pred in on_path:
                    return [*path[path.index(pred) :], pred]
                if pred not in done:
                    stack.append((pred, iter(graph.get(pred, ()))))
                    path.append(pred)
                    on_path.add(pred)
                    break
            else:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
    return []


# --------------------------------------------------------------------------- generator

# Data tables, laid out by hand for reading.
# fmt: off
#: (code, name, street address, time zone, area codes) of the generator's sites
_GEN_SITES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("DEN", "Denver Distribution Center", "4800 Dahlia St, Denver, CO 80216",
     "America/Denver", ("303", "720")),
    ("NYC", "New York Office", "250 W 34th St, Floor 9, New York, NY 10119",
     "America/New_York", ("212", "646", "917", "718", "332")),
    ("LAX", "Los Angeles Cross-Dock", "2200 E 7th St, Los Angeles, CA 90023",
     "America/Los_Angeles", ("213", "310", "323", "818", "424")),
    ("CHI", "Chicago Hub", "3400 S Kedzie Ave, Chicago, IL 60623",
     "America/Chicago", ("312", "773", "872")),
    ("ATL", "Atlanta Warehouse", "1600 Southside Industrial Pkwy, Atlanta, GA 30354",
     "America/New_York", ("404", "470", "678")),
    ("DAL", "Dallas Terminal", "8100 Ambassador Row, Dallas, TX 75247",
     "America/Chicago", ("214", "469", "972")),
    ("SEA", "Seattle Port Office", "3400 E Marginal Way S, Seattle, WA 98134",
     "America/Los_Angeles", ("206", "425")),
    ("PHX", "Phoenix Yard", "4400 W Buckeye Rd, Phoenix, AZ 85043",
     "America/Phoenix", ("602", "480")),
    ("BOS", "Boston Office", "100 Summer St, Floor 12, Boston, MA 02110",
     "America/New_York", ("617", "857")),
    ("SFO", "Oakland Gateway", "1 Market St, San Francisco, CA 94105",
     "America/Los_Angeles", ("415", "628")),
    ("HOU", "Houston Depot", "9200 Wallisville Rd, Houston, TX 77013",
     "America/Chicago", ("713", "832", "281")),
    ("SLC", "Salt Lake Depot", "1850 S 5070 W, Salt Lake City, UT 84104",
     "America/Denver", ("801", "385")),
    ("ANC", "Anchorage Air Freight", "5600 W International Airport Rd, Anchorage, AK 99502",
     "America/Anchorage", ("907",)),
    ("HNL", "Honolulu Harbor Office", "521 Ala Moana Blvd, Honolulu, HI 96813",
     "Pacific/Honolulu", ("808",)),
)
_TOLL_FREE_NPAS = ("800", "888", "877", "866", "855", "844", "833")
#: exchanges 200-999 without 555 (fiction) and N11 (service codes): valid in every real NPA
_EXCHANGES: tuple[int, ...] = tuple(x for x in range(200, 1000) if x != 555 and x % 100 != 11)
_CARRIERS = ("Lumen", "Verizon Business", "AT&T", "Comcast Business", "Frontier", "Spectrum")
#: how often each state is drawn for an order (every state appears once first)
_ORDER_STATE_WEIGHTS: tuple[tuple[PortState, int], ...] = (
    (PortState.DRAFT, 5),
    (PortState.LOA_PENDING, 8),
    (PortState.SUBMITTED, 15),
    (PortState.FOC_CONFIRMED, 22),
    (PortState.PORTED, 25),
    (PortState.VERIFIED, 12),
    (PortState.REJECTED, 6),
    (PortState.CANCELLED, 3),
    (PortState.NOT_PORTABLE, 1),
    (PortState.SNAPBACK_REQUESTED, 3),
)
#: numbers of one order diverge (DIDWW): (share of the order's numbers, the state they are in)
_NUMBER_DIVERGENCE: dict[PortState, tuple[float, PortState]] = {
    PortState.PORTED: (0.3, PortState.VERIFIED),
    PortState.VERIFIED: (0.1, PortState.PORTED),
    PortState.SNAPBACK_REQUESTED: (0.95, PortState.PORTED),
    PortState.FOC_CONFIRMED: (0.01, PortState.REJECTED),
}
_REJECTIONS = tuple(code for code in RejectionCode if code is not RejectionCode.NOT_PORTABLE)
_FIRST = ("Avery", "Jordan", "Priya", "Mateo", "Hana", "Kwame", "Lucia", "Owen", "Mei", "Tariq",
          "Sofia", "Dmitri", "Amara", "Liam", "Yuki", "Noor", "Elena", "Marcus", "Ines", "Ravi")
_LAST = ("Alvarez", "Brooks", "Chen", "Dubois", "Eriksen", "Fofana", "Garcia", "Haddad", "Ito",
         "Jensen", "Kowalczyk", "Lindqvist", "Mensah", "Novak", "Okafor", "Patel", "Quinn",
         "Rossi", "Sato", "Turner", "Underwood", "Varga", "Whitfield", "Yilmaz", "Zhang")
_QUEUES = ("Dispatch Queue", "Customer Service Queue", "Billing Queue", "Driver Line Queue")

_GEN_MEMBERS = (
    ("avery.brooks", "Avery Brooks", "ipm"),
    ("mateo.garcia", "Mateo Garcia", "engineer"),
    ("hana.ito", "Hana Ito", "engineer"),
    ("ravi.patel", "Ravi Patel", "support"),
    ("ines.rossi", "Ines Rossi", "support"),
    ("kwame.mensah", "Kwame Mensah", "customer"),
    ("sofia.novak", "Sofia Novak", "viewer"),
)
_ROLE_PERSON = {"ipm": "avery.brooks", "engineer": "mateo.garcia", "support": "ravi.patel",
                "customer": "kwame.mensah"}
#: key, title, phase, stream, owner role, status, gate, due
_GEN_CHECKLIST: tuple[tuple[str, str, str, str, str, str, bool, str], ...] = (
    ("PRJ-01", "IPM assigned; expectations set with the MPOC", "ipm_assigned", "project",
     "ipm", "done", False, "B-40 10:00"),
    ("PRJ-02", "Statement of work signed", "initial_setup", "project", "ipm", "done", False,
     "B-36 17:00"),
    ("PRJ-03", "Implementation plan and calendar published", "initial_setup", "project", "ipm",
     "done", False, "B-35 17:00"),
    ("PRJ-04", "Kickoff call held; licences ordered", "kickoff", "project", "ipm", "done",
     False, "B-33 11:00"),
    ("POR-01", "LOAs signed for every order (toll-free on its own LOA)", "kickoff", "porting",
     "customer", "done", True, "B-20 17:00"),
    ("NET-01", "Bandwidth 60-100 kbps per call, QoS / DSCP, firewall rules, SIP ALG off, "
     "UDP NAT timeout ≥ 70 s", "implementation", "network", "engineer", "done", True,
     "B-10 17:00"),
    ("BLD-01", "Users 1:1 with extensions; desk phones provisioned by MAC and online",
     "implementation", "build", "engineer", "in_progress", True, "D+0 10:00"),
    ("BLD-02", "Auto receptionists (business / closed / holiday hours), call queues with "
     "overflow, voicemail-to-email", "implementation", "build", "engineer", "done", False,
     "B-5 17:00"),
    ("E911-01", "Kari's Law and RAY BAUM'S Act dispatchable location", "implementation",
     "e911", "engineer", "done", True, "B-6 17:00"),
    ("E911-02", "Emergency address verified for every site", "implementation", "e911",
     "engineer", "in_progress", True, "B-1 17:00"),
    ("CUS-01", "Zoom training done and network readiness confirmed", "implementation",
     "customer", "customer", "done", True, "B-3 17:00"),
    ("POR-02", "Every port order FOC-confirmed in writing; temp-number swaps mapped",
     "go_live", "porting", "ipm", "blocked", True, "B-5 17:00"),
    ("GL-01", "Go / no-go call", "go_live", "project", "ipm", "todo", False,
     "D+0 11:00 America/New_York"),
    ("GL-02", "On-site verification at every site", "go_live", "project", "engineer",
     "todo", False, "D+0 17:00"),
    ("HC-01", "Hypercare rota and escalation path published", "hypercare", "support",
     "support", "todo", False, "D+0 17:00"),
    ("HC-02", "Daily issue review with the MPOC", "hypercare", "support", "ipm", "todo",
     False, "B+5 17:00"),
    ("ACC-01", "Formal hand-off to Service & Support", "acceptance", "support", "support",
     "todo", False, "B+14 12:00"),
    ("ACC-02", "Customer acceptance sign-off and feedback", "acceptance", "customer",
     "customer", "todo", False, "B+15 10:00"),
)
#: items that wait for another than the one before them (done items wait for done ones)
_GEN_AFTER = {"BLD-02": "NET-01", "CUS-01": "NET-01"}
_PHASE_MILESTONES = (
    ("ipm_assigned", "IPM assigned", "B-40 10:00", True),
    ("initial_setup", "SOW and implementation plan", "B-35 17:00", True),
    ("kickoff", "Kickoff call", "B-33 11:00", True),
    ("implementation", "Build complete", "B-2 17:00", False),
    ("go_live", "Go-live", "D+0 11:30 America/New_York", False),
    ("hypercare", "Hypercare ends", "B+10 17:00", False),
    ("acceptance", "Acceptance and hand-off", "B+15 10:00", False),
)
# fmt: on


def generate_project(
    n_numbers: int,
    *,
    seed: int = 7,
    sites: int = 5,
    orders: int | None = None,
    demo_day: date | None = None,
    now: datetime | None = None,
) -> ProjectDocument:
    """A synthetic project with ``n_numbers`` unique, valid North American numbers.

    Numbers come from real area codes and exchanges (never 555 or N11), in blocks of up to
    100 consecutive numbers per port order; ``orders`` (default: one per 100 numbers) splits
    them evenly, so an order above 100 numbers is a project port. Order states cover every
    :class:`PortState` once there are ten orders or more. Sites, members, milestones, a
    checklist over all seven phases, verifications and issues of every priority come with it
    so every screen has data. The same arguments always give the same records and ids.
    """
    if n_numbers < 0:
        raise ValueError("n_numbers cannot be negative")
    if not 1 <= sites <= len(_GEN_SITES):
        raise ValueError(f"sites must be between 1 and {len(_GEN_SITES)}")
    if orders is None:
        orders = max(1, math.ceil(n_numbers / WEB_PORT_LIMIT))
    if orders < 1:
        raise ValueError("orders must be at least 1")
    rng = random.Random(seed)
    chosen_sites = _GEN_SITES[:sites]

    sizes = [n_numbers // orders + (1 if i < n_numbers % orders else 0) for i in range(orders)]
    states = [state for state, _ in _ORDER_STATE_WEIGHTS]
    weights = [weight for _, weight in _ORDER_STATE_WEIGHTS]
    order_states = states[:orders] + rng.choices(states, weights, k=max(0, orders - len(states)))
    rng.shuffle(order_states)
    # one toll-free order in 40 (at least one when there are 20 orders or more)
    toll_free = [i % 40 == 19 for i in range(orders)]

    # number blocks: per pool (a site, or toll-free), distinct (npa, exchange, hundred) blocks
    pool_npas: dict[str, tuple[str, ...]] = {site[0]: site[4] for site in chosen_sites}
    pool_npas["TF"] = _TOLL_FREE_NPAS
    order_pool = ["TF" if toll_free[i] else chosen_sites[i % sites][0] for i in range(orders)]
    blocks_needed: dict[str, int] = {}
    for i, size in enumerate(sizes):
        pool = order_pool[i]
        blocks_needed[pool] = blocks_needed.get(pool, 0) + max(1, math.ceil(size / 100))
    free_blocks: dict[str, list[int]] = {}
    for pool, needed in blocks_needed.items():
        capacity = len(pool_npas[pool]) * len(_EXCHANGES) * 100
        if needed > capacity:
            raise ValueError(f"too many numbers for the area codes of {pool}; add sites")
        free_blocks[pool] = rng.sample(range(capacity), needed)

    order_numbers: list[list[str]] = []
    for i, size in enumerate(sizes):
        pool = order_pool[i]
        npas = pool_npas[pool]
        numbers: list[str] = []
        while len(numbers) < size:
            block = free_blocks[pool].pop()
            npa = npas[block // (len(_EXCHANGES) * 100)]
            exchange = _EXCHANGES[(block // 100) % len(_EXCHANGES)]
            first_line = (block % 100) * 100
            take = min(100, size - len(numbers))
            prefix = f"+1{npa}{exchange}"
            numbers.extend(f"{prefix}{line:04d}" for line in range(first_line, first_line + take))
        order_numbers.append(numbers)

    site_main: dict[str, str] = {}
    for i, numbers in enumerate(order_numbers):
        if numbers and not toll_free[i]:
            site_main.setdefault(order_pool[i], numbers[0])

    fixture = _generated_fixture(
        n_numbers,
        seed,
        sites,
        orders,
        chosen_sites,
        sizes,
        order_states,
        toll_free,
        order_numbers,
        site_main,
        rng,
    )
    return _load_generated(fixture, demo_day, now, order_numbers, order_pool, site_main, rng)


def _generated_fixture(
    n_numbers: int,
    seed: int,
    n_sites: int,
    n_orders: int,
    chosen_sites: Sequence[tuple[str, str, str, str, tuple[str, ...]]],
    sizes: Sequence[int],
    order_states: Sequence[PortState],
    toll_free: Sequence[bool],
    order_numbers: Sequence[Sequence[str]],
    site_main: Mapping[str, str],
    rng: random.Random,
) -> Record:
    """Everything but the numbers, in the fixture format (so it is validated the same way)."""
    sites = []
    for index, (code, name, address, zone, _npas) in enumerate(chosen_sites):
        pending = n_sites > 1 and index == n_sites - 1
        sites.append(
            {
                "code": code,
                "name": name,
                "address": address,
                "time_zone": zone,
                "e911_address": address,
                "e911_status": "pending" if pending else "verified",
                "main_number": site_main.get(code),
                "floors": 1 + index % 3,
            }
        )
    port_orders = [
        _generated_order(i, state, sizes[i], toll_free[i], order_numbers[i], rng)
        for i, state in enumerate(order_states)
    ]
    checklist = [
        {
            "key": key,
            "title": title,
            "phase": phase,
            "stream": stream,
            "owner_role": role,
            "assignee": _ROLE_PERSON[role],
            "due_at": due,
            "predecessors": [_GEN_AFTER.get(key, _GEN_CHECKLIST[i - 1][0])] if i else [],
            "gate": gate,
            "status": status,
        }
        for i, (key, title, phase, stream, role, status, gate, due) in enumerate(_GEN_CHECKLIST)
    ]
    first = chosen_sites[0][0]
    last = chosen_sites[-1][0]
    verifications: list[Record] = []
    for code, *_ in chosen_sites:
        verifications += [
            {
                "test_case": "NET-01",
                "site": code,
                "result": "pass",
                "tester": "mateo.garcia",
                "tested_at": "N-5h",
            },
            {
                "test_case": "NET-02",
                "site": code,
                "result": "pass",
                "tester": "mateo.garcia",
                "tested_at": "N-4h",
                "mos": 4.2,
                "loss_pct": 0.3,
            },
        ]
    verifications.append(
        {
            "key": "E911-FAIL",
            "test_case": "E911-01",
            "site": last,
            "result": "fail",
            "tester": "hana.ito",
            "tested_at": "N-50m",
            "note": "933 announced the old street address.",
        }
    )
    if first in site_main:
        verifications.append(
            {
                "test_case": "DID",
                "number": site_main[first],
                "result": "pass",
                "tester": "mateo.garcia",
                "tested_at": "N-3h",
            }
        )
    issues: list[Record] = [
        {
            "key": "GEN-P1",
            "title": f"933 from {last} announces the wrong address",
            "priority": "P1",
            "state": "in_progress",
            "category": "e911_address",
            "assignee": "hana.ito",
            "reporter": "hana.ito",
            "site": last,
            "verification": "E911-FAIL",
            "opened_at": "N-45m",
            "responded_at": "N-35m",
        },
        {
            "key": "GEN-P2",
            "title": "Dispatch queue overflow rings an empty hunt group",
            "priority": "P2",
            "state": "on_hold",
            "category": "call_queue",
            "assignee": "ravi.patel",
            "reporter": "kwame.mensah",
            "site": first,
            "opened_at": "B-1 10:00",
            "responded_at": "B-1 10:30",
            "on_hold_since": "B-1 11:00",
            "hold_reason": "awaiting_customer",
        },
        {
            "key": "GEN-P3",
            "title": "Echo on calls from the warehouse floor phones",
            "priority": "P3",
            "state": "in_progress",
            "category": "echo_dtmf",
            "assignee": "ines.rossi",
            "reporter": "mateo.garcia",
            "site": first,
            "opened_at": "N-3h",
            "responded_at": "N-2h",
        },
        {
            "key": "GEN-P4",
            "title": "How do drivers check voicemail from the mobile app?",
            "priority": "P4",
            "state": "new",
            "category": "training",
            "reporter": "kwame.mensah",
            "source": "portal",
            "opened_at": "N-90m",
        },
        {
            "key": "GEN-DONE",
            "title": "Fax to the customs broker fails after page 1",
            "priority": "P3",
            "state": "resolved",
            "category": "fax",
            "assignee": "ravi.patel",
            "reporter": "mateo.garcia",
            "site": first,
            "opened_at": "B-3 09:00",
            "responded_at": "B-3 09:30",
            "resolved_at": "B-2 15:00",
            "resolution": "ATA switched from G.711 pass-through to T.38.",
        },
    ]
    notes = [
        {
            "issue": "GEN-P1",
            "author": "hana.ito",
            "at": "N-35m",
            "body": "Zoom shows the emergency address as pending; re-submitted the corrected one.",
        },
        {
            "issue": "GEN-P2",
            "author": "ravi.patel",
            "at": "B-1 11:00",
            "body": "Waiting for the customer to name the overflow target.",
        },
    ]
    return {
        "format": _FORMAT,
        "project": {
            "key": f"generated|{n_numbers}|{seed}|{n_sites}|{n_orders}",
            "name": f"Harborview Logistics: Zoom Phone ({n_numbers:,} numbers)",
            "customer": "Harborview Logistics Group",
            "time_zone": chosen_sites[0][3],
            "cutover_at": "D+0 11:30 America/New_York",
            "phase": "go_live",
            "description": "A synthetic project for benchmarks (golive_tui.domain.project_doc).",
        },
        "sites": sites,
        "milestones": [
            {"phase": phase, "name": name, "due_at": due, "done_at": due if done else None}
            for phase, name, due, done in _PHASE_MILESTONES
        ],
        "members": [{"user": u, "display_name": d, "role": r} for u, d, r in _GEN_MEMBERS],
        "port_orders": port_orders,
        "checklist": checklist,
        "verifications": verifications,
        "issues": issues,
        "issue_notes": notes,
        "decisions": [],
    }


def _generated_order(
    index: int,
    state: PortState,
    size: int,
    toll_free: bool,
    numbers: Sequence[str],
    rng: random.Random,
) -> Record:
    days_back = 1 + index % 15
    days_ahead = index % 10
    foc_past = f"B-{days_back} 11:30 America/New_York"
    foc_future = f"B+{days_ahead} 11:30 America/New_York"
    order: Record = {
        "pon": f"GEN-{index + 1:05d}",
        "carrier": _CARRIERS[index % len(_CARRIERS)],
        "btn": numbers[0] if numbers else "",
        "loa_id": f"LOA-{'TF-' if toll_free else ''}{index + 1:05d}",
        "toll_free": toll_free,
        "status": state.value,
        "notes": "Project port (over 100 numbers)." if size > WEB_PORT_LIMIT else "",
    }
    if state not in (PortState.DRAFT, PortState.LOA_PENDING):
        order["loa_signed_at"] = f"B-{days_back + 10} 10:00"
        order["zoom_order_id"] = f"ZPO-{index + 1:06d}"
    if state in (PortState.PORTED, PortState.VERIFIED, PortState.SNAPBACK_REQUESTED):
        order["requested_foc"] = order["confirmed_foc"] = foc_past
    elif state is PortState.FOC_CONFIRMED:
        order["requested_foc"] = order["confirmed_foc"] = foc_future
    elif state is not PortState.DRAFT:
        order["requested_foc"] = foc_future
    if state is PortState.REJECTED:
        order["rejection_code"] = rng.choice(_REJECTIONS).value
    return order


def _load_generated(
    fixture: Record,
    demo_day: date | None,
    now: datetime | None,
    order_numbers: Sequence[Sequence[str]],
    order_pool: Sequence[str],
    site_main: Mapping[str, str],
    rng: random.Random,
) -> ProjectDocument:
    """Load the fixture part, then add the numbers as plain records (fast path)."""

    def numbers_for(loader: _Loader) -> list[Record]:
        orders = loader.records[EntityKind.PORT_ORDER]
        site_ids = {code: site["id"] for code, site in loader.site_by_code.items()}
        first_site = next(iter(site_ids.values()))
        mains = set(site_main.values())
        records: list[Record] = []
        name_count = len(_FIRST) * len(_LAST)
        for order, numbers, pool in zip(orders, order_numbers, order_pool, strict=True):
            state = PortState(order["status"])
            order_code = order["rejection_code"]
            site_id = site_ids.get(pool, first_site)
            order_id = order["id"]
            tf = pool == "TF"
            for position, e164 in enumerate(numbers):
                number_state = state
                diverge = _NUMBER_DIVERGENCE.get(state)
                if diverge is not None and rng.random() < diverge[0]:
                    number_state = diverge[1]
                if number_state is PortState.REJECTED:
                    code = order_code or RejectionCode.PARTIAL_PORT.value
                elif number_state is PortState.NOT_PORTABLE:
                    code = RejectionCode.NOT_PORTABLE.value
                else:
                    code = None
                slot = position % 100
                if tf:
                    number_type = NumberType.TOLL_FREE
                elif e164 in mains:
                    number_type = NumberType.MAIN
                elif slot == 90:
                    number_type = NumberType.FAX
                elif slot == 95:
                    number_type = NumberType.COMMON_AREA
                else:
                    number_type = NumberType.DID
                if number_type is NumberType.MAIN:
                    assigned = "Main AR"
                elif slot < 4:
                    assigned = _QUEUES[slot]
                elif slot < 70:
                    k = int(e164[-7:]) % name_count
                    assigned = f"{_FIRST[k % len(_FIRST)]} {_LAST[k // len(_FIRST)]}"
                else:
                    assigned = ""
                records.append(
                    {
                        "id": loader.id_for(EntityKind.NUMBER, e164),
                        "project_id": loader.project_id,
                        "version": 1,
                        "updated_at": loader.now,
                        "updated_by": FIXTURE_ACTOR,
                        "e164": e164,
                        "site_id": site_id,
                        "order_id": order_id,
                        "number_type": number_type,
                        "assigned_to": assigned,
                        "porting_state": number_state,
                        "rejection_code": code,
                        "temp_number": None,
                    }
                )
        return records

    return _load(
        fixture,
        "generated project",
        demo_day=demo_day,
        project_id=None,
        now=now,
        make_numbers=numbers_for,
    )
