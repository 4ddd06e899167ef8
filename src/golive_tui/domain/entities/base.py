"""The columns every synced record carries, and the field helpers the entities use."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import field_validator
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from golive_tui.domain.enums import (
    EntityKind,
)
from golive_tui.domain.types import StrEnumType, UTCDateTime


def dt_field(**kwargs: Any) -> Any:
    return Field(default=None, sa_type=UTCDateTime, **kwargs)


def enum_field(enum_cls: type[StrEnum], default: Any = ..., **kwargs: Any) -> Any:
    return Field(default=default, sa_type=StrEnumType(enum_cls), **kwargs)


def added_field(default: Any, **kwargs: Any) -> Any:
    """A column added to an existing table: its default is also the database's, so the
    rows already stored (on a server, in a cache) get it when the column is added."""
    if isinstance(default, list | dict):
        text = "[]" if isinstance(default, list) else "{}"
        return Field(
            default_factory=type(default), sa_type=JSON,
            sa_column_kwargs={"server_default": text}, **kwargs,
        )
    return Field(default=default, sa_column_kwargs={"server_default": default}, **kwargs)


class EntityBase(SQLModel):
    """Columns every synced record carries (ARCHITECTURE.md §3)."""

    kind: ClassVar[EntityKind]
    #: the field only a ``transition`` op may change, if the entity has a state machine
    state_field: ClassVar[str | None] = None
    #: append-only entities are never updated, so they never conflict
    append_only: ClassVar[bool] = False

    id: str = Field(primary_key=True, max_length=36)
    project_id: str = Field(index=True, max_length=36)
    version: int = 0
    updated_at: datetime | None = dt_field()
    updated_by: str = ""

    @field_validator("*", mode="after")
    @classmethod
    def _times_are_aware(cls, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("time without a time zone; give an offset such as Z or -05:00")
        return value
