"""The demo go-live as shipped: ``fixtures/demo-go-live.json``, read and built."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from golive_tui import resources
from golive_tui.domain.project_doc import ProjectDocument, build_document

__all__ = ["load_demo"]


def load_demo(
    data: Mapping[str, Any] | None = None,
    *,
    demo_day: date | None = None,
    project_id: str | None = None,
    now: datetime | None = None,
) -> ProjectDocument:
    """The demo go-live (or ``data`` of the same shape) as validated records.

    ``demo_day`` defaults to today in the project's time zone if a weekday, else the next
    Monday; ``project_id`` to an id derived from the fixture's project key; ``now`` (the
    ``updated_at`` of every record and the anchor of ``N`` times) to the current time.
    Bad fixture data raises ``ValueError`` naming the file, the record and the problem.
    """
    if data is None:
        path = resources.demo_fixture_path()
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"{source}: cannot read the demo fixture: {exc.strerror}") from None
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        if not isinstance(loaded, Mapping):
            raise ValueError(f"{source}: the fixture must be a JSON object")
        data = loaded
        assert data is not None
    else:
        source = "fixture data"
    return build_document(data, source, demo_day=demo_day, project_id=project_id, now=now)
