"""Text a change may carry: no control characters (PostgreSQL cannot store a NUL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from golive_tui.domain.enums import (
    EntityKind,
)
from golive_tui.domain.errors import ValidationFailed

#: control characters (C0, DEL, C1) other than tab, line feed and carriage return
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(value: Any) -> str | None:
    """The first control character in this text or JSON value (keys included), if any.

    Tab, line feed and carriage return are text; NUL, BEL, ESC and the rest are not, and
    a pasted one would reach every screen and report that shows the field.
    """
    if isinstance(value, str):
        found = _CONTROL.search(value)
        return None if found is None else found.group()
    if isinstance(value, dict):
        for key, item in value.items():
            found_in = control_character(key) or control_character(item)
            if found_in is not None:
                return found_in
    elif isinstance(value, list | tuple):
        for item in value:
            found_in = control_character(item)
            if found_in is not None:
                return found_in
    return None


def flat_and_plain(all_fields: Iterable[Mapping[str, Any]]) -> bool:
    """Whether every one of these fields is flat (no value a list or an object) and holds
    no control character, found in one search over all their text: :func:`check_text`
    then refuses none of them (the common run of ops, checked as one)."""
    texts: list[str] = []
    append = texts.append
    for fields in all_fields:
        for name, value in fields.items():
            append(name)
            if isinstance(value, str):
                append(value)
            elif isinstance(value, dict | list | tuple):
                return False
    return _CONTROL.search("\t".join(texts)) is None


def check_text(kind: EntityKind, fields: Mapping[str, Any]) -> None:
    """Refuse a change whose fields hold a control character, naming each such field."""
    texts = []
    for name, value in fields.items():
        texts.append(name)
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict | list | tuple):
            break
    else:  # flat, as almost every change: one search over all its text (a tab is text)
        if _CONTROL.search("\t".join(texts)) is None:
            return
    problems = []
    for name, value in fields.items():
        char = control_character(name) or control_character(value)
        if char is not None:
            label = "a NUL character" if char == "\x00" else "a control character"
            problems.append(f"{name}: text with {label} ({char!r}) in it; remove it")
    if problems:
        raise ValidationFailed(
            f"Invalid {kind.value.replace('_', ' ')}: " + "; ".join(sorted(problems)),
            details={"errors": sorted(problems)},
        )
