"""A fixture's sections, read in dependency order into validated records.

Each section method reads one list of the fixture (sites, orders, numbers, the checklist …)
and resolves its references by natural key (site code, PON, number, checklist key, issue
key); every record is validated by :func:`golive_tui.domain.ops.validate_record`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from golive_tui.domain.demo_time import default_demo_day, wave_day
from golive_tui.domain.enums import (
    LEGACY_ORDER_STATES,
    NUMBER_STATE_OF_ORDER,
    ChecklistStatus,
    EntityKind,
    HoldReason,
    IssueState,
    LifecyclePhase,
    NumberType,
    OrderState,
    PortState,
    RejectionCode,
    Role,
    RunbookRunKind,
    RunbookStepKind,
    SignoffKind,
    StepRunState,
)
from golive_tui.domain.errors import DomainError
from golive_tui.domain.fixture_values import (
    FIXTURE_ACTOR,
    ID_NAMESPACE,
    FixtureValues,
    Record,
    text_of,
)
from golive_tui.domain.lifecycle import phase_from_log, phase_text
from golive_tui.domain.ops import issue_ref, validate_record
from golive_tui.domain.phone import (
    InvalidPhoneNumber,
    expand_range,
    is_toll_free,
)
from golive_tui.domain.sla import SlaPolicy
from golive_tui.domain.test_plan import TEST_CASES

__all__ = ["FixtureLoader"]

#: order states that imply the carrier gave an FOC
_FOC_STATES = frozenset({
    OrderState.FOC_CONFIRMED, OrderState.FOC_MISSED, OrderState.ACTIVATED,
    OrderState.ACTIVATION_FAILED, OrderState.SNAPBACK_REQUESTED, OrderState.SNAPPED_BACK,
})


class FixtureLoader(FixtureValues):
    """Turns fixture sections into validated records."""

    @classmethod
    def start(
        cls,
        source: str,
        raw: Mapping[str, Any],
        *,
        demo_day: date | None,
        project_id: str | None,
        now: datetime | None,
    ) -> FixtureLoader:
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
        # "now" is now on the day the demo is run, and also on a weekend, when the demo
        # day is the coming Monday: what has happened (N-2h) lies behind the clock either
        # way. A demo day given (a frozen test, a rehearsal) reads at 09:00 on that day.
        anchor = now if day == today or demo_day is None else datetime.combine(
            day, time(9, 0), tzinfo=zone)
        pid = project_id or str(uuid.uuid5(ID_NAMESPACE, f"{key.strip()}\x1fproject"))
        # today's wave ports at the next 11:30 ET still far enough ahead to walk the story;
        # a demo day given is the wave's day
        wave = wave_day(day, now) if demo_day is None else day
        loader = cls(source, key.strip(), pid, zone, day, now, anchor.astimezone(UTC), wave)
        loader.project(fields)
        return loader
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
            self.owners(EntityKind.MILESTONE, fields, where)
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

    def cutovers(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = self.natural(fields, "key", f"cutovers[{index}]")
            where = f"cutovers[{index}] ({key})"
            if key in self.cutover_by_key:
                raise self.fail(where, f"cutover key {key} is used twice")
            codes = fields.pop("sites", [])
            if not isinstance(codes, list):
                raise self.fail(where, "sites must be a list of site codes")
            fields["site_ids"] = [self.site(code, where)["id"] for code in codes]
            self.times(EntityKind.CUTOVER, fields, where)
            starts, ends = fields.get("starts_at"), fields.get("ends_at")
            if starts is None or ends is None:
                raise self.fail(where, "needs 'starts_at' and 'ends_at' (its window)")
            if ends <= starts:
                raise self.fail(where, "ends_at is not after starts_at")
            self.cutover_by_key[key] = self.finish(EntityKind.CUTOVER, key, where, fields)

    def emergency_locations(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            site = self.site(fields.pop("site", None), f"emergency_locations[{index}]")
            name = str(fields.get("name", "")).strip()
            key = f"{site['code']}:{name}"
            where = f"emergency_locations[{index}] ({key})"
            if not name:
                raise self.fail(where, "needs a 'name' (floor, suite or sub-location)")
            if key in self.location_by_key:
                raise self.fail(where, f"location {key} is given twice")
            fields["site_id"] = site["id"]
            fields.setdefault("address", site["e911_address"])
            self.times(EntityKind.EMERGENCY_LOCATION, fields, where,
                       self.zone_of_site(site["id"]))
            self.location_by_key[key] = self.finish(
                EntityKind.EMERGENCY_LOCATION, key, where, fields)

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
            if "cutover" in fields:
                fields["cutover_id"] = self.cutover(fields.pop("cutover"), where)["id"]
            self.times(EntityKind.PORT_ORDER, fields, where)
            status = self._order_state(fields.get("status", OrderState.DRAFT), where)
            fields["status"] = status
            code = fields.get("rejection_code")
            if status is OrderState.REJECTED:
                if code not in RejectionCode.__members__:
                    codes = ", ".join(RejectionCode)
                    raise self.fail(where, f"a rejected order needs a rejection_code ({codes})")
            elif status is OrderState.NOT_PORTABLE:
                fields["rejection_code"] = RejectionCode.NOT_PORTABLE.value
            elif code is not None:
                raise self.fail(where, f"rejection_code {code} is given but the order is {status}")
            if status in _FOC_STATES and fields.get("confirmed_foc") is None:
                raise self.fail(where, f"a {status.value} order needs its confirmed_foc time")
            record = self.finish(EntityKind.PORT_ORDER, pon, where, fields)
            self.order_by_pon[pon] = record
            self.order_by_id[record["id"]] = record

    def _order_state(self, value: Any, where: str) -> OrderState:
        if isinstance(value, str) and value in LEGACY_ORDER_STATES:
            return LEGACY_ORDER_STATES[value]
        try:
            return OrderState(value)
        except ValueError:
            states = ", ".join(OrderState)
            raise self.fail(where, f"{text_of(value)} is not an order state ({states})") from None

    def _port_state(self, value: Any, where: str) -> PortState:
        try:
            return PortState(value)
        except ValueError:
            states = ", ".join(PortState)
            raise self.fail(where, f"{text_of(value)} is not a porting state ({states})") from None

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
            where = f"numbers[{index}] ({text_of(text)})"
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
                    raise self.fail(where, f"unknown order {text_of(value)} (PONs: {known})")
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
            fields["porting_state"] = (
                NUMBER_STATE_OF_ORDER[OrderState(order["status"])] if order else PortState.DRAFT
            )
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
                    raise self.fail(where, f"unknown predecessor {text_of(pred)}")
                if pred == key:
                    raise self.fail(where, "an item cannot be its own predecessor")
            graph[key] = list(predecessors)
            fields["predecessors"] = [self.checklist_ids[p] for p in predecessors]
            if "cutover" in fields:
                fields["cutover_id"] = self.cutover(fields.pop("cutover"), where)["id"]
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
            if "location" in fields:
                ref = fields.pop("location")
                location = self.location_by_key.get(ref) if isinstance(ref, str) else None
                if location is None:
                    known = ", ".join(self.location_by_key) or "none"
                    raise self.fail(
                        where, f"unknown emergency location {text_of(ref)} (locations: {known})")
                fields["emergency_location_id"] = location["id"]
                site_code = ref.split(":", 1)[0]
                fields.setdefault("site", site_code)
            target = self._links(fields, where)
            fields.setdefault("target", target)
            if not fields.get("target"):
                raise self.fail(where, "needs a 'site', a 'number' or a 'target'")
            if fields.get("tested_at") is None:
                raise self.fail(where, "needs 'tested_at' (the log is ordered by it)")
            raw_time = text_of(fields["tested_at"])
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
                    raise self.fail(where, f"unknown verification key {text_of(ref)}")
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
            if "cutover" in fields:
                fields["cutover_id"] = self.cutover(fields.pop("cutover"), where)["id"]
            self.times(EntityKind.DECISION, fields, where)
            self.people(EntityKind.DECISION, fields, where)
            if fields.get("at") is None:
                raise self.fail(where, "needs 'at'")
            self.finish(EntityKind.DECISION, key, where, fields)

    def signoffs(self, section: Sequence[Mapping[str, Any]]) -> None:
        roles = {m["user"]: m["role"] for m in self.records[EntityKind.MEMBER]}
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = str(fields.pop("key", index + 1))
            where = f"signoffs[{index}] ({key})"
            kind = fields.pop("kind", None)
            try:
                fields["signoff_kind"] = SignoffKind(kind)
            except ValueError:
                raise self.fail(
                    where, f"kind {text_of(kind)} is not one of {', '.join(SignoffKind)}"
                ) from None
            if "cutover" in fields:
                fields["cutover_id"] = self.cutover(fields.pop("cutover"), where)["id"]
            self.times(EntityKind.SIGNOFF, fields, where)
            self.people(EntityKind.SIGNOFF, fields, where)
            if fields.get("at") is None or not fields.get("by"):
                raise self.fail(where, "needs 'by' and 'at'")
            fields.setdefault("role", roles.get(fields["by"], Role.VIEWER))
            self.finish(EntityKind.SIGNOFF, key, where, fields)


    # ------------------------------------------------------------------ the lifecycle

    def _keyed(
        self, kind: EntityKind, section: Sequence[Mapping[str, Any]], name: str
    ) -> Iterator[tuple[str, str, Record]]:
        """Each entry's natural key (its 'key'), where it is, and its other fields."""
        seen: set[str] = set()
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = self.natural(fields, "key", f"{name}[{index}]")
            where = f"{name}[{index}] ({key})"
            if key in seen:
                raise self.fail(where, f"{key} is given twice")
            seen.add(key)
            self.times(kind, fields, where)
            self.people(kind, fields, where)
            self.owners(kind, fields, where)
            yield key, where, fields

    def stakeholders(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(EntityKind.STAKEHOLDER, section, "stakeholders"):
            self.stakeholder_by_key[key] = self.finish(EntityKind.STAKEHOLDER, key, where, fields)

    def phase_events(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            where = f"phase_events[{index}]"
            self.times(EntityKind.PHASE_EVENT, fields, where)
            self.people(EntityKind.PHASE_EVENT, fields, where)
            if fields.get("at") is None:
                raise self.fail(where, "needs 'at'")
            self.finish(EntityKind.PHASE_EVENT, str(index + 1), where, fields)
        events = self.records[EntityKind.PHASE_EVENT]
        expected = phase_from_log(events)
        phase = LifecyclePhase(self.project_record["phase"])
        if expected is not None and expected is not phase:
            raise self.fail(
                "phase_events",
                f"the log leaves the project in {phase_text(expected)}, but the project says "
                f"{phase_text(phase)}",
            )

    def kickoffs(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(EntityKind.KICKOFF, section, "kickoffs"):
            attendees = fields.get("attendees", [])
            if not isinstance(attendees, list):
                raise self.fail(where, "attendees must be a list of stakeholder keys")
            fields["attendees"] = [
                self.stakeholder(a, f"{where}, attendees") for a in attendees
            ]
            self.kickoff_by_key[key] = self.finish(EntityKind.KICKOFF, key, where, fields)

    def action_items(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(EntityKind.ACTION_ITEM, section, "action_items"):
            kickoff = fields.pop("kickoff", None)
            if kickoff is not None:
                found = self.kickoff_by_key.get(str(kickoff))
                if found is None:
                    raise self.fail(where, f"unknown kickoff {text_of(kickoff)}")
                fields["kickoff_id"] = found["id"]
                fields.setdefault("source", "kickoff")
            if (fields.get("status") == "done") != (fields.get("done_at") is not None):
                raise self.fail(where, "an action is done exactly when it has a done_at")
            self.finish(EntityKind.ACTION_ITEM, key, where, fields)

    def adoption_gaps(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(EntityKind.ADOPTION_GAP, section, "adoption_gaps"):
            self.finish(EntityKind.ADOPTION_GAP, key, where, fields)

    def raid_items(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(EntityKind.RAID_ITEM, section, "raid_items"):
            self.finish(EntityKind.RAID_ITEM, key, where, fields)

    def change_requests(self, section: Sequence[Mapping[str, Any]]) -> None:
        for key, where, fields in self._keyed(
            EntityKind.CHANGE_REQUEST, section, "change_requests"
        ):
            decided = fields.get("state", "proposed") != "proposed"
            given = [n for n in ("decision_reason", "decided_by", "decided_at") if fields.get(n)]
            if decided and len(given) < 3:
                raise self.fail(where, "a decided change request needs decision_reason, "
                                "decided_by and decided_at")
            if not decided and given:
                raise self.fail(where, f"a proposed change request has no {given[0]} yet")
            self.finish(EntityKind.CHANGE_REQUEST, key, where, fields)

    # ------------------------------------------------------------------ the runbook

    def runbooks(self, section: Sequence[Mapping[str, Any]]) -> None:
        """Each cutover's runbook: its steps (or another cutover's, by ``steps_from``) and
        its runs, whose step timings are minutes from the run's T0 (``t0``; by default the
        cutover's start)."""
        steps_of: dict[str, list[Mapping[str, Any]]] = {}
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = self.natural(fields, "cutover", f"runbooks[{index}]")
            where = f"runbooks[{index}] ({key})"
            cutover = self.cutover(key, where)
            if key in steps_of:
                raise self.fail(where, f"cutover {key} has two runbooks")
            source = fields.pop("steps_from", None)
            if source is not None:
                if source not in steps_of:
                    raise self.fail(where, f"steps_from names no earlier runbook ({source})")
                steps = steps_of[source]
            else:
                steps = fields.pop("steps", [])
            if not isinstance(steps, list):
                raise self.fail(where, "steps must be a list")
            steps_of[key] = steps
            ids = self._runbook_steps(key, cutover, steps, where)
            for run_index, run in enumerate(fields.pop("runs", [])):
                self._runbook_run(key, cutover, ids, run, f"{where}, runs[{run_index}]")
            if fields:
                raise self.fail(where, f"unknown field {sorted(fields)[0]}")

    def _runbook_steps(
        self, wave: str, cutover: Record, steps: Sequence[Any], where: str
    ) -> dict[str, str]:
        ids: dict[str, str] = {}
        for index, raw in enumerate(steps):
            if not isinstance(raw, Mapping):
                raise self.fail(f"{where}, steps[{index}]", "must be an object")
            fields = dict(raw)
            key = self.natural(fields, "key", f"{where}, steps[{index}]")
            at = f"{where}, steps[{index}] ({key})"
            if key in ids:
                raise self.fail(at, f"step {key} is given twice")
            after = fields.pop("after", [])
            unknown = [a for a in after if a not in ids]
            if unknown:
                raise self.fail(at, f"after names no earlier step ({', '.join(map(str, unknown))})")
            kind = fields.pop("kind", RunbookStepKind.STEP.value)
            if kind not in RunbookStepKind.__members__.values():
                raise self.fail(at, f"kind {text_of(kind)} is not one of "
                                f"{', '.join(RunbookStepKind)}")
            fields.update(
                cutover_id=cutover["id"], offset_minutes=fields.pop("at", 0),
                duration_minutes=fields.pop("minutes", 15), step_kind=kind,
                depends_on=[ids[a] for a in after], sort_order=index,
            )
            self.owners(EntityKind.RUNBOOK_STEP, fields, at)
            ids[key] = self.finish(EntityKind.RUNBOOK_STEP, f"{wave}|{key}", at, fields)["id"]
        return ids

    def _runbook_run(
        self, wave: str, cutover: Record, ids: Mapping[str, str], raw: Any, where: str
    ) -> None:
        if not isinstance(raw, Mapping):
            raise self.fail(where, "must be an object")
        fields = dict(raw)
        key = self.natural(fields, "key", where)
        kind = fields.pop("kind", None)
        if kind not in RunbookRunKind.__members__.values():
            raise self.fail(where, f"kind {text_of(kind)} is not one of {', '.join(RunbookRunKind)}")
        t0 = self.when(fields.pop("t0"), f"{where}, t0") if "t0" in fields else cutover["starts_at"]
        if t0 is None:
            raise self.fail(where, "needs 't0' (its cutover has no start)")
        timings = fields.pop("timings", {})
        if not isinstance(timings, Mapping):
            raise self.fail(where, "timings must be an object of step keys")
        fields.update(cutover_id=cutover["id"], run_kind=kind)
        self.times(EntityKind.RUNBOOK_RUN, fields, where)
        self.people(EntityKind.RUNBOOK_RUN, fields, where)
        run = self.finish(EntityKind.RUNBOOK_RUN, f"{wave}|{key}", where, fields)
        for step_key, value in timings.items():
            at = f"{where}, timings ({step_key})"
            if step_key not in ids:
                raise self.fail(at, "names no step of this runbook")
            if not isinstance(value, Mapping):
                raise self.fail(at, "must be an object with start, end, state, note")
            timing = dict(value)
            start, end = timing.pop("start", None), timing.pop("end", None)
            default = StepRunState.DONE if end is not None else (
                StepRunState.IN_PROGRESS if start is not None else StepRunState.PENDING)
            state = timing.pop("state", default.value)
            if state not in StepRunState.__members__.values():
                raise self.fail(at, f"state {text_of(state)} is not one of "
                                f"{', '.join(StepRunState)}")
            timing.update(
                run_id=run["id"], step_id=ids[step_key], state=state,
                started_at=None if start is None else t0 + timedelta(minutes=int(start)),
                finished_at=None if end is None else t0 + timedelta(minutes=int(end)),
            )
            timing.setdefault("by", run["by"])
            self.people(EntityKind.RUNBOOK_STEP_RUN, timing, at)
            self.finish(EntityKind.RUNBOOK_STEP_RUN, f"{wave}|{key}|{step_key}", at, timing)


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
