"""A project's settings as the IPM edits them: its holiday list and its call-quality
thresholds, read from the form's text and checked as the server checks every change."""

from __future__ import annotations

from datetime import date

import pytest

from golive_tui.domain.enums import EntityKind, OpAction
from golive_tui.domain.errors import ValidationFailed
from golive_tui.domain.network import NetworkThresholds
from golive_tui.domain.port_orders import project_holidays
from golive_tui.domain.project_settings import (
    check_thresholds,
    holidays_from_text,
    settings_from_text,
    settings_text,
)
from tests.unit.test_port_orders import apply

K = EntityKind


def test_typed_holidays_and_thresholds_become_the_project_fields_and_read_back() -> None:
    fields = settings_from_text({
        "holidays": "2026-12-24 Christmas Eve\n\n  2026-12-31   New Year's Eve  \n2027-01-04",
        "min_mos": "3.8", "max_jitter_ms": "25 ms", "max_loss_pct": "0.5 %",
    })
    assert fields == {
        "holidays": {"2026-12-24": "Christmas Eve", "2026-12-31": "New Year's Eve",
                     "2027-01-04": "Holiday"},
        "network_thresholds": {"min_mos": 3.8, "max_jitter_ms": 25.0, "max_loss_pct": 0.5},
    }
    holidays = project_holidays(fields)
    assert holidays.name(date(2026, 12, 31)) == "New Year's Eve"
    assert not holidays.is_business_day(date(2027, 1, 4))
    assert NetworkThresholds.from_stored(fields["network_thresholds"]).shortfalls(
        3.9, 20, 0.4) == []
    shown = settings_text(fields)
    assert shown.holidays.splitlines() == [
        "2026-12-24 Christmas Eve", "2026-12-31 New Year's Eve", "2027-01-04 Holiday"]
    assert (shown.min_mos, shown.max_jitter_ms, shown.max_loss_pct) == ("3.8", "25", "0.5")
    # a project that sets nothing shows the defaults, and an empty list the federal days
    empty = settings_text({})
    assert (empty.holidays, empty.min_mos, empty.max_jitter_ms) == ("", "4", "30")


@pytest.mark.parametrize(("typed", "says"), [
    ({"holidays": "2026-12-24 Christmas Eve\n24 Dec Boxing Day"},
     "Holidays, line 2: '24' is not a date"),
    ({"holidays": "2026-02-30 Nowhere"}, "line 1: '2026-02-30' is not a date"),
    ({"min_mos": "four"}, "The lowest MOS 'four' is not a number"),
    ({"min_mos": "5.5"}, "the lowest MOS must lie between 1 and 5, not 5.5"),
    ({"max_loss_pct": "-1"}, "the highest loss (%) must lie between 0 and 100, not -1"),
])
def test_a_bad_line_or_threshold_is_refused_with_what_is_wrong(
    typed: dict[str, str], says: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        settings_from_text(typed)
    assert says in refused.value.message


def test_the_rules_refuse_thresholds_a_test_call_cannot_measure() -> None:
    project = apply(None, OpAction.CREATE, {"name": "Rollout", "customer": "Ridgeline"},
                    kind=K.PROJECT, entity_id="p-1")
    for bad, says in [
        ({"min_mos": "4"}, "the lowest MOS is not a number"),
        ({"max_jitter": 30}, "max_jitter is not a threshold"),
        ({"max_loss_pct": 150}, "must lie between 0 and 100"),
        ({"min_mos": True}, "the lowest MOS is not a number"),
    ]:
        with pytest.raises(ValidationFailed, match=says):
            apply(project, OpAction.UPDATE, {"network_thresholds": bad},
                  kind=K.PROJECT, entity_id="p-1")
    with pytest.raises(ValidationFailed, match="give min_mos"):
        check_thresholds({"network_thresholds": [4, 30, 1]})
    saved = apply(project, OpAction.UPDATE, {"network_thresholds": {"min_mos": 3.6}},
                  kind=K.PROJECT, entity_id="p-1")
    assert NetworkThresholds.from_stored(saved["network_thresholds"]).min_mos == 3.6


def test_holidays_typed_in_any_order_are_listed_once_each() -> None:
    assert holidays_from_text("2026-12-31 Eve\n2026-12-24 Xmas\n2026-12-31 New Year's Eve") \
        == {"2026-12-31": "New Year's Eve", "2026-12-24": "Xmas"}
