"""``golive connect``, the client's settings and token file, and the client's typed errors."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive_tui.app.connect import add_connect_arguments, connect_command
from golive_tui.app.exit_codes import ExitCode
from golive_tui.config import load_settings, load_token, read_config, save_token
from golive_tui.sync.client import (
    Gone,
    NotFoundError,
    ProtocolMismatch,
    Refused,
    SyncClient,
    Transient,
    Unauthorized,
)
from tests.conftest import ServerUnderTest


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings in a temporary folder: GOLIVE_CONFIG and the token file point there."""
    monkeypatch.setenv("GOLIVE_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("GOLIVE_TOKEN_FILE", str(tmp_path / "secrets" / "token"))
    monkeypatch.setenv("GOLIVE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def connect(url: str, *argv: str, token: str | None = None) -> tuple[int, str, str]:
    """``golive connect URL --token-stdin …`` with ``token`` on standard input."""
    parser = argparse.ArgumentParser(prog="golive connect")
    add_connect_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    if token is not None:
        argv = ("--token-stdin", *argv)
    code = connect_command(parser.parse_args([url, *argv]), out=out, err=err,
                           stdin=io.StringIO(f"{token or ''}\n"))
    return code, out.getvalue(), err.getvalue()


def test_connect_checks_the_server_and_saves_token_0600_and_settings(
    sqlite_server: ServerUnderTest, config_home: Path
) -> None:
    code, out, err = connect(sqlite_server.url, token=sqlite_server.tokens["ipm"])
    assert code == 0, err
    assert f"Connected to {sqlite_server.url}" in out and "your role: ipm" in out
    token_file = config_home / "secrets" / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert load_token(token_file) == sqlite_server.tokens["ipm"]
    saved = read_config()
    assert saved["server_url"] == sqlite_server.url and saved["user"] == "ipm"
    assert saved["project_id"] == sqlite_server.project_id
    assert sqlite_server.tokens["ipm"] not in (config_home / "config.toml").read_text()
    settings = load_settings()
    assert settings.cache_path().parent == config_home / "data" / "caches"
    assert settings.cache_path() != settings.cache_path(user="engineer")


def test_connect_refuses_a_bad_token_and_saves_nothing(
    sqlite_server: ServerUnderTest, config_home: Path,
) -> None:
    code, _out, err = connect(sqlite_server.url, token="nope.nope")
    assert code == ExitCode.AUTH
    assert "refused the token" in err
    assert not (config_home / "secrets" / "token").exists()
    assert read_config() == {}


def test_connect_says_when_the_server_cannot_be_reached(config_home: Path) -> None:
    code, _out, err = connect("http://127.0.0.1:9", token="whatever")
    assert code == ExitCode.OFFLINE
    assert "cannot reach http://127.0.0.1:9" in err


def test_connect_refuses_a_project_the_user_is_not_a_member_of(
    sqlite_server: ServerUnderTest, config_home: Path
) -> None:
    code, _out, err = connect(sqlite_server.url, "--project", sqlite_server.other_project_id,
                              token=sqlite_server.tokens["ipm"])
    assert code == ExitCode.NOT_FOUND and "is not a member of project" in err


def test_token_file_is_never_readable_by_others_and_a_loose_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "token"
    old = os.umask(0)  # the most permissive umask: the mode must still be 0600
    try:
        save_token(path, "secret-1")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    save_token(path, "secret-2")
    assert load_token(path) == "secret-2"
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        load_token(path)


def test_settings_read_the_file_named_by_golive_config_and_env_overrides(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (config_home / "config.toml").write_text(
        'server_url = "https://golive.example.net"\n[ui]\ntheme = "golive-light"\n'
        'density = "compact"\n[ui.keymap]\n"porting.transition" = "t,ctrl+t"\n'
    )
    monkeypatch.setenv("GOLIVE_UI__DENSITY", "comfortable")
    settings = load_settings()
    assert settings.server_url == "https://golive.example.net"
    assert settings.ui.theme == "golive-light" and settings.ui.density == "comfortable"
    assert settings.ui.keymap == {"porting.transition": "t,ctrl+t"}


def respond(status: int, body: dict[str, Any] | None = None, **headers: str) -> SyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Golive-Protocol"] == "1"
        assert request.headers["Authorization"] == "Bearer t0k"
        return httpx.Response(status, json=body or {}, headers=headers)

    return SyncClient("http://golive.test", "t0k", transport=httpx.MockTransport(handler))


def error(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


@pytest.mark.parametrize(
    ("status", "body", "expected", "words"),
    [
        (401, error("unauthorized", "unknown token"), Unauthorized, "golive connect"),
        (404, error("not_found", "No project p here"), NotFoundError, "No project p here"),
        (410, error("changes_compacted", "download a fresh snapshot"), Gone, "fresh snapshot"),
        (409, error("protocol_mismatch", "x", server=2), ProtocolMismatch, "speaks protocol 2"),
        (503, error("unavailable", "busy"), Transient, "retrying"),
        (422, error("invalid_request", "ops.0.entity: bad"), Refused, "ops.0.entity: bad"),
    ],
)
async def test_errors_become_typed_exceptions_worded_for_people(
    status: int, body: dict[str, Any], expected: type[Exception], words: str
) -> None:
    async with respond(status, body) as client:
        with pytest.raises(expected, match=words):
            await client.changes("p", 0)


async def test_429_carries_retry_after() -> None:
    async with respond(429, error("too_many_requests", "slow down"), **{"Retry-After": "7"}) as c:
        with pytest.raises(Transient) as caught:
            await c.changes("p", 0)
    assert caught.value.retry_after == 7.0


def stream_of(body: bytes, content_type: str = "text/event-stream") -> SyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": content_type})

    return SyncClient("http://golive.test", "t", transport=httpx.MockTransport(handler))


async def test_event_stream_yields_change_seqs_and_skips_pings_and_comments() -> None:
    body = (
        b"retry: 2000\n: connected at 40\n\n"
        b"id: 41\nevent: change\ndata: {\"seq\": 41}\n\n"
        b": ping\n\n"
        b"event: something-else\ndata: 1\n\n"
        b"event: change\ndata: {\"seq\": 43}\n\n"
        b"id: 44\r\nevent: change\r\ndata: {\"seq\": 44}\r\n\r\n"
        b"id: 45\nevent: change\ndata: {}\n\n"
    )
    seen: list[int] = []
    async with stream_of(body) as client:
        with pytest.raises(Transient, match="closed"):
            async for seq in client.events("p"):
                seen.append(seq)
    assert seen == [41, 43, 44, 45]


async def test_a_live_stream_that_is_not_an_event_stream_is_refused_with_a_reason() -> None:
    async with stream_of(b"<html>sign in</html>", content_type="text/html") as client:
        with pytest.raises(Refused, match="other than an event stream"):
            async for _seq in client.events("p"):
                pass


async def test_event_stream_raises_transient_when_the_server_closes_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Last-Event-ID"] == "40"
        body = b"id: 41\nevent: change\ndata: {}\n\n"
        return httpx.Response(200, content=body, headers={"Content-Type": "text/event-stream"})

    seen: list[int] = []
    async with SyncClient("http://golive.test", "t", transport=httpx.MockTransport(handler)) as c:
        with pytest.raises(Transient, match="closed"):
            async for seq in c.events("p", 40):
                seen.append(seq)
    assert seen == [41]
    await asyncio.sleep(0)


def test_the_app_will_not_send_its_saved_token_over_plain_http_to_another_machine(
    config_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from golive_tui.app.launch import run_connected
    from golive_tui.config import update_config

    save_token(config_home / "secrets" / "token", "t0k.secret")
    update_config({"server_url": "http://10.11.12.13:8765", "user": "ipm", "project_id": "P"})
    assert run_connected() == ExitCode.REFUSED
    assert "plain HTTP to another machine" in capsys.readouterr().err
