"""The terminal golive draws on: it refuses to start without one and stops when it goes.

An SSH session that drops, a tmux session killed, a terminal window closed: the terminal
hangs up. The kernel sends SIGHUP to the process leading the terminal's session, but
golive is not always that process: ``make demo`` puts make in between, and make waits for
its recipe instead of passing the signal on. Every process still holding the terminal
sees the hang-up all the same: reading the terminal answers end of file, and writing to
it fails (EIO). Textual's Linux driver takes neither for the end. Its input thread reads
the end of file again and again, thousands of times a second, and its output thread dies
on the failed write, after which the app blocks once 30 writes are queued. So the app
kept a core busy, its cache open and, for the demo, its server running, for as long as
nobody killed it.

:class:`TerminalDriver` is that driver told to stop: a hang-up signal, an end of input or
a failed read or write posts :class:`TerminalLost` to the app, which quits with
:data:`EXIT_TERMINAL_LOST`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import selectors
import signal
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from golive_tui.tui.key_runs import with_runs
from golive_tui.tui.textual_adapter import (
    driver_app,
    driver_output,
    input_parser,
    replace_driver_output,
)

if TYPE_CHECKING:
    from textual.app import App

#: started without a terminal: input, output or the screen goes to a pipe or a file
EXIT_NO_TERMINAL = 3
#: the terminal went away while the app ran (a hang-up, the end of its input, a failed
#: write); 128 + SIGHUP, what a shell reports for a process a hang-up ended
EXIT_TERMINAL_LOST = 128 + signal.SIGHUP

#: the streams the app needs to be a terminal, by file descriptor
_STREAMS = {0: "input", 1: "output", 2: "error output (where the screen is drawn)"}


#: what ``TEXTUAL_DRIVER`` names when Textual's web serving runs the app (``golive web``)
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"


def served_in_browser() -> bool:
    """Whether the app draws in a browser through Textual's web driver, not a terminal."""
    return os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER


def missing_terminal() -> str | None:
    """Which of standard input, output and error is not a terminal, or None if all are
    (or if the app is served in a browser, where its streams are the web server's pipes)."""
    if served_in_browser():
        return None
    for fd, name in _STREAMS.items():
        if not os.isatty(fd):
            return name
    return None


def needs_terminal(stream: str) -> str:
    """What golive says when ``stream`` is not a terminal."""
    return (f"golive needs a terminal, but its {stream} is not one (a pipe or a file).\n"
            "Run it in a terminal window or an SSH session with a terminal (ssh -t). "
            "To check an install without one: golive smoke")


class TerminalLost(Message):
    """The terminal is gone; ``reason`` says how golive learned of it."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class _TerminalOutput:
    """The file the driver's output thread writes to: a failed write reports the terminal
    lost instead of ending the thread (after which every queued write would block)."""

    def __init__(self, file: IO[str], lost: Callable[[str], None]) -> None:
        self._stream = file
        self._lost = lost

    def write(self, text: str) -> None:
        try:
            self._stream.write(text)
        except OSError as exc:
            self._lost(f"writing to the terminal failed ({exc.strerror or exc})")

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            self._lost(f"writing to the terminal failed ({exc.strerror or exc})")

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return True


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver, which posts :class:`TerminalLost` when the terminal goes."""

    def __init__(self, app: App[Any], **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        # the driver's output thread writes to its output file: wrap it
        output = driver_output(self)
        assert output is not None, "golive draws on standard error, and there is none"
        replace_driver_output(self, _TerminalOutput(output, self._terminal_lost))
        self._lost_lock = threading.Lock()
        self.lost_reason: str | None = None
        self._hangup_loop: asyncio.AbstractEventLoop | None = None

    def start_application_mode(self) -> None:
        loop = asyncio.get_running_loop()
        # only the main thread may handle signals; an app run elsewhere still sees the
        # end of input and failed writes
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            loop.add_signal_handler(
                signal.SIGHUP, self._terminal_lost, "the terminal hung up (SIGHUP)", False
            )
            self._hangup_loop = loop
        super().start_application_mode()  # type: ignore[no-untyped-call]

    def stop_application_mode(self) -> None:
        super().stop_application_mode()
        if self._hangup_loop is not None:
            self._hangup_loop.remove_signal_handler(signal.SIGHUP)
            self._hangup_loop = None
            if self.lost_reason is not None:
                # what is left is stopping; a second hang-up must not cut it short
                signal.signal(signal.SIGHUP, signal.SIG_IGN)

    def _terminal_lost(self, reason: str, detach: bool = True) -> None:
        """Tell the app once, from whichever thread learned it.

        ``detach`` (any failed read or write) points standard output and error at
        /dev/null: the driver's last escape codes, a late log line to the console and
        Python's flush at exit then go nowhere, where on the dead terminal each would fail
        (and a failed flush at exit turns the exit status into 120).
        """
        with self._lost_lock:
            first = self.lost_reason is None
            if first:
                self.lost_reason = reason
        if detach:
            _detach_from_terminal()
        if first:
            driver_app(self).post_message(TerminalLost(reason))

    def run_input_thread(self) -> None:
        """Textual's input loop (``LinuxDriver.run_input_thread``), which ends when the
        terminal does: a read answering nothing or failing is not a quiet moment, and which
        posts the printable keys of one read as one :class:`~golive_tui.tui.key_runs.TypedRun`."""
        parser = input_parser(self)
        decode = getincrementaldecoder("utf-8")().decode
        fileno = self.fileno
        with selectors.SelectSelector() as selector:
            selector.register(fileno, selectors.EVENT_READ)
            while not self.exit_event.is_set():
                if selector.select(0.1):
                    try:
                        data = os.read(fileno, 4096)
                    except OSError as exc:
                        self._terminal_lost(f"reading the terminal failed ({exc.strerror})")
                        return
                    if not data:
                        self._terminal_lost("the terminal closed (end of input)")
                        return
                    # a run of printable keys goes as one message (tui/key_runs.py)
                    for message in with_runs(parser.feed(decode(data))):
                        self.process_message(message)
                for event in parser.tick():
                    self.process_message(event)


def _detach_from_terminal() -> None:
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            for fd in (1, 2):
                os.dup2(null, fd)
        finally:
            os.close(null)
