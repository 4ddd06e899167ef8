"""A fixture's project, sites, milestones, members, cutovers, emergency locations, port
orders and numbers, read into validated records: the network the rest of a fixture refers to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from golive_tui.domain.enums import (
    LEGACY_ORDER_STATES,
    NUMBER_STATE_OF_ORDER,
    EntityKind,
    NumberType,
    OrderState,
    PortState,
    RejectionCode,
)
from golive_tui.domain.errors import DomainError
from golive_tui.domain.fixture_values import (
    FIXTURE_ACTOR,
    FixtureValues,
    Record,
    text_of,
)
from golive_tui.domain.ops import validate_record
from golive_tui.domain.phone import (
    InvalidPhoneNumber,
    expand_range,
    is_toll_free,
)
from golive_tui.domain.project_settings import check_settings
from golive_tui.domain.sla import SlaPolicy

#: order states that imply the carrier gave an FOC
_FOC_STATES = frozenset({
    OrderState.FOC_CONFIRMED, OrderState.FOC_MISSED, OrderState.ACTIVATED,
    OrderState.ACTIVATION_FAILED, OrderState.SNAPBACK_REQUESTED, OrderState.SNAPPED_BACK,
})


class FixtureNetwork(FixtureValues):
    """The project and its network: sites, cutover waves, port orders and numbers."""

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
        try:
            check_settings(fields)  # its holiday list and call-quality thresholds
        except DomainError as exc:
            raise self.fail("project", exc.message) from None
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
