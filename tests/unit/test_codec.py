"""The row codec: every entity kind's record reads back as it was written, and one value is
one text (canonical), whoever wrote it and in whatever zone its times were made."""

from __future__ import annotations

import json
import re
import typing
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import AwareDatetime
from pydantic_core import to_json

from golive_tui.domain.codec import decode_time, encode_record, encode_time, encode_value
from golive_tui.domain.entities import ENTITY_BASES
from golive_tui.domain.enums import EntityKind, PortState
from golive_tui.domain.records import decode_fields, decode_record

ZONES = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]
TIME_TEXT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")

times = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.sampled_from(ZONES)
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def _values(annotation: Any) -> st.SearchStrategy[Any]:
    args = typing.get_args(annotation)
    if args and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return st.none() | _values(inner)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from(list(annotation))
    if annotation is datetime or annotation is AwareDatetime:  # a record's times carry a zone
        return times
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(-(2**63), 2**63 - 1)
    if annotation is float:
        return st.floats(allow_nan=False, allow_infinity=False)
    if annotation is str:
        return st.text()
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return st.lists(_values(item), max_size=4)
    if annotation is dict or typing.get_origin(annotation) is dict:
        return st.dictionaries(st.text(), json_values, max_size=4)
    raise AssertionError(f"no strategy for {annotation!r}: teach this test the new type")


@st.composite
def records(draw: st.DrawFn) -> tuple[EntityKind, dict[str, Any]]:
    kind = draw(st.sampled_from(list(EntityKind)))
    fields = ENTITY_BASES[kind].model_fields
    return kind, {name: draw(_values(info.annotation)) for name, info in fields.items()}


def _in_zone(record: dict[str, Any], zone: timezone) -> dict[str, Any]:
    return {k: v.astimezone(zone) if isinstance(v, datetime) else v for k, v in record.items()}


@given(records(), st.sampled_from(ZONES))
def test_every_record_reads_back_as_written_and_writes_one_way(
    drawn: tuple[EntityKind, dict[str, Any]], zone: timezone
) -> None:
    kind, record = drawn
    encoded = encode_record(record)
    sent = json.loads(to_json(encoded))  # what crosses the wire
    assert sent == encoded
    decoded = decode_record(kind, sent)
    assert decoded == record
    assert {k: type(v) for k, v in decoded.items() if isinstance(v, float)} == {
        k: float for k, v in record.items() if isinstance(v, float)
    }
    # canonical: what was read writes the same text, and so does the record in another zone
    assert encode_record(decoded) == encoded
    assert encode_record(_in_zone(record, zone)) == encoded
    for name, value in record.items():
        if isinstance(value, datetime):
            assert TIME_TEXT.match(encoded[name]), encoded[name]


@given(times)
def test_a_time_is_utc_with_z_and_reads_back_as_the_same_instant(value: datetime) -> None:
    text = encode_time(value)
    assert TIME_TEXT.match(text)
    assert decode_time(text) == value
    assert encode_time(decode_time(text)) == text


@given(times)
def test_a_time_is_written_as_isoformat_writes_it_in_utc(value: datetime) -> None:
    assert encode_time(value) == value.astimezone(UTC).isoformat()[:-6] + "Z"
    assert encode_time(value) == encode_time(value)  # the remembered last one as well


def test_microseconds_are_written_only_when_there_are_some() -> None:
    assert encode_time(datetime(2026, 11, 26, 11, 30, tzinfo=ZONES[1])) == "2026-11-26T16:30:00Z"
    assert encode_value(datetime(2026, 11, 26, 16, 30, 0, 5, tzinfo=UTC)) == (
        "2026-11-26T16:30:00.000005Z"
    )


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        encode_time(datetime(2026, 11, 26, 16, 30))
    with pytest.raises(ValueError, match="time zone"):
        decode_time("2026-11-26T16:30:00")


def test_enums_lists_and_dicts_are_encoded_inside_as_well() -> None:
    assert encode_record({"state": PortState.PORTED, "many": (PortState.DRAFT, 1),
                          "deep": {"at": datetime(2026, 1, 1, tzinfo=UTC)}}) == {
        "state": "ported", "many": ["draft", 1], "deep": {"at": "2026-01-01T00:00:00Z"},
    }


def test_a_cache_only_column_is_left_out_when_asked() -> None:
    assert encode_record({"id": "a", "pending": 2}, omit="pending") == {"id": "a"}


def test_an_ops_fields_are_typed_where_they_are_fields_and_kept_otherwise() -> None:
    typed = decode_fields(EntityKind.PORT_ORDER,
                          {"confirmed_foc": "2026-11-26T11:30:00-05:00", "unknown": 1})
    assert typed == {"confirmed_foc": datetime(2026, 11, 26, 16, 30, tzinfo=UTC), "unknown": 1}
    assert decode_fields(EntityKind.PORT_ORDER, {"confirmed_foc": "soon"}) == {
        "confirmed_foc": "soon"
    }


@pytest.mark.parametrize("kind", list(EntityKind))
def test_a_validated_record_is_its_models_values_as_they_are(kind: EntityKind) -> None:
    """``validate_record`` reads a record out of its model as the values stand, not through
    the model's serializer: no entity may have a serializer or a computed field of its own."""
    base = ENTITY_BASES[kind]
    found = base.__pydantic_decorators__
    assert not found.field_serializers and not found.model_serializers
    assert not found.computed_fields
    assert not any(info.exclude for info in base.model_fields.values())
