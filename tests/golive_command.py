"""``golive`` run as a script runs it, each time in a process of its own, without paying
for Python's start and golive's imports every time.

A starter process imports what the script commands import (once per test worker), then
forks one child per command: the child takes the command's environment, working folder,
standard input and output files, and runs the ``golive`` console script's own
``sys.exit(main())`` to the interpreter's normal exit (its ``atexit`` work included). The
caller gets its exit status, standard output and error as from ``subprocess.run``. Only
Python's start and the imports are shared; nothing a command does reaches the starter, as
each child ends where it ran. The console script itself is started by the packaging tests.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

#: what the starter runs: requests and answers are JSON lines on two pipes of its own, so
#: its standard streams (a child's, once forked) are never read or written by it
STARTER = """
import json, os, sys
requests = os.fdopen(int(sys.argv[1]), "r")
answers = os.fdopen(int(sys.argv[2]), "w")
from golive_tui.app.cli import main
import golive_tui.app.connect, golive_tui.app.importing, golive_tui.app.scripting
import golive_tui.app.remote, golive_tui.config, golive_tui.store.local, golive_tui.sync.client
answers.write("ready\\n")
answers.flush()
for line in requests:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        requests.close()
        answers.close()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for fd, (path, flags) in enumerate(request["streams"]):
            opened = os.open(path, flags, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        sys.argv = request["argv"]
        del request, line, requests, answers, pid
        sys.exit(main())
    answers.write(json.dumps(pid) + "\\n")
    answers.flush()
    _, status = os.waitpid(pid, 0)
    answers.write(json.dumps(os.waitstatus_to_exitcode(status)) + "\\n")
    answers.flush()
"""

GOLIVE = Path(sys.executable).parent / "golive"


class _Starter:
    def __init__(self) -> None:
        requests_read, self._requests = os.pipe()
        self._answers, answers_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", STARTER, str(requests_read), str(answers_write)],
            pass_fds=(requests_read, answers_write), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(requests_read)
        os.close(answers_write)
        self._pending = b""
        self.lock = threading.Lock()
        if self._answer(timeout=120) != "ready":
            raise RuntimeError("the golive starter process did not start")

    def _answer(self, timeout: float) -> str:
        while b"\n" not in self._pending:
            ready, _, _ = select.select([self._answers], [], [], timeout)
            if not ready:
                raise TimeoutError
            chunk = os.read(self._answers, 4096)
            if not chunk:
                raise RuntimeError("the golive starter process ended")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line.decode()

    def run(
        self, argv: list[str], env: dict[str, str], stdin: str | None, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        with tempfile.TemporaryDirectory(prefix="golive-command-") as folder:
            files = Path(folder)
            stdin_path = os.devnull
            if stdin is not None:
                stdin_path = str(files / "stdin")
                Path(stdin_path).write_text(stdin)
            out = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            request = {
                "argv": argv, "env": env, "cwd": os.getcwd(),
                "streams": [(stdin_path, os.O_RDONLY), (str(files / "stdout"), out),
                            (str(files / "stderr"), out)],
            }
            with self.lock:
                os.write(self._requests, (json.dumps(request) + "\n").encode())
                pid = int(self._answer(timeout=30))
                try:
                    code = int(self._answer(timeout=timeout))
                except TimeoutError:
                    os.kill(pid, signal.SIGKILL)
                    self._answer(timeout=30)
                    raise subprocess.TimeoutExpired(argv, timeout) from None
            return subprocess.CompletedProcess(
                argv, code, (files / "stdout").read_text(), (files / "stderr").read_text()
            )

    def close(self) -> None:
        os.close(self._requests)
        self.process.wait(timeout=30)
        os.close(self._answers)


_starter: _Starter | None = None


def run_golive(
    argv: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``golive *argv`` with this environment (and text on its standard input), to its end,
    as ``subprocess.run([golive, *argv], capture_output=True, text=True)`` gives it."""
    global _starter
    if _starter is None or _starter.process.poll() is not None:
        _starter = _Starter()
        atexit.register(_starter.close)
    return _starter.run([str(GOLIVE), *argv], env, stdin, timeout)
