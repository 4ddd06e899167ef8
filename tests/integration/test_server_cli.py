"""``golive server`` / ``golive admin``: what people type, and what they are told."""

from __future__ import annotations

import gc
import hashlib
import logging
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from golive_tui import resources
from golive_tui.server import admin
from golive_tui.server.cli import main
from golive_tui.server.tables import api_token, metadata, project


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'server.db'}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_project_a_user_a_grant_and_a_token_from_the_command_line(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "admin", "create-project", "--db", db_url,
                       "--name", "Acme go-live", "--customer", "Acme")
    assert code == 0
    project_id = out.strip()
    assert run(capsys, "admin", "add-user", "ana", "--display-name", "Ana", "--db", db_url)[0] == 0
    code, _, err = run(capsys, "admin", "grant", "ana", project_id, "IPM", "--db", db_url)
    assert code == 0 and "ana is now ipm" in err
    code, out, err = run(capsys, "admin", "issue-token", "ana", "--db", db_url)
    token = out.strip()
    assert code == 0 and "shown once" in err and token.count(".") == 1
    db = admin.open_database(db_url)
    try:
        with db.read() as conn:
            stored = conn.execute(select(api_token.c.token_hash)).scalar_one()
    finally:
        db.dispose()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    code, out, _ = run(capsys, "admin", "list-projects", "--db", db_url)
    assert code == 0 and project_id in out and "Acme go-live" in out
    code, _, err = run(capsys, "admin", "revoke-token", token.partition(".")[0], "--db", db_url)
    assert code == 0 and "Revoked" in err


checklist_item = metadata.tables["checklist_item"]
milestone = metadata.tables["milestone"]


def test_a_project_from_the_standard_template_gets_a_rollouts_checklist_and_milestones(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "admin", "create-project", "--db", db_url, "--template",
                         "standard", "--name", "Acme rollout", "--customer", "Acme Dental",
                         "--time-zone", "America/Chicago", "--country", "ca",
                         "--go-live", "2027-01-18")
    assert code == 0, err
    project_id = out.strip()
    db = admin.open_database(db_url)
    try:
        with db.read() as conn:
            row = conn.execute(select(project.c.name, project.c.customer, project.c.time_zone,
                                      project.c.country, project.c.cutover_at)
                               .where(project.c.id == project_id)).one()
            items = conn.execute(select(checklist_item.c.key, checklist_item.c.status,
                                        checklist_item.c.assignee, checklist_item.c.due_at)
                                 .where(checklist_item.c.project_id == project_id)).all()
            milestones = conn.execute(select(milestone.c.name, milestone.c.done_at)
                                      .where(milestone.c.project_id == project_id)).all()
    finally:
        db.dispose()
    assert tuple(row[:4]) == ("Acme rollout", "Acme Dental", "America/Chicago", "CA")
    assert row[4].date() == date(2027, 1, 18)
    assert len(items) >= 50 and {"PRJ-01", "POR-02", "E911-03", "GL-01"} <= {i[0] for i in items}
    assert {i[1] for i in items} == {"todo"} and {i[2] for i in items} == {""}
    assert max(i[3] for i in items).date() > date(2027, 1, 18)  # hypercare and acceptance
    assert len(milestones) == 7 and all(m[1] is None for m in milestones)
    text = resources.project_template_path("standard").read_text(encoding="utf-8")
    assert "Ridgeline" not in text and "Marisol" not in text  # nothing of the demo's customer


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("admin", "create-project", "--template", "fancy", "--name", "A", "--customer", "B"),
         "no project template 'fancy'; the templates are: standard"),
        (("admin", "create-project", "--template", "standard", "--name", "A", "--customer", "B",
          "--country", "XX"), "'XX' is not a country code"),
        (("admin", "create-project", "--template", "standard", "--name", "A", "--customer", "B",
          "--time-zone", "Mars/Base"), "'Mars/Base' is not a time zone"),
        (("admin", "create-project", "--name", "A", "--customer", "B", "--country", "CA"),
         "go with --template"),
        (("admin", "grant", "nobody", "P", "ipm"), "No user nobody"),
        (("admin", "grant", "ana", "no-such-project", "ipm"), "No project no-such-project"),
        (("admin", "grant", "ana", "P", "boss"), "Unknown role 'boss'; use one of: ipm, engineer"),
        (("admin", "issue-token", "nobody"), "No user nobody"),
        (("admin", "add-user", "Bad Name!"), "not a usable user name"),
        (("admin", "add-user", "ana"), "User ana already exists"),
        (("admin", "revoke-token", "feedfacecafe"), "No token with id feedfacecafe"),
        (("admin", "create-project"), "Say what to create"),
        (("admin", "create-project", "--fixture", "/no/such/file.json"), "Cannot read"),
        (("admin", "create-project", "--demo", "--demo-day", "9999-12-31"),
         "The demo day 9999-12-31 puts some of the project's times outside the calendar"),
        (("admin", "create-project", "--demo", "--demo-day", "0001-01-01"),
         "choose a day nearer today"),
        (("admin", "compact"), "--keep N"),
    ],
)
def test_mistakes_get_one_clear_line_and_exit_code_2(
    db_url: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], says: str
) -> None:
    db = admin.open_database(db_url)
    try:
        admin.add_user(db, "ana")
    finally:
        db.dispose()
    code, out, err = run(capsys, *argv, "--db", db_url)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("golive: ") and says in lines[0]


def test_an_unreachable_database_is_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "admin", "list-projects", "--db",
                       "postgresql://nobody@127.0.0.1:1/none")
    assert code == 2
    assert err.startswith("golive: Cannot open the database") and len(err.strip().splitlines()) == 1


def test_the_demo_loads_once_and_a_second_copy_needs_its_own_id(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "admin", "create-project", "--demo", "--db", db_url)[0] == 0
    code, _, err = run(capsys, "admin", "create-project", "--demo", "--db", db_url)
    assert code == 2 and "already exists" in err and "--id" in err
    code, _, _ = run(capsys, "admin", "create-project", "--demo", "--id", "demo-2", "--db", db_url)
    assert code == 0


def test_golive_cli_dispatches_to_the_server_commands(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from golive_tui.app.cli import main as golive

    assert golive(["admin", "add-user", "ana", "--db", db_url]) == 0
    assert golive(["admin", "grant", "ana", "nowhere", "ipm", "--db", db_url]) == 2
    assert "No project nowhere" in capsys.readouterr().err


def test_python_dash_m_runs_the_commands(db_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "golive_tui.server", "admin", "grant", "x", "y", "ipm",
         "--db", db_url],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "golive: No user x; add them first with: golive admin add-user x"
    )


def test_the_server_process_collects_young_objects_less_often(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `golive server` serves with the server's thresholds set; uvicorn's run is where the
    # process would then stay, so it is stood in for here, and so is the set-up of the
    # process's logging, which would take over this test process's handlers for good
    import uvicorn

    from golive_tui.server import observe
    from golive_tui.server.cli.serve import SERVER_GC_THRESHOLDS

    seen: list[tuple[int, int, int]] = []
    before = gc.get_threshold()
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **_k: seen.append(gc.get_threshold()))
    monkeypatch.setattr(observe, "configure_logging", lambda *_a, **_k: None)
    handlers = list(logging.getLogger().handlers)
    try:
        code, _, err = run(capsys, "server", "--db", db_url, "--port", "0")
    finally:
        gc.set_threshold(*before)
    assert code == 0, err
    assert logging.getLogger().handlers == handlers
    assert seen == [SERVER_GC_THRESHOLDS]
    assert SERVER_GC_THRESHOLDS[0] > before[0]
