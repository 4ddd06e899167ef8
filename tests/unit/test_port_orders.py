"""Port orders as a carrier sees them: what an order must carry, how it moves, what it warns."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from golive_tui.domain.codec import encode_time
from golive_tui.domain.enums import EntityKind, OpAction, OrderState, PortState
from golive_tui.domain.errors import IllegalTransition, ValidationFailed
from golive_tui.domain.ops import Op, Record, apply_op
from golive_tui.domain.port_orders import (
    FEDERAL,
    Holidays,
    divergence,
    foc_countdown,
    freeze_starts,
    order_warnings,
    project_holidays,
    us_federal_holidays,
)
from golive_tui.domain.rules import RecordFacts

K = EntityKind
ET = ZoneInfo("America/New_York")
#: Thursday 3 December 2026, 10:00 ET
NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
#: the FOC two weeks on, a Thursday at 11:30 ET
FOC = datetime(2026, 12, 17, 11, 30, tzinfo=ET)
_seq = iter(range(1, 1_000_000))


def apply(current: Record | None, action: OpAction, fields: dict[str, Any], *,
          kind: EntityKind = K.PORT_ORDER, entity_id: str = "order-1",
          now: datetime = NOW, facts: RecordFacts | None = None) -> Record:
    op = Op(client_id="laptop-a", client_seq=next(_seq), entity=kind, entity_id=entity_id,
            action=action, fields=fields, client_time=now)
    record = apply_op(current, op, project_id="p-1", actor="ipm", now=now,
                      facts=facts or RecordFacts())
    assert record is not None
    return record


def order(status: OrderState = OrderState.DRAFT, **fields: Any) -> Record:
    values = {"pon": "RVP-PO-2001", "carrier": "Verizon Business", "btn": "212-555-0100",
              **fields}
    record = apply(None, OpAction.CREATE, values)
    record["status"] = status
    return record


def move(record: Record, to: str, now: datetime = NOW, **fields: Any) -> Record:
    return apply(record, OpAction.TRANSITION, {"to": to, **fields}, now=now)


def signed(status: OrderState = OrderState.DRAFT, **fields: Any) -> Record:
    return order(status, loa_signed_at=(NOW - timedelta(days=3)).isoformat(),
                 loa_signed_by="Dana Whitfield", **fields)


def confirmed(**fields: Any) -> Record:
    return move(signed(OrderState.SUBMITTED, **fields), "foc_confirmed",
                confirmed_foc=FOC.isoformat())


# ----------------------------------------------------------------------------- edits


def test_an_order_is_created_with_its_btn_in_e164() -> None:
    assert order()["btn"] == "+12125550100"


@pytest.mark.parametrize("carrier", ["", "   "])
def test_an_order_names_its_losing_carrier(carrier: str) -> None:
    with pytest.raises(ValidationFailed, match=r"^carrier: name the losing carrier"):
        order(carrier=carrier)


def test_a_btn_that_is_no_phone_number_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed, match=r"^btn: '212-555' is not a valid billing"):
        order(btn="212-555")


def test_a_pin_with_letters_is_refused_where_the_carrier_takes_digits() -> None:
    with pytest.raises(ValidationFailed) as refused:
        order(pin="73O1")
    assert refused.value.message.startswith("pin: Verizon Business takes a port-out PIN of "
                                            "digits only")
    assert "73O1" not in refused.value.message  # a PIN is not repeated on screen
    assert order(pin="7301")["pin"] == "7301"
    # a carrier with no such rule takes a passcode of letters
    assert order(carrier="Bandwidth", pin="ab12")["pin"] == "ab12"
    # and changing the carrier weighs the PIN already held
    with pytest.raises(ValidationFailed, match=r"^pin: AT&T takes"):
        apply(order(carrier="Bandwidth", pin="ab12"), OpAction.UPDATE, {"carrier": "AT&T"})


def test_a_toll_free_order_needs_its_resporg() -> None:
    with pytest.raises(ValidationFailed, match=r"^resp_org: a toll-free order needs the RespOrg"):
        order(toll_free=True)
    assert order(toll_free=True, resp_org="ATX01")["resp_org"] == "ATX01"


def test_the_foc_and_its_history_are_not_edited_but_moved() -> None:
    with pytest.raises(ValidationFailed, match=r"^confirmed_foc: changed by the order's moves"):
        apply(confirmed(), OpAction.UPDATE, {"confirmed_foc": (FOC + timedelta(days=1))
                                             .isoformat()})
    # sending the value it has (in another zone) is no change
    same = apply(confirmed(), OpAction.UPDATE,
                 {"confirmed_foc": FOC.astimezone(UTC).isoformat(), "notes": "called"})
    assert same["notes"] == "called"


def test_an_edit_inside_the_freeze_needs_a_change_reason() -> None:
    record = confirmed()
    inside = FOC - timedelta(days=3)  # Monday, 3 business days before
    with pytest.raises(ValidationFailed) as refused:
        apply(record, OpAction.UPDATE, {"service_address": "412 W 23rd St, Fl 2"}, now=inside)
    assert refused.value.message.startswith("change_reason: this order is inside its change "
                                            "freeze")
    assert refused.value.details["changed"] == ["service_address"]
    # notes are no change to the carrier; a reason lets the edit through
    apply(record, OpAction.UPDATE, {"notes": "called the carrier"}, now=inside)
    changed = apply(record, OpAction.UPDATE, {"service_address": "412 W 23rd St, Fl 2",
                                              "change_reason": "CSR shows floor 2"}, now=inside)
    assert changed["change_reason"] == "CSR shows floor 2"
    # before the freeze, no reason is asked for
    apply(record, OpAction.UPDATE, {"service_address": "412 W 23rd St"}, now=NOW)


def test_the_freeze_counts_business_days_and_skips_holidays() -> None:
    # Thursday 17 Dec: five business days back is Thursday 10 Dec
    assert freeze_starts(FOC).date() == date(2026, 12, 10)
    # Tuesday 1 Dec 2026 FOC: Thanksgiving (26 Nov) is not a business day
    assert freeze_starts(datetime(2026, 12, 1, 11, 30, tzinfo=ET)).date() == date(2026, 11, 23)


# ----------------------------------------------------------------------------- moves


def test_submission_needs_a_signed_loa() -> None:
    with pytest.raises(IllegalTransition, match="signed LOA"):
        move(order(), "submitted")
    with pytest.raises(IllegalTransition, match="signed LOA"):
        move(order(loa_signed_at=NOW.isoformat()), "submitted")  # signed by nobody
    assert move(signed(), "submitted")["status"] is OrderState.SUBMITTED


def test_a_rejection_carries_a_code_and_the_order_is_resubmitted_when_corrected() -> None:
    record = signed(OrderState.SUBMITTED)
    with pytest.raises(IllegalTransition, match="rejection code"):
        move(record, "rejected")
    rejected = move(record, "rejected", rejection_code="PARTIAL_ORDER_COMMIT_FAILURE")
    assert rejected["rejection_code"] == "PARTIAL_ORDER_COMMIT_FAILURE"
    again = move(rejected, "submitted")
    assert again["status"] is OrderState.SUBMITTED and again["rejection_code"] is None


@pytest.mark.parametrize("foc", ["2026-12-17", "next week"])
def test_an_foc_needs_a_date_and_a_time(foc: str) -> None:
    with pytest.raises(IllegalTransition, match="confirmed_foc: "):
        move(signed(OrderState.SUBMITTED), "foc_confirmed", confirmed_foc=foc)


def test_an_foc_in_the_past_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="is in the past"):
        move(signed(OrderState.SUBMITTED), "foc_confirmed",
             confirmed_foc=(NOW - timedelta(hours=1)).isoformat())


def test_a_changed_foc_needs_a_reason_and_every_change_is_kept() -> None:
    record = confirmed()
    assert [(h["old"], h["reason"]) for h in record["foc_history"]] == [(None, "")]
    later = FOC + timedelta(days=1)
    with pytest.raises(IllegalTransition, match="needs the reason the carrier gave"):
        move(record, "foc_confirmed", confirmed_foc=later.isoformat())
    with pytest.raises(IllegalTransition, match="already"):
        move(record, "foc_confirmed", confirmed_foc=FOC.isoformat(), reason="again")
    moved = move(record, "foc_confirmed", confirmed_foc=later.isoformat(),
                 reason="Carrier short-staffed")
    assert moved["confirmed_foc"] == later
    last = moved["foc_history"][-1]
    assert (last["old"], last["new"], last["reason"], last["by"]) == (  # the codec's format
        encode_time(FOC), encode_time(later), "Carrier short-staffed", "ipm")
    assert last["new"].endswith("Z") and last["at"].endswith("Z")
    assert len(moved["foc_history"]) == 2
    # a missed FOC is given a new one with a reason too
    missed = move(moved, "foc_missed")
    with pytest.raises(IllegalTransition, match="needs the reason"):
        move(missed, "foc_confirmed", confirmed_foc=(later + timedelta(days=1)).isoformat())


def test_activation_records_the_actual_time_and_a_snapback_is_asked_within_24_hours() -> None:
    record = confirmed()
    on_the_day = FOC + timedelta(minutes=50)
    activated = move(record, "activated", now=on_the_day)
    assert activated["activated_at"] == on_the_day
    told = move(record, "activated", now=on_the_day + timedelta(hours=2),
                activated_at=(FOC + timedelta(minutes=20)).isoformat())
    assert told["activated_at"] == FOC + timedelta(minutes=20)
    with pytest.raises(IllegalTransition, match="still to come"):
        move(record, "activated", now=on_the_day,
             activated_at=(on_the_day + timedelta(hours=1)).isoformat())
    requested = move(activated, "snapback_requested", now=on_the_day + timedelta(hours=23))
    assert move(requested, "snapped_back", now=on_the_day + timedelta(hours=30))["status"] is (
        OrderState.SNAPPED_BACK)
    with pytest.raises(IllegalTransition, match="within 24 hours of activation"):
        move(activated, "snapback_requested", now=on_the_day + timedelta(hours=25))


def test_foc_missed_and_activation_failed_are_moves_of_a_confirmed_order() -> None:
    assert move(confirmed(), "foc_missed")["status"] is OrderState.FOC_MISSED
    failed = move(confirmed(), "activation_failed")
    assert move(failed, "activated", now=FOC + timedelta(hours=1))["status"] is (
        OrderState.ACTIVATED)


def test_a_number_waits_for_its_orders_foc() -> None:
    submitted = signed(OrderState.SUBMITTED)
    number = apply(None, OpAction.CREATE, {"e164": "+12125550101", "order_id": "order-1"},
                   kind=K.NUMBER, entity_id="n-1",
                   facts=RecordFacts(records={K.PORT_ORDER: [submitted]}))
    facts = RecordFacts(records={K.PORT_ORDER: [submitted]})
    # the order went back to the carrier after its numbers were FOC-confirmed
    for state, to in ((PortState.SUBMITTED, "foc_confirmed"),
                      (PortState.FOC_CONFIRMED, "ported")):
        number["porting_state"] = state
        with pytest.raises(IllegalTransition, match="while its order RVP-PO-2001 has no confirmed FOC"):
            apply(number, OpAction.TRANSITION, {"to": to}, kind=K.NUMBER, entity_id="n-1",
                  facts=facts)
    number["porting_state"] = PortState.SUBMITTED
    facts = RecordFacts(records={K.PORT_ORDER: [confirmed()]})
    moved = apply(number, OpAction.TRANSITION, {"to": "foc_confirmed"}, kind=K.NUMBER,
                  entity_id="n-1", facts=facts)
    assert moved["porting_state"] is PortState.FOC_CONFIRMED


# ----------------------------------------------------------------------------- what it shows


def test_divergence_says_how_many_numbers_are_where_the_order_is() -> None:
    assert divergence(OrderState.ACTIVATED, {PortState.PORTED: 47, PortState.VERIFIED: 1,
                                             PortState.FOC_CONFIRMED: 2}) == "48 of 50 ported"
    assert divergence(OrderState.ACTIVATED, {PortState.PORTED: 50}) is None
    assert divergence(OrderState.SUBMITTED, {}) is None


def test_federal_holidays_are_observed_on_a_weekday() -> None:
    days = us_federal_holidays(2027)
    assert days[date(2026 + 1, 7, 5)] == "Independence Day"  # 4 July 2027 is a Sunday
    assert days[date(2027, 11, 25)] == "Thanksgiving Day"
    assert days[date(2027, 12, 24)] == "Christmas Day"  # a Saturday's on the Friday


def test_warnings_where_a_real_cutover_goes_wrong() -> None:
    def codes(record: Record, count: int = 10, now: datetime = NOW,
              holidays: Holidays | None = None) -> dict[str, str]:
        found = order_warnings(record, count, now, *(() if holidays is None else (holidays,)))
        return {w.code: w.text for w in found}

    good = confirmed()
    assert codes(good) == {}
    big = codes(good, 101)["project_port"]
    assert "101 numbers" in big and "project port" in big and "3 to 4 weeks" in big
    at_two = confirmed()
    at_two["confirmed_foc"] = FOC + timedelta(hours=2, minutes=30)
    assert codes(at_two)["foc_time"] == "FOC at 14:00 ET: Zoom activates from 11:30 ET"
    on_christmas = confirmed()
    on_christmas["confirmed_foc"] = datetime(2026, 12, 25, 11, 30, tzinfo=ET)
    assert "Christmas Day" in codes(on_christmas)["foc_time"]
    # a project's own list replaces the federal one
    local = Holidays({date(2026, 12, 17): "Company day"})
    assert "Company day" in codes(good, holidays=local)["foc_time"]
    late = move(confirmed(), "activated", now=FOC + timedelta(hours=4))
    assert "outside Zoom's activation window" in codes(late)["activation_time"]
    assert "in_freeze" in codes(good, now=FOC - timedelta(days=2))
    changed = apply(good, OpAction.UPDATE, {"authorised_name": "D. Whitfield",
                                            "change_reason": "CSR name"},
                    now=FOC - timedelta(days=2))
    assert codes(changed, now=FOC - timedelta(days=2))["freeze_change"] == (
        "Changed inside its change freeze: CSR name")
    # a first confirmation inside the freeze is no change; moving the FOC there is
    late = move(signed(OrderState.SUBMITTED), "foc_confirmed", now=FOC - timedelta(days=2),
                confirmed_foc=FOC.isoformat())
    assert "freeze_change" not in codes(late, now=FOC - timedelta(days=2))
    moved = move(late, "foc_confirmed", now=FOC - timedelta(days=1),
                 confirmed_foc=(FOC + timedelta(days=1)).isoformat(), reason="Carrier backlog")
    assert codes(moved, now=FOC - timedelta(days=1))["freeze_change"] == (
        "FOC moved inside its change freeze: Carrier backlog")


def test_the_countdown_runs_to_the_foc_and_then_says_activating() -> None:
    assert foc_countdown(FOC, FOC - timedelta(days=2, hours=3)) == "in 2d 3h"
    assert foc_countdown(FOC, FOC - timedelta(minutes=90)) == "in 1h 30m"
    assert foc_countdown(FOC, FOC + timedelta(minutes=1)) == "activating"
    assert foc_countdown(FOC, FOC + timedelta(hours=4)) == "past"


def test_a_project_lists_its_own_holidays_and_the_freeze_skips_them() -> None:
    project = {"id": "p-1", "holidays": {"2026-12-16": "Plant shutdown"}}
    holidays = project_holidays(project)
    assert holidays.name(date(2026, 12, 16)) == "Plant shutdown"
    assert holidays.name(date(2026, 12, 25)) is None  # the list replaces the federal one
    assert project_holidays({"holidays": {}}) is FEDERAL
    # FOC Thu 17 Dec: Wed 16 Dec is no business day, so the freeze starts Wed 9 Dec
    assert freeze_starts(FOC, holidays).date() == date(2026, 12, 9)
    record = confirmed()
    wednesday = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
    facts = RecordFacts(records={K.PROJECT: [project]})
    with pytest.raises(ValidationFailed, match=r"^change_reason: "):
        apply(record, OpAction.UPDATE, {"spid": "6530"}, now=wednesday, facts=facts)
    # with the federal holidays the 9th is before the freeze
    apply(record, OpAction.UPDATE, {"spid": "6530"}, now=wednesday)


def test_a_holiday_list_holds_dates() -> None:
    project = apply(None, OpAction.CREATE, {"name": "Rollout", "customer": "Ridgeline"},
                    kind=K.PROJECT, entity_id="p-1")
    with pytest.raises(ValidationFailed, match=r"^holidays: '24 Dec' is not a date"):
        apply(project, OpAction.UPDATE, {"holidays": {"24 Dec": "Christmas Eve"}},
              kind=K.PROJECT, entity_id="p-1")
    listed = apply(project, OpAction.UPDATE, {"holidays": {"2026-12-24": "Christmas Eve"}},
                   kind=K.PROJECT, entity_id="p-1")
    assert listed["holidays"] == {"2026-12-24": "Christmas Eve"}
