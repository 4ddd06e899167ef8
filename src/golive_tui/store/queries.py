"""Paged, indexed queries over the numbers of a project: fast at 100,000 rows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, and_, func, literal_column, or_, select

from golive_tui.domain.enums import PortState
from golive_tui.domain.phone import digits_for_search
from golive_tui.store.tables import NumberRow, PortOrderRow

N = NumberRow.__table__.c  # type: ignore[attr-defined]
ORD = PortOrderRow.__table__.c  # type: ignore[attr-defined]


class NumberSort(StrEnum):
    NUMBER = "e164"
    STATE = "porting_state"
    SITE = "site_id"
    ORDER = "order_id"


@dataclass(frozen=True)
class NumberQuery:
    """What the porting tracker shows: every filter is optional and they combine with AND."""

    project_id: str
    states: frozenset[PortState] = frozenset()
    site_id: str | None = None
    order_id: str | None = None
    carrier: str | None = None
    #: free text: digits typed in any format, or words matched against the assignee
    text: str = ""
    sort: NumberSort = NumberSort.NUMBER
    descending: bool = False

    def with_(self, **changes: Any) -> NumberQuery:
        return replace(self, **changes)

    @property
    def is_filtered(self) -> bool:
        return bool(self.states or self.site_id or self.order_id or self.carrier or self.text)

    def conditions(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = [N.project_id == self.project_id]
        if self.states:
            conds.append(N.porting_state.in_(sorted(s.value for s in self.states)))
        if self.site_id:
            conds.append(N.site_id == self.site_id)
        if self.order_id:
            conds.append(N.order_id == self.order_id)
        if self.carrier:
            orders = select(ORD.id).where(
                and_(ORD.project_id == self.project_id, ORD.carrier == self.carrier)
            )
            conds.append(N.order_id.in_(orders))
        text = self.text.strip()
        if text:
            digits = digits_for_search(text)
            if digits:
                conds.append(N.e164.contains(digits, autoescape=True))
            else:
                # SQLite's LIKE ignores the case of ASCII letters, as its lower() folds only
                # those: the same matches as icontains, without lower() on both columns of
                # every row (a name typed into the tracker read 100,000 of each: half its cost)
                conds.append(
                    or_(
                        N.assigned_to.contains(text, autoescape=True),
                        N.rejection_code.contains(text, autoescape=True),
                    )
                )
        return conds

    def select_page(self, offset: int, limit: int) -> Select[Any]:
        column = N[self.sort.value]
        order = [column.desc() if self.descending else column.asc()]
        if self.sort is not NumberSort.NUMBER:
            order.append(N.e164.asc())
        return (
            select(NumberRow.__table__)  # type: ignore[attr-defined]
            .where(and_(*self.conditions()))
            .order_by(*order)
            .offset(offset)
            .limit(limit)
        )

    def select_count(self) -> Select[Any]:
        return select(func.count()).select_from(NumberRow.__table__).where(  # type: ignore[attr-defined]
            and_(*self.conditions())
        )

    @property
    def digits(self) -> str:
        """The digits searched for in the numbers (``""``: no digit search, e.g. a name)."""
        return digits_for_search(self.text.strip())

    def narrows(self, wider: NumberQuery) -> bool:
        """Whether every number matching this query matches ``wider`` too: the same
        filters and order, and digits searched for that contain the wider query's."""
        digits, wider_digits = self.digits, wider.digits
        return (bool(wider_digits) and wider_digits in digits
                and replace(self, text="") == replace(wider, text=""))

    def select_matches(self, limit: int) -> Select[Any]:
        """The rowid and E.164 of the first ``limit`` numbers matching, in the page order."""
        return (
            select(literal_column("number.rowid"), N.e164)
            .where(and_(*self.conditions()))
            .order_by(N.e164)
            .limit(limit)
        )

    def select_ids(self) -> Select[Any]:
        return select(N.id).where(and_(*self.conditions())).order_by(N.e164)


def number_changes(
    engine: Engine, project_id: str, since: datetime, exclude_actor: str
) -> list[tuple[str, PortState, int, datetime]]:
    """Number changes since ``since`` (not by ``exclude_actor``), summed by who made them and
    the state they reached: ``(who, state, how many, when the last was made)``.

    One grouped query, so a bulk move of thousands of numbers is one line of a feed.
    """
    stmt = (
        select(N.updated_by, N.porting_state, func.count(), func.max(N.updated_at))
        .where(and_(N.project_id == project_id, N.updated_by != exclude_actor,
                    N.updated_at >= since))
        .group_by(N.updated_by, N.porting_state)
    )
    out: list[tuple[str, PortState, int, datetime]] = []
    with engine.connect() as conn:
        for who, state, count, at in conn.execute(stmt):
            if isinstance(at, str):
                at = datetime.fromisoformat(at)
            if at is not None and at.tzinfo is None:
                at = at.replace(tzinfo=UTC)
            if at is not None:
                out.append((who or "?", PortState(state), int(count), at))
    return out
