"""The go-live checklist: what it reads (``data``), its table (``table``) and the screen
with its detail, filters and moves (``screen``)."""

from golive_tui.tui.screens.checklist.data import PHASE_ROW
from golive_tui.tui.screens.checklist.screen import ChecklistScreen

__all__ = ["PHASE_ROW", "ChecklistScreen"]
