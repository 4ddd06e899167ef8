"""``golive admin backup`` / ``restore``: a consistent copy while the server works, and back.

A real server on loopback over an SQLite file (``sqlite_server``), pushed to by a real client
while the backup runs; restores refused while a server runs on the file, and of files that
are not a golive database this release can serve.
"""

from __future__ import annotations

import shlex
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from golive_tui.server import admin
from golive_tui.server.cli import main
from golive_tui.server.embedded import EmbeddedServer
from golive_tui.server.migrate import head_revision, upgrade
from tests.conftest import ServerUnderTest, server_settings
from tests.waiting import wait_for


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def counters(path: Path) -> dict[str, tuple[int, int]]:
    """Each project's head seq and the highest change kept, read straight from the file."""
    conn = sqlite3.connect(path)
    try:
        heads = dict(conn.execute("SELECT project_id, seq FROM project_counter").fetchall())
        tops = dict(conn.execute(
            "SELECT project_id, max(seq) FROM change GROUP BY project_id").fetchall())
    finally:
        conn.close()
    return {pid: (int(seq), int(tops.get(pid) or 0)) for pid, seq in heads.items()}


def note(server: ServerUnderTest, index: int) -> dict[str, Any]:
    return server.op("verification", str(uuid.uuid4()), "append", {
        "test_case": "IN-01", "target": "+17205550100", "result": "pass",
        "note": f"call {index}",
    })


def test_a_backup_taken_while_pushes_land_is_consistent_and_restores_to_a_server(
    sqlite_server: ServerUnderTest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pushed: list[int] = []
    stop = threading.Event()

    def keep_pushing() -> None:
        index = 0
        while not stop.is_set():
            batch = [note(sqlite_server, index + i) for i in range(20)]
            index += 20
            response = sqlite_server.push(batch)
            assert response.status_code == 200, response.text
            pushed.append(int(response.json()["server_seq"]))

    pusher = threading.Thread(target=keep_pushing)
    pusher.start()
    try:
        wait_for(lambda: len(pushed) >= 2, "pushes to land before the backup")
        target = tmp_path / "backups" / "golive.db"
        target.parent.mkdir()
        code, out, err = run(capsys, "admin", "backup", str(target), "--db", sqlite_server.db_url)
        seen_during = len(pushed)
        wait_for(lambda: len(pushed) >= seen_during + 2, "pushes to land after the backup")
    finally:
        stop.set()
        pusher.join()
    assert code == 0, err
    assert f"schema revision {head_revision()}" in out and "2 projects" in out
    assert "golive admin restore" in err
    # one state: every project's counter is the last change it holds (none half-copied)
    copied = counters(target)
    assert copied[sqlite_server.project_id][0] == copied[sqlite_server.project_id][1]
    assert copied[sqlite_server.project_id][0] < sqlite_server.head()
    assert not Path(f"{target}-wal").exists()  # one self-contained file

    # restored to a new file and served, it answers from the state the backup holds
    restored = tmp_path / "restored.db"
    code, _, err = run(capsys, "admin", "restore", str(target), "--db", f"sqlite:///{restored}")
    assert code == 0, err
    with (
        EmbeddedServer(server_settings(db_url=f"sqlite:///{restored}")) as server,
        httpx.Client(base_url=server.url, headers=sqlite_server.headers("ipm")) as client,
    ):
        page = client.get(sqlite_server.project_path("changes"), params={"after": 0, "limit": 1})
    assert page.status_code == 200, page.text
    assert page.json()["server_seq"] == copied[sqlite_server.project_id][0]


def test_a_restore_is_refused_while_a_server_runs_unless_forced(
    sqlite_server: ServerUnderTest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "before.db"
    assert run(capsys, "admin", "backup", str(target), "--db", sqlite_server.db_url)[0] == 0
    before = sqlite_server.head()
    assert sqlite_server.push([note(sqlite_server, i) for i in range(5)]).status_code == 200
    after = sqlite_server.head()
    assert after == before + 5

    code, _, err = run(capsys, "admin", "restore", str(target), "--db", sqlite_server.db_url)
    assert code == 2
    assert "A golive server is running on" in err and "--force" in err
    assert sqlite_server.head() == after  # nothing was touched

    code, _, err = run(capsys, "admin", "restore", str(target), "--db", sqlite_server.db_url,
                       "--force")
    assert code == 0, err
    # the running server now serves the restored state; a client that is ahead re-bootstraps
    assert sqlite_server.head() == before
    gone = sqlite_server.changes(after=after)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "cursor_ahead"


def test_a_backup_never_overwrites_a_file_unless_forced(
    sqlite_server: ServerUnderTest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "golive.db"
    target.write_text("keep me")
    code, _, err = run(capsys, "admin", "backup", str(target), "--db", sqlite_server.db_url)
    assert code == 2 and "exists already" in err and "--force" in err
    assert target.read_text() == "keep me"
    code, _, err = run(capsys, "admin", "backup", str(target), "--db", sqlite_server.db_url,
                       "--force")
    assert code == 0, err
    assert target.read_bytes().startswith(b"SQLite format 3\x00")


def test_an_older_schema_is_restored_and_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.db"
    db = admin.open_database(f"sqlite:///{old}", migrate=False)
    try:
        upgrade(db, "0002")
    finally:
        db.dispose()
    restored = tmp_path / "server.db"
    code, out, err = run(capsys, "admin", "restore", str(old), "--db", f"sqlite:///{restored}")
    assert code == 0, err
    assert "schema revision 0002" in out
    assert f"schema revision {head_revision()}" in err


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()


def _other_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.close()


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (lambda p: p.write_text("name,number\n"), "is not an SQLite database"),
        (_other_sqlite, "not a golive server database (it has no alembic_version, change"),
        (_newer, "schema revision 9999, which this golive does not know"),
        (lambda p: p.unlink(), "There is no file"),
    ],
)
def test_a_restore_refuses_a_file_it_cannot_serve_and_leaves_the_database_as_it_was(
    sqlite_server: ServerUnderTest, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    spoil: Any, says: str,
) -> None:
    sqlite_server.server.stop()
    path = Path(sqlite_server.db_url.removeprefix("sqlite:///"))
    before = counters(path)
    bad = tmp_path / "bad.db"
    assert run(capsys, "admin", "backup", str(bad), "--db", sqlite_server.db_url)[0] == 0
    if spoil is _other_sqlite:
        bad.unlink()
    spoil(bad)
    code, _, err = run(capsys, "admin", "restore", str(bad), "--db", sqlite_server.db_url)
    assert code == 2
    assert says in err
    assert counters(path) == before


def test_postgresql_backups_are_pg_dump_and_the_command_says_how(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = "postgresql://golive:s3cret@db.example.internal:5432/golive"
    code, out, err = run(capsys, "admin", "backup", str(tmp_path / "golive.dump"), "--db", url)
    assert code == 2 and out == ""
    assert "pg_dump --format=custom --file" in err
    assert "s3cret" not in err and "'postgresql://golive@db.example.internal:5432/golive'" in err
    assert "~/.pgpass or PGPASSWORD" in err
    code, _, err = run(capsys, "admin", "restore", str(tmp_path / "golive.dump"), "--db", url)
    assert code == 2
    assert "pg_restore --clean --if-exists" in err and "golive server migrate" in err
    assert "s3cret" not in err
    assert not (tmp_path / "golive.dump").exists()


def _printed_commands(stderr: str) -> list[list[str]]:
    """The commands a refusal told the administrator to run, as argument lists."""
    return [shlex.split(line.strip()) for line in stderr.splitlines() if line.startswith("  ")]


@pytest.mark.postgres
def test_the_pg_dump_and_pg_restore_it_prints_back_up_and_restore_a_served_database(
    pg_server: ServerUnderTest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.fail("pg_dump and pg_restore come with PostgreSQL; install its client tools")
    assert pg_server.push([note(pg_server, i) for i in range(3)]).status_code == 200
    head = pg_server.head()
    dump = tmp_path / "golive.dump"
    code, _, err = run(capsys, "admin", "backup", str(dump), "--db", pg_server.db_url)
    assert code == 2
    (pg_dump,) = _printed_commands(err)
    assert pg_dump[0] == "pg_dump"
    subprocess.run(pg_dump, check=True, capture_output=True, timeout=120)
    assert dump.stat().st_size > 0

    fresh = make_url(pg_server.db_url).set(database=f"golive_restore_{uuid.uuid4().hex[:8]}")
    conninfo = make_url(pg_server.db_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{fresh.database}"')
    fresh_url = fresh.render_as_string(hide_password=False)
    try:
        code, _, err = run(capsys, "admin", "restore", str(dump), "--db", fresh_url)
        assert code == 2
        pg_restore, migrate = _printed_commands(err)
        assert pg_restore[0] == "pg_restore" and migrate[:3] == ["golive", "server", "migrate"]
        subprocess.run(pg_restore, check=True, capture_output=True, timeout=120)
        subprocess.run([sys.executable, "-m", "golive_tui", *migrate[1:]], check=True,
                       capture_output=True, timeout=120)
        with (
            EmbeddedServer(server_settings(db_url=fresh_url)) as server,
            httpx.Client(base_url=server.url, headers=pg_server.headers("ipm")) as client,
        ):
            page = client.get(pg_server.project_path("changes"), params={"after": 0, "limit": 1})
        assert page.status_code == 200, page.text
        assert page.json()["server_seq"] == head
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh.database}" WITH (FORCE)')


def test_a_backup_of_a_database_that_is_not_there_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "server.db"
    code, _, err = run(capsys, "admin", "backup", str(tmp_path / "b.db"),
                       "--db", f"sqlite:///{missing}")
    assert code == 2 and f"There is no database {missing} to back up." in err
    assert not missing.exists() and not (tmp_path / "b.db").exists()
