"""The on-site verification plan (DOMAIN.md §5) and how its results roll up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, TypeVar

from golive_tui.domain.enums import IssueCategory, NumberType, Priority, VerificationResult

Scope = Literal["site", "number"]


@dataclass(frozen=True, slots=True)
class TestCase:
    __test__ = False  # not a pytest class

    code: str
    name: str
    expected: str
    scope: Scope
    fail_priority: Priority
    category: IssueCategory


PLAN: tuple[TestCase, ...] = (
    TestCase("NET-01", "Desk phone registers", "device online", "site", Priority.P3,
             IssueCategory.PHONE_PROVISIONING),
    TestCase("NET-02", "Two-minute call quality", "MOS ≥ 4, loss < 1 %", "site", Priority.P3,
             IssueCategory.CHOPPY_AUDIO),
    TestCase("DID", "Inbound PSTN call to ported number",
             "rings the designed user / queue / AR, answered", "number", Priority.P2,
             IssueCategory.INBOUND_NOT_REACHING),
    TestCase("OUT-01", "Outbound call from site", "correct caller ID number and name",
             "site", Priority.P2, IssueCategory.WRONG_CALLER_ID),
    TestCase("E911-01", "Dial 933 from each site / floor",
             "announced caller ID and address match the dispatchable location", "site",
             Priority.P1, IssueCategory.E911_ADDRESS),
    TestCase("E911-02", "Emergency notification", "designated recipients alerted", "site",
             Priority.P1, IssueCategory.EMERGENCY_NOTIFICATION),
    TestCase("AR", "Auto receptionist keys (business, after hours, holiday)",
             "routes as designed", "site", Priority.P2, IssueCategory.AUTO_RECEPTIONIST),
    TestCase("CQ-01", "Call queue distribution and overflow", "overflow reaches its target",
             "site", Priority.P2, IssueCategory.CALL_QUEUE),
    TestCase("VM-01", "Leave a voicemail", "delivered, indicator lit, email received", "site",
             Priority.P3, IssueCategory.VOICEMAIL),
    TestCase("XFER", "Blind and consult transfer, hold / resume",
             "two-way audio after transfer", "site", Priority.P3, IssueCategory.NO_AUDIO),
    TestCase("CAP-01", "Common-area phone", "internal call and 933 work without login", "site",
             Priority.P2, IssueCategory.PHONE_PROVISIONING),
    TestCase("PAGE-01", "Paging group", "heard in each zone", "site", Priority.P3,
             IssueCategory.PAGING),
    TestCase("FAX-01", "Send and receive a 3-page fax", "received intact", "site", Priority.P3,
             IssueCategory.FAX),
    TestCase("CLI-01", "Desktop and mobile client, SSO login", "logs in, calls work", "site",
             Priority.P3, IssueCategory.CLIENT_LOGIN),
)

TEST_CASES: dict[str, TestCase] = {case.code: case for case in PLAN}


def test_case(code: str) -> TestCase:
    try:
        return TEST_CASES[code.upper()]
    except KeyError:
        known = ", ".join(TEST_CASES)
        raise ValueError(f"unknown test case {code!r}; the plan has: {known}") from None


def priority_for_failure(code: str, number_type: NumberType | None = None) -> Priority:
    """Priority of the issue a failed test opens: 911 paths and the main number are P1."""
    case = test_case(code)
    if case.code == "DID" and number_type is NumberType.MAIN:
        return Priority.P1
    return case.fail_priority


class _Entry(Protocol):
    @property
    def test_case(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def result(self) -> VerificationResult: ...
    @property
    def tested_at(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime | None: ...


E = TypeVar("E", bound=_Entry)

_NEVER = datetime.min.replace(tzinfo=UTC)


def recorded_order(entry: _Entry) -> tuple[datetime, datetime]:
    """Where an entry stands in the log: when it was recorded, then when it was tested.

    A test logged late (``tested_at`` set back to when the call was made) is still the
    newest word on its cell once recorded: the log's order is the order of recording.
    """
    return (_aware(entry.updated_at), _aware(entry.tested_at))


def _aware(value: datetime | None) -> datetime:
    if value is None:
        return _NEVER
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def latest_results(entries: Iterable[E]) -> dict[tuple[str, str], E]:
    """The current result per (test case, target): the most recently recorded entry wins
    (the log appends); of entries recorded together, the later in ``entries``."""
    latest: dict[tuple[str, str], E] = {}
    for entry in entries:
        key = (entry.test_case, entry.target)
        seen = latest.get(key)
        if seen is None or recorded_order(entry) >= recorded_order(seen):
            latest[key] = entry
    return latest


#: the longest issue title (IssueBase.title)
_TITLE_MAX = 300


@dataclass(frozen=True, slots=True)
class FailureIssue:
    """What the issue opened from a failed test says: its title, priority and category."""

    title: str
    priority: Priority
    category: IssueCategory


def failure_issue(
    code: str, where: str, note: str = "", number_type: NumberType | None = None
) -> FailureIssue:
    """The issue a failed test opens, linked to it (the rules refuse a second link).

    A test outside the plan opens a P3 of category other; the title is the test, where it
    failed and the tester's note (or the test's name), cut to fit.
    """
    case = TEST_CASES.get(code.upper())
    summary = note or (case.name if case else "test failed")
    title = f"{code} failed at {where}: {summary}"
    if len(title) > _TITLE_MAX:
        title = title[: _TITLE_MAX - 1] + "…"
    if case is None:
        return FailureIssue(title, Priority.P3, IssueCategory.OTHER)
    return FailureIssue(title, priority_for_failure(code, number_type), case.category)
