"""A hang-up never loses the run and never leaves the process behind.

A dropped SSH link closes the terminal first (writes to it fail with EIO, reads see end of
file), then SIGHUP arrives. Textual's output thread dies on the failed write; its event
loop then blocks for good on the thread's full queue, where a signal handler of the event
loop never runs. So hang-ups are handled here, beside the event loop rather than in it,
by threads started in advance:

- the *listener* reads the signal module's wakeup pipe, where the C-level handler writes
  each signal's number at once (the Python-level handler, which waits for the main
  thread, does nothing): the first SIGHUP or SIGTERM wakes the finisher, a SIGTERM after
  it leaves at once (saves are atomic: the autosave is the old one or the new one);
- the *watcher* sees the terminal close (POLLHUP on stdin), and ``GuardedOutput``, the
  stream Textual's output thread writes to, reports a failed write and drops all output
  after it, so that thread keeps draining its queue and nothing waits on a dead terminal;
- the *finisher* asks the app to exit (a terminal still there is restored), saves the run
  once (``arm``'s save stops the worker first), allows the clean exit, and leaves with
  ``os._exit`` GRACE seconds after the hang-up at the latest, whatever is still running
  (a save then unfinished leaves the previous autosave whole): 128 + the signal, or 1 when
  the terminal went away without one. Before there is a run to save (the process is still
  loading), it lets the main thread build the run and write its first autosave until then.

The command installs it first thing, before anything heavy is imported (tui.cli.main), so
that a hang-up in the first second is handled too. Nothing here imports Textual or NumPy.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

GRACE = 1.2  # seconds from a hang-up until the process leaves, whatever is still running
HANGUP_WORKER_WAIT = 1.0  # a hang-up's save waits at most this long for the worker
SIGNAL_WAIT = 0.2  # a lost terminal waits this long for its SIGHUP (for the exit code)
_NOT_YET = object()


class Hangup:
    """The process's hang-up handling; ``install`` it, ``arm`` it once there is a run."""

    def __init__(self) -> None:
        self.signum: int | None = None  # the first SIGHUP or SIGTERM
        self.lost = False  # the terminal is gone: nothing more is written to it
        self.since = 0.0  # time.monotonic() when the hang-up was first seen
        self._triggered = threading.Event()  # a signal or a lost terminal
        self._signalled = threading.Event()
        self._done = threading.Event()  # the main thread has saved and said so
        self._save: Callable[[float], object] | None = None
        self._exit_app: Callable[[int], bool] | None = None
        self._save_lock = threading.Lock()
        self._result: object = _NOT_YET
        self._on_lost: list[Callable[[], None]] = []
        self._previous: dict[int, object] = {}
        self._previous_wakeup = -1
        self._installed = False
        self._retired = False
        self._wake_r, self._wake_w = os.pipe()  # the wakeup pipe (non-blocking, as required)
        os.set_blocking(self._wake_w, False)

    @property
    def triggered(self) -> bool:
        """A signal or a lost terminal has come: the process is on its way out."""
        return self._triggered.is_set() and not self._retired

    @property
    def code(self) -> int:
        """The exit code of a hang-up: 128 + the signal, or 1 for a lost terminal."""
        return 128 + self.signum if self.signum else 1

    def exit_code(self) -> int:
        """``code`` once the signal of a lost terminal has had SIGNAL_WAIT to come: a closed
        terminal's SIGHUP may be read a moment after its end was seen."""
        if self.lost and self.signum is None:
            self._signalled.wait(max(0.0, self.since + SIGNAL_WAIT - time.monotonic()))
        return self.code

    def install(self, signals: tuple[int, ...] = (signal.SIGHUP, signal.SIGTERM)) -> Hangup:
        """Handle ``signals`` (except those ignored, as under nohup); start the listener and
        the finisher. Must be called from the main thread."""
        for sig in signals:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                self._previous[sig] = signal.signal(sig, _nothing)
        self._previous_wakeup = signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        self._installed = True
        for name, target in (("signals", self._listen), ("hangup", self._finish)):
            threading.Thread(target=target, name=f"backprop-tui-{name}", daemon=True).start()
        return self

    def watch(self, fd: int = 0) -> None:
        """Report the terminal lost when ``fd`` (a terminal) hangs up; reads nothing."""
        if not os.isatty(fd):
            return

        def watch() -> None:
            poller = select.poll()
            poller.register(fd, 0)  # no events asked: only hang-up and errors wake it
            while not self._retired:
                if poller.poll(500):
                    self.terminal_lost()
                    return

        threading.Thread(target=watch, name="backprop-tui-terminal", daemon=True).start()

    def arm(self, save: Callable[[float], object]) -> None:
        """From now on a hang-up saves the run: ``save(wait)`` stops the worker (waiting at
        most ``wait`` seconds) and saves; it is called once."""
        self._save = save

    def attach(self, exit_app: Callable[[int], bool]) -> None:
        """From now on a hang-up first asks the app to exit: ``exit_app(code)``, callable
        from any thread, says whether the app is running to do so."""
        self._exit_app = exit_app

    def saving(self) -> threading.Lock:
        """Hold it around another save of the run: a hang-up meanwhile waits for it."""
        return self._save_lock

    def on_lost(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from any thread) when the terminal is lost."""
        self._on_lost.append(callback)

    def guard(self, stream: TextIO) -> GuardedOutput:
        """``stream`` for output to the terminal that never blocks or fails on a lost one."""
        return GuardedOutput(stream, self)

    def terminal_lost(self) -> None:
        """The terminal is gone (output failed, input ended): save and leave."""
        if self.lost:
            return
        self.lost = True
        self.since = self.since or time.monotonic()
        for callback in self._on_lost:
            try:
                callback()
            except Exception:
                pass
        self._triggered.set()

    def save(self, wait: float) -> object:
        """Save the run once: the first caller saves, later ones get its result."""
        with self._save_lock:
            if self._result is _NOT_YET and self._save is not None:
                self._result = self._save(wait)
            return None if self._result is _NOT_YET else self._result

    def finished(self) -> None:
        """The main thread is done (saved, said so). Without a hang-up, the handlers are
        restored and the threads retire (once); with one, the finisher leaves now."""
        self._done.set()
        if self.triggered or self._retired:
            return
        if self._installed:
            signal.set_wakeup_fd(self._previous_wakeup)
            for sig, previous in self._previous.items():
                signal.signal(sig, previous)
        self._retired = True
        if self._installed:
            os.write(self._wake_w, b"\0")  # the listener ends (closing the pipe), the finisher too
        else:
            os.close(self._wake_r)
            os.close(self._wake_w)
        self._triggered.set()

    # --- the threads ------------------------------------------------------------------

    def _listen(self) -> None:
        """Each signal as it arrives, whatever the main thread is doing."""
        while not self._retired:
            select.select([self._wake_r], [], [])
            for signum in os.read(self._wake_r, 512):
                if signum not in self._previous:
                    continue  # another handled signal (a resize) or our wake-up
                if self.signum is None:
                    self.signum = signum
                    self.since = self.since or time.monotonic()
                    self._signalled.set()
                    self._triggered.set()
                elif signum == signal.SIGTERM:
                    os._exit(128 + signum)  # asked again: leave now
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _finish(self) -> None:
        self._triggered.wait()
        if self._retired:
            return
        deadline = self.since + GRACE

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        code = self.exit_code()  # a closed terminal: its SIGHUP follows (or not)
        if self._save is None:  # still loading: the main thread saves the run as it starts
            self._done.wait(left())
            os._exit(code)
        exiting = False
        if self._exit_app is not None:
            try:
                exiting = self._exit_app(code)
            except Exception:
                pass
        saving = threading.Thread(
            target=self.save, args=(min(HANGUP_WORKER_WAIT, left()),), daemon=True
        )
        saving.start()
        saving.join(left())  # (a save still running then: the previous autosave stays)
        if exiting:  # let the app and the main thread end cleanly, but not for long
            self._done.wait(left())
        os._exit(code)


def _nothing(signum: int, frame: object) -> None:
    """The Python-level handler: the listener has the signal already."""


def say(text: str) -> None:
    """A line on stderr; nothing if the terminal is gone."""
    try:
        print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


class GuardedOutput:
    """The terminal stream for Textual's output thread: it never raises and, once the
    terminal is lost, never writes. A failed write (EIO, EPIPE ...) reports the terminal
    lost; later text is dropped, so the thread goes on draining its queue."""

    def __init__(self, stream: TextIO, hangup: Hangup) -> None:
        self._stream = stream
        self._hangup = hangup

    def write(self, text: str) -> int:
        if not self._hangup.lost:
            try:
                return self._stream.write(text)
            except (OSError, ValueError):
                self._hangup.terminal_lost()
        return len(text)

    def flush(self) -> None:
        if not self._hangup.lost:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._hangup.terminal_lost()

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return True
