"""Messages the app broadcasts to its screens."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from golive_tui.domain.enums import EntityKind


class StoreReady(Message):
    """The cache is open: screens can load."""


class DataChanged(Message):
    """Records changed (locally or from the server); screens showing them reload."""

    def __init__(self, kinds: frozenset[EntityKind] | None = None) -> None:
        super().__init__()
        #: entity kinds that changed; None means anything may have changed
        self.kinds = kinds

    def touches(self, *kinds: EntityKind) -> bool:
        return self.kinds is None or any(kind in self.kinds for kind in kinds)


class SyncStatusChanged(Message):
    def __init__(self, status: Any) -> None:
        super().__init__()
        self.status = status

    def can_replace(self, message: Message) -> bool:
        # a fast sync loop must not flood the UI: only the newest status matters
        return isinstance(message, SyncStatusChanged)
