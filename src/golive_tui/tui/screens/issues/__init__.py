"""The hypercare issue screens: the queue (``queue``), one issue (``detail``), the triage
actions both share (``triage``) and what they read (``data``)."""

from golive_tui.domain.sla import issue_clocks
from golive_tui.tui.screens.issues.data import hold_reason_label, is_breached, load_context
from golive_tui.tui.screens.issues.detail import IssueDetailScreen
from golive_tui.tui.screens.issues.queue import IssueQueueScreen
from golive_tui.tui.screens.issues.triage import IssueTriageScreen

__all__ = [
    "IssueDetailScreen",
    "IssueQueueScreen",
    "IssueTriageScreen",
    "hold_reason_label",
    "is_breached",
    "issue_clocks",
    "load_context",
]
