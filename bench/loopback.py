"""What the sync benchmarks share: a real server on a loopback port with one project and users.

Not a benchmark itself; ``bench/sync_drain.py`` and friends import it. A temporary SQLite
file by default, or a fresh PostgreSQL database (``GOLIVE_TEST_PG_URL``, default
``postgresql://postgres@127.0.0.1:5432/test`` names the server) with ``db="postgres"``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import golive_tui  # noqa: F401
except ImportError:  # run from a checkout without PYTHONPATH=src
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from golive_tui.domain.project_doc import ProjectDocument
from golive_tui.seed import generate_project
from golive_tui.server import admin
from golive_tui.server.embedded import EmbeddedServer
from golive_tui.server.settings import ServerSettings

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Loopback:
    url: str
    project_id: str
    tokens: dict[str, str]
    db_url: str
    root: Path
    server: EmbeddedServer | None


@contextmanager
def fresh_postgres() -> Iterator[str]:
    import psycopg
    from sqlalchemy.engine import make_url

    base = os.environ.get("GOLIVE_TEST_PG_URL", DEFAULT_PG_URL)
    conninfo = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"golive_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def loopback_server(
    doc: ProjectDocument | None = None,
    users: Sequence[str] = ("bench",),
    *,
    db: str = "sqlite",
    process: bool = True,
    **settings: Any,
) -> Iterator[Loopback]:
    """A server on a free loopback port with ``doc`` (default: a 40-number project).

    ``process`` runs it as ``golive server`` in a child process (the default: client and
    server then do not share one interpreter lock, as in production); otherwise it is an
    :class:`EmbeddedServer` thread.
    """
    logging.getLogger("golive_tui").setLevel(logging.WARNING)
    root = Path(tempfile.mkdtemp(prefix="golive-bench-"))
    doc = doc or generate_project(40, sites=2)
    with (fresh_postgres() if db == "postgres" else _sqlite(root)) as db_url:
        database = admin.open_database(db_url)
        try:
            project_id, _ = admin.import_document(database, doc)
            tokens = {}
            for user in users:
                admin.ensure_user(database, user)
                admin.grant(database, user, project_id, "ipm")
                tokens[user] = admin.issue_token(database, user).token
        finally:
            database.dispose()
        if process:
            with _server_process(db_url) as url:
                try:
                    yield Loopback(url, project_id, tokens, db_url, root, None)
                finally:
                    shutil.rmtree(root, ignore_errors=True)
            return
        server = EmbeddedServer(
            ServerSettings(db_url=db_url, log_level="warning", **settings)
        ).start()
        try:
            yield Loopback(server.url, project_id, tokens, db_url, root, server)
        finally:
            server.stop()
            shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _server_process(db_url: str) -> Iterator[str]:
    """``golive server`` in its own process, as in production (its own GIL and core)."""
    with _child_server([sys.executable, "-m", "golive_tui.server", "server", "--db", db_url,
                        "--log-level", "warning"], probe="/healthz") as url:
        yield url


@contextmanager
def _child_server(command: list[str], probe: str) -> Iterator[str]:
    """``command --port P`` in a child process, once ``probe`` answers 200 on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.Popen(
        [*command, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}{probe}", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"the server process did not start: {err[-2000:]}")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A bare ASGI app: reads a request's body and answers a JSON body of the same length.

    The floor of HTTP itself on loopback (``bench/sync_drain.py``): the same server, the same
    requests and answers of about the same size, and nothing done with them.
    """
    if scope["type"] != "http":  # run with --lifespan off: nothing else comes
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b'{"ok":"' + b"x" * max(0, size - 9) + b'"}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def echo_server() -> Iterator[str]:
    """:func:`echo_app` under uvicorn in its own process, as ``golive server`` runs."""
    with _child_server([sys.executable, "-m", "uvicorn", "loopback:echo_app",
                        "--app-dir", str(Path(__file__).resolve().parent),
                        "--lifespan", "off", "--log-level", "warning"], probe="/") as url:
        yield url


@contextmanager
def _sqlite(root: Path) -> Iterator[str]:
    yield f"sqlite:///{root / 'server.db'}"


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start


def report(figures: dict[str, Any], lines: Sequence[str], as_json: bool) -> None:
    """One JSON object with ``--json``; otherwise the human summary."""
    if as_json:
        print(json.dumps(figures, sort_keys=True))
    else:
        for line in lines:
            print(line)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
