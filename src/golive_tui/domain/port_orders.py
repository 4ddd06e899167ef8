"""Port orders: what a losing carrier asks of an order, how an order moves, and where a
real cutover goes wrong (DOMAIN.md §3 and §8).

:func:`golive_tui.domain.ops.apply_op` runs the rules here for client and server alike:
:func:`check_order` on each create and edit, :func:`move_order` on each transition,
:func:`check_number_move` when a number of an order is FOC-confirmed or ported. The
warnings (:func:`order_warnings`) refuse nothing: they say what a cutover engineer would
want to know before the day.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from golive_tui.domain.clock import as_time
from golive_tui.domain.codec import encode_time
from golive_tui.domain.enums import NUMBER_STATE_OF_ORDER, EntityKind, OrderState, PortState
from golive_tui.domain.errors import IllegalTransition, ValidationFailed

if TYPE_CHECKING:
    from golive_tui.domain.rules.facts import Facts

Record = dict[str, Any]

#: Zoom activates US ports from 11:30 a.m. Eastern on business days, for up to 3 hours
EASTERN = ZoneInfo("America/New_York")
ACTIVATION_START = time(11, 30)
ACTIVATION_HOURS = 3
#: a Zoom web port request holds at most this many numbers; more is a project port
WEB_PORT_LIMIT = 100
PROJECT_PORT_LEAD = "3 to 4 weeks"
#: changes to an order need this many business days' notice before its FOC (CallTower)
FREEZE_BUSINESS_DAYS = 5
#: a snapback is asked for within this long of activation
SNAPBACK_WINDOW = timedelta(hours=24)
#: losing carriers whose port-out PIN / passcode is digits only (matched in the carrier name)
NUMERIC_PIN_CARRIERS = (
    "at&t", "verizon", "t-mobile", "comcast", "spectrum", "lumen", "centurylink",
    "frontier", "windstream",
)
#: fields an edit may change inside the freeze without a reason: they tell the carrier nothing
FREEZE_FREE_FIELDS = frozenset({"notes", "change_reason", "cutover_id"})
#: fields that move only with the order's transitions (they keep the order's history)
MOVED_BY_TRANSITIONS = ("confirmed_foc", "foc_history", "activated_at", "rejection_code")
#: order states in which the carrier's FOC stands
FOC_STANDS = frozenset({
    OrderState.FOC_CONFIRMED, OrderState.FOC_MISSED, OrderState.ACTIVATED,
    OrderState.ACTIVATION_FAILED, OrderState.SNAPBACK_REQUESTED,
})
#: an order in these states has a carrier commitment that moves only with a reason
_COMMITTED = frozenset({
    OrderState.FOC_CONFIRMED, OrderState.FOC_MISSED, OrderState.ACTIVATION_FAILED,
})
_TIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


# ----------------------------------------------------------------------------- calendar


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def us_federal_holidays(year: int) -> dict[date, str]:
    """The US federal holidays of ``year`` as observed (a Saturday's on the Friday before,
    a Sunday's on the Monday after): the default holiday list of a project."""
    mon, thu = 0, 3
    days = {
        _observed(date(year, 1, 1)): "New Year's Day",
        _nth_weekday(year, 1, mon, 3): "Martin Luther King Jr. Day",
        _nth_weekday(year, 2, mon, 3): "Washington's Birthday",
        _last_weekday(year, 5, mon): "Memorial Day",
        _observed(date(year, 6, 19)): "Juneteenth",
        _observed(date(year, 7, 4)): "Independence Day",
        _nth_weekday(year, 9, mon, 1): "Labor Day",
        _nth_weekday(year, 10, mon, 2): "Columbus Day",
        _observed(date(year, 11, 11)): "Veterans Day",
        _nth_weekday(year, 11, thu, 4): "Thanksgiving Day",
        _observed(date(year, 12, 25)): "Christmas Day",
    }
    return days


class Holidays:
    """The days no port activates: a project's own list, or the US federal holidays."""

    def __init__(self, listed: Mapping[date, str] | Collection[date] | None = None) -> None:
        self._listed: dict[date, str] | None = None
        if listed is not None:
            self._listed = (
                dict(listed) if isinstance(listed, Mapping)
                else {day: "a listed holiday" for day in listed}
            )

    def name(self, day: date) -> str | None:
        if self._listed is not None:
            return self._listed.get(day)
        return us_federal_holidays(day.year).get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.name(day) is None


FEDERAL = Holidays()


def project_holidays(project: Mapping[str, Any] | None) -> Holidays:
    """A project's holiday list (``project.holidays``), or the US federal holidays when it
    lists none."""
    listed = (project or {}).get("holidays") or {}
    if not listed:
        return FEDERAL
    days: dict[date, str] = {}
    for day, name in listed.items():
        try:
            days[date.fromisoformat(str(day))] = str(name or "a listed holiday")
        except ValueError:
            continue  # refused when set (check_holidays); an old record's slip is skipped
    return Holidays(days)


def check_holidays(fields: Mapping[str, Any]) -> None:
    """A project's holiday list names each day by its date, and the day by its name."""
    listed = fields.get("holidays")
    if not isinstance(listed, Mapping):
        return  # validation names a list that is no mapping
    for day, name in listed.items():
        try:
            date.fromisoformat(str(day))
        except ValueError:
            raise ValidationFailed(
                f"holidays: {day!r} is not a date; write it as 2026-12-24.",
                details={"field": "holidays"}) from None
        if not isinstance(name, str):
            raise ValidationFailed(f"holidays: the holiday of {day} is named by text.",
                                   details={"field": "holidays"})


def holidays_of(facts: Facts | None) -> Holidays:
    """The holidays of the project the facts are of."""
    if facts is None:
        return FEDERAL
    found = facts.find(EntityKind.PROJECT)
    return project_holidays(found[0] if found else None)


def business_days_before(day: date, count: int, holidays: Holidays = FEDERAL) -> date:
    """The business day ``count`` business days before ``day``."""
    remaining = count
    while remaining:
        day -= timedelta(days=1)
        if holidays.is_business_day(day):
            remaining -= 1
    return day


def freeze_starts(foc: datetime, holidays: Holidays = FEDERAL) -> datetime:
    """When an order's change freeze starts: the start (Eastern) of the business day five
    business days before its FOC."""
    day = business_days_before(foc.astimezone(EASTERN).date(), FREEZE_BUSINESS_DAYS, holidays)
    return datetime.combine(day, time(0), EASTERN)


def in_freeze(order: Mapping[str, Any], now: datetime, holidays: Holidays = FEDERAL) -> bool:
    """Whether an order with a standing FOC is inside its change freeze at ``now``."""
    foc = as_time(order.get("confirmed_foc"))
    if foc is None or OrderState(order["status"]) not in _COMMITTED:
        return False
    return freeze_starts(foc, holidays) <= now <= foc + timedelta(hours=ACTIVATION_HOURS)


def activation_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, ACTIVATION_START, EASTERN)
    return start, start + timedelta(hours=ACTIVATION_HOURS)


def next_activation_window(now: datetime) -> tuple[datetime, datetime]:
    """The activation window open at ``now``, else the next one on a weekday: (start, end)
    in UTC."""
    day = now.astimezone(EASTERN).date()
    while True:
        if day.weekday() < 5:
            start, end = activation_window(day)
            if now < end:
                return start.astimezone(UTC), end.astimezone(UTC)
        day += timedelta(days=1)


# ----------------------------------------------------------------------------- edits


_TIME_FIELDS = frozenset({
    "loa_signed_at", "requested_foc", "confirmed_foc", "csr_received_at", "activated_at",
})


def _same(name: str, sent: Any, stored: Any) -> bool:
    """Whether an edit leaves a field as it is (a time may come as text in any zone)."""
    if name in _TIME_FIELDS:
        try:
            return as_time(sent) == as_time(stored)
        except ValueError:
            return False
    return bool(sent == stored)


def pin_needs_digits(carrier: str) -> bool:
    name = carrier.casefold()
    return any(known in name for known in NUMERIC_PIN_CARRIERS)


def check_order(current: Mapping[str, Any] | None, fields: Record, now: datetime,
                holidays: Holidays = FEDERAL) -> None:
    """Refuse an order (created, or edited with ``fields``) that a carrier would reject
    on sight or that hides its history; the BTN in ``fields`` is stored in E.164."""
    merged = {**(current or {}), **fields}
    if current is not None:
        moved = [name for name in MOVED_BY_TRANSITIONS
                 if name in fields and not _same(name, fields[name], current.get(name))]
        if moved:
            raise ValidationFailed(
                f"{', '.join(moved)}: changed by the order's moves (confirm or change the "
                "FOC with a reason, activate, reject with a code), which keep its history; "
                "not by an edit.",
                details={"fields": moved},
            )
    carrier = merged.get("carrier")
    if current is None or "carrier" in fields:
        if not isinstance(carrier, str) or not carrier.strip():
            raise ValidationFailed("carrier: name the losing carrier (the one the numbers "
                                   "leave).", details={"field": "carrier"})
        fields["carrier"] = carrier.strip()
    btn = fields.get("btn")
    if isinstance(btn, str) and btn.strip():
        # libphonenumber's tables are read only when a number is: not before the first paint
        from golive_tui.domain.phone import InvalidPhoneNumber, normalise_number

        try:
            fields["btn"] = normalise_number(btn)
        except InvalidPhoneNumber as exc:
            raise ValidationFailed(f"btn: {btn!r} is not a valid billing telephone number: "
                                   f"{exc}", details={"field": "btn"}) from None
    pin = merged.get("pin")
    if ("pin" in fields or "carrier" in fields) and isinstance(pin, str) and pin.strip():
        carrier_name = str(merged.get("carrier") or "")
        if pin_needs_digits(carrier_name) and not pin.strip().isdigit():
            raise ValidationFailed(
                f"pin: {carrier_name} takes a port-out PIN of digits only; the PIN given "
                "has letters or other signs in it.",
                details={"field": "pin"},
            )
    if merged.get("toll_free") and not str(merged.get("resp_org") or "").strip():
        raise ValidationFailed(
            "resp_org: a toll-free order needs the RespOrg that controls its numbers.",
            details={"field": "resp_org"},
        )
    if current is None:
        return
    changed = [name for name, value in fields.items()
               if name not in FREEZE_FREE_FIELDS and not _same(name, value, current.get(name))]
    reason = fields.get("change_reason")
    if changed and in_freeze(current, now, holidays) and not (
            isinstance(reason, str) and reason.strip()):
        foc = as_time(current.get("confirmed_foc"))
        assert foc is not None
        raise ValidationFailed(
            f"change_reason: this order is inside its change freeze ({FREEZE_BUSINESS_DAYS} "
            f"business days before its FOC of {foc.astimezone(EASTERN):%a %d %b %H:%M} ET); "
            f"say why {', '.join(sorted(changed))} must change now.",
            details={"field": "change_reason", "changed": sorted(changed)},
        )


# ----------------------------------------------------------------------------- moves


def _typed_time(fields: Record, name: str, what: str) -> datetime | None:
    raw = fields.pop(name, None)
    if raw is None or raw == "":
        return None
    if isinstance(raw, str) and not _TIME_TEXT.match(raw):
        raise IllegalTransition(
            f"{name}: {what} needs a date and a time (such as 2026-12-14T11:30-05:00); "
            f"{raw!r} has no time.", details={"field": name})
    try:
        value = as_time(raw)
    except ValueError:
        value = None
    if value is None:
        raise IllegalTransition(f"{name}: {raw!r} is not a date and time.",
                                details={"field": name})
    return value


def _reason(fields: Record) -> str:
    raw = fields.pop("reason", None)
    return raw.strip() if isinstance(raw, str) else ""


def _eastern(when: datetime) -> str:
    return f"{when.astimezone(EASTERN):%a %d %b %Y %H:%M} ET"


def move_order(record: Record, current: OrderState, target: OrderState, fields: Record,
               actor: str, now: datetime) -> None:
    """The rules and records of one order move (the state machine was checked)."""
    if target is OrderState.SUBMITTED:
        if record.get("loa_signed_at") is None or not str(record.get("loa_signed_by") or
                                                           "").strip():
            raise IllegalTransition(
                "Submitting an order needs the customer's signed LOA: record who signed it "
                "and when (loa_signed_by, loa_signed_at) first.",
                details={"missing": "loa"},
            )
    elif target is OrderState.FOC_CONFIRMED:
        old = as_time(record.get("confirmed_foc"))
        # an order sent back to the carrier may be confirmed again on the FOC it held
        foc = _typed_time(fields, "confirmed_foc", "the FOC") or (
            old if current not in _COMMITTED else None)
        if foc is None:
            raise IllegalTransition(
                "FOC confirmation needs the date and time the carrier committed to "
                "(confirmed_foc).", details={"missing": "confirmed_foc"})
        if foc < now:
            raise IllegalTransition(
                f"confirmed_foc: {_eastern(foc)} is in the past; an FOC is a date to come.",
                details={"field": "confirmed_foc"})
        reason = _reason(fields)
        if current in _COMMITTED:
            if old is not None and current is OrderState.FOC_CONFIRMED and foc == old:
                raise IllegalTransition(f"The FOC is already {_eastern(foc)}.",
                                        details={"field": "confirmed_foc"})
            if not reason:
                raise IllegalTransition(
                    "Changing a confirmed FOC needs the reason the carrier gave (reason); "
                    "every change is kept in the order's FOC history.",
                    details={"missing": "reason"})
        history = list(record.get("foc_history") or [])
        # times in the row codec's one format, as every other time a record carries
        history.append({"at": encode_time(now), "old": None if old is None else encode_time(old),
                        "new": encode_time(foc), "reason": reason, "by": actor})
        record["foc_history"] = history
        record["confirmed_foc"] = foc
    elif target is OrderState.ACTIVATED and current is not OrderState.SNAPBACK_REQUESTED:
        at = _typed_time(fields, "activated_at", "the activation") or now
        if at > now + timedelta(minutes=5):
            raise IllegalTransition(
                f"activated_at: {_eastern(at)} is still to come; record the time the "
                "numbers went live.", details={"field": "activated_at"})
        record["activated_at"] = at
    elif target is OrderState.SNAPBACK_REQUESTED:
        live = as_time(record.get("activated_at"))
        if live is None or now - live > SNAPBACK_WINDOW:
            when = "" if live is None else f" (activated {_eastern(live)})"
            raise IllegalTransition(
                f"A snapback is asked for within 24 hours of activation; this order's "
                f"window has closed{when}. Open a new port order to bring the numbers back.",
                details={"window_hours": 24})
    fields.pop("reason", None)


def move_in_place(current: OrderState, target: OrderState) -> bool:
    """A move to the same state that is still a move: a changed FOC."""
    return current is target is OrderState.FOC_CONFIRMED


def check_number_move(record: Mapping[str, Any], target: PortState, facts: Facts) -> None:
    """A number of an order is FOC-confirmed or ported only once its order has an FOC."""
    if target not in (PortState.FOC_CONFIRMED, PortState.PORTED):
        return
    order_id = record.get("order_id")
    if not order_id:
        return
    order = facts.records(EntityKind.PORT_ORDER, [str(order_id)]).get(str(order_id))
    if order is None:
        return
    if OrderState(order["status"]) not in FOC_STANDS or order.get("confirmed_foc") is None:
        raise IllegalTransition(
            f"A number cannot be {target.value.replace('_', ' ')} while its order "
            f"{order.get('pon')} has no confirmed FOC "
            f"(it is {OrderState(order['status']).value.replace('_', ' ')}). Confirm the "
            "order's FOC first.",
            details={"order_id": order["id"], "order_status": order["status"]},
        )


def numbers_following(target: OrderState) -> PortState:
    """The state an order's numbers take when they follow its move."""
    return NUMBER_STATE_OF_ORDER[target]


# ----------------------------------------------------------------------------- what it shows


def divergence(status: OrderState, counts: Mapping[PortState, int]) -> str | None:
    """"48 of 50 ported" when an order's numbers are not all where the order is."""
    total = sum(counts.values())
    if not total:
        return None
    expected = NUMBER_STATE_OF_ORDER[status]
    done = counts.get(expected, 0)
    if expected is PortState.PORTED:
        done += counts.get(PortState.VERIFIED, 0)
    if done == total:
        return None
    return f"{done} of {total} {expected.value.replace('_', ' ')}"


class OrderWarning(NamedTuple):
    """Something about an order's dates a person should look at (a named tuple: the
    dashboard imports this module before its first frame)."""

    code: str
    text: str


def _when_problem(when: datetime, what: str, holidays: Holidays, *, window: bool) -> str | None:
    local = when.astimezone(EASTERN)
    day = local.date()
    name = holidays.name(day)
    if name is not None:
        return f"{what} on {day:%a %d %b}, {name}: Zoom does not activate on holidays"
    if day.weekday() >= 5:
        return f"{what} on a {day:%A}: Zoom activates on business days only"
    start, end = activation_window(day)
    if window and not start <= local <= end:
        return (f"{what} at {local:%H:%M} ET, outside Zoom's activation window "
                f"(from 11:30 ET, up to {ACTIVATION_HOURS} h)")
    if not window and local.time() != ACTIVATION_START:
        return f"{what} at {local:%H:%M} ET: Zoom activates from 11:30 ET"
    return None


def order_warnings(
    order: Mapping[str, Any], number_count: int, now: datetime, holidays: Holidays = FEDERAL
) -> list[OrderWarning]:
    """What may go wrong with this order on the day; none of it refuses a change."""
    found: list[OrderWarning] = []
    if number_count > WEB_PORT_LIMIT:
        found.append(OrderWarning(
            "project_port",
            f"{number_count} numbers: over Zoom's {WEB_PORT_LIMIT}-number web-port limit; a "
            f"project port, {PROJECT_PORT_LEAD} lead time"))
    status = OrderState(order["status"])
    foc = as_time(order.get("confirmed_foc")) if status in FOC_STANDS else None
    foc = foc or as_time(order.get("requested_foc"))
    if foc is not None and status not in (OrderState.ACTIVATED, OrderState.CANCELLED,
                                          OrderState.NOT_PORTABLE, OrderState.SNAPPED_BACK):
        problem = _when_problem(foc, "FOC", holidays, window=False)
        if problem:
            found.append(OrderWarning("foc_time", problem))
    activated = as_time(order.get("activated_at"))
    if activated is not None:
        problem = _when_problem(activated, "Activated", holidays, window=True)
        if problem:
            found.append(OrderWarning("activation_time", problem))
    confirmed = as_time(order.get("confirmed_foc"))
    updated = as_time(order.get("updated_at"))
    reason = str(order.get("change_reason") or "").strip()
    moved = [entry for entry in order.get("foc_history") or ()
             if _moved_in_freeze(entry, holidays)]
    if moved:
        last = moved[-1]
        found.append(OrderWarning(
            "freeze_change", f"FOC moved inside its change freeze: {last.get('reason')}"))
    elif (reason and confirmed is not None and updated is not None and status in _COMMITTED
            and freeze_starts(confirmed, holidays) <= updated <= confirmed):
        found.append(OrderWarning("freeze_change",
                                  f"Changed inside its change freeze: {reason}"))
    elif in_freeze(order, now, holidays):
        found.append(OrderWarning(
            "in_freeze", "In its change freeze until the FOC: edits need a reason"))
    return found


def _moved_in_freeze(entry: Mapping[str, Any], holidays: Holidays) -> bool:
    """Whether an FOC history entry moved a confirmed FOC inside that FOC's freeze."""
    try:
        old, at = as_time(entry.get("old")), as_time(entry.get("at"))
    except ValueError:
        return False
    return old is not None and at is not None and freeze_starts(old, holidays) <= at <= old


def foc_countdown(foc: datetime, now: datetime) -> str:
    """How long until an FOC, or how long the activation has run (it is "activating",
    not late, for up to three hours)."""
    seconds = (foc - now).total_seconds()
    if seconds > 0:
        days, rest = divmod(int(seconds), 86_400)
        hours, rest = divmod(rest, 3_600)
        minutes = rest // 60
        if days:
            return f"in {days}d {hours}h"
        if hours:
            return f"in {hours}h {minutes:02d}m"
        return f"in {minutes}m"
    if -seconds <= ACTIVATION_HOURS * 3_600:
        return "activating"
    return "past"
