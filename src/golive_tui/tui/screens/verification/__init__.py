"""On-site verification: the screen (``screen``) in parts: its matrix, log and form."""

from golive_tui.tui.screens.verification.plan import (
    LOG_LIMIT,
    TALL,
    WIDE,
    resolve_test_case,
    size_classes,
)
from golive_tui.tui.screens.verification.screen import VerificationLogScreen

__all__ = ["LOG_LIMIT", "TALL", "WIDE", "VerificationLogScreen", "resolve_test_case", "size_classes"]
