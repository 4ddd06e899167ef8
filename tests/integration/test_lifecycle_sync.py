"""Closing a phase through sync: made in one cache, applied by the real server (SQLite and
PostgreSQL), seen by every other cache; two laptops that close the same phase offline end
with one close, the second refused with its reason and undone."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive_tui.domain.enums import LifecyclePhase, Role, SignoffKind
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient
from golive_tui.sync.engine import SyncEngine
from tests.conftest import ServerUnderTest

BACKENDS = ["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)]
REASON = "New York ported; open items carried into hypercare with the MPOC"


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest) -> ServerUnderTest:
    server = request.getfixturevalue(request.param)
    assert isinstance(server, ServerUnderTest)
    return server


async def sync(store: LocalStore, server: ServerUnderTest, user: str) -> None:
    async with SyncClient(server.url, server.tokens[user]) as client:
        await SyncEngine(store, client, server.project_id, live=False).sync_once()


def cache(tmp_path: Path, server: ServerUnderTest, name: str, role: Role) -> LocalStore:
    return LocalStore(tmp_path / f"{name}.sqlite", actor=name, role=role,
                      project_id=server.project_id)


def phase_of(store: LocalStore) -> LifecyclePhase:
    project = store.project()
    assert project is not None
    return LifecyclePhase(project.phase)


async def test_a_phase_closed_in_one_cache_reaches_the_others(
    server: ServerUnderTest, tmp_path: Path
) -> None:
    ipm = cache(tmp_path, server, "ipm", Role.IPM)
    engineer = cache(tmp_path, server, "engineer", Role.ENGINEER)
    await sync(ipm, server, "ipm")
    await sync(engineer, server, "engineer")
    assert phase_of(ipm) is phase_of(engineer) is LifecyclePhase.GO_LIVE

    ipm.close_phase(LifecyclePhase.GO_LIVE, REASON)
    assert phase_of(ipm) is LifecyclePhase.HYPERCARE  # at once, pending
    assert ipm.outbox_count() == 2
    await sync(ipm, server, "ipm")
    assert ipm.outbox_count() == 0 and ipm.problems() == []

    await sync(engineer, server, "engineer")
    assert phase_of(engineer) is LifecyclePhase.HYPERCARE
    event = engineer.phase_events()[-1]
    assert (event.phase, event.action, event.by) == ("go_live", "closed", "ipm")
    assert "Checklist GL-04: todo" in event.unmet
    for store in (ipm, engineer):
        store.close()


async def test_two_laptops_closing_one_phase_offline_end_with_one_close(
    server: ServerUnderTest, tmp_path: Path
) -> None:
    first = cache(tmp_path, server, "first", Role.IPM)
    second = cache(tmp_path, server, "second", Role.IPM)
    await sync(first, server, "ipm")
    await sync(second, server, "ipm")

    first.close_phase(LifecyclePhase.GO_LIVE, REASON)
    second.close_phase(LifecyclePhase.GO_LIVE, "Closing from the site: every port is done")
    await sync(first, server, "ipm")
    await sync(second, server, "ipm")

    # the server refused the second close (go-live was no longer the current phase) and
    # the move that came with it; the second cache undid both and shows the server's log
    reasons = " ".join(p.message for p in second.problems())
    assert "already closed" in reasons
    assert phase_of(second) is phase_of(first) is LifecyclePhase.HYPERCARE
    assert [(e.phase, e.reason) for e in second.phase_events()][-1] == ("go_live", REASON)
    assert len(second.phase_events()) == len(first.phase_events()) == 5
    for store in (first, second):
        store.close()


async def test_closing_the_project_closes_its_lifecycle_on_the_server(
    server: ServerUnderTest, tmp_path: Path
) -> None:
    ipm = cache(tmp_path, server, "ipm", Role.IPM)
    await sync(ipm, server, "ipm")
    ipm.close_project(REASON)  # over the closure gaps, with the reason
    assert ipm.outbox_count() == 6  # three phase closes, two moves, the close
    await sync(ipm, server, "ipm")
    assert ipm.outbox_count() == 0 and ipm.problems() == []

    engineer = cache(tmp_path, server, "engineer", Role.ENGINEER)
    await sync(engineer, server, "engineer")
    project = engineer.project()
    assert project is not None and project.closed_at is not None
    assert LifecyclePhase(project.phase) is LifecyclePhase.ACCEPTANCE
    closed = {e.phase for e in engineer.phase_events() if e.action == "closed"}
    assert {"go_live", "hypercare", "acceptance"} <= closed
    for store in (ipm, engineer):
        store.close()


async def test_the_whole_closure_goes_through_sync_and_open_issues_pass_to_support(
    server: ServerUnderTest, tmp_path: Path
) -> None:
    """The IPM hands off, the customer's main contact accepts and gives feedback, support
    acknowledges and takes the open issues, the IPM closes: each in its own cache, each
    applied by the server, and every cache ends with the same closed project."""
    server.grant("dana.whitfield", "customer")
    server.grant("desk", "support")
    ipm = cache(tmp_path, server, "ipm", Role.IPM)
    await sync(ipm, server, "ipm")
    package = ipm.prepare_handoff("3 hospitals, 2 auto receptionists, 140 desk phones")
    await sync(ipm, server, "ipm")
    customer = cache(tmp_path, server, "dana.whitfield", Role.CUSTOMER)
    await sync(customer, server, "dana.whitfield")
    customer.sign(SignoffKind.ACCEPTANCE, exceptions=["Fax line at DEN"])
    customer.give_feedback(4, "Smooth cut-over")
    await sync(customer, server, "dana.whitfield")
    desk = cache(tmp_path, server, "desk", Role.SUPPORT)
    await sync(desk, server, "desk")
    desk.acknowledge_handoff()
    await sync(desk, server, "desk")
    assert desk.outbox_count() == 0 and desk.problems() == []
    await sync(ipm, server, "ipm")
    assert ipm.closure_gaps() == []
    ipm.close_project()
    await sync(ipm, server, "ipm")
    assert ipm.problems() == []
    handed = {str(e["issue_id"]) for e in package["open_issues"]}
    for store, user in ((customer, "dana.whitfield"), (desk, "desk")):
        await sync(store, server, user)
        project = store.project()
        assert project is not None and project.closed_at is not None
    assert {i.assignee for i in ipm.issues() if i.id in handed} == {"desk"}
    for store in (ipm, customer, desk):
        store.close()
