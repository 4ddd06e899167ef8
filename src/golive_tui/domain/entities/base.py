"""The columns every synced record carries, and the field helpers the entities use."""

from __future__ import annotations

import typing
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import AwareDatetime
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from golive_tui.domain.enums import (
    EntityKind,
)
from golive_tui.domain.types import StrEnumType, UTCDateTime

#: a time, which always carries its zone: one without is refused by the model's own
#: (compiled) validation, not by a Python call per field
Time = AwareDatetime


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

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """A record's time is typed :data:`Time`: a plain ``datetime`` field would take a
        time without its zone, which every time in golive carries."""
        super().__pydantic_init_subclass__(**kwargs)
        for name, info in cls.model_fields.items():
            if datetime in (info.annotation, *typing.get_args(info.annotation)):
                raise TypeError(f"{cls.__name__}.{name}: type a time as Time, not datetime")

    id: str = Field(primary_key=True, max_length=36)
    project_id: str = Field(index=True, max_length=36)
    version: int = 0
    updated_at: Time | None = dt_field()
    updated_by: str = ""
