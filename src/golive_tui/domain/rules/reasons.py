"""A reason that says something: the one rule for every reason a change must carry.

A GO over unmet conditions, a phase closed over unmet criteria or reopened, a project
closed with gaps and an issue's new priority all need a reason someone else can act on,
not "." or "x".
"""

from __future__ import annotations

#: the shortest reason that says something, in characters and in words
MIN_OVERRIDE_REASON_CHARS = 20
MIN_OVERRIDE_REASON_WORDS = 4


def reason_is_thin(reason: str) -> bool:
    """Whether a reason is too short to say why (fewer characters or words than the least)."""
    text = " ".join(reason.split())
    return len(text) < MIN_OVERRIDE_REASON_CHARS or len(text.split()) < MIN_OVERRIDE_REASON_WORDS


def reason_problem(reason: str, what: str) -> str | None:
    """Why this reason cannot carry ``what`` (e.g. "Reopening Kickoff"), or None when it can.

    The answer reads as the start of a sentence: "Reopening Kickoff needs a reason of at
    least 20 characters and 4 words"; the caller says what the reason should tell.
    """
    if reason_is_thin(reason):
        return (
            f"{what} needs a reason of at least {MIN_OVERRIDE_REASON_CHARS} characters and "
            f"{MIN_OVERRIDE_REASON_WORDS} words"
        )
    return None
