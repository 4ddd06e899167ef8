"""What a person asks of the cache, as typed commands; what each changed, as an outcome.

A screen builds a command from what the person chose ("move these numbers to that
state", "sign the acceptance") and hands it to the app, which runs it in a thread through
:meth:`golive_tui.store.local.LocalStore.execute`. The store answers with an
:class:`Outcome`: the command's result and the kinds of record it changed, which the app
tells the screens that watch them. A screen names no store method and picks no kinds by
hand, and each action has one code path: its command.

The module is read on the way to the first paint, so it imports nothing of the store's
own (SQLAlchemy, sqlmodel) until a command runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from golive_tui.domain.enums import (
    ChecklistStatus,
    DecisionKind,
    EntityKind,
    IssueCategory,
    IssueState,
    LifecyclePhase,
    OrderState,
    PortState,
    Priority,
    RunbookRunKind,
    SignoffKind,
    VerificationResult,
)

if TYPE_CHECKING:
    from golive_tui.domain.number_import import ImportPreview
    from golive_tui.domain.record_import import RecordPreview
    from golive_tui.store.local import LocalStore
    from golive_tui.store.outbox import BulkOutcome
    from golive_tui.store.queries import NumberQuery

R = TypeVar("R")
Record = dict[str, Any]

K = EntityKind
ISSUE_KINDS = frozenset({K.ISSUE, K.ISSUE_NOTE})


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """What a command did: its result, and the kinds of record it changed (None: any)."""

    value: R
    changed: frozenset[EntityKind] | None


class Command(Generic[R]):
    """One thing a person asks the cache to do. Subclasses are frozen dataclasses."""

    #: the kinds of record the command changes (None: it may change any)
    CHANGES: ClassVar[frozenset[EntityKind] | None] = frozenset()

    def changes(self) -> frozenset[EntityKind] | None:
        return self.CHANGES

    def run(self, store: LocalStore) -> R:
        raise NotImplementedError


# --------------------------------------------------------------------------- any record


@dataclass(frozen=True)
class SaveRecord(Command[Record | None]):
    """Create a record (``record_id`` None) or update the fields given of one."""

    kind: EntityKind
    record_id: str | None
    fields: Mapping[str, Any]

    def changes(self) -> frozenset[EntityKind]:
        return frozenset({self.kind})

    def run(self, store: LocalStore) -> Record | None:
        if self.record_id is None:
            return store.create_record(self.kind, **self.fields)
        return store.update_record(self.kind, self.record_id, **self.fields)


@dataclass(frozen=True)
class MoveRecord(Command[Record | None]):
    """Move a record with a state machine to ``to``, with what the move needs."""

    kind: EntityKind
    record_id: str
    to: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def changes(self) -> frozenset[EntityKind]:
        return frozenset({self.kind})

    def run(self, store: LocalStore) -> Record | None:
        return store.transition_record(self.kind, self.record_id, self.to, **self.fields)


# --------------------------------------------------------------------------- porting


@dataclass(frozen=True)
class MoveOrder(Command["BulkOutcome"]):
    """Move a port order, and the numbers that follow it."""

    CHANGES = frozenset({K.PORT_ORDER, K.NUMBER})
    order_id: str
    to: OrderState
    fields: Mapping[str, Any] = field(default_factory=dict)

    def run(self, store: LocalStore) -> BulkOutcome:
        return store.move_order(self.order_id, self.to, **self.fields)


@dataclass(frozen=True)
class MoveNumbers(Command["BulkOutcome"]):
    """Move numbers to ``to`` (None: each to its own next step); ``ids`` None means every
    number the query matches. Each is checked; refusals are reported, not fatal."""

    CHANGES = frozenset({K.NUMBER})
    ids: Sequence[str] | None
    query: NumberQuery | None
    to: PortState | None
    fields: Mapping[str, Any] = field(default_factory=dict)

    def run(self, store: LocalStore) -> BulkOutcome:
        if self.ids is not None:
            targets = list(self.ids)
        else:
            assert self.query is not None, "a move names its numbers or a filter"
            targets = store.number_ids(self.query)
        if self.to is None:
            return store.advance_numbers(targets)
        return store.transition_numbers(targets, self.to, **self.fields)


@dataclass(frozen=True)
class ImportNumbers(Command["BulkOutcome"]):
    """Add the numbers of an import (each checked; refusals reported)."""

    CHANGES = frozenset({K.NUMBER})
    rows: Sequence[Any]

    def run(self, store: LocalStore) -> BulkOutcome:
        return store.import_numbers(self.rows)


@dataclass(frozen=True)
class WriteImport(Command["BulkOutcome"]):
    """Write the records an import preview holds."""

    preview: ImportPreview | RecordPreview
    kind: EntityKind

    def changes(self) -> frozenset[EntityKind]:
        return frozenset({self.kind})

    def run(self, store: LocalStore) -> BulkOutcome:
        from golive_tui.store.imports import write_import

        return write_import(store, self.preview)


# --------------------------------------------------------------------------- checklist


@dataclass(frozen=True)
class SetChecklistStatus(Command[Record | None]):
    CHANGES = frozenset({K.CHECKLIST_ITEM})
    item_id: str
    to: ChecklistStatus
    comment: str | None = None

    def run(self, store: LocalStore) -> Record | None:
        return store.set_checklist_status(self.item_id, self.to, self.comment)


# --------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class MoveIssue(Command[Record | None]):
    """Move an issue (take, hold, resolve, cancel, close, reopen) with what the move needs."""

    CHANGES = ISSUE_KINDS
    issue_id: str
    to: IssueState
    fields: Mapping[str, Any] = field(default_factory=dict)

    def run(self, store: LocalStore) -> Record | None:
        return store.transition_issue(self.issue_id, self.to, **self.fields)


@dataclass(frozen=True)
class UpdateIssue(Command[Record | None]):
    """Change an issue's fields (its assignee, its priority with the reason)."""

    CHANGES = ISSUE_KINDS
    issue_id: str
    fields: Mapping[str, Any]

    def run(self, store: LocalStore) -> Record | None:
        return store.update_issue(self.issue_id, **self.fields)


@dataclass(frozen=True)
class AddIssueNote(Command[Record]):
    CHANGES = ISSUE_KINDS
    issue_id: str
    body: str

    def run(self, store: LocalStore) -> Record:
        return store.add_issue_note(self.issue_id, self.body)


@dataclass(frozen=True)
class OpenIssue(Command[Record]):
    """Open an issue; one for a failed test names it (``verification_id``), and the rules
    refuse a second for the same test."""

    CHANGES = frozenset({K.ISSUE})
    title: str
    priority: Priority = Priority.P3
    category: IssueCategory = IssueCategory.OTHER
    description: str = ""
    site_id: str | None = None
    number_id: str | None = None
    verification_id: str | None = None

    def run(self, store: LocalStore) -> Record:
        return store.open_issue(
            self.title, priority=self.priority, category=self.category,
            description=self.description, site_id=self.site_id, number_id=self.number_id,
            verification_id=self.verification_id,
        )


# --------------------------------------------------------------------------- go-live day


@dataclass(frozen=True)
class RecordDecision(Command[Record]):
    """A go / no-go / rollback call for a wave; ``unmet`` names what it overrides."""

    CHANGES = frozenset({K.DECISION})
    decision: DecisionKind
    reason: str
    unmet: Sequence[str] = ()
    cutover_id: str | None = None

    def run(self, store: LocalStore) -> Record:
        return store.record_decision(self.decision, self.reason, unmet=self.unmet,
                                     cutover_id=self.cutover_id)


@dataclass(frozen=True)
class Sign(Command[Record]):
    """The member's sign-off: a wave's co-sign, the acceptance, the hand-off's receipt."""

    CHANGES = frozenset({K.SIGNOFF})
    kind: SignoffKind
    cutover_id: str | None = None
    note: str = ""
    exceptions: Sequence[str] = ()

    def run(self, store: LocalStore) -> Record:
        return store.sign(self.kind, cutover_id=self.cutover_id, note=self.note,
                          exceptions=self.exceptions)


@dataclass(frozen=True)
class StartRunbookRun(Command[Record | None]):
    """Start a rehearsal or the live run of a wave's runbook."""

    CHANGES = frozenset({K.RUNBOOK_RUN})
    cutover_id: str
    run_kind: RunbookRunKind
    started_at: datetime

    def run(self, store: LocalStore) -> Record | None:
        return store.create_record(K.RUNBOOK_RUN, cutover_id=self.cutover_id,
                                   run_kind=self.run_kind.value, started_at=self.started_at)


@dataclass(frozen=True)
class MoveRunbookStep(Command[Record | None]):
    """Move one step of a run; its timing is made on its first move (``timing_id`` None)."""

    CHANGES = frozenset({K.RUNBOOK_STEP_RUN})
    run_id: str
    step_id: str
    to: str
    timing_id: str | None
    fields: Mapping[str, Any] = field(default_factory=dict)

    def run(self, store: LocalStore) -> Record | None:
        return store.move_runbook_step(self.run_id, self.step_id, self.to, self.timing_id,
                                       **self.fields)


# --------------------------------------------------------------------------- lifecycle


@dataclass(frozen=True)
class MovePhase(Command[Record]):
    """Close the current phase (the project moves on), or reopen a closed one."""

    CHANGES = frozenset({K.PHASE_EVENT, K.PROJECT})
    phase: LifecyclePhase
    reason: str
    close: bool

    def run(self, store: LocalStore) -> Record:
        if self.close:
            return store.close_phase(self.phase, self.reason)
        return store.reopen_phase(self.phase, self.reason)


@dataclass(frozen=True)
class GiveFeedback(Command[Record]):
    CHANGES = frozenset({K.FEEDBACK})
    score: int
    comments: str = ""

    def run(self, store: LocalStore) -> Record:
        return store.give_feedback(self.score, self.comments)


@dataclass(frozen=True)
class HandOff(Command[Record]):
    """The hand-off to Service & Support, with the as-built summary."""

    CHANGES = frozenset({K.HANDOFF})
    as_built: str

    def run(self, store: LocalStore) -> Record:
        return store.prepare_handoff(self.as_built)


@dataclass(frozen=True)
class AcknowledgeHandoff(Command[Record]):
    """Support acknowledges the hand-off and takes over its open issues, in one push."""

    CHANGES = frozenset({K.SIGNOFF, K.ISSUE})

    def run(self, store: LocalStore) -> Record:
        return store.acknowledge_handoff()


@dataclass(frozen=True)
class CloseProject(Command[Record | None]):
    """Close the project, and the lifecycle with it."""

    CHANGES = frozenset({K.PROJECT, K.PHASE_EVENT})
    reason: str = ""

    def run(self, store: LocalStore) -> Record | None:
        return store.close_project(self.reason)


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class ReapplyProblem(Command[Record | None]):
    """Submit a refused or conflicting change again, on top of the current state."""

    CHANGES = None
    op_id: str

    def run(self, store: LocalStore) -> Record | None:
        return store.reapply_problem(self.op_id)


@dataclass(frozen=True)
class DropProblem(Command[None]):
    """Give up a refused or conflicting change."""

    CHANGES = None
    op_id: str

    def run(self, store: LocalStore) -> None:
        store.drop_problem(self.op_id)


@dataclass(frozen=True)
class TakeIssue(Command[Record | None]):
    """Take an issue: it becomes the member's and in progress (only its assignee changes
    when someone else's is in progress already)."""

    CHANGES = ISSUE_KINDS
    issue_id: str
    ref: str
    me: str

    def run(self, store: LocalStore) -> Record | None:
        from golive_tui.domain.errors import NotFound, ValidationFailed
        from golive_tui.store.tables import IssueRow

        current = store.get(IssueRow, self.issue_id)
        if current is None:
            raise NotFound(f"{self.ref} is no longer in the cache; it may have been removed.")
        if current.state is IssueState.IN_PROGRESS:
            if current.assignee == self.me:
                raise ValidationFailed(f"{self.ref} is already yours and in progress.")
            return store.update_issue(self.issue_id, assignee=self.me)
        return store.transition_issue(self.issue_id, IssueState.IN_PROGRESS, assignee=self.me)


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class LogVerification(Command[Record]):
    """Log an on-site test's result against a site (``site_id``) or a number (``e164``).

    A number is looked up in the cache: it must be the project's, of the site expected
    (``expect_site``, when the test was picked from a site's cell), and, for a site-scoped
    test, on a site. ``site_codes`` are the project's site codes by id.
    """

    CHANGES = frozenset({K.VERIFICATION})
    case_code: str
    number_scoped: bool
    result: VerificationResult
    site_id: str | None
    site_code: str
    e164: str | None
    expect_site: str | None
    site_codes: Mapping[str, str]
    note: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)

    def run(self, store: LocalStore) -> Record:
        from golive_tui.domain.errors import ValidationFailed
        from golive_tui.domain.phone import format_number

        site_id, target, number_id = self.site_id, self.site_code, None
        if self.e164 is not None:
            number = store.number_by_e164(self.e164)
            if number is None:
                raise ValidationFailed(
                    f"{format_number(self.e164)} is not a number of this project. Check "
                    "the digits, or log the test against the site code."
                )
            number_id = number.id
            site_id = number.site_id
            if self.expect_site is not None and site_id != self.expect_site:
                here = self.site_codes.get(self.expect_site)
                raise ValidationFailed(
                    f"{format_number(number.e164)} is not a "
                    f"{here if here else 'this site'} number; pick its own "
                    "site's cell, or type a number of this site."
                )
            if self.number_scoped:
                target = number.e164
            else:
                code = self.site_codes.get(site_id or "")
                if code is None:
                    raise ValidationFailed(
                        f"{format_number(number.e164)} has no site yet, so a "
                        f"{self.case_code} result cannot be placed; type the site code."
                    )
                target = code
        return store.log_verification(
            self.case_code, target, self.result, site_id=site_id, number_id=number_id,
            note=self.note, **self.fields,
        )


@dataclass(frozen=True)
class OpenFailureIssue(Command[Record]):
    """Open the issue a failed test calls for (its title, priority and category are the
    domain's :func:`~golive_tui.domain.test_plan.failure_issue`); the rules refuse a second
    one linked to the same test."""

    CHANGES = frozenset({K.ISSUE})
    verification_id: str
    test_case: str
    target: str
    where: str
    note: str
    description: str
    site_id: str | None
    number_id: str | None

    def run(self, store: LocalStore) -> Record:
        from golive_tui.domain.test_plan import failure_issue

        number_type = None
        if self.target.startswith("+"):
            number = store.number_by_e164(self.target)
            number_type = number.number_type if number is not None else None
        draft = failure_issue(self.test_case, self.where, self.note, number_type)
        return store.open_issue(
            draft.title, priority=draft.priority, category=draft.category,
            description=self.description, site_id=self.site_id, number_id=self.number_id,
            verification_id=self.verification_id,
        )
