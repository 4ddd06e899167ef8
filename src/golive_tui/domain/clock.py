"""The time now, and a record's time read as an aware datetime.

Pure functions, apart from the column types in :mod:`golive_tui.domain.types`: a screen that
reads a time needs no SQLAlchemy before its first paint.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_time(value: Any) -> datetime | None:
    """A record's time as an aware datetime (stored text is read; a naive one is UTC), or
    None when it holds none."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def ensure_aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime refused: give a time zone")
    return value.astimezone(UTC)
