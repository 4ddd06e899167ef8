"""The embedded server (``golive demo`` and the tests) stops as uvicorn stops, without its
idle ticks: what it copies of uvicorn is uvicorn's, and a stop still lets an open
connection finish and closes the port."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

import httpx
import pytest
import uvicorn

from golive_tui.server.embedded import COPIED_FROM_UVICORN, EmbeddedServer
from tests.conftest import ServerUnderTest, server_settings


@pytest.mark.parametrize("name", sorted(COPIED_FROM_UVICORN))
def test_the_copied_stop_is_uvicorn_s_as_it_was_copied(name: str) -> None:
    source = inspect.getsource(getattr(uvicorn.Server, name))
    assert hashlib.sha256(source.encode()).hexdigest() == COPIED_FROM_UVICORN[name], (
        f"uvicorn {uvicorn.__version__} changed Server.{name}. _PromptServer "
        "(golive_tui/server/embedded.py) is a copy of it that stops without waiting for a "
        "tick: bring the changes over, then record the new hash there."
    )


def test_a_stop_closes_a_kept_alive_connection_and_the_port_and_a_new_start_serves(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    with httpx.Client(base_url=sqlite_server.url) as client:
        assert client.get("/healthz").status_code == 200  # the connection stays open
        sqlite_server.server.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/healthz")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sqlite_server.url}/healthz")

    again = EmbeddedServer(server_settings(db_url=sqlite_server.db_url)).start()
    try:
        assert httpx.get(f"{again.url}/healthz").status_code == 200
    finally:
        again.stop()
    again.stop()  # a second stop does nothing
