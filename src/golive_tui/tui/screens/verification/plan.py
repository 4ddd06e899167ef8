"""What the verification screen works with: test cases by what people type, its data, a
validated form, and the terminal sizes it lays out for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from golive_tui.domain.enums import NumberType, VerificationResult
from golive_tui.domain.test_plan import PLAN, TEST_CASES, TestCase

if TYPE_CHECKING:
    from golive_tui.store.tables import SiteRow, VerificationRow


NUMBER_TYPES = {
    NumberType.DID: "DID",
    NumberType.MAIN: "main number",
    NumberType.TOLL_FREE: "toll-free",
    NumberType.FAX: "fax",
    NumberType.COMMON_AREA: "common area",
}

#: things people type for a test case that are not its code
TEST_ALIASES = {"933": "E911-01", "911": "E911-01"}

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


@dataclass(frozen=True)
class LogRequest:
    """A validated form: what ``p`` / ``f`` will log."""

    case: TestCase
    result: VerificationResult
    site: SiteRow | None
    e164: str | None
    note: str


class FormError(Exception):
    """The form cannot be logged; the message says what to fix."""
