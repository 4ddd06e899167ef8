"""Wiring the app to a server: the sync engine runs on the app's loop and reports to it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive_tui.domain.enums import EntityKind, Role

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore
    from golive_tui.sync.engine import SyncEngine, SyncNotice, SyncStatus
    from golive_tui.tui.app import GoLiveApp, StartSync


def important_notice(change: Mapping[str, Any], me: str) -> tuple[str, str] | None:
    """The one-line notice a change by someone else deserves, with its severity, or None.

    A new P1, a port rejected and a gate decision interrupt whoever is looking; everything
    else just updates the screens.
    """
    if change.get("by") == me or change.get("deleted"):
        return None
    data = change.get("data") or {}
    entity = change.get("entity")
    who = change.get("by") or "someone"
    if entity == "issue" and data.get("priority") == "P1" and int(change.get("version", 0)) == 1:
        return f"New P1 {data.get('ref', '')} by {who}: {data.get('title', '')}", "error"
    if entity == "port_order" and data.get("status") == "rejected":
        return (f"Port order {data.get('pon', '')} rejected ({data.get('rejection_code')}) "
                f"by {who}", "error")
    if entity == "decision":
        kind = str(data.get("decision", "")).replace("_", "-").upper()
        extra = " (override)" if data.get("override") else ""
        return f"{who} called {kind}{extra}: {data.get('reason', '')}", "warning"
    return None


def sync_starter(
    server_url: str, token: str, project_id: str, *, user: str
) -> Callable[[GoLiveApp, LocalStore], SyncEngine]:
    """What the app calls once its cache is open: start syncing with the server."""

    def start(app: GoLiveApp, store: LocalStore) -> SyncEngine:
        from golive_tui.domain.wire import OpStatus
        from golive_tui.sync.client import SyncClient
        from golive_tui.sync.engine import SyncEngine

        def on_status(status: SyncStatus) -> None:
            app.set_sync_status(status)

        def on_changes(notice: SyncNotice) -> None:
            if notice.reloaded:
                app.broadcast_changed(None)
            elif notice.changes:
                kinds = frozenset(EntityKind(change["entity"]) for change in notice.changes)
                app.broadcast_changed(kinds)
            for change in notice.changes:
                said = important_notice(change, user)
                if said is not None:
                    app.notify(said[0], severity=said[1], timeout=10)  # type: ignore[arg-type]
            for problem in notice.problems:
                conflict = problem.get("outcome") == OpStatus.CONFLICT
                outcome = "Conflict" if conflict else "Refused"
                app.notify(
                    f"{problem.get('message') or problem.get('code')} — press ! to review",
                    title=f"{outcome} by the server", severity="error", timeout=12,
                )

        client = SyncClient(server_url, token)
        engine = SyncEngine(store, client, project_id, on_status=on_status,
                            on_changes=on_changes)
        app.run_worker(engine.run(), group="sync", exit_on_error=False)
        return engine

    return start


@dataclass(frozen=True)
class Connection:
    """One user on one server: how the app opens any of the user's projects there, at
    start-up and when the user switches project from the portfolio."""

    server_url: str
    token: str
    user: str
    #: the cache file of a project (each project keeps its own, with its own outbox)
    cache_for: Callable[[str], Path]

    def project(
        self, project_id: str, role: Role
    ) -> tuple[Callable[[], LocalStore], StartSync]:
        """How to open the project's cache (made empty the first time: the sync engine
        loads the project from the server) and how to start syncing it."""
        path = self.cache_for(project_id)
        user = self.user

        def open_store() -> LocalStore:
            from golive_tui.store.local import LocalStore

            return LocalStore(path, actor=user, role=role, project_id=project_id)

        return open_store, sync_starter(self.server_url, self.token, project_id, user=user)
