"""backprop-tui in a pseudo-terminal of its own, closed the way a dropped SSH link closes it.

The app runs as the leader of a new session with the terminal's slave side as its
controlling terminal (as sshd or tmux start a shell). ``hang_up`` closes the master side:
from then on the app's writes fail with EIO, its reads see end of file, and the kernel
sends it SIGHUP (and SIGCONT), the order of events of an SSH drop.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from waiting import DEADLINE

EXE = str(Path(sys.executable).with_name("backprop-tui"))
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def _controlling_terminal() -> None:
    """In the child, after setsid: stdin (the slave) becomes the controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyApp:
    """One backprop-tui process in a pseudo-terminal of ``size`` (columns, rows).

    The test's thread reads the terminal (``pump``) whenever it waits, so the app never
    blocks on a full terminal; nothing reads it in between, as a stalled link would not.
    """

    def __init__(self, args: list[str], state: Path, size=(100, 30), env=None) -> None:
        self.master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        state.mkdir(parents=True, exist_ok=True)  # its autosaves, and their fallback folder
        environment = dict(
            os.environ, TERM="xterm-256color", XDG_STATE_HOME=str(state), TMPDIR=str(state)
        )
        environment.pop("COLORTERM", None)
        environment.update(env or {})
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [EXE, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            start_new_session=True,
            preexec_fn=_controlling_terminal,
        )
        os.close(slave)
        self.output = bytearray()
        self.closed_at: float | None = None

    @property
    def text(self) -> str:
        """Everything written so far, without escape sequences."""
        return ANSI.sub("", self.output.decode("utf-8", "replace"))

    def pump(self, seconds: float = 0.0) -> None:
        """Read what the app writes for ``seconds`` (at least once)."""
        end = time.monotonic() + seconds
        while True:
            left = max(0.0, end - time.monotonic())
            if self.master >= 0 and select.select([self.master], [], [], min(left, 0.05))[0]:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:  # EIO: the app has closed its side
                    time.sleep(min(left, 0.05))
            elif self.master < 0:
                time.sleep(min(left, 0.05))
            if time.monotonic() >= end:
                return

    def wait_for(self, pattern: str, timeout: float = DEADLINE) -> None:
        """Read until ``pattern`` (a regular expression) shows in the output."""
        end = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < end:
            self.pump(0.05)
            if re.search(pattern, self.text[max(0, seen - 2000) :]):
                return
            seen = len(self.text)
            if self.proc.poll() is not None:
                break
        raise AssertionError(
            f"{pattern!r} never appeared; the end of the output:\n{self.text[-2000:]}"
        )

    def catches(self, signum: int) -> bool:
        """Whether the process has a handler for ``signum`` (Linux: /proc/PID/status)."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return False
        caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
        return bool(int(caught.split()[1], 16) >> (signum - 1) & 1)

    def wait_until_it_catches(self, signum: int, timeout: float = 20.0) -> None:
        """Read the terminal until the process handles ``signum``."""
        end = time.monotonic() + timeout
        while not self.catches(signum):
            assert self.proc.poll() is None and time.monotonic() < end, "no handler came"
            self.pump(0.001)

    def key(self, data: bytes) -> None:
        os.write(self.master, data)

    def hang_up(self) -> None:
        """Close the terminal: the master side goes away (the kernel then sends SIGHUP)."""
        os.close(self.master)
        self.master = -1
        self.closed_at = time.monotonic()

    def wait_gone(self, timeout: float = 3.0) -> int | None:
        """The exit code, or None if the process is still there after ``timeout``."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """End our process if it is still there (by its pid: only this one)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.master >= 0:
            os.close(self.master)
            self.master = -1
