"""A run of records validated in one call is validated as each record alone.

:func:`~golive_tui.domain.validation.validate_records` runs the model's own fields
validator over a list (a push of new test results); each record must come out as
:func:`~golive_tui.domain.validation.validate_record` gives it, a refusal as the refusal
that one raises, with its own message.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from golive_tui.domain.entities import ENTITY_BASES
from golive_tui.domain.enums import EntityKind
from golive_tui.domain.errors import ValidationFailed
from golive_tui.domain.validation import validate_record, validate_records
from golive_tui.seed import generate_project


def _alone(kind: EntityKind, record: dict[str, Any]) -> Any:
    try:
        return validate_record(kind, record)
    except ValidationFailed as refused:
        return (refused.code, refused.message, refused.details)


def _answer(found: Any) -> Any:
    if isinstance(found, ValidationFailed):
        return (found.code, found.message, found.details)
    return found


def test_every_kind_of_a_projects_records_is_validated_together_as_alone() -> None:
    document = generate_project(40, sites=2)
    checked = 0
    for kind, records in document.records.items():
        if len(records) < 2:
            continue
        together = validate_records(kind, records)
        assert [_answer(found) for found in together] == [_alone(kind, r) for r in records]
        assert not any(isinstance(found, ValidationFailed) for found in together)
        # each a record of its own, as validate_record gives
        assert len({id(found) for found in together}) == len(records)
        checked += 1
    assert checked >= 5


TIMES = st.sampled_from([
    datetime(2026, 12, 7, 4, 30, tzinfo=UTC),
    datetime(2026, 12, 7, 4, 30, 0, 250000, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 12, 7, 4, 30),  # no zone: refused
    "2026-12-07T04:30:00Z",
    "2026-12-07T04:30:00+01:00",
    "yesterday",
])
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=130),
    st.sampled_from(["pass", "fail", "not_applicable", "maybe", "IN-01", "E911-01", ""]),
    TIMES,
)


@st.composite
def verifications(draw: st.DrawFn) -> dict[str, Any]:
    names = sorted(ENTITY_BASES[EntityKind.VERIFICATION].model_fields)
    record: dict[str, Any] = {
        "id": draw(st.text(min_size=1, max_size=40)),
        "project_id": "p-1",
        "test_case": draw(st.sampled_from(["IN-01", "E911-01", "", "X" * 21])),
        "target": draw(st.text(min_size=0, max_size=3)),
        "result": draw(st.sampled_from(["pass", "fail", "maybe"])),
    }
    for name in draw(st.lists(st.sampled_from(names), max_size=4)):
        record[name] = draw(VALUES)
    if draw(st.booleans()):
        record["tested_at"] = draw(TIMES)
    if draw(st.integers(0, 9)) == 0:
        record["colour"] = "red"  # no such field: refused before the model
    return record


@settings(max_examples=300, deadline=None)
@given(st.lists(verifications(), max_size=6))
def test_test_results_validated_together_get_each_their_own_answer(
    records: list[dict[str, Any]],
) -> None:
    kind = EntityKind.VERIFICATION
    together = validate_records(kind, records)
    assert [_answer(found) for found in together] == [_alone(kind, r) for r in records]
