"""The reports kept under docs/samples/ are what golive writes from the demo today.

The demo is loaded on a fixed demo day and its changes made on a fixed clock: the
customer signs the acceptance and gives feedback, the IPM hands off, support
acknowledges it and the IPM closes the project. Each report is written as HTML and
Markdown, its tables as CSV, and compared with the sample. To refresh the samples after a
deliberate change: GOLIVE_UPDATE_SAMPLES=1 pytest tests/unit/test_report_samples.py
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from golive_tui.domain.enums import EntityKind, Role, SignoffKind
from golive_tui.reports.documents import REPORT_KINDS, build_report, to_csv, to_html, to_markdown
from golive_tui.seed import load_demo
from golive_tui.store.local import LocalStore

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
DEMO_DAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
#: when acceptance, feedback, the hand-off and the close are recorded: hypercare, later
LATER = NOW + timedelta(days=20)


def generated(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(file name, content) of every sample."""
    path = tmp_path / "cache.db"
    store = LocalStore(path, actor="avery.brooks", clock=lambda: NOW)
    store.write_document(load_demo(demo_day=DEMO_DAY, now=NOW))
    assert store.adoption_gaps(), "the demo carries its own adoption gaps into hypercare"
    yield from _written(store, ("go-live", "hypercare"), NOW)
    store.close()
    customer = LocalStore(path, actor="dana.whitfield", role=Role.CUSTOMER, clock=lambda: LATER)
    customer.sign(SignoffKind.ACCEPTANCE, exceptions=["Fax line at the Denver clinic"])
    customer.give_feedback(4, "Smooth cut-over; training came late for the night shift")
    customer.close()
    ipm = LocalStore(path, actor="avery.brooks", clock=lambda: LATER)
    ipm.prepare_handoff("4 hospitals, 2 auto receptionists, 3 call queues, 180 desk phones")
    ipm.close()
    desk = LocalStore(path, actor="service.desk", role=Role.SUPPORT, clock=lambda: LATER)
    desk.acknowledge_handoff()
    desk.close()
    ipm = LocalStore(path, actor="avery.brooks", clock=lambda: LATER)
    people = {p.name: p.id for p in ipm.stakeholders()}
    ipm.create_record(EntityKind.FINAL_CALL, held_at=LATER - timedelta(hours=2),
                      attendees=[people[name] for name in
                                 ("Marisol Rivera", "Dana Whitfield", "Sanjay Patel")],
                      tuning="LAX queue overflow raised to 90 s; reception gets call park",
                      open_items="Fax line at the Denver clinic",
                      adoption_review="DEN night shift retrained; usage up in every hospital")
    ipm.close_project()
    yield from _written(ipm, ("handoff", "closure"), LATER)
    ipm.close()


def _written(store: LocalStore, kinds: tuple[str, ...], now: datetime
             ) -> Iterator[tuple[str, str]]:
    for kind in kinds:
        report = build_report(kind, store, now=now, day=DEMO_DAY)
        yield f"{kind}.html", to_html(report)
        yield f"{kind}.md", to_markdown(report)
        for table in report.tables:
            yield f"{kind}-{table.name}.csv", to_csv(table)


def test_every_kind_has_a_sample(tmp_path: Path) -> None:
    names = {name for name, _ in generated(tmp_path)}
    assert {f"{kind}.{ext}" for kind in REPORT_KINDS for ext in ("html", "md")} <= names


@pytest.mark.parametrize("check", ["compare"])
def test_the_samples_are_what_golive_writes_from_the_demo(tmp_path: Path, check: str) -> None:
    files = dict(generated(tmp_path))
    if os.environ.get("GOLIVE_UPDATE_SAMPLES") == "1":
        SAMPLES.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (SAMPLES / name).write_text(content, encoding="utf-8", newline="")
    kept = {p.name for p in SAMPLES.iterdir() if p.suffix in (".html", ".md", ".csv")}
    assert kept == set(files), "a sample is missing or left over"
    for name, content in files.items():
        assert (SAMPLES / name).read_bytes().decode("utf-8") == content, name


def test_a_report_prints_well_and_stands_alone(tmp_path: Path) -> None:
    files = dict(generated(tmp_path))
    page = files["closure.html"]
    assert "@media print" in page and "<style>" in page
    assert "<script" not in page and "http" not in page.split("</head>")[0]
    assert "Closed on" in page and "4/5" in page
    assert "Fax line at the Denver clinic" in files["handoff.md"]
