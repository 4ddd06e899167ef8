"""``golive status`` / ``golive export`` / ``golive connect`` as a script runs them.

The real ``golive`` command, each time in a process of its own (``tests.golive_command``),
against a real server on loopback, with its settings, tokens and caches in a temporary home:
exit codes, the JSON, the cache when the server is down, profiles kept apart, formula cells
neutralised, files never overwritten.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from golive_tui.app.exit_codes import ExitCode
from tests.conftest import ServerUnderTest
from tests.golive_command import run_golive


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environment whose config and data folders are under ``tmp_path`` and that holds
    no golive setting of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    env["HOME"] = str(tmp_path / "home")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


def golive(env: dict[str, str], *argv: str, stdin: str | None = None,
           **extra: str) -> subprocess.CompletedProcess[str]:
    return run_golive(list(argv), {**env, **extra}, stdin=stdin, timeout=120)


def status_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.parametrize("backend", ["sqlite_server", "pg_server"])
def test_a_script_gets_the_status_as_json_with_the_token_in_the_environment(
    backend: str, home: dict[str, str], request: pytest.FixtureRequest
) -> None:
    sqlite_server = request.getfixturevalue(backend)
    snapshot = sqlite_server.snapshot()
    result = golive(home, "status", "--json", "--server", sqlite_server.url,
                    "--project", sqlite_server.project_id,
                    GOLIVE_TOKEN=sqlite_server.tokens["viewer"])
    assert result.returncode == ExitCode.OK, result.stderr
    status = status_json(result)
    assert status["schema_version"] == 1
    assert status["source"] == "server" and status["offline_reason"] is None
    assert status["server"] == sqlite_server.url
    assert status["last_sync"] is not None
    assert status["project"]["id"] == sqlite_server.project_id
    assert status["ports"]["numbers"]["total"] == len(snapshot["entities"]["number"])
    by_state = status["ports"]["numbers"]["by_state"]
    for number in snapshot["entities"]["number"]:
        assert by_state[number["porting_state"]] >= 1
    assert status["ports"]["orders"]["total"] == len(snapshot["entities"]["port_order"])
    open_p1 = [i for i in snapshot["entities"]["issue"]
               if i["priority"] == "P1" and i["state"] in ("new", "in_progress", "on_hold")]
    assert status["issues"]["by_priority"]["P1"]["open"] == len(open_p1)
    assert set(status["issues"]["by_priority"]) == {"P1", "P2", "P3", "P4"}
    gate = status["gate"]
    assert gate["verdict"] == ("GO" if gate["ready"] else "NO-GO")
    waves = sorted(snapshot["entities"]["cutover"], key=lambda w: w["starts_at"])
    assert [c["id"] for c in status["cutovers"]] == [w["id"] for w in waves]
    assert [c["state"] for c in status["cutovers"]] == [w["state"] for w in waves]
    # each wave has its own gate; the project's is its current wave's (here the last: the
    # demo's days are behind the server's clock)
    assert all(c["gate_scope"] == "cutover" for c in status["cutovers"])
    assert status["cutovers"][-1]["gate"] == gate
    by_name = {c["name"]: c["gate"] for c in status["cutovers"]}
    assert by_name["Wave 1 – Denver pilot"]["verdict"] == "GO"
    assert [u["name"] for u in by_name["Wave 3 – New York"]["unmet"]] == [
        "Port order RVP-PO-1008", "Location NYC Floor 2", "933 NYC Floor 2", "Customer co-sign"]
    # the open P1 is at Los Angeles: its wave's gate holds it, no other
    assert by_name["Wave 2 – Los Angeles"]["checked"]["no_open_p1"] == len(open_p1)
    assert by_name["Wave 3 – New York"]["checked"]["no_open_p1"] == 0
    upcoming = [w for w in waves if w["state"] not in ("completed", "rolled_back")]
    assert status["next_cutover_id"] == upcoming[0]["id"]
    assert status["current_cutover_id"] == status["cutovers"][-1]["id"]
    # every key a script may read is documented
    documented = (Path(__file__).parents[2] / "docs" / "scripting.md").read_text()
    nested = [*status, *status["project"], *status["ports"], *status["issues"],
              *status["cutovers"][0], *gate, *gate["checked"],
              *status["issues"]["open_issues"][0]]
    assert [key for key in nested if f"{key}" not in documented] == []
    # the token is nowhere on disk: nothing was saved for a script
    assert not (Path(home["XDG_CONFIG_HOME"]) / "golive" / "token").exists()


def test_status_answers_from_the_cache_when_the_server_is_down_and_says_so(
    sqlite_server: ServerUnderTest, home: dict[str, str]
) -> None:
    args = ("status", "--json", "--server", sqlite_server.url,
            "--project", sqlite_server.project_id)
    token = sqlite_server.tokens["ipm"]
    online = golive(home, *args, GOLIVE_TOKEN=token)
    assert online.returncode == ExitCode.OK, online.stderr
    sqlite_server.server.stop()

    offline = golive(home, *args, GOLIVE_TOKEN=token)
    assert offline.returncode == ExitCode.OFFLINE, offline.stderr
    cached = status_json(offline)
    fresh = status_json(online)
    assert cached["source"] == "cache"
    assert cached["last_sync"] == fresh["last_sync"]
    assert "Cannot reach the server" in cached["offline_reason"]
    assert "answering from the local cache" in offline.stderr
    for key in ("project", "gate", "ports"):
        assert cached[key] == fresh[key]

    asked = golive(home, *args, "--offline", GOLIVE_TOKEN=token)
    assert asked.returncode == ExitCode.OK, asked.stderr
    assert status_json(asked)["source"] == "cache"

    text = golive(home, *args[:1], *args[2:], GOLIVE_TOKEN=token)
    assert text.returncode == ExitCode.OFFLINE
    assert text.stdout.startswith("OFFLINE: from the local cache, last synced ")


def test_offline_without_a_cache_is_its_own_exit_code_and_prints_nothing(
    sqlite_server: ServerUnderTest, home: dict[str, str]
) -> None:
    sqlite_server.server.stop()
    result = golive(home, "status", "--json", "--server", sqlite_server.url,
                    "--project", sqlite_server.project_id,
                    GOLIVE_TOKEN=sqlite_server.tokens["ipm"])
    assert result.returncode == ExitCode.OFFLINE
    assert result.stdout == ""
    assert "no cache of project" in result.stderr


def test_each_failure_has_its_own_exit_code(
    sqlite_server: ServerUnderTest, home: dict[str, str],
) -> None:
    url, project = sqlite_server.url, sqlite_server.project_id
    token = sqlite_server.tokens["ipm"]

    refused_token = golive(home, "status", "--server", url, "--project", project,
                           GOLIVE_TOKEN="nope.nope")
    assert refused_token.returncode == ExitCode.AUTH, refused_token.stderr
    assert "refused the token" in refused_token.stderr

    no_token = golive(home, "status", "--server", url, "--project", project)
    assert no_token.returncode == ExitCode.AUTH and "GOLIVE_TOKEN" in no_token.stderr

    elsewhere = golive(home, "export", "orders", "--server", url,
                       "--project", sqlite_server.other_project_id, GOLIVE_TOKEN=token)
    assert elsewhere.returncode == ExitCode.NOT_FOUND, elsewhere.stderr
    assert "is not a member of project" in elsewhere.stderr

    nowhere = golive(home, "status", GOLIVE_TOKEN=token)
    assert nowhere.returncode == ExitCode.USAGE and "no server" in nowhere.stderr

    plain = golive(home, "status", "--server", "http://10.11.12.13:8765", "--project", project,
                   GOLIVE_TOKEN=token)
    assert plain.returncode == ExitCode.REFUSED
    assert "plain HTTP to another machine" in plain.stderr and "--insecure" in plain.stderr

    unknown_kind = golive(home, "export", "sites", GOLIVE_TOKEN=token)
    assert unknown_kind.returncode == ExitCode.USAGE


def test_connect_refuses_a_token_on_the_command_line_and_reads_it_elsewhere(
    sqlite_server: ServerUnderTest, home: dict[str, str], tmp_path: Path
) -> None:
    token = sqlite_server.tokens["ipm"]
    refused = golive(home, "connect", sqlite_server.url, "--token", token)
    assert refused.returncode == ExitCode.USAGE
    assert "--token-stdin" in refused.stderr and "GOLIVE_TOKEN" in refused.stderr
    assert "process list" in refused.stderr
    assert not (Path(home["XDG_CONFIG_HOME"]) / "golive").exists()

    without = golive(home, "connect", sqlite_server.url, stdin="")
    assert without.returncode == ExitCode.USAGE and "no token given" in without.stderr

    plain = golive(home, "connect", "http://10.11.12.13:8765", "--token-stdin", stdin=token)
    assert plain.returncode == ExitCode.REFUSED and "--insecure" in plain.stderr

    wrong_file = tmp_path / "wrong-token"
    wrong_file.write_text("nope.nope\n")
    refused_file = golive(home, "connect", sqlite_server.url, "--token-file", str(wrong_file))
    assert refused_file.returncode == ExitCode.AUTH and "refused the token" in refused_file.stderr
    from_env = golive(home, "connect", sqlite_server.url, stdin="",
                      GOLIVE_TOKEN=sqlite_server.tokens["viewer"])
    assert from_env.returncode == ExitCode.OK, from_env.stderr
    assert "your role: viewer" in from_env.stdout

    connected = golive(home, "connect", sqlite_server.url, "--token-stdin", stdin=token + "\n")
    assert connected.returncode == ExitCode.OK, connected.stderr
    token_file = Path(home["XDG_CONFIG_HOME"]) / "golive" / "token"
    assert token_file.read_text().strip() == token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    # the saved connection serves every later command: no flags, no environment
    status = golive(home, "status", "--json")
    assert status.returncode == ExitCode.OK, status.stderr
    assert status_json(status)["project_id"] == sqlite_server.project_id


def test_profiles_keep_each_connection_token_and_cache_apart(
    sqlite_server: ServerUnderTest, home: dict[str, str]
) -> None:
    for profile, user in (("acme", "ipm"), ("beta", "engineer")):
        result = golive(home, "--profile", profile, "connect", sqlite_server.url,
                        "--token-stdin", stdin=sqlite_server.tokens[user])
        assert result.returncode == ExitCode.OK, result.stderr
    config = Path(home["XDG_CONFIG_HOME"]) / "golive" / "profiles"
    assert (config / "acme" / "token").read_text().strip() == sqlite_server.tokens["ipm"]
    assert (config / "beta" / "token").read_text().strip() == sqlite_server.tokens["engineer"]
    assert 'user = "engineer"' in (config / "beta" / "config.toml").read_text()
    assert not (Path(home["XDG_CONFIG_HOME"]) / "golive" / "token").exists()

    by_flag = golive(home, "status", "--json", "--profile", "acme")
    by_env = golive(home, "status", "--json", GOLIVE_PROFILE="beta")
    assert by_flag.returncode == by_env.returncode == ExitCode.OK, by_flag.stderr + by_env.stderr
    data = Path(home["XDG_DATA_HOME"]) / "golive" / "profiles"
    assert [p.name.split("-")[-2] for p in (data / "acme" / "caches").glob("*.sqlite")] == ["ipm"]
    assert [p.name.split("-")[-2] for p in (data / "beta" / "caches").glob("*.sqlite")] == [
        "engineer"]

    # a profile's token never goes to another server
    other = golive(home, "--profile", "acme", "status", "--server", "http://127.0.0.1:9")
    assert other.returncode == ExitCode.AUTH and "no token for http://127.0.0.1:9" in other.stderr

    bad = golive(home, "--profile", "../etc", "status")
    assert bad.returncode == ExitCode.USAGE and "cannot name a profile" in bad.stderr


def _issue_titled(sqlite_server: ServerUnderTest, title: str) -> str:
    import uuid

    issue_id = str(uuid.uuid4())
    op = sqlite_server.op("issue", issue_id, "create", {
        "title": title, "priority": "P3", "category": "other", "ref": "GL-FORMU",
    })
    response = sqlite_server.push([op])
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "applied", response.text
    return issue_id


def test_exports_neutralise_formulas_and_never_overwrite_a_file(
    sqlite_server: ServerUnderTest, home: dict[str, str], tmp_path: Path
) -> None:
    formula = '=HYPERLINK("http://evil.example","click")'
    _issue_titled(sqlite_server, formula)
    env = {**home, "GOLIVE_TOKEN": sqlite_server.tokens["ipm"]}
    where = ("--server", sqlite_server.url, "--project", sqlite_server.project_id)
    out = tmp_path / "issues.csv"

    first = golive(env, "export", "issues", "--out", str(out), *where)
    assert first.returncode == ExitCode.OK, first.stderr
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    titles = {row["title"] for row in rows}
    assert "'" + formula in titles and formula not in titles
    assert all(not row[col].startswith(("=", "+", "-", "@", "\t", "\r"))
               for row in rows for col in row)

    written = out.read_bytes()
    again = golive(env, "export", "issues", "--out", str(out), *where)
    assert again.returncode == ExitCode.REFUSED
    assert "already exists" in again.stderr and "--force" in again.stderr
    assert out.read_bytes() == written
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".issues")) == []

    out.write_text("someone else's file\n")
    forced = golive(env, "export", "issues", "--out", str(out), "--force", *where)
    assert forced.returncode == ExitCode.OK, forced.stderr
    assert out.read_bytes() == written

    numbers = golive(env, "export", "numbers", *where)
    assert numbers.returncode == ExitCode.OK, numbers.stderr
    number_rows = list(csv.DictReader(numbers.stdout.splitlines()))
    assert number_rows and all(r["number"].startswith("'+1") for r in number_rows)

    as_json = golive(env, "export", "issues", "--json", *where)
    assert as_json.returncode == ExitCode.OK, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["schema_version"] == 1 and document["kind"] == "issues"
    assert formula in {row["title"] for row in document["rows"]}  # JSON is data, not cells

    for kind in ("orders", "checklist", "verifications"):
        result = golive(env, "export", kind, "--json", *where)
        assert result.returncode == ExitCode.OK, result.stderr
        assert json.loads(result.stdout)["rows"], kind


def test_a_report_is_written_as_html_markdown_and_csv_from_the_server(
    sqlite_server: ServerUnderTest, home: dict[str, str], tmp_path: Path
) -> None:
    env = {**home, "GOLIVE_TOKEN": sqlite_server.tokens["ipm"]}
    where = ("--server", sqlite_server.url, "--project", sqlite_server.project_id)
    page = tmp_path / "handoff.html"
    done = golive(env, "report", "handoff", "--out", str(page), "--csv", str(tmp_path / "csv"),
                  *where)
    assert done.returncode == ExitCode.OK, done.stderr
    text = page.read_text(encoding="utf-8")
    assert "<h1>Hand-off package" in text and "@media print" in text
    with (tmp_path / "csv" / "handoff-open_issues.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and set(rows[0]) == {"Ref", "Priority", "Title", "Owner"}
    again = golive(env, "report", "handoff", "--out", str(page), *where)
    assert again.returncode == ExitCode.REFUSED and "already exists" in again.stderr
    markdown = golive(env, "report", "hypercare", "--format", "md", "--day", "2026-12-08",
                      *where)
    assert markdown.returncode == ExitCode.OK, markdown.stderr
    assert markdown.stdout.startswith("# Daily hypercare report")
    bad = golive(env, "report", "hypercare", "--day", "8 Dec", *where)
    assert bad.returncode == ExitCode.USAGE and "is not a date" in bad.stderr
