"""What the verification screen works with: test cases by what people type, its data, a
validated form, and the terminal sizes it lays out for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from golive_tui.domain.enums import E911Status, NumberType, VerificationResult
from golive_tui.domain.test_plan import PLAN, TEST_CASES, TestCase

if TYPE_CHECKING:
    from golive_tui.store.tables import EmergencyLocationRow, SiteRow, VerificationRow


NUMBER_TYPES = {
    NumberType.DID: "DID",
    NumberType.MAIN: "main number",
    NumberType.TOLL_FREE: "toll-free",
    NumberType.FAX: "fax",
    NumberType.COMMON_AREA: "common area",
}

#: things people type for a test case that are not its code ("911" is not one: a 933
#: test is its own call, and a 911 call is never a test)
TEST_ALIASES = {"933": "E911-01"}

#: how many log entries the screen shows (the newest); the matrix always uses them all
LOG_LIMIT = 300

#: terminal sizes from which the screens use the room (160x48 looks its best)
WIDE = 120

TALL = 36


def size_classes(width: int, height: int, *, tall: int) -> str:
    """The breakpoint classes Textual would give a screen of this size."""
    return " ".join((
        "-wide" if width >= WIDE else "-narrow",
        "-tall" if height >= tall else "-short",
    ))


def _squash(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def resolve_test_case(text: str) -> TestCase | None:
    """The test case a (partial) code names: exact code, alias, else first by prefix."""
    key = _squash(text)
    if not key:
        return None
    if key in TEST_ALIASES:
        return TEST_CASES[TEST_ALIASES[key]]
    for case in PLAN:
        if _squash(case.code) == key:
            return case
    for case in PLAN:
        if _squash(case.code).startswith(key):
            return case
    return None


@dataclass(frozen=True)
class NumberInfo:
    id: str
    e164: str
    site_id: str | None
    number_type: NumberType
    porting_state: str
    assigned_to: str


@dataclass(frozen=True)
class VerificationData:
    sites: list[SiteRow]
    entries: list[VerificationRow]
    #: verification id -> (issue ref, issue id) of the issue it opened
    linked: dict[str, tuple[str, str]]
    names: dict[str, str]
    time_zone: str
    #: each site's emergency locations (a 933 test names one)
    locations: list[EmergencyLocationRow] = field(default_factory=list)


@dataclass(frozen=True)
class LogRequest:
    """A validated form: what ``p`` / ``f`` will log."""

    case: TestCase
    result: VerificationResult
    site: SiteRow | None
    e164: str | None
    note: str
    #: what the result needs besides: a 933 test's emergency location, a call's measures
    extra: dict[str, Any] = field(default_factory=dict)


class FormError(Exception):
    """The form cannot be logged; the message says what to fix."""


#: how an emergency location's validation reads in a list
E911_WORDS = {
    E911Status.NOT_SET.value: "no address",
    E911Status.PENDING.value: "pending",
    E911Status.VERIFIED.value: "validated",
    E911Status.INVALID.value: "invalid",
}

#: what a call-quality test asks for: field, label, example
MEASURE_FIELDS = (
    ("mos", "MOS", "e.g. 4.2"),
    ("jitter_ms", "Jitter (ms)", "e.g. 12"),
    ("loss_pct", "Loss (%)", "e.g. 0.3"),
)


def measures_problem(values: dict[str, Any]) -> str | None:
    """Why these typed measures cannot be read as numbers, or None when they can."""
    for name, label, _hint in MEASURE_FIELDS:
        text = str(values.get(name, "")).strip()
        try:
            number = float(text)
        except ValueError:
            return f"{label}: {text!r} is not a number; type what the call measured."
        if number != number or number < 0:
            return f"{label}: a measured value is a number of zero or more."
    return None
