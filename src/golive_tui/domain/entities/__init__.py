"""Every entity's fields, written once.

These SQLModel classes have no table. The client cache (``store``), the server and the
API schemas extend them, so a new field is one edit here.

The entities live by subject: :mod:`.base` (what every record carries), :mod:`.project`
(the project and its network), :mod:`.work` (go-live work), :mod:`.lifecycle` and
:mod:`.runbook`; every class is importable from here.
"""

from __future__ import annotations

from golive_tui.domain.entities.base import EntityBase
from golive_tui.domain.entities.lifecycle import (
    ActionItemBase,
    AdoptionGapBase,
    ChangeRequestBase,
    FeedbackBase,
    FinalCallBase,
    HandoffBase,
    KickoffBase,
    PhaseEventBase,
    RaidItemBase,
    StakeholderBase,
)
from golive_tui.domain.entities.project import (
    CutoverBase,
    EmergencyLocationBase,
    MemberBase,
    MilestoneBase,
    NumberBase,
    PortOrderBase,
    ProjectBase,
    SiteBase,
)
from golive_tui.domain.entities.runbook import (
    RunbookRunBase,
    RunbookStepBase,
    RunbookStepRunBase,
)
from golive_tui.domain.entities.work import (
    ChecklistItemBase,
    DecisionBase,
    IssueBase,
    IssueNoteBase,
    SignoffBase,
    VerificationBase,
)
from golive_tui.domain.enums import EntityKind

__all__ = [
    "ENTITY_BASES",
    "SYSTEM_FIELDS",
    "ActionItemBase",
    "AdoptionGapBase",
    "ChangeRequestBase",
    "ChecklistItemBase",
    "CutoverBase",
    "DecisionBase",
    "EmergencyLocationBase",
    "EntityBase",
    "FeedbackBase",
    "FinalCallBase",
    "HandoffBase",
    "IssueBase",
    "IssueNoteBase",
    "KickoffBase",
    "MemberBase",
    "MilestoneBase",
    "NumberBase",
    "PhaseEventBase",
    "PortOrderBase",
    "ProjectBase",
    "RaidItemBase",
    "RunbookRunBase",
    "RunbookStepBase",
    "RunbookStepRunBase",
    "SignoffBase",
    "SiteBase",
    "StakeholderBase",
    "VerificationBase",
]

ENTITY_BASES: dict[EntityKind, type[EntityBase]] = {
    cls.kind: cls
    for cls in (
        ProjectBase,
        SiteBase,
        MilestoneBase,
        ChecklistItemBase,
        PortOrderBase,
        NumberBase,
        VerificationBase,
        IssueBase,
        IssueNoteBase,
        DecisionBase,
        MemberBase,
        PhaseEventBase,
        StakeholderBase,
        KickoffBase,
        ActionItemBase,
        RaidItemBase,
        ChangeRequestBase,
        CutoverBase,
        EmergencyLocationBase,
        SignoffBase,
        RunbookStepBase,
        RunbookRunBase,
        RunbookStepRunBase,
        FeedbackBase,
        HandoffBase,
        AdoptionGapBase,
        FinalCallBase,
    )
}

#: columns that the sync machinery owns; an op's ``fields`` never sets them
SYSTEM_FIELDS = frozenset({"id", "project_id", "version", "updated_at", "updated_by"})
