"""golive and its terminal: it stops when the terminal goes and refuses to start without one.

The app runs for real, as its own process, on a pseudo-terminal this test holds the other
end of; closing that end is what a dropped SSH session or a killed tmux session does to it.
The process leading the terminal's session is made to ignore the hang-up and wait for
golive, as make does, so golive has to notice the lost terminal by itself.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from golive_tui.domain.enums import ChecklistStatus
from golive_tui.tui.factory import open_demo_cache
from golive_tui.tui.terminal import EXIT_NO_TERMINAL, EXIT_TERMINAL_LOST, _TerminalOutput
from golive_tui.tui.themes import theme_names
from tests.conftest import ServerUnderTest
from tests.waiting import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
GOLIVE = Path(sys.executable).parent / "golive"
#: a failure bound for starting up on a busy machine, not a pause
START_TIMEOUT = 90.0
#: how long every process may take to end once the terminal is gone: golive promises 2 s,
#: and this bound, generous for a busy machine, still tells "stops" from "lingers"
STOP_BOUND = 10.0
#: text on the screen once the demo project is loaded
LOADED = "Ridgeline"
#: the checklist's filter bar once its items are loaded
CHECKLIST_LOADED = r"waiting\s+\d+ items"
#: the log's line when golive stopped for a closed terminal: the end of its input or a
#: failed read or write, whichever golive met first
LOST_LOGGED = (rf"stopping with status {EXIT_TERMINAL_LOST}: (the terminal closed \(end of "
               r"input\)|(reading|writing to) the terminal failed \([^)]*\))")
#: control sequences, taken out of what the terminal was sent to find its text
ESCAPES = re.compile(r"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>])")


class Terminal:
    """A pseudo-terminal with a command running on it as the session's leader."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 110, 0, 0))
        self.process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO_ROOT,
            start_new_session=True, preexec_fn=_take_terminal,
        )
        os.close(slave)
        self.screen = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # select with a timeout, never a blocking read: a read in progress would keep the
        # master open after close() until the app wrote something more
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.screen.extend(data)

    def mark(self) -> int:
        with self._lock:
            return len(self.screen)

    def text(self, since: int = 0) -> str:
        """What was written to the terminal after ``since``, without escape sequences."""
        with self._lock:
            written = self.screen[since:].decode("utf-8", "replace")
        return ESCAPES.sub("", written)

    def wait_for(self, pattern: str, since: int = 0, timeout: float = START_TIMEOUT) -> None:
        """Wait until the terminal shows text matching ``pattern`` (after ``since``)."""
        wait_for(
            lambda: re.search(pattern, self.text(since)) or self.process.poll() is not None,
            lambda: f"{pattern!r} on a terminal showing\n{self.text()[-3000:]}\n",
            timeout=timeout,
        )
        assert self.process.poll() is None, (
            f"it ended with status {self.process.returncode}:\n{self.text()[-2000:]}")

    def press(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def session(self) -> list[int]:
        """The processes of the terminal's session that are still running."""
        sid = self.process.pid
        alive = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                alive.append(int(entry.name))
        return alive

    def hang_up(self) -> None:
        """Close the terminal, as the end of an SSH session or of a tmux session does."""
        self._stop.set()
        self._reader.join()
        os.close(self.master)
        self.master = -1

    def close(self) -> None:
        if self.master != -1:
            self.hang_up()
        for pid in self.session():
            os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def _take_terminal() -> None:
    """In the child: make the pseudo-terminal its controlling terminal, so that closing it
    sends the session's leader SIGHUP, as a real terminal's hang-up does."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """Settings, token and data of golive in a temporary folder, for a child process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "TEXTUAL"))}
    env.update(
        TERM="xterm-256color",
        GOLIVE_CONFIG=str(tmp_path / "config.toml"),
        GOLIVE_TOKEN_FILE=str(tmp_path / "secrets" / "token"),
        GOLIVE_DATA_DIR=str(tmp_path / "data"),
    )
    return env


@pytest.fixture
def terminals() -> Iterator[Callable[..., Terminal]]:
    opened: list[Terminal] = []

    def open_terminal(command: list[str], env: dict[str, str]) -> Terminal:
        terminal = Terminal(command, env)
        opened.append(terminal)
        return terminal

    yield open_terminal
    for terminal in opened:
        terminal.close()


def waiting_parent(command: str, status_file: Path) -> list[str]:
    """``command`` under a shell that ignores the hang-up and waits, as make does."""
    return ["sh", "-c", f'trap "" HUP; {command}; echo $? > {status_file}']


def outbox(cache: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(cache) as conn:
        rows = conn.execute("SELECT op_id, entity, action FROM outbox ORDER BY client_seq")
        return [tuple(row) for row in rows]


def mark_a_checklist_item(terminal: Terminal) -> None:
    """Open the checklist and press x on the item under the cursor: one change."""
    since = terminal.mark()
    terminal.press(b"2")
    terminal.wait_for(CHECKLIST_LOADED, since)
    terminal.press(b"x")


def assert_all_gone(terminal: Terminal) -> None:
    wait_for(lambda: not terminal.session(), "every process of the closed terminal ending",
             timeout=STOP_BOUND)


@pytest.mark.slow
def test_offline_app_under_a_waiting_parent_stops_when_its_terminal_closes(
    home: dict[str, str], tmp_path: Path, terminals: Callable[..., Terminal]
) -> None:
    status = tmp_path / "status"
    terminal = terminals(waiting_parent(f"{GOLIVE} demo --offline", status), home)
    terminal.wait_for(LOADED)
    folder = Path(home["GOLIVE_DATA_DIR"]) / "demo-offline"
    cache = folder / "cache.db"
    mark_a_checklist_item(terminal)
    queued = wait_for(lambda: outbox(cache), "the change reaching the outbox")

    terminal.hang_up()

    assert_all_gone(terminal)
    assert status.read_text().strip() == str(EXIT_TERMINAL_LOST)
    assert outbox(cache) == queued and queued[0][1] == "checklist_item"
    log = (folder / "golive.log").read_text()
    assert re.search(LOST_LOGGED + "; 1 change in the outbox for the next start", log), log

    again = terminals([str(GOLIVE), "demo", "--offline"], home)
    again.wait_for("1 queued")  # the demo's folder is the same at every start


@pytest.mark.slow
def test_demo_reset_starts_over_and_deletes_only_what_the_demo_keeps(
    home: dict[str, str], terminals: Callable[..., Terminal]
) -> None:
    folder = Path(home["GOLIVE_DATA_DIR"]) / "demo-offline"
    store = open_demo_cache(folder / "cache.db")
    started = next(i for i in store.checklist() if i.status is ChecklistStatus.IN_PROGRESS)
    store.set_checklist_status(started.id, ChecklistStatus.DONE)
    store.close()
    assert len(outbox(folder / "cache.db")) == 1
    (folder / "notes.txt").write_text("mine")

    terminal = terminals([str(GOLIVE), "demo", "--offline", "--reset"], home)
    terminal.wait_for(LOADED)

    assert outbox(folder / "cache.db") == []
    assert (folder / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_make_demo_stops_with_its_server_when_its_terminal_closes(
    home: dict[str, str], terminals: Callable[..., Terminal]
) -> None:
    make = ["make", "--no-print-directory", "-o", str(VENV / ".installed"), f"VENV={VENV}",
            "demo"]
    terminal = terminals(make, home)
    terminal.wait_for(LOADED)
    folder = Path(home["GOLIVE_DATA_DIR"]) / "demo"

    terminal.hang_up()

    assert_all_gone(terminal)
    log = (folder / "golive.log").read_text()
    assert re.search(LOST_LOGGED, log), log
    assert log.rstrip().endswith("demo server stopped")


@pytest.mark.slow
def test_connected_app_keeps_what_it_could_not_send_when_its_terminal_closes(
    sqlite_server: ServerUnderTest, home: dict[str, str], tmp_path: Path,
    terminals: Callable[..., Terminal],
) -> None:
    connected = subprocess.run(
        [GOLIVE, "connect", sqlite_server.url, "--token-stdin"],
        input=sqlite_server.tokens["ipm"] + "\n",
        env=home, capture_output=True, text=True, timeout=60, check=False,
    )
    assert connected.returncode == 0, connected.stderr
    status = tmp_path / "status"
    terminal = terminals(waiting_parent(str(GOLIVE), status), home)
    terminal.wait_for(LOADED)
    sqlite_server.server.stop()  # the network goes down with the terminal
    cache = next((Path(home["GOLIVE_DATA_DIR"]) / "caches").glob("*.sqlite"))
    mark_a_checklist_item(terminal)
    queued = wait_for(lambda: outbox(cache), "the change reaching the outbox")

    terminal.hang_up()

    assert_all_gone(terminal)
    assert status.read_text().strip() == str(EXIT_TERMINAL_LOST)
    assert outbox(cache) == queued
    log = (Path(home["GOLIVE_DATA_DIR"]) / "golive.log").read_text()
    assert re.search(LOST_LOGGED + "; 1 change in the outbox for the next start", log), log


@pytest.mark.slow
def test_a_hang_up_signal_stops_the_app_with_its_own_status(
    home: dict[str, str], terminals: Callable[..., Terminal]
) -> None:
    terminal = terminals([str(GOLIVE), "demo", "--offline"], home)
    terminal.wait_for(LOADED)

    terminal.process.send_signal(signal.SIGHUP)

    wait_for(lambda: terminal.process.poll() is not None, "golive ending", timeout=STOP_BOUND)
    assert terminal.process.returncode == EXIT_TERMINAL_LOST
    log = (Path(home["GOLIVE_DATA_DIR"]) / "demo-offline" / "golive.log").read_text()
    assert "the terminal hung up (SIGHUP)" in log


def test_a_failed_write_to_a_closed_terminal_is_reported_not_raised() -> None:
    # what the driver's output thread writes through: raising would end that thread, and
    # the app would block once 30 writes were queued for it
    master, slave = os.openpty()
    reasons: list[str] = []
    file = os.fdopen(slave, "w", encoding="utf-8")
    output = _TerminalOutput(file, reasons.append)
    output.write("before")
    output.flush()
    os.close(master)

    output.write("after")
    output.flush()

    assert reasons and reasons[0].startswith("writing to the terminal failed (")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, slave)  # what the driver does next, so that closing cannot fail either
    os.close(null)
    file.close()


@pytest.mark.parametrize(
    "argv", [["demo"], ["demo", "--offline"], [], ["run"]], ids=["demo", "offline", "app", "run"]
)
@pytest.mark.parametrize("redirect", ["stdin", "stdout"])
def test_without_a_terminal_it_says_so_and_stops_at_once(
    home: dict[str, str], argv: list[str], redirect: str
) -> None:
    streams: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE}
    if redirect == "stdout":
        # input from a terminal, output into a pipe: as in `golive demo | tee log`
        master, slave = os.openpty()
        streams["stdin"] = slave
    try:
        done = subprocess.run([GOLIVE, *argv], env=home, stderr=subprocess.PIPE, text=True,
                              timeout=60, check=False, **streams)
    finally:
        if redirect == "stdout":
            os.close(master)
            os.close(slave)
    assert done.returncode == EXIT_NO_TERMINAL
    assert "golive needs a terminal" in done.stderr
    assert ("its input is not one" if redirect == "stdin" else "its output is not one") in (
        done.stderr)


@pytest.mark.parametrize("argv", [["--help"], ["admin", "--help"], ["server", "--help"],
                                  ["demo", "--help"]], ids=" ".join)
def test_commands_without_a_screen_need_no_terminal(
    home: dict[str, str], argv: list[str]
) -> None:
    done = subprocess.run([GOLIVE, *argv], env=home, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "usage: golive" in done.stdout


def test_an_unknown_theme_is_refused_with_the_themes_there_are(home: dict[str, str]) -> None:
    done = subprocess.run([GOLIVE, "demo", "--theme", "golive-purple"], env=home,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2
    assert "there is no theme 'golive-purple'" in done.stderr
    assert all(name in done.stderr for name in theme_names())
    assert "golive-dark, golive-light, golive-high-contrast" in done.stderr
