"""What every table of the lifecycle screen is drawn with: the data, the clock, the
project's zone and whether the terminal is wide enough for every column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text

from golive_tui.domain.time_text import local_time
from golive_tui.tui.screens.lifecycle.data import LifecycleData

#: a table's columns: key, heading and width (0: what the other columns leave)
Columns = list[tuple[str, str, int]]


def label(value: str) -> str:
    return value.replace("_", " ")


@dataclass(frozen=True)
class Frame:
    """One drawing of the screen: the tables' rows and the detail lines are read from it."""

    data: LifecycleData
    now: datetime
    zone: ZoneInfo
    wide: bool

    def when(self, when: datetime | None, *, done: bool = False) -> Text:
        if when is None:
            return Text("—", style="dim")
        here = when.astimezone(self.zone)
        if self.wide:
            text = local_time(when, self.zone, self.now, compact=True)
        else:  # six columns: the time today, else the day
            today = self.now.astimezone(self.zone).date()
            text = f"{here:%H:%M}" if here.date() == today else f"{here:%d %b}"
        return Text(text, style="dim" if done else "")

    def owner(self, stakeholder_id: str) -> Text:
        """An owner's name in a table: the whole name when wide, the first name at 80."""
        name = self.data.name(stakeholder_id)
        return Text(name if self.wide else name.split(" ")[0], no_wrap=True,
                    overflow="ellipsis")
