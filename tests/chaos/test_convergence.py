"""Convergence under chaos (ARCHITECTURE.md §5): 3 to 5 clients, each with its own cache file,
make legal and illegal changes while the network loses, repeats, reorders and breaks their
requests, clients and the server restart, and clocks are far off. When the faults stop and
everyone syncs: zero ops lost, zero duplicate effects, every cache equal to the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from golive_tui.domain.clock import utcnow
from golive_tui.domain.enums import (
    ChecklistStatus,
    DecisionKind,
    EntityKind,
    IssueState,
    PortState,
    Priority,
    VerificationResult,
)
from golive_tui.domain.errors import DomainError
from golive_tui.store.local import LocalStore
from golive_tui.sync.client import SyncClient, SyncError
from golive_tui.sync.engine import Backoff, SyncEngine
from tests.waiting import within

pytestmark = pytest.mark.slow

#: the third client is an engineer on the server but edits as an IPM locally, so some of
#: its changes (go / no-go decisions) reach the server and are refused there
USERS = ("ana", "ben", "eng.eli", "cruz", "dee")
FAULT_KINDS = ("drop_request", "drop_response", "duplicate", "replay_later",
               "error_before", "error_after")

real_utcnow = utcnow


@dataclass
class Client:
    name: str
    user: str
    token: str
    store: LocalStore
    transport: Any
    http: SyncClient
    engine: SyncEngine
    #: every op this client ever wrote to its outbox
    recorded: set[str] = field(default_factory=set)
    skew: timedelta = timedelta(0)


def test_clients_converge_under_network_chaos(tmp_path: Path, chaos_tools: dict[str, Any]) -> None:
    tools = SimpleNamespace(**chaos_tools)
    template = tools.build_world_template(tmp_path / "template", users=USERS)
    examples = itertools.count()

    class Convergence(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.loop = asyncio.new_event_loop()
            self.world = tools.copy_world(template, tmp_path / f"example-{next(examples)}")
            self.world.start()
            self.clients: list[Client] = []
            self.seeds = itertools.count(1)

        # -- plumbing --------------------------------------------------------------------

        def run(self, coro: Any) -> Any:
            return self.loop.run_until_complete(coro)

        def open_client(self, name: str, user: str) -> Client:
            store = self.world.store(name, user)
            transport = tools.FaultyTransport(seed=next(self.seeds))
            http = SyncClient(self.world.url, self.world.tokens[user], transport=transport,
                              timeout=5.0)
            engine = SyncEngine(store, http, self.world.project_id, live=False,
                                backoff=Backoff(base=0.01, cap=0.05))
            return Client(name, user, self.world.tokens[user], store, transport, http, engine)

        def close_client(self, client: Client) -> None:
            self.run(client.engine.stop())
            self.run(client.http.aclose())
            client.store.close()

        def pick(self, index: int) -> Client:
            return self.clients[index % len(self.clients)]

        def ids(self, client: Client, kind: EntityKind, **where: Any) -> list[str]:
            return sorted(
                r["id"] for r in client.store.iter_records(kind)
                if all(r.get(k) == v for k, v in where.items())
            )

        def change(self, client: Client, make: Callable[[LocalStore], Any]) -> None:
            """One local change, at the client's (maybe skewed) clock; refusals are fine."""
            skewed = mock.patch.object(client.store, "clock",
                                       lambda: real_utcnow() + client.skew)
            with skewed, contextlib.suppress(DomainError):
                make(client.store)
            client.recorded.update(op.op_id for op in client.store.outbox_batch(1_000_000))

        # -- set-up ----------------------------------------------------------------------

        @initialize(n=st.integers(min_value=3, max_value=5))
        def open_clients(self, n: int) -> None:
            for i, user in enumerate(USERS[:n]):
                client = self.open_client(f"client-{i}", user)
                self.run(client.engine.sync_once())
                self.clients.append(client)

        # -- local changes, legal and illegal --------------------------------------------

        @rule(c=st.integers(0, 4), pick=st.integers(0, 10**6), to=st.sampled_from(list(PortState)))
        def transition_number(self, c: int, pick: int, to: PortState) -> None:
            client = self.pick(c)
            ids = self.ids(client, EntityKind.NUMBER)
            extra = {"rejection_code": "ADDR_MISMATCH"} if to is PortState.REJECTED else {}
            self.change(client, lambda s: s.transition_number(ids[pick % len(ids)], to, **extra))

        @rule(c=st.integers(0, 4), pick=st.integers(0, 10**6),
              name=st.sampled_from(["title", "description", "assignee", "priority"]),
              value=st.integers(0, 3))
        def update_issue(self, c: int, pick: int, name: str, value: int) -> None:
            client = self.pick(c)
            ids = self.ids(client, EntityKind.ISSUE)
            if not ids:
                return
            values: dict[str, Any] = {
                "title": f"Calls drop at site {value}",
                "description": f"Seen {value} times",
                "assignee": USERS[value],
                "priority": list(Priority)[value].value,
            }
            self.change(client, lambda s: s.update_issue(ids[pick % len(ids)], **{name: values[name]}))

        @rule(c=st.integers(0, 4), pick=st.integers(0, 10**6), to=st.sampled_from(list(IssueState)),
              explained=st.booleans())
        def transition_issue(self, c: int, pick: int, to: IssueState, explained: bool) -> None:
            client = self.pick(c)
            ids = self.ids(client, EntityKind.ISSUE)
            if not ids:
                return
            extra: dict[str, str] = {}
            if explained and to in (IssueState.ON_HOLD, IssueState.CANCELLED):
                extra["reason"] = "awaiting customer"
            if explained and to is IssueState.RESOLVED:
                extra["resolution"] = "carrier fixed the route"
            self.change(client, lambda s: s.transition_issue(ids[pick % len(ids)], to, **extra))

        @rule(c=st.integers(0, 4), title=st.sampled_from(["No dial tone", "One-way audio", ""]))
        def open_issue(self, c: int, title: str) -> None:
            self.change(self.pick(c), lambda s: s.open_issue(title or " ", priority=Priority.P2))

        @rule(c=st.integers(0, 4), pick=st.integers(0, 10**6), body=st.sampled_from(["called", "ok", ""]))
        def add_note(self, c: int, pick: int, body: str) -> None:
            client = self.pick(c)
            ids = self.ids(client, EntityKind.ISSUE)
            if ids:
                self.change(client, lambda s: s.add_issue_note(ids[pick % len(ids)], body))

        @rule(c=st.integers(0, 4), result=st.sampled_from(list(VerificationResult)))
        def log_verification(self, c: int, result: VerificationResult) -> None:
            self.change(self.pick(c), lambda s: s.log_verification("IN-01", "DEN", result))

        @rule(c=st.integers(0, 4), pick=st.integers(0, 10**6),
              to=st.sampled_from(list(ChecklistStatus)), comment=st.booleans())
        def move_checklist_item(self, c: int, pick: int, to: ChecklistStatus, comment: bool) -> None:
            client = self.pick(c)
            ids = self.ids(client, EntityKind.CHECKLIST_ITEM)
            note = "not needed at this site" if comment and to is ChecklistStatus.SKIPPED else None
            self.change(client, lambda s: s.set_checklist_status(ids[pick % len(ids)], to, note))

        @rule(c=st.integers(0, 4))
        def record_decision(self, c: int) -> None:
            def decide(s: LocalStore) -> None:
                wave = s.current_cutover()  # a call names the wave whose gate it weighs
                s.record_decision(
                    DecisionKind.GO, "Ready: every open item is in hand",
                    unmet=[str(c) for c in s.gate(wave.id if wave else None).unmet],
                    cutover_id=wave.id if wave else None)

            self.change(self.pick(c), decide)

        # -- the network, restarts and clocks ---------------------------------------------

        @rule(c=st.integers(0, 4), kind=st.sampled_from((*FAULT_KINDS, "mixed", "none")),
              rate=st.sampled_from([0.3, 0.7]))
        def sync(self, c: int, kind: str, rate: float) -> None:
            client = self.pick(c)
            if kind == "none":
                client.transport.set_faults(0.0)
            elif kind == "mixed":
                client.transport.set_faults(rate)
            else:
                client.transport.set_faults(rate, (kind,))
            try:
                self.run(within(client.engine.sync_once(), "a sync through the faults to end"))
            except SyncError:
                pass  # the network said no; the ops wait in the outbox
            finally:
                client.transport.set_faults(0.0)

        @rule(c=st.integers(0, 4))
        def restart_client(self, c: int) -> None:
            index = c % len(self.clients)
            old = self.clients[index]
            self.close_client(old)
            new = self.open_client(old.name, old.user)
            new.recorded, new.skew = old.recorded, old.skew
            self.clients[index] = new

        @precondition(lambda self: self.world.running)
        @rule()
        def restart_server(self) -> None:
            self.world.restart()

        @precondition(lambda self: self.world.running)
        @rule()
        def stop_server(self) -> None:
            self.world.stop()

        @precondition(lambda self: not self.world.running)
        @rule()
        def start_server(self) -> None:
            self.world.start()

        @rule(c=st.integers(0, 4), days=st.sampled_from([-400, -3, 0, 2, 365]))
        def skew_clock(self, c: int, days: int) -> None:
            self.pick(c).skew = timedelta(days=days, minutes=17)

        # -- what must hold --------------------------------------------------------------

        @invariant()
        def no_op_applied_twice(self) -> None:
            twice = {op: n for op, n in self.world.change_op_ids().items() if n > 1}
            assert not twice, f"ops applied more than once: {twice}"

        def teardown(self) -> None:
            try:
                if self.clients:
                    self.world.start()
                    self.run(self.converge())
            finally:
                for client in self.clients:
                    self.close_client(client)
                self.world.close()
                self.loop.close()

        async def converge(self) -> None:
            for client in self.clients:
                client.transport.set_faults(0.0)
                await client.transport.settle()
            for _ in range(10):
                for client in self.clients:
                    await client.engine.sync_once()
                if all(c.store.outbox_count() == 0 for c in self.clients):
                    break
            for client in self.clients:  # everyone pulls what the last pushers sent
                await client.engine.sync_once()

            async with SyncClient(self.world.url, self.world.tokens[USERS[0]]) as http:
                snapshot = await http.snapshot(self.world.project_id)
            server = tools.snapshot_contents(snapshot.entities)
            effects = self.world.change_op_ids()
            first_answers = self.world.op_log()
            assert all(n == 1 for n in effects.values()), "an op changed the server twice"
            for client in self.clients:
                assert client.store.outbox_count() == 0, f"{client.name} still has queued ops"
                problems = {p.op_id for p in client.store.problems()}
                for op_id in client.recorded:
                    answer = first_answers.get(op_id)
                    assert op_id in effects or op_id in problems, (
                        f"{client.name} lost op {op_id} (server's answer: {answer})"
                    )
                    if answer == "applied":
                        assert op_id in effects, f"{client.name}: applied op {op_id} has no change"
                    if answer in ("rejected", "conflict"):
                        # a conflict may have applied its other fields, but it is always shown
                        assert op_id in problems, f"{client.name} hid a {answer} of {op_id}"
                diffs = tools.differences(tools.cache_contents(client.store), server)
                assert not diffs, f"{client.name} differs from the server:\n" + "\n".join(diffs)

    run_state_machine_as_test(
        Convergence,
        settings=settings(
            max_examples=20,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )
