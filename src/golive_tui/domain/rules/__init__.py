"""Rules that look past the record an op changes.

A go / no-go decision is weighed against the gate, a checklist item against its
predecessors, the fix of an E911 P1 against the retest that proves it, a linked issue
against the failed test it names. :func:`golive_tui.domain.ops.apply_op` runs them with
the :class:`Facts` its caller gives: the server reads them from its own tables inside the
op's transaction, the client from its cache, so neither trusts the other's view.

The rules live by subject: :mod:`.facts` (what they may look up), :mod:`.text`,
:mod:`.reasons` (a reason that says something), :mod:`.decisions`, :mod:`.phases`, :mod:`.checklist` (with sign-offs) and :mod:`.issues`
(with references between records); their public names are all importable from here.
"""

from __future__ import annotations

from golive_tui.domain.rules.checklist import (
    CLOSED_BY_OWNER_ONLY,
    PLANNERS,
    check_checklist_key,
    check_checklist_move,
    check_checklist_update,
    check_signoff,
)
from golive_tui.domain.rules.decisions import (
    cutovers_of,
    decide,
    gate_of,
    override_reason_problem,
)
from golive_tui.domain.rules.facts import (
    ID_CHUNK,
    Facts,
    Record,
    RecordFacts,
    StoredFacts,
    id_chunks,
)
from golive_tui.domain.rules.issues import (
    REFERENCES,
    RETEST_BEFORE_RESOLVE,
    check_linked_issue,
    check_references,
    check_reprioritised,
    check_retest,
    reprioritise_reason_problem,
    retest_codes,
    retest_passed,
)
from golive_tui.domain.rules.phases import (
    check_phase_event,
    check_phase_move,
)
from golive_tui.domain.rules.reasons import (
    MIN_OVERRIDE_REASON_CHARS,
    MIN_OVERRIDE_REASON_WORDS,
    reason_is_thin,
    reason_problem,
)
from golive_tui.domain.rules.text import (
    check_text,
    control_character,
    flat_and_plain,
)

__all__ = [
    "CLOSED_BY_OWNER_ONLY",
    "ID_CHUNK",
    "MIN_OVERRIDE_REASON_CHARS",
    "MIN_OVERRIDE_REASON_WORDS",
    "PLANNERS",
    "REFERENCES",
    "RETEST_BEFORE_RESOLVE",
    "Facts",
    "Record",
    "RecordFacts",
    "StoredFacts",
    "check_checklist_key",
    "check_checklist_move",
    "check_checklist_update",
    "check_linked_issue",
    "check_phase_event",
    "check_phase_move",
    "check_references",
    "check_reprioritised",
    "check_retest",
    "check_signoff",
    "check_text",
    "control_character",
    "cutovers_of",
    "decide",
    "flat_and_plain",
    "gate_of",
    "id_chunks",
    "override_reason_problem",
    "reason_is_thin",
    "reason_problem",
    "reprioritise_reason_problem",
    "retest_codes",
    "retest_passed",
]
