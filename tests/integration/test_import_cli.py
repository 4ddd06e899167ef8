"""``golive import`` as a script runs it: the real command in a subprocess against a real
server on loopback. A clean file is written and reaches the server; a file with any bad
line, an unknown site or a binary body writes nothing; offline, the rows are queued in the
local cache and the command says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from golive_tui.app.exit_codes import ExitCode
from golive_tui.server.embedded import EmbeddedServer
from tests.conftest import ServerUnderTest, server_settings
from tests.integration.test_scripting import golive, home

__all__ = ["home"]


def _args(server: ServerUnderTest, kind: str, path: Path, *extra: str) -> tuple[str, ...]:
    return ("import", kind, str(path), "--server", server.url, "--project", server.project_id,
            *extra)


def _entities(server: ServerUnderTest, kind: str) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = server.snapshot()["entities"][kind]
    return entities


@pytest.mark.parametrize("backend", ["sqlite_server", "pg_server"])
def test_numbers_come_in_with_site_names_mapped_and_tel_uris_read(
    backend: str, home: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server = request.getfixturevalue(backend)
    token = server.tokens["ipm"]
    path = tmp_path / "numbers.csv"
    path.write_text("Phone,Location\n"
                    "tel:+1-720-555-0290,Denver HQ\n"
                    "(720) 555-0291,denver\n"
                    "+1 720 555 0292,DEN\n"
                    "+44 20 7946 0958,DEN\n", encoding="utf-8")
    dry = golive(home, *_args(server, "numbers", path, "--dry-run", "--json"),
                 GOLIVE_TOKEN=token)
    assert dry.returncode == ExitCode.OK, dry.stderr
    report = json.loads(dry.stdout)
    assert report["written"] == 0 and report["dry_run"]
    assert report["ready"] == 3, report
    assert {m["value"]: m["code"] for m in report["site_map"]} == {
        "Denver HQ": "DEN", "denver": "DEN", "DEN": "DEN"}
    assert [r["line"] for r in report["review"]] == [5]
    numbers = {n["e164"] for n in _entities(server, "number")}
    assert "+17205550290" not in numbers  # a dry run writes nothing

    done = golive(home, *_args(server, "numbers", path), GOLIVE_TOKEN=token)
    assert done.returncode == ExitCode.OK, done.stderr
    assert "3 numbers ready" in done.stdout and "held for review" in done.stdout
    assert "Imported 3" in done.stderr
    den = next(s["id"] for s in _entities(server, "site") if s["code"] == "DEN")
    stored = {n["e164"]: n for n in _entities(server, "number")}
    for e164 in ("+17205550290", "+17205550291", "+17205550292"):
        assert stored[e164]["site_id"] == den and stored[e164]["porting_state"] == "draft"
    assert "+442079460958" not in stored


def test_an_unknown_site_is_refused_by_name_and_a_site_map_resolves_it(
    sqlite_server: ServerUnderTest, home: dict[str, str], tmp_path: Path
) -> None:
    token = sqlite_server.tokens["ipm"]
    path = tmp_path / "numbers.csv"
    path.write_text("number,site\n7205550280,Denver HQ\n7205550281,Uptown clinic\n",
                    encoding="utf-8")
    before = len(_entities(sqlite_server, "number"))
    refused = golive(home, *_args(sqlite_server, "numbers", path), GOLIVE_TOKEN=token)
    assert refused.returncode == ExitCode.REFUSED
    assert "site 'Uptown clinic' is not one of the project's sites" in refused.stdout
    assert "line 3" in refused.stdout and "nothing was imported" in refused.stderr.lower()
    assert len(_entities(sqlite_server, "number")) == before

    site_map = tmp_path / "sites.csv"
    site_map.write_text("Uptown clinic,CHI\n", encoding="utf-8")
    mapped = golive(home, *_args(sqlite_server, "numbers", path, "--site-map", str(site_map)),
                    GOLIVE_TOKEN=token)
    assert mapped.returncode == ExitCode.OK, mapped.stdout + mapped.stderr
    chi = next(s["id"] for s in _entities(sqlite_server, "site") if s["code"] == "CHI")
    stored = {n["e164"]: n for n in _entities(sqlite_server, "number")}
    assert stored["+17205550281"]["site_id"] == chi


def test_sites_and_orders_come_in_and_bad_lines_write_nothing(
    sqlite_server: ServerUnderTest, home: dict[str, str], tmp_path: Path
) -> None:
    token = sqlite_server.tokens["ipm"]
    sites = tmp_path / "sites.csv"
    sites.write_text("Site Code,Site Name,Address,Time Zone\n"
                     "BOS,Back Bay Clinic,1 Boylston St Boston MA,America/New_York\n"
                     "SEA,Seattle Clinic,2 Pike St Seattle WA,America/Los_Angeles\n",
                     encoding="utf-8")
    done = golive(home, *_args(sqlite_server, "sites", sites), GOLIVE_TOKEN=token)
    assert done.returncode == ExitCode.OK, done.stdout + done.stderr
    codes = {s["code"]: s for s in _entities(sqlite_server, "site")}
    assert codes["SEA"]["time_zone"] == "America/Los_Angeles"
    assert codes["BOS"]["name"] == "Back Bay Clinic"

    orders = tmp_path / "orders.csv"
    orders.write_text("PON,Losing Carrier,BTN,PIN,Requested FOC,Toll Free,RespOrg\n"
                      "BOS-1,Lumen,617-555-0100,4321,2099-03-15,no,\n"
                      "SEA-1,Verizon Business,206-555-0100,12ab,2099-03-15,no,\n"
                      "SEA-2,Comcast Business,206-555-0110,,2020-01-06,no,\n", encoding="utf-8")
    before = len(_entities(sqlite_server, "port_order"))
    refused = golive(home, *_args(sqlite_server, "orders", orders, "--json"),
                     GOLIVE_TOKEN=token)
    assert refused.returncode == ExitCode.REFUSED
    report = json.loads(refused.stdout)
    assert [e["line"] for e in report["errors"]] == [3, 4]
    assert "digits only" in report["errors"][0]["reason"]
    assert "12ab" not in refused.stdout
    assert "in the past" in report["errors"][1]["reason"]
    assert report["outcome"] == "refused: nothing was imported"
    assert len(_entities(sqlite_server, "port_order")) == before

    orders.write_text("PON,Losing Carrier,BTN,PIN,Requested FOC\n"
                      "BOS-1,Lumen,617-555-0100,4321,2099-03-15\n", encoding="utf-8")
    done = golive(home, *_args(sqlite_server, "orders", orders), GOLIVE_TOKEN=token)
    assert done.returncode == ExitCode.OK, done.stdout + done.stderr
    stored = {o["pon"]: o for o in _entities(sqlite_server, "port_order")}
    assert stored["BOS-1"]["btn"] == "+16175550100" and stored["BOS-1"]["status"] == "draft"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8, "not a CSV file"),
        ("number,name\n7205550270,José\n".encode() + "7205550271,Zoë\n".encode("cp1252"),
         "line 3 is not UTF-8 while line 2 is"),
    ],
    ids=["binary", "mixed-encodings"],
)
def test_a_file_that_cannot_be_read_is_refused_before_the_server_is_asked(
    sqlite_server: ServerUnderTest, home: dict[str, str], tmp_path: Path, body: bytes, says: str
) -> None:
    path = tmp_path / "numbers.csv"
    path.write_bytes(body)
    before = len(_entities(sqlite_server, "number"))
    result = golive(home, *_args(sqlite_server, "numbers", path),
                    GOLIVE_TOKEN=sqlite_server.tokens["ipm"])
    assert result.returncode == ExitCode.REFUSED
    assert says in result.stderr and "Nothing was imported" in result.stderr
    assert len(_entities(sqlite_server, "number")) == before


def test_offline_the_rows_are_queued_in_the_cache_and_the_command_says_so(
    sqlite_server: ServerUnderTest, home: dict[str, str], tmp_path: Path
) -> None:
    token = sqlite_server.tokens["ipm"]
    status = golive(home, "status", "--server", sqlite_server.url, "--project",
                    sqlite_server.project_id, GOLIVE_TOKEN=token)
    assert status.returncode == ExitCode.OK, status.stderr  # the cache is made
    sqlite_server.server.stop()
    path = tmp_path / "numbers.csv"
    path.write_text("number,site\n7205550260,DEN\n", encoding="utf-8")
    result = golive(home, *_args(sqlite_server, "numbers", path, "--json"), GOLIVE_TOKEN=token)
    assert result.returncode == ExitCode.OFFLINE, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["source"] == "cache" and report["queued"] and report["written"] == 1
    assert report["outcome"].startswith("queued in the local cache")
    assert "+17205550260" not in {n["e164"] for n in _snapshot_numbers(sqlite_server)}

    # the server comes back on its address: the same command sends what waited
    port = int(sqlite_server.url.rsplit(":", 1)[1])
    with EmbeddedServer(server_settings(), db_url=sqlite_server.db_url, port=port):
        again = golive(home, *_args(sqlite_server, "numbers", path, "--json"),
                       GOLIVE_TOKEN=token)
        assert again.returncode == ExitCode.OK, again.stdout + again.stderr
        report = json.loads(again.stdout)
        assert report["ready"] == 0 and report["already_present"][0]["line"] == 2
        assert report["sent"] >= 1 and not report["queued"]
        assert "+17205550260" in {n["e164"] for n in _snapshot_numbers(sqlite_server)}


def _snapshot_numbers(server: ServerUnderTest) -> list[dict[str, Any]]:
    """The server's numbers, read from its database (the server may be down)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server.db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT e164 FROM number WHERE project_id = :p"),
                                {"p": server.project_id}).all()
    finally:
        engine.dispose()
    return [{"e164": row[0]} for row in rows]


@pytest.mark.parametrize("kind", ["numbers", "sites", "orders"])
def test_every_kind_refuses_a_file_over_the_import_limit_before_reading_it(
    sqlite_server: ServerUnderTest, home: dict[str, str], tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"{kind}.csv"
    with path.open("wb") as fh:  # a sparse file: its size without writing 21 MB
        fh.truncate(21 * 1024 * 1024)
    result = golive(home, *_args(sqlite_server, kind, path),
                    GOLIVE_TOKEN=sqlite_server.tokens["ipm"])
    assert result.returncode == ExitCode.REFUSED
    assert "this file is 21.0 MB; an import reads at most 20 MB" in result.stderr
