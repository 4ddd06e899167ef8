"""What an administrator sees of a running server: JSON log lines and ``/metrics``.

The logs come from the real ``golive server`` command in its own process; the metrics from a
real server on loopback, read with Prometheus' own parser.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from golive_tui.server.embedded import EmbeddedServer
from tests.conftest import ServerUnderTest, server_settings
from tests.integration.test_server_backup import note
from tests.waiting import wait_for

# --------------------------------------------------------------------------- logs


class ServerProcess:
    """``golive server`` in a process of its own, its stderr read line by line."""

    def __init__(self, *argv: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "golive_tui", "server", "--port", "0", *argv],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def url(self) -> str:
        def running() -> str | None:
            for line in self.lines:
                if "Uvicorn running on " in line:
                    return line.split("Uvicorn running on ")[1].split()[0]
            return None

        found = wait_for(running, lambda: "the server to start:\n" + "\n".join(self.lines))
        return found

    def stop(self) -> list[str]:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        return self.lines


@pytest.fixture
def json_server(sqlite_server: ServerUnderTest) -> Iterator[tuple[ServerUnderTest, ServerProcess]]:
    sqlite_server.server.stop()  # the command serves the same database instead
    process = ServerProcess("--db", sqlite_server.db_url, "--log-format", "json")
    try:
        yield sqlite_server, process
    finally:
        if process.process.poll() is None:
            process.stop()


def test_json_logs_give_each_request_its_id_route_status_project_and_user_never_the_token(
    json_server: tuple[Any, ServerProcess],
) -> None:
    server, process = json_server
    url = process.url()
    pid = server.project_id
    with httpx.Client(base_url=url, headers=server.headers("engineer")) as client:
        me = client.get("/v1/me", headers={"X-Request-ID": "support-ticket-7"})
        pushed = client.post(f"/v1/projects/{pid}/ops",
                             json={"client_id": f"client-a.{server.tag}",
                                   "ops": [note(server, 1)]})
        feed = client.get(f"/v1/projects/{pid}/changes", params={"after": 1, "limit": 1})
        forged = client.get("/v1/me", headers={"X-Request-ID": 'x", "user": "root'})
    with httpx.Client(base_url=url) as anonymous:
        refused = anonymous.get("/v1/me", headers={"Authorization": "Bearer not.a-token"})
    assert [me.status_code, pushed.status_code, feed.status_code, forged.status_code,
            refused.status_code] == [200, 200, 200, 200, 401]
    assert me.headers["X-Request-ID"] == "support-ticket-7"
    lines = process.stop()

    records = [json.loads(line) for line in lines]  # every line is one JSON object
    requests = [r for r in records if r["logger"] == "golive.access"]
    by_id = {r["request_id"]: r for r in requests}
    first = by_id["support-ticket-7"]
    assert first == {**first, "method": "GET", "path": "/v1/me", "route": "/v1/me",
                     "status": 200, "user": "engineer", "project": "", "level": "info"}
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    push = by_id[pushed.headers["X-Request-ID"]]
    assert push == {**push, "method": "POST", "route": "/v1/projects/{pid}/ops",
                    "path": f"/v1/projects/{pid}/ops", "status": 200, "project": pid,
                    "user": "engineer"}
    page = by_id[feed.headers["X-Request-ID"]]
    assert page["project"] == pid and page["user"] == "engineer"
    # an id a client could forge a line with is replaced by the server's own
    assert forged.headers["X-Request-ID"] in by_id and "root" not in forged.headers["X-Request-ID"]
    denied = by_id[refused.headers["X-Request-ID"]]
    assert denied["status"] == 401 and denied["user"] == ""
    everything = "\n".join(lines)
    for token in server.tokens.values():
        assert token not in everything and token.partition(".")[2] not in everything
    assert "not.a-token" not in everything


# --------------------------------------------------------------------------- metrics


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str, **kw: Any) -> Samples:
    """Every sample of ``/metrics``, by name and labels, through Prometheus' own parser."""
    with httpx.Client(base_url=url) as client:
        answer = client.get("/metrics", **kw)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def scraped_when(url: str, holds: Callable[[Samples], bool]) -> Samples | None:
    samples = scrape(url)
    return samples if holds(samples) else None


@pytest.fixture(params=["sqlite_server", pytest.param("pg_server", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest) -> ServerUnderTest:
    server = request.getfixturevalue(request.param)
    assert isinstance(server, ServerUnderTest)
    return server


def test_metrics_count_requests_push_outcomes_and_show_live_clients_and_their_lag(
    server: ServerUnderTest,
) -> None:
    pid = server.project_id
    ops = [note(server, i) for i in range(3)]
    assert server.push(ops).status_code == 200
    assert server.push(ops).status_code == 200  # a replay: three duplicates
    viewer = server.push([note(server, 9)], user="viewer")
    assert [r["status"] for r in viewer.json()["results"]] == ["rejected"]
    head = server.head()
    behind = head - 7

    with server.client("engineer", timeout=60) as client, client.stream(
        "GET", server.project_path("events")
    ) as stream:
        assert stream.status_code == 200
        # the engineer's client has read the feed up to `behind`
        assert client.get(server.project_path("changes"),
                          params={"after": behind}).status_code == 200
        seen = wait_for(lambda: scraped_when(
            server.url, lambda s: s.get(("golive_live_clients", (("project", pid),))) == 1
        ), "the live stream to be counted")
        assert seen[("golive_feed_lag", (("project", pid),))] == head - behind
    assert seen[("golive_feed_head_seq", (("project", pid),))] == head
    assert seen[("golive_push_ops_total", (("outcome", "applied"),))] >= 3
    assert seen[("golive_push_ops_total", (("outcome", "duplicate"),))] == 3
    assert seen[("golive_push_ops_total", (("outcome", "rejected"),))] == 1
    pushes = ("golive_http_requests_total", (("method", "POST"),
                                             ("route", "/v1/projects/{pid}/ops"),
                                             ("status", "200")))
    assert seen[pushes] >= 3
    # the stream closed: no live client, and no lag to speak of
    after = wait_for(lambda: scraped_when(
        server.url, lambda s: ("golive_live_clients", (("project", pid),)) not in s
    ), "the closed stream to be forgotten")
    assert ("golive_feed_lag", (("project", pid),)) not in after


def _outward_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_metrics_answer_only_this_machine_without_a_token(sqlite_server: ServerUnderTest) -> None:
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    settings = server_settings(db_url=sqlite_server.db_url)
    with EmbeddedServer(settings, host=address) as server, httpx.Client(
        base_url=server.url
    ) as client:
        answer = client.get("/metrics")
        assert client.get("/healthz").status_code == 200
    assert answer.status_code == 403
    assert "GOLIVE_SERVER_METRICS_TOKEN" in answer.json()["error"]["message"]


def test_with_a_metrics_token_metrics_need_it(sqlite_server: ServerUnderTest) -> None:
    secret = "scrape-" + "x" * 24
    with sqlite_server.replica(metrics_token=secret) as server:
        with httpx.Client(base_url=server.url) as client:
            missing = client.get("/metrics")
            wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
            # a person's token is not the metrics token
            person = client.get("/metrics", headers=sqlite_server.headers("ipm"))
        samples = scrape(server.url, headers={"Authorization": f"Bearer {secret}"})
    assert [missing.status_code, wrong.status_code, person.status_code] == [401, 401, 401]
    assert missing.json()["error"]["code"] == "unauthorized"
    assert ("golive_feed_head_seq", (("project", sqlite_server.project_id),)) in samples


def test_the_metrics_token_comes_from_a_file_never_the_command_line(
    sqlite_server: ServerUnderTest, tmp_path: Path
) -> None:
    sqlite_server.server.stop()
    secret = "from-a-file-" + "y" * 20
    token_file = tmp_path / "metrics.token"
    token_file.write_text(secret + "\n")
    process = ServerProcess("--db", sqlite_server.db_url, "--metrics-token-file", str(token_file))
    try:
        url = process.url()
        with httpx.Client(base_url=url) as client:
            assert client.get("/metrics").status_code == 401
        assert ("golive_feed_head_seq", (("project", sqlite_server.project_id),)) in scrape(
            url, headers={"Authorization": f"Bearer {secret}"})
    finally:
        lines = process.stop()
    assert secret not in "\n".join(lines)
    empty = tmp_path / "empty.token"
    empty.write_text("\n")
    refused = subprocess.run(
        [sys.executable, "-m", "golive_tui", "server", "--db", sqlite_server.db_url,
         "--metrics-token-file", str(empty)],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert refused.returncode == 2
    assert f"The metrics token file {empty} is empty." in refused.stderr


def test_metrics_count_webhook_attempts_by_outcome_and_show_the_outbox(
    sqlite_server: ServerUnderTest,
) -> None:
    # here, not at the top: the webhook tests import this module's ServerProcess
    from tests.integration.test_webhooks import (
        QUICK,
        Receiver,
        add_hook,
        applied,
        deliveries,
        new_p1,
    )

    sqlite_server.server.stop()
    receiver = Receiver(status=500).start()
    settings = server_settings(db_url=sqlite_server.db_url, **{**QUICK, "webhook_max_attempts": 3})
    try:
        with EmbeddedServer(settings) as server:
            sqlite_server.server = server
            hook = add_hook(sqlite_server, receiver.url, events="p1_opened")
            # refused twice, then given up at the third and last attempt
            applied(sqlite_server, [new_p1(sqlite_server, "Voicemail lost")])
            wait_for(lambda: [d.status for d in deliveries(sqlite_server, hook)] == ["failed"],
                     "the delivery to be given up")
            # answered at the first attempt
            receiver.status = 200
            applied(sqlite_server, [new_p1(sqlite_server, "Paging down")])
            wait_for(lambda: sorted(d.status for d in deliveries(sqlite_server, hook))
                     == ["delivered", "failed"], "the second delivery")
            # a receiver that is down: the delivery waits in the outbox
            receiver.stop()
            applied(sqlite_server, [new_p1(sqlite_server, "Fax line dead")])
            waiting = wait_for(lambda: scraped_when(
                server.url, lambda s: s.get(("golive_webhook_outbox_pending", ())) == 1
                and s.get(("golive_webhook_attempts_total", (("outcome", "retrying"),)), 0) >= 3
            ), "the third delivery to wait in the outbox")
    finally:
        receiver.close()
    assert waiting[("golive_webhook_attempts_total", (("outcome", "failed"),))] == 1
    assert waiting[("golive_webhook_attempts_total", (("outcome", "delivered"),))] == 1
    assert waiting[("golive_webhook_outbox_oldest_seconds", ())] > 0
