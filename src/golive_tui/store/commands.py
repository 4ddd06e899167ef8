"""One function per kind of change a person makes, each a :class:`Change` through the
one write path."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from golive_tui.domain.closure import CLOSED_WITH_PROJECT, handoff_package, issues_taken_over
from golive_tui.domain.enums import (
    ChecklistStatus,
    DecisionKind,
    EntityKind,
    IssueCategory,
    IssueState,
    LifecyclePhase,
    NumberType,
    OpAction,
    OrderState,
    PhaseAction,
    PortState,
    Priority,
    SignoffKind,
    VerificationResult,
)
from golive_tui.domain.errors import NotFound, ValidationFailed
from golive_tui.domain.lifecycle import is_closed as lifecycle_closed
from golive_tui.domain.lifecycle import phase_after_close
from golive_tui.domain.ops import Record, new_id
from golive_tui.domain.phone import is_toll_free
from golive_tui.domain.port_orders import numbers_following
from golive_tui.domain.rules import reason_is_thin
from golive_tui.domain.transitions import NEXT_PORT_STATE, PORTING
from golive_tui.store.bulk import CHUNK, table_of
from golive_tui.store.first_load import FirstLoad
from golive_tui.store.outbox import BulkOutcome, Change, Refusal
from golive_tui.store.tables import IssueRow


class Commands(FirstLoad):
    """The changes the screens, the CLI and the tests ask for by name."""

    def transition_number(self, number_id: str, to: PortState, **extra: Any) -> Record | None:
        return self.submit(Change(EntityKind.NUMBER, number_id, OpAction.TRANSITION,
                                  {"to": to.value, **extra}))

    def transition_numbers(
        self, number_ids: Iterable[str], to: PortState, **extra: Any
    ) -> BulkOutcome:
        """Move many numbers at once; each is checked, refusals are reported, not fatal."""
        fields = {"to": to.value, **extra}
        changes = [Change(EntityKind.NUMBER, nid, OpAction.TRANSITION, fields)
                   for nid in number_ids]
        outcome = BulkOutcome()
        # one transaction (one fsync) per 20,000: a typical bulk move commits once;
        # the cyclic GC is paused meanwhile: it would rescan a large heap (an open app
        # holds hundreds of thousands of objects) many times over while nothing here
        # makes reference cycles worth collecting
        with _gc_paused():
            for start in range(0, len(changes), 20_000):
                part = self.submit_many(changes[start : start + 20_000])
                outcome.applied.extend(part.applied)
                outcome.refused.extend(part.refused)
        return outcome

    def transition_order(self, order_id: str, to: OrderState, **extra: Any) -> Record | None:
        return self.submit(Change(EntityKind.PORT_ORDER, order_id, OpAction.TRANSITION,
                                  {"to": to.value, **extra}))

    def move_order(self, order_id: str, to: OrderState, **extra: Any) -> BulkOutcome:
        """Move a port order and its numbers with it, in one transaction (one push).

        The order's op comes first, so its numbers are weighed (on the server too) against
        the order as it is after the move. A number that cannot follow (not portable,
        verified already) stays where it is, and the order shows the divergence. Refused
        as a whole when the order's own move is refused.
        """
        target = numbers_following(to)
        t = table_of(EntityKind.NUMBER)
        with self.read_engine.connect() as conn:
            numbers = conn.execute(
                select(t.c.id, t.c.porting_state)
                .where(t.c.project_id == self.project_id, t.c.order_id == order_id)
            ).all()
        follow = [
            str(nid) for nid, state in numbers
            if _follows(PortState(state), target)
        ]
        changes = [Change(EntityKind.PORT_ORDER, order_id, OpAction.TRANSITION,
                          {"to": to.value, **extra})]
        extra_number = (
            {"rejection_code": extra["rejection_code"]} if target is PortState.REJECTED else {}
        )
        changes += [Change(EntityKind.NUMBER, nid, OpAction.TRANSITION,
                           {"to": target.value, **extra_number}) for nid in follow]
        with _gc_paused():
            return self.submit_many(changes, atomic=True)

    def set_checklist_status(
        self, item_id: str, to: ChecklistStatus, comment: str | None = None
    ) -> Record | None:
        fields: dict[str, Any] = {"to": to.value}
        if comment is not None:
            fields["comment"] = comment
        return self.submit(Change(EntityKind.CHECKLIST_ITEM, item_id, OpAction.TRANSITION, fields))

    def log_verification(
        self,
        test_case: str,
        target: str,
        result: VerificationResult,
        *,
        site_id: str | None = None,
        number_id: str | None = None,
        note: str = "",
        mos: float | None = None,
        loss_pct: float | None = None,
        jitter_ms: float | None = None,
        emergency_location_id: str | None = None,
    ) -> Record:
        fields = {
            "test_case": test_case, "target": target, "result": result.value,
            "site_id": site_id, "number_id": number_id, "note": note,
            "mos": mos, "loss_pct": loss_pct, "jitter_ms": jitter_ms,
            "emergency_location_id": emergency_location_id,
        }
        record = self.submit(Change(EntityKind.VERIFICATION, new_id(), OpAction.APPEND, fields))
        assert record is not None
        return record

    def open_issue(
        self,
        title: str,
        *,
        priority: Priority = Priority.P3,
        category: IssueCategory = IssueCategory.OTHER,
        description: str = "",
        site_id: str | None = None,
        number_id: str | None = None,
        verification_id: str | None = None,
        assignee: str = "",
        source: str = "team",
    ) -> Record:
        fields = {
            "title": title, "priority": priority.value, "category": category.value,
            "description": description, "site_id": site_id, "number_id": number_id,
            "verification_id": verification_id, "assignee": assignee, "source": source,
        }
        record = self.submit(Change(EntityKind.ISSUE, new_id(), OpAction.CREATE, fields))
        assert record is not None
        return record

    def transition_issue(self, issue_id: str, to: IssueState, **extra: Any) -> Record | None:
        return self.submit(Change(EntityKind.ISSUE, issue_id, OpAction.TRANSITION,
                                  {"to": to.value, **extra}))

    def update_issue(self, issue_id: str, **fields: Any) -> Record | None:
        return self.submit(Change(EntityKind.ISSUE, issue_id, OpAction.UPDATE, fields))

    def add_issue_note(self, issue_id: str, body: str) -> Record:
        if self.get(IssueRow, issue_id) is None:
            raise NotFound(f"No issue with id {issue_id}.")
        record = self.submit(Change(EntityKind.ISSUE_NOTE, new_id(), OpAction.APPEND,
                                    {"issue_id": issue_id, "body": body}))
        assert record is not None
        return record

    def record_decision(
        self, decision: DecisionKind, reason: str, *, unmet: Sequence[str] = (),
        cutover_id: str | None = None,
    ) -> Record:
        """Record a go / no-go / rollback call for a wave (``cutover_id``; none in a project
        without waves); ``unmet`` names the conditions it overrides.

        The rules weigh it against the wave's gate as the cache holds it (and the server
        against its own): whether it is an override, and what it overrides, is theirs to
        record.
        """
        fields: dict[str, Any] = {
            "decision": decision.value, "reason": reason, "unmet": list(unmet),
        }
        if cutover_id is not None:
            fields["cutover_id"] = cutover_id
        record = self.submit(Change(EntityKind.DECISION, new_id(), OpAction.APPEND, fields))
        assert record is not None
        return record

    def sign(
        self, kind: SignoffKind, *, cutover_id: str | None = None, note: str = "",
        exceptions: Sequence[str] = (),
    ) -> Record:
        """Record the member's sign-off (the customer's co-sign of a wave's go-live, the
        acceptance, the hand-off acknowledgement); who may sign what is the rules'."""
        fields: dict[str, Any] = {"signoff_kind": kind.value, "note": note,
                                  "exceptions": list(exceptions)}
        if cutover_id is not None:
            fields["cutover_id"] = cutover_id
        record = self.submit(Change(EntityKind.SIGNOFF, new_id(), OpAction.APPEND, fields))
        assert record is not None
        return record

    def give_feedback(self, score: int, comments: str = "") -> Record:
        """Record the customer's feedback (a score from 1 to 5)."""
        record = self.submit(Change(EntityKind.FEEDBACK, new_id(), OpAction.APPEND,
                                    {"score": score, "comments": comments}))
        assert record is not None
        return record

    def hand_off(
        self, *, open_issues: Sequence[Mapping[str, Any]], exceptions: Sequence[str] = (),
        contacts: Sequence[Mapping[str, Any]] = (), as_built: str = "",
    ) -> Record:
        """Record the hand-off package to support (support then acknowledges it)."""
        record = self.submit(Change(EntityKind.HANDOFF, new_id(), OpAction.APPEND, {
            "open_issues": [dict(e) for e in open_issues], "exceptions": list(exceptions),
            "contacts": [dict(c) for c in contacts], "as_built": as_built,
        }))
        assert record is not None
        return record

    def prepare_handoff(self, as_built: str) -> Record:
        """Hand off to support the package the domain assembles from the open issues, the
        accepted exceptions and the stakeholders."""
        fields = handoff_package(
            [i.model_dump() for i in self.issues()], [s.model_dump() for s in self.signoffs()],
            [p.model_dump() for p in self.stakeholders()], as_built=as_built,
            default_owner=self.actor or "ipm",
        )
        return self.hand_off(**fields)

    def acknowledge_handoff(self, note: str = "received") -> Record:
        """Support takes over the hand-off's open issues and acknowledges it, in one push:
        each is assigned to the acknowledging member, then the acknowledgement, which the
        rules refuse while one is not (domain.closure). One refusal writes nothing."""
        taken = issues_taken_over([h.model_dump() for h in self.handoffs()],
                                  [i.model_dump() for i in self.issues()], self.actor)
        changes = [Change(EntityKind.ISSUE, issue_id, OpAction.UPDATE,
                          {"assignee": self.actor}) for issue_id in taken]
        changes.append(Change(EntityKind.SIGNOFF, new_id(), OpAction.APPEND, {
            "signoff_kind": SignoffKind.HANDOFF_ACK.value, "note": note, "exceptions": []}))
        _outcome, records = self._submit(changes, atomic=True)
        assert records[-1] is not None
        return records[-1]

    def close_project(self, reason: str = "") -> Record | None:
        """Close the project (read-only from then on) and finish its lifecycle, in one
        push: each phase from the current one to Acceptance & closure closes (a
        ``phase_event``, then the project's move), and then the project itself. The rules
        check each op; one refusal writes nothing."""
        project = self.project()
        assert project is not None
        events: list[Mapping[str, Any]] = [row.model_dump() for row in self.phase_events()]
        phase_reason = reason.strip() if not reason_is_thin(reason) else CLOSED_WITH_PROJECT
        changes: list[Change] = []
        phase = LifecyclePhase(project.phase)
        while True:
            if not lifecycle_closed(phase, events):
                changes.append(Change(EntityKind.PHASE_EVENT, new_id(), OpAction.APPEND, {
                    "phase": phase.value, "action": PhaseAction.CLOSED.value,
                    "reason": phase_reason}))
                events.append({"phase": phase.value, "action": PhaseAction.CLOSED.value,
                               "at": self.clock(), "id": "~"})
            target = phase_after_close(phase, events)
            if target is phase:
                break
            changes.append(Change(EntityKind.PROJECT, project.id, OpAction.TRANSITION,
                                  {"to": target.value}))
            phase = target
        changes.append(Change(EntityKind.PROJECT, project.id, OpAction.UPDATE,
                              {"closed_at": self.clock(), "close_reason": reason}))
        _outcome, records = self._submit(changes, atomic=True)
        return records[-1]

    def update_record(self, kind: EntityKind, entity_id: str, **fields: Any) -> Record | None:
        return self.submit(Change(kind, entity_id, OpAction.UPDATE, fields))

    def create_record(self, kind: EntityKind, **fields: Any) -> Record:
        """A new record of a kind whose creation has no rules beyond its fields (a
        stakeholder, a RAID entry, an action, a change request, a kickoff)."""
        record = self.submit(Change(kind, new_id(), OpAction.CREATE, fields))
        assert record is not None
        return record

    def transition_record(
        self, kind: EntityKind, entity_id: str, to: str, **extra: Any
    ) -> Record | None:
        return self.submit(Change(kind, entity_id, OpAction.TRANSITION, {"to": to, **extra}))

    def move_runbook_step(
        self, run_id: str, step_id: str, to: str, timing_id: str | None, **extra: Any
    ) -> Record | None:
        """Move one step of a runbook run; its timing is made (pending) on its first move,
        in the same transaction, so a refused move leaves no timing behind."""
        changes = []
        if timing_id is None:
            timing_id = new_id()
            changes.append(Change(EntityKind.RUNBOOK_STEP_RUN, timing_id, OpAction.CREATE,
                                  {"run_id": run_id, "step_id": step_id}))
        changes.append(Change(EntityKind.RUNBOOK_STEP_RUN, timing_id, OpAction.TRANSITION,
                              {"to": to, **extra}))
        _outcome, records = self._submit(changes, atomic=True)
        return records[-1]

    def close_phase(self, phase: LifecyclePhase, reason: str = "") -> Record:
        """Close ``phase`` (the current one) and move the project on: the phase log's entry,
        then the project's move that entry justifies. The rules check each."""
        return self._move_phase(phase, PhaseAction.CLOSED, reason)

    def reopen_phase(self, phase: LifecyclePhase, reason: str) -> Record:
        """Reopen a closed phase and take the project back to it."""
        return self._move_phase(phase, PhaseAction.REOPENED, reason)

    def _move_phase(self, phase: LifecyclePhase, action: PhaseAction, reason: str) -> Record:
        event = self.submit(Change(EntityKind.PHASE_EVENT, new_id(), OpAction.APPEND, {
            "phase": phase.value, "action": action.value, "reason": reason,
        }))
        assert event is not None
        project = self.project()
        assert project is not None
        events = [row.model_dump() for row in self.phase_events()]
        target = phase_after_close(phase, events) if action is PhaseAction.CLOSED else phase
        if target is not LifecyclePhase(project.phase):
            self.submit(Change(EntityKind.PROJECT, project.id, OpAction.TRANSITION,
                               {"to": target.value}))
        return event

    def create_numbers(self, rows: Iterable[Mapping[str, Any]]) -> BulkOutcome:
        """Add numbers (an import): each row is validated; bad rows are refused by line."""
        changes = [Change(EntityKind.NUMBER, new_id(), OpAction.CREATE, dict(row))
                   for row in rows]
        return self.submit_many(changes)

    def import_records(self, kind: EntityKind, rows: Sequence[Any], *,
                       atomic: bool = False) -> BulkOutcome:
        """Create sites or port orders from accepted import rows
        (``domain.record_import.RecordRow``); with ``atomic`` one refusal writes nothing."""
        changes = [Change(kind, new_id(), OpAction.CREATE, dict(row.fields)) for row in rows]
        return self.submit_many(changes, atomic=atomic)

    def import_numbers(self, rows: Sequence[Any], *, atomic: bool = False) -> BulkOutcome:
        """Create numbers from accepted import rows (``domain.number_import.ImportRow``).

        Site and order cells are matched to the project's sites (code or name) and port
        orders (PON); a row naming an unknown one is refused with its line number.
        """
        sites = {}
        for site in self.sites():
            sites[site.code.casefold()] = site.id
            sites[site.name.casefold()] = site.id
        orders = {order.pon.casefold(): order.id for order in self.orders()}
        types = {t.value: t for t in NumberType} | {"toll free": NumberType.TOLL_FREE,
                                                    "tollfree": NumberType.TOLL_FREE}
        changes: list[Change] = []
        refused: list[Refusal] = []
        for row in rows:
            fields: dict[str, Any] = {"e164": row.e164, "assigned_to": row.assigned_to or ""}
            if row.site:
                site_id = sites.get(row.site.strip().casefold())
                if site_id is None:
                    known = ", ".join(sorted(s.code for s in self.sites()))
                    refused.append(Refusal("", f"line {row.line}", "validation",
                                           f"line {row.line}: unknown site '{row.site}' "
                                           f"(sites: {known})"))
                    continue
                fields["site_id"] = site_id
            if row.order:
                order_id = orders.get(row.order.strip().casefold())
                if order_id is None:
                    refused.append(Refusal("", f"line {row.line}", "validation",
                                           f"line {row.line}: unknown port order '{row.order}'"))
                    continue
                fields["order_id"] = order_id
            if row.number_type:
                key = row.number_type.strip().casefold().replace("-", " ")
                fields["number_type"] = types.get(key.replace(" ", "_"), types.get(key,
                                                  NumberType.DID)).value
            elif is_toll_free(row.e164):
                fields["number_type"] = NumberType.TOLL_FREE.value
            changes.append(Change(EntityKind.NUMBER, new_id(), OpAction.CREATE, fields))
        if atomic and refused:
            raise ValidationFailed(refused[0].reason)
        outcome = self.submit_many(changes, atomic=atomic)
        outcome.refused[:0] = refused
        return outcome

    def advance_numbers(self, number_ids: Iterable[str]) -> BulkOutcome:
        """Move each number to the next state on its porting path (DOMAIN.md §3), several
        states at once; a number whose state has no next step is refused with the reason."""
        t = table_of(EntityKind.NUMBER)
        ids = list(number_ids)
        by_state: dict[PortState, list[str]] = {}
        labels: dict[str, str] = {}
        with self.read_engine.connect() as conn:
            for start in range(0, len(ids), CHUNK):
                for nid, state, e164 in conn.execute(
                    select(t.c.id, t.c.porting_state, t.c.e164)
                    .where(t.c.id.in_(ids[start : start + CHUNK]))
                ):
                    by_state.setdefault(PortState(state), []).append(str(nid))
                    labels[str(nid)] = str(e164)
        outcome = BulkOutcome()
        for state, group in by_state.items():
            target = NEXT_PORT_STATE.get(state)
            if target is None:
                outcome.refused.extend(
                    Refusal(nid, labels[nid], "no_next_state",
                            f"{state.value.replace('_', ' ')} has no next step; "
                            "choose a state with t")
                    for nid in group
                )
                continue
            part = self.transition_numbers(group, target)
            outcome.applied.extend(part.applied)
            outcome.refused.extend(part.refused)
        return outcome


def _follows(state: PortState, target: PortState) -> bool:
    """Whether a number in ``state`` moves when its order's numbers go to ``target``."""
    if state is target or (target is PortState.PORTED and state is PortState.VERIFIED):
        return False
    return PORTING.is_legal(state, target)


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
