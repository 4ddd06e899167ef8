"""``golive web``: sign-in with a golive token, the cookie, the app process per tab, and
the refusal to serve beyond loopback over plain HTTP.

A real ``golive web`` process serves a real golive server (``sqlite_server``); the tests
speak HTTP and WebSocket to it as a browser would (the browser itself is in
``test_web_browser.py``).
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import aiohttp
import httpx
import pytest

from golive_tui.app.cli import main
from golive_tui.app.exit_codes import ExitCode
from golive_tui.server import admin
from tests.conftest import ServerUnderTest
from tests.waiting import wait_for, wait_for_async
from tests.web_process import WebProcess, running_web, tab_processes

pytestmark = pytest.mark.timeout(300)

ESCAPES = re.compile(r"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>]|\][^\x07]*\x07)")


@pytest.fixture
def web(sqlite_server: ServerUnderTest, tmp_path: Path) -> Iterator[WebProcess]:
    home = tmp_path / "home"
    with running_web(["--server", sqlite_server.url, "--dir", str(home / "web")], home) as w:
        yield w


def _browser(web: WebProcess) -> httpx.Client:
    return httpx.Client(base_url=web.url, follow_redirects=False, timeout=30, verify=False)


def _sign_in(client: httpx.Client, token: str) -> httpx.Response:
    """The sign-in form posted, from the server's own page (a browser names it)."""
    origin = str(client.base_url).rstrip("/")
    return client.post("/login", data={"token": token}, headers={"Origin": origin})


def test_pages_need_a_sign_in(web: WebProcess) -> None:
    with _browser(web) as client:
        for path in ("/", "/project"):
            response = client.get(path)
            assert response.status_code == 303, response.text
            assert response.headers["location"] == "/login"
        assert client.get("/ws").status_code == 401
        page = client.get("/login")
        assert page.status_code == 200
        assert 'type="password"' in page.text
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_a_refused_token_gets_no_session(web: WebProcess, sqlite_server: ServerUnderTest) -> None:
    wrong = sqlite_server.tokens["ipm"][:-4] + "AAAA"
    with _browser(web) as client:
        response = _sign_in(client, wrong)
        assert response.status_code == 401
        assert "refused this token" in response.text
        assert wrong not in response.text
        assert "set-cookie" not in response.headers
        assert client.get("/").headers["location"] == "/login"
        empty = _sign_in(client, "  ")
        assert empty.status_code == 400 and "Paste your golive token" in empty.text


def test_sign_in_keeps_the_token_out_of_urls_and_pages(
    web: WebProcess, sqlite_server: ServerUnderTest
) -> None:
    token = sqlite_server.tokens["ipm"]
    with _browser(web) as client:
        response = _sign_in(client, token)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("golive_session=")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert token not in cookie, "the cookie holds a session key, not the token"
        page = client.get("/")
        assert page.status_code == 200
        assert token not in page.text
        assert (
            f'data-session-websocket-url="ws://{httpx.URL(web.url).netloc.decode()}/ws"'
            in page.text
        )
        assert "Ridgeline" in page.text  # the project's customer, in the title


def test_a_post_from_another_site_is_refused(
    web: WebProcess, sqlite_server: ServerUnderTest
) -> None:
    with _browser(web) as client:
        response = client.post(
            "/login",
            data={"token": sqlite_server.tokens["ipm"]},
            headers={"Origin": "https://evil.example"},
        )
        assert response.status_code == 403
        assert "set-cookie" not in response.headers


def test_a_user_of_another_project_is_refused_for_the_servers_project(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    args = [
        "--server",
        sqlite_server.url,
        "--project",
        sqlite_server.project_id,
        "--dir",
        str(home / "web"),
    ]
    with running_web(args, home) as web, _browser(web) as client:
        response = _sign_in(client, sqlite_server.tokens["outsider"])
        assert response.status_code == 403
        assert f"not a member of project {sqlite_server.project_id}" in response.text
        assert "set-cookie" not in response.headers


def test_someone_in_several_projects_picks_one(
    web: WebProcess, sqlite_server: ServerUnderTest
) -> None:
    db = admin.open_database(sqlite_server.db_url)
    try:
        admin.grant(db, "viewer", sqlite_server.other_project_id, "viewer")
    finally:
        db.dispose()
    with _browser(web) as client:
        response = _sign_in(client, sqlite_server.tokens["viewer"])
        assert response.headers["location"] == "/project"
        assert client.get("/").headers["location"] == "/project"
        page = client.get("/project")
        assert "Ridgeline" in page.text and "Elsewhere Inc." in page.text
        origin = {"Origin": web.url}
        # a project the user is not in: asked again
        wrong = client.post("/project", data={"project": "not-a-project"}, headers=origin)
        assert wrong.headers["location"] == "/project"
        chosen = client.post(
            "/project", data={"project": sqlite_server.other_project_id}, headers=origin
        )
        assert chosen.headers["location"] == "/"
        assert "Elsewhere Inc." in client.get("/").text


async def test_each_tab_runs_golive_with_the_token_in_a_private_file(
    web: WebProcess, sqlite_server: ServerUnderTest
) -> None:
    token = sqlite_server.tokens["engineer"]
    with _browser(web) as client:
        assert _sign_in(client, token).status_code == 303
        cookie = client.cookies["golive_session"]
    origin = web.url
    received: list[str] = []
    async with aiohttp.ClientSession() as session:
        # no cookie: refused before any process starts
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(f"{web.url}/ws", headers={"Origin": origin})
        assert refused.value.status == 401
        # another site's page: refused
        with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
            await session.ws_connect(
                f"{web.url}/ws?width=100&height=30",
                headers={"Origin": "https://evil.example", "Cookie": f"golive_session={cookie}"},
            )
        assert foreign.value.status == 403
        assert tab_processes(web.home) == []

        socket = await session.ws_connect(
            f"{web.url}/ws?width=100&height=30",
            headers={"Origin": origin, "Cookie": f"golive_session={cookie}"},
        )

        async def receive() -> None:
            message = await socket.receive(timeout=120)
            if message.type == aiohttp.WSMsgType.BINARY:
                received.append(message.data.decode("utf-8", "replace"))

        def dashboard_shown() -> bool:
            text = ESCAPES.sub("", "".join(received))
            return "Dashboard" in text and "Ridgeline" in text

        await wait_for_async(
            dashboard_shown, "the dashboard drawn over the WebSocket", timeout=120, step=receive
        )
        pids = tab_processes(web.home)
        assert len(pids) >= 1, "no golive process for the tab"
        for pid in pids:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            assert token.encode() not in argv, "the token is on a command line"
            assert token.encode() not in environ, "the token is in the environment"
        token_files = list((web.home / "web" / "browsers").glob("*/*/token"))
        assert len(token_files) == 1, token_files
        assert stat.S_IMODE(token_files[0].stat().st_mode) == 0o600
        assert token_files[0].read_text().strip() == token
        await socket.close()
    # the tab closed: its golive quits and its token file goes; its cache stays
    wait_for(lambda: not tab_processes(web.home), "the tab's golive to quit", timeout=60)
    wait_for(lambda: not token_files[0].exists(), "the tab's token file to be deleted")
    assert list((web.home / "web" / "browsers").glob("*/0/caches/*.sqlite"))


def test_sign_out_ends_the_session(web: WebProcess, sqlite_server: ServerUnderTest) -> None:
    with _browser(web) as client:
        assert _sign_in(client, sqlite_server.tokens["viewer"]).status_code == 303
        assert client.get("/").status_code == 200
        cookie = client.cookies["golive_session"]
        response = client.post("/logout", headers={"Origin": web.url})
        assert response.status_code == 303 and response.headers["location"] == "/login"
    # the old cookie, replayed, opens nothing
    with _browser(web) as client:
        client.cookies.set("golive_session", cookie)
        assert client.get("/").headers["location"] == "/login"


# --------------------------------------------------------------------------- binding


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "golive.example.net"])
def test_plain_http_beyond_loopback_is_refused(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["web", "--host", host, "--server", "http://127.0.0.1:9"])
    assert status == ExitCode.REFUSED
    err = capsys.readouterr().err
    assert f"refusing to serve on {host} over plain HTTP" in err
    assert "--certfile" in err and "--insecure-bind" in err


def test_tls_needs_both_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    serve = ["web", "--host", "0.0.0.0", "--server", "http://127.0.0.1:9"]
    cert, key = ["--certfile", str(tmp_path / "c.pem")], ["--keyfile", str(tmp_path / "k.pem")]
    assert main([*serve, *cert]) == ExitCode.USAGE
    assert "needs both --certfile and --keyfile" in capsys.readouterr().err
    assert main([*serve, *cert, *key]) == ExitCode.USAGE
    assert "does not exist" in capsys.readouterr().err


def test_a_plain_http_server_elsewhere_is_refused_unless_said(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["web", "--server", "http://192.0.2.10:8765"]) == ExitCode.REFUSED
    err = capsys.readouterr().err
    assert "plain HTTP to another machine" in err and "--insecure" in err


def test_no_server_says_where_to_get_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOLIVE_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("GOLIVE_SERVER_URL", raising=False)
    assert main(["web"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "--server URL" in err and "golive web --demo" in err


def _beyond_loopback(
    sqlite_server: ServerUnderTest, tmp_path: Path, *flags: str
) -> AbstractContextManager[WebProcess]:
    """``golive web`` on every address of this machine, with ``flags``."""
    home = tmp_path / "home"
    args = ["--host", "0.0.0.0", *flags, "--server", sqlite_server.url]
    return running_web([*args, "--dir", str(home / "web")], home)


def test_insecure_bind_serves_plain_http_when_asked(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    with _beyond_loopback(sqlite_server, tmp_path, "--insecure-bind") as web:
        assert web.url.startswith("http://0.0.0.0:")
        port = httpx.URL(web.url).port
        response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=30)
        assert response.status_code == 200


def test_tls_serves_https_with_a_secure_cookie(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate to serve TLS with")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subprocess.run(
        [openssl, *request, "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    tls = ("--certfile", str(cert), "--keyfile", str(key))
    with _beyond_loopback(sqlite_server, tmp_path, *tls) as web:
        assert web.url.startswith("https://")
        port = httpx.URL(web.url).port
        with httpx.Client(
            base_url=f"https://127.0.0.1:{port}", verify=False, follow_redirects=False, timeout=30
        ) as client:
            response = client.post("/login", data={"token": sqlite_server.tokens["ipm"]})
            assert response.status_code == 303, response.text
            assert "Secure" in response.headers["set-cookie"]
            page = client.get("/")
            assert f'"wss://127.0.0.1:{port}/ws"' in page.text
