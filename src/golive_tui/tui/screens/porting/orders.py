"""The port orders view of the porting screen: every order with what the carrier holds
(PIN masked), its status, FOC and countdown to 11:30 ET, its numbers and how they
diverge, its warnings and FOC history; a form to add and edit an order, and keys for its
moves. What is allowed is the domain's (``domain.port_orders``): the forms ask it before
closing, and the change itself is refused with its reason when it says no."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text

from golive_tui.domain.clock import utcnow
from golive_tui.domain.entities import ENTITY_BASES
from golive_tui.domain.enums import EntityKind, OrderState, PortState, RejectionCode
from golive_tui.domain.errors import DomainError
from golive_tui.domain.ops import revalidate
from golive_tui.domain.port_orders import (
    EASTERN,
    FEDERAL,
    FOC_STANDS,
    Holidays,
    check_order,
    divergence,
    foc_countdown,
    move_order,
    order_warnings,
)
from golive_tui.domain.time_text import parse_typed_time, typed_time_text
from golive_tui.domain.transitions import ORDER
from golive_tui.tui.screens.porting.table import STATE_STYLE, national, state_text
from golive_tui.tui.widgets.forms import FormField

if TYPE_CHECKING:
    from golive_tui.store.local import BulkOutcome, LocalStore

K = EntityKind
PIN_MASK = "••••"
_CLOCK = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}")
#: the order's fields a form edits, in the order it shows them
FORM_FIELDS = (
    "pon", "carrier", "btn", "account_number", "pin", "service_address", "authorised_name",
    "spid", "loa_id", "loa_signed_by", "loa_signed_at", "csr_received_at", "toll_free",
    "resp_org", "requested_foc", "cutover_id", "notes", "change_reason",
)
_TIMES = frozenset({"loa_signed_at", "csr_received_at", "requested_foc"})


def when_text(value: datetime | None) -> str:
    return "—" if value is None else f"{value.astimezone(EASTERN):%a %d %b %H:%M}"


def order_cells(order: Any, counts: dict[PortState, int], now: datetime, *,
                wide: bool, holidays: Holidays = FEDERAL) -> tuple[Any, ...]:
    """One row of the orders table (the columns of :func:`order_columns`)."""
    status = OrderState(order.status)
    total = sum(counts.values())
    diverged = divergence(status, counts)
    if diverged:
        # "48 of 50 ported"; on a narrow terminal "48 of 50", the panel says the rest
        short = diverged if wide else " ".join(diverged.split(" ")[:3])
        numbers = Text(short, style="bold yellow")
    else:
        numbers = Text(str(total))
    foc = order.confirmed_foc if status in FOC_STANDS else None
    if foc is not None:
        when = Text(f"{foc.astimezone(EASTERN):%d %b %H:%M}")
        if status in (OrderState.FOC_CONFIRMED, OrderState.ACTIVATION_FAILED):
            left = foc_countdown(foc, now)
            when.append(f" {left}", style="bold yellow" if left == "activating" else "cyan")
    elif order.requested_foc is not None:
        when = Text(f"req {order.requested_foc.astimezone(EASTERN):%d %b}", style="dim")
    else:
        when = Text("—", style="dim")
    warnings = order_warnings(_as_record(order), total, now, holidays)
    warn = Text()
    if warnings:
        warn = Text(f"⚠ {len(warnings)}", style="bold yellow")
    cells: list[Any] = [
        Text(order.pon), Text(order.carrier, overflow="ellipsis", no_wrap=True),
        Text(PIN_MASK if order.pin else "—"), state_text(status), when, numbers, warn,
    ]
    if not wide:  # 80 columns: the warnings' count beside the numbers, not a column of its own
        cells.pop()
        if warnings:
            numbers.append(f" {warn.plain}", style="bold yellow")
    if wide:
        summary = Text()
        for state, n in sorted(counts.items(), key=lambda kv: list(PortState).index(kv[0])):
            summary.append(f"{state.value.replace('_', ' ')} {n}  ",
                           style=STATE_STYLE.get(state, ""))
        cells[2:2] = [Text(national(order.btn) if order.btn else "")]
        cells += [Text(order.loa_signed_by or "—"), Text(order.rejection_code or "",
                                                          style="red"), summary]
    return tuple(cells)


def order_columns(wide: bool) -> list[tuple[str, str]]:
    columns = [("PON", "pon"), ("Carrier", "carrier"), ("PIN", "pin"), ("Status", "status"),
               ("FOC (ET)", "foc"), ("Numbers", "numbers")]
    if wide:
        columns += [("⚠", "warn")]
        columns[2:2] = [("BTN", "btn")]
        columns += [("LOA signed by", "loa"), ("Code", "code"), ("By state", "states")]
    return columns


#: the carrier's column on a narrow terminal: the rest of the row must stay in 80 columns
NARROW_CARRIER = 10


def _as_record(order: Any) -> dict[str, Any]:
    return order.model_dump(exclude={"pending"})  # type: ignore[no-any-return]


def order_detail(order: Any, counts: dict[PortState, int], now: datetime,
                 history_lines: int, holidays: Holidays = FEDERAL) -> Text:
    """What the panel under the orders says about one: who and what the carrier holds,
    the warnings in full, and its FOC history (newest first)."""
    status = OrderState(order.status)
    text = Text(no_wrap=False)
    text.append(f"{order.pon}", style="bold")
    text.append(f" · {order.carrier} · {status.value.replace('_', ' ')}")
    if order.btn:
        text.append(f" · BTN {national(order.btn)}")
    text.append(f" · PIN {PIN_MASK if order.pin else 'none'}")
    if order.toll_free:
        text.append(f" · toll-free, RespOrg {order.resp_org or '—'}")
    loa = (f"LOA signed by {order.loa_signed_by} {when_text(order.loa_signed_at)}"
           if order.loa_signed_at and order.loa_signed_by else "LOA not signed")
    text.append(f"\n{loa}")
    if order.activated_at:
        text.append(f" · activated {when_text(order.activated_at)} ET")
    if order.rejection_code:
        text.append(f" · rejected {order.rejection_code}", style="red")
    diverged = divergence(status, counts)
    if diverged:
        text.append(f" · numbers diverge: {diverged}", style="bold yellow")
    for warning in order_warnings(_as_record(order), sum(counts.values()), now, holidays):
        text.append(f"\n⚠ {warning.text}", style="yellow")
    history = list(order.foc_history or [])
    if history:
        text.append("\nFOC history:", style="bold")
        for entry in reversed(history[-history_lines:]):
            new = when_text(_time(entry.get("new")))
            old = _time(entry.get("old"))
            what = f"{when_text(old)} → {new}" if old else f"confirmed {new}"
            reason = f" ({entry['reason']})" if entry.get("reason") else ""
            at = when_text(_time(entry.get("at")))
            text.append(f"\n  {at} {entry.get('by', '')}: {what}{reason}")
    return text


def _time(value: Any) -> datetime | None:
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return value if isinstance(value, datetime) else None


def form_fields(order: Any, cutovers: list[tuple[str, str]]) -> list[FormField]:
    """The order form, filled with ``order`` (None: a new order)."""
    def value(name: str, default: Any = "") -> Any:
        return getattr(order, name) if order is not None else default

    fields = [
        FormField("pon", "PON", "text", value("pon"), required=True),
        FormField("carrier", "Carrier", "text", value("carrier"), required=True,
                  placeholder="the losing carrier"),
        FormField("btn", "BTN", "text", value("btn"), placeholder="+1 303-555-0100"),
        FormField("account_number", "Account no.", "text", value("account_number")),
        FormField("pin", "PIN", "text", value("pin"), secret=True,
                  placeholder="port-out PIN / passcode"),
        FormField("service_address", "Service addr.", "text", value("service_address")),
        FormField("authorised_name", "Authorised", "text", value("authorised_name")),
        FormField("spid", "SPID", "text", value("spid")),
        FormField("loa_id", "LOA id", "text", value("loa_id")),
        FormField("loa_signed_by", "LOA signed by", "text", value("loa_signed_by")),
        FormField("loa_signed_at", "LOA signed", "time", value("loa_signed_at", None)),
        FormField("csr_received_at", "CSR received", "time", value("csr_received_at", None)),
        FormField("toll_free", "Toll-free", "choice", value("toll_free", False),
                  [(False, "no"), (True, "yes: needs its RespOrg")]),
        FormField("resp_org", "RespOrg", "text", value("resp_org")),
        FormField("requested_foc", "Requested FOC", "time", value("requested_foc", None)),
        FormField("cutover_id", "Cutover", "choice", value("cutover_id", None) or "",
                  cutovers, blank="No wave"),
        FormField("notes", "Notes", "text", value("notes")),
    ]
    if order is not None:
        fields.append(FormField("change_reason", "Why now", "text", "",
                                placeholder="inside the change freeze: why this changes"))
    return fields


def changed_fields(current: dict[str, Any] | None, values: dict[str, Any]) -> dict[str, Any]:
    """What a form changes: every value of a new order, the edited ones of an order."""
    values = dict(values)
    if values.get("cutover_id") == "":
        values["cutover_id"] = None
    if current is None:
        return {k: v for k, v in values.items() if v not in ("", None) or k == "toll_free"}
    return {k: v for k, v in values.items()
            if (k == "change_reason" and v) or (k != "change_reason" and current.get(k) != v)}


def form_problem(current: dict[str, Any] | None, values: dict[str, Any],
                 holidays: Holidays = FEDERAL) -> str | None:
    """The domain's word on an order form's values, before anything is saved."""
    changed = changed_fields(current, values)
    base = current or {name: info.get_default(call_default_factory=True)
                       for name, info in ENTITY_BASES[K.PORT_ORDER].model_fields.items()
                       if not info.is_required()}
    try:
        revalidate(K.PORT_ORDER, base, {**base, **changed})
        check_order(current, dict(changed), utcnow(), holidays)
    except DomainError as exc:
        return exc.message
    return None


def foc_problem(order: dict[str, Any], values: dict[str, Any],
                now: datetime | None = None) -> str | None:
    """Why this FOC cannot be confirmed, in the domain's words; None when it can."""
    typed = str(values.get("foc") or "")
    if not _CLOCK.fullmatch(typed.strip()):
        return ("FOC: give the date and the time the carrier committed to, in Eastern time, "
                "such as 2026-12-14 11:30.")
    try:
        foc = parse_typed_time(typed, EASTERN)
    except ValueError as exc:
        return f"FOC: {exc}."
    assert foc is not None
    fields = {"confirmed_foc": foc.isoformat(), "reason": values.get("reason") or ""}
    try:
        move_order(dict(order), OrderState(order["status"]), OrderState.FOC_CONFIRMED, fields,
                   "", now or utcnow())
    except DomainError as exc:
        return exc.message
    return None


def activation_problem(order: dict[str, Any], values: dict[str, Any]) -> str | None:
    """Why this activation time cannot be recorded, in the domain's words; None when it can."""
    typed = str(values.get("activated_at") or "")
    if not _CLOCK.fullmatch(typed.strip()):
        return "Activated: give the date and the time the numbers went live, such as " \
               "2026-12-14 12:20."
    try:
        at = parse_typed_time(typed, EASTERN)
    except ValueError as exc:
        return f"Activated: {exc}."
    assert at is not None
    try:
        move_order(dict(order), OrderState(order["status"]), OrderState.ACTIVATED,
                   {"activated_at": at.isoformat()}, "", utcnow())
    except DomainError as exc:
        return exc.message
    return None


def foc_fields(order: Any) -> list[FormField]:
    changing = OrderState(order.status) in (
        OrderState.FOC_CONFIRMED, OrderState.FOC_MISSED, OrderState.ACTIVATION_FAILED)
    return [
        FormField("foc", "FOC (ET)", "text",
                  typed_time_text(order.confirmed_foc or order.requested_foc, EASTERN),
                  required=True, placeholder="2026-12-14 11:30"),
        FormField("reason", "Reason", "text", "", required=changing,
                  placeholder="the carrier's reason for the new FOC" if changing
                  else "optional"),
    ]


def move_choices(status: OrderState) -> list[tuple[OrderState, Any]]:
    """The moves offered for an order: the legal ones, then the others dimmed (picked, the
    domain refuses them with the reason)."""
    allowed = set(ORDER.allowed(status))
    if status is OrderState.FOC_CONFIRMED:
        allowed.add(OrderState.FOC_CONFIRMED)
    label = {OrderState.FOC_CONFIRMED: "foc confirmed (change the FOC)"
             if status is OrderState.FOC_CONFIRMED else "foc confirmed"}
    choices: list[tuple[OrderState, Any]] = [
        (s, label.get(s, s.value.replace("_", " "))) for s in OrderState if s in allowed]
    choices += [(s, Text(f"{s.value.replace('_', ' ')}  (not from {status.value})",
                         style="dim"))
                for s in OrderState if s not in allowed and s is not status]
    return choices


def rejection_choices() -> list[tuple[str, str]]:
    first = RejectionCode.PARTIAL_ORDER_COMMIT_FAILURE
    codes = [first, *[c for c in RejectionCode if c is not first]]
    return [(c.value, c.value.replace("_", " ").lower() if c is not first
             else "partial order commit failure (Zoom)") for c in codes]


def outcome_text(pon: str, to: OrderState, outcome: BulkOutcome) -> str:
    followed = len(outcome.applied) - 1
    text = f"{pon} → {to.value.replace('_', ' ')}"
    if followed > 0:
        text += f" · {followed} number{'s' if followed != 1 else ''} followed"
    return text


MoveFn = Callable[["LocalStore"], "BulkOutcome"]
