"""``golive web`` as its own process, as a person starts it, for the tests that use it.

:func:`running_web` starts ``golive web ARGS --port 0`` with a scratch home, waits until it
says where it serves, and stops it (SIGTERM, then its tabs' processes end with it).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.scratch import scratch_env
from tests.waiting import wait_for

GOLIVE = Path(sys.executable).parent / "golive"
#: a failure bound for starting (the demo loads its server first) on a busy machine
START_TIMEOUT = 120.0
_SERVING = re.compile(r"golive web: serving (https?://\S+) ")


@dataclass
class WebProcess:
    process: subprocess.Popen[str]
    home: Path
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def url(self) -> str:
        match = _SERVING.search(self.output)
        assert match, self.output
        return match.group(1)


def web_env(home: Path) -> dict[str, str]:
    """The environment with a scratch home: nothing of the real user's is read or written."""
    return scratch_env(home, drop=lambda name: name.startswith("GOLIVE_"))


@contextmanager
def running_web(args: list[str], home: Path) -> Iterator[WebProcess]:
    """``golive web --port 0 ARGS``, serving, until the block ends."""
    home.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [str(GOLIVE), "web", "--port", "0", *args],
        env=web_env(home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    web = WebProcess(process, home)
    assert process.stdout is not None
    stream = process.stdout
    reader = threading.Thread(
        target=lambda: web.lines.extend(iter(stream.readline, "")), daemon=True
    )
    reader.start()
    try:
        wait_for(
            lambda: _SERVING.search(web.output) or process.poll() is not None,
            lambda: f"golive web to serve; it said:\n{web.output}",
            timeout=START_TIMEOUT,
        )
        assert process.poll() is None, f"golive web exited {process.returncode}:\n{web.output}"
        yield web
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        reader.join(timeout=10)


def tab_processes(home: Path) -> list[int]:
    """The ids of the ``golive`` processes that browser tabs of the web server in ``home``
    run (found by the cache folder in their environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"GOLIVE_DATA_DIR={home}".encode() in environ:
            found.append(int(entry.name))
    return found
